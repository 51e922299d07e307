import Topology

/// An imported topology: its text, and which input each of its entries came from (by the line the
/// entry starts on), so a problem the loader finds in the text can be traced to the input.
public struct ImportedTopology: Sendable {
    public var text: String
    /// (first line of an entry, its origin), in line order.
    public var entries: [(line: Int, origin: Origin)]
    /// The one warning summary: what the input holds that vpcsim does not model (kind, count),
    /// and the adjustments made to an inconsistent input.
    public var notModelled: [(kind: String, count: Int)]
    public var notes: [String]

    /// The input entry that the text's `line` belongs to.
    public func origin(ofLine line: Int) -> Origin? { entries.last { $0.line <= line }?.origin }

    /// The summary as the command line prints it (empty when there is nothing to say).
    public var warningSummary: String {
        var out = ""
        if !notModelled.isEmpty {
            out += "not modelled by vpcsim, left out of the topology (listed in its header):\n"
            for (k, n) in notModelled { out += "  \(k): \(n)\n" }
        }
        if !notes.isEmpty {
            out += "adjusted:\n"
            for n in notes { out += "  \(n)\n" }
        }
        return out
    }
}

/// Checks an inventory's references (each missing one is a located error) and writes it as a
/// topology file: readable, in the loader's section order, every entry commented with where it
/// came from, ids as the input has them, and the same bytes for the same input.
struct TopologyWriter {
    var inventory: Inventory
    /// What the header says the topology was imported from, e.g. `vpcsim import aws my-account/`.
    var command: String
    /// Stripped from origins' file names in comments, so the text does not depend on where the
    /// input sits (errors keep the whole path).
    var commentRoot: String = ""
    /// Where each kind of resource would come from in this input, for errors naming a missing one.
    var sources: [String: String] = SourceHints.aws

    private var out: [String] = []
    private var entries: [(line: Int, origin: Origin)] = []

    init(_ inventory: Inventory, command: String) {
        self.inventory = inventory
        self.command = command
    }

