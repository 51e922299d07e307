import Foundation

/// Terraform resource instances → inventory records, type by type in the order their references
/// need (VPCs before subnets before route tables …), each type in the input's order.
struct TFReader {
    var doc: TFDocument
    var inventory = Inventory()

    // Settled once every instance is read.
    var igwAttachments: [(igw: String, vpc: Ref)] = []
    var routes: [(table: Ref, route: Inventory.Route)] = []
    var rules: [(group: Ref, rule: Inventory.SGRule)] = []
    var aclRules: [(acl: Ref, rule: Inventory.ACLRule)] = []
    var endpointTables: [(endpoint: Ref, table: Ref)] = []
    var prefixEntries: [(list: Ref, cidr: String)] = []
    var mainTables: [(vpc: Ref, table: Ref)] = []
    var eipByAllocation: [String: String] = [:]
    var eipInstances: [(ip: String, instance: String)] = []
    var subnetGroups: [String: [Ref]] = [:]
    var publicSubnets = Set<String>()
    /// Per managed VPC: its default security group, main route table and default network ACL ids.
    var vpcDefaults: [(vpc: String, origin: Origin, group: String?, table: String?, acl: String?)] = []
    var defaultGroupOverrides = Set<String>()
    /// Transit gateways' default tables, attachments' default flags, associations, propagations,
    /// static routes and peering accepters (TerraformReader+Interconnect.swift).
    var interconnect = TFInterconnect()

    /// The order types are read in; every other type is listed as not modelled.
    static let order: [String] = [
        "aws_vpc", "aws_vpc_ipv4_cidr_block_association", "aws_vpc_ipv6_cidr_block_association", "aws_subnet",
        "aws_internet_gateway", "aws_internet_gateway_attachment", "aws_egress_only_internet_gateway",
        "aws_vpc_peering_connection", "aws_vpc_peering_connection_accepter", "aws_ec2_transit_gateway",
        "aws_ec2_transit_gateway_vpc_attachment", "aws_ec2_transit_gateway_route_table",
        "aws_ec2_transit_gateway_route_table_association", "aws_ec2_transit_gateway_route_table_propagation",
        "aws_ec2_transit_gateway_route", "aws_eip", "aws_eip_association", "aws_nat_gateway",
        "aws_ec2_managed_prefix_list", "aws_ec2_managed_prefix_list_entry", "aws_route_table",
        "aws_default_route_table", "aws_route", "aws_route_table_association", "aws_main_route_table_association",
        "aws_network_acl", "aws_default_network_acl", "aws_network_acl_rule", "aws_network_acl_association",
        "aws_security_group", "aws_default_security_group", "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule", "aws_vpc_endpoint",
        "aws_vpc_endpoint_route_table_association", "aws_network_interface", "aws_instance", "aws_db_subnet_group",
        "aws_db_instance", "aws_lambda_function", "aws_flow_log",
    ]
    /// Data sources read as the resources they describe (they exist already).
    static let dataRead: Set<String> = ["aws_vpc", "aws_subnet"]

    mutating func run() throws(ImportError) {
        for i in doc.instances.indices where !Self.order.contains(doc.instances[i].type) {
            let x = doc.instances[i]
            inventory.skip(x.mode == "data" ? "data.\(x.type)" : x.type)
        }
        for i in doc.instances.indices
        where doc.instances[i].mode == "data" && Self.order.contains(doc.instances[i].type)
            && !Self.dataRead.contains(doc.instances[i].type)
        {
            inventory.skip("data.\(doc.instances[i].type)")
        }
        for type in Self.order {
            for i in doc.instances.indices where doc.instances[i].type == type {
                let x = doc.instances[i]
                if x.mode == "data" && !Self.dataRead.contains(type) { continue }
                try read(i, x)
            }
        }
        try finish()
    }

    // MARK: Helpers

