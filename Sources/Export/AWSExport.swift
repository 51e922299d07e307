import Foundation
import Wire
import NetModel
import Workloads
import Capture
import Topology

/// `vpcsim export aws`: a loaded topology as the JSON the AWS CLI prints for the calls
/// `vpcsim import aws` reads — `ec2 describe-vpcs`, `describe-subnets`, … `lambda
/// list-functions`, `rds describe-db-instances` — one document per call, in the output shapes of
/// the services' API models (PascalCase members; what vpcsim does not model, such as AMIs or
/// instance types, is left out, as the models allow: output members are optional). Importing
/// the files gives back the topology's network (see README, "Export").
public struct AWSExport {
    public let scenario: Scenario
    var network: Network { scenario.network }
    public let account: String
    public let region: String

    public init(_ scenario: Scenario) {
        self.scenario = scenario
        self.region = scenario.network.region
        self.account = scenario.network.vpcs.first?.accountID ?? "123456789012"
    }

    /// Every call's output, by the file name a collector gives it (`describe-vpcs.json`, …),
    /// in file-name order.
    public func documents() -> [(file: String, json: [String: Any])] {
        var out: [(String, [String: Any])] = [
            ("describe-vpcs", ["Vpcs": network.vpcs.map(vpc)]),
            ("describe-subnets", ["Subnets": network.subnets.indices.map(subnet)]),
            ("describe-route-tables", ["RouteTables": network.routeTables.indices.map(routeTable)]),
            ("describe-network-acls", ["NetworkAcls": network.networkACLs.indices.map(networkACL)]),
            ("describe-security-groups", ["SecurityGroups": network.securityGroups.map(securityGroup)]),
            ("describe-internet-gateways", ["InternetGateways": network.internetGateways.map(internetGateway)]),
            ("describe-nat-gateways", ["NatGateways": network.natGateways.map(natGateway)]),
            ("describe-addresses", ["Addresses": addresses()]),
            (
                "describe-vpc-endpoints",
                ["VpcEndpoints": network.gatewayEndpoints.map(endpoint) + network.interfaceEndpoints.map(endpoint)]
            ),
            ("describe-managed-prefix-lists", ["PrefixLists": network.prefixLists.map(prefixList)]),
            (
                "describe-network-interfaces",
                ["NetworkInterfaces": network.enis.indices.map { networkInterface(ENIIndex($0)) }]
            ),
            ("describe-instances", ["Reservations": scenario.instances.map(reservation)]),
            ("describe-flow-logs", ["FlowLogs": scenario.flowLogs.map(flowLog)]),
            ("lambda-list-functions", ["Functions": scenario.world.functions.map(function)]),
            ("rds-describe-db-instances", ["DBInstances": scenario.world.databases.map(database)]),
        ]
        out += interconnectDocuments()
        // get-managed-prefix-list-entries, one file per customer-managed list (the file name holds its id).
        for p in network.prefixLists where p.awsService == nil {
            out.append(
                ("get-managed-prefix-list-entries-\(p.id)", ["Entries": p.cidrs.map { ["Cidr": $0.description] }]))
        }
        return out.sorted { $0.0 < $1.0 }.map { ($0.0 + ".json", $0.1) }
    }

    /// A document as the AWS CLI prints it (Python's `json.dumps` with a 4-space indent, `": "`
    /// after keys, non-ASCII as is), keys sorted so that the same topology gives the same bytes.
    public static func text(_ json: [String: Any]) -> String {
        var out = ""
        write(json, indent: 0, into: &out)
        return out + "\n"
    }

