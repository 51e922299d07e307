import SimCore
import Wire
import NetModel

/// One flow's counters within one aggregation window.
struct FlowAccumulator {
    var packet: Packet // the first packet (addresses, ports, protocol)
    var direction: TrafficDirection
    var accepted: Bool
    var path: EgressPath
    var packets: UInt64
    var bytes: UInt64
    var first: SimTime
    var last: SimTime
    var flags: UInt8
    var label: UInt8
}

/// Aggregates one flow log's records: per ENI, per capture window, per 5-tuple, direction and
/// action (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html). Each closed window becomes typed
/// records (``FlowLogRecord``), handed in one batch to every sink.
public final class FlowLogAggregator {
    public let config: FlowLogConfig
    let epochNanoseconds: Int64
    /// Where the records go, each called once per batch.
    public let sinks: [any FlowLogSink]
    /// Per ENI: covered by this flow log, window length and phase.
    public let coverage: [Bool]
    var windowLength: [Int64]
    var windowStart: [Int64]
    var everActive: [Bool]
    var tables: [FlowTable<Int32>]
    var flows: [[FlowAccumulator]]
    var skipped: [UInt64]
    /// Per ENI, what its records' `srcaddr`/`dstaddr` and `traffic-path` depend on.
    let addresses: [ENIAddresses]
    /// A transit gateway flow log's windows (nil for a VPC flow log).
    var transitGateway: TransitGatewayFlowWindows?
    /// The records of the window being emitted.
    var batch: [FlowLogRecord] = []
    public internal(set) var records: UInt64 = 0
    public private(set) var skipdataRecords: UInt64 = 0
    public private(set) var nodataRecords: UInt64 = 0
    #if DEBUG
        /// Packets of the emitted records, per ENI and 5-tuple (debug builds' invariant check).
        public private(set) var emittedPackets: [DebugFlow: UInt64] = [:]
    #endif

    public init(
        config: FlowLogConfig, directory: NetworkDirectory, epochNanoseconds: Int64, seed: UInt64,
        sinks: [any FlowLogSink]
    ) {
        self.config = config
        self.epochNanoseconds = epochNanoseconds
        self.sinks = sinks
        let n = directory.enis.count
        coverage = (0..<n).map { config.resource.covers(eni: directory.enis[$0], at: ENIIndex($0)) }
        windowLength = (0..<n).map { i in
            let nitro = directory.enis[i].nitro
            return Int64(nitro ? min(config.maxAggregationInterval, 60) : config.maxAggregationInterval) * 1_000_000_000
        }
        // Capture windows are not aligned to the clock: each ENI gets its own phase (the records in
        // https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html start at :50 and :16).
        windowStart = (0..<n).map { i in
            let phase = SplitMix64.value(seed: seed, index: UInt64(i) &+ 0xF10) % UInt64(60_000_000_000)
            return -Int64(phase)
        }
        everActive = Array(repeating: false, count: n)
        tables = (0..<n).map { _ in FlowTable<Int32>(capacity: 16) }
        flows = Array(repeating: [], count: n)
        skipped = Array(repeating: 0, count: n)
        addresses = directory.enis.map(ENIAddresses.init)
        if config.resource.kind == .transitGateway {
            transitGateway = TransitGatewayFlowWindows(config: config, directory: directory, seed: seed)
        }
    }

    /// An aggregator delivering to the flow log's destination, below `outputDirectory`.
    public convenience init(
        config: FlowLogConfig, directory: NetworkDirectory, epochNanoseconds: Int64, seed: UInt64,
        outputDirectory: String
    ) {
        let context = FlowLogSinkContext(
            config: config, directory: directory, seed: seed, outputDirectory: outputDirectory)
        self.init(
            config: config, directory: directory, epochNanoseconds: epochNanoseconds, seed: seed,
            sinks: [config.destination.makeSink(context)])
    }

