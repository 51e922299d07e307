import Foundation

/// `vpcsim import aws DIR`: the JSON the AWS CLI prints for `ec2 describe-*`, `lambda
/// list-functions` / `get-function-configuration` and `rds describe-db-instances`, one file per
/// call or several calls merged in one file, anywhere under DIR. A 12-digit folder name is an
/// account and a Region-shaped one a Region (`DIR/123456789012/us-east-1/…`, as collectors and
/// AWS Config lay them out). Files are read in path order; each resource is dispatched by the
/// top-level key its call prints (`Vpcs`, `Subnets`, …); pagination tokens are ignored.
public struct AWSDescribeImporter {
    public var directory: String
    /// The Region to import when the input holds several.
    public var region: String?

    public init(directory: String, region: String? = nil) { self.directory = directory; self.region = region }

    /// Top-level keys each call prints, and what vpcsim does with them.
    static let known: Set<String> = [
        "Vpcs", "Subnets", "RouteTables", "NetworkAcls", "SecurityGroups", "SecurityGroupRules", "InternetGateways",
        "EgressOnlyInternetGateways", "NatGateways", "VpcEndpoints", "PrefixLists", "Entries", "PrefixListEntries",
        "NetworkInterfaces", "Reservations", "Addresses", "VpcPeeringConnections", "TransitGateways",
        "TransitGatewayAttachments", "TransitGatewayVpcAttachments", "TransitGatewayRouteTables", "FlowLogs",
        "Functions", "DBInstances", "Configuration",
    ]
    static let ignored: Set<String> = ["NextToken", "Marker", "NextMarker", "ResponseMetadata", "PrefixListId"]
    /// Not modelled: the AWS resource type each such key lists.
    static let notModelledKeys: [String: String] = [
        "EgressOnlyInternetGateways": "AWS::EC2::EgressOnlyInternetGateway",
        "VpcPeeringConnections": "AWS::EC2::VPCPeeringConnection",
        "TransitGateways": "AWS::EC2::TransitGateway",
        "TransitGatewayAttachments": "AWS::EC2::TransitGatewayAttachment",
        "TransitGatewayVpcAttachments": "AWS::EC2::TransitGatewayVpcAttachment",
        "TransitGatewayRouteTables": "AWS::EC2::TransitGatewayRouteTable",
    ]

    /// One input file's parsed content and where it sits.
    struct File {
        var json: JSONValue
        var account: String?
        var region: String?
        var relative: String
    }

    public func run() throws(ImportError) -> ImportedTopology {
        let files = try readFiles()
        // The Region: from the folders, else from the files' availability zones.
        var regions = Set(files.compactMap(\.region))
        if regions.isEmpty {
            for f in files {
                for s in f.json.list("Subnets") {
                    if let z = s.string("AvailabilityZone") { regions.insert(String(z.dropLast())) }
                }
            }
        }
        let chosen: String
        if let region {
            guard regions.isEmpty || regions.contains(region) else {
                throw ImportError(
                    Origin(file: directory, path: ""),
                    "--region \(region): the input holds \(regions.sorted().joined(separator: ", ")) only")
            }
            chosen = region
        } else if regions.count == 1 {
            chosen = regions.first!
        } else if regions.isEmpty {
            throw ImportError(
                Origin(file: directory, path: ""),
                "cannot tell the Region (no Region folder, no subnet's availability zone): give --region")
        } else {
            throw ImportError(
                Origin(file: directory, path: ""),
                "the input holds several Regions (\(regions.sorted().joined(separator: ", "))); a topology is one "
                    + "Region: give --region")
        }
        var reader = Reader(inventory: Inventory())
        reader.inventory.region = chosen
        let inRegion = files.filter { $0.region == nil || $0.region == chosen }
        let accounts = Set(inRegion.compactMap(\.account))
        if accounts.count == 1 { reader.inventory.account = accounts.first }
        for f in inRegion { try reader.read(f) }
        try reader.finish()
        var w = TopologyWriter(reader.inventory, command: "vpcsim import aws \(displayName)")
        var isDir: ObjCBool = false
        FileManager.default.fileExists(atPath: directory, isDirectory: &isDir)
        let root = isDir.boolValue ? directory : (directory as NSString).deletingLastPathComponent
        w.commentRoot = root.isEmpty || root.hasSuffix("/") ? root : root + "/"
        return try w.render()
    }

