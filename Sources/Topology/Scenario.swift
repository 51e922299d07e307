import SimCore
import NetModel
import Workloads
import Capture

/// What a run overrides of its topology file's `run:` section (from the command line).
public struct RunOverrides: Sendable {
    public var seed: UInt64?
    public var duration: SimDuration?
    /// Every labelled generator's window moved to start here (`--anomalies-at`).
    public var anomaliesAt: SimDuration?
    public init(seed: UInt64? = nil, duration: SimDuration? = nil, anomaliesAt: SimDuration? = nil) {
        self.seed = seed; self.duration = duration; self.anomaliesAt = anomaliesAt
    }
}

/// A topology file, loaded and checked: the world to simulate and what to observe in it.
public struct Scenario: Sendable {
    public var name: String
    public var description: String
    public var sourcePath: String
    public var world: World
    public var seed: UInt64
    /// Length of the workload window (arrivals); the run continues until connections have closed.
    public var duration: SimDuration
    /// Unix seconds of simulated time zero.
    public var startUnixSeconds: Int64
    public var captures: [CaptureSpec]
    public var flowLogs: [FlowLogConfig]
    /// How long after the workload window the run may continue (connections closing, TIME-WAIT).
    public var drainLimit: SimDuration
    /// The Hyperplane ENIs of each function, by function name.
    public var functionENIs: [String: [ENIIndex]]
    /// The instances, in the file's order: each one's name (its id when it has none) and network interface.
    public var instances: [(name: String, eni: ENIIndex)] = []
    public var network: Network { world.network }
    /// The calls its functions make, "function/Operation".
    public var callNames: [String] { world.plannedCallNames }
}