    /// Records one tap.
    public func observe(_ t: TapRecord) throws {
        let e = t.eni.int
        guard coverage[e], t.logged else { return }
        switch config.trafficType {
        case .accept: if !t.accepted { return }
        case .reject: if t.accepted { return }
        case .all: break
        }
        try roll(e, to: t.time.nanoseconds)
        everActive[e] = true
        var key = t.packet.flow
        key.portsAndProtocol |= UInt64(t.direction.rawValue) << 40 | (t.accepted ? 1 << 41 : 0)
        let size = UInt64(t.packet.ipTotalLength)
        var f = UInt8(
            t.packet.tcpFlags.rawValue & (TCPFlags.fin.rawValue | TCPFlags.syn.rawValue | TCPFlags.rst.rawValue))
        // SYN-ACK is reported as 18; ACK alone is never reported
        // (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html, `tcp-flags`).
        if t.packet.tcpFlags.contains(.syn) && t.packet.tcpFlags.contains(.ack) { f |= TCPFlags.ack.rawValue }
        if let i = tables[e][key] {
            // One access to the accumulator (each `flows[e][i].x` would be a checked access of
            // the class's property and a uniqueness check of both arrays).
            Self.add(to: &flows[e][Int(i)], time: t.time, size: size, flags: f, label: t.packet.label)
            return
        }
        if let cap = config.maxFlowsPerWindow, flows[e].count >= cap {
            skipped[e] += 1
            return
        }
        tables[e].insert(key, Int32(flows[e].count))
        flows[e].append(
            FlowAccumulator(
                packet: t.packet, direction: t.direction, accepted: t.accepted, path: t.path,
                packets: 1, bytes: size, first: t.time, last: t.time, flags: f, label: t.packet.label))
    }

    @inline(__always)
    static func add(to a: inout FlowAccumulator, time: SimTime, size: UInt64, flags: UInt8, label: UInt8) {
        a.packets += 1
        a.bytes += size
        a.last = time
        a.flags |= flags
        if label > a.label { a.label = label }
    }

    /// Closes every window that has ended by `now` (time passes for ENIs without traffic too).
    ///
    /// A long stretch (a drain of days with nothing but NODATA) is rolled an hour at a time,
    /// telling the sinks after each hour, so that files whose periods are over close as time
    /// passes: all at once, every period's file would be open together, and memory and open
    /// files would grow with the stretch's length.
    public func advance(to now: SimTime) throws {
        while now.nanoseconds - advanced > Self.rollStep {
            try advanceAll(to: advanced + Self.rollStep)
        }
        try advanceAll(to: now.nanoseconds)
    }

    /// The longest stretch rolled before the sinks hear of it: one hour.
    static let rollStep: Int64 = 3_600_000_000_000
    /// How far `advance` has rolled.
    var advanced: Int64 = 0

    func advanceAll(to t: Int64) throws {
        for e in coverage.indices where coverage[e] { try roll(e, to: t) }
        if transitGateway != nil { try rollTransitGateway(to: t) }
        advanced = max(advanced, t)
        let unixNow = epochNanoseconds / 1_000_000_000 + t / 1_000_000_000
        for s in sinks { try s.advance(toUnixSeconds: unixNow) }
    }

    /// Emits what every open window holds and finishes every sink.
    public func finish(at now: SimTime) throws {
        while now.nanoseconds - advanced > Self.rollStep { try advanceAll(to: advanced + Self.rollStep) }
        for e in coverage.indices where coverage[e] {
            try roll(e, to: now.nanoseconds)
            if !flows[e].isEmpty || skipped[e] > 0 { try emit(e, windowEnd: now.nanoseconds) }
        }
        if transitGateway != nil { try finishTransitGateway(at: now.nanoseconds) }
        for s in sinks { try s.finish() }
    }

    public func abandon() {
        for s in sinks { s.abandon() }
    }

    func roll(_ e: Int, to t: Int64) throws {
        let len = windowLength[e]
        while t >= windowStart[e] + len {
            let end = windowStart[e] + len
            if !flows[e].isEmpty || skipped[e] > 0 {
                try emit(e, windowEnd: end)
            } else if everActive[e] && windowStart[e] >= 0 {
                try emitNoData(e, from: windowStart[e], to: end)
            }
            windowStart[e] = end
            if !everActive[e] && t - windowStart[e] > len {
                // Nothing has ever been seen on this ENI: skip ahead without emitting.
                windowStart[e] += (t - windowStart[e]) / len * len
            }
        }
    }

    @inline(__always) func unixSeconds(_ t: Int64) -> Int64 { (epochNanoseconds + t) / 1_000_000_000 }

    /// The window's flows as records, then a SKIPDATA record if flows were left out.
    func emit(_ e: Int, windowEnd: Int64) throws {
        batch.removeAll(keepingCapacity: true)
        let a = addresses[e]
        for f in flows[e] { batch.append(record(ENIIndex(e), a, f)) }
        #if DEBUG
            for f in flows[e] { emittedPackets[DebugFlow(eni: Int32(e), flow: f.packet.flow), default: 0] += f.packets }
        #endif
        records += UInt64(flows[e].count)
        if skipped[e] > 0 {
            batch.append(
                FlowLogRecord(
                    status: .skipData, eni: ENIIndex(e), start: unixSeconds(windowStart[e]), end: unixSeconds(windowEnd)
                ))
            skipdataRecords += 1
            skipped[e] = 0
        }
        try deliver()
        flows[e].removeAll(keepingCapacity: true)
        tables[e].removeAll()
    }