    var displayName: String { (directory as NSString).lastPathComponent + "/" }

    /// Every `.json` file under the directory (or the one file named), in path order.
    func readFiles() throws(ImportError) -> [File] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) else {
            throw ImportError(Origin(file: directory, path: ""), "no such file or directory")
        }
        var paths: [String] = []
        if isDir.boolValue {
            guard let e = FileManager.default.enumerator(atPath: directory) else {
                throw ImportError(Origin(file: directory, path: ""), "cannot list the directory")
            }
            while let p = e.nextObject() as? String {
                if p.hasSuffix(".json") { paths.append(p) }
            }
            paths.sort()
        } else {
            paths = [""]
        }
        guard !paths.isEmpty else { throw ImportError(Origin(file: directory, path: ""), "no .json files") }
        var out: [File] = []
        for p in paths {
            let full = p.isEmpty ? directory : directory + "/" + p
            let display = p.isEmpty ? (directory as NSString).lastPathComponent : p
            guard let data = FileManager.default.contents(atPath: full) else {
                throw ImportError(Origin(file: full, path: ""), "cannot read the file")
            }
            var json = try JSONValue.parse(data, file: full, display: full)
            json = JSONValue(value: json.value, origin: Origin(file: full, path: "$"))
            var account: String?
            var region: String?
            for part in p.split(separator: "/").dropLast().map(String.init) {
                if part.count == 12, part.allSatisfy(\.isNumber) { account = part }
                if Self.isRegion(part) { region = part }
            }
            out.append(File(json: json, account: account, region: region, relative: display))
        }
        return out
    }

    static func isRegion(_ s: String) -> Bool {
        let parts = s.split(separator: "-")
        return parts.count >= 3 && parts[0].count == 2 && parts.last!.allSatisfy(\.isNumber)
            && parts[0].allSatisfy(\.isLetter)
    }
}

/// Reads describe-* outputs into an inventory, de-duplicating resources seen in several files.
private struct Reader {
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

    mutating func once(_ id: String) -> Bool { seen.insert(id).inserted }

    mutating func read(_ f: AWSDescribeImporter.File) throws(ImportError) {
        let json = f.json
        guard let object = json.object else {
            throw ImportError(json.origin, "expected a JSON object as the AWS CLI prints it ({\"Vpcs\": [...]} …)")
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
            if let kind = AWSDescribeImporter.notModelledKeys[key] {
                inventory.skip(kind, json.list(key).count)
            }
        }
        for v in json.list("Vpcs") { try vpc(v, account: f.account) }
        for v in json.list("Subnets") { try subnet(v) }
        for v in json.list("InternetGateways") { try internetGateway(v) }
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
        for v in json.list("Addresses") {
            guard let ip = v.string("PublicIp"), once("eip:" + ip) else { continue }
            addressCount += 1
            if let a = v.string("AllocationId") { addresses[a] = ip }
            if v.string("AssociationId") == nil { inventory.skip("AWS::EC2::EIP (not associated)") }
        }
        interfaces += json.list("NetworkInterfaces")
        for v in json.list("FlowLogs") { try flowLog(v) }
        for v in json.list("Functions") { try function(v) }
        if let c = json["Configuration"] { try function(c) }
        for v in json.list("DBInstances") { try database(v) }
    }

    static func prefixListID(in path: String) -> String? {
        guard let r = path.range(of: "pl-") else { return nil }
        let id = "pl-" + path[r.upperBound...].prefix { $0.isHexDigit }
        return id.count > 3 ? id : nil
    }

    mutating func vpc(_ v: JSONValue, account: String?) throws(ImportError) {
        let id = try v.require("VpcId")
        guard once(id) else { return }
        var cidrs = v.list("CidrBlockAssociationSet").filter {
            ($0["CidrBlockState"]?.string("State") ?? "associated") == "associated"
        }.compactMap { $0.string("CidrBlock") }
        if cidrs.isEmpty, let c = v.string("CidrBlock") { cidrs = [c] }
        if !v.list("Ipv6CidrBlockAssociationSet").isEmpty { inventory.skip("IPv6 CIDR block of a VPC", v.list("Ipv6CidrBlockAssociationSet").count) }
        let owner = v.string("OwnerId") ?? account
        if inventory.account == nil { inventory.account = owner }
        inventory.vpcs.append(.init(id: id, name: v.nameTag, cidrs: cidrs, account: owner, origin: v.origin))
    }

