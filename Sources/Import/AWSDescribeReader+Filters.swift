import Foundation

/// Network ACLs, security groups, instances, flow logs, functions, databases, and what is
/// settled once every file is read.
extension AWSDescribeReader {
    mutating func networkACL(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("NetworkAclId")
        guard once(id) else { return }
        var a = Inventory.NetworkACL(
            id: id, name: v.nameTag, vpc: try v.ref("VpcId"), isDefault: v.bool("IsDefault") ?? false, origin: v.origin)
        for e in v.list("Entries") {
            guard let n = e.int("RuleNumber"), n != 32767 else { continue } // the `*` rule is implicit
            guard let cidr = e.string("CidrBlock") ?? e.string("Ipv6CidrBlock") else { continue }
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
                inventory.aclAssociations.append(
                    .init(subnet: try s.ref("SubnetId"), table: Ref(id: id, origin: s.origin)))
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
        for r in p.list("Ipv6Ranges") {
            var x = base
            x.peer = try r.ref("CidrIpv6")
            x.description = r.string("Description")
            out.append(x)
        }
        for r in p.list("PrefixListIds") {
            var x = base
            x.peer = try r.ref("PrefixListId")
            x.description = r.string("Description")
            out.append(x)
        }
        for r in p.list("UserIdGroupPairs") {
            // A group of a peered VPC (same Region) is referenced by its id, as the loader allows
            // (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html).
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
        } else if v.string("CidrIpv6") != nil {
            r.peer = try v.ref("CidrIpv6")
        } else if v.string("PrefixListId") != nil {
            r.peer = try v.ref("PrefixListId")
        } else if let g = v["ReferencedGroupInfo"], g.string("GroupId") != nil {
            r.peer = try g.ref("GroupId")
        } else {
            throw ImportError(v.origin, "a security group rule names a CIDR, a prefix list or a group")
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
        // An instance in an IPv6-only subnet has no PrivateIpAddress; moto 5.2 writes its IPv6
        // address there instead (and no Ipv6Addresses), read here as the IPv6 address it is.
        let written = v.string("PrivateIpAddress")
        let privateIPv4 = written?.contains(":") == true ? nil : written
        let privateIPv6 = written?.contains(":") == true ? written : nil
        if let p = publicIP { usedAddresses.insert(p) }
        inventory.instances.append(
            .init(
                id: id, name: v.nameTag, subnet: try v.ref("SubnetId"), groups: groups,
                privateIP: privateIPv4, publicIP: publicIP,
                eni: primary?.string("NetworkInterfaceId"), origin: v.origin,
                ipv6Address: primary?.list("Ipv6Addresses").first?.string("Ipv6Address") ?? privateIPv6))
    }

    mutating func flowLog(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("FlowLogId")
        guard once(id) else { return }
        let resource = try v.ref("ResourceId")
        guard ["vpc-", "subnet-", "eni-", "tgw-"].contains(where: { resource.id.hasPrefix($0) }) else {
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
            f.dualStack = c.bool("Ipv6AllowedForDualStack") ?? false
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
            throw ImportError(v["DBSubnetGroup"]?.origin ?? v.origin, "a database needs its subnet group's subnets")
        }
        inventory.databases.append(
            .init(
                name: name, subnet: try s.ref("SubnetIdentifier"),
                groups: try v.list("VpcSecurityGroups").map { g throws(ImportError) in try g.ref("VpcSecurityGroupId")
                },
                port: v["Endpoint"]?.int("Port") ?? v.int("DbInstancePort"), origin: v.origin))
    }

    /// After every file: entries of prefix lists, security group rules from
    /// describe-security-group-rules, endpoint routes, and the network interfaces (each one is
    /// a NAT gateway's, a function's, a database's or an instance's — or not modelled).
    mutating func finish() throws(ImportError) {
        for i in inventory.prefixLists.indices { inventory.prefixLists[i].cidrs = entries[inventory.prefixLists[i].id] }
        for i in inventory.prefixLists.indices
        where !inventory.prefixLists[i].awsManaged && inventory.prefixLists[i].cidrs == nil {
            let p = inventory.prefixLists[i]
            throw ImportError(
                p.origin,
                "no entries for customer-managed prefix list \(p.id) (get-managed-prefix-list-entries, in a file whose "
                    + "name holds the id)"
            )
        }
        for i in inventory.securityGroups.indices {
            if let rules = groupRules[inventory.securityGroups[i].id] { inventory.securityGroups[i].rules = rules }
        }
        try finishTransitGateways()
        for (table, endpoint) in pendingEndpointRoutes {
            guard let e = inventory.endpoints.firstIndex(where: { $0.id == endpoint.id }) else {
                throw ImportError(
                    endpoint.origin, "no VPC endpoint '\(endpoint.id)' in the input (describe-vpc-endpoints)")
            }
            if !inventory.endpoints[e].routeTables.contains(where: { $0.id == table }) {
                inventory.endpoints[e].routeTables.append(Ref(id: table, origin: endpoint.origin))
            }
        }
        for n in inventory.natGateways.indices {
            let g = inventory.natGateways[n]
            let subnet = inventory.subnets.first { $0.id == g.subnet.id }
            if let ip = g.privateIP, let s = subnet, let c = s.cidr, !CIDRText.contains(c, ip) {
                inventory.natGateways[n].privateIP = nil
                inventory.note(
                    "\(g.id): private address \(ip) is outside its subnet \(s.id) (\(c)); vpcsim chose one "
                        + "(an emulator's address, or a stale snapshot's)")
            }
        }
        // A database's address: describe-db-instances has none, but its RDS-managed interface
        // (description RDSNetworkInterface) does; taken when exactly one such interface is in the
        // database's subnet with its security groups.
        for d in inventory.databases.indices {
            let db = inventory.databases[d]
            let groups = Set(db.groups.map(\.id))
            let candidates = interfaces.filter {
                $0.string("Description") == "RDSNetworkInterface" && $0.string("SubnetId") == db.subnet.id
                    && Set($0.list("Groups").compactMap { $0.string("GroupId") }) == groups
            }
            let addresses = Set(candidates.compactMap { $0.string("PrivateIpAddress") })
            if addresses.count == 1 { inventory.databases[d].privateIP = addresses.first }
        }
        var seenENIs = Set<String>()
        for v in interfaces {
            guard let id = v.string("NetworkInterfaceId"), seenENIs.insert(id).inserted else { continue }
            if natENIs.contains(id) || instanceENIs.contains(id) { continue }
            let type = v.string("InterfaceType") ?? "interface"
            let description = v.string("Description") ?? ""
            // EC2's model spells a NAT gateway's type natGateway; output in the wild has nat_gateway.
            if type == "lambda" || type == "nat_gateway" || type == "natGateway" || description == "RDSNetworkInterface"
                || type == "transit_gateway"
            {
                continue // the loader creates these with the function, NAT gateway, database or attachment
            }
            let subnet = v.string("SubnetId")
            if type == "vpc_endpoint"
                && inventory.endpoints.contains(where: { e in
                    e.interface && e.subnets.contains { $0.id == subnet }
                })
            {
                continue // the loader creates these with their interface endpoint
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
