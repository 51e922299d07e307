import Foundation
import SimCore
import NetModel
import Transport
import Workloads
import Topology
import Capture
import Cost

/// Percentiles of a latency distribution, in milliseconds.
public struct LatencySummary: Codable, Sendable {
    public var count: UInt64
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var max: Double
    public var mean: Double
    init(_ d: LatencyDistribution) {
        let s = d.statistics(percentiles: [50, 90, 99])
        count = d.count
        p50 = Double(s.percentiles[0]) / 1e6
        p90 = Double(s.percentiles[1]) / 1e6
        p99 = Double(s.percentiles[2]) / 1e6
        max = Double(s.max) / 1e6
        mean = s.mean / 1e6
    }
}

/// What a run did, as printed and as `summary.json`.
public struct RunSummary: Codable, Sendable {
    public struct Packets: Codable, Sendable {
        public var sent: UInt64
        public var delivered: UInt64
        public var dropped: UInt64
        /// Drops by reason code (`no-route`, `network-acl`, …).
        public var drops: [String: UInt64]
        /// Drops by reason with the resource that decided, e.g. "no-route rtb-0abc…".
        public var dropDetails: [String: UInt64]
    }
    public struct Connections: Codable, Sendable {
        public var tcpOpened: UInt64
        public var retransmissionTimeouts: UInt64
    }
    public struct Function: Codable, Sendable {
        public var name: String
        public var invocations: UInt64
        public var coldStarts: UInt64
        public var environments: UInt64
        public var succeeded: UInt64
        public var timedOut: UInt64
        public var failed: UInt64
        public var errors: [String: UInt64]
        public var timeoutMessages: [String]
        public var duration: LatencySummary
        public var enis: [String]
        public var memoryMb: Int
        public var architecture: String
        /// Billed duration of all its invocations, init included (the whole run).
        public var billedMilliseconds: UInt64
        /// Invokes Lambda's recursive loop detection stopped (absent when none).
        public var recursionStopped: UInt64?
    }
    public struct Call: Codable, Sendable {
        public var name: String
        public var calls: UInt64
        public var errors: UInt64
        public var retries: UInt64
        public var newConnections: UInt64
        public var requestBytes: UInt64
        public var responseBytes: UInt64
        /// DynamoDB on-demand request units of the successful calls (the whole run).
        public var readRequestUnits: Double
        public var writeRequestUnits: Double
        public var latency: LatencySummary
    }
    public struct StateMachineSummary: Codable, Sendable {
        public var name: String
        public var executions: UInt64
        public var succeeded: UInt64
        public var failed: UInt64
        public var taskRetries: UInt64
        public var stateTransitions: UInt64
        public var duration: LatencySummary
    }
    public struct NATGatewaySummary: Codable, Sendable {
        public var id: String
        public var eni: String
        public var bytesProcessed: UInt64
        public var connectionAttempts: UInt64
        public var connectionsEstablished: UInt64
        public var errorPortAllocation: UInt64
        public var idleTimeouts: UInt64
        public var packetsDropped: UInt64
        public var peakActiveConnections: UInt64
    }
    public struct PcapOutput: Codable, Sendable {
        public var file: String
        public var eni: String
        public var label: String
        public var packets: UInt64
        /// Decryptable runs: the pcapng twin and how many TLS sessions' keys it embeds.
        public var pcapng: String?
        public var tlsSessions: Int?
    }
    public struct FlowLogOutput: Codable, Sendable {
        public var id: String
        public var format: String
        public var files: [String]
        public var records: UInt64
        public var nodata: UInt64
        public var skipdata: UInt64
        /// `s3` or `cloudwatch-logs`, and the bytes of record text delivered there.
        public var destination: String
        public var bytes: UInt64
    }

