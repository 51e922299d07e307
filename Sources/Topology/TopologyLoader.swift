import Foundation
import Yams
import SimCore
import Wire
import NetModel
import Workloads
import Capture

/// Reads a topology file (YAML that reads like the AWS resources it describes) and builds the
/// scenario. Every problem is reported once, as `file:line:column: message`, naming the key or
/// the id at fault; nothing is built from a file with a problem.
public enum TopologyLoader {
    /// Loads a topology file, with `patches` applied to its document before it is read (so the
    /// loader checks patched values too, and names the patch for their problems).
    public static func load(
        path: String, overrides: RunOverrides = RunOverrides(), patches: [TopologyPatch] = []
    ) throws(TopologyError) -> Scenario {
        let text = try readText(path)
        return try load(yaml: text, file: path, overrides: overrides, patches: patches)
    }

    public static func load(
        yaml: String, file: String, overrides: RunOverrides = RunOverrides(), patches: [TopologyPatch] = []
    ) throws(TopologyError) -> Scenario {
        let (root, source) = try document(yaml: yaml, file: file, patches: patches)
        do {
            var b = Builder(file: file)
            return try b.build(
                YNode(node: root, path: "", file: file, keyMark: nil, source: source), overrides: overrides)
        } catch let e as TopologyError {
            throw e
        } catch {
            throw TopologyError(file: file, line: 0, column: 0, message: "\(error)")
        }
    }

    /// The patched document as canonical text (no comments, styles or origins): equal texts
    /// describe the same topology. The experiment cache keys runs by it.
    public static func canonicalText(path: String, patches: [TopologyPatch] = []) throws(TopologyError) -> String {
        PatchApplier.canonical(try document(yaml: try readText(path), file: path, patches: patches).root)
    }

    /// A topology file's text: the OS's reason when it cannot be read, a size limit, the first byte
    /// that is not UTF-8 (TopologyFile.swift).
    static func readText(_ path: String) throws(TopologyError) -> String {
        try TopologyFile.text(try TopologyFile.contents(path), file: path)
    }

    /// The document a topology file describes: the file and whatever it includes, merged into one
    /// document that remembers which file each part came from (Includes.swift), with `patches`
    /// applied on top (Patches.swift).
    static func document(yaml: String, file: String, patches: [TopologyPatch]) throws(TopologyError)
        -> (root: Node, source: NodeSource)
    {
        let (root, source) = try Includes.resolve(yaml: yaml, file: file)
        guard !patches.isEmpty else { return (root, source) }
        var applier = PatchApplier()
        return (try applier.apply(patches, to: root), source)
    }

    /// One file's YAML as a node tree: libyaml's events checked against the budgets first
    /// (YAMLBudget.swift: nesting, node count, aliases expanded, one document), then composed with
    /// no implicit typing of scalars (the loader reads each as the quantity it expects; with Yams'
    /// default resolver, resolving every key's tag by regular expressions was most of the time of
    /// loading a large file).
    static func parse(yaml: String, file: String) throws(TopologyError) -> Node {
        try YAMLBudget.check(Array(yaml.utf8), file: file)
        do {
            guard let r = try Yams.compose(yaml: yaml, .basic) else {
                throw TopologyError(file: file, line: 1, column: 1, message: "the file is empty")
            }
            return r
        } catch let e as TopologyError {
            throw e
        } catch let e as YamlError {
            throw yamlError(e, file: file)
        } catch {
            throw TopologyError(file: file, line: 0, column: 0, message: "\(error)")
        }
    }

