import SimCore
import Wire
import NetModel

/// Small hand-built networks for unit tests.
public enum TestNetworks {
    /// One VPC (10.0.0.0/16) with subnets 10.0.1.0/24 and 10.0.2.0/24 in one AZ, an instance ENI in
    /// each (10.0.1.10 = ENI 0, 10.0.2.20 = ENI 1) with a host behind it, a main route table with
    /// only the local route, and the default ACL (allow all). Group 0 ("client") allows all
    /// egress and no ingress; group 1 ("web") admits TCP 443 from group 0, or `webIngress`.
    public static func twoSubnets(
        clientEgress: [SecurityGroupRule]? = nil, webIngress: [SecurityGroupRule]? = nil,
        subnetBACL: NetworkACL? = nil, latency: LatencyModel = .constantForTests
    ) -> (network: Network, hostA: HostIndex, hostB: HostIndex) {
        var n = Network(region: "us-east-1")
        n.latency = latency
        n.zones = [AvailabilityZone(name: "us-east-1a", id: "use1-az1")]
        n.vpcs = [
            VPC(
                id: "vpc-00000001", accountID: "123456789012", cidrs: [CIDR("10.0.0.0/16")!],
                mainRouteTable: RouteTableIndex(0), defaultNetworkACL: NetworkACLIndex(0))
        ]
        n.routeTables = [
            RouteTable(
                id: "rtb-00000001", vpc: VPCIndex(0),
                routes: [Route(destination: .cidr(CIDR("10.0.0.0/16")!), target: .local)], isMain: true)
        ]
        let all = NetworkACLEntry(
            ruleNumber: 100, protocolNumber: -1, ports: .all, cidr: CIDR("0.0.0.0/0")!, allow: true)
        n.networkACLs = [
            NetworkACL(id: "acl-00000001", vpc: VPCIndex(0), isDefault: true, inbound: [all], outbound: [all])
        ]
        if let subnetBACL { n.networkACLs.append(subnetBACL) }
        n.subnets = [
            Subnet(
                id: "subnet-0000000a", vpc: VPCIndex(0), cidr: CIDR("10.0.1.0/24")!, zone: AvailabilityZoneIndex(0),
                routeTable: RouteTableIndex(0), networkACL: NetworkACLIndex(0)),
            Subnet(
                id: "subnet-0000000b", vpc: VPCIndex(0), cidr: CIDR("10.0.2.0/24")!, zone: AvailabilityZoneIndex(0),
                routeTable: RouteTableIndex(0), networkACL: NetworkACLIndex(subnetBACL == nil ? 0 : 1)),
        ]
        let anyOut = SecurityGroupRule(protocolNumber: -1, ports: .all, peer: .cidr(CIDR("0.0.0.0/0")!))
        n.securityGroups = [
            SecurityGroup(
                id: "sg-0000000c", name: "client", vpc: VPCIndex(0), ingress: [], egress: clientEgress ?? [anyOut]),
            SecurityGroup(
                id: "sg-0000000d", name: "web", vpc: VPCIndex(0),
                ingress: webIngress ?? [
                    SecurityGroupRule(
                        protocolNumber: 6, ports: PortRange(443, 443), peer: .securityGroup(SecurityGroupIndex(0)))
                ],
                egress: [anyOut]),
        ]
        n.enis = [
            ENI(
                id: "eni-0000000a", subnet: SubnetIndex(0), vpc: VPCIndex(0), privateIP: IPAddress("10.0.1.10")!,
                mac: MACAddress(raw: 0x0200_0000_000A), securityGroups: [SecurityGroupIndex(0)],
                kind: .instance(id: "i-0000000a"),
                accountID: "123456789012"),
            ENI(
                id: "eni-0000000b", subnet: SubnetIndex(1), vpc: VPCIndex(0), privateIP: IPAddress("10.0.2.20")!,
                mac: MACAddress(raw: 0x0200_0000_000B), securityGroups: [SecurityGroupIndex(1)],
                kind: .instance(id: "i-0000000b"),
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

extension TestNetworks {
    public static let dualStackVPC = CIDR("2600:1f18:aa:bb00::/56")!
    public static let dualStackA = IPAddress("2600:1f18:aa:bb01::10")!
    public static let dualStackB = IPAddress("2600:1f18:aa:bb02::20")!

    /// `twoSubnets` made dual-stack: the VPC's IPv6 block 2600:1f18:aa:bb00::/56 with its local
    /// route, 2600:1f18:aa:bb01::/64 and …bb02::/64 for the subnets, ENI 0 at …bb01::10 and ENI 1
    /// at …bb02::20, the default ACL's rule 101 for `::/0`
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html) and the client group's
    /// egress to `::/0`.
    public static func twoSubnetsDualStack() -> (network: Network, hostA: HostIndex, hostB: HostIndex) {
        var (n, a, b) = twoSubnets()
        n.vpcs[0].cidrs.append(dualStackVPC)
        n.routeTables[0].routes.append(Route(destination: .cidr(dualStackVPC), target: .local))
        n.subnets[0].ipv6CIDR = CIDR("2600:1f18:aa:bb01::/64")!
        n.subnets[1].ipv6CIDR = CIDR("2600:1f18:aa:bb02::/64")!
        n.enis[0].ipv6Addresses = [dualStackA]
        n.enis[1].ipv6Addresses = [dualStackB]
        let all6 = NetworkACLEntry(ruleNumber: 101, protocolNumber: -1, ports: .all, cidr: CIDR("::/0")!, allow: true)
        let acl = n.networkACLs[0]
        n.networkACLs[0] = NetworkACL(
            id: acl.id, vpc: acl.vpc, isDefault: true, inbound: acl.inbound + [all6], outbound: acl.outbound + [all6])
        n.securityGroups[0].egress.append(
            SecurityGroupRule(protocolNumber: -1, ports: .all, peer: .cidr(CIDR("::/0")!)))
        n.finalize(random: RandomStreams(seed: 7))
        return (n, a, b)
    }

    /// A private subnet (10.0.1.0/24, default route → NAT) with one instance (10.0.1.10, host 0),
    /// a public subnet (10.0.0.0/24, default route → IGW) holding a public NAT gateway (10.0.0.10,
    /// Elastic IP 3.213.48.117), and an internet host at 93.184.216.34 (host 1).
    public static func natGateway(latency: LatencyModel = .constantForTests) -> (
        network: Network, inside: HostIndex, outside: HostIndex
    ) {
        var n = Network(region: "us-east-1")
        n.latency = latency
        n.zones = [AvailabilityZone(name: "us-east-1a", id: "use1-az1")]
        n.vpcs = [
            VPC(
                id: "vpc-00000001", accountID: "123456789012", cidrs: [CIDR("10.0.0.0/16")!],
                mainRouteTable: RouteTableIndex(0), defaultNetworkACL: NetworkACLIndex(0))
        ]
        n.vpcs[0].internetGateway = InternetGatewayIndex(0)
        n.internetGateways = [InternetGateway(id: "igw-00000001", vpc: VPCIndex(0))]
        let local = Route(destination: .cidr(CIDR("10.0.0.0/16")!), target: .local)
        let any = CIDR("0.0.0.0/0")!
        n.routeTables = [
            RouteTable(
                id: "rtb-00000001", vpc: VPCIndex(0),
                routes: [local, Route(destination: .cidr(any), target: .natGateway(NATGatewayIndex(0)))], isMain: true),
            RouteTable(
                id: "rtb-00000002", vpc: VPCIndex(0),
                routes: [local, Route(destination: .cidr(any), target: .internetGateway(InternetGatewayIndex(0)))],
                isMain: false),
        ]
        let all = NetworkACLEntry(ruleNumber: 100, protocolNumber: -1, ports: .all, cidr: any, allow: true)
        n.networkACLs = [
            NetworkACL(id: "acl-00000001", vpc: VPCIndex(0), isDefault: true, inbound: [all], outbound: [all])
        ]
        n.subnets = [
            Subnet(
                id: "subnet-0000000a", vpc: VPCIndex(0), cidr: CIDR("10.0.1.0/24")!, zone: AvailabilityZoneIndex(0),
                routeTable: RouteTableIndex(0), networkACL: NetworkACLIndex(0)),
            Subnet(
                id: "subnet-0000000b", vpc: VPCIndex(0), cidr: CIDR("10.0.0.0/24")!, zone: AvailabilityZoneIndex(0),
                routeTable: RouteTableIndex(1), networkACL: NetworkACLIndex(0)),
        ]
        n.securityGroups = [
            SecurityGroup(
                id: "sg-0000000c", name: "client", vpc: VPCIndex(0), ingress: [],
                egress: [SecurityGroupRule(protocolNumber: -1, ports: .all, peer: .cidr(any))])
        ]
        n.enis = [
            ENI(
                id: "eni-0000000a", subnet: SubnetIndex(0), vpc: VPCIndex(0), privateIP: IPAddress("10.0.1.10")!,
                mac: MACAddress(raw: 0x0200_0000_000A), securityGroups: [SecurityGroupIndex(0)],
                kind: .instance(id: "i-0000000a"),
                accountID: "123456789012"),
            ENI(
                id: "eni-0000000e", subnet: SubnetIndex(1), vpc: VPCIndex(0), privateIP: IPAddress("10.0.0.10")!,
                mac: MACAddress(raw: 0x0200_0000_000E), securityGroups: [], kind: .natGateway(NATGatewayIndex(0)),
                accountID: "123456789012"),
        ]
        n.natGateways = [
            NATGateway(
                id: "nat-00000001", subnet: SubnetIndex(1), eni: ENIIndex(1), privateIP: IPAddress("10.0.0.10")!,
                elasticIPs: [IPAddress("3.213.48.117")!])
        ]
        let inside = n.addHost(.eni(ENIIndex(0)))
        n.enis[0].host = inside
        let outside = n.addHost(.publicAddress(IPAddress("93.184.216.34")!, internet: true))
        n.observed = [true, true]
        n.finalize(random: RandomStreams(seed: 11))
        return (n, inside, outside)
    }
}

extension LatencyModel {
    /// Constant delays (the model's values before hops had distributions), for tests that check
    /// exact times: 40 µs within an AZ, 400 µs across, 60 µs Hyperplane, 30 µs NAT gateway,
    /// 350 µs regional, 12 ms internet, 120 µs resolver.
    public static var constantForTests: LatencyModel {
        var m = LatencyModel()
        m.intraAZ = .constant(.microseconds(40))
        m.crossAZ = .constant(.microseconds(400))
        m.hyperplane = .constant(.microseconds(60))
        m.natGateway = .constant(.microseconds(30))
        m.regional = .constant(.microseconds(350))
        m.internet = .constant(.milliseconds(12))
        m.resolver = .constant(.microseconds(120))
        return m
    }
}
