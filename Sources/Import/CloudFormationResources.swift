import Topology
import Foundation

/// Evaluated CloudFormation resources → inventory records.
struct CFReader {
    var cx: CFContext
    var inventory: Inventory
    /// Attachments, EIPs, subnet groups and stand-alone rules, applied once every resource is read.
    var igwAttachments: [String: Ref] = [:]
    var eipByAllocation: [String: String] = [:]
    var eipInstances: [(ip: String, instance: String)] = []
    var subnetGroups: [String: [Ref]] = [:]
    var extraRules: [(group: Ref, rule: Inventory.SGRule)] = []
    var aclEntries: [(acl: Ref, rule: Inventory.ACLRule)] = []
    var routes: [(table: Ref, route: Inventory.Route)] = []
    var igws: [(String, String, Origin)] = []
    var mapPublicIP = Set<String>()
    /// Each VPC's default security group (by VPC id) and default network ACL (by ACL id).
    var defaultGroups: [String: (group: String, origin: Origin)] = [:]
    var defaultACLs: [String: (vpc: Ref, name: String)] = [:]
    /// Transit gateways' default tables and explicit associations (CloudFormationResources+Interconnect.swift).
    var tgwDefaults: [(tgw: String, table: String, associate: Bool, propagate: Bool)] = []
    var tgwAssociations: [(table: Ref, attachment: Ref)] = []
    var tgwPropagations: [(table: Ref, attachment: Ref)] = []
    var tgwRoutes: [(table: Ref, route: Inventory.Route)] = []

    func o(_ name: String, _ sub: String = "", _ v: CFValue?) -> Origin {
        cx.origin("Resources.\(name)" + (sub.isEmpty ? "" : ".Properties.\(sub)"), v?.line ?? 0)
    }
    func text(_ p: CFValue, _ key: String) -> String? { p[key]?.text }
    func ref(_ name: String, _ p: CFValue, _ key: String) throws(ImportError) -> Ref {
        guard let id = p[key]?.text, !id.isEmpty else {
            throw ImportError(o(name, key, p), "missing '\(key)'")
        }
        return Ref(id: id, origin: o(name, key, p[key]))
    }
    func refs(_ name: String, _ p: CFValue, _ key: String) -> [Ref] {
        (p[key]?.items ?? []).enumerated().compactMap { i, v in
            v.text.map { Ref(id: $0, origin: o(name, "\(key)[\(i)]", v)) }
        }
    }

