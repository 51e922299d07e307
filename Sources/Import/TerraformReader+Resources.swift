import Foundation

/// Routes, rules, security groups, endpoints, instances, databases, functions and flow logs, and
/// what is settled once every instance is read.
extension TFReader {
    /// A route (an `aws_route`, or a `route` block of a route table); nil when its target or
    /// destination is not modelled (listed in the summary).
    mutating func route(_ r: TFObject, inline: Bool) throws(ImportError) -> Inventory.Route? {
        let cidrKey = inline ? "cidr_block" : "destination_cidr_block"
        let v6Key = inline ? "ipv6_cidr_block" : "destination_ipv6_cidr_block"
        let plKey = "destination_prefix_list_id"
        let dKey: String
        let destination: String
        if let c = try r.scalar(cidrKey, &doc) {
            (dKey, destination) = (cidrKey, c)
        } else if let c = try r.scalar(v6Key, &doc) {
            (dKey, destination) = (v6Key, c)
        } else if let p = try r.scalar(plKey, &doc) {
            (dKey, destination) = (plKey, p)
        } else {
            return nil
        }
        let kinds: [(String, String)] = [
            ("carrier_gateway_id", "carrier gateway"),
            ("local_gateway_id", "local gateway"), ("core_network_arn", "Cloud WAN core network"),
            ("vpc_endpoint_id", "VPC endpoint (Gateway Load Balancer)"),
        ]
        for key in [
            "gateway_id", "nat_gateway_id", "network_interface_id", "instance_id", "egress_only_gateway_id",
            "vpc_peering_connection_id", "transit_gateway_id",
        ] {
            guard let t = try r.scalar(key, &doc) else { continue }
            if t == "local" { return nil } // the VPC's local route, adopted (AWS provider 5)
            if t.hasPrefix("vgw-") {
                inventory.skip("route to a virtual private gateway")
                return nil
            }
            return .init(
                destination: destination, destinationOrigin: r.origin.at(dKey),
                target: Ref(id: t, origin: r.origin.at(key)))
        }
        for (key, kind) in kinds where (try r.scalar(key, &doc)) != nil {
            inventory.skip("route to a \(kind)")
            return nil
        }
        throw ImportError(r.origin, "a route to \(destination) with no target (gateway_id, nat_gateway_id, …)")
    }

    mutating func aclRule(_ r: TFObject, egress: Bool, number: String, action: String) throws(ImportError)
        -> Inventory.ACLRule?
    {
        var cidr = try r.scalar("cidr_block", &doc)
        if cidr == nil { cidr = try r.scalar("ipv6_cidr_block", &doc) }
        guard let cidr else { return nil }
        let proto = AWSProtocol.name(r.value.string("protocol") ?? "-1")
        var rule = Inventory.ACLRule(
            number: r.int(number) ?? 0, egress: egress, proto: proto, cidr: cidr,
            allow: (r.value.string(action) ?? "allow").lowercased() == "allow")
        if proto == "icmp" {
            rule.icmpType = r.int("icmp_type").flatMap { $0 < 0 ? nil : $0 }
            rule.icmpCode = r.int("icmp_code").flatMap { $0 < 0 ? nil : $0 }
        } else if proto == "tcp" || proto == "udp" {
            rule.ports = AWSProtocol.ports(r.int("from_port") ?? 0, r.int("to_port") ?? 65535)
        }
        return rule
    }

    /// A security group rule's protocol and ports (`-1` all; for ICMP, from_port is the type and
    /// to_port the code, -1 any).
    func sgBase(_ r: TFObject, egress: Bool, protocolKey: String) -> Inventory.SGRule {
        let proto = AWSProtocol.name(r.value.string(protocolKey) ?? "-1")
        var rule = Inventory.SGRule(egress: egress, proto: proto, peer: Ref(id: "", origin: r.origin))
        let from = r.int("from_port") ?? -1
        let to = r.int("to_port") ?? -1
        if proto == "icmp" {
            if from >= 0 { rule.icmpType = from }
            if to >= 0 { rule.icmpCode = to }
        } else if proto == "tcp" || proto == "udp" {
            rule.ports = AWSProtocol.ports(max(from, 0), to < 0 ? 65535 : to)
        }
        return rule
    }

    func with(_ base: Inventory.SGRule, peer: Ref, _ r: TFObject) -> Inventory.SGRule {
        var x = base
        x.peer = peer
        x.description = r.value.string("description").flatMap { $0.isEmpty ? nil : $0 }
        return x
    }

