import SimCore
import Wire
import NetModel
import Transport
import Messages

/// Where generated traffic comes from or goes to: a host, and the address(es) it uses. A host
/// attached to a public range picks an address from `pool` per session or probe.
public struct Peer: Sendable, Hashable {
    public var host: HostIndex
    public var pool: [IPAddress]
    public init(host: HostIndex, pool: [IPAddress]) { self.host = host; self.pool = pool }
}

/// An active period within the run (anomalies are episodes, not background).
public struct ActiveWindow: Sendable, Hashable {
    public var start: SimTime
    public var end: SimTime
    public init(start: SimTime, end: SimTime) { self.start = start; self.end = end }
    public static let always = ActiveWindow(start: .zero, end: SimTime(nanoseconds: .max))
}

/// TCP sessions between generic clients and servers: optional DNS, optional TLS, a few
/// request/response exchanges, then an orderly close.
public struct SessionSpec: Sendable {
    public var name: String
    public var label: UInt8
    public var clients: [Peer]
    public var servers: [Peer]
    public var port: UInt16
    public var tls: Bool
    /// Name resolved through the VPC's resolver by clients inside a VPC, and sent as SNI.
    public var serverName: String?
    public var requests: ClosedRange<Int>
    /// Request and response sizes, each drawn per request from the world's seeded stream.
    public var requestSize: SizeDistribution
    public var responseSize: SizeDistribution
    /// The server's median time to answer, before the work of its response
    /// (``SessionSpec/serverTimePerKB``).
    public var serverTime: SimDuration
    public var think: SimDuration
    public var arrivals: ArrivalPattern
    public var window: ActiveWindow
    /// One session only, at the window's start (arrivals are then ignored).
    public var once = false
    /// The TLS clients its clients speak through (`tls-clients:`).
    public var tlsClients = TLSClientMix.applications
    /// How its servers answer TLS: an AWS front end for a service, else nginx.
    public var tlsServer = TLSServerProfileID.nginxOpenSSL3
    /// Its servers are a load balancer's nodes, which pass each request on to a target
    /// (LoadBalancing.swift).
    public var balancer: BalancerRoute? = nil
    /// Typical sizes: what budgets use.
    public var requestBytes: Int { requestSize.nominal }
    public var responseBytes: Int { responseSize.nominal }

    /// How much a request's size varies around the `request-bytes` given as one size: log-normal,
    /// sigma 0.3 (ASSUMED: a client's requests differ in path, query, cookies and body; no
    /// published distribution for generic HTTPS sessions), so most fall within ±35 %.
    public static let requestSigma = 0.3
    /// The same for responses: sigma 0.6 (ASSUMED, as before distributions could be given: pages
    /// and API answers vary more than requests).
    public static let responseSigma = 0.6
    /// Added to the server's median time per KB of the response it sends. ASSUMED: producing,
    /// compressing and encrypting a response at about 0.5 GB/s, 2 µs per KB, so a 24 kB page
    /// takes 48 µs longer than a 1 kB answer and a 10 MB download 20 ms.
    public static let serverTimePerKB = SimDuration.microseconds(2)

    /// The distribution `request-bytes: N` (one size) means: log-normal around N.
    public static func requests(median: Int) -> SizeDistribution {
        median > 0 ? .logNormal(median: median, sigma: requestSigma) : .constant(0)
    }
    public static func responses(median: Int) -> SizeDistribution {
        median > 0 ? .logNormal(median: median, sigma: responseSigma) : .constant(0)
    }

    public init(
        name: String, label: UInt8 = 0, clients: [Peer], servers: [Peer], port: UInt16, tls: Bool = true,
        serverName: String? = nil, requests: ClosedRange<Int> = 1...1,
        requestSize: SizeDistribution = SessionSpec.requests(median: 600),
        responseSize: SizeDistribution = SessionSpec.responses(median: 4_000),
        serverTime: SimDuration = .milliseconds(5), think: SimDuration = .milliseconds(200),
        arrivals: ArrivalPattern, window: ActiveWindow = .always
    ) {
        self.name = name; self.label = label; self.clients = clients; self.servers = servers; self.port = port;
        self.tls = tls
        self.serverName = serverName; self.requests = requests; self.requestSize = requestSize;
        self.responseSize = responseSize
        self.serverTime = serverTime; self.think = think; self.arrivals = arrivals; self.window = window
    }
}