    mutating func render() throws(ImportError) -> ImportedTopology {
        var inv = inventory
        try resolvePrefixLists(&inv)
        try resolveInstanceTargets(&inv)
        resolveNATInterfaces(&inv)
        try check(inv)
        inventory = inv

        // Subnet associations, by subnet.
        var tableOf: [String: String] = [:]
        for a in inv.routeAssociations { tableOf[a.subnet.id] = a.table.id }
        var aclOf: [String: String] = [:]
        for a in inv.aclAssociations { aclOf[a.subnet.id] = a.table.id }

        line("# Imported by `\(command)`.")
        line("# Re-import to update this file rather than editing it: keep workloads, captures, flow logs and")
        line("# traffic in a file of your own that starts with `include: <this file>` (see README, \"Import\").")
        if !inv.notModelled.isEmpty {
            line("#")
            line("# Not modelled by vpcsim, left out (kind: count):")
            for k in inv.notModelled.keys.sorted() { line("#   \(k): \(inv.notModelled[k]!)") }
        }
        if !inv.notes.isEmpty {
            line("#")
            line("# Adjusted:")
            for n in inv.notes { line("#   \(n)") }
        }
        line("")
        if let a = inv.account { line("account: \(quoted(a))") }
        if let r = inv.region { line("region: \(plain(r))") }

        section("vpcs", inv.vpcs) { v in
            var f: [(String, String)] = [("id", v.id)]
            if v.cidrs.count == 1 { f.append(("cidr", v.cidrs[0])) } else { f.append(("cidrs", flow(v.cidrs))) }
            if let c = v.ipv6CIDRs.first { f.append(("ipv6-cidr", plain(c))) }
            if let a = v.account, a != inv.account { f.append(("account", quoted(a))) }
            return (v.name, v.origin, f)
        }
        section("prefix-lists", inv.prefixLists.filter { !$0.awsManaged }) { p in
            (nil, p.origin, [("id", p.id), ("name", scalar(p.name)), ("cidrs", flow(p.cidrs ?? []))])
        }
        section("internet-gateways", inv.internetGateways) { g in
            (g.name, g.origin, [("id", g.id), ("vpc", g.vpc.id)])
        }
        writeInterconnect(inv)
        sectionBlock("route-tables", inv.routeTables) { t in
            var f: [(String, String)] = [("id", t.id), ("vpc", t.vpc.id)]
            if t.main { f.append(("main", "true")) }
            let routes = t.routes.map { "{destination: \(plain($0.destination)), target: \(plain($0.target.id))}" }
            return (t.name, t.origin, f, routes.isEmpty ? [] : [("routes", routes)])
        }
        sectionBlock("network-acls", inv.networkACLs) { a in
            var f: [(String, String)] = [("id", a.id), ("vpc", a.vpc.id)]
            if a.isDefault { f.append(("default", "true")) }
            func rules(_ egress: Bool) -> [String] {
                a.rules.filter { $0.egress == egress }.sorted { $0.number < $1.number }.map { r in
                    var parts = ["rule: \(r.number)", "protocol: \(r.proto)"]
                    if let p = r.ports { parts.append("ports: \(p)") }
                    if let t = r.icmpType { parts.append("icmp-type: \(t)") }
                    if let c = r.icmpCode { parts.append("icmp-code: \(c)") }
                    parts.append("\(egress ? "destination" : "source"): \(plain(r.cidr))")
                    parts.append("action: \(r.allow ? "allow" : "deny")")
                    return "{" + parts.joined(separator: ", ") + "}"
                }
            }
            return (a.name, a.origin, f, [("inbound", rules(false)), ("outbound", rules(true))])
        }
        section("subnets", inv.subnets) { s in
            var f: [(String, String)] = [("id", s.id), ("vpc", s.vpc.id)]
            // An IPv6-only subnet: `ipv6-native: true` and its `ipv6-cidr` below, no `cidr`.
            f.append(s.cidr.map { ("cidr", $0) } ?? ("ipv6-native", "true"))
            f.append(("availability-zone", plain(s.zone)))
            if let z = s.zoneID { f.append(("az-id", plain(z))) }
            if let c = s.ipv6CIDR { f.append(("ipv6-cidr", plain(c))) }
            if s.dns64 { f.append(("enable-dns64", "true")) }
            if let t = tableOf[s.id] { f.append(("route-table", t)) }
            if let a = aclOf[s.id] { f.append(("network-acl", a)) }
            return (s.name, s.origin, f)
        }
        sectionBlock("security-groups", inv.securityGroups) { g in
            var f: [(String, String)] = [("id", g.id)]
            if let n = g.name { f.append(("name", scalar(n))) }
            f.append(("vpc", g.vpc.id))
            if let d = g.description, !d.isEmpty { f.append(("description", scalar(d))) }
            func rules(_ egress: Bool) -> [String] {
                g.rules.filter { $0.egress == egress }.map { r in
                    var parts = ["protocol: \(r.proto)"]
                    if let p = r.ports { parts.append("ports: \(p)") }
                    if let t = r.icmpType { parts.append("icmp-type: \(t)") }
                    if let c = r.icmpCode { parts.append("icmp-code: \(c)") }
                    parts.append("\(egress ? "destination" : "source"): \(plain(r.peer.id))")
                    if let d = r.description, !d.isEmpty { parts.append("description: \(scalar(d))") }
                    return "{" + parts.joined(separator: ", ") + "}"
                }
            }
            // Both keys always: a group without an `egress:` key would allow all outbound.
            return (g.name, g.origin, f, [("ingress", rules(false)), ("egress", rules(true))])
        }
        section("nat-gateways", inv.natGateways) { g in
            var f: [(String, String)] = [("id", g.id), ("subnet", g.subnet.id), ("connectivity", g.connectivity)]
            if g.elasticIPs.count == 1 {
                f.append(("elastic-ip", g.elasticIPs[0]))
            } else if !g.elasticIPs.isEmpty {
                f.append(("elastic-ips", flow(g.elasticIPs)))
            }
            if let p = g.privateIP { f.append(("private-ip", p)) }
            return (g.name, g.origin, f)
        }
        section("vpc-endpoints", inv.endpoints) { e in
            var f: [(String, String)] = [("id", e.id), ("vpc", e.vpc.id), ("service", plain(e.service))]
            if e.interface {
                f += [
                    ("type", "Interface"), ("subnets", flow(e.subnets.map(\.id))),
                    ("security-groups", flow(e.groups.map(\.id))), ("private-dns", e.privateDNS ? "true" : "false"),
                ]
            } else {
                f += [("type", "Gateway"), ("route-tables", flow(e.routeTables.map(\.id)))]
            }
            if let p = e.policy { f.append(("policy", quoted(p))) }
            return (e.name, e.origin, f)
        }
        section("instances", inv.instances) { i in
            var f: [(String, String)] = [("id", i.id)]
            if let n = i.name { f.append(("name", scalar(n))) }
            f.append(("subnet", i.subnet.id))
            f.append(("security-groups", flow(i.groups.map(\.id))))
            if let p = i.privateIP { f.append(("private-ip", p)) }
            if let p = i.publicIP { f.append(("public-ip", p)) }
            if let e = i.eni { f.append(("eni", e)) }
            if let a = i.ipv6Address { f.append(("ipv6-address", plain(a))) }
            return (nil, i.origin, f)
        }
        section("databases", inv.databases) { d in
            var f: [(String, String)] = [
                ("name", scalar(d.name)), ("engine", "postgres"), ("subnet", d.subnet.id),
                ("security-groups", flow(d.groups.map(\.id))),
            ]
            if let p = d.port { f.append(("port", "\(p)")) }
            if let ip = d.privateIP { f.append(("private-ip", ip)) }
            return (nil, d.origin, f)
        }
        section("functions", inv.functions) { fn in
            var f: [(String, String)] = [("name", scalar(fn.name))]
            if let r = fn.runtime { f.append(("runtime", plain(r))) }
            if let m = fn.memory { f.append(("memory", "\(m)")) }
            if let t = fn.timeout { f.append(("timeout", "\(t)s")) }
            if !fn.subnets.isEmpty {
                f.append(
                    (
                        "vpc",
                        "{subnets: \(flow(fn.subnets.map(\.id))), security-groups: \(flow(fn.groups.map(\.id)))"
                            + (fn.dualStack ? ", ipv6-allowed-for-dual-stack: true}" : "}")
                    ))
            }
            return (nil, fn.origin, f)
        }
        section("flow-logs", inv.flowLogs) { l in
            var f: [(String, String)] = [("id", l.id), ("resource", l.resource.id)]
            // Transit gateway flow logs have no traffic type.
            if !l.resource.id.hasPrefix("tgw-") { f.append(("traffic-type", l.trafficType)) }
            if let i = l.interval { f.append(("max-aggregation-interval", "\(i)")) }
            if let fmt = l.format { f.append(("log-format", quoted(fmt))) }
            f.append(("destination", l.destination))
            if let g = l.logGroup { f.append(("log-group", scalar(g))) }
            if let h = l.hive { f.append(("hive-compatible-partitions", "\(h)")) }
            if let h = l.perHour { f.append(("per-hour-partition", "\(h)")) }
            return (nil, l.origin, f)
        }
        let text = out.joined(separator: "\n") + "\n"
        return ImportedTopology(
            text: text, entries: entries,
            notModelled: inv.notModelled.keys.sorted().map { ($0, inv.notModelled[$0]!) }, notes: inv.notes)
    }