    mutating func resource(_ name: String, _ type: String, _ p: CFValue, line: Int) throws(ImportError) {
        let origin = cx.origin("Resources.\(name)", line)
        let id = try cx.ref(name)
        let tagName = p["Tags"]?.items?.first { $0["Key"]?.text == "Name" }?["Value"]?.text ?? name
        switch type {
        case "AWS::EC2::VPC":
            guard let c = text(p, "CidrBlock") else {
                inventory.skip("AWS::EC2::VPC (IPAM-allocated CIDR)")
                return
            }
            inventory.vpcs.append(.init(id: id, name: tagName, cidrs: [c], account: nil, origin: origin))
            // What AWS creates with the VPC: its default security group, and its default network
            // ACL (written only if the template refers to it).
            let vpc = Ref(id: id, origin: origin)
            let group = try cx.getAtt(name, "DefaultSecurityGroup", "Resources.\(name)", line: line)
            inventory.addDefaultSecurityGroup(id: group, vpc: vpc, origin: origin)
            defaultGroups[id] = (group, origin)
            defaultACLs[try cx.getAtt(name, "DefaultNetworkAcl", "Resources.\(name)", line: line)] = (vpc, tagName)
        case "AWS::EC2::VPCCidrBlock":
            if let c = text(p, "CidrBlock"), let v = text(p, "VpcId"),
                let i = inventory.vpcs.firstIndex(where: { $0.id == v })
            {
                inventory.vpcs[i].cidrs.append(c)
            } else if let c = text(p, "Ipv6CidrBlock"), let v = text(p, "VpcId"),
                let i = inventory.vpcs.firstIndex(where: { $0.id == v }), inventory.vpcs[i].ipv6CIDRs.isEmpty
            {
                inventory.vpcs[i].ipv6CIDRs = [c] // from a BYOIP pool: written in the template
            } else if text(p, "AmazonProvidedIpv6CidrBlock") == "true" {
                // Amazon picks the block when the stack is created: not known from the template.
                inventory.skip("IPv6 CIDR block unknown until the stack exists")
                inventory.note("\(name): Amazon assigns its IPv6 block when the stack is created")
            } else {
                inventory.skip("AWS::EC2::VPCCidrBlock (IPAM)")
            }
        case "AWS::EC2::Subnet":
            // `Ipv6Native: true`: an IPv6-only subnet, imported when its Ipv6CidrBlock is written
            // out (not computed with Fn::Cidr from the VPC's Amazon-provided block).
            let c = text(p, "CidrBlock")
            let native = p["Ipv6Native"]?.text == "true"
            let c6 = native ? text(p, "Ipv6CidrBlock") : nil
            guard c != nil || c6 != nil else {
                inventory.skip(
                    native ? "AWS::EC2::Subnet (IPv6-only, Ipv6CidrBlock computed)" : "AWS::EC2::Subnet (no CidrBlock)")
                return
            }
            let zones = try cx.eval(.map([("Fn::GetAZs", .text("", line: line))], line: line), "Fn::GetAZs").items ?? []
            let zone = text(p, "AvailabilityZone") ?? zones.first?.text ?? "\(cx.region)a"
            if p["MapPublicIpOnLaunch"]?.text == "true" { mapPublicIP.insert(id) }
            inventory.subnets.append(
                .init(
                    id: id, name: tagName, vpc: try ref(name, p, "VpcId"), cidr: c, zone: zone, zoneID: nil,
                    origin: origin, ipv6CIDR: c6, dns64: c6 != nil && p["EnableDns64"]?.text == "true"))
        case "AWS::EC2::RouteTable":
            inventory.routeTables.append(.init(id: id, name: tagName, vpc: try ref(name, p, "VpcId"), origin: origin))
        case "AWS::EC2::Route":
            let dKey = ["DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"].first {
                text(p, $0) != nil
            }
            guard let dKey, let d = text(p, dKey) else {
                throw ImportError(
                    origin, "a route needs DestinationCidrBlock, DestinationIpv6CidrBlock or a prefix list")
            }
            var target: Ref?
            for key in [
                "GatewayId", "NatGatewayId", "InstanceId", "NetworkInterfaceId", "EgressOnlyInternetGatewayId",
                "VpcPeeringConnectionId", "TransitGatewayId",
            ] where p[key] != nil {
                target = try ref(name, p, key)
            }
            guard let target, !target.id.hasPrefix("vgw-") else {
                let kind =
                    [
                        "VpcEndpointId": "VPC endpoint (Gateway Load Balancer)",
                        "CarrierGatewayId": "carrier gateway", "LocalGatewayId": "local gateway",
                    ]
                    .first { p[$0.key] != nil }?.value ?? "virtual private gateway"
                inventory.skip("route to a \(kind)")
                return
            }
            routes.append(
                (
                    try ref(name, p, "RouteTableId"),
                    .init(destination: d, destinationOrigin: o(name, dKey, p[dKey]), target: target)
                ))
        case "AWS::EC2::SubnetRouteTableAssociation":
            inventory.routeAssociations.append(
                .init(subnet: try ref(name, p, "SubnetId"), table: try ref(name, p, "RouteTableId")))
        case "AWS::EC2::InternetGateway":
            igws.append((id, tagName, origin))
        case "AWS::EC2::VPCGatewayAttachment":
            if let g = text(p, "InternetGatewayId") {
                igwAttachments[g] = try ref(name, p, "VpcId")
            } else {
                inventory.skip("AWS::EC2::VPCGatewayAttachment (virtual private gateway)")
            }
        case "AWS::EC2::EIP":
            eipByAllocation[try cx.getAtt(name, "AllocationId", "", line: line)] = id
            eipByAllocation[id] = id
            if let i = text(p, "InstanceId") { eipInstances.append((id, i)) }
        case "AWS::EC2::EIPAssociation":
            if let i = text(p, "InstanceId"), let a = text(p, "AllocationId") ?? text(p, "EIP") {
                eipInstances.append((eipByAllocation[a] ?? a, i))
            }
        case "AWS::EC2::NatGateway":
            let connectivity = text(p, "ConnectivityType") ?? "public"
            var eips: [String] = []
            if let a = text(p, "AllocationId") {
                guard let ip = eipByAllocation[a] else {
                    throw ImportError(
                        o(name, "AllocationId", p["AllocationId"]),
                        "no AWS::EC2::EIP with allocation '\(a)' in the template")
                }
                eips.append(ip)
            }
            inventory.natGateways.append(
                .init(
                    id: id, name: tagName, subnet: try ref(name, p, "SubnetId"), connectivity: connectivity,
                    elasticIPs: eips, privateIP: text(p, "PrivateIpAddress") ?? cx.privateIPs[name], eni: nil,
                    origin: origin))
        case "AWS::EC2::SecurityGroup":
            let vpc = try ref(name, p, "VpcId")
            var g = Inventory.SecurityGroup(
                id: id, name: text(p, "GroupName") ?? tagName, vpc: vpc, description: text(p, "GroupDescription"),
                origin: origin)
            for (i, r) in (p["SecurityGroupIngress"]?.items ?? []).enumerated() {
                if let rule = try sgRule(name, "SecurityGroupIngress[\(i)]", r, egress: false) { g.rules.append(rule) }
            }
            if let egress = p["SecurityGroupEgress"]?.items {
                for (i, r) in egress.enumerated() {
                    if let rule = try sgRule(name, "SecurityGroupEgress[\(i)]", r, egress: true) {
                        g.rules.append(rule)
                    }
                }
            } else {
                // Without SecurityGroupEgress the group keeps AWS's default allow-all egress rule.
                g.rules.append(.init(egress: true, proto: "all", peer: Ref(id: "0.0.0.0/0", origin: origin)))
            }
            inventory.securityGroups.append(g)
        case "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress":
            let egress = type.hasSuffix("Egress")
            if let rule = try sgRule(name, "", p, egress: egress) {
                extraRules.append((try ref(name, p, "GroupId"), rule))
            }
        case "AWS::EC2::NetworkAcl":
            inventory.networkACLs.append(.init(id: id, name: tagName, vpc: try ref(name, p, "VpcId"), origin: origin))
        case "AWS::EC2::NetworkAclEntry":
            guard let cidr = text(p, "CidrBlock") ?? text(p, "Ipv6CidrBlock") else {
                throw ImportError(origin, "an entry needs CidrBlock or Ipv6CidrBlock")
            }
            let proto = text(p, "Protocol") ?? "-1"
            var rule = Inventory.ACLRule(
                number: Int(text(p, "RuleNumber") ?? "") ?? 0, egress: text(p, "Egress") == "true",
                proto: AWSProtocol.name(proto), cidr: cidr,
                allow: (text(p, "RuleAction") ?? "allow").lowercased() == "allow")
            if rule.proto == "icmp" {
                rule.icmpType = p["Icmp"]?["Type"]?.text.flatMap { Int($0) }.flatMap { $0 < 0 ? nil : $0 }
                rule.icmpCode = p["Icmp"]?["Code"]?.text.flatMap { Int($0) }.flatMap { $0 < 0 ? nil : $0 }
            } else if rule.proto == "tcp" || rule.proto == "udp" {
                rule.ports = AWSProtocol.ports(
                    Int(p["PortRange"]?["From"]?.text ?? "0") ?? 0, Int(p["PortRange"]?["To"]?.text ?? "65535") ?? 65535
                )
            }
            aclEntries.append((try ref(name, p, "NetworkAclId"), rule))
        case "AWS::EC2::SubnetNetworkAclAssociation":
            inventory.aclAssociations.append(
                .init(subnet: try ref(name, p, "SubnetId"), table: try ref(name, p, "NetworkAclId")))
        case "AWS::EC2::VPCEndpoint":
            let t = text(p, "VpcEndpointType") ?? "Gateway"
            guard t == "Gateway" || t == "Interface" else {
                inventory.skip("AWS::EC2::VPCEndpoint (\(t))")
                return
            }
            var policy: String?
            if let d = p["PolicyDocument"] {
                policy = d.text ?? json(d)
                if policy?.contains("\"Condition\"") == true {
                    inventory.note(
                        "\(name): its policy has conditions, which vpcsim does not evaluate: full access assumed")
                    inventory.skip("VPC endpoint policy condition")
                    policy = nil
                }
            }
            var e = Inventory.Endpoint(
                id: id, name: tagName, vpc: try ref(name, p, "VpcId"), service: text(p, "ServiceName") ?? "",
                routeTables: refs(name, p, "RouteTableIds"), policy: policy, origin: origin)
            if t == "Interface" {
                // PrivateDnsEnabled defaults to false in CloudFormation (AWS::EC2::VPCEndpoint).
                e.interface = true
                e.routeTables = []
                e.subnets = refs(name, p, "SubnetIds")
                e.groups = refs(name, p, "SecurityGroupIds")
                e.privateDNS = text(p, "PrivateDnsEnabled") == "true"
            }
            inventory.endpoints.append(e)
        case "AWS::EC2::PrefixList":
            guard text(p, "AddressFamily") != "IPv6" else {
                inventory.skip("IPv6 prefix list")
                return
            }
            inventory.prefixLists.append(
                .init(
                    id: id, name: text(p, "PrefixListName") ?? name,
                    cidrs: (p["Entries"]?.items ?? []).compactMap { $0["Cidr"]?.text }, awsManaged: false,
                    origin: origin))
        case "AWS::EC2::Instance":
            var subnet = p["SubnetId"] != nil ? try ref(name, p, "SubnetId") : nil
            var groups = refs(name, p, "SecurityGroupIds")
            var eni: String?
            var privateIP = text(p, "PrivateIpAddress") ?? cx.privateIPs[name]
            var publicIP = try cx.instancePublicIP(name)
            if let nic = p["NetworkInterfaces"]?.items?.first(where: { ($0["DeviceIndex"]?.text ?? "0") == "0" }) {
                if let e = nic["NetworkInterfaceId"]?.text {
                    // An AWS::EC2::NetworkInterface of the template: its subnet, groups and address.
                    guard let n = try cx.logical("AWS::EC2::NetworkInterface", withRef: e) else {
                        throw ImportError(
                            o(name, "NetworkInterfaces", nic), "no AWS::EC2::NetworkInterface '\(e)' in the template")
                    }
                    let np = try cx.eval(cx.resources[n]!.body["Properties"] ?? .none, "Resources.\(n).Properties")
                    subnet = try ref(n, np, "SubnetId")
                    groups = refs(n, np, "GroupSet")
                    privateIP = cx.privateIPs[n]
                    eni = e
                } else {
                    if let s = nic["SubnetId"]?.text { subnet = Ref(id: s, origin: o(name, "NetworkInterfaces", nic)) }
                    groups += (nic["GroupSet"]?.items ?? []).compactMap { v in
                        v.text.map { Ref(id: $0, origin: o(name, "NetworkInterfaces", nic)) }
                    }
                    privateIP = nic["PrivateIpAddress"]?.text ?? privateIP
                }
            }
            guard let subnet else {
                inventory.skip("AWS::EC2::Instance (not in a VPC)")
                return
            }
            if publicIP == nil, mapPublicIP.contains(subnet.id) { publicIP = cx.launchPublicIP(name) }
            inventory.instances.append(
                .init(
                    id: id, name: tagName, subnet: subnet, groups: groups, privateIP: privateIP, publicIP: publicIP,
                    eni: eni ?? LoaderIDs.instanceENI(id), origin: origin))
        case "AWS::EC2::NetworkInterface":
            if cx.attachedInterfaces[id] == nil {
                inventory.skip("AWS::EC2::NetworkInterface (not attached to an instance)")
            }
        case "AWS::Lambda::Function", "AWS::Serverless::Function":
            var f = Inventory.Function(
                name: id, runtime: text(p, "Runtime"), memory: text(p, "MemorySize").flatMap { Int($0) },
                timeout: text(p, "Timeout").flatMap { Int($0) }, subnets: [], groups: [], origin: origin)
            if let v = p["VpcConfig"] {
                f.subnets = (v["SubnetIds"]?.items ?? []).compactMap { x in
                    x.text.map { Ref(id: $0, origin: o(name, "VpcConfig.SubnetIds", x)) }
                }
                f.groups = (v["SecurityGroupIds"]?.items ?? []).compactMap { x in
                    x.text.map { Ref(id: $0, origin: o(name, "VpcConfig.SecurityGroupIds", x)) }
                }
            }
            inventory.functions.append(f)
        case "AWS::RDS::DBSubnetGroup":
            subnetGroups[id] = refs(name, p, "SubnetIds")
        case "AWS::RDS::DBInstance":
            let engine = text(p, "Engine") ?? ""
            guard engine == "postgres" || engine == "aurora-postgresql" else {
                inventory.skip("AWS::RDS::DBInstance (engine \(engine))")
                return
            }
            let groupName = text(p, "DBSubnetGroupName") ?? ""
            guard let subnets = subnetGroups[groupName], !subnets.isEmpty else {
                throw ImportError(
                    o(name, "DBSubnetGroupName", p["DBSubnetGroupName"]),
                    "no AWS::RDS::DBSubnetGroup '\(groupName)' in the template")
            }
            let zone = text(p, "AvailabilityZone")
            let subnet = subnets.first { s in inventory.subnets.first { $0.id == s.id }?.zone == zone } ?? subnets[0]
            inventory.databases.append(
                .init(
                    name: id, subnet: subnet, groups: refs(name, p, "VPCSecurityGroups"),
                    port: text(p, "Port").flatMap { Int($0) }, origin: origin))
        case "AWS::EC2::FlowLog":
            var destination = "cloudwatch-logs"
            switch text(p, "LogDestinationType") ?? "cloud-watch-logs" {
            case "s3": destination = "s3"
            case "cloud-watch-logs": destination = "cloudwatch-logs"
            case let other:
                inventory.skip("flow log to \(other)")
                return
            }
            var l = Inventory.FlowLog(
                id: id, resource: try ref(name, p, "ResourceId"), trafficType: text(p, "TrafficType") ?? "ALL",
                interval: text(p, "MaxAggregationInterval").flatMap { Int($0) }, format: text(p, "LogFormat"),
                destination: destination, origin: origin)
            if destination == "cloudwatch-logs" { l.logGroup = text(p, "LogGroupName") }
            if destination == "s3", let d = p["DestinationOptions"] {
                l.hive = d["HiveCompatiblePartitions"]?.text.map { $0 == "true" }
                l.perHour = d["PerHourPartition"]?.text.map { $0 == "true" }
            }
            inventory.flowLogs.append(l)
        default:
            if try !interconnect(name, type, p, id: id, tagName: tagName, origin: origin) { inventory.skip(type) }
        }
    }