    /// `aws_security_group` (its inline `ingress`/`egress` blocks; with none configured, no egress
    /// at all: Terraform removes the allow-all egress rule AWS creates, as its documentation says,
    /// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group),
    /// and `aws_default_security_group`, which adopts the VPC's default group and replaces its rules.
    mutating func securityGroup(_ i: Int, _ x: TFDocument.Instance, _ r: TFObject) throws(ImportError) {
        let isDefault = x.type == "aws_default_security_group"
        guard let vpc = try optionalRef(r, "vpc_id") else {
            inventory.skip("\(x.type) without vpc_id (the Region's default VPC)")
            return
        }
        var group = try id(i)
        if isDefault, let d = vpcDefaults.first(where: { $0.vpc == vpc.id })?.group { group = d }
        var name = "default"
        if !isDefault {
            name = try r.scalar("name", &doc) ?? ""
            if name.isEmpty { name = try doc.attribute(i, "name") ?? x.name }
        }
        var g = Inventory.SecurityGroup(
            id: group, name: name, vpc: vpc,
            description: r.value.string("description"), origin: x.origin)
        for (key, egress) in [("ingress", false), ("egress", true)] {
            for b in r.blocks(key) {
                let base = sgBase(b, egress: egress, protocolKey: "protocol")
                var peers: [Ref] = []
                for k in ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups"] {
                    peers += try refs(b, k)
                }
                if b.bool("self") == true { peers.append(Ref(id: group, origin: b.origin.at("self"))) }
                for p in peers { g.rules.append(with(base, peer: p, b)) }
            }
        }
        if isDefault { defaultGroupOverrides.insert(group) }
        inventory.securityGroups.removeAll { $0.id == group }
        inventory.securityGroups.append(g)
    }

    mutating func endpoint(_ i: Int, _ x: TFDocument.Instance, _ r: TFObject) throws(ImportError) {
        let type = r.value.string("vpc_endpoint_type") ?? "Gateway"
        guard type == "Gateway" || type == "Interface" else {
            inventory.skip("aws_vpc_endpoint (\(type))")
            return
        }
        var policy = r.value.string("policy").flatMap { $0.isEmpty ? nil : $0 }
        if let p = policy, p.contains("\"Condition\"") {
            inventory.note(
                "\(x.address): its policy has conditions, which vpcsim does not evaluate: full access assumed")
            inventory.skip("VPC endpoint policy condition")
            policy = nil
        }
        if let p = policy, AWSDescribeReader.isFullAccess(p) { policy = nil }
        var e = Inventory.Endpoint(
            id: try id(i), name: r.nameTag, vpc: try ref(r, "vpc_id"), service: try ref(r, "service_name").id,
            routeTables: try refs(r, "route_table_ids"), policy: policy, origin: x.origin)
        if type == "Interface" {
            // The provider's private_dns_enabled defaults to false (AWS's API to true).
            e.interface = true
            e.routeTables = []
            e.subnets = try refs(r, "subnet_ids")
            e.groups = try refs(r, "security_group_ids")
            e.privateDNS = r.bool("private_dns_enabled") ?? false
        }
        inventory.endpoints.append(e)
    }

    /// `aws_instance`: its subnet and groups, or those of the `aws_network_interface` at device
    /// index 0; with no group, the VPC's default group (as EC2 does). A public IP when it asks for
    /// one or its subnet maps one on launch: known, else chosen from the Region's pool.
    mutating func instance(_ i: Int, _ x: TFDocument.Instance, _ r: TFObject) throws(ImportError) {
        var subnet = try optionalRef(r, "subnet_id")
        var groups = try refs(r, "vpc_security_group_ids")
        var privateIP = r.value.string("private_ip").flatMap { $0.isEmpty ? nil : $0 }
        var eni = try doc.attribute(i, "primary_network_interface_id")
        for nic in r.blocks("network_interface") where nic.int("device_index") ?? 0 == 0 {
            guard let e = try nic.scalar("network_interface_id", &doc) else { continue }
            eni = e
            if let n = doc.instances.indices.first(where: {
                doc.instances[$0].type == "aws_network_interface" && (try? doc.attribute($0, "id")) == e
            }) {
                attachedInterfaces.insert(doc.instances[n].address)
                let ni = o(n)
                subnet = try ref(ni, "subnet_id")
                groups = try refs(ni, "security_groups")
                privateIP = try ni.scalar("private_ip", &doc)
                if privateIP == nil { privateIP = try ni.list("private_ips", &doc).first }
            }
        }
        guard let subnet else {
            inventory.skip("aws_instance (not in a VPC)")
            return
        }
        let instance = try id(i)
        var publicIP = r.value.string("public_ip").flatMap { $0.isEmpty ? nil : $0 }
        let wants = r.bool("associate_public_ip_address") ?? publicSubnets.contains(subnet.id)
        if publicIP == nil && wants { publicIP = try doc.attribute(i, "public_ip") }
        inventory.instances.append(
            .init(
                id: instance, name: r.nameTag, subnet: subnet, groups: groups, privateIP: privateIP, publicIP: publicIP,
                eni: eni, origin: x.origin, ipv6Address: (r.value["ipv6_addresses"]?.value as? [String])?.first))
    }

    mutating func database(_ i: Int, _ x: TFDocument.Instance, _ r: TFObject) throws(ImportError) {
        let engine = r.value.string("engine") ?? ""
        guard engine == "postgres" || engine == "aurora-postgresql" else {
            inventory.skip("aws_db_instance (engine \(engine.isEmpty ? "unknown" : engine))")
            return
        }
        let group = try ref(r, "db_subnet_group_name")
        guard let subnets = subnetGroups[group.id], !subnets.isEmpty else {
            throw ImportError(group.origin, "no aws_db_subnet_group named '\(group.id)' in the \(what)")
        }
        let zone = try r.scalar("availability_zone", &doc)
        let subnet = subnets.first { s in inventory.subnets.first { $0.id == s.id }?.zone == zone } ?? subnets[0]
        inventory.databases.append(
            .init(
                name: try doc.attribute(i, "identifier") ?? x.name, subnet: subnet,
                groups: try refs(r, "vpc_security_group_ids"), port: r.int("port"), origin: x.origin))
    }

    mutating func function(_ i: Int, _ x: TFDocument.Instance, _ r: TFObject) throws(ImportError) {
        var f = Inventory.Function(
            name: try doc.attribute(i, "function_name") ?? x.name, runtime: r.value.string("runtime"),
            memory: r.int("memory_size"), timeout: r.int("timeout"), subnets: [], groups: [], origin: x.origin)
        if let v = r.block("vpc_config") {
            f.subnets = try refs(v, "subnet_ids")
            f.groups = try refs(v, "security_group_ids")
            f.dualStack = v.bool("ipv6_allowed_for_dual_stack") ?? false
        }
        inventory.functions.append(f)
    }

    mutating func flowLog(_ i: Int, _ x: TFDocument.Instance, _ r: TFObject) throws(ImportError) {
        var resource: Ref?
        for key in ["vpc_id", "subnet_id", "eni_id", "transit_gateway_attachment_id", "transit_gateway_id"]
        where resource == nil {
            resource = try optionalRef(r, key)
        }
        guard let resource else {
            throw ImportError(r.origin, "a flow log names vpc_id, subnet_id, eni_id or a transit gateway")
        }
        let destination: String
        switch r.value.string("log_destination_type") ?? "cloud-watch-logs" {
        case "s3": destination = "s3"
        case "cloud-watch-logs": destination = "cloudwatch-logs"
        case let other:
            inventory.skip("flow log to \(other)")
            return
        }
        var log = Inventory.FlowLog(
            id: try id(i), resource: resource, trafficType: r.value.string("traffic_type") ?? "ALL",
            interval: r.int("max_aggregation_interval"), format: r.value.string("log_format"), destination: destination,
            origin: x.origin)
        if log.format == AWSDescribeReader.defaultFormat || log.format?.isEmpty == true { log.format = nil }
        if destination == "cloudwatch-logs" {
            // log_destination is the group's ARN (…:log-group:NAME or …:log-group:NAME:*).
            if let arn = try r.scalar("log_destination", &doc), let range = arn.range(of: ":log-group:") {
                var name = String(arn[range.upperBound...])
                if name.hasSuffix(":*") { name.removeLast(2) }
                log.logGroup = name
            } else {
                log.logGroup = r.value.string("log_group_name")
            }
        } else if let o = r.block("destination_options") {
            if o.value.string("file_format") == "parquet" { inventory.skip("Parquet flow-log files (written as text)") }
            log.hive = o.bool("hive_compatible_partitions")
            log.perHour = o.bool("per_hour_partition")
        }
        inventory.flowLogs.append(log)
    }

    // MARK: Finish

    /// Attachments, stand-alone routes and rules, main tables; the defaults AWS creates with each
    /// VPC (its default security group, main route table and default ACL, under the ids the state
    /// has or vpcsim derives); instances without groups in their VPC's default group.
    mutating func finish() throws(ImportError) {
        try finishInterconnect()
        for (id, name, origin) in pendingGateways {
            guard let vpc = igwAttachments.first(where: { $0.igw == id })?.vpc else {
                inventory.skip("aws_internet_gateway (not attached)")
                continue
            }
            inventory.internetGateways.append(.init(id: id, name: name, vpc: vpc, origin: origin))
        }
        for d in vpcDefaults {
            let vpc = Ref(id: d.vpc, origin: d.origin)
            let label = inventory.vpcs.first { $0.id == d.vpc }?.name ?? d.vpc
            if let g = d.group { inventory.addDefaultSecurityGroup(id: g, vpc: vpc, origin: d.origin) }
            if let t = d.table, !inventory.routeTables.contains(where: { $0.id == t }) {
                var table = Inventory.RouteTable(
                    id: t, name: "main route table of \(label)", vpc: vpc, origin: d.origin)
                table.main = true
                inventory.routeTables.append(table)
            }
            if let a = d.acl, !inventory.networkACLs.contains(where: { $0.id == a }) {
                // AWS's default network ACL allows all traffic in and out
                // (https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html).
                let all = [false, true].map {
                    Inventory.ACLRule(number: 100, egress: $0, proto: "all", cidr: "0.0.0.0/0", allow: true)
                }
                inventory.networkACLs.append(
                    .init(
                        id: a, name: "default network ACL of \(label)", vpc: vpc, isDefault: true, rules: all,
                        origin: d.origin))
            }
        }
        for (vpc, table) in mainTables {
            for t in inventory.routeTables.indices where inventory.routeTables[t].vpc.id == vpc.id {
                inventory.routeTables[t].main = inventory.routeTables[t].id == table.id
            }
        }
        for (table, route) in routes {
            guard let t = inventory.routeTables.firstIndex(where: { $0.id == table.id }) else {
                throw ImportError(table.origin, "no aws_route_table '\(table.id)' in the \(what)")
            }
            // A state lists a table's stand-alone routes in its own `route` too: once.
            if !inventory.routeTables[t].routes.contains(where: { $0.destination == route.destination }) {
                inventory.routeTables[t].routes.append(route)
            }
        }
        for (group, rule) in rules {
            guard let g = inventory.securityGroups.firstIndex(where: { $0.id == group.id }) else {
                throw ImportError(group.origin, "no aws_security_group '\(group.id)' in the \(what)")
            }
            // A state lists a group's stand-alone rules in its own ingress/egress too: once.
            if !inventory.securityGroups[g].rules.contains(where: { Self.same($0, rule) }) {
                inventory.securityGroups[g].rules.append(rule)
            }
        }
        for (acl, rule) in aclRules {
            guard let a = inventory.networkACLs.firstIndex(where: { $0.id == acl.id }) else {
                throw ImportError(acl.origin, "no aws_network_acl '\(acl.id)' in the \(what)")
            }
            if !inventory.networkACLs[a].rules.contains(where: { $0.number == rule.number && $0.egress == rule.egress })
            {
                inventory.networkACLs[a].rules.append(rule)
            }
        }
        for (endpoint, table) in endpointTables {
            guard let e = inventory.endpoints.firstIndex(where: { $0.id == endpoint.id }) else {
                throw ImportError(endpoint.origin, "no aws_vpc_endpoint '\(endpoint.id)' in the \(what)")
            }
            if !inventory.endpoints[e].routeTables.contains(where: { $0.id == table.id }) {
                inventory.endpoints[e].routeTables.append(table)
            }
        }
        for (list, cidr) in prefixEntries {
            guard let p = inventory.prefixLists.firstIndex(where: { $0.id == list.id }) else {
                throw ImportError(list.origin, "no aws_ec2_managed_prefix_list '\(list.id)' in the \(what)")
            }
            if inventory.prefixLists[p].cidrs?.contains(cidr) != true { inventory.prefixLists[p].cidrs?.append(cidr) }
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
            if let g = vpcDefaults.first(where: { $0.vpc == vpc })?.group {
                inventory.instances[i].groups = [Ref(id: g, origin: inventory.instances[i].origin)]
            }
        }
    }

    static func same(_ a: Inventory.SGRule, _ b: Inventory.SGRule) -> Bool {
        a.egress == b.egress && a.proto == b.proto && a.ports == b.ports && a.icmpType == b.icmpType
            && a.icmpCode == b.icmpCode && a.peer.id == b.peer.id
    }
}
