import Histogram
import SimCore

/// A latency distribution in nanoseconds (HdrHistogram, 2 significant digits — 1 % resolution —
/// from 1 µs to 1 h; ~30 kB each, so hundreds of functions' distributions stay small).
public struct LatencyDistribution: Sendable {
    public private(set) var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1_000, highestTrackableValue: 3_600_000_000_000,
        numberOfSignificantValueDigits: .two)
    public init() {}
    public mutating func record(_ d: SimDuration) { _ = histogram.record(UInt64(Swift.max(d.nanoseconds, 1_000))) }
    public var count: UInt64 { histogram.totalCount }
    /// The value at `p` percent, in nanoseconds (0 when empty).
    public func percentile(_ p: Double) -> Int64 { count == 0 ? 0 : Int64(histogram.valueAtPercentile(p)) }
    public var mean: Double { count == 0 ? 0 : histogram.mean }
    public var max: Int64 { count == 0 ? 0 : Int64(histogram.max) }
    public mutating func add(_ other: LatencyDistribution) { histogram.add(other.histogram) }

    /// The values at `percentiles` (each in 0…100, in nanoseconds), the mean and the max, from one
    /// pass over the recorded values; equal to what `percentile(_:)`, `mean` and `max` return one
    /// by one (each of those walks the whole counts array again, unspecialized).
    public func statistics(percentiles: [Double]) -> LatencyStatistics {
        let total = histogram.totalCount
        guard total > 0 else { return LatencyStatistics(percentiles: percentiles.map { _ in 0 }, mean: 0, max: 0) }
        let lowest = histogram.min, highest = histogram.maxRecorded
        var values = [Int64](repeating: 0, count: percentiles.count)
        // The count each percentile must reach, derived as `Histogram.valueAtPercentile` does
        // (1 ulp below the percentile, rounded up, at least 1); 0 and 100 are answered directly.
        var targets = [UInt64](repeating: 0, count: percentiles.count)
        var pending = 0
        for (k, p) in percentiles.enumerated() {
            if p == 0 {
                values[k] = Int64(lowest)
            } else if p >= 100 {
                values[k] = Int64(highest)
            } else {
                let requested = Swift.min(Swift.max(p.nextDown, 0), 100)
                targets[k] = Swift.max(1, UInt64(((requested * Double(total)) / 100).rounded(.up)))
                pending += 1
            }
        }
        var sum = 0.0
        for v in histogram.recordedValues() {
            sum += Double(histogram.medianEquivalentForValue(v.value)) * Double(v.count)
            guard pending > 0 else { continue }
            for k in targets.indices where targets[k] != 0 && v.totalCountToThisValue >= targets[k] {
                values[k] = Int64(Swift.max(Swift.min(v.value, highest), lowest))
                targets[k] = 0
                pending -= 1
            }
        }
        return LatencyStatistics(percentiles: values, mean: sum / Double(total), max: max)
    }
}

/// Summary figures of a `LatencyDistribution`, in nanoseconds.
public struct LatencyStatistics: Sendable {
    /// In the order the percentiles were asked for.
    public var percentiles: [Int64]
    public var mean: Double
    public var max: Int64
}

/// How an invocation ended.
public enum InvocationOutcome: Sendable, Hashable {
    case succeeded
    /// `Task timed out after N.NN seconds`, two decimals
    /// (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-networking.html).
    case timedOut
    /// The handler raised an error (e.g. an SDK call failed after its retries).
    case failed(String)
}

/// Counters and distributions of one Lambda function.
public struct FunctionMetrics: Sendable {
    public var invocations: UInt64 = 0
    public var coldStarts: UInt64 = 0
    public var succeeded: UInt64 = 0
    public var timedOut: UInt64 = 0
    public var failed: UInt64 = 0
    public var errors: [String: UInt64] = [:]
    public var duration = LatencyDistribution()
    public var environmentsCreated: UInt64 = 0
    /// The last few timeout messages, as the function's log would show them.
    public var timeoutMessages: [String] = []
    /// Billed duration, summed over invocations: each invocation's init (on a cold start) plus
    /// its duration, rounded up to the millisecond. Lambda bills the INIT phase of on-demand
    /// ZIP functions on managed runtimes since 2025-08-01
    /// (https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/)
    /// and rounds billed duration up to 1 ms (https://aws.amazon.com/lambda/pricing/).
    public var billedMilliseconds: UInt64 = 0
    /// Init durations of cold starts, summed (part of `billedMilliseconds`).
    public var initNanoseconds: Int64 = 0
    /// Invocations Lambda's recursive loop detection stopped (World+RecursionGuard.swift).
    public var recursionStopped: UInt64 = 0
    public init() {}
}

/// Counters of one kind of SDK call (per function and operation).
public struct CallMetrics: Sendable {
    public var calls: UInt64 = 0
    public var errors: UInt64 = 0
    public var retries: UInt64 = 0
    public var newConnections: UInt64 = 0
    /// From the SDK call starting to its response parsed (DNS, TCP and TLS included when a new
    /// connection was needed).
    public var latency = LatencyDistribution()
    public var requestBytes: UInt64 = 0
    public var responseBytes: UInt64 = 0
    /// DynamoDB on-demand request units of the calls answered successfully, in halves
    /// (``DynamoDBCall/requestUnitHalves``).
    public var readUnitHalves: UInt64 = 0
    public var writeUnitHalves: UInt64 = 0
    public init() {}
    /// Whether nothing was ever recorded (every update adds to a counter or the distribution).
    public var isEmpty: Bool {
        calls == 0 && errors == 0 && retries == 0 && newConnections == 0 && latency.count == 0
            && requestBytes == 0 && responseBytes == 0
    }
}

/// Counters of a Step Functions state machine.
public struct StateMachineMetrics: Sendable {
    public var executions: UInt64 = 0
    public var succeeded: UInt64 = 0
    public var failed: UInt64 = 0
    public var taskRetries: UInt64 = 0
    /// State transitions as Standard workflows bill them: one per state entered, retries
    /// included (https://aws.amazon.com/step-functions/pricing/).
    public var stateTransitions: UInt64 = 0
    public var duration = LatencyDistribution()
    public init() {}
}

/// One SDK call as the experiment's request log keeps it.
public struct RequestRecord: Sendable, Equatable {
    /// Index into `WorkloadMetrics.callNames`.
    public var call: Int32
    public var start: SimTime
    public var latency: SimDuration
    /// The call opened a new connection (DNS, TCP and TLS were part of its latency).
    public var newConnection: Bool
    public var failed: Bool
}

public struct WorkloadMetrics: Sendable {
    public var functions: [FunctionMetrics] = []
    /// Per kind of call, indexed by `World.callIndex`; steps of a function that make the same
    /// kind of call share one entry.
    public var calls = ContiguousArray<CallMetrics>()
    /// The name of each entry of `calls`: "function/Operation", e.g. "orders-writer/PutItem".
    public var callNames: [String] = []
    public var stateMachines: [StateMachineMetrics] = []
    public var dnsQueries: UInt64 = 0
    /// Connections a client could not even start: no source address of the destination's family
    /// (ENETUNREACH on the host; nothing on the wire).
    public var unreachableConnects: UInt64 = 0
    /// Per service name, the client addresses its front ends saw connections from (after any
    /// NAT): what DynamoDB would log as the caller's source IP.
    public var serviceClients: [String: Set<String>] = [:]
    public var requestLatency = LatencyDistribution()
    /// Every completed call, when asked for (experiments); nil otherwise, so long runs keep no
    /// per-request memory.
    public var requestLog: ContiguousArray<RequestRecord>?
    public init() {}
}
