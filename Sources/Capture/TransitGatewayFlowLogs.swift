import SimCore
import Wire
import NetModel

// Transit gateway flow logs (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html): what a
// transit gateway saw at each attachment — a packet entering it (`flow-direction` ingress, from
// the attachment) and leaving it (egress, to the attachment) — aggregated per attachment over
// 60-second windows (the only aggregation interval AWS accepts for them,
// https://docs.aws.amazon.com/vpc/latest/tgw/flow-logs-api-cli.html), per 5-tuple, direction and
// the pair of attachment interfaces, into ``TransitGatewayFlowLogRecord``s carrying the version 6
// fields. The records go through the flow log's ordinary sink (S3 files or CloudWatch Logs streams).
//
// What AWS does not spell out, assumed here:
// - `packets` and `bytes` count every packet the attachment received or sent, and the
//   `packets-lost-*` counters how many of them the gateway then dropped (a flow whose packets all
//   hit a blackhole route is one record with its packets counted, not a record of zeros);
// - an attachment with no traffic in a window writes nothing (AWS documents NODATA for network
//   interfaces only);
// - `srcaddr`/`dstaddr` are the packet's own addresses (the gateway owns none of them).

/// One flow's counters at one attachment within one window.
struct TransitGatewayFlowAccumulator {
    var packet: Packet
    var direction: TrafficDirection
    var sourceENI: Int32
    var destinationENI: Int32
    var pair: Int32
    var packets: UInt64
    var bytes: UInt64
    var lostNoRoute: UInt32
    var lostBlackhole: UInt32
    var first: SimTime
    var last: SimTime
    var flags: UInt8
    var label: UInt8
}

struct TransitGatewayFlowKey: Hashable {
    var flow: FlowKey
    var direction: UInt8
    var sourceENI: Int32
    var destinationENI: Int32
}

/// Per attachment: whether the flow log covers it, its window and its flows (in order of first
/// packet, so emission order never depends on hashing).
struct TransitGatewayFlowWindows {
    static let windowLength: Int64 = 60_000_000_000
    var coverage: [Bool]
    var windowStart: [Int64]
    var flows: [[TransitGatewayFlowAccumulator]]
    var index: [[TransitGatewayFlowKey: Int]]
    /// The records of the window being emitted.
    var batch: [TransitGatewayFlowLogRecord] = []

    init(config: FlowLogConfig, directory: NetworkDirectory, seed: UInt64) {
        let attachments = directory.transitGatewayAttachments
        coverage = attachments.indices.map {
            config.resource.covers(attachment: attachments[$0], at: TransitGatewayAttachmentIndex($0))
        }
        // As for network interfaces, windows are not aligned to the clock: each attachment has its
        // own phase (assumed, as for VPC flow logs).
        windowStart = attachments.indices.map { i in
            -Int64(SplitMix64.value(seed: seed, index: UInt64(i) &+ 0x7A6) % UInt64(Self.windowLength))
        }
        flows = Array(repeating: [], count: attachments.count)
        index = Array(repeating: [:], count: attachments.count)
    }
}

extension FlowLogAggregator {
    /// Records what a transit gateway saw (ignored unless this is a transit gateway flow log
    /// covering the attachment).
    public func observe(_ t: TransitGatewayTapRecord) throws {
        guard transitGateway != nil, transitGateway!.coverage[t.attachment.int] else { return }
        let a = t.attachment.int
        try rollTransitGateway(a, to: t.time.nanoseconds)
        let key = TransitGatewayFlowKey(
            flow: t.packet.flow, direction: t.direction.rawValue, sourceENI: Int32(t.sourceENI.int),
            destinationENI: Int32(t.destinationENI?.int ?? -1))
        var f = UInt8(
            t.packet.tcpFlags.rawValue & (TCPFlags.fin.rawValue | TCPFlags.syn.rawValue | TCPFlags.rst.rawValue))
        if t.packet.tcpFlags.contains(.syn) && t.packet.tcpFlags.contains(.ack) { f |= TCPFlags.ack.rawValue }
        let size = UInt64(t.packet.ipTotalLength)
        let noRoute: UInt32 = t.loss == .noRoute ? 1 : 0
        let blackhole: UInt32 = t.loss == .blackhole ? 1 : 0
        if let i = transitGateway!.index[a][key] {
            transitGateway!.flows[a][i].packets += 1
            transitGateway!.flows[a][i].bytes += size
            transitGateway!.flows[a][i].lostNoRoute += noRoute
            transitGateway!.flows[a][i].lostBlackhole += blackhole
            transitGateway!.flows[a][i].last = t.time
            transitGateway!.flows[a][i].flags |= f
            transitGateway!.flows[a][i].label = max(transitGateway!.flows[a][i].label, t.packet.label)
            return
        }
        transitGateway!.index[a][key] = transitGateway!.flows[a].count
        transitGateway!.flows[a].append(
            TransitGatewayFlowAccumulator(
                packet: t.packet, direction: t.direction, sourceENI: key.sourceENI,
                destinationENI: key.destinationENI, pair: Int32(t.pair?.int ?? -1), packets: 1, bytes: size,
                lostNoRoute: noRoute, lostBlackhole: blackhole, first: t.time, last: t.time, flags: f,
                label: t.packet.label))
    }

