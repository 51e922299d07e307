import Foundation
import SimCore
import Wire
import NetModel
import Workloads
import Topology
import Capture

/// The largest run `vpcsim run`/`dataset` starts without `--force`: simulated events (time),
/// bytes written and peak memory, each raised by its own option (`--max-events`,
/// `--max-output`, `--max-memory`).
public struct RunBudget: Sendable {
    /// About an hour at the simulator's 1.5–2 M events/s (README "Performance").
    public var events = 5e9
    public var outputBytes = 5e9
    public var memoryBytes = 8e9
    public init() {}
}

/// What a scenario asks for, estimated before it runs from its rates, counts and generators:
/// packets and events, pcap and flow-log bytes, and peak memory (from how many sessions,
/// invocations and flows are alive at once). The per-unit costs are measured on the shipped
/// topologies (a DynamoDB call is about 6 packets and 20 events; a generated session about 10
/// packets plus its bytes in 1,448-byte segments, with 10 % more for ACKs; 2.5 events a
/// packet); a test keeps the estimates within a factor of three of what those runs do.
public struct WorkEstimate: Sendable {
    public var packets = 0.0
    public var events = 0.0
    public var pcapBytes = 0.0
    public var flowLogBytes = 0.0
    public var memoryBytes = 0.0

    /// Estimates `scenario` with or without its pcaps.
    public init(_ scenario: Scenario, pcaps: Bool) {
        let w = scenario.world
        let net = w.network
        let seconds = scenario.duration.seconds
        // Per captured ENI, the share of each source's packets that cross it.
        let captured = Set(pcaps ? scenario.captures.map(\.eni) : [])
        var capturedPackets = 0.0, capturedBytes = 0.0
        var concurrent = 0.0 // sessions and invocations alive at once
        var flows = 0.0 // flow-log records (one per flow and window, both ends)

        func eni(_ h: HostIndex) -> ENIIndex? {
            if case .eni(let e) = net.hosts[h.int] { return e }
            return nil
        }
        /// The share of a peer list's traffic that crosses captured ENIs.
        func share(_ peers: [Peer]) -> Double {
            guard !peers.isEmpty else { return 0 }
            return Double(peers.filter { eni($0.host).map(captured.contains) ?? false }.count) / Double(peers.count)
        }
        /// The share of `addresses` that belong to captured ENIs.
        func share(_ addresses: [IPAddress]) -> Double {
            guard !addresses.isEmpty, !captured.isEmpty else { return 0 }
            let mine = Set(
                captured.flatMap { e in [net.enis[e.int].privateIP] + (net.enis[e.int].publicIP.map { [$0] } ?? []) })
            return Double(addresses.filter(mine.contains).count) / Double(addresses.count)
        }
        /// Captured NAT gateways that clients' default routes point at, for servers on the internet
        /// (AWS services are reached through endpoints): both legs cross the NAT's ENI.
        func natShare(_ clients: [Peer], _ servers: [Peer]) -> Double {
            let internet = servers.contains { p in
                switch net.hosts[p.host.int] {
                case .publicRange(_, let i), .publicAddress(_, let i): return i
                default: return false
                }
            }
            guard internet else { return 0 }
            let gateways = net.natGateways.indices.filter { captured.contains(net.natGateways[$0].eni) }
            guard !gateways.isEmpty, !clients.isEmpty else { return 0 }
            let through = clients.filter { c in
                guard let e = eni(c.host) else { return false }
                let table = net.subnets[net.enis[e.int].subnet.int].routeTable
                return net.routeTables[table.int].routes.contains { r in
                    if case .natGateway(let g) = r.target { return gateways.contains(g.int) }
                    return false
                }
            }
            return 2 * Double(through.count) / Double(clients.count)
        }
        func add(packets p: Double, bytes: Double, eventsPerPacket: Double = 2.5, capturedShare: Double) {
            packets += p
            events += p * eventsPerPacket
            capturedPackets += p * capturedShare
            capturedBytes += bytes * capturedShare
        }

        // Lambda functions, invoked by arrivals and by state machines.
        var invocations = w.functions.map { Self.count($0.arrivals, seconds) }
        var executions = w.stateMachines.map { Self.count($0.arrivals, seconds) }
        // Invoke and StartExecution steps naming the file's functions and state machines run them
        // (one level: a chain of such calls is counted from its first caller's arrivals).
        for (i, f) in w.functions.enumerated() {
            for case .call(let c) in f.program {
                if c.operation == .lambdaInvoke, let t = w.functions.firstIndex(where: { $0.name == c.resource }) {
                    invocations[t] += invocations[i]
                } else if c.operation == .statesStartExecution,
                    let t = w.stateMachines.firstIndex(where: { $0.name == c.resource })
                {
                    executions[t] += invocations[i]
                }
            }
        }
        for (m, machine) in w.stateMachines.enumerated() {
            for t in machine.tasks where t.function < invocations.count { invocations[t.function] += executions[m] }
        }
        let capturedNATs = net.natGateways.indices.filter { captured.contains(net.natGateways[$0].eni) }
        for (i, f) in w.functions.enumerated() {
            let calls = Double(f.program.filter { if case .compute = $0 { false } else { true } }.count)
            // About 2.9 kB of headers, handshake share and ACKs per call, plus the items it carries.
            var callBytes = 0.0
            for step in f.program {
                switch step {
                case .dynamodb(let c): callBytes += 2_900 + Double(c.itemBytes)
                case .call(let c):
                    // An Invoke also carries the function's result back; AssumeRole its credentials.
                    let answer =
                        c.operation == .lambdaInvoke ? c.resultBytes : c.operation == .stsAssumeRole ? 1_600 : 0
                    callBytes += 2_900 + Double(c.payloadBytes + answer)
                case .database(let q): callBytes += 2_900 + Double(q.requestBytes + q.responseBytes)
                case .compute: break
                }
            }
            let n = invocations[i]
            var fShare = f.enis.isEmpty ? 0 : Double(f.enis.filter(captured.contains).count) / Double(f.enis.count)
            // A captured NAT gateway the function's subnets route through sees both legs of its calls.
            if !capturedNATs.isEmpty && !f.enis.isEmpty {
                let through = f.enis.filter { e in
                    let table = net.subnets[net.enis[e.int].subnet.int].routeTable
                    return net.routeTables[table.int].routes.contains { r in
                        if case .natGateway(let g) = r.target { return capturedNATs.contains(g.int) }
                        return false
                    }
                }
                fShare += 2 * Double(through.count) / Double(f.enis.count)
            }
            add(packets: n * (calls * 6 + 1), bytes: n * callBytes, eventsPerPacket: 3.3, capturedShare: fShare)
            events += n * 4
            concurrent += n / max(seconds, 1) * min(f.timeout.seconds, 5)
            flows += n * calls * 0.05 + (f.enis.isEmpty ? 0 : seconds / 60)
        }
        // Generated traffic.
        for t in w.traffic {
            switch t {
            case .sessions(let s):
                let active = Self.activeSeconds(s.window, seconds)
                let sessions = s.once ? (active > 0 ? 1 : 0) : Self.count(s.arrivals, active)
                let requests = Double(s.requests.lowerBound + s.requests.upperBound) / 2
                let data = requests * (Double(s.requestBytes) + Double(s.responseBytes) * 1.2) + (s.tls ? 6_000 : 0)
                let perSession = 10 + requests * 3 + data / 1_448 * 1.1 + (s.serverName != nil ? 4 : 0)
                let shares = share(s.clients) + share(s.servers) + natShare(s.clients, s.servers)
                add(packets: sessions * perSession, bytes: sessions * (data + perSession * 70), capturedShare: shares)
                let lifetime = requests * (s.think.seconds + s.serverTime.seconds + 0.01) + 60
                concurrent += sessions / max(active, 1) * lifetime
                flows += sessions * 2
            case .scan(let s):
                let active = Self.activeSeconds(s.window, seconds)
                var probes = s.rate * active
                if s.sequential && !s.repeats { probes = min(probes, Double(s.targets.count * s.ports.count)) }
                add(packets: probes * 2, bytes: probes * 2 * 74, capturedShare: share(s.targets) + share([s.scanner]))
                flows += probes * 2
            case .ping(let p):
                let pings = p.rate * Self.activeSeconds(p.window, seconds)
                add(packets: pings * 2, bytes: pings * 2 * 114, capturedShare: share(p.targets) + share([p.from]))
                flows += pings * 2
            }
        }
        // Platform agents of instances (Time Sync every 16 s, metadata, DHCP).
        let agents = Double(w.platformClientCount)
        add(packets: agents * seconds * 0.17, bytes: agents * seconds * 0.17 * 110, capturedShare: 0)
        capturedPackets += Double(captured.count) * seconds * 0.17
        capturedBytes += Double(captured.count) * seconds * 0.17 * 110

        pcapBytes = captured.isEmpty ? 0 : 24 + capturedBytes + capturedPackets * 30
        // NODATA: a record per quiet window of every ENI, through the drain too (a run whose
        // world never settles goes on to its drain limit).
        let covered = Double(net.enis.count) * (scenario.flowLogs.isEmpty ? 0 : 1)
        let windows = (seconds + scenario.drainLimit.seconds) / 60
        let records = scenario.flowLogs.isEmpty ? 0 : flows + covered * windows
        flowLogBytes = records * 40 * Double(scenario.flowLogs.count)
        // A baseline of 60 MB, a few kB per host, per live session or invocation (sockets, channels,
        // queued events) and per flow a window holds.
        let hosts = Double(net.hosts.count + net.enis.count)
        memoryBytes = 60e6 + hosts * 4_000 + concurrent * 8_000 + records / max(windows, 1) * 400
    }

