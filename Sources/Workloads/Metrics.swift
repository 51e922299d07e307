import Histogram
import SimCore

/// A latency distribution in nanoseconds (HdrHistogram, 2 significant digits — 1 % resolution —
/// from 1 µs to 1 h; ~30 kB each, so hundreds of functions' distributions stay small).
public struct LatencyDistribution: Sendable {
    public private(set) var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1_000, highestTrackableValue: 3_600_000_000_000,
                                                          numberOfSignificantValueDigits: .two)
    public init() {}
    public mutating func record(_ d: SimDuration) { _ = histogram.record(UInt64(Swift.max(d.nanoseconds, 1_000))) }
    public var count: UInt64 { histogram.totalCount }
    /// The value at `p` percent, in nanoseconds (0 when empty).
    public func percentile(_ p: Double) -> Int64 { count == 0 ? 0 : Int64(histogram.valueAtPercentile(p)) }
    public var mean: Double { count == 0 ? 0 : histogram.mean }
    public var max: Int64 { count == 0 ? 0 : Int64(histogram.max) }
    public mutating func add(_ other: LatencyDistribution) { histogram.add(other.histogram) }
}

/// How an invocation ended.
public enum InvocationOutcome: Sendable, Hashable {
    case succeeded
    /// `Task timed out after N.NN seconds` (research notes §5: the elapsed time, two decimals).
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
    public var initDuration = LatencyDistribution()
    public var environmentsCreated: UInt64 = 0
    /// The last few timeout messages, as the function's log would show them.
    public var timeoutMessages: [String] = []
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
    public var duration = LatencyDistribution()
    public init() {}
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
    /// Per service name, the client addresses its front ends saw connections from (after any
    /// NAT): what DynamoDB would log as the caller's source IP.
    public var serviceClients: [String: Set<String>] = [:]
    public var requestLatency = LatencyDistribution()
    public init() {}
}