/// Single-SYN probes (a masscan-style scanner: no retransmission, no handshake).
public struct ScanSpec: Sendable {
    public var name: String
    public var label: UInt8
    public var scanner: Peer
    public var targets: [IPAddress]
    public var ports: [UInt16]
    /// Probes per second while active.
    public var rate: Double
    public var window: ActiveWindow
    /// Probe targets and ports in order (a sweep) or at random.
    public var sequential: Bool
    /// A sweep ends once every target and port has been probed, unless it repeats (a worm or a
    /// scanner that keeps cycling). Random probing always goes on for its window.
    public var repeats: Bool
    /// The scanner whose probes these are (Scanners.swift).
    public var tool: ScannerTool
    public init(
        name: String, label: UInt8, scanner: Peer, targets: [IPAddress], ports: [UInt16], rate: Double,
        window: ActiveWindow = .always, sequential: Bool = false, repeats: Bool = false, tool: ScannerTool = .nmap
    ) {
        self.name = name; self.label = label; self.scanner = scanner; self.targets = targets; self.ports = ports
        self.rate = rate; self.window = window; self.sequential = sequential; self.repeats = repeats
        self.tool = tool
    }

    /// Whether a sweep has probed everything it will: `sent` probes so far.
    func sweepDone(after sent: Int) -> Bool { sequential && !repeats && sent >= targets.count * ports.count }
}

/// ICMP echo requests (ping); hosts answer echo requests that reach them.
public struct PingSpec: Sendable {
    public var name: String
    public var label: UInt8
    public var from: Peer
    public var targets: [IPAddress]
    public var rate: Double
    public var window: ActiveWindow
    public init(
        name: String, label: UInt8 = 0, from: Peer, targets: [IPAddress], rate: Double, window: ActiveWindow = .always
    ) {
        self.name = name; self.label = label; self.from = from; self.targets = targets; self.rate = rate;
        self.window = window
    }
}

/// One generator of dataset traffic.
public enum TrafficSpec: Sendable {
    case sessions(SessionSpec)
    case scan(ScanSpec)
    case ping(PingSpec)

    public var name: String {
        switch self {
        case .sessions(let s): return s.name;
        case .scan(let s): return s.name;
        case .ping(let s): return s.name
        }
    }
    public var label: UInt8 {
        switch self {
        case .sessions(let s): return s.label;
        case .scan(let s): return s.label;
        case .ping(let s): return s.label
        }
    }
    var window: ActiveWindow {
        switch self {
        case .sessions(let s): return s.window;
        case .scan(let s): return s.window;
        case .ping(let s): return s.window
        }
    }
}

/// A generated client session.
struct Session: Sendable {
    enum Phase: Sendable, Equatable { case resolving, connecting, handshaking, requesting, closing }
    var spec: Int32
    var host: HostIndex
    var local: IPAddress
    var remote: IPAddress
    var socket: UInt32 = .max
    var connection: UInt32 = .max
    var remaining: Int32
    var phase: Phase = .connecting
    var dnsPort: UInt16 = 0
    var dnsPending: Int8 = 0
    var vpc: VPCIndex?
    var label: UInt8
}

/// What an episode of labelled traffic was, for the labels file.
public struct Episode: Sendable, Hashable {
    public var label: String
    public var generator: String
    public var start: SimTime
    public var end: SimTime
    public var sources: [String]
    public var destinations: [String]
    public var ports: [UInt16]
}

extension World {
    // MARK: Building

    /// Adds a traffic generator; servers of session generators start listening.
    public mutating func addTraffic(_ t: TrafficSpec) {
        let k = traffic.count
        traffic.append(t)
        trafficRandom.append(seeds.stream("traffic:" + t.name))
        trafficCursor.append(0)
        trafficActivity.append((nil, .zero))
        if case .sessions(let spec) = t {
            for s in spec.servers {
                let app: AppKind = spec.balancer == nil ? .sessionServer : .balancerFront
                tcp.listen(host: s.host, port: spec.port, owner: AppRef(app, object: UInt32(k)))
            }
            if let b = spec.balancer { listenTargets(b, generator: k, spec) }
            if let n = spec.serverName {
                // A load balancer's own name already answers with its nodes.
                if spec.balancer == nil || dnsRecords[n] == nil {
                    for a in spec.servers.flatMap(\.pool) { addAddressRecord(n, a) }
                } else {
                    _ = network.catalog.intern(name: n)
                }
            }
            if spec.tls { _ = network.catalog.intern(name: Self.sni(spec)) }
        }
    }

    /// A label's index (0 is "normal").
    public mutating func labelIndex(_ name: String) -> UInt8 {
        if let i = labels.firstIndex(of: name) { return UInt8(i) }
        precondition(labels.count < 255, "too many labels")
        labels.append(name)
        return UInt8(labels.count - 1)
    }