    // MARK: Checks

    /// AWS-managed prefix lists: vpcsim's Region catalog carries its own (same ids as AWS's); a
    /// list the catalog knows by name under another id (an emulator's random id) is referred to by
    /// the catalog's id; one it does not know is written as a customer-managed list if its entries
    /// are in the input, and is an error where referenced otherwise.
    func resolvePrefixLists(_ inv: inout Inventory) throws(ImportError) {
        let catalog = inv.region.flatMap { RegionCatalog.named($0) }
        var rename: [String: String] = [:]
        var referenced = Set<String>()
        for t in inv.routeTables {
            for r in t.routes where r.destination.hasPrefix("pl-") { referenced.insert(r.destination) }
        }
        for g in inv.securityGroups {
            for r in g.rules where r.peer.id.hasPrefix("pl-") { referenced.insert(r.peer.id) }
        }
        var kept: [Inventory.PrefixList] = []
        for var p in inv.prefixLists {
            guard p.awsManaged else { kept.append(p); continue }
            if catalog?.prefixLists.contains(where: { $0.id == p.id }) == true {
                kept.append(p)
            } else if let c = catalog?.prefixLists.first(where: { $0.name == p.name }) {
                if referenced.contains(p.id) {
                    rename[p.id] = c.id
                    inv.note(
                        "AWS-managed prefix list \(p.id) (\(p.name)) is \(c.id) in AWS and vpcsim's catalog: "
                            + "referred to as \(c.id)"
                    )
                }
            } else if referenced.contains(p.id), p.cidrs != nil {
                p.awsManaged = false
                inv.note(
                    "AWS-managed prefix list \(p.id) (\(p.name)) is not in vpcsim's catalog: written with its entries")
                kept.append(p)
            } else if !referenced.contains(p.id) {
                inv.skip("AWS-managed prefix list (not referenced)")
            } else {
                kept.append(p)
            }
        }
        inv.prefixLists = kept
        guard !rename.isEmpty else { return }
        for t in inv.routeTables.indices {
            for r in inv.routeTables[t].routes.indices {
                if let n = rename[inv.routeTables[t].routes[r].destination] {
                    inv.routeTables[t].routes[r].destination = n
                }
            }
        }
        for g in inv.securityGroups.indices {
            for r in inv.securityGroups[g].rules.indices {
                if let n = rename[inv.securityGroups[g].rules[r].peer.id] { inv.securityGroups[g].rules[r].peer.id = n }
            }
        }
    }

