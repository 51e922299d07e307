import Foundation

/// Reads describe-* outputs into an inventory, de-duplicating resources seen in several files.
struct AWSDescribeReader {
    var inventory: Inventory
    var seen: Set<String> = []
    /// Customer-managed prefix list entries, by list id.
    var entries: [String: [String]] = [:]
    /// EIPs by allocation id (for NAT gateways whose address list lacks the public IP).
    var addresses: [String: String] = [:]
    var addressCount = 0
    var usedAddresses = Set<String>()
    var natENIs = Set<String>()
    var instanceENIs = Set<String>()
    var interfaces: [JSONValue] = []
    var groupRules: [String: [Inventory.SGRule]] = [:]
    /// Transit gateway route tables' associations, propagations and static routes, by table id,
    /// settled once every file is read.
    var tgwAssociations: [(table: String, attachment: Ref)] = []
    var tgwPropagations: [(table: String, attachment: Ref)] = []
    var tgwRoutes: [(table: String, route: Inventory.Route)] = []

    mutating func once(_ id: String) -> Bool { seen.insert(id).inserted }

    mutating func read(_ f: AWSDescribeImporter.File) throws(ImportError) {
        let json = f.json
        guard let object = json.object else {
            throw ImportError(json.origin, "expected a JSON object as the AWS CLI prints it ({\"Vpcs\": [...]} …)")
        }
        // An AWS Config snapshot, configuration history or batch-get-resource-config output.
        if object["configurationItems"] != nil || object["baseConfigurationItems"] != nil {
            try configurationItems(json, account: f.account)
            return
        }
        // get-function-configuration prints one function's configuration at the top level.
        if object["FunctionName"] != nil {
            try function(json)
            return
        }
        for key in object.keys.sorted() {
            if AWSDescribeImporter.ignored.contains(key) { continue }
            guard AWSDescribeImporter.known.contains(key) else {
                let n = (object[key] as? [Any])?.count ?? 1
                inventory.skip("'\(key)' (a call vpcsim does not read)", n)
                continue
            }
        }
        for v in json.list("Vpcs") { try vpc(v, account: f.account) }
        for v in json.list("Subnets") { try subnet(v) }
        for v in json.list("InternetGateways") { try internetGateway(v) }
        for v in json.list("EgressOnlyInternetGateways") { try egressOnlyInternetGateway(v) }
        for v in json.list("VpcPeeringConnections") { try peeringConnection(v) }
        for v in json.list("TransitGateways") { try transitGateway(v) }
        for v in json.list("TransitGatewayVpcAttachments") { try transitGatewayVPCAttachment(v) }
        for v in json.list("TransitGatewayAttachments") { try transitGatewayAttachment(v) }
        for v in json.list("TransitGatewayRouteTables") { try transitGatewayRouteTable(v) }
        try transitGatewayRouteTableDetails(json, file: f.relative)
        for v in json.list("NatGateways") { try natGateway(v) }
        for v in json.list("VpcEndpoints") { try endpoint(v) }
        for v in json.list("PrefixLists") { try prefixList(v) }
        if let listID = json.string("PrefixListId") ?? Self.prefixListID(in: f.relative), json["Entries"] != nil {
            entries[listID] = json.list("Entries").compactMap { $0.string("Cidr") }
        }
        for e in json.list("PrefixListEntries") {
            if let id = e.string("PrefixListId") { entries[id] = e.list("Entries").compactMap { $0.string("Cidr") } }
        }
        for v in json.list("RouteTables") { try routeTable(v) }
        for v in json.list("NetworkAcls") { try networkACL(v) }
        for v in json.list("SecurityGroups") { try securityGroup(v) }
        for v in json.list("SecurityGroupRules") { try securityGroupRule(v) }
        for r in json.list("Reservations") { for i in r.list("Instances") { try instance(i) } }
        for v in json.list("Addresses") { address(v) }
        interfaces += json.list("NetworkInterfaces")
        for v in json.list("FlowLogs") { try flowLog(v) }
        for v in json.list("Functions") { try function(v) }
        if let c = json["Configuration"] { try function(c) }
        for v in json.list("DBInstances") { try database(v) }
    }

    mutating func address(_ v: JSONValue) {
        guard let ip = v.string("PublicIp"), once("eip:" + ip) else { return }
        addressCount += 1
        if let a = v.string("AllocationId") { addresses[a] = ip }
        if v.string("AssociationId") == nil { inventory.skip("AWS::EC2::EIP (not associated)") }
    }

    static func prefixListID(in path: String) -> String? {
        guard let r = path.range(of: "pl-") else { return nil }
        let id = "pl-" + path[r.upperBound...].prefix { $0.isHexDigit }
        return id.count > 3 ? id : nil
    }