    /// Arrivals in `seconds`.
    static func count(_ a: ArrivalPattern, _ seconds: Double) -> Double {
        switch a {
        case .none: return 0
        case .poisson(let r), .uniform(let r): return r * seconds
        }
    }

    /// How long a generator's window is open within the workload.
    static func activeSeconds(_ w: ActiveWindow, _ seconds: Double) -> Double {
        max(0, min(w.end.seconds, seconds) - min(w.start.seconds, seconds))
    }

    /// The first budget this estimate exceeds, as a one-line message naming the option that
    /// raises it; nil when it fits.
    public func excess(_ b: RunBudget) -> String? {
        let output = pcapBytes + flowLogBytes
        func option(_ v: Double) -> String { Self.bytes(v * 1.25).replacingOccurrences(of: " ", with: "") }
        if memoryBytes > b.memoryBytes {
            return "this run would need ≈ \(Self.bytes(memoryBytes)) of memory (sessions, invocations and flows "
                + "alive at once), above the \(Self.bytes(b.memoryBytes)) budget; raise it with --max-memory "
                + "\(option(memoryBytes)), or run anyway with --force"
        }
        if output > b.outputBytes {
            var what = [String]()
            if pcapBytes > 0 { what.append("≈ \(Self.bytes(pcapBytes)) of pcap") }
            if flowLogBytes > 0 { what.append("≈ \(Self.bytes(flowLogBytes)) of flow logs") }
            return "this run would write \(what.joined(separator: " and ")), above the \(Self.bytes(b.outputBytes)) "
                + "output budget; raise it with --max-output \(option(output)), "
                + "shorten it with --duration, or run anyway with --force"
        }
        if events > b.events {
            let minutes = events / 1.5e6 / 60
            let time =
                minutes < 1
                ? "under a minute"
                : minutes < 120 ? "\(Self.count(minutes)) minutes" : "\(Self.count(minutes / 60)) hours"
            return "this run would dispatch ≈ \(Self.count(events)) events (about \(time) at 1.5 M "
                + "events/s), above the budget of \(Self.count(b.events)); raise it with --max-events "
                + "\(Self.count(events * 1.25).replacingOccurrences(of: ",", with: "")), shorten it with --duration, "
                + "or run anyway with --force"
        }
        return nil
    }

    static func bytes(_ b: Double) -> String {
        if b >= 1e12 { return "\(Self.oneDecimal(b / 1e12)) TB" }
        if b >= 1e9 { return "\(Self.oneDecimal(b / 1e9)) GB" }
        if b >= 1e6 { return "\(Self.oneDecimal(b / 1e6)) MB" }
        if b < 1e3 { return "\(Int(b.rounded())) B" }
        return "\(Self.oneDecimal(b / 1e3)) kB"
    }

    static func oneDecimal(_ v: Double) -> String {
        if v >= 1e15 || !v.isFinite { return "\(v)" }
        let tenths = Int64((v * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }

    static func count(_ v: Double) -> String {
        if v >= 1e15 || !v.isFinite { return String(format: "%.1e", v) }
        return Format.count(UInt64(v.rounded()))
    }
}