    public var scenario: String
    public var topology: String
    public var seed: UInt64
    public var start: String
    public var workloadSeconds: Double
    public var simulatedSeconds: Double
    public var events: UInt64
    public var interrupted: Bool
    /// What interrupted the run (`SIGINT`, `SIGTERM`, `SIGHUP`, `request`), or nil.
    public var interruptedBy: String?
    public var packets: Packets
    public var connections: Connections
    public var requests: LatencySummary
    public var calls: [Call]
    public var functions: [Function]
    public var stateMachines: [StateMachineSummary]
    public var natGateways: [NATGatewaySummary]
    public var dnsQueries: UInt64
    /// Per service, the source addresses it saw clients connect from.
    public var serviceClients: [String: [String]]
    public var outputDirectory: String
    public var pcaps: [PcapOutput]
    /// "size-only" or "decryptable".
    public var tls: String
    /// Decryptable runs with captures: the key log and the number of sessions it holds.
    public var tlsKeyLog: String?
    public var tlsKeyLogSessions: Int?
    public var flowLogs: [FlowLogOutput]
    /// Wall-clock figures (not deterministic; everything else is).
    public var wallSeconds: Double
    public var eventsPerSecond: Double
    /// Peak resident memory of the process (kB), from getrusage.
    public var peakMemoryKB: Int
    public var missingStreamBytes: UInt64
    /// Ground-truth labels (datasets): names, labelled records per flow log, files.
    public var labels: [String]
    public var labelFiles: [String]
    public var labelledRecords: UInt64
    /// Labelled generators whose window starts after the run ends ("name (label) at start"):
    /// the run has none of their traffic (`--anomalies-at` moves them in).
    public var labelsOutsideRun: [String]
    /// What AWS would bill, as measured after the warm-up: `vpcsim cost` prices it.
    public var usage: MeasuredUsage

    init(
        scenario s: Scenario, world w: World, end: SimTime, events: UInt64, session: CaptureSession, interrupted: Bool,
        usage: MeasuredUsage, wallSeconds: Double
    ) {
        self.usage = usage
        let outputDirectory = session.outputDirectory
        let net = w.network
        scenario = s.name
        topology = s.sourcePath
        seed = s.seed
        start = UTCDateTime(unixSeconds: s.startUnixSeconds).iso8601
        workloadSeconds = s.duration.seconds
        simulatedSeconds = end.seconds
        self.events = events
        self.interrupted = interrupted
        var drops: [String: UInt64] = [:]
        var details: [String: UInt64] = [:]
        for (r, n) in net.stats.drops {
            drops[r.code, default: 0] += n
            details[Self.describe(r, net), default: 0] += n
        }
        packets = Packets(
            sent: net.stats.packetsSent, delivered: net.stats.packetsDelivered, dropped: net.stats.droppedPackets,
            drops: drops, dropDetails: details)
        connections = Connections(tcpOpened: w.tcp.connectionsOpened, retransmissionTimeouts: w.tcp.retransmissions)
        requests = LatencySummary(w.metrics.requestLatency)
        // Calls that recorded anything, by name.
        let names = w.metrics.callNames
        calls = w.metrics.calls.indices.filter { !w.metrics.calls[$0].isEmpty }.sorted { names[$0] < names[$1] }.map {
            i in
            let c = w.metrics.calls[i]
            return Call(
                name: names[i], calls: c.calls, errors: c.errors, retries: c.retries, newConnections: c.newConnections,
                requestBytes: c.requestBytes, responseBytes: c.responseBytes,
                readRequestUnits: Double(c.readUnitHalves) / 2, writeRequestUnits: Double(c.writeUnitHalves) / 2,
                latency: LatencySummary(c.latency))
        }
        functions = w.functions.enumerated().map { i, f in
            let m = w.metrics.functions[i]
            return Function(
                name: f.name, invocations: m.invocations, coldStarts: m.coldStarts, environments: m.environmentsCreated,
                succeeded: m.succeeded, timedOut: m.timedOut, failed: m.failed, errors: m.errors,
                timeoutMessages: m.timeoutMessages, duration: LatencySummary(m.duration),
                enis: f.enis.map { net.enis[$0.int].id }, memoryMb: f.memoryMB, architecture: f.architecture.rawValue,
                billedMilliseconds: m.billedMilliseconds,
                recursionStopped: m.recursionStopped > 0 ? m.recursionStopped : nil)
        }
        stateMachines = w.stateMachines.enumerated().map { i, m in
            let x = w.metrics.stateMachines[i]
            return StateMachineSummary(
                name: m.name, executions: x.executions, succeeded: x.succeeded, failed: x.failed,
                taskRetries: x.taskRetries, stateTransitions: x.stateTransitions, duration: LatencySummary(x.duration))
        }
        natGateways = net.natGateways.enumerated().map { i, g in
            let m = net.nat[i].metrics
            return NATGatewaySummary(
                id: g.id, eni: net.enis[g.eni.int].id, bytesProcessed: m.bytesProcessed,
                connectionAttempts: m.connectionAttemptCount, connectionsEstablished: m.connectionEstablishedCount,
                errorPortAllocation: m.errorPortAllocation, idleTimeouts: m.idleTimeoutCount,
                packetsDropped: m.packetsDropCount, peakActiveConnections: m.peakActiveConnectionCount)
        }
        dnsQueries = w.metrics.dnsQueries
        serviceClients = w.metrics.serviceClients.mapValues { $0.sorted() }
        self.outputDirectory = outputDirectory
        pcaps = session.pcaps.enumerated().map { k, p in
            let ng = k < session.pcapngs.count ? session.pcapngs[k] : nil
            return PcapOutput(
                file: Self.relative(p.writer.path, to: outputDirectory), eni: p.eniID, label: p.spec.label,
                packets: p.writer.packets, pcapng: ng.map { Self.relative($0.path, to: outputDirectory) },
                tlsSessions: ng == nil ? nil : session.sessionsShown(pcap: k))
        }
        tls = session.decryptable ? "decryptable" : "size-only"
        tlsKeyLog = session.keyLog.map { Self.relative($0.path, to: outputDirectory) }
        tlsKeyLogSessions = session.keyLog?.sessions
        flowLogs = session.flowLogs.map { f in
            let a = f.aggregator
            return FlowLogOutput(
                id: a.config.id, format: a.config.format.logFormatString,
                files: f.destination.files.map { Self.relative($0, to: outputDirectory) }.sorted(),
                records: a.records, nodata: a.nodataRecords, skipdata: a.skipdataRecords,
                destination: usage.flowLogs.first { $0.id == a.config.id }?.destination ?? "s3",
                bytes: f.destination.deliveredBytes)
        }
        self.wallSeconds = wallSeconds
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        peakMemoryKB = usage.ru_maxrss
        labels = w.labels
        labelFiles = session.labelFiles.map { Self.relative($0, to: outputDirectory) }
        labelledRecords = session.flowLogs.reduce(0) { $0 + ($1.labels?.records ?? 0) }
        labelsOutsideRun = w.labelledWindowsOutside(SimTime.zero + s.duration).map {
            "\($0.generator) (\($0.label)) at \($0.start - SimTime.zero)"
        }
        eventsPerSecond = wallSeconds > 0 ? Double(events) / wallSeconds : 0
        missingStreamBytes = session.missingStreamBytes
    }