    /// Whether a CIDR block association's state (`associating`, `associated`, `disassociating`,
    /// `disassociated`, `failing`, `failed`) leaves the block in use: all but the last four. An
    /// unknown text counts as in use (moto 5.2 writes a subnet's IPv6 block state as the text
    /// "{'State': 'associated'}").
    static func inUse(_ state: JSONValue?) -> Bool {
        guard let s = state?.string("State") else { return true }
        return !["disassociating", "disassociated", "failing", "failed"].contains(s)
    }

    mutating func vpc(_ v: JSONValue, account: String?) throws(ImportError) {
        let id = try v.require("VpcId")
        guard once(id) else { return }
        var cidrs = v.list("CidrBlockAssociationSet").filter {
            ($0["CidrBlockState"]?.string("State") ?? "associated") == "associated"
        }.compactMap { $0.string("CidrBlock") }
        if cidrs.isEmpty, let c = v.string("CidrBlock") { cidrs = [c] }
        let v6 = v.list("Ipv6CidrBlockAssociationSet").filter { Self.inUse($0["Ipv6CidrBlockState"]) }
            .compactMap { $0.string("Ipv6CidrBlock") }
        if v6.count > 1 { inventory.skip("second IPv6 CIDR block of a VPC", v6.count - 1) }
        let owner = v.string("OwnerId") ?? account
        if inventory.account == nil { inventory.account = owner }
        inventory.vpcs.append(
            .init(id: id, name: v.nameTag, cidrs: cidrs, account: owner, origin: v.origin, ipv6CIDRs: v6))
    }

    mutating func subnet(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("SubnetId")
        guard once(id) else { return }
        let v6 = v.list("Ipv6CidrBlockAssociationSet").filter { Self.inUse($0["Ipv6CidrBlockState"]) }
            .compactMap { $0.string("Ipv6CidrBlock") }
        // An IPv6-only subnet (`Ipv6Native`) has no CidrBlock, only its IPv6 block.
        let cidr = v.string("CidrBlock")
        guard cidr != nil || (v.bool("Ipv6Native") == true && !v6.isEmpty) else {
            throw ImportError(
                v["SubnetId"]?.origin ?? v.origin,
                "subnet \(id) has no CidrBlock and is not an Ipv6Native subnet with an "
                    + "Ipv6CidrBlockAssociationSet")
        }
        if v6.count > 1 { inventory.skip("second IPv6 CIDR block of a subnet", v6.count - 1) }
        inventory.subnets.append(
            .init(
                id: id, name: v.nameTag, vpc: try v.ref("VpcId"), cidr: cidr, zone: try v.require("AvailabilityZone"),
                zoneID: v.string("AvailabilityZoneId"), origin: v.origin, ipv6CIDR: v6.first,
                dns64: v.bool("EnableDns64") ?? false))
    }

    mutating func internetGateway(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("InternetGatewayId")
        guard once(id) else { return }
        let attached = v.list("Attachments").filter { ["available", "attached"].contains($0.string("State") ?? "") }
        guard let a = attached.first else {
            inventory.skip("AWS::EC2::InternetGateway (detached)")
            return
        }
        inventory.internetGateways.append(.init(id: id, name: v.nameTag, vpc: try a.ref("VpcId"), origin: v.origin))
    }

    mutating func natGateway(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("NatGatewayId")
        guard once(id) else { return }
        guard ["available", "pending"].contains(v.string("State") ?? "available") else {
            inventory.skip("AWS::EC2::NatGateway (\(v.string("State") ?? "")))")
            return
        }
        let connectivity = v.string("ConnectivityType") ?? "public"
        var eips: [String] = []
        var privateIP: String?
        var eni: String?
        for a in v.list("NatGatewayAddresses") {
            if let p = a.string("PublicIp") ?? a.string("AllocationId").flatMap({ addresses[$0] }) { eips.append(p) }
            if privateIP == nil || a.bool("IsPrimary") == true { privateIP = a.string("PrivateIp") }
            if let e = a.string("NetworkInterfaceId") {
                natENIs.insert(e)
                eni = eni ?? e
            }
            if let ip = a.string("PublicIp") { usedAddresses.insert(ip) }
        }
        inventory.natGateways.append(
            .init(
                id: id, name: v.nameTag, subnet: try v.ref("SubnetId"), connectivity: connectivity,
                elasticIPs: connectivity == "public" ? eips : [], privateIP: privateIP, eni: eni, origin: v.origin))
    }