    static func yamlError(_ e: YamlError, file: String) -> TopologyError {
        switch e {
        case .scanner(_, let problem, let m, _), .parser(_, let problem, let m, _), .composer(_, let problem, let m, _):
            return TopologyError(file: file, line: m.line, column: m.column, message: "YAML syntax: \(problem)")
        case .duplicatedKeysInMapping(let dups, let ctx):
            return TopologyError(
                file: file, line: ctx.mark.line, column: ctx.mark.column,
                message: "duplicate key\(dups.count > 1 ? "s" : "") \(dups.map { "'\($0)'" }.joined(separator: ", "))")
        default:
            // The budget pass has read the whole file with libyaml already; what is left is rare.
            return TopologyError(
                file: file, line: 0, column: 0, message: "YAML: \(e)".split(separator: "\n").joined(separator: " "))
        }
    }
}

/// Turns the document into model resources, in four phases:
/// 1. the network resources — everything with an address, a route or a rule, ENIs included
///    (instances', databases', and the Hyperplane ENIs of functions attached to a VPC);
/// 2. the network is finalised (routes compiled, addresses indexed, state sized);
/// 3. the world on the finished network: hosts, applications, traffic;
/// 4. what is observed: captures and flow logs.
/// Ids are checked on declaration (format, uniqueness) and on use (exists, right kind, same VPC).
struct Builder {
    let file: String
    /// The network under construction (phase 1). Once finalised it moves into the world, and
    /// later phases read `world.network`.
    var net: Network
    var catalog = RegionCatalog.usEast1
    /// Other Regions whose DynamoDB the handlers call (`region:` on a step), in order of first use.
    var remoteRegions: [String] = []
    /// The JSON-protocol services (sqs, secretsmanager) handlers call, in first-use order.
    var jsonServicesCalled: [String] = []
    var account = "123456789012"

    // Ids and names the file declares.
    var declared: [String: (kind: String, mark: Mark?)] = [:]
    var vpcByID: [String: VPCIndex] = [:]
    var subnetByID: [String: SubnetIndex] = [:]
    var routeTableByID: [String: RouteTableIndex] = [:]
    var aclByID: [String: NetworkACLIndex] = [:]
    var sgByID: [String: SecurityGroupIndex] = [:]
    var igwByID: [String: InternetGatewayIndex] = [:]
    var eigwByID: [String: EgressOnlyInternetGatewayIndex] = [:]
    var peeringByID: [String: PeeringConnectionIndex] = [:]
    var tgwByID: [String: TransitGatewayIndex] = [:]
    var tgwAttachmentByID: [String: TransitGatewayAttachmentIndex] = [:]
    var tgwRouteTableByID: [String: TransitGatewayRouteTableIndex] = [:]
    var natByID: [String: NATGatewayIndex] = [:]
    var endpointByID: [String: GatewayEndpointIndex] = [:]
    var interfaceEndpoints: [String: PlacedInterfaceEndpoint] = [:]
    var loadBalancers: [String: PlacedLoadBalancer] = [:]
    var prefixListByID: [String: PrefixListIndex] = [:]
    var eniByID: [String: ENIIndex] = [:]
    var functionByName: [String: Int] = [:]
    var databaseByName: [String: Int] = [:]
    var instanceByName: [String: ENIIndex] = [:]
    var internetByName: [String: Peer] = [:]

    // What phase 1 takes: addresses, zones, shared Hyperplane ENIs.
    var usedAddresses: [SubnetIndex: Set<UInt32>] = [:]
    var usedPublicIPs: Set<UInt32> = []
    var usedIPv6: Set<IPAddress> = []
    var zoneByName: [String: AvailabilityZoneIndex] = [:]
    var hyperplane: [String: ENIIndex] = [:]
    /// `latency.cross-az-pairs` entries, resolved to zone indices after the subnets.
    var zonePairNodes: [(String, String, SimDuration, YNode)] = []

    // What phase 1 places on the network and phase 3 gives hosts, in the file's order.
    var instanceOrder: [(name: String, eni: ENIIndex, agents: Bool)] = []
    var databases: [PlacedDatabase] = []
    var functions: [LambdaFunction] = []
    /// The Hyperplane ENIs of each function, by function name.
    var functionENIs: [String: [ENIIndex]] = [:]