    static func relative(_ path: String, to dir: String) -> String {
        path.hasPrefix(dir + "/") ? String(path.dropFirst(dir.count + 1)) : path
    }

    /// A drop reason with the resource that decided it.
    static func describe(_ r: DropReason, _ n: Network) -> String {
        switch r {
        case .noRoute(let t): return "no-route \(n.routeTables[t.int].id)"
        case .blackholeRoute(let t, let i): return "blackhole-route \(n.routeTables[t.int].id) route \(i + 1)"
        case .networkACL(let a, let d, let rule):
            return
                "network-acl \(n.networkACLs[a.int].id) \(d == .ingress ? "inbound" : "outbound") rule "
                + "\(rule == NetworkACLEntry.defaultDenyRuleNumber ? "*" : String(rule))"
        case .securityGroup(let e, let d):
            return "security-group \(n.enis[e.int].id) \(d == .ingress ? "ingress" : "egress")"
        case .noPublicAddress(let g): return "igw-no-public-ip \(n.internetGateways[g.int].id)"
        case .exceedsPathMTU(let g, _): return "exceeds-path-mtu \(n.internetGateways[g.int].id)"
        case .privateNATToInternet(let g): return "private-nat-to-igw \(n.natGateways[g.int].id)"
        case .natPortAllocation(let g): return "nat-port-allocation \(n.natGateways[g.int].id)"
        case .natNoTranslation(let g): return "nat-no-translation \(n.natGateways[g.int].id)"
        case .natUnsupportedProtocol(let g): return "nat-unsupported-protocol \(n.natGateways[g.int].id)"
        case .unreachableAddress: return "unreachable-address"
        case .noSuchAddressInVPC(let v): return "no-such-address-in-vpc \(n.vpcs[v.int].id)"
        case .endpointServiceMismatch(let g): return "endpoint-service-mismatch \(n.gatewayEndpoints[g.int].id)"
        case .hostGone: return "host-gone"
        case .noSocket: return "no-socket"
        case .egressOnlyInbound(let g): return "eigw-inbound \(n.egressOnlyInternetGateways[g.int].id)"
        case .exceedsPathMTUEgressOnly(let g, _): return "exceeds-path-mtu \(n.egressOnlyInternetGateways[g.int].id)"
        case .peeringNotTransitive(let c): return "peering-not-transitive \(n.peeringConnections[c.int].id)"
        case .transitGatewayNoAttachmentInZone(let a):
            return "tgw-no-attachment-in-az \(n.transitGatewayAttachments[a.int].id)"
        case .transitGatewayNoAssociation(let a): return "tgw-no-route-table \(n.transitGatewayAttachments[a.int].id)"
        case .transitGatewayNoRoute(let t): return "tgw-no-route \(n.transitGatewayRouteTables[t.int].id)"
        case .transitGatewayBlackhole(let t, let i):
            return "tgw-blackhole-route \(n.transitGatewayRouteTables[t.int].id) route \(i + 1)"
        case .nat64OutsidePrefix(let g): return "nat64-outside-prefix \(n.natGateways[g.int].id)"
        }
    }

