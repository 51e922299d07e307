import SimCore

/// One hop's one-way delay: log-normal with this median and shape (`sigma` 0: a constant).
/// Log-normal because measured network and service delays are right-skewed with a floor near
/// the median (assumed: the shape, as no AWS distribution is published).
public struct HopDelay: Sendable, Equatable {
    public var median: SimDuration
    public var sigma: Double
    public init(median: SimDuration, sigma: Double = 0) { self.median = median; self.sigma = sigma }
    public static func constant(_ d: SimDuration) -> HopDelay { HopDelay(median: d) }
}

/// Unordered pair of availability zones.
public struct ZonePair: Sendable, Hashable {
    public var a: AvailabilityZoneIndex
    public var b: AvailabilityZoneIndex
    public init(_ a: AvailabilityZoneIndex, _ b: AvailabilityZoneIndex) {
        self.a = min(a, b); self.b = max(a, b)
    }
}

/// One-way delays of the modelled hops, each a distribution. AWS publishes none of them; the
/// defaults, their sources and the assumptions behind them:
/// - `intraAZ` median 55 µs, σ 0.3: two ENIs in one AZ. Measured RTTs between instances in one
///   AZ are 0.1–0.25 ms (best of 50 pings ≈ 0.25 ms, https://www.xkyle.com/Measuring-AWS-Region-and-AZ-Latency/;
///   same-AZ pings "more consistent, much lower std-dev" than cross-AZ, L. Liesis, Nov 2022, "What is AWS EC2
///   cross availability zones network lag vs inside same zone", lukasliesis.medium.com).
///   The shape is assumed (no published distribution).
/// - `crossAZ` median 420 µs, σ 0.15: us-east-1 AZ pairs measured 0.66–1.26 ms average ICMP RTT,
///   min→max spread small (R. Imaoka, June 2019, github.com/richardimaoka/blog-en at bfc5f9a,
///   posts/network-latency-analysis-with-ping-aws-single-region.md);
///   `crossAZPairs` holds that table's per-pair medians (half the average RTT), keyed by AZ name
///   of the author's account — a plausible set of pair distances, not per-AZ-id truth.
/// - `hyperplane` median 60 µs, σ 0.3: Lambda microVM ↔ its Hyperplane ENI through the V2N
///   NAT. ASSUMED: no published figure; the same order as an intra-AZ hop, since both ends are
///   in the ENI's AZ.
/// - `natGateway` median 40 µs, σ 0.3: processing inside the NAT gateway, on top of the hops
///   to and from its ENI (which the path pays as intra- or cross-AZ hops). ASSUMED: nothing is
///   published; the research proposal is +0.05–0.2 ms one way for the whole NAT detour, which the
///   extra intra-AZ hop plus this give. cloudonaut measured no significant difference between
///   IGW, NAT and gateway-endpoint paths with reused connections
///   (https://cloudonaut.io/vpc-endpoint-increases-dynamodb-latency-by-30-percent/).
/// - `regional` median 350 µs, σ 0.25: the VPC edge (internet gateway or gateway endpoint) ↔
///   a regional service front end. ASSUMED: front ends sit mostly in other AZs, so a cross-AZ-like
///   distance; chosen so a warm Lambda → DynamoDB call lands near the ≈ 10 ms measured with
///   keep-alive (https://theburningmonk.com/2019/02/lambda-optimization-tip-enable-http-keep-alive/)
///   once DynamoDB's service time is added.
/// - `internet` median 12 ms, σ 0.3: the VPC edge ↔ an arbitrary internet host. ASSUMED: a
///   continental path; internet paths vary far more than any one figure.
/// - `resolver` median 150 µs, σ 0.4: Route 53 Resolver's answer for a cached name. ASSUMED.
public struct LatencyModel: Sendable {
    public var intraAZ = HopDelay(median: .microseconds(55), sigma: 0.3)
    public var crossAZ = HopDelay(median: .microseconds(420), sigma: 0.15)
    /// Medians for particular AZ pairs, replacing `crossAZ.median` (its sigma still applies).
    public var crossAZPairs: [ZonePair: SimDuration] = [:]
    public var hyperplane = HopDelay(median: .microseconds(60), sigma: 0.3)
    public var natGateway = HopDelay(median: .microseconds(40), sigma: 0.3)
    public var regional = HopDelay(median: .microseconds(350), sigma: 0.25)
    public var internet = HopDelay(median: .milliseconds(12), sigma: 0.3)
    public var resolver = HopDelay(median: .microseconds(150), sigma: 0.4)
    /// Through a transit gateway, attachment to attachment. Assumed: AWS publishes no figure; of
    /// the order of the NAT gateway's and endpoints' hops.
    public var transitGateway = HopDelay(median: .microseconds(200), sigma: 0.3)
    public init() {}