    mutating func endpoint(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("VpcEndpointId")
        guard once(id) else { return }
        let type = v.string("VpcEndpointType") ?? "Gateway"
        guard type == "Gateway" || type == "Interface" else {
            inventory.skip("AWS::EC2::VPCEndpoint (\(type))")
            return
        }
        var policy = v.string("PolicyDocument")
        if let p = policy, p.contains("\"Condition\"") {
            inventory.note("\(id): its policy has conditions, which vpcsim does not evaluate: full access assumed")
            inventory.skip("VPC endpoint policy condition")
            policy = nil
        }
        if let p = policy, Self.isFullAccess(p) { policy = nil }
        var e = Inventory.Endpoint(
            id: id, name: v.nameTag, vpc: try v.ref("VpcId"), service: try v.require("ServiceName"),
            routeTables: v.list("RouteTableIds").enumerated().compactMap { i, t in
                t.string.map { Ref(id: $0, origin: t.origin) }
            }, policy: policy, origin: v.origin)
        if type == "Interface" {
            e.interface = true
            e.subnets = v.list("SubnetIds").compactMap { t in t.string.map { Ref(id: $0, origin: t.origin) } }
            e.groups = v.list("Groups").compactMap { g in g.string("GroupId").map { Ref(id: $0, origin: g.origin) } }
            e.privateDNS = v.bool("PrivateDnsEnabled") ?? true
        }
        inventory.endpoints.append(e)
    }

    /// The default policy AWS attaches (allow everything to everyone), which vpcsim assumes anyway.
    static func isFullAccess(_ p: String) -> Bool {
        guard let d = try? JSONSerialization.jsonObject(with: Data(p.utf8)) as? [String: Any],
            let s = d["Statement"] as? [[String: Any]], s.count == 1
        else { return false }
        let st = s[0]
        return st["Effect"] as? String == "Allow" && st["Principal"] as? String == "*"
            && st["Action"] as? String == "*" && st["Resource"] as? String == "*" && st["Condition"] == nil
    }

    mutating func prefixList(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("PrefixListId")
        guard once(id) else { return }
        if v.string("AddressFamily") == "IPv6" {
            inventory.skip("IPv6 prefix list")
            return
        }
        let owner = v.string("OwnerId") ?? ""
        inventory.prefixLists.append(
            .init(
                id: id, name: v.string("PrefixListName") ?? id, cidrs: nil, awsManaged: owner.uppercased() == "AWS",
                origin: v.origin))
    }

    mutating func routeTable(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("RouteTableId")
        guard once(id) else { return }
        var t = Inventory.RouteTable(id: id, name: v.nameTag, vpc: try v.ref("VpcId"), origin: v.origin)
        for a in v.list("Associations") {
            if let state = a["AssociationState"]?.string("State"), state != "associated" { continue }
            if a.bool("Main") == true { t.main = true }
            if a.string("SubnetId") != nil {
                inventory.routeAssociations.append(
                    .init(subnet: try a.ref("SubnetId"), table: Ref(id: id, origin: a.origin)))
            }
            if a.string("GatewayId") != nil { inventory.skip("route table edge association (gateway route table)") }
        }
        for r in v.list("Routes") {
            if r.string("GatewayId") == "local" { continue }
            guard
                let destination = r.string("DestinationCidrBlock") ?? r.string("DestinationIpv6CidrBlock")
                    ?? r.string("DestinationPrefixListId")
            else { continue }
            let dOrigin =
                (r["DestinationCidrBlock"] ?? r["DestinationIpv6CidrBlock"] ?? r["DestinationPrefixListId"])?.origin
                ?? r.origin
            if let g = r.string("GatewayId"), g.hasPrefix("vpce-") {
                // Added by the gateway endpoint, which lists this table; vpcsim adds it the same way.
                pendingEndpointRoutes.append((table: id, endpoint: Ref(id: g, origin: r["GatewayId"]!.origin)))
                continue
            }
            if r.string("State") == "blackhole" {
                t.routes.append(
                    .init(
                        destination: destination, destinationOrigin: dOrigin,
                        target: Ref(id: "blackhole", origin: r.origin)))
                continue
            }
            let target: Ref
            if let g = r.string("GatewayId"), g.hasPrefix("igw-") {
                target = Ref(id: g, origin: r["GatewayId"]!.origin)
            } else if r.string("NatGatewayId") != nil {
                target = try r.ref("NatGatewayId")
            } else if r.string("EgressOnlyInternetGatewayId") != nil {
                target = try r.ref("EgressOnlyInternetGatewayId")
            } else if r.string("VpcPeeringConnectionId") != nil {
                target = try r.ref("VpcPeeringConnectionId")
            } else if r.string("TransitGatewayId") != nil {
                target = try r.ref("TransitGatewayId")
            } else if r.string("InstanceId") != nil {
                target = try r.ref("InstanceId")
            } else if r.string("NetworkInterfaceId") != nil {
                target = try r.ref("NetworkInterfaceId")
            } else {
                let kind =
                    [
                        "CarrierGatewayId": "carrier gateway",
                        "LocalGatewayId": "local gateway", "CoreNetworkArn": "Cloud WAN core network",
                    ]
                    .first { r.string($0.key) != nil }?.value
                    ?? (r.string("GatewayId")?.hasPrefix("vgw-") == true ? "virtual private gateway" : "unknown target")
                inventory.skip("route to a \(kind)")
                continue
            }
            t.routes.append(.init(destination: destination, destinationOrigin: dOrigin, target: target))
        }
        inventory.routeTables.append(t)
    }

    var pendingEndpointRoutes: [(table: String, endpoint: Ref)] = []
}