    mutating func subnet(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("SubnetId")
        guard once(id) else { return }
        guard let cidr = v.string("CidrBlock") else {
            inventory.skip("IPv6-only subnet")
            return
        }
        if !v.list("Ipv6CidrBlockAssociationSet").isEmpty { inventory.skip("IPv6 CIDR block of a subnet") }
        inventory.subnets.append(
            .init(
                id: id, name: v.nameTag, vpc: try v.ref("VpcId"), cidr: cidr, zone: try v.require("AvailabilityZone"),
                zoneID: v.string("AvailabilityZoneId"), origin: v.origin))
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
        guard type == "Gateway" else {
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
        inventory.endpoints.append(
            .init(
                id: id, name: v.nameTag, vpc: try v.ref("VpcId"), service: try v.require("ServiceName"),
                routeTables: v.list("RouteTableIds").enumerated().compactMap { i, t in
                    t.string.map { Ref(id: $0, origin: v.origin.at("RouteTableIds").at("[\(i)]")) }
                }, policy: policy, origin: v.origin))
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
                inventory.routeAssociations.append(.init(subnet: try a.ref("SubnetId"), table: Ref(id: id, origin: a.origin)))
            }
            if a.string("GatewayId") != nil { inventory.skip("route table edge association (gateway route table)") }
        }
        for r in v.list("Routes") {
            if r.string("GatewayId") == "local" { continue }
            guard let destination = r.string("DestinationCidrBlock") ?? r.string("DestinationPrefixListId") else {
                if r.string("DestinationIpv6CidrBlock") != nil { inventory.skip("IPv6 route") }
                continue
            }
            let dOrigin = r.origin.at(r.string("DestinationCidrBlock") != nil ? "DestinationCidrBlock" : "DestinationPrefixListId")
            if let g = r.string("GatewayId"), g.hasPrefix("vpce-") {
                // Added by the gateway endpoint, which lists this table; vpcsim adds it the same way.
                pendingEndpointRoutes.append((table: id, endpoint: Ref(id: g, origin: r.origin.at("GatewayId"))))
                continue
            }
            if r.string("State") == "blackhole" {
                t.routes.append(.init(destination: destination, destinationOrigin: dOrigin, target: Ref(id: "blackhole", origin: r.origin)))
                continue
            }
            let target: Ref
            if let g = r.string("GatewayId"), g.hasPrefix("igw-") {
                target = Ref(id: g, origin: r.origin.at("GatewayId"))
            } else if r.string("NatGatewayId") != nil {
                target = try r.ref("NatGatewayId")
            } else if r.string("InstanceId") != nil {
                target = try r.ref("InstanceId")
            } else if r.string("NetworkInterfaceId") != nil {
                target = try r.ref("NetworkInterfaceId")
            } else {
                let kind =
                    ["VpcPeeringConnectionId": "VPC peering connection", "TransitGatewayId": "transit gateway",
                     "EgressOnlyInternetGatewayId": "egress-only internet gateway", "CarrierGatewayId": "carrier gateway",
                     "LocalGatewayId": "local gateway", "CoreNetworkArn": "Cloud WAN core network"]
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

    mutating func networkACL(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("NetworkAclId")
        guard once(id) else { return }
        var a = Inventory.NetworkACL(
            id: id, name: v.nameTag, vpc: try v.ref("VpcId"), isDefault: v.bool("IsDefault") ?? false, origin: v.origin)
        for e in v.list("Entries") {
            guard let n = e.int("RuleNumber"), n != 32767 else { continue }  // the `*` rule is implicit
            guard let cidr = e.string("CidrBlock") else {
                inventory.skip("IPv6 network ACL rule")
                continue
            }
            let proto = e.string("Protocol") ?? "-1"
            var rule = Inventory.ACLRule(
                number: n, egress: e.bool("Egress") ?? false, proto: Self.protocolName(proto), cidr: cidr,
                allow: (e.string("RuleAction") ?? "allow") == "allow")
            if proto == "1" {
                rule.icmpType = e["IcmpTypeCode"]?.int("Type")
                rule.icmpCode = e["IcmpTypeCode"]?.int("Code")
            } else if proto == "6" || proto == "17" {
                let from = e["PortRange"]?.int("From") ?? 0
                let to = e["PortRange"]?.int("To") ?? 65535
                rule.ports = Self.ports(from, to)
            }
            a.rules.append(rule)
        }
        for s in v.list("Associations") {
            if s.string("SubnetId") != nil {
                inventory.aclAssociations.append(.init(subnet: try s.ref("SubnetId"), table: Ref(id: id, origin: s.origin)))
            }
        }
        inventory.networkACLs.append(a)
    }

    static func protocolName(_ p: String) -> String {
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

    mutating func securityGroup(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("GroupId")
        guard once(id) else { return }
        guard v.string("VpcId") != nil else {
            inventory.skip("EC2-Classic security group")
            return
        }
        var g = Inventory.SecurityGroup(
            id: id, name: v.string("GroupName"), vpc: try v.ref("VpcId"), description: v.string("Description"),
            origin: v.origin)
        for (key, egress) in [("IpPermissions", false), ("IpPermissionsEgress", true)] {
            for p in v.list(key) { g.rules += try permission(p, egress: egress, vpc: v.string("VpcId")!) }
        }
        inventory.securityGroups.append(g)
    }

    /// One IpPermission: a rule per CIDR, prefix list and group it names.
    mutating func permission(_ p: JSONValue, egress: Bool, vpc: String) throws(ImportError) -> [Inventory.SGRule] {
        let proto = Self.protocolName(p.string("IpProtocol") ?? "-1")
        var base = Inventory.SGRule(egress: egress, proto: proto, peer: Ref(id: "", origin: p.origin))
        if proto == "icmp" {
            let t = p.int("FromPort") ?? -1
            let c = p.int("ToPort") ?? -1
            if t >= 0 { base.icmpType = t }
            if c >= 0 { base.icmpCode = c }
        } else if proto == "tcp" || proto == "udp" {
            base.ports = Self.ports(p.int("FromPort") ?? 0, p.int("ToPort") ?? 65535)
        } else if proto != "all" && !(Int(proto) != nil) {
            base.ports = nil
        }
        var out: [Inventory.SGRule] = []
        for r in p.list("IpRanges") {
            var x = base
            x.peer = try r.ref("CidrIp")
            x.description = r.string("Description")
            out.append(x)
        }
        if !p.list("Ipv6Ranges").isEmpty { inventory.skip("IPv6 security group rule", p.list("Ipv6Ranges").count) }
        for r in p.list("PrefixListIds") {
            var x = base
            x.peer = try r.ref("PrefixListId")
            x.description = r.string("Description")
            out.append(x)
        }
        for r in p.list("UserIdGroupPairs") {
            if r.string("VpcPeeringConnectionId") != nil || (r.string("VpcId").map { $0 != vpc } ?? false) {
                inventory.skip("security group rule referencing a group in a peered VPC")
                continue
            }
            var x = base
            x.peer = try r.ref("GroupId")
            x.description = r.string("Description")
            out.append(x)
        }
        return out
    }

    /// describe-security-group-rules: the same rules one per item. When the input has them, they
    /// replace the group's IpPermissions (which say the same).
    mutating func securityGroupRule(_ v: JSONValue) throws(ImportError) {
        let rid = try v.require("SecurityGroupRuleId")
        guard once(rid) else { return }
        let proto = Self.protocolName(v.string("IpProtocol") ?? "-1")
        var r = Inventory.SGRule(
            egress: v.bool("IsEgress") ?? false, proto: proto, peer: Ref(id: "", origin: v.origin),
            description: v.string("Description"))
        if proto == "icmp" {
            if let t = v.int("FromPort"), t >= 0 { r.icmpType = t }
            if let c = v.int("ToPort"), c >= 0 { r.icmpCode = c }
        } else if proto == "tcp" || proto == "udp" {
            r.ports = Self.ports(v.int("FromPort") ?? 0, v.int("ToPort") ?? 65535)
        }
        if v.string("CidrIpv4") != nil {
            r.peer = try v.ref("CidrIpv4")
        } else if v.string("PrefixListId") != nil {
            r.peer = try v.ref("PrefixListId")
        } else if let g = v["ReferencedGroupInfo"], g.string("GroupId") != nil {
            if g.string("VpcPeeringConnectionId") != nil {
                inventory.skip("security group rule referencing a group in a peered VPC")
                return
            }
            r.peer = try g.ref("GroupId")
        } else {
            inventory.skip("IPv6 security group rule")
            return
        }
        groupRules[try v.require("GroupId"), default: []].append(r)
    }

    mutating func instance(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("InstanceId")
        guard once(id) else { return }
        let state = v["State"]?.string("Name") ?? "running"
        guard !["terminated", "shutting-down"].contains(state) else {
            inventory.skip("AWS::EC2::Instance (\(state))")
            return
        }
        guard v.string("SubnetId") != nil else {
            inventory.skip("AWS::EC2::Instance (not in a VPC)")
            return
        }
        let nics = v.list("NetworkInterfaces")
        let primary = nics.first { $0["Attachment"]?.int("DeviceIndex") == 0 } ?? nics.first
        for n in nics { if let e = n.string("NetworkInterfaceId") { instanceENIs.insert(e) } }
        if nics.count > 1 { inventory.skip("secondary network interface of an instance", nics.count - 1) }
        var groups: [Ref] = []
        let source = primary?.list("Groups").isEmpty == false ? primary!.list("Groups") : v.list("SecurityGroups")
        for g in source { groups.append(try g.ref("GroupId")) }
        let publicIP = v.string("PublicIpAddress") ?? primary?["Association"]?.string("PublicIp")
        if let p = publicIP { usedAddresses.insert(p) }
        inventory.instances.append(
            .init(
                id: id, name: v.nameTag, subnet: try v.ref("SubnetId"), groups: groups,
                privateIP: v.string("PrivateIpAddress"), publicIP: publicIP,
                eni: primary?.string("NetworkInterfaceId"), origin: v.origin))
    }

    mutating func flowLog(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("FlowLogId")
        guard once(id) else { return }
        let resource = try v.ref("ResourceId")
        guard ["vpc-", "subnet-", "eni-"].contains(where: { resource.id.hasPrefix($0) }) else {
            inventory.skip("flow log of a \(resource.id.split(separator: "-").first ?? "")- resource")
            return
        }
        var destination: String
        switch v.string("LogDestinationType") ?? "cloud-watch-logs" {
        case "s3": destination = "s3"
        case "cloud-watch-logs": destination = "cloudwatch-logs"
        case let other:
            inventory.skip("flow log to \(other)")
            return
        }
        var log = Inventory.FlowLog(
            id: id, resource: resource, trafficType: v.string("TrafficType") ?? "ALL",
            interval: v.int("MaxAggregationInterval"), format: v.string("LogFormat"), destination: destination,
            origin: v.origin)
        if destination == "cloudwatch-logs" { log.logGroup = v.string("LogGroupName") }
        if let o = v["DestinationOptions"], destination == "s3" {
            if o.string("FileFormat") == "parquet" {
                inventory.skip("Parquet flow-log files (written as text)")
            }
            log.hive = o.bool("HiveCompatiblePartitions")
            log.perHour = o.bool("PerHourPartition")
        }
        if log.format == Self.defaultFormat { log.format = nil }
        inventory.flowLogs.append(log)
    }

    static let defaultFormat =
        "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
        + "${packets} ${bytes} ${start} ${end} ${action} ${log-status}"

    mutating func function(_ v: JSONValue) throws(ImportError) {
        let name = try v.require("FunctionName")
        guard once("function:" + name) else { return }
        var f = Inventory.Function(
            name: name, runtime: v.string("Runtime"), memory: v.int("MemorySize"), timeout: v.int("Timeout"),
            subnets: [], groups: [], origin: v.origin)
        if let c = v["VpcConfig"] {
            f.subnets = c.list("SubnetIds").compactMap { s in s.string.map { Ref(id: $0, origin: s.origin) } }
            f.groups = c.list("SecurityGroupIds").compactMap { s in s.string.map { Ref(id: $0, origin: s.origin) } }
        }
        inventory.functions.append(f)
    }

    mutating func database(_ v: JSONValue) throws(ImportError) {
        let name = try v.require("DBInstanceIdentifier")
        guard once("db:" + name) else { return }
        let engine = v.string("Engine") ?? ""
        guard engine == "postgres" || engine == "aurora-postgresql" else {
            inventory.skip("AWS::RDS::DBInstance (engine \(engine))")
            return
        }
        let subnets = v["DBSubnetGroup"]?.list("Subnets") ?? []
        let zone = v.string("AvailabilityZone")
        guard let s = subnets.first(where: { $0["SubnetAvailabilityZone"]?.string("Name") == zone }) ?? subnets.first
        else {
            throw ImportError(v.origin.at("DBSubnetGroup"), "a database needs its subnet group's subnets")
        }
        inventory.databases.append(
            .init(
                name: name, subnet: try s.ref("SubnetIdentifier"),
                groups: try v.list("VpcSecurityGroups").map { g throws(ImportError) in try g.ref("VpcSecurityGroupId") },
                port: v["Endpoint"]?.int("Port") ?? v.int("DbInstancePort"), origin: v.origin))
    }

    /// After every file: entries of prefix lists, security group rules from
    /// describe-security-group-rules, endpoint routes, and the network interfaces (each one is
    /// a NAT gateway's, a function's, a database's or an instance's — or not modelled).
    mutating func finish() throws(ImportError) {
        for i in inventory.prefixLists.indices { inventory.prefixLists[i].cidrs = entries[inventory.prefixLists[i].id] }
        for i in inventory.prefixLists.indices where !inventory.prefixLists[i].awsManaged && inventory.prefixLists[i].cidrs == nil {
            let p = inventory.prefixLists[i]
            throw ImportError(p.origin, "no entries for customer-managed prefix list \(p.id) (get-managed-prefix-list-entries, in a file whose name holds the id)")
        }
        for i in inventory.securityGroups.indices {
            if let rules = groupRules[inventory.securityGroups[i].id] { inventory.securityGroups[i].rules = rules }
        }
        for (table, endpoint) in pendingEndpointRoutes {
            guard let e = inventory.endpoints.firstIndex(where: { $0.id == endpoint.id }) else {
                throw ImportError(endpoint.origin, "no VPC endpoint '\(endpoint.id)' in the input (describe-vpc-endpoints)")
            }
            if !inventory.endpoints[e].routeTables.contains(where: { $0.id == table }) {
                inventory.endpoints[e].routeTables.append(Ref(id: table, origin: endpoint.origin))
            }
        }
        for n in inventory.natGateways.indices {
            let g = inventory.natGateways[n]
            let subnet = inventory.subnets.first { $0.id == g.subnet.id }
            if let ip = g.privateIP, let s = subnet, !CIDRText.contains(s.cidr, ip) {
                inventory.natGateways[n].privateIP = nil
                inventory.note(
                    "\(g.id): private address \(ip) is outside its subnet \(s.id) (\(s.cidr)); vpcsim chose one "
                        + "(an emulator's address, or a stale snapshot's)")
            }
        }
        var seenENIs = Set<String>()
        for v in interfaces {
            guard let id = v.string("NetworkInterfaceId"), seenENIs.insert(id).inserted else { continue }
            if natENIs.contains(id) || instanceENIs.contains(id) { continue }
            let type = v.string("InterfaceType") ?? "interface"
            let description = v.string("Description") ?? ""
            if type == "lambda" || type == "nat_gateway" || description == "RDSNetworkInterface" {
                continue  // the loader creates these with the function, NAT gateway or database
            }
            if type == "vpc_endpoint" || type == "interface" && v["Attachment"]?.string("InstanceId") == nil {
                inventory.skip("network interface (\(type == "interface" ? "not attached to an instance" : type))")
            } else if type != "interface" {
                inventory.skip("network interface (\(type))")
            }
        }
    }
}

/// CIDR arithmetic on text, enough for the importers' checks (the loader does the real parsing).
enum CIDRText {
    static func parse(_ s: String) -> (base: UInt32, bits: Int)? {
        let parts = s.split(separator: "/")
        guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits), let a = address(String(parts[0]))
        else { return nil }
        return (a, bits)
    }
    static func address(_ s: String) -> UInt32? {
        let o = s.split(separator: ".").compactMap { UInt32($0) }
        guard o.count == 4, o.allSatisfy({ $0 < 256 }) else { return nil }
        return o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3]
    }
    static func format(_ a: UInt32) -> String { "\(a >> 24).\(a >> 16 & 255).\(a >> 8 & 255).\(a & 255)" }
    static func contains(_ cidr: String, _ ip: String) -> Bool {
        guard let c = parse(cidr), let a = address(ip) else { return false }
        let mask: UInt32 = c.bits == 0 ? 0 : ~UInt32(0) << (32 - c.bits)
        return a & mask == c.base & mask
    }
}