    /// Writes `summary.json` (sorted keys, temporary name then rename).
    public func write(to path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.keyEncodingStrategy = .convertToSnakeCase
        enc.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var data = try enc.encode(self)
        data.append(0x0A)
        // Through the checked writer: a full disk is reported with its reason, and no partial
        // summary is left under the final name.
        let w = try CompressedFileWriter(path: path, gzip: false)
        do {
            try data.withUnsafeBytes { try w.write($0) }
            try w.finish()
        } catch {
            w.abandon()
            throw error
        }
    }

    /// The human summary a run prints; `command` is the subcommand that ran it.
    public func text(command: String = "run") -> String {
        var s = ""
        func line(_ label: String, _ value: String) {
            s += "  " + label.padding(toLength: 13, withPad: " ", startingAt: 0) + value + "\n"
        }
        let flag =
            interrupted ? " — INTERRUPTED\(interruptedBy.map { " by \($0)" } ?? ""), outputs closed early" : ""
        s += "vpcsim \(command) \(scenario) (seed \(seed))\(flag)\n"
        if interrupted {
            line(
                "simulated",
                "\(Format.seconds(simulatedSeconds)) of a \(Format.seconds(workloadSeconds)) workload when interrupted "
                    + "(from \(start))"
            )
        } else {
            line(
                "simulated",
                "\(Format.seconds(workloadSeconds)) of workload, \(Format.seconds(simulatedSeconds)) until connections "
                    + "closed (from \(start))"
            )
        }
        var p =
            "\(Format.count(packets.sent)) sent, \(Format.count(packets.delivered)) delivered, "
            + "\(Format.count(packets.dropped)) dropped"
        if !packets.drops.isEmpty {
            p +=
                " (" + packets.drops.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                + ")"
        }
        line("packets", p)
        if !labelsOutsideRun.isEmpty {
            line("labels", "not in this run (it ends first): " + labelsOutsideRun.joined(separator: ", "))
        }
        line(
            "connections",
            "\(Format.count(connections.tcpOpened)) TCP opened, \(Format.count(connections.retransmissionTimeouts)) "
                + "retransmission timeouts, \(Format.count(dnsQueries)) DNS queries"
        )
        if requests.count > 0 {
            line(
                "requests",
                "\(Format.count(requests.count)): p50 \(Format.ms(requests.p50)), p99 \(Format.ms(requests.p99)), max "
                    + "\(Format.ms(requests.max))"
            )
        } else {
            line("requests", "0 completed")
        }
        let shownCalls = 12
        for c in calls.prefix(shownCalls) where c.calls > 0 || c.errors > 0 {
            line(
                "",
                "\(c.name): \(Format.count(c.calls)) sent, p50 \(Format.ms(c.latency.p50)), p99 "
                    + "\(Format.ms(c.latency.p99)), \(c.newConnections) new "
                    + "connections\(c.errors > 0 ? ", \(c.errors) errors" : "")"
            )
        }
        if calls.count > shownCalls {
            line(
                "",
                "… and \(Format.count(UInt64(calls.count - shownCalls))) more (function, call) pairs in summary.json")
        }
        if functions.count > 8 {
            let inv = functions.reduce(0) { $0 + $1.invocations }, cold = functions.reduce(0) { $0 + $1.coldStarts }
            let ok = functions.reduce(0) { $0 + $1.succeeded }, to = functions.reduce(0) { $0 + $1.timedOut }
            let failed = functions.reduce(0) { $0 + $1.failed }
            line(
                "invocations",
                "\(functions.count) functions: \(Format.count(inv)) invocations, \(Format.count(cold)) cold starts, "
                    + "\(Format.count(ok)) succeeded, \(to) timed out, \(failed) failed"
            )
        }
        for f in functions where functions.count <= 8 {
            var v =
                "\(f.name): \(Format.count(f.invocations)) invocations, \(f.coldStarts) cold starts, \(f.succeeded) "
                + "succeeded"
            if f.timedOut > 0 { v += ", \(f.timedOut) timed out" }
            if f.failed > 0 {
                v +=
                    ", \(f.failed) failed ("
                    + f.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
            }
            line("invocations", v)
            if let m = f.timeoutMessages.first { line("", "\(f.name): \(m)") }
            if let r = f.recursionStopped {
                line("", "\(f.name): \(r) invocations stopped by Lambda's recursive loop detection")
            }
        }
        for m in stateMachines {
            line(
                "executions",
                "\(m.name): \(m.executions) started, \(m.succeeded) succeeded, \(m.failed) failed, p50 "
                    + "\(Format.ms(m.duration.p50))"
            )
        }
        for (name, clients) in serviceClients.sorted(by: { $0.key < $1.key }) {
            line(
                "seen by",
                "\(name): connections from "
                    + "\(clients.prefix(4).joined(separator: ", "))\(clients.count > 4 ? ", …" : "")"
            )
        }
        for g in natGateways {
            line(
                "NAT gateway",
                "\(g.id): \(Format.bytes(g.bytesProcessed)) processed, \(g.connectionAttempts) connections, "
                    + "\(g.errorPortAllocation) port-allocation errors"
            )
        }
        line("outputs", outputDirectory + "/")
        for c in pcaps {
            line("", "\(c.file)  (\(c.label), \(Format.count(c.packets)) packets)")
            if let ng = c.pcapng, let n = c.tlsSessions {
                line("", "\(ng)  (the same packets, keys of \(n) TLS session\(n == 1 ? "" : "s") embedded)")
            }
        }
        if let k = tlsKeyLog, let n = tlsKeyLogSessions {
            line("", "\(k)  (NSS key log, \(n) TLS session\(n == 1 ? "" : "s"))")
        }
        for f in flowLogs {
            let first = f.files.first.map { ($0 as NSString).deletingLastPathComponent + "/" } ?? "flowlogs/"
            line(
                "",
                "\(first)  (flow log \(f.id): \(f.files.count) file\(f.files.count == 1 ? "" : "s"), "
                    + "\(Format.count(f.records)) records)"
            )
        }
        for f in labelFiles { line("", "\(f)  (ground truth)") }
        line("", "summary.json")
        line(
            "took",
            "\(Format.seconds(wallSeconds)) wall clock, \(Format.count(events)) events "
                + "(\(Format.count(UInt64(eventsPerSecond)))/s), peak memory "
                + "\(Format.bytes(UInt64(peakMemoryKB) * 1000))"
        )
        return s
    }
}

enum Format {
    static func count(_ n: UInt64) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
    static func seconds(_ s: Double) -> String { String(format: s < 10 ? "%.3f s" : "%.1f s", s) }
    static func ms(_ m: Double) -> String { String(format: m < 10 ? "%.2f ms" : "%.1f ms", m) }
    static func bytes(_ b: UInt64) -> String {
        if b < 10_000 { return "\(b) B" }
        if b < 10_000_000 { return String(format: "%.1f kB", Double(b) / 1e3) }
        return String(format: "%.1f MB", Double(b) / 1e6)
    }
}