    init(file: String) {
        self.file = file
        net = Network(region: "us-east-1")
    }

    // MARK: Document

    static let topKeys = [
        "scenario", "description", "account", "region", "run", "vpcs", "subnets", "route-tables",
        "network-acls", "security-groups", "internet-gateways", "egress-only-internet-gateways",
        "vpc-peering-connections", "transit-gateways", "nat-gateways", "vpc-endpoints",
        "prefix-lists", "instances", "load-balancers", "databases", "functions", "state-machines", "flow-logs",
        "captures", "latency", "services", "internet", "traffic",
    ]

    /// The phases in order. Within them, sections are read in a fixed order, so a file with
    /// several problems always reports the same one.
    mutating func build(_ root: YNode, overrides: RunOverrides) throws -> Scenario {
        let top = try root.mapping(allowed: Self.topKeys)
        let name =
            try top["scenario"]?.string()
            ?? (file as NSString).lastPathComponent.replacingOccurrences(of: ".yaml", with: "")
        let description = try top["description"]?.string() ?? ""
        if let a = top["account"] { account = try a.accountID() }
        if let r = top["region"] {
            let region = try r.string()
            guard let c = RegionCatalog.named(region) else {
                throw r.fail(
                    "region '\(region)' is not in vpcsim's Region catalog (available: "
                        + "\(RegionCatalog.names.joined(separator: ", ")))"
                )
            }
            catalog = c
        }
        net = Network(region: catalog.name)
        net.dhcpDomainName = catalog.dhcpDomain
        let run = try runParameters(top, root, overrides)
        if let l = top["latency"] { try latency(l) }

        try buildNetwork(top, root)
        try resolveZonePairs()
        net.finalize(random: RandomStreams(seed: run.seed))

        // The world takes the finished network; the builder keeps no copy of it.
        var world = World(
            network: net, seed: RandomStreams(seed: run.seed),
            epochNanoseconds: run.start * 1_000_000_000, workloadEnd: SimTime.zero + run.duration)
        net = Network(region: catalog.name)
        try buildWorld(top, &world)
        if let at = overrides.anomaliesAt { world.moveLabelledWindows(to: SimTime.zero + at) }

        var captures: [CaptureSpec] = []
        for n in try top["captures"]?.list() ?? [] {
            captures += try capture(n, functionENIs: functionENIs, world: world)
        }
        var flowLogs: [FlowLogConfig] = []
        for n in try top["flow-logs"]?.list() ?? [] { flowLogs.append(try flowLog(n, world: world)) }

        var scenario = Scenario(
            name: name, description: description, sourcePath: file, world: world, seed: run.seed,
            duration: run.duration, startUnixSeconds: run.start, captures: captures, flowLogs: flowLogs,
            drainLimit: run.drain, functionENIs: functionENIs)
        scenario.instances = instanceOrder.map { ($0.name, $0.eni) }
        return scenario
    }

