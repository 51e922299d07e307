import SimCore

/// One-way latencies of the modelled hops. Defaults and their sources:
/// - `intraAZ` 40 µs: no AWS figure; ~0.1 ms RTT between instances in one AZ is the common
///   observation (aws-vpc-facts §12: UNSOURCED).
/// - `crossAZ` 400 µs: AZ pairs measure ~0.5–1.5 ms RTT (aws-vpc-facts §12, FlashGrid / bitsand.cloud).
/// - `hyperplane` 60 µs: Lambda microVM ↔ Hyperplane ENI through the V2N NAT; no AWS figure (UNSOURCED).
/// - `natGateway` 30 µs: NAT gateway processing; no AWS figure (aws-vpc-facts §5: UNSOURCED).
/// - `regional` 350 µs: VPC edge (IGW / gateway endpoint) ↔ a regional AWS service front end;
///   chosen so that a warm DynamoDB call from Lambda lands near the measured ~10 ms with
///   keep-alive once service time is added (research notes: 3P measurements).
/// - `internet` 12 ms: VPC edge ↔ an arbitrary internet host.
/// - `resolver` 120 µs: Route 53 Resolver answer time for a cached name (UNSOURCED).
public struct LatencyModel: Sendable {
    public var intraAZ = SimDuration.microseconds(40)
    public var crossAZ = SimDuration.microseconds(400)
    public var hyperplane = SimDuration.microseconds(60)
    public var natGateway = SimDuration.microseconds(30)
    public var regional = SimDuration.microseconds(350)
    public var internet = SimDuration.milliseconds(12)
    public var resolver = SimDuration.microseconds(120)
    public init() {}
}
