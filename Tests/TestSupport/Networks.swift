import SimCore
import Wire
import NetModel

/// Small hand-built networks for unit tests.
public enum TestNetworks {
    /// One VPC (10.0.0.0/16) with subnets 10.0.1.0/24 and 10.0.2.0/24 in one AZ, an instance ENI in
    /// each (10.0.1.10 = ENI 0, 10.0.2.20 = ENI 1) with a host behind it, a main route table with
    /// only the local route, and the default ACL (allow all). Group 0 ("client") allows all
    /// egress and no ingress; group 1 ("web") admits TCP 443 from group 0, or `webIngress`.
    public static func twoSubnets(clientEgress: [SecurityGroupRule]? = nil, webIngress: [SecurityGroupRule]? = nil,
                                  subnetBACL: NetworkACL? = nil) -> (network: Network, hostA: HostIndex, hostB: HostIndex) {
        var n = Network(region: "us-east-1")
        n.zones = [AvailabilityZone(name: "us-east-1a", id: "use1-az1")]
        n.vpcs = [VPC(id: "vpc-00000001", accountID: "123456789012", cidrs: [CIDR("10.0.0.0/16")!],
                      mainRouteTable: RouteTableIndex(0), defaultNetworkACL: NetworkACLIndex(0))]
        n.routeTables = [RouteTable(id: "rtb-00000001", vpc: VPCIndex(0),
                                    routes: [Route(destination: .cidr(CIDR("10.0.0.0/16")!), target: .local)], isMain: true)]
        let all = NetworkACLEntry(ruleNumber: 100, protocolNumber: -1, ports: .all, cidr: CIDR("0.0.0.0/0")!, allow: true)
        n.networkACLs = [NetworkACL(id: "acl-00000001", vpc: VPCIndex(0), isDefault: true, inbound: [all], outbound: [all])]
        if let subnetBACL { n.networkACLs.append(subnetBACL) }
        n.subnets = [
            Subnet(id: "subnet-0000000a", vpc: VPCIndex(0), cidr: CIDR("10.0.1.0/24")!, zone: AvailabilityZoneIndex(0),
                   routeTable: RouteTableIndex(0), networkACL: NetworkACLIndex(0)),
            Subnet(id: "subnet-0000000b", vpc: VPCIndex(0), cidr: CIDR("10.0.2.0/24")!, zone: AvailabilityZoneIndex(0),
                   routeTable: RouteTableIndex(0), networkACL: NetworkACLIndex(subnetBACL == nil ? 0 : 1)),
        ]
        let anyOut = SecurityGroupRule(protocolNumber: -1, ports: .all, peer: .cidr(CIDR("0.0.0.0/0")!))
        n.securityGroups = [
            SecurityGroup(id: "sg-0000000c", name: "client", vpc: VPCIndex(0), ingress: [], egress: clientEgress ?? [anyOut]),
            SecurityGroup(id: "sg-0000000d", name: "web", vpc: VPCIndex(0),
                          ingress: webIngress ?? [SecurityGroupRule(protocolNumber: 6, ports: PortRange(443, 443), peer: .securityGroup(SecurityGroupIndex(0)))],
                          egress: [anyOut]),
        ]
        n.enis = [
            ENI(id: "eni-0000000a", subnet: SubnetIndex(0), vpc: VPCIndex(0), privateIP: IPv4Address("10.0.1.10")!,
                mac: MACAddress(raw: 0x0200_0000_000A), securityGroups: [SecurityGroupIndex(0)], kind: .instance(id: "i-0000000a"),
                accountID: "123456789012"),
            ENI(id: "eni-0000000b", subnet: SubnetIndex(1), vpc: VPCIndex(0), privateIP: IPv4Address("10.0.2.20")!,
                mac: MACAddress(raw: 0x0200_0000_000B), securityGroups: [SecurityGroupIndex(1)], kind: .instance(id: "i-0000000b"),
                accountID: "123456789012"),
        ]
        let a = n.addHost(.eni(ENIIndex(0)))
        let b = n.addHost(.eni(ENIIndex(1)))
        n.enis[0].host = a
        n.enis[1].host = b
        n.observed = [true, true]
        n.finalize(random: RandomStreams(seed: 7))
        return (n, a, b)
    }
}