    /// A route to an instance goes to its primary network interface, as AWS records it.
    func resolveInstanceTargets(_ inv: inout Inventory) throws(ImportError) {
        for t in inv.routeTables.indices {
            for r in inv.routeTables[t].routes.indices where inv.routeTables[t].routes[r].target.id.hasPrefix("i-") {
                let target = inv.routeTables[t].routes[r].target
                guard let i = inv.instances.first(where: { $0.id == target.id }) else {
                    let source = sources["instance"].map { " (\($0))" } ?? ""
                    throw ImportError(target.origin, "no instance '\(target.id)' in the input\(source)")
                }
                guard let eni = i.eni else {
                    throw ImportError(target.origin, "instance '\(target.id)' has no network interface id in the input")
                }
                inv.routeTables[t].routes[r].target.id = eni
            }
        }
    }

    /// A NAT gateway's network interface is created by the loader under an id of its own
    /// (`LoaderIDs.natGatewayENI`); a flow log of the interface the input names is moved to it.
    func resolveNATInterfaces(_ inv: inout Inventory) {
        for n in inv.natGateways {
            let own = LoaderIDs.natGatewayENI(n.id)
            guard let real = n.eni, real != own else { continue }
            for l in inv.flowLogs.indices where inv.flowLogs[l].resource.id == real {
                inv.flowLogs[l].resource.id = own
                inv.note("\(n.id): its network interface \(real) is \(own) in vpcsim (flow log \(inv.flowLogs[l].id))")
            }
        }
    }

    func check(_ inv: Inventory) throws(ImportError) {
        let vpcs = Set(inv.vpcs.map(\.id))
        let subnets = Set(inv.subnets.map(\.id))
        let tables = Set(inv.routeTables.map(\.id))
        let acls = Set(inv.networkACLs.map(\.id))
        let groups = Set(inv.securityGroups.map(\.id))
        let igws = Set(inv.internetGateways.map(\.id))
        let nats = Set(inv.natGateways.map(\.id))
        let catalog = inv.region.flatMap { RegionCatalog.named($0) }
        let lists = Set(inv.prefixLists.filter { !$0.awsManaged || $0.cidrs != nil }.map(\.id))
            .union(catalog?.prefixLists.map(\.id) ?? [])
        let enis = Set(inv.instances.compactMap(\.eni)).union(inv.natGateways.map { LoaderIDs.natGatewayENI($0.id) })
        let instances = Set(inv.instances.map(\.id))

        for s in inv.subnets { try need(s.vpc, in: vpcs, "VPC") }
        for g in inv.internetGateways { try need(g.vpc, in: vpcs, "VPC") }
        for t in inv.routeTables {
            try need(t.vpc, in: vpcs, "VPC")
            for r in t.routes {
                if r.destination.hasPrefix("pl-") && !lists.contains(r.destination) {
                    throw ImportError(
                        r.destinationOrigin,
                        "no prefix list '\(r.destination)' in the input"
                            + (sources["prefix list"].map { " (\($0))" } ?? "")
                    )
                }
                let id = r.target.id
                if id.hasPrefix("igw-") {
                    try need(r.target, in: igws, "internet gateway")
                }
                if id.hasPrefix("nat-") { try need(r.target, in: nats, "NAT gateway") }
                if id.hasPrefix("eni-") {
                    try need(r.target, in: enis, "network interface of an instance")
                }
                if id.hasPrefix("i-") { try need(r.target, in: instances, "instance") }
            }
        }
        for a in inv.routeAssociations {
            try need(a.subnet, in: subnets, "subnet")
            try need(a.table, in: tables, "route table")
        }
        for a in inv.networkACLs { try need(a.vpc, in: vpcs, "VPC") }
        for a in inv.aclAssociations {
            try need(a.subnet, in: subnets, "subnet")
            try need(a.table, in: acls, "network ACL")
        }
        for g in inv.securityGroups {
            try need(g.vpc, in: vpcs, "VPC")
            for r in g.rules {
                if r.peer.id.hasPrefix("sg-") {
                    try need(r.peer, in: groups, "security group")
                }
                if r.peer.id.hasPrefix("pl-") {
                    try need(r.peer, in: lists, "prefix list")
                }
            }
        }
        for n in inv.natGateways { try need(n.subnet, in: subnets, "subnet") }
        for e in inv.endpoints {
            try need(e.vpc, in: vpcs, "VPC")
            for t in e.routeTables { try need(t, in: tables, "route table") }
            for s in e.subnets { try need(s, in: subnets, "subnet") }
            for g in e.groups { try need(g, in: groups, "security group") }
        }
        for i in inv.instances {
            try need(i.subnet, in: subnets, "subnet")
            for g in i.groups { try need(g, in: groups, "security group") }
        }
        for d in inv.databases {
            try need(d.subnet, in: subnets, "subnet")
            for g in d.groups { try need(g, in: groups, "security group") }
        }
        for f in inv.functions {
            for s in f.subnets { try need(s, in: subnets, "subnet") }
            for g in f.groups { try need(g, in: groups, "security group") }
        }
        for l in inv.flowLogs {
            let id = l.resource.id
            if id.hasPrefix("vpc-") { try need(l.resource, in: vpcs, "VPC") }
            if id.hasPrefix("subnet-") { try need(l.resource, in: subnets, "subnet") }
            if id.hasPrefix("eni-") {
                try need(l.resource, in: enis, "network interface of an instance or a NAT gateway")
            }
        }
        try checkInterconnect(inv, vpcs: vpcs, subnets: subnets)
    }