    /// Closes every covered attachment's windows that ended by `t`.
    func rollTransitGateway(to t: Int64) throws {
        guard let w = transitGateway else { return }
        for a in w.coverage.indices where w.coverage[a] { try rollTransitGateway(a, to: t) }
    }

    func rollTransitGateway(_ a: Int, to t: Int64) throws {
        let len = TransitGatewayFlowWindows.windowLength
        while t >= transitGateway!.windowStart[a] + len {
            if !transitGateway!.flows[a].isEmpty { try emitTransitGateway(a) }
            transitGateway!.windowStart[a] += max(1, (t - transitGateway!.windowStart[a]) / len) * len
        }
    }

    func finishTransitGateway(at t: Int64) throws {
        guard let w = transitGateway else { return }
        for a in w.coverage.indices where w.coverage[a] {
            try rollTransitGateway(a, to: t)
            if !transitGateway!.flows[a].isEmpty { try emitTransitGateway(a) }
        }
    }

    func emitTransitGateway(_ a: Int) throws {
        var batch = transitGateway!.batch
        transitGateway!.batch = []
        batch.removeAll(keepingCapacity: true)
        for f in transitGateway!.flows[a] {
            let p = f.packet
            let icmp = p.isICMP
            let r = FlowLogRecord(
                eni: ENIIndex(Int(f.sourceENI)), srcaddr: p.source, dstaddr: p.destination, pktSrcaddr: p.source,
                pktDstaddr: p.destination, srcport: icmp ? 0 : p.sourcePort, dstport: icmp ? 0 : p.destinationPort,
                protocolNumber: p.protocolNumber, tcpFlags: f.flags, action: .accept, direction: f.direction,
                trafficPath: .none, label: f.label, packets: f.packets, bytes: f.bytes,
                start: unixSeconds(f.first.nanoseconds), end: unixSeconds(f.last.nanoseconds))
            let x = TransitGatewayRecordFields(
                attachment: Int32(a), pair: f.pair, destinationENI: f.destinationENI, lostNoRoute: f.lostNoRoute,
                lostBlackhole: f.lostBlackhole)
            batch.append(TransitGatewayFlowLogRecord(flow: r, transitGateway: x))
        }
        records += UInt64(transitGateway!.flows[a].count)
        transitGateway!.flows[a].removeAll(keepingCapacity: true)
        transitGateway!.index[a].removeAll(keepingCapacity: true)
        defer { transitGateway!.batch = batch }
        try batch.withUnsafeBufferPointer { b in
            for s in sinks { try s.write(transitGateway: b) }
        }
    }

    /// Per attachment: whether this flow log covers it (the model then records what its transit
    /// gateway sees).
    public var transitGatewayCoverage: [Bool] { transitGateway?.coverage ?? [] }
}

/// The per-record ids of transit gateway records, rendered once: per attachment its id and its
/// gateway's, per network interface its id, subnet, VPC, VPC owner and zone id.
struct TransitGatewayText {
    var attachment: [Span] = []
    var gateway: [Span] = []
    var account: [Span] = []
    var eni: [Span] = []
    var subnet: [Span] = []
    var vpc: [Span] = []
    var vpcAccount: [Span] = []
    var zone: [Span] = []
    var resourceType: Span
    init(_ d: NetworkDirectory, _ pool: TextPool) {
        // `resource-type`: "TransitGatewayAttachment" for transit gateway flow logs' records
        // (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html, field resource-type).
        resourceType = pool.span("TransitGatewayAttachment")
        for a in d.transitGatewayAttachments {
            attachment.append(pool.span(a.id))
            gateway.append(pool.span(d.transitGateways[a.transitGateway.int].id))
            account.append(pool.span(d.transitGateways[a.transitGateway.int].accountID))
        }
        for e in d.enis {
            eni.append(pool.span(e.id))
            subnet.append(pool.span(d.subnets[e.subnet.int].id))
            vpc.append(pool.span(d.vpcs[e.vpc.int].id))
            vpcAccount.append(pool.span(d.vpcs[e.vpc.int].accountID))
            zone.append(pool.span(d.zones[d.subnets[e.subnet.int].zone.int].id))
        }
    }
}