    /// The labelled episodes the generators produce (for the labels file).
    public var episodes: [Episode] {
        traffic.indices.compactMap { k -> Episode? in
            let t = traffic[k]
            guard t.label != 0, let first = trafficActivity[k].first else { return nil }
            let w = ActiveWindow(start: first, end: trafficActivity[k].last)
            switch t {
            case .sessions(let s):
                return Episode(
                    label: labels[Int(s.label)], generator: s.name, start: w.start, end: w.end,
                    sources: s.clients.flatMap(\.pool).map(\.description),
                    destinations: s.servers.flatMap(\.pool).map(\.description),
                    ports: [s.port])
            case .scan(let s):
                return Episode(
                    label: labels[Int(s.label)], generator: s.name, start: w.start, end: w.end,
                    sources: s.scanner.pool.map(\.description), destinations: s.targets.map(\.description),
                    ports: s.ports)
            case .ping(let s):
                return Episode(
                    label: labels[Int(s.label)], generator: s.name, start: w.start, end: w.end,
                    sources: s.from.pool.map(\.description), destinations: s.targets.map(\.description), ports: [])
            }
        }
    }

    // MARK: Arrivals

    mutating func scheduleTraffic(_ k: Int, first: Bool, _ s: inout Scheduler) {
        let t = traffic[k]
        let w = t.window
        var gap: SimDuration
        switch t {
        case .sessions(let spec):
            if spec.once {
                if first && w.start < workloadEnd {
                    s.schedule(at: max(w.start, s.now), EventPayload(AppEvent.generator, object: UInt32(k)))
                }
                return
            }
            guard let g = spec.arrivals.nextGap(first: first, randomPhase: false, &trafficRandom[k]) else { return }
            gap = g
        case .scan(let spec):
            guard spec.rate > 0, !spec.sweepDone(after: trafficCursor[k]) else { return }
            gap = SimDuration(seconds: trafficRandom[k].exponential(mean: 1 / spec.rate))
        case .ping(let spec):
            guard spec.rate > 0 else { return }
            gap = SimDuration(seconds: 1 / spec.rate)
        }
        var at = s.now + gap
        if first && at < w.start { at = w.start + gap }
        if at < w.end && at < workloadEnd {
            s.schedule(at: at, EventPayload(AppEvent.generator, object: UInt32(k)))
        }
    }

    mutating func trafficFires(_ k: Int, _ now: SimTime, _ s: inout Scheduler) {
        scheduleTraffic(k, first: false, &s)
        if trafficActivity[k].first == nil { trafficActivity[k].first = now }
        trafficActivity[k].last = max(trafficActivity[k].last, now)
        switch traffic[k] {
        case .sessions(let spec): startSession(k, spec, now, &s)
        case .scan(let spec): probe(k, spec, now, &s)
        case .ping(let spec): ping(k, spec, now, &s)
        }
    }

    func pick<T>(_ a: [T], _ r: inout RandomStream) -> T { a[Int(r.bounded(UInt64(a.count)))] }

    // MARK: Probes

    mutating func probe(_ k: Int, _ spec: ScanSpec, _ now: SimTime, _ s: inout Scheduler) {
        let source = pick(spec.scanner.pool, &trafficRandom[k])
        let target: IPAddress, port: UInt16
        if spec.sequential {
            let n = trafficCursor[k]
            if spec.sweepDone(after: n) { return }
            trafficCursor[k] += 1
            // nmap shuffles ports, masscan and zmap targets and ports: each once per pass.
            let i = spec.probeIndex(n, key: spec.scanKey(source))
            target = spec.targets[(i / spec.ports.count) % spec.targets.count]
            port = spec.ports[i % spec.ports.count]
        } else {
            target = pick(spec.targets, &trafficRandom[k])
            port = pick(spec.ports, &trafficRandom[k])
        }
        // Hops from an internet scanner as for its population's hosts (none from inside the VPC).
        let hops = scanHops(spec, source)
        var p = spec.probe(tool: spec.tool, from: source, to: target, port: port, hops: hops, &trafficRandom[k])
        p.label = spec.label
        network.transmit(p, from: spec.scanner.host, now: now, &s)
    }

    mutating func ping(_ k: Int, _ spec: PingSpec, _ now: SimTime, _ s: inout Scheduler) {
        let source = pick(spec.from.pool, &trafficRandom[k])
        let n = trafficCursor[k]
        trafficCursor[k] += 1
        var p = Self.echoRequest(
            from: source, to: spec.targets[n % spec.targets.count], identifier: UInt16(truncatingIfNeeded: 0x4000 + k),
            n: n)
        p.payloadLength = 56
        p.payload = .icmpEcho(seed: UInt64(n))
        p.label = spec.label
        network.transmit(p, from: spec.from.host, now: now, &s)
    }

    /// Linux answers an ICMP echo request with an echo reply carrying the same identifier,
    /// sequence number and data.
    mutating func icmpDelivered(_ p: Packet, to h: HostIndex, _ now: SimTime, _ s: inout Scheduler) {
        guard p.destinationPort >> 8 == 8 else { return } // only echo requests are answered
        let ipID = UInt16(truncatingIfNeeded: random.next())
        sendEchoReply(to: p, type: 0, protocolNumber: IPProtocol.icmp, ipID: ipID, from: h, now, &s)
    }
}