    func need(_ r: Ref, in set: Set<String>, _ kind: String) throws(ImportError) {
        guard set.contains(r.id) else {
            let source = sources[kind].map { " (\($0))" } ?? ""
            throw ImportError(r.origin, "no \(kind) '\(r.id)' in the input\(source)")
        }
    }

    // MARK: Text

    mutating func line(_ s: String) { out.append(s) }

    /// A section of one-line-per-field entries, each after a comment naming its origin.
    mutating func section<T>(
        _ key: String, _ items: [T], _ fields: (T) -> (name: String?, origin: Origin, fields: [(String, String)])
    ) {
        sectionBlock(key, items) { item in
            let (n, o, f) = fields(item)
            return (n, o, f, [])
        }
    }

    /// A section whose entries may also have block lists (routes, rules), one flow item per line.
    mutating func sectionBlock<T>(
        _ key: String, _ items: [T],
        _ fields: (T) -> (name: String?, origin: Origin, fields: [(String, String)], lists: [(String, [String])])
    ) {
        guard !items.isEmpty else { return }
        line("")
        line("\(key):")
        for item in items {
            let (name, origin, f, lists) = fields(item)
            let label = name.map { "\($0) — " } ?? ""
            var o = origin
            if !commentRoot.isEmpty, o.file.hasPrefix(commentRoot) { o.file.removeFirst(commentRoot.count) }
            line("  # \(label)\(o.comment)")
            entries.append((out.count + 1, origin))
            for (i, (k, v)) in f.enumerated() { line("\(i == 0 ? "  - " : "    ")\(k): \(v)") }
            for (k, items) in lists {
                if items.isEmpty {
                    line("    \(k): []")
                } else {
                    line("    \(k):")
                    for x in items { line("      - \(x)") }
                }
            }
        }
    }

}

/// A flow list: `[a, b]`.
func flow(_ items: [String]) -> String { "[" + items.map(plain).joined(separator: ", ") + "]" }

/// A value that is plain text in YAML when it safely can be, else double-quoted.
func scalar(_ s: String) -> String { plain(s) }

/// `s` as a YAML scalar: plain when it cannot be misread (ids, CIDRs, names), else quoted.
func plain(_ s: String) -> String {
    let safe =
        !s.isEmpty
        && s.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
                || "._/-+@".unicodeScalars.contains(c)
        }
    let first = s.unicodeScalars.first
    let special = ["true", "false", "yes", "no", "on", "off", "null", "y", "n"].contains(s.lowercased())
    if safe, let first, first != "-" || s.count == 1, !special { return s }
    return quoted(s)
}

/// `s` double-quoted, with JSON's escapes (which YAML's double-quoted style reads the same way).
func quoted(_ s: String) -> String { JSONText.quoted(s) }
