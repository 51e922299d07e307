import Foundation
import Yams
import SimCore
import Wire
import NetModel
import Transport
import Workloads

/// Reads a topology file (YAML that reads like the AWS resources it describes) and builds the
/// scenario. Every problem is reported once, as `file:line:column: message`, naming the key or
/// the id at fault; nothing is built from a file with a problem.
public enum TopologyLoader {
    public static func load(path: String, overrides: RunOverrides = RunOverrides()) throws(TopologyError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TopologyError(file: path, line: 0, column: 0, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TopologyError(file: path, line: 0, column: 0, message: "the file is not UTF-8 text")
        }
        return try load(yaml: text, file: path, overrides: overrides)
    }

    public static func load(yaml: String, file: String, overrides: RunOverrides = RunOverrides()) throws(TopologyError) -> Scenario {
        let root: Node
        do {
            guard let r = try Yams.compose(yaml: yaml) else {
                throw TopologyError(file: file, line: 1, column: 1, message: "the file is empty")
            }
            root = r
        } catch let e as TopologyError {
            throw e
        } catch let e as YamlError {
            throw yamlError(e, file: file)
        } catch {
            throw TopologyError(file: file, line: 0, column: 0, message: "\(error)")
        }
        do {
            var b = Builder(file: file)
            return try b.build(YNode(node: root, path: "", file: file, keyMark: nil), overrides: overrides)
        } catch let e as TopologyError {
            throw e
        } catch {
            throw TopologyError(file: file, line: 0, column: 0, message: "\(error)")
        }
    }

    static func yamlError(_ e: YamlError, file: String) -> TopologyError {
        switch e {
        case .scanner(_, let problem, let m, _), .parser(_, let problem, let m, _), .composer(_, let problem, let m, _):
            return TopologyError(file: file, line: m.line, column: m.column, message: "YAML syntax: \(problem)")
        case .duplicatedKeysInMapping(let dups, let ctx):
            return TopologyError(file: file, line: ctx.mark.line, column: ctx.mark.column,
                                 message: "duplicate key\(dups.count > 1 ? "s" : "") \(dups.map { "'\($0)'" }.joined(separator: ", "))")
        default:
            return TopologyError(file: file, line: 0, column: 0, message: "YAML: \(e)")
        }
    }
}

/// Turns the document into model resources. Ids are checked on declaration (format, uniqueness)
/// and on use (exists, right kind, same VPC).
struct Builder {
    let file: String
    var net: Network
    var catalog = RegionCatalog.usEast1
    var account = "123456789012"
    var declared: [String: (kind: String, mark: Mark?)] = [:]
    var vpcByID: [String: VPCIndex] = [:]
    var subnetByID: [String: SubnetIndex] = [:]
    var routeTableByID: [String: RouteTableIndex] = [:]
    var aclByID: [String: NetworkACLIndex] = [:]
    var sgByID: [String: SecurityGroupIndex] = [:]
    var igwByID: [String: InternetGatewayIndex] = [:]
    var natByID: [String: NATGatewayIndex] = [:]
    var endpointByID: [String: GatewayEndpointIndex] = [:]
    var prefixListByID: [String: PrefixListIndex] = [:]
    var eniByID: [String: ENIIndex] = [:]
    var functionByName: [String: Int] = [:]
    var databaseByName: [String: Int] = [:]
    var usedAddresses: [SubnetIndex: Set<UInt32>] = [:]
    var zoneByName: [String: AvailabilityZoneIndex] = [:]
    var hyperplane: [String: ENIIndex] = [:]
    var instanceByName: [String: ENIIndex] = [:]
    var instanceOrder: [(name: String, eni: ENIIndex, agents: Bool)] = []
    var usedPublicIPs: Set<UInt32> = []
    var internetByName: [String: Peer] = [:]
    var pendingRoutes: [(table: RouteTableIndex, node: YNode)] = []

    init(file: String) {
        self.file = file
        net = Network(region: "us-east-1")
    }

    // MARK: Ids

    static let idPrefixes: [String: String] = [
        "vpc": "vpc-", "subnet": "subnet-", "route table": "rtb-", "network ACL": "acl-", "security group": "sg-",
        "internet gateway": "igw-", "NAT gateway": "nat-", "VPC endpoint": "vpce-", "prefix list": "pl-",
        "network interface": "eni-", "flow log": "fl-", "instance": "i-",
    ]

