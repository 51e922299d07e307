import Cost
import Topology
import Workloads

/// What one run of an experiment keeps (and the cache stores): its measured usage and every
/// call it completed.
struct RunRecord: Codable, Sendable {
    struct Request: Codable, Sendable {
        /// Call (index into `callNames`), start and latency in nanoseconds, flags: 1 = new
        /// connection, 2 = failed.
        var c: Int32
        var s: Int64
        var l: Int64
        var f: UInt8
    }
    var usage: MeasuredUsage
    var callNames: [String]
    var requests: [Request]
    var coldStarts: UInt64
    var invocations: UInt64

    init(_ r: RunResult) {
        usage = r.summary.usage
        callNames = r.callNames
        requests = r.requests.map {
            Request(
                c: $0.call, s: $0.start.nanoseconds, l: $0.latency.nanoseconds,
                f: ($0.newConnection ? 1 : 0) | ($0.failed ? 2 : 0))
        }
        coldStarts = r.summary.functions.reduce(0) { $0 + $1.coldStarts }
        invocations = r.summary.functions.reduce(0) { $0 + $1.invocations }
    }
}

/// `results.json`: the experiment, its parameters, and per variant and point the latency with
/// confidence intervals, the monthly cost item by item, and what was measured.
public struct ExperimentResults: Codable, Sendable {
    public struct Parameter: Codable, Sendable {
        public var name: String
        public var unit: String
        public var values: [String]
        public var numbers: [Double?]
    }
    public struct Latency: Codable, Sendable {
        /// Means over seeds of each seed's percentile (ms).
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var mean: Double
        /// 95 % confidence intervals of those means over the seeds (null with one seed).
        public var p50Ci95: [Double]?
        public var p90Ci95: [Double]?
        public var p99Ci95: [Double]?
        /// Percentiles of all seeds' requests together.
        public var pooledP50: Double
        public var pooledP99: Double
    }
    public struct CostItem: Codable, Sendable {
        public var item: String
        public var title: String
        public var kind: String
        public var quantity: Double
        public var unit: String
        public var unitUsd: Double
        public var monthlyUsd: Double
        public var source: String?
        public var verified: Bool
        public var priced: Bool
    }
    public struct Cost: Codable, Sendable {
        public var monthlyUsd: Double
        public var fixedMonthlyUsd: Double
        public var usageMonthlyUsd: Double
        public var monthlyUsdCi95: [Double]?
        public var items: [CostItem]
        /// How the measured window became a month.
        public var scaling: String
    }
    public struct Measured: Codable, Sendable {
        /// Means over seeds, in the measured window (after the warm-up).
        public var windowSeconds: Double
        public var natGatewayBytes: Double
        public var crossAzBytes: Double
        public var internetEgressBytes: Double
        public var endpointBytes: Double
        public var lambdaRequests: Double
        public var lambdaGbSeconds: Double
        public var dynamodbReadUnits: Double
        public var dynamodbWriteUnits: Double
        public var stepFunctionsTransitions: Double
        /// Over the whole workload (flow-log windows do not line up with the warm-up).
        public var flowLogBytes: Double
    }
    public struct Seed: Codable, Sendable {
        public var seed: UInt64
        public var requests: Int
        public var errors: Int
        public var newConnections: Int
        public var coldStarts: UInt64
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var mean: Double
        public var monthlyUsd: Double
    }
    public struct Point: Codable, Sendable {
        public var parameters: [String: String]
        public var seeds: [UInt64]
        public var latencyMs: Latency
        public var requests: Int
        public var errors: Int
        public var newConnections: Int
        public var cost: Cost
        public var measured: Measured
        public var perSeed: [Seed]
    }
    public struct Variant: Codable, Sendable {
        public var name: String
        public var description: String
        public var points: [Point]
    }

    public var experiment: String
    public var description: String
    public var vpcsimVersion: String
    public var region: String
    public var hoursPerMonth: Double
    public var durationSeconds: Double
    public var warmupSeconds: Double
    public var seeds: [UInt64]
    /// The calls whose latencies are reported (every call when the file names none).
    public var calls: [String]
    public var parameters: [Parameter]
    public var variants: [Variant]
}

