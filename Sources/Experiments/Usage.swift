import SimCore
import NetModel
import Workloads
import Topology
import Capture
import Cost

/// The model's billing counters at one moment, so a run can measure them over a window: the
/// state at the end of the warm-up is subtracted from the state at the end.
struct UsageCounters: Sendable {
    var network = NetworkUsage()
    var natBytes: [UInt64] = []
    var invocations: [UInt64] = []
    var billedMilliseconds: [UInt64] = []
    var initNanoseconds: [Int64] = []
    var readUnitHalves: [UInt64] = []
    var writeUnitHalves: [UInt64] = []
    var transitions: [UInt64] = []
    var balancers: [BalancerCounters] = []

    init() {}

    init(_ w: World) {
        network = w.network.usage
        natBytes = w.network.nat.map(\.metrics.bytesProcessed)
        invocations = w.metrics.functions.map(\.invocations)
        billedMilliseconds = w.metrics.functions.map(\.billedMilliseconds)
        initNanoseconds = w.metrics.functions.map(\.initNanoseconds)
        readUnitHalves = w.metrics.calls.map(\.readUnitHalves)
        writeUnitHalves = w.metrics.calls.map(\.writeUnitHalves)
        transitions = w.metrics.stateMachines.map(\.stateTransitions)
        balancers = w.balancerCounters
    }

    /// `a - b` element by element (`b` may be shorter: counters that did not exist yet were 0).
    static func minus<T: BinaryInteger>(_ a: [T], _ b: [T]) -> [T] {
        a.indices.map { a[$0] - (b.indices.contains($0) ? b[$0] : 0) }
    }
    static func minus(_ a: ContiguousArray<UInt64>, _ b: ContiguousArray<UInt64>) -> [UInt64] {
        minus(Array(a), Array(b))
    }