    /// Checks an id's form (`<prefix><8 or 17 lowercase hex digits>`, as AWS writes them and flow
    /// logs require) and that it is declared only once.
    mutating func declare(_ n: YNode, kind: String) throws -> String {
        let id = try n.string()
        let prefix = Self.idPrefixes[kind]!
        let hex = id.dropFirst(prefix.count)
        guard id.hasPrefix(prefix), hex.count == 8 || hex.count == 17,
              hex.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }) else {
            throw n.fail("'\(id)' is not a \(kind) id: expected '\(prefix)' followed by 8 or 17 lowercase hex digits")
        }
        if let prior = declared[id] {
            throw n.fail("duplicate id '\(id)' (already declared as a \(prior.kind) at line \(prior.mark?.line ?? 0))")
        }
        declared[id] = (kind, n.mark)
        return id
    }

    func lookup<T>(_ table: [String: T], _ n: YNode, kind: String) throws -> T {
        let id = try n.string()
        if let v = table[id] { return v }
        if let other = declared[id] { throw n.fail("'\(id)' is a \(other.kind), not a \(kind)") }
        let hint = closest(id, in: Array(table.keys)).map { " (did you mean '\($0)'?)" } ?? ""
        throw n.fail("no \(kind) with id '\(id)' is defined in this file\(hint)")
    }

    /// A stable AWS-style id for a resource AWS would create (Hyperplane ENIs, NAT ENIs, …).
    static func generatedID(_ prefix: String, _ key: String) -> String {
        let z = SplitMix64.mix(FNV1a64.hash(key.utf8))
        let hex = Array("0123456789abcdef".utf8)
        var s = prefix + "0"
        var v = z
        for _ in 0..<16 { s.append(Character(UnicodeScalar(hex[Int(v & 0xF)]))); v >>= 4 }
        return s
    }

    /// Automatic addresses are chosen by FNV-1a from this basis: the standard one lacking its last
    /// digit (14695981039346656037), kept so the shipped topologies keep their addresses.
    static let addressHashBasis: UInt64 = 1469598103934665603

    static func mac(for id: String) -> MACAddress {
        let h = FNV1a64.hash(id.utf8)
        // Locally administered, unicast, as AWS ENI MACs are (e.g. 0e:…, 12:…).
        let first = (UInt64((h >> 40) & 0xFC) | 0x02) << 40
        return MACAddress(raw: first | (h & 0xFF_FFFF_FFFF))
    }

    // MARK: Addresses

    /// Takes `want` (or, if nil, a free address chosen from `key`) in the subnet: not reserved
    /// (the first four and the last, aws-vpc-facts §2) and not in use.
    mutating func allocate(in s: SubnetIndex, want: IPv4Address?, key: String, at n: YNode) throws -> IPv4Address {
        let c = net.subnets[s.int].cidr
        let used = usedAddresses[s, default: []]
        if let a = want {
            guard c.contains(a) else { throw n.fail("\(a) is not in subnet \(net.subnets[s.int].id) (\(c))") }
            let off = a.raw - c.base.raw
            guard off >= 4, a != c.last else { throw n.fail("\(a) is reserved by AWS in \(c) (the first four addresses and the last)") }
            guard !used.contains(a.raw) else { throw n.fail("\(a) is already assigned in \(net.subnets[s.int].id)") }
            usedAddresses[s, default: []].insert(a.raw)
            return a
        }
        let usable = UInt32(c.size) - 5
        guard usable > UInt32(used.count) else { throw n.fail("subnet \(net.subnets[s.int].id) has no free address left") }
        let h = FNV1a64.hash(key.utf8, basis: Self.addressHashBasis)
        var off = 4 + UInt32(h % UInt64(usable))
        while used.contains(c.base.raw + off) { off = off + 1 > 4 + usable - 1 ? 4 : off + 1 }
        usedAddresses[s, default: []].insert(c.base.raw + off)
        return IPv4Address(raw: c.base.raw + off)
    }

    // MARK: Document

    static let topKeys = ["scenario", "description", "account", "region", "run", "vpcs", "subnets", "route-tables",
                          "network-acls", "security-groups", "internet-gateways", "nat-gateways", "vpc-endpoints",
                          "prefix-lists", "instances", "databases", "functions", "state-machines", "flow-logs",
                          "captures", "latency", "services", "internet", "traffic"]

    mutating func build(_ root: YNode, overrides: RunOverrides) throws -> Scenario {
        let top = try root.mapping(allowed: Self.topKeys)
        let name = try top["scenario"]?.string() ?? (file as NSString).lastPathComponent.replacingOccurrences(of: ".yaml", with: "")
        let description = try top["description"]?.string() ?? ""
        if let a = top["account"] {
            account = try a.string()
            guard account.count == 12, account.allSatisfy(\.isNumber) else { throw a.fail("'\(account)' is not a 12-digit AWS account id") }
        }
        if let r = top["region"] {
            let region = try r.string()
            guard let c = RegionCatalog.named(region) else {
                throw r.fail("region '\(region)' is not in vpcsim's catalog of AWS-managed prefix lists and address ranges (available: us-east-1)")
            }
            catalog = c
        }
        net = Network(region: catalog.name)

        // Run parameters.
        var seed: UInt64 = 1
        var duration = SimDuration.seconds(60)
        var start = Int64(1_795_428_000)          // 2026-11-23T10:00:00Z
        var drain = SimDuration.seconds(180)
        if let r = top["run"] {
            let m = try r.mapping(allowed: ["duration", "seed", "start", "drain"])
            if let d = m["duration"] { duration = try d.duration() }
            if let s = m["seed"] { seed = UInt64(try s.int(0...Int.max)) }
            if let s = m["start"] { start = try parseTimestamp(s) }
            if let d = m["drain"] { drain = try d.duration() }
        }
        if let s = overrides.seed { seed = s }
        if let d = overrides.duration { duration = d }
        guard duration.nanoseconds > 0 else { throw (top["run"] ?? root).fail("the run's duration must be positive") }

        if let l = top["latency"] { try latency(l) }

        // AWS-managed prefix lists of the Region, then customer-managed ones.
        for pl in catalog.prefixLists {
            prefixListByID[pl.id] = PrefixListIndex(net.prefixLists.count)
            declared[pl.id] = ("prefix list", nil)
            net.prefixLists.append(PrefixList(id: pl.id, name: pl.name, cidrs: pl.cidrs, awsService: pl.service))
        }
        net.awsAddressRanges = catalog.ipRanges
        for n in try top["prefix-lists"]?.list() ?? [] { try prefixList(n) }

        for n in try top["vpcs"]?.list() ?? [] { try vpc(n) }
        // Tables and ACLs first: subnets refer to them.
        var tableNodes: [(RouteTableIndex, YMap)] = []
        for n in try top["route-tables"]?.list() ?? [] { tableNodes.append(try routeTable(n)) }
        for n in try top["network-acls"]?.list() ?? [] { try networkACL(n) }
        try ensureDefaults(root)
        for n in try top["internet-gateways"]?.list() ?? [] { try internetGateway(n) }
        for n in try top["subnets"]?.list() ?? [] { try subnet(n) }
        for n in try top["security-groups"]?.list() ?? [] { try declareSecurityGroup(n) }
        for n in try top["security-groups"]?.list() ?? [] { try securityGroupRules(n) }
        for n in try top["nat-gateways"]?.list() ?? [] { try natGateway(n) }
        for n in try top["vpc-endpoints"]?.list() ?? [] { try endpoint(n) }
        for (t, m) in tableNodes { try routes(t, m) }
        for n in try top["instances"]?.list() ?? [] { try instance(n) }

        // The world: services, resolvers, databases, functions.
        var world = World(network: net, seed: RandomStreams(seed: seed), epochNanoseconds: start * 1_000_000_000,
                          workloadEnd: SimTime.zero + duration)
        // Placeholders for hosts created below are added to `world.network` directly.
        var databases: [DatabaseInstance] = []
        for n in try top["databases"]?.list() ?? [] { databases.append(try database(n, &world)) }
        addServices(&world)
        for v in world.network.vpcs.indices { world.addPlatform(vpc: VPCIndex(v)) }
        for d in databases { world.addDatabase(d) }
        var functionENIs: [String: [ENIIndex]] = [:]
        for n in try top["functions"]?.list() ?? [] {
            // `count: N` with `name: orders-{n}` declares N functions from one template.
            var count = 1
            if case .mapping(let fm) = n.node, let c = fm.first(where: { $0.key.string == "count" })?.value {
                count = try YNode(node: c, path: n.path + ".count", file: file, keyMark: c.mark).int(1...10_000)
            }
            for k in 1...count {
                var f = try function(n, &world, databases: databases, index: count > 1 ? k : nil)
                if count > 1 { f.name = f.name.replacingOccurrences(of: "{n}", with: String(k)) }
                guard functionByName[f.name] == nil else { throw n.fail("duplicate function name '\(f.name)'") }
                functionENIs[f.name] = f.enis
                functionByName[f.name] = world.functions.count
                world.addFunction(f)
            }
        }
        for n in try top["state-machines"]?.list() ?? [] { world.addStateMachine(try stateMachine(n)) }
        for (_, e, agents) in instanceOrder {
            let h = world.network.addHost(.eni(e))
            world.network.enis[e.int].host = h
            world.tcp.setProfile(.linuxInstance, for: h)
            if agents { world.addPlatformClient(host: h, eni: e) }
        }
        for v in world.network.vpcs.indices { world.addMetadataService(vpc: VPCIndex(v)) }
        for n in try top["internet"]?.list() ?? [] { try internetPopulation(n, &world) }
        for n in try top["traffic"]?.list() ?? [] { try trafficGenerator(n, &world) }

        var captures: [CaptureSpec] = []
        for n in try top["captures"]?.list() ?? [] { captures += try capture(n, functionENIs: functionENIs, world: world) }
        var flowLogs: [FlowLogConfig] = []
        for n in try top["flow-logs"]?.list() ?? [] { flowLogs.append(try flowLog(n, world: world)) }

        world.network.finalize(random: RandomStreams(seed: seed))
        return Scenario(name: name, description: description, sourcePath: file, world: world, seed: seed, duration: duration,
                        startUnixSeconds: start, captures: captures, flowLogs: flowLogs, drainLimit: drain,
                        functionENIs: functionENIs)
    }

    func parseTimestamp(_ n: YNode) throws -> Int64 {
        // yyyy-mm-ddThh:mm:ssZ
        let s = try n.string()
        let parts = s.split(whereSeparator: { "-T:Z".contains($0) }).compactMap { Int($0) }
        guard parts.count == 6, s.hasSuffix("Z"), (1970...9999).contains(parts[0]), (1...12).contains(parts[1]),
              (1...31).contains(parts[2]), (0...23).contains(parts[3]), (0...59).contains(parts[4]), (0...59).contains(parts[5]) else {
            throw n.fail("'\(s)' is not a UTC timestamp like 2026-11-23T10:00:00Z")
        }
        let t = UTCDateTime.unixSeconds(year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4], second: parts[5])
        guard UTCDateTime(unixSeconds: t).day == parts[2] else {
            throw n.fail("'\(s)': \(parts[0])-\(parts[1]) has no day \(parts[2])")
        }
        return t
    }

    mutating func latency(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["intra-az", "cross-az", "hyperplane", "nat-gateway", "regional", "internet", "resolver"])
        if let v = m["intra-az"] { net.latency.intraAZ = try v.duration() }
        if let v = m["cross-az"] { net.latency.crossAZ = try v.duration() }
        if let v = m["hyperplane"] { net.latency.hyperplane = try v.duration() }
        if let v = m["nat-gateway"] { net.latency.natGateway = try v.duration() }
        if let v = m["regional"] { net.latency.regional = try v.duration() }
        if let v = m["internet"] { net.latency.internet = try v.duration() }
        if let v = m["resolver"] { net.latency.resolver = try v.duration() }
    }

    // MARK: Resources

    mutating func prefixList(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "name", "cidrs"])
        let id = try declare(try m.required("id"), kind: "prefix list")
        let cidrs = try (try m.required("cidrs")).list().map { try $0.cidr() }
        prefixListByID[id] = PrefixListIndex(net.prefixLists.count)
        net.prefixLists.append(PrefixList(id: id, name: try m["name"]?.string() ?? id, cidrs: cidrs))
    }

    mutating func vpc(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "cidr", "cidrs", "account"])
        let id = try declare(try m.required("id"), kind: "vpc")
        var cidrs: [CIDR] = []
        if let c = m["cidr"] { cidrs.append(try c.cidr()) }
        if let cs = m["cidrs"] { cidrs += try cs.list().map { try $0.cidr() } }
        guard !cidrs.isEmpty else { throw n.fail("a VPC needs a 'cidr'") }
        for (i, c) in cidrs.enumerated() where !(16...28).contains(c.prefixLength) {
            throw (m["cidr"] ?? m["cidrs"]!).fail("VPC CIDR blocks must be /16 to /28 (aws: \(c) has /\(c.prefixLength)); block \(i + 1)")
        }
        vpcByID[id] = VPCIndex(net.vpcs.count)
        // Placeholders: the main route table and default ACL are set in ensureDefaults().
        net.vpcs.append(VPC(id: id, accountID: try m["account"]?.string() ?? account, cidrs: cidrs,
                            mainRouteTable: RouteTableIndex(raw: .max), defaultNetworkACL: NetworkACLIndex(raw: .max)))
    }

    mutating func routeTable(_ n: YNode) throws -> (RouteTableIndex, YMap) {
        let m = try n.mapping(allowed: ["id", "vpc", "main", "routes"])
        let id = try declare(try m.required("id"), kind: "route table")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        let main = try m["main"]?.bool() ?? false
        let t = RouteTableIndex(net.routeTables.count)
        if main {
            if net.vpcs[v.int].mainRouteTable.raw != .max {
                throw m["main"]!.fail("\(net.vpcs[v.int].id) already has a main route table (\(net.routeTables[net.vpcs[v.int].mainRouteTable.int].id))")
            }
            net.vpcs[v.int].mainRouteTable = t
        }
        routeTableByID[id] = t
        net.routeTables.append(RouteTable(id: id, vpc: v, routes: localRoutes(v), isMain: main))
        return (t, m)
    }

    func localRoutes(_ v: VPCIndex) -> [Route] {
        net.vpcs[v.int].cidrs.map { Route(destination: .cidr($0), target: .local, origin: "CreateRouteTable") }
    }

    mutating func networkACL(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "vpc", "default", "inbound", "outbound"])
        let id = try declare(try m.required("id"), kind: "network ACL")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        let isDefault = try m["default"]?.bool() ?? false
        let a = NetworkACLIndex(net.networkACLs.count)
        if isDefault {
            if net.vpcs[v.int].defaultNetworkACL.raw != .max { throw m["default"]!.fail("\(net.vpcs[v.int].id) already has a default network ACL") }
            net.vpcs[v.int].defaultNetworkACL = a
        }
        func entries(_ key: String, peer: String) throws -> [NetworkACLEntry] {
            var out: [NetworkACLEntry] = []
            var numbers: Set<Int32> = []
            for e in try m[key]?.list() ?? [] {
                let em = try e.mapping(allowed: ["rule", "protocol", "ports", "icmp-type", "icmp-code", peer, "action"])
                let ruleNode = try em.required("rule")
                let rule = Int32(try ruleNode.int(1...32766))
                guard numbers.insert(rule).inserted else { throw ruleNode.fail("rule number \(rule) is used twice") }
                let proto = try protocolSelector(try em.required("protocol"))
                let ports = try portRange(em, protocolNumber: proto)
                let peerNode = try em.required(peer)
                if (try? peerNode.string())?.hasPrefix("pl-") == true {
                    throw peerNode.fail("network ACLs cannot reference prefix lists; list the CIDRs (aws-vpc-facts §8)")
                }
                let action = try em.required("action")
                let allow: Bool
                switch try action.string().lowercased() {
                case "allow": allow = true
                case "deny": allow = false
                case let s: throw action.fail("'\(s)' must be allow or deny")
                }
                out.append(NetworkACLEntry(ruleNumber: rule, protocolNumber: proto, ports: ports, cidr: try peerNode.cidr(), allow: allow))
            }
            return out
        }
        aclByID[id] = a
        net.networkACLs.append(NetworkACL(id: id, vpc: v, isDefault: isDefault,
                                          inbound: try entries("inbound", peer: "source"),
                                          outbound: try entries("outbound", peer: "destination")))
    }

    /// Every VPC has a main route table and a default ACL (rule 100 allows all, aws-vpc-facts §8);
    /// create them when the file does not.
    mutating func ensureDefaults(_ root: YNode) throws {
        for v in net.vpcs.indices {
            let vpc = net.vpcs[v]
            if vpc.mainRouteTable.raw == .max {
                let id = Self.generatedID("rtb-", "main:" + vpc.id)
                net.vpcs[v].mainRouteTable = RouteTableIndex(net.routeTables.count)
                routeTableByID[id] = net.vpcs[v].mainRouteTable
                net.routeTables.append(RouteTable(id: id, vpc: VPCIndex(v), routes: localRoutes(VPCIndex(v)), isMain: true))
            }
            if vpc.defaultNetworkACL.raw == .max {
                let id = Self.generatedID("acl-", "default:" + vpc.id)
                net.vpcs[v].defaultNetworkACL = NetworkACLIndex(net.networkACLs.count)
                aclByID[id] = net.vpcs[v].defaultNetworkACL
                let all = NetworkACLEntry(ruleNumber: 100, protocolNumber: -1, ports: .all, cidr: CIDR("0.0.0.0/0")!, allow: true)
                net.networkACLs.append(NetworkACL(id: id, vpc: VPCIndex(v), isDefault: true, inbound: [all], outbound: [all]))
            }
        }
    }

    mutating func internetGateway(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "vpc"])
        let id = try declare(try m.required("id"), kind: "internet gateway")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        if let g = net.vpcs[v.int].internetGateway { throw n.fail("\(net.vpcs[v.int].id) already has \(net.internetGateways[g.int].id) attached") }
        let g = InternetGatewayIndex(net.internetGateways.count)
        igwByID[id] = g
        net.vpcs[v.int].internetGateway = g
        net.internetGateways.append(InternetGateway(id: id, vpc: v))
    }

    mutating func subnet(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "vpc", "cidr", "availability-zone", "az-id", "route-table", "network-acl"])
        let idNode = try m.required("id")
        let id = try declare(idNode, kind: "subnet")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        let cidrNode = try m.required("cidr")
        let c = try cidrNode.cidr()
        guard (16...28).contains(c.prefixLength) else { throw cidrNode.fail("subnet CIDR blocks must be /16 to /28") }
        guard net.vpcs[v.int].cidrs.contains(where: { $0.contains(c) }) else {
            throw cidrNode.fail("\(c) is not inside \(net.vpcs[v.int].id) (\(net.vpcs[v.int].cidrs.map(\.description).joined(separator: ", ")))")
        }
        for other in net.subnets where other.vpc == v && other.cidr.overlaps(c) {
            throw cidrNode.fail("\(c) overlaps subnet \(other.id) (\(other.cidr)) in \(net.vpcs[v.int].id)")
        }
        let azNode = try m.required("availability-zone")
        let azName = try azNode.string()
        guard azName.hasPrefix(catalog.name) else { throw azNode.fail("'\(azName)' is not an availability zone of \(catalog.name)") }
        let azID = try m["az-id"]?.string() ?? catalog.zoneIDs[azName]
        guard let azID else { throw azNode.fail("unknown availability zone '\(azName)'; give its 'az-id'") }
        let zone: AvailabilityZoneIndex
        if let z = zoneByName[azName] { zone = z } else {
            zone = AvailabilityZoneIndex(net.zones.count)
            zoneByName[azName] = zone
            net.zones.append(AvailabilityZone(name: azName, id: azID))
        }
        var table = net.vpcs[v.int].mainRouteTable
        if let t = m["route-table"] {
            table = try lookup(routeTableByID, t, kind: "route table")
            guard net.routeTables[table.int].vpc == v else { throw t.fail("\(try t.string()) belongs to \(net.vpcs[net.routeTables[table.int].vpc.int].id), not \(net.vpcs[v.int].id)") }
        }
        var acl = net.vpcs[v.int].defaultNetworkACL
        if let a = m["network-acl"] {
            acl = try lookup(aclByID, a, kind: "network ACL")
            guard net.networkACLs[acl.int].vpc == v else { throw a.fail("\(try a.string()) belongs to another VPC") }
        }
        subnetByID[id] = SubnetIndex(net.subnets.count)
        net.subnets.append(Subnet(id: id, vpc: v, cidr: c, zone: zone, routeTable: table, networkACL: acl))
    }

    mutating func declareSecurityGroup(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "name", "vpc", "ingress", "egress", "description"])
        let id = try declare(try m.required("id"), kind: "security group")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        sgByID[id] = SecurityGroupIndex(net.securityGroups.count)
        net.securityGroups.append(SecurityGroup(id: id, name: try m["name"]?.string() ?? id, vpc: v, ingress: [], egress: []))
    }

    mutating func securityGroupRules(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "name", "vpc", "ingress", "egress", "description"])
        let g = sgByID[try m.required("id").string()]!
        let vpc = net.securityGroups[g.int].vpc
        func rules(_ key: String, peerKey: String) throws -> [SecurityGroupRule] {
            guard let list = m[key] else {
                // A new group allows all outbound and no inbound (aws-vpc-facts §7).
                return key == "egress" ? [SecurityGroupRule(protocolNumber: -1, ports: .all, peer: .cidr(CIDR("0.0.0.0/0")!))] : []
            }
            return try list.list().map { r in
                let rm = try r.mapping(allowed: ["protocol", "ports", "icmp-type", "icmp-code", peerKey, "description"])
                let proto = try protocolSelector(try rm.required("protocol"))
                let ports = try portRange(rm, protocolNumber: proto)
                let peerNode = try rm.required(peerKey)
                let p = try peerNode.string()
                let peer: SecurityGroupPeer
                if p.hasPrefix("pl-") {
                    peer = .prefixList(try lookup(prefixListByID, peerNode, kind: "prefix list"))
                } else if p.hasPrefix("sg-") {
                    let other = try lookup(sgByID, peerNode, kind: "security group")
                    guard net.securityGroups[other.int].vpc == vpc else {
                        throw peerNode.fail("\(p) is in another VPC; security groups reference groups in the same (or a peered) VPC")
                    }
                    peer = .securityGroup(other)
                } else {
                    peer = .cidr(try peerNode.cidr())
                }
                return SecurityGroupRule(protocolNumber: proto, ports: ports, peer: peer, description: try rm["description"]?.string() ?? "")
            }
        }
        net.securityGroups[g.int].ingress = try rules("ingress", peerKey: "source")
        net.securityGroups[g.int].egress = try rules("egress", peerKey: "destination")
    }

    func protocolSelector(_ n: YNode) throws -> ProtocolSelector {
        switch try n.string().lowercased() {
        case "tcp", "6": return 6
        case "udp", "17": return 17
        case "icmp", "1": return 1
        case "all", "-1": return -1
        case let s:
            guard let v = Int16(s), (0...255).contains(v) else { throw n.fail("'\(s)' is not a protocol (tcp, udp, icmp, all or a number)") }
            return v
        }
    }

    /// `ports: 443`, `ports: 1024-65535` or `ports: all`; ICMP takes `icmp-type`/`icmp-code`.
    func portRange(_ m: YMap, protocolNumber: ProtocolSelector) throws -> PortRange {
        if protocolNumber == 1 {
            let t = try m["icmp-type"].map { UInt16(try $0.int(-1...255) < 0 ? 65535 : try $0.int(-1...255)) } ?? 65535
            let c = try m["icmp-code"].map { UInt16(try $0.int(-1...255) < 0 ? 65535 : try $0.int(-1...255)) } ?? 65535
            return PortRange(t, c)
        }
        guard let p = m["ports"] else {
            if protocolNumber == 6 || protocolNumber == 17 { throw m.owner.fail("missing required key 'ports' (a port, a range like 1024-65535, or all)") }
            return .all
        }
        let s = try p.string()
        if s == "all" { return .all }
        let parts = s.split(separator: "-")
        guard (1...2).contains(parts.count), let lo = UInt16(parts[0]), let hi = UInt16(parts.last!), lo <= hi else {
            throw p.fail("'\(s)' is not a port or port range (like 443 or 1024-65535)")
        }
        return PortRange(lo, hi)
    }

    mutating func natGateway(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "subnet", "connectivity", "elastic-ip", "elastic-ips", "private-ip"])
        let id = try declare(try m.required("id"), kind: "NAT gateway")
        let s = try lookup(subnetByID, try m.required("subnet"), kind: "subnet")
        let connectivity = try m["connectivity"]?.string() ?? "public"
        var eips: [IPv4Address] = []
        if let e = m["elastic-ip"] { eips.append(try e.ipv4()) }
        if let es = m["elastic-ips"] { eips += try es.list().map { try $0.ipv4() } }
        switch connectivity {
        case "public":
            guard !eips.isEmpty else { throw n.fail("a public NAT gateway needs an 'elastic-ip' (aws-vpc-facts §5)") }
            guard eips.count <= 8 else { throw n.fail("a NAT gateway has at most 8 addresses") }
        case "private":
            guard eips.isEmpty else { throw m["elastic-ip"]!.fail("a private NAT gateway has no Elastic IP") }
        default:
            throw m["connectivity"]!.fail("'\(connectivity)' must be public or private")
        }
        let ip = try allocate(in: s, want: try m["private-ip"]?.ipv4(), key: id, at: m["private-ip"] ?? n)
        let g = NATGatewayIndex(net.natGateways.count)
        let eniID = Self.generatedID("eni-", "nat:" + id)
        var eni = ENI(id: eniID, subnet: s, vpc: net.subnets[s.int].vpc, privateIP: ip, mac: Self.mac(for: eniID), securityGroups: [],
                      kind: .natGateway(g), accountID: net.vpcs[net.subnets[s.int].vpc.int].accountID)
        // Each further Elastic IP pairs with a secondary private address (aws-vpc-facts §5).
        for k in 1..<max(eips.count, 1) { eni.secondaryIPs.append(try allocate(in: s, want: nil, key: "\(id)#\(k)", at: n)) }
        eni.description = "Interface for NAT Gateway \(id)"
        eni.linkBitsPerSecond = 100_000_000_000
        let e = ENIIndex(net.enis.count)
        eniByID[eniID] = e
        net.enis.append(eni)
        natByID[id] = g
        net.natGateways.append(NATGateway(id: id, subnet: s, eni: e, privateIP: ip, elasticIPs: eips))
    }

    mutating func endpoint(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "vpc", "service", "type", "route-tables", "policy"])
        let id = try declare(try m.required("id"), kind: "VPC endpoint")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        let type = try m["type"]?.string() ?? "Gateway"
        guard type.lowercased() == "gateway" else { throw m["type"]!.fail("only Gateway endpoints (DynamoDB, S3) are modelled") }
        let svcNode = try m.required("service")
        let svc = try svcNode.string()
        let short = svc.split(separator: ".").last.map(String.init) ?? svc
        guard svc == "com.amazonaws.\(catalog.name).\(short)", let pl = catalog.prefixList(forService: short) else {
            throw svcNode.fail("'\(svc)' is not a gateway endpoint service of \(catalog.name) (com.amazonaws.\(catalog.name).dynamodb or .s3)")
        }
        var tables: [RouteTableIndex] = []
        for t in try m["route-tables"]?.list() ?? [] {
            let rt = try lookup(routeTableByID, t, kind: "route table")
            guard net.routeTables[rt.int].vpc == v else { throw t.fail("\(try t.string()) is in another VPC than \(id)") }
            tables.append(rt)
        }
        let policy = try m["policy"].map { try endpointPolicy($0) } ?? .fullAccess
        let g = GatewayEndpointIndex(net.gatewayEndpoints.count)
        endpointByID[id] = g
        let plIndex = prefixListByID[pl.id]!
        net.gatewayEndpoints.append(GatewayEndpoint(id: id, vpc: v, service: short, prefixList: plIndex, routeTables: tables, policy: policy))
        // The endpoint's route (prefix list → vpce) is added to each associated table (aws-vpc-facts §2, §4).
        for t in tables {
            if net.routeTables[t.int].routes.contains(where: { $0.destination == .prefixList(plIndex) }) {
                throw n.fail("route table \(net.routeTables[t.int].id) already has a route for \(pl.id)")
            }
            net.routeTables[t.int].routes.append(Route(destination: .prefixList(plIndex), target: .gatewayEndpoint(g), origin: "CreateVpcEndpoint"))
        }
    }

    /// An IAM policy document: `Statement` list with Effect, Principal, Action/NotAction, Resource.
    func endpointPolicy(_ n: YNode) throws -> EndpointPolicy {
        var node = n
        if case .scalar = n.node {
            // A JSON string, as the API takes it.
            guard let parsed = try? Yams.compose(yaml: try n.string()) else { throw n.fail("the policy is not valid JSON") }
            node = YNode(node: parsed, path: n.path, file: n.file, keyMark: n.mark)
        }
        let m = try node.mapping(allowed: ["Version", "Statement", "Id"])
        var statements: [EndpointPolicy.Statement] = []
        for s in try (try m.required("Statement")).list() {
            let sm = try s.mapping(allowed: ["Sid", "Effect", "Principal", "Action", "NotAction", "Resource", "Condition"])
            if let c = sm["Condition"] { throw c.fail("policy conditions are not modelled") }
            let effectNode = try sm.required("Effect")
            guard let effect = EndpointPolicy.Effect(rawValue: try effectNode.string()) else { throw effectNode.fail("Effect must be Allow or Deny") }
            var principals = ["*"]
            if let p = sm["Principal"] {
                if case .mapping = p.node {
                    let pm = try p.mapping(allowed: ["AWS"])
                    principals = try (try pm.required("AWS")).stringList()
                } else {
                    principals = try p.stringList()
                }
            }
            let actions = try sm["Action"]?.stringList() ?? []
            let notActions = try sm["NotAction"]?.stringList() ?? []
            guard !actions.isEmpty || !notActions.isEmpty else { throw s.fail("a statement needs Action or NotAction") }
            statements.append(EndpointPolicy.Statement(sid: try sm["Sid"]?.string(), effect: effect, principals: principals,
                                                       actions: actions, notActions: notActions,
                                                       resources: try (try sm.required("Resource")).stringList()))
        }
        return EndpointPolicy(statements: statements)
    }

    mutating func routes(_ t: RouteTableIndex, _ m: YMap) throws {
        let v = net.routeTables[t.int].vpc
        for r in try m["routes"]?.list() ?? [] {
            let rm = try r.mapping(allowed: ["destination", "target"])
            let dNode = try rm.required("destination")
            let d = try dNode.string()
            let destination: RouteDestination
            if d.hasPrefix("pl-") {
                destination = .prefixList(try lookup(prefixListByID, dNode, kind: "prefix list"))
            } else {
                let c = try dNode.cidr()
                if net.vpcs[v.int].cidrs.contains(where: { $0.contains(c) }) && !net.subnets.contains(where: { $0.vpc == v && $0.cidr == c }) {
                    throw dNode.fail("\(c) overlaps the VPC's local route; a more specific route must match a subnet's CIDR exactly (aws-vpc-facts §2)")
                }
                destination = .cidr(c)
            }
            if net.routeTables[t.int].routes.contains(where: { $0.destination == destination }) {
                throw dNode.fail("route table \(net.routeTables[t.int].id) already has a route for \(d)")
            }
            let tNode = try rm.required("target")
            let target = try routeTarget(tNode, vpc: v)
            if case .gatewayEndpoint = target {
                throw tNode.fail("gateway endpoint routes are created by the endpoint: list \(net.routeTables[t.int].id) in the endpoint's 'route-tables' (aws-vpc-facts §4)")
            }
            net.routeTables[t.int].routes.append(Route(destination: destination, target: target))
        }
    }

    func routeTarget(_ n: YNode, vpc v: VPCIndex) throws -> RouteTarget {
        let s = try n.string()
        let vpcID = net.vpcs[v.int].id
        if s == "local" { return .local }
        if s == "blackhole" { return .blackhole }
        if s.hasPrefix("igw-") {
            let g = try lookup(igwByID, n, kind: "internet gateway")
            guard net.internetGateways[g.int].vpc == v else { throw n.fail("\(s) is attached to another VPC, not \(vpcID)") }
            return .internetGateway(g)
        }
        if s.hasPrefix("nat-") {
            let g = try lookup(natByID, n, kind: "NAT gateway")
            guard net.subnets[net.natGateways[g.int].subnet.int].vpc == v else { throw n.fail("\(s) is in another VPC, not \(vpcID)") }
            return .natGateway(g)
        }
        if s.hasPrefix("vpce-") {
            let g = try lookup(endpointByID, n, kind: "VPC endpoint")
            guard net.gatewayEndpoints[g.int].vpc == v else { throw n.fail("\(s) is in another VPC, not \(vpcID)") }
            return .gatewayEndpoint(g)
        }
        if s.hasPrefix("eni-") {
            let e = try lookup(eniByID, n, kind: "network interface")
            guard net.enis[e.int].vpc == v else { throw n.fail("\(s) is in another VPC, not \(vpcID)") }
            return .networkInterface(e)
        }
        throw n.fail("'\(s)' is not a route target (local, blackhole, igw-…, nat-…, eni-…)")
    }

    // MARK: Hosts

    /// An instance, or `count` of them named from a template (`name: web-{n}`).
    mutating func instance(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "name", "count", "subnet", "subnets", "security-groups", "private-ip", "public-ip",
                                        "eni", "nitro", "platform-agents"])
        let count = try m["count"]?.int(1...100_000) ?? 1
        if count > 1 {
            for k in ["id", "private-ip", "eni"] where m[k] != nil { throw m[k]!.fail("'\(k)' names one instance; it cannot be used with count") }
            if let p = m["public-ip"], try p.string() != "auto" { throw p.fail("with count, public-ip must be 'auto'") }
        }
        var subnets: [YNode] = []
        if let s = m["subnet"] { subnets.append(s) }
        if let ss = m["subnets"] { subnets += try ss.list() }
        guard !subnets.isEmpty else { throw n.fail("an instance needs a 'subnet' (or 'subnets' to spread a count over)") }
        let template = try m["name"]?.string()
        for k in 1...count {
            let name = template.map { $0.replacingOccurrences(of: "{n}", with: String(k)) }
            if let name, instanceByName[name] != nil { throw (m["name"] ?? n).fail("duplicate instance name '\(name)'") }
            let id: String
            if let idNode = m["id"] { id = try declare(idNode, kind: "instance") } else {
                guard let name else { throw n.fail("an instance needs an 'id' or a 'name'") }
                id = Self.generatedID("i-", "instance:" + name)
                declared[id] = ("instance", n.mark)
            }
            let subnetNode = subnets[(k - 1) % subnets.count]
            let s = try lookup(subnetByID, subnetNode, kind: "subnet")
            let v = net.subnets[s.int].vpc
            let groups = try securityGroups(m, vpc: v)
            let ip = try allocate(in: s, want: try m["private-ip"]?.ipv4(), key: id, at: m["private-ip"] ?? n)
            let eniID = try m["eni"].map { try declare($0, kind: "network interface") } ?? Self.generatedID("eni-", "instance:" + id)
            var eni = ENI(id: eniID, subnet: s, vpc: v, privateIP: ip, mac: Self.mac(for: eniID), securityGroups: groups,
                          kind: .instance(id: id), accountID: net.vpcs[v.int].accountID)
            if let p = m["public-ip"] {
                guard net.vpcs[v.int].internetGateway != nil else { throw p.fail("\(net.vpcs[v.int].id) has no internet gateway to map a public IP") }
                if try p.string() == "auto" {
                    eni.publicIP = autoPublicIP(key: id)
                } else {
                    let a = try p.ipv4()
                    guard usedPublicIPs.insert(a.raw).inserted else { throw p.fail("\(a) is already in use") }
                    eni.publicIP = a
                }
            }
            eni.nitro = try m["nitro"]?.bool() ?? true
            let e = ENIIndex(net.enis.count)
            eniByID[eniID] = e
            net.enis.append(eni)
            let named = name ?? id
            instanceByName[named] = e
            instanceOrder.append((named, e, try m["platform-agents"]?.bool() ?? true))
        }
    }

    /// A public IPv4 address from the Region's EC2 pool, chosen from `key` and unique in the file.
    mutating func autoPublicIP(key: String) -> IPv4Address {
        let pool = catalog.publicIPPool
        let h = FNV1a64.hash(key.utf8, basis: Self.addressHashBasis)
        var off = UInt32(h % (pool.size - 2)) + 1
        while usedPublicIPs.contains(pool.base.raw + off) { off = off % UInt32(pool.size - 2) + 1 }
        usedPublicIPs.insert(pool.base.raw + off)
        return IPv4Address(raw: pool.base.raw + off)
    }

    func securityGroups(_ m: YMap, vpc v: VPCIndex) throws -> [SecurityGroupIndex] {
        guard let list = m["security-groups"] else { throw m.owner.fail("missing required key 'security-groups'") }
        let nodes = try list.list()
        guard !nodes.isEmpty else { throw list.fail("at least one security group is needed") }
        guard nodes.count <= 5 else { throw list.fail("at most 5 security groups per network interface (aws-vpc-facts §7)") }
        return try nodes.map { g in
            let i = try lookup(sgByID, g, kind: "security group")
            guard net.securityGroups[i.int].vpc == v else { throw g.fail("\(try g.string()) is in another VPC") }
            return i
        }
    }

    mutating func database(_ n: YNode, _ world: inout World) throws -> DatabaseInstance {
        let m = try n.mapping(allowed: ["name", "engine", "subnet", "security-groups", "private-ip", "port"])
        let nameNode = try m.required("name")
        let name = try nameNode.string()
        guard databaseByName[name] == nil else { throw nameNode.fail("duplicate database name '\(name)'") }
        let engine = try m["engine"]?.string() ?? "postgres"
        guard engine == "postgres" else { throw m["engine"]!.fail("only the postgres engine is modelled") }
        let s = try lookup(subnetByID, try m.required("subnet"), kind: "subnet")
        let v = world.network.subnets[s.int].vpc
        let groups = try securityGroups(m, vpc: v)
        net = world.network
        let ip = try allocate(in: s, want: try m["private-ip"]?.ipv4(), key: "rds:" + name, at: m["private-ip"] ?? n)
        let eniID = Self.generatedID("eni-", "rds:" + name)
        var eni = ENI(id: eniID, subnet: s, vpc: v, privateIP: ip, mac: Self.mac(for: eniID), securityGroups: groups,
                      kind: .rds(identifier: name), accountID: world.network.vpcs[v.int].accountID)
        eni.description = "RDSNetworkInterface"
        let e = ENIIndex(world.network.enis.count)
        eniByID[eniID] = e
        world.network.enis.append(eni)
        let h = world.network.addHost(.eni(e))
        world.network.enis[e.int].host = h
        databaseByName[name] = databaseByName.count
        let port = UInt16(try m["port"]?.int(1...65535) ?? 5432)
        net = world.network
        // RDS endpoints: <identifier>.<12 characters fixed per account and Region>.<region>.rds.amazonaws.com
        let suffix = String(Self.generatedID("", "rds:" + account + catalog.name).dropFirst().prefix(12))
        return DatabaseInstance(identifier: name, eni: e, host: h, port: port, address: ip,
                                endpoint: "\(name).\(suffix).\(catalog.name).rds.amazonaws.com")
    }

    /// DynamoDB (and S3) front ends: one host per service owning its prefix-list ranges.
    func addServices(_ world: inout World) {
        for pl in catalog.prefixLists {
            guard let addresses = catalog.serviceAddresses[pl.service] else { continue }
            let h = world.network.addHost(.awsService(name: pl.service))
            for c in pl.cidrs { world.network.serviceRanges.append((c, h)) }
            if pl.service == "dynamodb" {
                world.addService(ServiceEndpoint(name: pl.service, hostname: "\(pl.service).\(catalog.name).amazonaws.com", host: h,
                                                 addresses: addresses, accountID: account, region: catalog.name))
            }
        }
    }

    mutating func function(_ n: YNode, _ world: inout World, databases: [DatabaseInstance], index: Int? = nil) throws -> LambdaFunction {
        let m = try n.mapping(allowed: ["name", "count", "memory", "timeout", "runtime", "vpc", "invocations", "handler", "init-duration", "idle-reclaim"])
        let nameNode = try m.required("name")
        var name = try nameNode.string()
        if let index { name = name.replacingOccurrences(of: "{n}", with: String(index)) }
        guard functionByName[name] == nil else { throw nameNode.fail("duplicate function name '\(name)'") }
        var arrivals = ArrivalPattern.none
        if let inv = m["invocations"] {
            let im = try inv.mapping(allowed: ["rate", "every", "pattern"])
            let pattern = try im["pattern"]?.string() ?? "poisson"
            if let r = im["rate"] {
                let rate = try r.rate()
                switch pattern {
                case "poisson": arrivals = .poisson(perSecond: rate)
                case "uniform": arrivals = .uniform(perSecond: rate)
                default: throw im["pattern"]!.fail("'\(pattern)' must be poisson or uniform")
                }
            } else if let e = im["every"] {
                let d = try e.duration()
                guard d.nanoseconds > 0 else { throw e.fail("must be positive") }
                arrivals = .uniform(perSecond: 1 / d.seconds)
            } else {
                throw inv.fail("give a 'rate' (like 2/s) or 'every' (like 500ms)")
            }
        }
        var program: [Step] = []
        for s in try (try m.required("handler")).list() {
            program.append(try step(s, databases: databases))
        }
        // `memory:` is checked but not modelled yet (nothing depends on it).
        _ = try m["memory"]?.int(128...10240)
        var f = LambdaFunction(name: name, accountID: account, region: catalog.name,
                               timeout: try m["timeout"]?.duration() ?? .seconds(3),
                               runtime: try m["runtime"]?.string() ?? "python3.12", program: program, arrivals: arrivals)
        if f.timeout > .seconds(900) || f.timeout < .seconds(1) { throw m["timeout"]!.fail("a Lambda timeout is 1 s to 900 s") }
        if let d = m["init-duration"] { f.initMedian = try d.duration() }
        if let d = m["idle-reclaim"] { f.idleReclaim = try d.duration() }
        if let vpcNode = m["vpc"] {
            let vm = try vpcNode.mapping(allowed: ["subnets", "security-groups"])
            let subnetNodes = try (try vm.required("subnets")).list()
            guard !subnetNodes.isEmpty else { throw vpcNode.fail("a VPC-attached function needs at least one subnet") }
            var vpc: VPCIndex?
            var subnets: [SubnetIndex] = []
            for sn in subnetNodes {
                let s = try lookup(subnetByID, sn, kind: "subnet")
                let v = world.network.subnets[s.int].vpc
                if let vpc, vpc != v { throw sn.fail("all of a function's subnets must be in one VPC") }
                vpc = v
                subnets.append(s)
            }
            let groups = try securityGroups(vm, vpc: vpc!)
            for s in subnets {
                // One Hyperplane ENI per (subnet, security-group set), shared by every function
                // with the same pair (aws-vpc-facts §9).
                let key = world.network.subnets[s.int].id + ":" + groups.map { world.network.securityGroups[$0.int].id }.sorted().joined(separator: ",")
                let e: ENIIndex
                if let existing = hyperplane[key] {
                    e = existing
                } else {
                    let eniID = Self.generatedID("eni-", "lambda:" + key)
                    net = world.network
                    let ip = try allocate(in: s, want: nil, key: eniID, at: vpcNode)
                    var eni = ENI(id: eniID, subnet: s, vpc: vpc!, privateIP: ip, mac: Self.mac(for: eniID), securityGroups: groups,
                                  kind: .lambda, accountID: world.network.vpcs[vpc!.int].accountID)
                    eni.description = "AWS Lambda VPC ENI-\(name)"
                    eni.hostLatency = world.network.latency.hyperplane.nanoseconds
                    e = ENIIndex(world.network.enis.count)
                    world.network.enis.append(eni)
                    let h = world.network.addHost(.eni(e))
                    world.network.enis[e.int].host = h
                    eniByID[eniID] = e
                    hyperplane[key] = e
                }
                f.enis.append(e)
                f.hosts.append(world.network.enis[e.int].host!)
            }
            net = world.network
        } else {
            // Outside any VPC: the function runs in the Lambda service's network, with an AWS public address.
            let a = catalog.lambdaServiceAddresses[world.functions.count % catalog.lambdaServiceAddresses.count]
            f.hosts = [world.network.addHost(.publicAddress(a, internet: false))]
        }
        return f
    }

    func step(_ n: YNode, databases: [DatabaseInstance]) throws -> Step {
        guard case .mapping = n.node else { throw n.fail("a handler step is a mapping like {dynamodb: PutItem, table: Orders}") }
        let m = try n.mapping(allowed: ["dynamodb", "table", "item-bytes", "items", "database", "query-bytes", "result-bytes", "server-time", "compute"])
        if let op = m["dynamodb"] {
            let name = try op.string()
            guard let o = DynamoDBOperation(rawValue: name) else {
                throw op.fail("'\(name)' is not a modelled DynamoDB operation (\(DynamoDBOperation.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let table = try (try m.required("table")).string()
            return .dynamodb(DynamoDBCall(operation: o, table: table, itemBytes: try m["item-bytes"]?.int(2...400_000) ?? 110,
                                          resultItems: try m["items"]?.int(0...1000) ?? 1))
        }
        if let d = m["database"] {
            let name = try d.string()
            guard let i = databases.firstIndex(where: { $0.identifier == name }) else {
                throw d.fail("no database named '\(name)' is defined in this file")
            }
            return .database(DatabaseQuery(instance: i, requestBytes: try m["query-bytes"]?.int(6...1_000_000) ?? 96,
                                           responseBytes: try m["result-bytes"]?.int(6...10_000_000) ?? 420,
                                           serverTime: try m["server-time"]?.duration() ?? .microseconds(900)))
        }
        if let c = m["compute"] { return .compute(try c.duration()) }
        throw n.fail("a handler step needs 'dynamodb', 'database' or 'compute'")
    }

    func stateMachine(_ n: YNode) throws -> StateMachine {
        let m = try n.mapping(allowed: ["name", "executions", "states", "transition-overhead"])
        let name = try (try m.required("name")).string()
        var arrivals = ArrivalPattern.none
        if let e = m["executions"] {
            let em = try e.mapping(allowed: ["rate", "every"])
            if let r = em["rate"] { arrivals = .poisson(perSecond: try r.rate()) }
            else if let ev = em["every"] { arrivals = .uniform(perSecond: 1 / (try ev.duration()).seconds) }
        }
        var tasks: [StateMachine.Task] = []
        for s in try (try m.required("states")).list() {
            let sm = try s.mapping(allowed: ["name", "function", "retry"])
            let fNode = try sm.required("function")
            let fname = try fNode.string()
            guard let fi = functionByName[fname] else { throw fNode.fail("no function named '\(fname)' is defined in this file") }
            var task = StateMachine.Task(name: try sm["name"]?.string() ?? fname, function: fi)
            if let r = sm["retry"] {
                let rm = try r.mapping(allowed: ["interval", "max-attempts", "backoff-rate"])
                if let v = rm["interval"] { task.retryInterval = try v.duration() }
                if let v = rm["max-attempts"] { task.maxAttempts = try v.int(0...99_999_999) }
                if let v = rm["backoff-rate"] { task.backoffRate = try v.double() }
            }
            tasks.append(task)
        }
        guard !tasks.isEmpty else { throw n.fail("a state machine needs at least one state") }
        var sm = StateMachine(name: name, tasks: tasks, arrivals: arrivals)
        if let o = m["transition-overhead"] { sm.transitionOverhead = try o.duration() }
        return sm
    }

    // MARK: Observation

    func capture(_ n: YNode, functionENIs: [String: [ENIIndex]], world: World) throws -> [CaptureSpec] {
        let m = try n.mapping(allowed: ["function", "eni", "nat-gateway", "database", "instance"])
        if let f = m["function"] {
            let name = try f.string()
            guard let enis = functionENIs[name] else { throw f.fail("no function named '\(name)' is defined in this file") }
            guard !enis.isEmpty else { throw f.fail("function '\(name)' is not attached to a VPC: it has no ENI to capture") }
            return enis.map { CaptureSpec(eni: $0, label: "function \(name)") }
        }
        if let e = m["eni"] { return [CaptureSpec(eni: try lookup(eniByID, e, kind: "network interface"), label: try e.string())] }
        if let g = m["nat-gateway"] {
            let i = try lookup(natByID, g, kind: "NAT gateway")
            return [CaptureSpec(eni: world.network.natGateways[i.int].eni, label: "NAT gateway \(try g.string())")]
        }
        if let d = m["database"] {
            let name = try d.string()
            guard let i = world.databases.firstIndex(where: { $0.identifier == name }) else { throw d.fail("no database named '\(name)'") }
            return [CaptureSpec(eni: world.databases[i].eni, label: "database \(name)")]
        }
        if let i = m["instance"] {
            let id = try i.string()
            if let e = instanceByName[id] { return [CaptureSpec(eni: e, label: "instance \(id)")] }
            guard let e = world.network.enis.firstIndex(where: { if case .instance(let x) = $0.kind { return x == id } else { return false } })
            else { throw i.fail("no instance named or with id '\(id)' is defined in this file") }
            return [CaptureSpec(eni: ENIIndex(e), label: "instance \(id)")]
        }
        throw n.fail("a capture names a 'function', 'eni', 'nat-gateway', 'database' or 'instance'")
    }

    mutating func flowLog(_ n: YNode, world: World) throws -> FlowLogConfig {
        let m = try n.mapping(allowed: ["id", "resource", "traffic-type", "max-aggregation-interval", "log-format", "destination", "log-group",
                                        "hive-compatible-partitions", "per-hour-partition", "max-flows-per-window"])
        let id = try declare(try m.required("id"), kind: "flow log")
        let rNode = try m.required("resource")
        let r = try rNode.string()
        let resource: FlowLogResource
        if r.hasPrefix("vpc-") { resource = .vpc(try lookup(vpcByID, rNode, kind: "vpc")) }
        else if r.hasPrefix("subnet-") { resource = .subnet(try lookup(subnetByID, rNode, kind: "subnet")) }
        else if r.hasPrefix("eni-") { resource = .networkInterface(try lookup(eniByID, rNode, kind: "network interface")) }
        else { throw rNode.fail("a flow log is attached to a vpc-…, subnet-… or eni-… (got '\(r)')") }
        var traffic = FlowLogTrafficType.all
        if let t = m["traffic-type"] {
            guard let v = FlowLogTrafficType(rawValue: try t.string().uppercased()) else { throw t.fail("traffic-type is ACCEPT, REJECT or ALL") }
            traffic = v
        }
        var interval = 600
        if let i = m["max-aggregation-interval"] {
            interval = try i.int()
            guard interval == 60 || interval == 600 else { throw i.fail("max-aggregation-interval is 60 or 600 seconds") }
        }
        var format = FlowLogFormat.default
        if let f = m["log-format"] {
            do { format = try FlowLogFormat(parsing: try f.string()) } catch { throw f.fail("\(error)") }
        }
        var options = S3DeliveryOptions()
        var destination = FlowLogDestination.s3(options)
        if let h = m["hive-compatible-partitions"] { options.hiveCompatiblePartitions = try h.bool() }
        if let h = m["per-hour-partition"] { options.perHourPartition = try h.bool() }
        switch try m["destination"]?.string() ?? "s3" {
        case "s3":
            destination = .s3(options)
            if let g = m["log-group"] { throw g.fail("log-group applies to destination: cloudwatch-logs") }
        case "cloudwatch-logs":
            let group = try m["log-group"]?.string() ?? "/vpc/flow-logs/\(id)"
            destination = .cloudWatchLogs(logGroup: group)
            for k in ["hive-compatible-partitions", "per-hour-partition"] where m[k] != nil { throw m[k]!.fail("\(k) applies to destination: s3") }
        case let other:
            throw m["destination"]!.fail("'\(other)' is not a destination (s3 or cloudwatch-logs)")
        }
        var c = FlowLogConfig(id: id, resource: resource, trafficType: traffic, maxAggregationInterval: interval, format: format,
                              destination: destination, accountID: account)
        if let x = m["max-flows-per-window"] { c.maxFlowsPerWindow = try x.int(1...Int.max) }
        return c
    }
}
