import SimCore
import Wire

/// Ground truth of a dataset, per flow log: one CSV line per record of labelled traffic,
/// identifying the record by the fields of the default format, as the text sinks write them
/// (`labels/<flow-log-id>-records.csv.gz`, created with the first labelled record).
public final class FlowLogLabelSink: FlowLogSink {
    static let header = Array("interface-id,srcaddr,dstaddr,srcport,dstport,protocol,start,end,action,label\n".utf8)
    public let path: String
    /// Label names by index (0 is "normal").
    let labelNames: [String]
    let eniIDs: [String]
    var file: CompressedFileWriter?
    var line = TextBuffer(capacity: 160)
    /// Labelled records written.
    public private(set) var records: UInt64 = 0
    /// Per label index: the earliest start and latest end (Unix seconds) of its records here,
    /// or nil before its first record.
    public private(set) var extents: [(start: Int64, end: Int64)?]
    /// The label file, once a labelled record has been written.
    public var files: [String] { file.map { [$0.path] } ?? [] }

    public init(_ context: FlowLogSinkContext, labels: [String]) {
        path = context.outputDirectory + "/" + OutputLayout.labels + "/" + context.config.id + "-records.csv.gz"
        labelNames = labels
        eniIDs = context.directory.enis.map(\.id)
        extents = Array(repeating: nil, count: labels.count)
    }

    public func write(_ batch: UnsafeBufferPointer<FlowLogRecord>) throws {
        for r in batch where r.label != 0 && r.logStatus == .ok { try write(r) }
    }

    func write(_ r: FlowLogRecord) throws {
        if file == nil {
            file = try CompressedFileWriter(path: path)
            try file!.write(Self.header)
        }
        line.removeAll()
        Self.append(
            r, eniID: eniIDs[r.eni.int],
            label: Int(r.label) < labelNames.count ? labelNames[Int(r.label)] : "label-\(r.label)",
            to: &line)
        try file!.write(line.bytes)
        records += 1
        if Int(r.label) < extents.count {
            let e = extents[Int(r.label)]
            extents[Int(r.label)] = (min(e?.start ?? r.start, r.start), max(e?.end ?? r.end, r.end))
        }
    }

    static func append(_ r: FlowLogRecord, eniID: String, label: String, to t: inout TextBuffer) {
        t.append(eniID); t.byte(0x2C); t.ip(r.srcaddr); t.byte(0x2C); t.ip(r.dstaddr); t.byte(0x2C)
        t.decimal(UInt64(r.srcport)); t.byte(0x2C); t.decimal(UInt64(r.dstport)); t.byte(0x2C)
        t.decimal(UInt64(r.protocolNumber)); t.byte(0x2C)
        t.decimal(UInt64(r.start)); t.byte(0x2C); t.decimal(UInt64(r.end)); t.byte(0x2C)
        t.append(r.action == .accept ? "ACCEPT" : "REJECT"); t.byte(0x2C)
        t.append(label)
        t.newline()
    }

    public func finish() throws { try file?.finish() }
    public func abandon() { file?.abandon() }
}

/// A public address and the private one it is translated to inside the VPC.
public struct TranslatedAddress: Sendable, Hashable {
    public var outside: String
    public var inside: String
    public init(outside: String, inside: String) { self.outside = outside; self.inside = inside }
}

/// A labelled episode of a dataset (one generator's active period), as the episodes file lists it.
public struct LabelledEpisode: Sendable {
    public var label: String
    public var generator: String
    public var start: SimTime
    public var end: SimTime
    public var sources: [String]
    public var destinations: [String]
    public var ports: [UInt16]
    /// Each public address among the sources and destinations with the private address the
    /// internet gateway translates it to, as the VPC's ENIs and their flow-log records show it
    /// (`"3.86.101.166": "10.20.1.5"`).
    public var privateAddresses: [TranslatedAddress]
    /// The first start and last end (Unix seconds) of the episode's labelled flow-log records,
    /// when known: the extents the episodes file gives, so an episode spans exactly its records.
    public var recordExtent: (start: Int64, end: Int64)?
    public init(
        label: String, generator: String, start: SimTime, end: SimTime, sources: [String], destinations: [String],
        ports: [UInt16], privateAddresses: [TranslatedAddress] = []
    ) {
        self.label = label; self.generator = generator; self.start = start; self.end = end
        self.sources = sources; self.destinations = destinations; self.ports = ports
        self.privateAddresses = privateAddresses
    }
}