    func emitNoData(_ e: Int, from: Int64, to: Int64) throws {
        batch.removeAll(keepingCapacity: true)
        batch.append(FlowLogRecord(status: .noData, eni: ENIIndex(e), start: unixSeconds(from), end: unixSeconds(to)))
        nodataRecords += 1
        try deliver()
    }

    func deliver() throws {
        try batch.withUnsafeBufferPointer { b in
            for s in sinks { try s.write(b) }
        }
    }

    /// The record of one flow, its fields as the interface reports them (`srcaddr`/`dstaddr`,
    /// see ``FlowLogRecord``; ports zero for ICMP).
    @inline(__always)
    func record(_ eni: ENIIndex, _ a: ENIAddresses, _ f: FlowAccumulator) -> FlowLogRecord {
        let p = f.packet
        var src = p.source, dst = p.destination
        if f.direction == .egress {
            if !a.owns(src) { src = a.primary(p.isIPv4, or: src) }
        } else {
            dst = a.primary(p.isIPv4, or: dst)
        }
        let icmp = p.isICMP
        return FlowLogRecord(
            eni: eni, srcaddr: src, dstaddr: dst, pktSrcaddr: p.source, pktDstaddr: p.destination,
            srcport: icmp ? 0 : p.sourcePort, dstport: icmp ? 0 : p.destinationPort, protocolNumber: p.protocolNumber,
            tcpFlags: f.flags, action: f.accepted ? .accept : .reject, direction: f.direction,
            trafficPath: f.direction == .egress ? Self.trafficPath(a.nitro, f.path) : .none, label: f.label,
            packets: f.packets, bytes: f.bytes, start: unixSeconds(f.first.nanoseconds),
            end: unixSeconds(f.last.nanoseconds))
    }

    /// `traffic-path` of an egress record (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html): 1
    /// within the VPC; through an internet gateway 8 from a Nitro instance, else 2; through a gateway endpoint 7 from a
    /// Nitro instance, else 2; over a peering connection 4. For Lambda and NAT gateway ENIs AWS documents no code;
    /// they are not instances, so they get the generic 1/2.
    static func trafficPath(_ nitro: Bool, _ path: EgressPath) -> FlowLogTrafficPath {
        switch path {
        case .unknown: return .none
        case .withinVPC: return .withinVPC
        case .internetGateway: return nitro ? .internetGateway : .internetGatewayOrGatewayEndpoint
        case .gatewayEndpoint: return nitro ? .gatewayEndpoint : .internetGatewayOrGatewayEndpoint
        case .peering: return .peering
        // AWS lists no code for an egress-only internet gateway; it is an internet gateway for
        // IPv6 out, so its codes are taken (assumed).
        case .egressOnlyInternetGateway: return nitro ? .internetGateway : .internetGatewayOrGatewayEndpoint
        }
    }
}

/// An ENI's addresses and whether it is Nitro-based, as its records need them.
struct ENIAddresses {
    /// The primary private address: IPv4, or IPv6 on an ENI in an IPv6-only subnet (which
    /// carries no IPv4, so `primary(true, …)` never reads it there).
    var primary: IPAddress
    /// The primary IPv6 address, if the ENI has one.
    var primary6: IPAddress?
    /// Secondary IPv4 and all IPv6 addresses.
    var others: [IPAddress]
    var nitro: Bool
    init(_ eni: ENI) {
        primary = eni.privateIP; primary6 = eni.ipv6Addresses.first
        others = eni.secondaryIPs + eni.ipv6Addresses; nitro = eni.nitro
    }
    @inline(__always) func owns(_ a: IPAddress) -> Bool { a == primary || others.contains(a) }
    /// The ENI's own address as records show it for traffic of a family. An ENI without an IPv6
    /// address that carries IPv6 (a NAT gateway's, doing NAT64) keeps the packet's address
    /// (assumed: AWS documents the substitution for the interface's own address only, and such
    /// an interface has none of that family).
    @inline(__always) func primary(_ ipv4: Bool, or packetAddress: IPAddress) -> IPAddress {
        ipv4 ? primary : (primary6 ?? packetAddress)
    }
}

/// An ENI and a 5-tuple, for debug builds' check that flow logs count the packets the pcaps hold.
public struct DebugFlow: Hashable, Sendable {
    public var eni: Int32
    public var flow: FlowKey
}