    /// What the run measured after `baseline`, with the resources that exist, as `summary.json`
    /// reports it and `vpcsim cost` prices it.
    static func measured(
        _ w: World, since baseline: UsageCounters, scenario s: Scenario, warmup: SimDuration, session: CaptureSession
    ) -> MeasuredUsage {
        let end = UsageCounters(w)
        let net = w.network
        let zones = net.zones
        var crossAZ: [MeasuredUsage.ZonePair] = []
        let cross = minus(end.network.crossAZBytes, baseline.network.crossAZBytes)
        for a in zones.indices {
            for b in zones.indices where a != b && cross.indices.contains(a * zones.count + b) {
                let bytes = cross[a * zones.count + b]
                if bytes > 0 { crossAZ.append(.init(from: zones[a].name, to: zones[b].name, bytes: bytes)) }
            }
        }
        let nat = minus(end.natBytes, baseline.natBytes)
        let tgwBytes = minus(end.network.transitGatewayBytes, baseline.network.transitGatewayBytes)
        let endpointBytes = minus(end.network.gatewayEndpointBytes, baseline.network.gatewayEndpointBytes)
        let interfaceBytes = minus(end.network.interfaceEndpointBytes, baseline.network.interfaceEndpointBytes)
        let invocations = minus(end.invocations, baseline.invocations)
        let billed = minus(end.billedMilliseconds, baseline.billedMilliseconds)
        let inits = minus(end.initNanoseconds, baseline.initNanoseconds)
        let reads = minus(end.readUnitHalves, baseline.readUnitHalves)
        let writes = minus(end.writeUnitHalves, baseline.writeUnitHalves)
        let transitions = minus(end.transitions, baseline.transitions)
        // Each service of another Region: what was sent to it left this Region, what it sent left its own.
        let toHost = minus(end.network.interRegionBytesToHost, baseline.network.interRegionBytesToHost)
        let fromHost = minus(end.network.interRegionBytesFromHost, baseline.network.interRegionBytesFromHost)
        var interRegion: [MeasuredUsage.ZonePair] = []
        func add(_ from: String, _ to: String, _ bytes: UInt64) {
            guard bytes > 0 else { return }
            if let k = interRegion.firstIndex(where: { $0.from == from && $0.to == to }) {
                interRegion[k].bytes += bytes
            } else {
                interRegion.append(.init(from: from, to: to, bytes: bytes))
            }
        }
        for svc in w.services where svc.region != net.region && toHost.indices.contains(svc.host.int) {
            add(net.region, svc.region, toHost[svc.host.int])
            add(svc.region, net.region, fromHost[svc.host.int])
        }
        let names = w.metrics.callNames
        return MeasuredUsage(
            region: net.region, windowSeconds: (s.duration - warmup).seconds, warmupSeconds: warmup.seconds,
            flowLogWindowSeconds: s.duration.seconds,
            natGateways: net.natGateways.enumerated().map { i, g in
                .init(
                    id: g.id, availabilityZone: zones[net.subnets[g.subnet.int].zone.int].name, bytes: nat[i])
            },
            publicIPv4Addresses: net.natGateways.reduce(0) { $0 + $1.elasticIPs.count }
                + net.enis.filter { $0.publicIP != nil }.count,
            endpoints: net.gatewayEndpoints.enumerated().map { i, e in
                .init(id: e.id, service: e.service, type: "Gateway", availabilityZones: 0, bytes: endpointBytes[i])
            }
                + net.interfaceEndpoints.enumerated().map { i, e in
                    // Billed per AZ it has an ENI in (https://aws.amazon.com/privatelink/pricing/).
                    .init(
                        id: e.id, service: e.service, type: "Interface", availabilityZones: e.enis.count,
                        bytes: interfaceBytes[i])
                },
            crossAZ: crossAZ,
            internetEgressBytes: end.network.internetEgressBytes - baseline.network.internetEgressBytes,
            functions: w.functions.enumerated().map { i, f in
                .init(
                    name: f.name, architecture: f.architecture.rawValue, memoryMB: f.memoryMB,
                    invocations: invocations[i], billedMilliseconds: billed[i], initMilliseconds: Double(inits[i]) / 1e6
                )
            },
            dynamodb: names.indices.compactMap { k in
                guard reads[k] > 0 || writes[k] > 0 else { return nil }
                return .init(
                    call: names[k], readRequestUnits: Double(reads[k]) / 2, writeRequestUnits: Double(writes[k]) / 2)
            },
            stateMachines: w.stateMachines.enumerated().map { i, m in
                .init(name: m.name, stateTransitions: transitions[i])
            },
            flowLogs: session.flowLogs.map { f in
                let destination: String
                switch f.aggregator.config.destination {
                case .s3: destination = "s3"
                case .cloudWatchLogs: destination = "cloudwatch-logs"
                }
                return .init(
                    id: f.aggregator.config.id, destination: destination, bytes: f.destination.deliveredBytes,
                    records: f.aggregator.records)
            },
            transitGatewayAttachments: net.transitGatewayAttachments.isEmpty
                ? nil
                : net.transitGatewayAttachments.enumerated().map { i, a in
                    .init(id: a.id, transitGateway: net.transitGateways[a.transitGateway.int].id, bytes: tgwBytes[i])
                },
            interRegion: interRegion.isEmpty ? nil : interRegion,
            loadBalancers: net.loadBalancers.isEmpty
                ? nil
                : net.loadBalancers.indices.map { i in
                    let e = end.balancers.indices.contains(i) ? end.balancers[i] : BalancerCounters()
                    let b = baseline.balancers.indices.contains(i) ? baseline.balancers[i] : BalancerCounters()
                    // The peak is the window's own only when the warm-up saw a lower one; assumed
                    // close enough (connections last seconds, windows minutes).
                    return .init(
                        name: net.loadBalancers[i].name, newConnections: e.newConnections - b.newConnections,
                        peakActiveConnections: e.peakActiveConnections,
                        processedBytes: e.processedBytes - b.processedBytes)
                })
    }
}