/// `labels/episodes.jsonl`: one JSON object per labelled episode — what, when, who — by start
/// time, then generator. Keys are sorted and snake_case; lists are cut at 64 entries (and say so).
public enum EpisodeLog {
    public static func write(_ episodes: [LabelledEpisode], epochNanoseconds: Int64, to path: String) throws {
        let w = try CompressedFileWriter(path: path, gzip: false)
        var t = TextBuffer(capacity: 4096)
        for e in episodes.sorted(by: { ($0.start, $0.generator) < ($1.start, $1.generator) }) {
            t.removeAll()
            line(e, epochNanoseconds: epochNanoseconds, into: &t)
            try w.write(t.bytes)
        }
        try w.finish()
    }

    static func line(_ e: LabelledEpisode, epochNanoseconds: Int64, into t: inout TextBuffer) {
        let ports = Array(Set(e.ports)).sorted()
        // A contiguous run of ports (a range scan) is written as its two ends.
        let isRange = ports.count > 2 && Int(ports.last!) - Int(ports.first!) + 1 == ports.count
        let start = e.recordExtent?.start ?? epochNanoseconds / 1_000_000_000 + e.start.nanoseconds / 1_000_000_000
        let end = e.recordExtent?.end ?? epochNanoseconds / 1_000_000_000 + e.end.nanoseconds / 1_000_000_000
        let truncated = e.sources.count > 64 || e.destinations.count > 64 || (!isRange && ports.count > 64)
        t.append("{\"destinations\":"); strings(e.destinations.prefix(64), &t)
        t.append(",\"end\":"); string(UTCDateTime(unixSeconds: end).iso8601, &t)
        t.append(",\"end_unix\":"); t.decimal(Int(end))
        t.append(",\"generator\":"); string(e.generator, &t)
        t.append(",\"label\":"); string(e.label, &t)
        t.append(",\"ports\":[")
        for (k, p) in (isRange ? [ports.first!, ports.last!] : Array(ports.prefix(64))).enumerated() {
            if k > 0 { t.byte(0x2C) }
            t.decimal(UInt64(p))
        }
        t.append("],\"ports_are_range\":"); t.append(isRange ? "true" : "false")
        t.append(",\"private_addresses\":{")
        for (k, pair) in e.privateAddresses.prefix(64).sorted(by: { $0.outside < $1.outside }).enumerated() {
            if k > 0 { t.byte(0x2C) }
            string(pair.outside, &t); t.byte(0x3A); string(pair.inside, &t)
        }
        t.byte(0x7D)
        t.append(",\"sources\":"); strings(e.sources.prefix(64), &t)
        t.append(",\"start\":"); string(UTCDateTime(unixSeconds: start).iso8601, &t)
        t.append(",\"start_unix\":"); t.decimal(Int(start))
        t.append(",\"truncated\":"); t.append(truncated ? "true" : "false")
        t.append("}\n")
    }

    static func strings(_ list: ArraySlice<String>, _ t: inout TextBuffer) {
        t.byte(0x5B)
        for (k, s) in list.enumerated() {
            if k > 0 { t.byte(0x2C) }
            string(s, &t)
        }
        t.byte(0x5D)
    }

    /// A JSON string (RFC 8259 §7): quotation mark, reverse solidus and control characters
    /// escaped, the solidus not, everything else as UTF-8.
    static func string(_ s: String, _ t: inout TextBuffer) {
        let hex = Array("0123456789abcdef".utf8)
        t.byte(0x22)
        for c in s.utf8 {
            switch c {
            case 0x22: t.byte(0x5C); t.byte(0x22)
            case 0x5C: t.byte(0x5C); t.byte(0x5C)
            case 0x0A: t.byte(0x5C); t.byte(0x6E)
            case 0x0D: t.byte(0x5C); t.byte(0x72)
            case 0x09: t.byte(0x5C); t.byte(0x74)
            case 0x08: t.byte(0x5C); t.byte(0x62)
            case 0x0C: t.byte(0x5C); t.byte(0x66)
            case 0..<0x20: t.append("\\u00"); t.byte(hex[Int(c >> 4)]); t.byte(hex[Int(c & 0xF)])
            default: t.byte(c)
            }
        }
        t.byte(0x22)
    }
}