extension FlowLogTextFormat {
    /// A transit gateway record's text: each field of the format in order, `-` for the
    /// destination's ids and the pair attachment when the packets were lost
    /// (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html, "Transit Gateway Flow Log records").
    /// `packets-lost-mtu-exceeded` and `packets-lost-ttl-expired` are 0: the model's transit gateway
    /// drops for neither.
    public func render(_ record: TransitGatewayFlowLogRecord, into line: RecordLine) {
        line.removeAll()
        let r = record.flow, x = record.transitGateway, t = transitGatewayText
        let a = Int(x.attachment), s = r.eni.int, d = Int(x.destinationENI)
        var w = line.writer()
        for k in 0..<fieldCount {
            if k > 0 { w.byte(0x20) }
            switch fields[k] {
            case .version: w.bytes(words.version)
            case .resourceType: w.bytes(t.resourceType)
            case .accountID: w.bytes(t.account[a])
            case .tgwID: w.bytes(t.gateway[a])
            case .tgwAttachmentID: w.bytes(t.attachment[a])
            case .tgwSrcVPCAccountID: w.bytes(t.vpcAccount[s])
            case .tgwDstVPCAccountID: if d >= 0 { w.bytes(t.vpcAccount[d]) } else { w.byte(0x2D) }
            case .tgwSrcVPCID: w.bytes(t.vpc[s])
            case .tgwDstVPCID: if d >= 0 { w.bytes(t.vpc[d]) } else { w.byte(0x2D) }
            case .tgwSrcSubnetID: w.bytes(t.subnet[s])
            case .tgwDstSubnetID: if d >= 0 { w.bytes(t.subnet[d]) } else { w.byte(0x2D) }
            case .tgwSrcENI: w.bytes(t.eni[s])
            case .tgwDstENI: if d >= 0 { w.bytes(t.eni[d]) } else { w.byte(0x2D) }
            case .tgwSrcAZID: w.bytes(t.zone[s])
            case .tgwDstAZID: if d >= 0 { w.bytes(t.zone[d]) } else { w.byte(0x2D) }
            case .tgwPairAttachmentID: if x.pair >= 0 { w.bytes(t.attachment[Int(x.pair)]) } else { w.byte(0x2D) }
            case .srcaddr: w.ip(r.srcaddr)
            case .dstaddr: w.ip(r.dstaddr)
            case .srcport: w.decimal(UInt64(r.srcport))
            case .dstport: w.decimal(UInt64(r.dstport))
            case .protocol: w.decimal(UInt64(r.protocolNumber))
            case .packets: w.decimal(r.packets)
            case .bytes: w.decimal(r.bytes)
            case .start: w.decimal(UInt64(r.start))
            case .end: w.decimal(UInt64(r.end))
            case .logStatus: w.bytes(words.ok)
            case .type: w.bytes(r.family == .ipv4 ? words.ipv4 : words.ipv6)
            case .packetsLostNoRoute: w.decimal(UInt64(x.lostNoRoute))
            case .packetsLostBlackhole: w.decimal(UInt64(x.lostBlackhole))
            case .packetsLostMTUExceeded, .packetsLostTTLExpired: w.byte(0x30)
            case .tcpFlags:
                if r.protocolNumber == IPProtocol.tcp { w.decimal(UInt64(r.tcpFlags)) } else { w.byte(0x2D) }
            case .region: w.bytes(words.region)
            case .flowDirection: w.bytes(r.direction == .egress ? words.egress : words.ingress)
            case .pktSrcAWSService:
                if let k = services.lookup(r.pktSrcaddr) { w.bytes(serviceText[k]) } else { w.byte(0x2D) }
            case .pktDstAWSService:
                if let k = services.lookup(r.pktDstaddr) { w.bytes(serviceText[k]) } else { w.byte(0x2D) }
            default: w.byte(0x2D)
            }
        }
        w.byte(0x0A)
        line.commit(w)
    }
}
