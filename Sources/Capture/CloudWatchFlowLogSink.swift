import SimCore
import Wire

/// Writes records as CloudWatch Logs holds them: one log stream per ENI
/// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html), named `<eni-id>-all` (assumed: AWS documents
/// no stream name; `-all` is what subscription payloads show, and the suffix follows the traffic type), each event with
/// `timestamp` = the record's start (ms) and an `ingestionTime` after its end — one JSON object per line, as a
/// subscription delivers events or an export lists them.
public final class CloudWatchFlowLogSink: FlowLogSink {
    let directory: String
    /// The run's output directory, which must still exist when a stream's file is created.
    let base: String
    let logGroup: String
    let seed: UInt64
    /// Per ENI, its log stream's name: `<eni-id>-<traffic type>`.
    let streamNames: [String]
    /// Per transit gateway attachment, its log stream's name (a transit gateway flow log's).
    let attachmentStreamNames: [String]
    let text: FlowLogTextFormat
    let line = RecordLine()
    var streams = OpenFiles<String>()
    var sequence: UInt64 = 0
    public var files: [String] { streams.finished }
    public private(set) var deliveredBytes: UInt64 = 0

    init(_ context: FlowLogSinkContext, logGroup: String) {
        // The group's name may contain slashes: keep it readable as one directory.
        let safe = String(logGroup.map { $0 == "/" ? "_" : $0 })
        directory = context.outputDirectory + "/" + OutputLayout.cloudWatchLogs + "/" + safe
        base = context.outputDirectory
        self.logGroup = logGroup
        seed = context.seed
        let suffix = context.config.trafficType.rawValue.lowercased()
        streamNames = context.directory.enis.map { $0.id + "-" + suffix }
        attachmentStreamNames = context.directory.transitGatewayAttachments.map(\.id)
        text = FlowLogTextFormat(format: context.config.format, directory: context.directory)
    }

    public func write(_ records: UnsafeBufferPointer<FlowLogRecord>) throws {
        for r in records {
            text.render(r, into: line)
            deliveredBytes += UInt64(line.view.count)
            try append(line.view, stream: streamNames[r.eni.int], start: r.start, end: r.end)
        }
    }

    public func write(transitGateway records: UnsafeBufferPointer<TransitGatewayFlowLogRecord>) throws {
        for r in records {
            text.render(r, into: line)
            deliveredBytes += UInt64(line.view.count)
            let stream = attachmentStreamNames[Int(r.transitGateway.attachment)]
            try append(line.view, stream: stream, start: r.flow.start, end: r.flow.end)
        }
    }

    public func finish() throws { try streams.closeAll() }
    public func abandon() { streams.abandonAll() }

    func append(_ record: UnsafeRawBufferPointer, stream name: String, start: Int64, end: Int64) throws {
        let w: CompressedFileWriter
        if let existing = streams.open[name] {
            w = existing
        } else {
            try makeDirectories(directory, under: base)
            w = try CompressedFileWriter(path: directory + "/" + name + ".jsonl", gzip: false)
            streams.add(w, key: name)
        }
        sequence += 1
        // Delivery to CloudWatch Logs takes about 5 minutes after the window
        // (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).
        let ingestion = end * 1000 + 300_000 + Int64(SplitMix64.value(seed: seed, index: sequence) % 60_000)
        var t = TextBuffer(capacity: record.count + 96)
        t.append("{\"id\":\"")
        t.padded(Int(start % 1_000_000_000_000), width: 12)
        t.padded(Int(sequence % 1_000_000_000), width: 9)
        t.append("\",\"timestamp\":")
        t.decimal(UInt64(start * 1000))
        t.append(",\"ingestionTime\":")
        t.decimal(UInt64(ingestion))
        t.append(",\"message\":\"")
        t.append(Array(record.dropLast())) // the record's text has no quotes or backslashes
        t.append("\"}\n")
        try w.write(t.bytes)
    }
}