    /// The median one-way delay between two zones.
    public func median(from a: AvailabilityZoneIndex, to b: AvailabilityZoneIndex) -> SimDuration {
        a == b ? intraAZ.median : crossAZPairs[ZonePair(a, b)] ?? crossAZ.median
    }
}

/// The kinds of hop a delay is drawn for (each has its own table).
public enum HopKind: Int, Sendable, CaseIterable {
    case intraAZ, crossAZ, hyperplane, natGateway, regional, internet, resolver, transitGateway
}

/// Draws hop delays: one table lookup and one multiplication per hop. Compiled from a
/// ``LatencyModel`` when the network is finalised; the zone-pair medians are a flat matrix.
public struct DelaySampler: Sendable {
    /// The factor tables of every hop kind, one after another (4,096 each): one flat array, so a
    /// draw touches no nested buffer.
    var factors: ContiguousArray<Double>
    var medians: ContiguousArray<Int64> // by HopKind
    var zonePairMedians: ContiguousArray<Int64> // zones × zones
    var zones: Int
    var random: RandomStream

    /// Before `Network.finalize` compiles the topology's model.
    public static let unset = DelaySampler(LatencyModel(), zones: 0, random: RandomStream(seed: 0))

    public init(_ model: LatencyModel, zones: Int, random: RandomStream) {
        let hops: [HopDelay] = [
            model.intraAZ, model.crossAZ, model.hyperplane, model.natGateway, model.regional, model.internet,
            model.resolver, model.transitGateway,
        ]
        var bySigma: [Double: LognormalTable] = [:]
        var flat = ContiguousArray<Double>()
        flat.reserveCapacity(hops.count << LognormalTable.bits)
        for h in hops {
            let t = bySigma[h.sigma] ?? LognormalTable(sigma: h.sigma)
            bySigma[h.sigma] = t
            for i in 0..<(1 << LognormalTable.bits) { flat.append(t.factor(at: i)) }
        }
        factors = flat
        medians = ContiguousArray(hops.map(\.median.nanoseconds))
        self.zones = max(zones, 1)
        zonePairMedians = ContiguousArray(repeating: 0, count: self.zones * self.zones)
        for a in 0..<zones {
            for b in 0..<zones {
                zonePairMedians[a * self.zones + b] =
                    model.median(from: AvailabilityZoneIndex(a), to: AvailabilityZoneIndex(b)).nanoseconds
            }
        }
        self.random = random
    }

    @inline(__always) mutating func scaled(_ median: Int64, _ kind: HopKind) -> SimDuration {
        let r = Int(truncatingIfNeeded: random.next() >> UInt64(64 - LognormalTable.bits))
        return SimDuration(nanoseconds: Int64(Double(median) * factors[kind.rawValue << LognormalTable.bits | r]))
    }

    /// A delay of `kind`. - Complexity: O(1).
    public mutating func draw(_ kind: HopKind) -> SimDuration { scaled(medians[kind.rawValue], kind) }

    /// The delay between ENIs in zones `a` and `b` (intra-AZ when equal).
    public mutating func draw(from a: AvailabilityZoneIndex, to b: AvailabilityZoneIndex) -> SimDuration {
        scaled(zonePairMedians[a.int * zones + b.int], a == b ? .intraAZ : .crossAZ)
    }

    /// A delay around `median` with the shape of `kind` (a host link with its own median).
    public mutating func draw(median: Int64, like kind: HopKind) -> SimDuration { scaled(median, kind) }
}