    /// One rule of a security group (inline or a stand-alone ingress/egress resource).
    mutating func sgRule(_ name: String, _ sub: String, _ r: CFValue, egress: Bool) throws(ImportError) -> Inventory
        .SGRule?
    {
        let proto = AWSProtocol.name(r["IpProtocol"]?.text ?? "-1")
        var rule = Inventory.SGRule(
            egress: egress, proto: proto, peer: Ref(id: "", origin: o(name, sub, r)),
            description: r["Description"]?.text)
        let from = Int(r["FromPort"]?.text ?? "") ?? -1
        let to = Int(r["ToPort"]?.text ?? "") ?? -1
        if proto == "icmp" {
            if from >= 0 { rule.icmpType = from }
            if to >= 0 { rule.icmpCode = to }
        } else if proto == "tcp" || proto == "udp" {
            rule.ports = AWSProtocol.ports(from < 0 ? 0 : from, to < 0 ? 65535 : to)
        }
        let peerKeys =
            egress
            ? ["CidrIp", "CidrIpv6", "DestinationSecurityGroupId", "DestinationPrefixListId"]
            : ["CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourcePrefixListId"]
        for k in peerKeys {
            if let v = r[k]?.text {
                rule.peer = Ref(id: v, origin: o(name, sub.isEmpty ? k : "\(sub).\(k)", r[k]))
                return rule
            }
        }
        inventory.skip("security group rule without a peer vpcsim reads")
        return nil
    }