extension ExperimentResults {
    /// One point of one variant from its runs (one per seed, in the spec's seed order).
    static func point(
        _ spec: ExperimentSpec, _ point: ExperimentSpec.Point, runs: [RunRecord], catalog: PriceCatalog, region: String
    ) throws -> Point {
        let warmup = spec.warmup.nanoseconds
        var seeds: [Seed] = []
        var pooled: [Double] = []
        var costs: [CostBreakdown] = []
        for (k, r) in runs.enumerated() {
            let wanted = Set(r.callNames.indices.filter { spec.calls.isEmpty || spec.calls.contains(r.callNames[$0]) })
            let measured = r.requests.filter { $0.s >= warmup && wanted.contains(Int($0.c)) }
            let ok = measured.filter { $0.f & 2 == 0 }.map { Double($0.l) / 1e6 }.sorted()
            pooled += ok
            // Each run is priced in its own Region (a sweep over `region` prices each point where it
            // ran) unless the experiment names one for all.
            let cost = try Pricing.price(r.usage, catalog: catalog, region: spec.pricingRegion ?? r.usage.region)
            costs.append(cost)
            seeds.append(
                Seed(
                    seed: spec.seeds[k], requests: measured.count, errors: measured.filter { $0.f & 2 != 0 }.count,
                    newConnections: measured.filter { $0.f & 1 != 0 }.count, coldStarts: r.coldStarts,
                    p50: Statistics.quantile(sorted: ok, 0.5), p90: Statistics.quantile(sorted: ok, 0.9),
                    p99: Statistics.quantile(sorted: ok, 0.99), mean: Statistics.mean(ok), monthlyUsd: cost.monthlyUSD))
        }
        pooled.sort()
        func ci(_ xs: [Double]) -> [Double]? { Statistics.confidenceInterval95(xs).map { [$0.lower, $0.upper] } }
        let latency = Latency(
            p50: Statistics.mean(seeds.map(\.p50)), p90: Statistics.mean(seeds.map(\.p90)),
            p99: Statistics.mean(seeds.map(\.p99)), mean: Statistics.mean(seeds.map(\.mean)),
            p50Ci95: ci(seeds.map(\.p50)), p90Ci95: ci(seeds.map(\.p90)), p99Ci95: ci(seeds.map(\.p99)),
            pooledP50: Statistics.quantile(sorted: pooled, 0.5), pooledP99: Statistics.quantile(sorted: pooled, 0.99))
        // Each item's mean over seeds (an item a seed did not bill counts 0 for it).
        var order: [String] = []
        var byItem: [String: [CostLine]] = [:]
        for c in costs {
            for l in c.lines {
                if byItem[l.item] == nil { order.append(l.item) }
                byItem[l.item, default: []].append(l)
            }
        }
        let n = Double(max(costs.count, 1))
        let items = BillItem.standard.map(\.id).filter { byItem[$0] != nil }.map { id -> CostItem in
            let ls = byItem[id]!
            return CostItem(
                item: id, title: ls[0].title, kind: ls[0].kind.rawValue,
                quantity: ls.reduce(0) { $0 + $1.quantity } / n,
                unit: ls[0].unit, unitUsd: ls[0].unitUSD, monthlyUsd: ls.reduce(0) { $0 + $1.monthlyUSD } / n,
                source: ls[0].source, verified: ls[0].verified, priced: ls[0].priced)
        }
        let fixed = items.filter { $0.kind == "fixed" }.reduce(0) { $0 + $1.monthlyUsd }
        let usage = items.filter { $0.kind == "usage" }.reduce(0) { $0 + $1.monthlyUsd }
        let window = runs.first?.usage.windowSeconds ?? 0
        let scale = costs.first?.usageScale ?? 0
        let cost = Cost(
            monthlyUsd: fixed + usage, fixedMonthlyUsd: fixed, usageMonthlyUsd: usage,
            monthlyUsdCi95: ci(costs.map(\.monthlyUSD)), items: items,
            scaling:
                "usage measured over \(DecimalText.plain(window)) s of simulated workload after a "
                + "\(DecimalText.plain(spec.warmup.seconds)) s warm-up, × \(DecimalText.fixed(scale, 1)) "
                + "(\(DecimalText.plain(CostModel.hoursPerMonth)) h × 3600 s / \(DecimalText.plain(window)) s); "
                + "fixed items: \(DecimalText.plain(CostModel.hoursPerMonth)) h × the count of resources")
        func meanOf(_ key: String) -> Double { Statistics.mean(runs.map { $0.usage.quantities[key] ?? 0 }) }
        let measured = Measured(
            windowSeconds: window, natGatewayBytes: meanOf("nat_gateway_bytes"),
            crossAzBytes: meanOf("cross_az_bytes"), internetEgressBytes: meanOf("internet_egress_bytes"),
            endpointBytes: meanOf("gateway_endpoint_bytes") + meanOf("interface_endpoint_bytes"),
            lambdaRequests: meanOf("lambda_requests"),
            lambdaGbSeconds: meanOf("lambda_gb_seconds_x86_64") + meanOf("lambda_gb_seconds_arm64"),
            dynamodbReadUnits: meanOf("dynamodb_read_units"), dynamodbWriteUnits: meanOf("dynamodb_write_units"),
            stepFunctionsTransitions: meanOf("step_functions_transitions"),
            flowLogBytes: meanOf("flow_log_bytes_s3") + meanOf("flow_log_bytes_cloudwatch-logs"))
        return Point(
            parameters: Dictionary(uniqueKeysWithValues: spec.labels(point).map { ($0.name, $0.value) }),
            seeds: spec.seeds, latencyMs: latency, requests: seeds.reduce(0) { $0 + $1.requests },
            errors: seeds.reduce(0) { $0 + $1.errors }, newConnections: seeds.reduce(0) { $0 + $1.newConnections },
            cost: cost, measured: measured, perSeed: seeds)
    }
}
