import SimCore
import Wire

/// Writes records into gzip files laid out as VPC Flow Logs deliver them to S3
/// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html):
/// `AWSLogs/<account>/vpcflowlogs/<region>/<yyyy>/<mm>/<dd>/` (or the Hive-compatible prefix, optionally per hour), one
/// file per 5 minutes of record end times, named
/// `<account>_vpcflowlogs_<region>_<flow-log-id>_<yyyymmddThhmmZ>_<hash>.log.gz`, each starting with the header line.
public final class S3FlowLogSink: FlowLogSink {
    struct Naming: Sendable {
        var accountID: String
        var region: String
        var flowLogID: String
        var seed: UInt64
        var options = S3DeliveryOptions()
    }
    let root: String
    /// The run's output directory, which must still exist when a file is created.
    let base: String
    let naming: Naming
    let header: [UInt8]
    let text: FlowLogTextFormat
    let line = RecordLine()
    var openFiles = OpenFiles<Int64>()
    public var files: [String] { openFiles.finished }
    public private(set) var deliveredBytes: UInt64 = 0
    static let period: Int64 = 300

    init(_ context: FlowLogSinkContext, options: S3DeliveryOptions) {
        root = context.outputDirectory + "/" + OutputLayout.flowLogs
        base = context.outputDirectory
        naming = Naming(
            accountID: context.config.accountID, region: context.directory.region, flowLogID: context.config.id,
            seed: context.seed, options: options)
        text = FlowLogTextFormat(format: context.config.format, directory: context.directory)
        header = Array((text.header + "\n").utf8)
    }

    public func write(_ records: UnsafeBufferPointer<FlowLogRecord>) throws {
        for r in records {
            text.render(r, into: line)
            deliveredBytes += UInt64(line.view.count)
            try append(line.view, endSeconds: r.end)
        }
    }

    public func write(transitGateway records: UnsafeBufferPointer<TransitGatewayFlowLogRecord>) throws {
        for r in records {
            text.render(r, into: line)
            deliveredBytes += UInt64(line.view.count)
            try append(line.view, endSeconds: r.flow.end)
        }
    }

    /// A record is written when its window closes, at most one maximum aggregation interval
    /// (600 s) after its end time, so a period's file can close 11 minutes after the period ended.
    public func advance(toUnixSeconds unixSeconds: Int64) throws {
        try openFiles.closeOldest(while: { $0 + Self.period <= unixSeconds - 660 })
    }

    public func finish() throws { try openFiles.closeAll() }
    public func abandon() { openFiles.abandonAll() }

    func append(_ bytes: UnsafeRawBufferPointer, endSeconds: Int64) throws {
        let bucket = endSeconds - ((endSeconds % Self.period) + Self.period) % Self.period
        if let w = openFiles.open[bucket] { try w.write(bytes); return }
        let w = try CompressedFileWriter(path: try path(bucket))
        try w.write(header)
        try w.write(bytes)
        openFiles.add(w, key: bucket)
    }

    func path(_ bucket: Int64) throws -> String {
        let d = UTCDateTime(unixSeconds: bucket)
        var dir = TextBuffer(capacity: 256)
        dir.append(root)
        let o = naming.options
        if o.hiveCompatiblePartitions {
            dir.append(
                "/AWSLogs/aws-account-id=\(naming.accountID)/aws-service=vpcflowlogs/aws-region=\(naming.region)/year=")
            dir.padded(d.year, width: 4); dir.append("/month="); dir.padded(d.month, width: 2)
            dir.append("/day="); dir.padded(d.day, width: 2)
            if o.perHourPartition { dir.append("/hour="); dir.padded(d.hour, width: 2) }
        } else {
            dir.append("/AWSLogs/\(naming.accountID)/vpcflowlogs/\(naming.region)/")
            dir.padded(d.year, width: 4); dir.byte(0x2F); dir.padded(d.month, width: 2); dir.byte(0x2F);
            dir.padded(d.day, width: 2)
            if o.perHourPartition { dir.byte(0x2F); dir.padded(d.hour, width: 2) }
        }
        let directory = String(decoding: dir.bytes, as: UTF8.self)
        try makeDirectories(directory, under: base)
        var name = TextBuffer(capacity: 128)
        name.append("\(naming.accountID)_vpcflowlogs_\(naming.region)_\(naming.flowLogID)_")
        name.padded(d.year, width: 4); name.padded(d.month, width: 2); name.padded(d.day, width: 2); name.byte(0x54)
        name.padded(d.hour, width: 2); name.padded(d.minute, width: 2); name.byte(0x5A); name.byte(0x5F)
        // An 8-hex-digit suffix (as in AWS's example file name,
        // https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html), derived from the run's seed, the flow
        // log (FNV-1a of its id: stable across processes, unlike Hasher) and the file's period.
        let logHash = FNV1a64.hash(naming.flowLogID.utf8)
        let h =
            SplitMix64.value(seed: naming.seed ^ 0xF1_0F10 ^ logHash, index: UInt64(bitPattern: bucket))
            & 0xFFFF_FFFF
        let hex = Array("0123456789abcdef".utf8)
        for k in stride(from: 28, through: 0, by: -4) { name.byte(hex[Int((h >> UInt64(k)) & 0xF)]) }
        name.append(".log.gz")
        return directory + "/" + String(decoding: name.bytes, as: UTF8.self)
    }
}

/// The files a writer has open, by key, in the order they were opened; closing one moves its path
/// to `finished`.
struct OpenFiles<Key: Hashable & Comparable> {
    var open: [Key: CompressedFileWriter] = [:]
    var order: [Key] = []
    var finished: [String] = []

    mutating func add(_ w: CompressedFileWriter, key: Key) {
        open[key] = w
        order.append(key)
    }

    /// Closes the earliest-opened files while `condition` holds for their keys.
    mutating func closeOldest(while condition: (Key) -> Bool) throws {
        while let k = order.first, condition(k) {
            order.removeFirst()
            try close(k)
        }
    }

    /// Closes every file, in key order.
    mutating func closeAll() throws {
        for k in order.sorted() { try close(k) }
        order.removeAll()
    }

    mutating func close(_ k: Key) throws {
        if let w = open.removeValue(forKey: k) { try w.finish(); finished.append(w.path) }
    }

    mutating func abandonAll() {
        for (_, w) in open { w.abandon() }
        open.removeAll()
        order.removeAll()
    }
}
