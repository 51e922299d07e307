import SimCore

/// One-way latencies of the modelled hops. Defaults and their sources:
/// - `intraAZ` 40 µs: assumed, AWS publishes no figure; pings between two instances in one AZ
///   measure ~0.25 ms RTT (https://www.xkyle.com/Measuring-AWS-Region-and-AZ-Latency/).
/// - `crossAZ` 400 µs: AZ pairs measure ~0.5–1.5 ms RTT (https://www.bitsand.cloud/posts/cross-az-latencies);
///   AWS says "single-digit millisecond"
///   (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/availability-zones.html).
/// - `hyperplane` 60 µs: Lambda microVM ↔ Hyperplane ENI through the V2N NAT; assumed, no published figure.
/// - `natGateway` 30 µs: NAT gateway processing; assumed, no published figure; with reused connections
///   IGW, NAT and endpoint paths measure alike
///   (https://cloudonaut.io/vpc-endpoint-increases-dynamodb-latency-by-30-percent/).
/// - `regional` 350 µs: VPC edge (IGW / gateway endpoint) ↔ a regional AWS service front end;
///   assumed so that a warm DynamoDB call from Lambda lands near the ~10 ms measured with keep-alive
///   once service time is added (https://theburningmonk.com/2019/02/lambda-optimization-tip-enable-http-keep-alive/).
/// - `internet` 12 ms: VPC edge ↔ an arbitrary internet host.
/// - `resolver` 120 µs: Route 53 Resolver answer time for a cached name; assumed, no published figure.
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