    static func write(_ v: Any, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent + 4)
        switch v {
        case let d as [String: Any]:
            guard !d.isEmpty else { out += "{}"; return }
            out += "{\n"
            for (i, k) in d.keys.sorted().enumerated() {
                out += pad + quoted(k) + ": "
                write(d[k]!, indent: indent + 4, into: &out)
                out += i == d.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        case let a as [Any]:
            guard !a.isEmpty else { out += "[]"; return }
            out += "[\n"
            for (i, x) in a.enumerated() {
                out += pad
                write(x, indent: indent + 4, into: &out)
                out += i == a.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case let b as Bool: out += b ? "true" : "false"
        case let n as Int: out += String(n)
        case let s as String: out += quoted(s)
        default: out += "null"
        }
    }

    /// A JSON string as Python's encoder writes it with `ensure_ascii=False`.
    static func quoted(_ s: String) -> String { JSONText.quoted(s) }

    // MARK: Ids AWS gives what vpcsim does not name

    func derived(_ prefix: String, _ key: String) -> String { LoaderIDs.generated(prefix, "export:" + key) }
    func arn(_ service: String, _ resource: String) -> String { "arn:aws:\(service):\(region):\(account):\(resource)" }
    func tags(_ name: String?) -> [[String: Any]] { name.map { [["Key": "Name", "Value": $0]] } ?? [] }
    func groupRefs(_ groups: [SecurityGroupIndex]) -> [[String: Any]] {
        groups.map { ["GroupId": network.securityGroups[$0.int].id, "GroupName": network.securityGroups[$0.int].name] }
    }

    // MARK: EC2

    func vpc(_ v: VPC) -> [String: Any] {
        var out: [String: Any] = [
            "VpcId": v.id, "OwnerId": v.accountID, "State": "available", "CidrBlock": v.cidrs[0].description,
            "CidrBlockAssociationSet": v.cidrs.filter(\.isIPv4).map { c -> [String: Any] in
                [
                    "AssociationId": derived("vpc-cidr-assoc-", v.id + c.description), "CidrBlock": c.description,
                    "CidrBlockState": ["State": "associated"],
                ]
            },
            "DhcpOptionsId": derived("dopt-", v.id), "InstanceTenancy": "default", "IsDefault": false,
        ]
        let v6 = v.cidrs.filter { !$0.isIPv4 }
        if !v6.isEmpty {
            out["Ipv6CidrBlockAssociationSet"] = v6.map { c -> [String: Any] in
                [
                    "AssociationId": derived("vpc-cidr-assoc-", v.id + c.description), "Ipv6CidrBlock": c.description,
                    "Ipv6CidrBlockState": ["State": "associated"], "NetworkBorderGroup": network.region,
                    "Ipv6Pool": "Amazon",
                ]
            }
        }
        return out
    }

    func subnet(_ i: Int) -> [String: Any] {
        let s = network.subnets[i]
        let zone = network.zones[s.zone.int]
        let used = network.enis.filter { $0.subnet.int == i }.reduce(0) { $0 + 1 + $1.secondaryIPs.count }
        var out: [String: Any] = [
            "SubnetId": s.id, "VpcId": network.vpcs[s.vpc.int].id,
            "AvailabilityZone": zone.name, "AvailabilityZoneId": zone.id, "State": "available",
            "AvailableIpAddressCount": s.ipv4CIDR.map { Int($0.size) - 5 - used } ?? 0, "DefaultForAz": false,
            "MapPublicIpOnLaunch": false, "OwnerId": network.vpcs[s.vpc.int].accountID,
            "SubnetArn": arn("ec2", "subnet/\(s.id)"), "AssignIpv6AddressOnCreation": s.isIPv6Only,
        ]
        if let c = s.ipv4CIDR {
            out["CidrBlock"] = c.description
        } else {
            // An IPv6-only subnet: Ipv6Native, no CidrBlock, IPv6 addresses assigned on launch and
            // resource-name hostnames with AAAA records (the only hostname type it takes,
            // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-naming.html).
            out["Ipv6Native"] = true
            out["PrivateDnsNameOptionsOnLaunch"] = [
                "HostnameType": "resource-name", "EnableResourceNameDnsARecord": false,
                "EnableResourceNameDnsAAAARecord": true,
            ]
        }
        // describe-subnets' EnableDns64 (written when on; AWS writes false too, left out so that
        // exports of the other topologies keep their bytes).
        if s.dns64 { out["EnableDns64"] = true }
        if let c = s.ipv6CIDR {
            out["Ipv6CidrBlockAssociationSet"] = [
                [
                    "AssociationId": derived("subnet-cidr-assoc-", s.id + c.description),
                    "Ipv6CidrBlock": c.description, "Ipv6CidrBlockState": ["State": "associated"],
                ] as [String: Any]
            ]
        }
        return out
    }

    func routeTable(_ i: Int) -> [String: Any] {
        let t = network.routeTables[i]
        var associations: [[String: Any]] = []
        if t.isMain {
            associations.append([
                "Main": true, "RouteTableAssociationId": derived("rtbassoc-", t.id), "RouteTableId": t.id,
                "AssociationState": ["State": "associated"],
            ])
        }
        // Subnets on the main table are associated with it implicitly, and AWS lists them nowhere.
        for s in network.subnets where s.routeTable.int == i && !t.isMain {
            associations.append([
                "Main": false, "RouteTableAssociationId": derived("rtbassoc-", t.id + s.id), "RouteTableId": t.id,
                "SubnetId": s.id, "AssociationState": ["State": "associated"],
            ])
        }
        return [
            "RouteTableId": t.id, "VpcId": network.vpcs[t.vpc.int].id, "OwnerId": network.vpcs[t.vpc.int].accountID,
            "Associations": associations, "Routes": t.routes.map(route), "PropagatingVgws": [] as [Any],
            "Tags": [] as [Any],
        ]
    }

    func route(_ r: Route) -> [String: Any] {
        // EC2 knows three origins of a route in a table; a gateway endpoint's is CreateRoute.
        var out: [String: Any] = [
            "Origin": r.origin == "CreateRouteTable" ? "CreateRouteTable" : "CreateRoute", "State": "active",
        ]
        switch r.destination {
        case .cidr(let c): out[c.isIPv4 ? "DestinationCidrBlock" : "DestinationIpv6CidrBlock"] = c.description
        case .prefixList(let p): out["DestinationPrefixListId"] = network.prefixLists[p.int].id
        }
        switch r.target {
        case .local: out["GatewayId"] = "local"
        case .internetGateway(let g): out["GatewayId"] = network.internetGateways[g.int].id
        case .gatewayEndpoint(let g): out["GatewayId"] = network.gatewayEndpoints[g.int].id
        case .natGateway(let g): out["NatGatewayId"] = network.natGateways[g.int].id
        case .networkInterface(let e):
            let eni = network.enis[e.int]
            out["NetworkInterfaceId"] = eni.id
            if case .instance(let id) = eni.kind {
                out["InstanceId"] = id
                out["InstanceOwnerId"] = eni.accountID
            }
        case .blackhole:
            // The target was deleted; AWS keeps the route in state blackhole.
            out["State"] = "blackhole"
        case .egressOnlyInternetGateway(let g):
            out["EgressOnlyInternetGatewayId"] = network.egressOnlyInternetGateways[g.int].id
        case .peeringConnection(let c): out["VpcPeeringConnectionId"] = network.peeringConnections[c.int].id
        case .transitGateway(let t): out["TransitGatewayId"] = network.transitGateways[t.int].id
        }
        return out
    }

    func networkACL(_ i: Int) -> [String: Any] {
        let a = network.networkACLs[i]
        func entry(_ e: NetworkACLEntry, egress: Bool) -> [String: Any] {
            var out: [String: Any] = [
                "RuleNumber": Int(e.ruleNumber), "Protocol": String(e.protocolNumber), "Egress": egress,
                "RuleAction": e.allow ? "allow" : "deny",
                (e.cidr.isIPv4 ? "CidrBlock" : "Ipv6CidrBlock"): e.cidr.description,
            ]
            if e.protocolNumber == 6 || e.protocolNumber == 17 {
                out["PortRange"] = ["From": Int(e.ports.from), "To": Int(e.ports.to)]
            } else if e.protocolNumber == 1 {
                out["IcmpTypeCode"] = [
                    "Type": e.ports.from == 65535 ? -1 : Int(e.ports.from),
                    "Code": e.ports.to == 65535 ? -1 : Int(e.ports.to),
                ]
            }
            return out
        }
        // Each direction ends in the `*` rule (32767) that denies the rest
        // (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html).
        let deny = { (egress: Bool) -> [String: Any] in
            [
                "RuleNumber": Int(NetworkACLEntry.defaultDenyRuleNumber), "Protocol": "-1", "Egress": egress,
                "RuleAction": "deny", "CidrBlock": "0.0.0.0/0",
            ]
        }
        let entries =
            a.inbound.map { entry($0, egress: false) } + [deny(false)] + a.outbound.map { entry($0, egress: true) }
            + [deny(true)]
        // Every subnet is associated with exactly one network ACL, the default one included.
        let associations = network.subnets.filter { $0.networkACL.int == i }.map { s -> [String: Any] in
            ["NetworkAclAssociationId": derived("aclassoc-", a.id + s.id), "NetworkAclId": a.id, "SubnetId": s.id]
        }
        return [
            "NetworkAclId": a.id, "VpcId": network.vpcs[a.vpc.int].id, "IsDefault": a.isDefault,
            "OwnerId": network.vpcs[a.vpc.int].accountID, "Entries": entries, "Associations": associations,
            "Tags": [] as [Any],
        ]
    }

    /// A group's rules as EC2 lists them: rules with the same protocol and ports share one
    /// IpPermission, their peers in IpRanges, PrefixListIds and UserIdGroupPairs.
    func securityGroup(_ g: SecurityGroup) -> [String: Any] {
        func permissions(_ rules: [SecurityGroupRule]) -> [[String: Any]] {
            var order: [String] = []
            var byKey: [String: [String: Any]] = [:]
            for r in rules {
                var p: [String: Any] = [
                    "IpProtocol": r.protocolNumber == -1
                        ? "-1"
                        : ["6": "tcp", "17": "udp", "1": "icmp"][String(r.protocolNumber)] ?? String(r.protocolNumber)
                ]
                if r.protocolNumber == 6 || r.protocolNumber == 17 {
                    p["FromPort"] = Int(r.ports.from)
                    p["ToPort"] = Int(r.ports.to)
                } else if r.protocolNumber == 1 {
                    p["FromPort"] = r.ports.from == 65535 ? -1 : Int(r.ports.from)
                    p["ToPort"] = r.ports.to == 65535 ? -1 : Int(r.ports.to)
                }
                let key = "\(r.protocolNumber) \(r.ports.from) \(r.ports.to)"
                if byKey[key] == nil {
                    order.append(key)
                    p["IpRanges"] = [] as [Any]
                    p["PrefixListIds"] = [] as [Any]
                    p["UserIdGroupPairs"] = [] as [Any]
                    p["Ipv6Ranges"] = [] as [Any]
                    byKey[key] = p
                }
                var peer: [String: Any] = [:]
                if !r.description.isEmpty { peer["Description"] = r.description }
                switch r.peer {
                case .cidr(let c) where !c.isIPv4:
                    peer["CidrIpv6"] = c.description
                    byKey[key]!["Ipv6Ranges"] = (byKey[key]!["Ipv6Ranges"] as! [Any]) + [peer]
                case .cidr(let c):
                    peer["CidrIp"] = c.description
                    byKey[key]!["IpRanges"] = (byKey[key]!["IpRanges"] as! [Any]) + [peer]
                case .prefixList(let pl):
                    peer["PrefixListId"] = network.prefixLists[pl.int].id
                    byKey[key]!["PrefixListIds"] = (byKey[key]!["PrefixListIds"] as! [Any]) + [peer]
                case .securityGroup(let other):
                    let o = network.securityGroups[other.int]
                    peer["GroupId"] = o.id
                    peer["UserId"] = network.vpcs[o.vpc.int].accountID
                    // A group of a peered VPC: EC2 names its VPC and the connection.
                    if o.vpc != g.vpc, let c = network.peeringConnections.first(where: { $0.peer(of: g.vpc) == o.vpc })
                    {
                        peer["VpcId"] = network.vpcs[o.vpc.int].id
                        peer["VpcPeeringConnectionId"] = c.id
                        peer["PeeringStatus"] = "active"
                    }
                    byKey[key]!["UserIdGroupPairs"] = (byKey[key]!["UserIdGroupPairs"] as! [Any]) + [peer]
                }
            }
            return order.map { byKey[$0]! }
        }
        return [
            "GroupId": g.id, "GroupName": g.name, "VpcId": network.vpcs[g.vpc.int].id,
            // vpcsim keeps no group description; AWS requires one: the name.
            "Description": g.name, "OwnerId": network.vpcs[g.vpc.int].accountID,
            "IpPermissions": permissions(g.ingress), "IpPermissionsEgress": permissions(g.egress),
            "SecurityGroupArn": arn("ec2", "security-group/\(g.id)"), "Tags": [] as [Any],
        ]
    }

    func internetGateway(_ g: InternetGateway) -> [String: Any] {
        [
            "InternetGatewayId": g.id, "OwnerId": network.vpcs[g.vpc.int].accountID,
            "Attachments": [["State": "available", "VpcId": network.vpcs[g.vpc.int].id]], "Tags": [] as [Any],
        ]
    }

    /// A NAT gateway's addresses: its primary private address and first Elastic IP, then each
    /// further Elastic IP paired with a secondary private address of its interface.
    func natAddresses(_ g: NATGateway) -> [(privateIP: IPAddress, publicIP: IPAddress?, allocation: String?)] {
        let eni = network.enis[g.eni.int]
        let privates = [g.privateIP] + eni.secondaryIPs
        return privates.enumerated().map { k, ip in
            let pub = k < g.elasticIPs.count ? g.elasticIPs[k] : nil
            return (ip, pub, pub.map { derived("eipalloc-", $0.description) })
        }
    }

    func natGateway(_ g: NATGateway) -> [String: Any] {
        let eni = network.enis[g.eni.int]
        let addresses = natAddresses(g).enumerated().map { k, a -> [String: Any] in
            var out: [String: Any] = [
                "NetworkInterfaceId": eni.id, "PrivateIp": a.privateIP.description, "IsPrimary": k == 0,
                "Status": "succeeded",
            ]
            if let p = a.publicIP { out["PublicIp"] = p.description }
            if let al = a.allocation {
                out["AllocationId"] = al
                out["AssociationId"] = derived("eipassoc-", al)
            }
            return out
        }
        return [
            "NatGatewayId": g.id, "SubnetId": network.subnets[g.subnet.int].id,
            "VpcId": network.vpcs[network.subnets[g.subnet.int].vpc.int].id, "State": "available",
            "ConnectivityType": g.isPublic ? "public" : "private", "NatGatewayAddresses": addresses,
            "Tags": [] as [Any],
        ]
    }

    /// The Elastic IPs of NAT gateways (instances' public addresses may be auto-assigned, which
    /// are not Elastic IPs, so they are not listed).
    func addresses() -> [[String: Any]] {
        var out: [[String: Any]] = []
        for g in network.natGateways {
            let eni = network.enis[g.eni.int]
            for a in natAddresses(g) {
                guard let p = a.publicIP, let al = a.allocation else { continue }
                out.append([
                    "PublicIp": p.description, "AllocationId": al, "AssociationId": derived("eipassoc-", al),
                    "Domain": "vpc", "NetworkInterfaceId": eni.id, "NetworkInterfaceOwnerId": eni.accountID,
                    "PrivateIpAddress": a.privateIP.description, "PublicIpv4Pool": "amazon",
                    "NetworkBorderGroup": region,
                ])
            }
        }
        return out
    }

    func endpoint(_ e: GatewayEndpoint) -> [String: Any] {
        [
            "VpcEndpointId": e.id, "VpcEndpointType": "Gateway", "VpcId": network.vpcs[e.vpc.int].id,
            "ServiceName": "com.amazonaws.\(region).\(e.service)", "State": "available",
            "PolicyDocument": Self.policyDocument(e.policy),
            "RouteTableIds": e.routeTables.map { network.routeTables[$0.int].id }, "SubnetIds": [] as [Any],
            "Groups": [] as [Any], "PrivateDnsEnabled": false, "RequesterManaged": false,
            "NetworkInterfaceIds": [] as [Any], "DnsEntries": [] as [Any],
            "OwnerId": network.vpcs[e.vpc.int].accountID, "Tags": [] as [Any],
        ]
    }

    /// An interface endpoint: its subnets, groups and ENIs, and the private DNS flag
    /// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html).
    func endpoint(_ e: InterfaceEndpoint) -> [String: Any] {
        let enis = e.enis.map { network.enis[$0.int] }
        return [
            "VpcEndpointId": e.id, "VpcEndpointType": "Interface", "VpcId": network.vpcs[e.vpc.int].id,
            "ServiceName": "com.amazonaws.\(region).\(e.service)", "State": "available",
            "PolicyDocument": Self.policyDocument(e.policy), "RouteTableIds": [] as [Any],
            "SubnetIds": enis.map { network.subnets[$0.subnet.int].id },
            "Groups": (enis.first?.securityGroups ?? []).map { g -> [String: Any] in
                ["GroupId": network.securityGroups[g.int].id, "GroupName": network.securityGroups[g.int].name]
            },
            "PrivateDnsEnabled": e.privateDNS, "RequesterManaged": false, "NetworkInterfaceIds": enis.map(\.id),
            "DnsEntries": dnsEntries(e), "OwnerId": network.vpcs[e.vpc.int].accountID, "Tags": [] as [Any],
        ]
    }

    /// An interface endpoint's names as describe-vpc-endpoints lists them: the endpoint-specific
    /// Regional name, each ENI's zonal name, then with private DNS the service's Regional name
    /// (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html,
    /// "DNS hostnames"). `HostedZoneId` is optional in a DnsEntry
    /// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DnsEntry.html) and vpcsim
    /// models no hosted zones, so it is left out.
    func dnsEntries(_ e: InterfaceEndpoint) -> [[String: Any]] {
        let fronts = scenario.world.services.filter { s in
            s.interfaceEndpoint.map { network.interfaceEndpoints[$0.int].id == e.id } ?? false
        }
        var names: [String] = []
        for n in fronts.map(\.hostname) + fronts.compactMap(\.zonalHostname) + fronts.compactMap(\.privateDNSName)
        where !names.contains(n) {
            names.append(n)
        }
        return names.map { ["DnsName": $0] }
    }

    /// The policy as the API returns it: a JSON document in a string. Full access is the
    /// document AWS attaches by default
    /// (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
    static func policyDocument(_ p: EndpointPolicy) -> String {
        let statements: [[String: Any]] = p.statements.map { s in
            var out: [String: Any] = ["Effect": s.effect.rawValue]
            if let sid = s.sid { out["Sid"] = sid }
            out["Principal"] = s.principals == ["*"] ? "*" as Any : ["AWS": s.principals] as Any
            if !s.actions.isEmpty { out["Action"] = s.actions.count == 1 ? s.actions[0] as Any : s.actions as Any }
            if !s.notActions.isEmpty {
                out["NotAction"] = s.notActions.count == 1 ? s.notActions[0] as Any : s.notActions as Any
            }
            out["Resource"] = s.resources.count == 1 ? s.resources[0] as Any : s.resources as Any
            return out
        }
        let version = p == .fullAccess ? "2008-10-17" : "2012-10-17"
        let data = try! JSONSerialization.data(
            withJSONObject: ["Version": version, "Statement": statements],
            options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    func prefixList(_ p: PrefixList) -> [String: Any] {
        if p.awsService != nil {
            return [
                "PrefixListId": p.id, "PrefixListName": p.name, "AddressFamily": "IPv4", "State": "create-complete",
                "OwnerId": "AWS", "PrefixListArn": "arn:aws:ec2:\(region):aws:prefix-list/\(p.id)", "Tags": [] as [Any],
            ]
        }
        return [
            "PrefixListId": p.id, "PrefixListName": p.name, "AddressFamily": "IPv4", "State": "create-complete",
            "OwnerId": account, "PrefixListArn": arn("ec2", "prefix-list/\(p.id)"), "MaxEntries": max(p.cidrs.count, 1),
            "Version": 1, "Tags": [] as [Any],
        ]
    }
}