    func o(_ i: Int) -> TFObject { doc.object(i) }
    mutating func id(_ i: Int) throws(ImportError) -> String {
        guard let v = try doc.attribute(i, "id") else {
            throw ImportError(doc.instances[i].origin, "no id, and none can be derived")
        }
        return v
    }
    /// A required reference attribute (`vpc_id`, …) of an object.
    mutating func ref(_ x: TFObject, _ key: String) throws(ImportError) -> Ref {
        guard let v = try x.scalar(key, &doc) else {
            throw ImportError(
                x.origin.at(key),
                x.isUnknown(key)
                    ? "unknown until apply, and the configuration names no resource it comes from"
                    : "missing")
        }
        return Ref(id: v, origin: x.origin.at(key))
    }
    mutating func optionalRef(_ x: TFObject, _ key: String) throws(ImportError) -> Ref? {
        try x.scalar(key, &doc).map { Ref(id: $0, origin: x.origin.at(key)) }
    }
    mutating func refs(_ x: TFObject, _ key: String) throws(ImportError) -> [Ref] {
        try x.list(key, &doc).map { Ref(id: $0, origin: x.origin.at(key)) }
    }

    // MARK: Resources

    mutating func read(_ i: Int, _ x: TFDocument.Instance) throws(ImportError) {
        let r = o(i)
        switch x.type {
        case "aws_vpc":
            guard let cidr = try r.scalar("cidr_block", &doc) else {
                inventory.skip("aws_vpc (IPAM-allocated CIDR)")
                return
            }
            let vpc = try id(i)
            if let owner = r.value.string("owner_id"), inventory.account == nil { inventory.account = owner }
            inventory.vpcs.append(
                .init(
                    id: vpc, name: r.nameTag, cidrs: [cidr], account: nil, origin: x.origin,
                    ipv6CIDRs: try ipv6Block(r, x, generated: r.bool("assign_generated_ipv6_cidr_block") == true)
                        .map { [$0] } ?? []))
            if x.mode == "managed" {
                vpcDefaults.append(
                    (
                        vpc, x.origin, try doc.attribute(i, "default_security_group_id"),
                        try doc.attribute(i, "main_route_table_id"), try doc.attribute(i, "default_network_acl_id")
                    ))
            }
        case "aws_vpc_ipv4_cidr_block_association":
            let vpc = try ref(r, "vpc_id")
            guard let c = try r.scalar("cidr_block", &doc),
                let v = inventory.vpcs.firstIndex(where: { $0.id == vpc.id })
            else {
                inventory.skip("aws_vpc_ipv4_cidr_block_association (IPAM or another VPC)")
                return
            }
            inventory.vpcs[v].cidrs.append(c)
        case "aws_subnet":
            let cidr = try r.scalar("cidr_block", &doc)
            let subnet = try id(i)
            // DNS64 serves IPv6 clients: without a known IPv6 block it is left off with the block.
            let v6 = try ipv6Block(r, x, generated: r.isUnknown("ipv6_cidr_block"))
            // `ipv6_native = true`: an IPv6-only subnet, no cidr_block; without a known IPv6 block
            // there is nothing to import it as.
            guard cidr != nil || (r.bool("ipv6_native") == true && v6 != nil) else {
                inventory.skip(
                    r.bool("ipv6_native") == true
                        ? "aws_subnet (IPv6-only, IPv6 block unknown)" : "aws_subnet (no cidr_block)")
                return
            }
            if r.bool("map_public_ip_on_launch") == true { publicSubnets.insert(subnet) }
            var zone = try r.scalar("availability_zone", &doc)
            if zone == nil {
                zone = try doc.attribute(i, "availability_zone")
                inventory.note("\(x.address): no availability zone given; vpcsim placed it in \(zone ?? "")")
            }
            inventory.subnets.append(
                .init(
                    id: subnet, name: r.nameTag, vpc: try ref(r, "vpc_id"), cidr: cidr, zone: zone ?? "",
                    zoneID: try r.scalar("availability_zone_id", &doc), origin: x.origin,
                    ipv6CIDR: v6, dns64: v6 != nil && r.bool("enable_dns64") == true))
        case "aws_internet_gateway":
            let g = try id(i)
            if let v = try optionalRef(r, "vpc_id") {
                inventory.internetGateways.append(.init(id: g, name: r.nameTag, vpc: v, origin: x.origin))
            } else {
                pendingGateways.append((g, r.nameTag, x.origin))
            }
        case "aws_internet_gateway_attachment":
            igwAttachments.append((try ref(r, "internet_gateway_id").id, try ref(r, "vpc_id")))
        case "aws_eip":
            let ip = try doc.attribute(i, "public_ip") ?? ""
            eipByAllocation[try id(i)] = ip
            if let a = r.value.string("allocation_id") { eipByAllocation[a] = ip }
            if let inst = try r.scalar("instance", &doc) { eipInstances.append((ip, inst)) }
        case "aws_eip_association":
            if let inst = try r.scalar("instance_id", &doc), let a = try r.scalar("allocation_id", &doc) {
                eipInstances.append((eipByAllocation[a] ?? a, inst))
            } else {
                inventory.skip("aws_eip_association (to a network interface)")
            }
        case "aws_nat_gateway":
            let connectivity = r.value.string("connectivity_type") ?? "public"
            var eips: [String] = []
            if connectivity == "public" {
                for key in ["allocation_id"] {
                    let a = try ref(r, key)
                    guard let ip = eipByAllocation[a.id], !ip.isEmpty else {
                        throw ImportError(a.origin, "no aws_eip with allocation '\(a.id)' in the \(what)")
                    }
                    eips.append(ip)
                }
                for a in try refs(r, "secondary_allocation_ids") {
                    if let ip = eipByAllocation[a.id] { eips.append(ip) }
                }
            }
            inventory.natGateways.append(
                .init(
                    id: try id(i), name: r.nameTag, subnet: try ref(r, "subnet_id"), connectivity: connectivity,
                    elasticIPs: eips, privateIP: r.value.string("private_ip").flatMap { $0.isEmpty ? nil : $0 },
                    eni: nil, origin: x.origin))
        case "aws_ec2_managed_prefix_list":
            guard r.value.string("address_family") != "IPv6" else {
                inventory.skip("IPv6 prefix list")
                return
            }
            var cidrs: [String] = []
            for e in r.blocks("entry") { if let c = try e.scalar("cidr", &doc) { cidrs.append(c) } }
            inventory.prefixLists.append(
                .init(
                    id: try id(i), name: try r.scalar("name", &doc) ?? x.name, cidrs: cidrs, awsManaged: false,
                    origin: x.origin))
        case "aws_ec2_managed_prefix_list_entry":
            prefixEntries.append((try ref(r, "prefix_list_id"), try r.scalar("cidr", &doc) ?? ""))
        case "aws_route_table", "aws_default_route_table":
            let isDefault = x.type == "aws_default_route_table"
            let table = isDefault ? try ref(r, "default_route_table_id").id : try id(i)
            var vpc = try optionalRef(r, "vpc_id")
            if vpc == nil, isDefault { vpc = vpcOwning(table: table, at: r.origin) }
            guard let vpc else { throw ImportError(r.origin.at("vpc_id"), "missing") }
            var t = Inventory.RouteTable(id: table, name: r.nameTag, vpc: vpc, origin: x.origin)
            t.main = isDefault
            for b in r.blocks("route") { if let route = try route(b, inline: true) { t.routes.append(route) } }
            inventory.routeTables.removeAll { $0.id == table }
            inventory.routeTables.append(t)
        case "aws_route":
            if let route = try route(r, inline: false) { routes.append((try ref(r, "route_table_id"), route)) }
        case "aws_route_table_association":
            guard let s = try optionalRef(r, "subnet_id") else {
                inventory.skip("route table edge association (gateway route table)")
                return
            }
            inventory.routeAssociations.append(.init(subnet: s, table: try ref(r, "route_table_id")))
        case "aws_main_route_table_association":
            mainTables.append((try ref(r, "vpc_id"), try ref(r, "route_table_id")))
        case "aws_network_acl", "aws_default_network_acl":
            let isDefault = x.type == "aws_default_network_acl"
            let acl = isDefault ? try ref(r, "default_network_acl_id").id : try id(i)
            var vpc = try optionalRef(r, "vpc_id")
            if vpc == nil, isDefault { vpc = vpcOwning(acl: acl, at: r.origin) }
            guard let vpc else { throw ImportError(r.origin.at("vpc_id"), "missing") }
            var a = Inventory.NetworkACL(id: acl, name: r.nameTag, vpc: vpc, isDefault: isDefault, origin: x.origin)
            for (key, egress) in [("ingress", false), ("egress", true)] {
                for b in r.blocks(key) {
                    if let rule = try aclRule(b, egress: egress, number: "rule_no", action: "action") {
                        a.rules.append(rule)
                    }
                }
            }
            for s in try refs(r, "subnet_ids") {
                inventory.aclAssociations.append(.init(subnet: s, table: Ref(id: acl, origin: s.origin)))
            }
            inventory.networkACLs.removeAll { $0.id == acl }
            inventory.networkACLs.append(a)
        case "aws_network_acl_rule":
            if let rule = try aclRule(
                r, egress: r.bool("egress") ?? false, number: "rule_number", action: "rule_action")
            {
                aclRules.append((try ref(r, "network_acl_id"), rule))
            }
        case "aws_network_acl_association":
            inventory.aclAssociations.append(
                .init(subnet: try ref(r, "subnet_id"), table: try ref(r, "network_acl_id")))
        case "aws_security_group", "aws_default_security_group":
            try securityGroup(i, x, r)
        case "aws_security_group_rule":
            let egress = r.value.string("type") == "egress"
            let group = try ref(r, "security_group_id")
            let base = sgBase(r, egress: egress, protocolKey: "protocol")
            var peers: [Ref] = []
            for key in ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"] { peers += try refs(r, key) }
            if let s = try optionalRef(r, "source_security_group_id") { peers.append(s) }
            if r.bool("self") == true { peers.append(Ref(id: group.id, origin: r.origin.at("self"))) }
            for p in peers { rules.append((group, with(base, peer: p, r))) }
        case "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule":
            let egress = x.type.hasSuffix("egress_rule")
            let group = try ref(r, "security_group_id")
            let base = sgBase(r, egress: egress, protocolKey: "ip_protocol")
            var peer: Ref?
            for key in ["cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id"] where peer == nil {
                peer = try optionalRef(r, key)
            }
            guard let peer else {
                throw ImportError(
                    r.origin, "a rule names cidr_ipv4, cidr_ipv6, prefix_list_id or referenced_security_group_id")
            }
            rules.append((group, with(base, peer: peer, r)))
        case "aws_vpc_endpoint":
            try endpoint(i, x, r)
        case "aws_vpc_endpoint_route_table_association":
            endpointTables.append((try ref(r, "vpc_endpoint_id"), try ref(r, "route_table_id")))
        case "aws_network_interface":
            if !attachedInterfaces.contains(x.address) {
                inventory.skip("aws_network_interface (not attached to an instance)")
            }
        case "aws_instance":
            try instance(i, x, r)
        case "aws_db_subnet_group":
            subnetGroups[try doc.attribute(i, "name") ?? ""] = try refs(r, "subnet_ids")
        case "aws_db_instance":
            try database(i, x, r)
        case "aws_lambda_function":
            try function(i, x, r)
        case "aws_flow_log":
            try flowLog(i, x, r)
        case "aws_vpc_ipv6_cidr_block_association", "aws_egress_only_internet_gateway", "aws_vpc_peering_connection",
            "aws_vpc_peering_connection_accepter", "aws_ec2_transit_gateway", "aws_ec2_transit_gateway_vpc_attachment",
            "aws_ec2_transit_gateway_route_table", "aws_ec2_transit_gateway_route_table_association",
            "aws_ec2_transit_gateway_route_table_propagation", "aws_ec2_transit_gateway_route":
            try interconnect(i, x, r)
        default:
            inventory.skip(x.type)
        }
    }

    var pendingGateways: [(id: String, name: String?, origin: Origin)] = []
    var attachedInterfaces = Set<String>()
    var what: String { doc.isPlan ? "plan" : "state" }

    /// The VPC whose main route table (or default network ACL) has this id.
    func vpcOwning(table: String? = nil, acl: String? = nil, at origin: Origin) -> Ref? {
        for d in vpcDefaults where (table != nil && d.table == table) || (acl != nil && d.acl == acl) {
            return Ref(id: d.vpc, origin: origin)
        }
        return nil
    }
}
