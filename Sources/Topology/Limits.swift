import SimCore

/// The largest values and sizes a topology file may hold, and why: each follows from what the
/// simulator can represent (simulated time is Int64 nanoseconds, about 292 years; a classic pcap
/// timestamps in unsigned 32-bit seconds) or from a limit AWS documents. README's "Limits" table
/// is this file; a value outside its range is a located error naming the key, the value and the
/// range.
public enum TopologyLimits {
    /// `run.start`: 1970-01-01T00:00:00Z … 2099-12-31T23:59:59Z.
    public static let earliestStart: Int64 = 0
    public static let latestStart: Int64 = 4_102_444_799
    /// The last second a classic pcap header can timestamp (2106-02-07T06:28:15Z): a run's start
    /// plus its duration and drain must not pass it.
    public static let latestEnd: Int64 = 4_294_967_295
    /// `run.duration`, `run.drain`, a traffic window's start and length, `every:` periods: at
    /// most ten years each, so that every simulated instant of a run (at most twenty years) and
    /// every delay added to it stay far inside Int64 nanoseconds.
    public static let longestRun = SimDuration.seconds(3_650 * 86_400)
    /// Delays inside a workload (`think`, `server-time`, `compute`, `transition-overhead`,
    /// `idle-reclaim`): at most a day.
    public static let longestDelay = SimDuration.seconds(86_400)
    /// One-way latencies (`latency:`): at most 10 s.
    public static let longestLatency = SimDuration.seconds(10)
    /// Rates (`rate:`; `every:` is its inverse): at most 1,000,000 a second per generator or
    /// function (one event per microsecond), at least one per `longestRun`; exactly 0 means never.
    public static let highestRate = 1_000_000.0
    public static let lowestRate = 1 / longestRun.seconds
    /// Sizes (`request-bytes`, `response-bytes`): at most 4 GB (a TCP write of the model counts
    /// its bytes in 32 bits).
    public static let largestSize = 4_000_000_000
    /// Requests per generated session (`requests: 1-6`).
    public static let mostRequests = 100_000
    /// A topology file: at most 64 MB, 4,000,000 YAML nodes once aliases are expanded, nested at
    /// most 64 deep.
    public static let fileBytes = 64 << 20
    public static let yamlNodes = 4_000_000
    public static let yamlDepth = 64
    /// Distinct `label:` names in one file (labels are stored in a byte; 0 is "normal").
    public static let labels = 254
}