    /// Phase 1: the network resources. Tables and ACLs come before subnets, which refer to them;
    /// routes come after the gateways, endpoints and ENIs they target.
    mutating func buildNetwork(_ top: YMap, _ root: YNode) throws {
        // AWS-managed prefix lists of the Region, then customer-managed ones.
        for pl in catalog.prefixLists {
            prefixListByID[pl.id] = PrefixListIndex(net.prefixLists.count)
            declared[pl.id] = ("prefix list", nil)
            net.prefixLists.append(PrefixList(id: pl.id, name: pl.name, cidrs: pl.cidrs, awsService: pl.service))
        }
        net.catalog.awsServiceRanges = catalog.ipRanges
        for n in try top["prefix-lists"]?.list() ?? [] { try prefixList(n) }

        for n in try top["vpcs"]?.list() ?? [] { try vpc(n) }
        for n in try top["vpc-peering-connections"]?.list() ?? [] { try peeringConnection(n) }
        var tableNodes: [(RouteTableIndex, YMap)] = []
        for n in try top["route-tables"]?.list() ?? [] { tableNodes.append(try routeTable(n)) }
        for n in try top["network-acls"]?.list() ?? [] { try networkACL(n) }
        try ensureDefaults(root)
        for n in try top["internet-gateways"]?.list() ?? [] { try internetGateway(n) }
        for n in try top["egress-only-internet-gateways"]?.list() ?? [] { try egressOnlyInternetGateway(n) }
        for n in try top["subnets"]?.list() ?? [] { try subnet(n) }
        for n in try top["security-groups"]?.list() ?? [] { try declareSecurityGroup(n) }
        for n in try top["security-groups"]?.list() ?? [] { try securityGroupRules(n) }
        for n in try top["nat-gateways"]?.list() ?? [] { try natGateway(n) }
        for n in try top["vpc-endpoints"]?.list() ?? [] { try endpoint(n) }
        for n in try top["transit-gateways"]?.list() ?? [] { try transitGateway(n) }
        let subnetCIDRs = Dictionary(grouping: net.subnets, by: \.vpc).mapValues { Set($0.flatMap(\.blocks)) }
        for (t, m) in tableNodes { try routes(t, m, subnetCIDRs: subnetCIDRs) }
        for n in try top["instances"]?.list() ?? [] { try instance(n) }
        for n in try top["load-balancers"]?.list() ?? [] { try loadBalancer(n) }
        for n in try top["databases"]?.list() ?? [] { databases.append(try database(n)) }
        for n in try top["functions"]?.list() ?? [] { try functionEntry(n) }
    }

    /// Phase 3: the hosts on the finished network and what runs on them. Hosts are added in a
    /// fixed order, which their indices follow: databases, AWS front ends, VPC platforms,
    /// functions, instances, the internet.
    mutating func buildWorld(_ top: YMap, _ world: inout World) throws {
        let databases = attachDatabases(&world)
        addServices(&world)
        for v in world.network.vpcs.indices { world.addPlatform(vpc: VPCIndex(v)) }
        for d in databases { world.addDatabase(d) }
        attachFunctions(&world)
        for n in try top["state-machines"]?.list() ?? [] { world.addStateMachine(try stateMachine(n)) }
        attachInstances(&world)
        for v in world.network.vpcs.indices { world.addMetadataService(vpc: VPCIndex(v)) }
        attachLoadBalancers(&world)
        for n in try top["internet"]?.list() ?? [] { try internetPopulation(n, &world) }
        for n in try top["traffic"]?.list() ?? [] { try trafficGenerator(n, &world) }
    }

    /// The `run:` section, with the command line's overrides. A run's last simulated second
    /// (start + duration + drain) must be one a pcap can timestamp.
    func runParameters(_ top: YMap, _ root: YNode, _ overrides: RunOverrides) throws -> RunParameters {
        var run = RunParameters()
        var durationNode: YNode?
        if let r = top["run"] {
            let m = try r.mapping(allowed: ["duration", "seed", "start", "drain"])
            durationNode = m["duration"]
            if let d = m["duration"] { run.duration = try d.duration(in: .nanoseconds(1)...TopologyLimits.longestRun) }
            if let s = m["seed"] { run.seed = try s.seed() }
            if let s = m["start"] { run.start = try s.timestamp() }
            if let d = m["drain"] { run.drain = try d.duration() }
        }
        if let s = overrides.seed { run.seed = s }
        if let d = overrides.duration {
            guard d.nanoseconds > 0 && d <= TopologyLimits.longestRun else {
                throw TopologyError(
                    file: file, line: 0, column: 0,
                    message: "--duration \(d) is outside the allowed range 1ns … \(TopologyLimits.longestRun)")
            }
            run.duration = d
            durationNode = nil
        }
        let endSeconds = run.start + (run.duration + run.drain + .nanoseconds(999_999_999)).nanoseconds / 1_000_000_000
        if endSeconds > TopologyLimits.latestEnd {
            let message =
                "the run would end at \(UTCDateTime(unixSeconds: endSeconds).iso8601) (start + duration + drain), "
                + "after 2106-02-07T06:28:15Z, the last second a pcap can timestamp"
            guard let node = durationNode ?? top["run"] else {
                throw TopologyError(
                    file: file, line: 0, column: 0, message: (top["run"] == nil ? "run: " : "") + message)
            }
            throw node.fail(message)
        }
        return run
    }

