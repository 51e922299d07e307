/// Where a flow log's records go: S3 text files, CloudWatch Logs, ground-truth labels.
///
/// A sink receives typed records (``FlowLogRecord``) in batches — the records of one ENI's
/// closed window, or one NODATA record — in the order the aggregator emits them, so a sink that
/// numbers or files its records in arrival order is deterministic. The aggregator holds its
/// sinks as existentials and calls each once per batch, never per record.
///
/// **Adding a destination** (Parquet, OCSF, …) is one new file with a `final class` conforming
/// to `FlowLogSink`, plus one case in ``FlowLogDestination`` (`FlowLogSpec.swift`); the
/// compiler then asks for that case's line in ``FlowLogDestination/makeSink(_:)`` below, which
/// constructs the sink from a ``FlowLogSinkContext``. Nothing else in Capture changes: the
/// aggregator, the session and the run summary (which lists the destination sink's `files`)
/// stay as they are. The topology loader (Topology) maps the YAML `destination:` name to the case.
public protocol FlowLogSink: AnyObject {
    /// Takes one batch of records, in emission order.
    func write(_ records: UnsafeBufferPointer<FlowLogRecord>) throws
    /// Takes one batch of a transit gateway flow log's records (one attachment's window). A sink
    /// that only reads the flows' common fields (labels) need not implement it.
    func write(transitGateway records: UnsafeBufferPointer<TransitGatewayFlowLogRecord>) throws
    /// Simulated time has reached `unixSeconds` (whole seconds): every window that ended before
    /// it has been written, so files that no later record can reach may be closed.
    func advance(toUnixSeconds unixSeconds: Int64) throws
    /// Writes what is buffered and closes every file (the run ended, or was interrupted).
    func finish() throws
    /// Removes partial files after a failure.
    func abandon()
    /// Paths of the files finished so far.
    var files: [String] { get }
    /// Bytes of record text delivered so far (each record's line with its newline, before any
    /// compression): what AWS's per-GB vended-log delivery charge applies to. Sinks that deliver
    /// no log text (labels) report 0.
    var deliveredBytes: UInt64 { get }
}

extension FlowLogSink {
    public func write(transitGateway records: UnsafeBufferPointer<TransitGatewayFlowLogRecord>) throws {
        try records.map(\.flow).withUnsafeBufferPointer { try write($0) }
    }
    public func advance(toUnixSeconds unixSeconds: Int64) throws {}
    public var deliveredBytes: UInt64 { 0 }
}

/// What a sink is built from: the flow log, the network it reports on, the run's seed for this
/// flow log, and the run's output directory (each sink writes below its own subdirectory).
public struct FlowLogSinkContext {
    public var config: FlowLogConfig
    public var directory: NetworkDirectory
    public var seed: UInt64
    public var outputDirectory: String
    public init(config: FlowLogConfig, directory: NetworkDirectory, seed: UInt64, outputDirectory: String) {
        self.config = config; self.directory = directory; self.seed = seed; self.outputDirectory = outputDirectory
    }
}

/// The subdirectories of a run's output directory that captures write.
public enum OutputLayout {
    public static let captures = "captures"
    /// S3 delivery: `flowlogs/AWSLogs/…`.
    public static let flowLogs = "flowlogs"
    public static let cloudWatchLogs = "cloudwatch-logs"
    public static let labels = "labels"
    /// Decryptable runs: the NSS key log of the captures' TLS sessions, beside the captures.
    public static let tlsKeyLog = "tls-keys.log"
    /// Every subdirectory above: a new run clears them of an earlier run's outputs (of captures/,
    /// only its pcaps and pcapngs).
    public static let all = [captures, flowLogs, cloudWatchLogs, labels]
}

extension FlowLogDestination {
    /// The sink that delivers to this destination.
    public func makeSink(_ context: FlowLogSinkContext) -> any FlowLogSink {
        switch self {
        case .s3(let options): return S3FlowLogSink(context, options: options)
        case .cloudWatchLogs(let group): return CloudWatchFlowLogSink(context, logGroup: group)
        }
    }
}