    func json(_ v: CFValue) -> String {
        switch v {
        case .text(let s, _): return quoted(s)
        case .list(let a, _): return "[" + a.map(json).joined(separator: ", ") + "]"
        case .map(let m, _): return "{" + m.map { "\(quoted($0.0)): \(json($0.1))" }.joined(separator: ", ") + "}"
        case .none: return "null"
        }
    }

    mutating func finish() throws(ImportError) {
        try finishInterconnect()
        for (id, name, origin) in igws {
            guard let vpc = igwAttachments[id] else {
                inventory.skip("AWS::EC2::InternetGateway (not attached)")
                continue
            }
            inventory.internetGateways.append(.init(id: id, name: name, vpc: vpc, origin: origin))
        }
        for (table, route) in routes {
            guard let i = inventory.routeTables.firstIndex(where: { $0.id == table.id }) else {
                throw ImportError(table.origin, "no AWS::EC2::RouteTable '\(table.id)' in the template")
            }
            inventory.routeTables[i].routes.append(route)
        }
        for (group, rule) in extraRules {
            guard let i = inventory.securityGroups.firstIndex(where: { $0.id == group.id }) else {
                throw ImportError(group.origin, "no AWS::EC2::SecurityGroup '\(group.id)' in the template")
            }
            inventory.securityGroups[i].rules.append(rule)
        }
        // The VPC's default network ACL, when the template adds entries or subnets to it: AWS
        // creates it allowing all traffic in and out
        // (https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html).
        let referenced = aclEntries.map(\.acl.id) + inventory.aclAssociations.map(\.table.id)
        for id in referenced where !inventory.networkACLs.contains(where: { $0.id == id }) {
            guard let d = defaultACLs[id] else { continue }
            let all = [false, true].map {
                Inventory.ACLRule(number: 100, egress: $0, proto: "all", cidr: "0.0.0.0/0", allow: true)
            }
            inventory.networkACLs.append(
                .init(
                    id: id, name: "default network ACL of \(d.name)", vpc: d.vpc, isDefault: true, rules: all,
                    origin: d.vpc.origin))
        }
        for (acl, rule) in aclEntries {
            guard let i = inventory.networkACLs.firstIndex(where: { $0.id == acl.id }) else {
                throw ImportError(acl.origin, "no AWS::EC2::NetworkAcl '\(acl.id)' in the template")
            }
            inventory.networkACLs[i].rules.append(rule)
        }
        for (ip, instance) in eipInstances {
            if let i = inventory.instances.firstIndex(where: { $0.id == instance }) {
                inventory.instances[i].publicIP = ip
            }
        }
        // EC2 puts an instance launched without security groups in its VPC's default group
        // (https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html).
        for i in inventory.instances.indices where inventory.instances[i].groups.isEmpty {
            let vpc = inventory.subnets.first { $0.id == inventory.instances[i].subnet.id }?.vpc.id
            if let vpc, let g = defaultGroups[vpc] {
                inventory.instances[i].groups = [Ref(id: g.group, origin: inventory.instances[i].origin)]
            }
        }
    }
}

/// Protocol and port spellings shared by the importers.
enum AWSProtocol {
    static func name(_ p: String) -> String {
        switch p.lowercased() {
        case "6", "tcp": return "tcp"
        case "17", "udp": return "udp"
        case "1", "icmp": return "icmp"
        case "-1", "all": return "all"
        default: return p
        }
    }

    static func ports(_ from: Int, _ to: Int) -> String {
        if from <= 0 && to >= 65535 || from < 0 { return "all" }
        return from == to ? "\(from)" : "\(from)-\(to)"
    }
}