    /// The `latency:` section: each hop a duration (a constant) or `{median: 400us, sigma: 0.2}`
    /// (log-normal), and `cross-az-pairs: [{zones: [us-east-1a, us-east-1b], median: 380us}]`.
    /// Zone pairs are resolved once the subnets have named their zones (`resolveZonePairs`).
    mutating func latency(_ n: YNode) throws {
        let m = try n.mapping(allowed: [
            "intra-az", "cross-az", "cross-az-pairs", "hyperplane", "nat-gateway", "regional", "internet", "resolver",
        ])
        if let v = m["intra-az"] { net.latency.intraAZ = try hopDelay(v) }
        if let v = m["cross-az"] { net.latency.crossAZ = try hopDelay(v) }
        if let v = m["hyperplane"] { net.latency.hyperplane = try hopDelay(v) }
        if let v = m["nat-gateway"] { net.latency.natGateway = try hopDelay(v) }
        if let v = m["regional"] { net.latency.regional = try hopDelay(v) }
        if let v = m["internet"] { net.latency.internet = try hopDelay(v) }
        if let v = m["resolver"] { net.latency.resolver = try hopDelay(v) }
        if let v = m["cross-az-pairs"] {
            zonePairNodes = []
            for p in try v.list() {
                let pm = try p.mapping(allowed: ["zones", "median"])
                let zones = try (try pm.required("zones")).stringList()
                guard zones.count == 2, zones[0] != zones[1] else {
                    throw p.fail("'zones' names two different availability zones")
                }
                zonePairNodes.append(
                    (zones[0], zones[1], try (try pm.required("median")).duration(in: Self.latencyRange), p))
            }
        }
    }

    /// Cross-AZ medians per pair of the zones the subnets use: the Region catalog's measured
    /// pairs, then the file's `cross-az-pairs` over them.
    mutating func resolveZonePairs() throws {
        for (a, b, median) in catalog.crossAZOneWay {
            if let za = zoneByName[a], let zb = zoneByName[b] { net.latency.crossAZPairs[ZonePair(za, zb)] = median }
        }
        for (a, b, median, node) in zonePairNodes {
            for z in [a, b] where !z.hasPrefix(catalog.name) {
                throw node.fail("'\(z)' is not an availability zone of \(catalog.name)")
            }
            if let za = zoneByName[a], let zb = zoneByName[b] { net.latency.crossAZPairs[ZonePair(za, zb)] = median }
        }
    }

    func hopDelay(_ n: YNode) throws -> HopDelay {
        if case .scalar = n.node { return .constant(try n.duration(in: Self.latencyRange)) }
        let m = try n.mapping(allowed: ["median", "sigma"])
        let sigma = try m["sigma"]?.number(in: 0...2) ?? 0
        return HopDelay(median: try (try m.required("median")).duration(in: Self.latencyRange), sigma: sigma)
    }

    static let latencyRange = SimDuration.zero...TopologyLimits.longestLatency
}

/// A run's parameters: the `run:` section's, or their defaults.
struct RunParameters {
    var seed: UInt64 = 1
    var duration = SimDuration.seconds(60)
    var start = Int64(1_795_428_000) // 2026-11-23T10:00:00Z
    var drain = SimDuration.seconds(180)
}
