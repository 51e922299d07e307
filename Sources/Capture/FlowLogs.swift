import SimCore
import Wire
import NetModel

/// One flow's counters within one aggregation window.
struct FlowAccumulator {
    var packet: Packet           // the first packet (addresses, ports, protocol)
    var direction: TrafficDirection
    var accepted: Bool
    var path: EgressPath
    var packets: UInt64
    var bytes: UInt64
    var first: SimTime
    var last: SimTime
    var flags: UInt8
    var label: UInt8
}

/// Aggregates one flow log's records: per ENI, per capture window, per 5-tuple, direction and
/// action (aws-vpc-facts §1.1, §1.4).
public final class FlowLogAggregator {
    public let config: FlowLogConfig
    let directory: NetworkDirectory
    let epochNanoseconds: Int64
    let sink: S3FlowLogWriter?
    let cloudWatch: CloudWatchFlowLogWriter?
    /// Per ENI: covered by this flow log, window length and phase.
    var covered: [Bool]
    var windowLength: [Int64]
    var windowStart: [Int64]
    var everActive: [Bool]
    var tables: [FlowTable<Int32>]
    var flows: [[FlowAccumulator]]
    var skipped: [UInt64]
    let line = RecordLine()
    /// Per ENI, its ids rendered once; constant words; service names.
    let pool: TextPool
    let text: UnsafeMutablePointer<ENIText>
    let textCount: Int
    let services: ServiceIntervals
    let serviceText: [Span]
    let words: Words
    let fields: UnsafeMutablePointer<FlowLogField>
    let fieldCount: Int
    /// The format compiled for OK records: `steps` are the fields that vary per record, and runs
    /// of fields whose text is fixed per ENI, each pre-rendered once per ENI into `runs`
    /// (`runs[e * runCount + j]`, with the separating spaces).
    let steps: UnsafeMutablePointer<FormatStep>
    let stepCount: Int
    let runs: UnsafeMutablePointer<Span>
    let runCount: Int
    public private(set) var records: UInt64 = 0
    public private(set) var skipdataRecords: UInt64 = 0
    public private(set) var nodataRecords: UInt64 = 0

    /// Ground-truth labels of the records of labelled traffic (datasets): one CSV line per record.
    let labelNames: [String]
    var labelFile: CompressedFileWriter?
    let labelPath: String?
    public private(set) var labelledRecords: UInt64 = 0

    public init(config: FlowLogConfig, directory: NetworkDirectory, epochNanoseconds: Int64, outputDirectory: String, seed: UInt64,
                labels: [String] = [], labelDirectory: String? = nil, cloudWatchDirectory: String? = nil) {
        self.config = config
        labelNames = labels
        labelPath = labelDirectory.map { "\($0)/\(config.id)-records.csv.gz" }
        self.directory = directory
        self.epochNanoseconds = epochNanoseconds
        let n = directory.enis.count
        covered = (0..<n).map { config.resource.covers(eni: directory.enis[$0], at: ENIIndex($0)) }
        windowLength = (0..<n).map { i in
            let nitro = directory.enis[i].nitro
            return Int64(nitro ? min(config.maxAggregationInterval, 60) : config.maxAggregationInterval) * 1_000_000_000
        }
        // Capture windows are not aligned to the clock: each ENI gets its own phase (research
        // notes §8: AWS's examples start at :50 and :16).
        windowStart = (0..<n).map { i in
            let phase = TLSCiphertext.mix(seed, UInt64(i) &+ 0xF10) % UInt64(60_000_000_000)
            return -Int64(phase)
        }
        everActive = Array(repeating: false, count: n)
        tables = (0..<n).map { _ in FlowTable<Int32>(capacity: 16) }
        flows = Array(repeating: [], count: n)
        skipped = Array(repeating: 0, count: n)
        let pool = TextPool()
        self.pool = pool
        textCount = directory.enis.count
        text = .allocate(capacity: max(textCount, 1))
        for (i, e) in directory.enis.enumerated() { (text + i).initialize(to: ENIText(e, directory, pool)) }
        let services = ServiceIntervals(directory.awsRanges)
        self.services = services
        serviceText = services.names.map { pool.span($0) }
        words = Words(pool, version: String(config.format.version), region: directory.region)
        fieldCount = config.format.fields.count
        fields = .allocate(capacity: fieldCount)
        fields.initialize(from: config.format.fields, count: fieldCount)
        let program = FormatStep.compile(config.format.fields)
        stepCount = program.steps.count
        steps = .allocate(capacity: max(stepCount, 1))
        steps.initialize(from: program.steps, count: stepCount)
        runCount = program.runs.count
        runs = .allocate(capacity: max(runCount * textCount, 1))
        for e in 0..<textCount {
            for (j, run) in program.runs.enumerated() {
                var bytes: [UInt8] = run.leadingSpace ? [0x20] : []
                for (k, field) in run.fields.enumerated() {
                    if k > 0 { bytes.append(0x20) }
                    bytes += Self.fixedText(field, text[e], words)
                }
                (runs + e * runCount + j).initialize(to: pool.span(bytes))
            }
        }
        switch config.destination {
        case .s3(let o):
            var names = S3FlowLogWriter.Naming(accountID: config.accountID, region: directory.region, flowLogID: config.id, seed: seed)
            names.options = o
            sink = S3FlowLogWriter(root: outputDirectory, naming: names, header: config.format.header)
            cloudWatch = nil
        case .cloudWatchLogs(let group):
            sink = nil
            cloudWatch = CloudWatchFlowLogWriter(root: cloudWatchDirectory ?? outputDirectory, logGroup: group,
                                                 suffix: config.trafficType.rawValue.lowercased(), seed: seed)
        }
    }

    /// Records one tap.
    public func observe(_ t: TapRecord) throws {
        let e = t.eni.int
        guard covered[e], t.logged else { return }
        switch config.trafficType {
        case .accept: if !t.accepted { return }
        case .reject: if t.accepted { return }
        case .all: break
        }
        try roll(e, to: t.time.nanoseconds)
        everActive[e] = true
        var key = t.packet.flow
        key.portsAndProtocol |= UInt64(t.direction.rawValue) << 40 | (t.accepted ? 1 << 41 : 0)
        let size = UInt64(t.packet.ipTotalLength)
        var f = UInt8(t.packet.tcpFlags.rawValue & (TCPFlags.fin.rawValue | TCPFlags.syn.rawValue | TCPFlags.rst.rawValue))
        // SYN-ACK is reported as 18; ACK alone is never reported (aws-vpc-facts §1.7).
        if t.packet.tcpFlags.contains(.syn) && t.packet.tcpFlags.contains(.ack) { f |= TCPFlags.ack.rawValue }
        if let i = tables[e][key] {
            // One access to the accumulator (each `flows[e][i].x` would be a checked access of
            // the class's property and a uniqueness check of both arrays).
            Self.add(to: &flows[e][Int(i)], time: t.time, size: size, flags: f, label: t.packet.label)
            return
        }
        if let cap = config.maxFlowsPerWindow, flows[e].count >= cap {
            skipped[e] += 1
            return
        }
        tables[e].insert(key, Int32(flows[e].count))
        flows[e].append(FlowAccumulator(packet: t.packet, direction: t.direction, accepted: t.accepted, path: t.path,
                                        packets: 1, bytes: size, first: t.time, last: t.time, flags: f, label: t.packet.label))
    }

    @inline(__always)
    static func add(to a: inout FlowAccumulator, time: SimTime, size: UInt64, flags: UInt8, label: UInt8) {
        a.packets += 1
        a.bytes += size
        a.last = time
        a.flags |= flags
        if label > a.label { a.label = label }
    }

    /// Closes every window that has ended by `now` (time passes for ENIs without traffic too).
    public func advance(to now: SimTime) throws {
        for e in covered.indices where covered[e] { try roll(e, to: now.nanoseconds) }
        try sink?.closeFiles(before: epochNanoseconds / 1_000_000_000 + now.nanoseconds / 1_000_000_000 - 660)
    }

    /// Emits what every open window holds and closes all files.
    public func finish(at now: SimTime) throws {
        for e in covered.indices where covered[e] {
            try roll(e, to: now.nanoseconds)
            if !flows[e].isEmpty || skipped[e] > 0 { try emit(e, windowEnd: now.nanoseconds) }
        }
        try sink?.closeAll()
        try cloudWatch?.closeAll()
        try labelFile?.finish()
    }

    deinit {
        text.deinitialize(count: textCount)
        text.deallocate()
        fields.deallocate()
        steps.deallocate()
        runs.deallocate()
    }

    public func abandon() {
        sink?.abandonAll()
        cloudWatch?.abandonAll()
        labelFile?.abandon()
    }
    public var labelFilePath: String? { labelFile?.path }
    /// Whether `a` is one of ENI `e`'s own addresses.
    func owns(_ e: Int, _ a: IPv4Address) -> Bool { directory.enis[e].owns(a) }
    public var files: [String] { (sink?.finished ?? []) + (cloudWatch?.finished ?? []) }

    func roll(_ e: Int, to t: Int64) throws {
        let len = windowLength[e]
        while t >= windowStart[e] + len {
            let end = windowStart[e] + len
            if !flows[e].isEmpty || skipped[e] > 0 {
                try emit(e, windowEnd: end)
            } else if everActive[e] && windowStart[e] >= 0 {
                try emitNoData(e, from: windowStart[e], to: end)
            }
            windowStart[e] = end
            if !everActive[e] && t - windowStart[e] > len {
                // Nothing has ever been seen on this ENI: skip ahead without emitting.
                windowStart[e] += (t - windowStart[e]) / len * len
            }
        }
    }

    @inline(__always) func unixSeconds(_ t: Int64) -> Int64 { (epochNanoseconds + t) / 1_000_000_000 }

    func emit(_ e: Int, windowEnd: Int64) throws {
        for f in flows[e] {
            line.removeAll()
            format(e, f)
            try deliver(e, start: unixSeconds(f.first.nanoseconds), end: unixSeconds(f.last.nanoseconds))
            records += 1
            if f.label != 0 { try writeLabel(e, f) }
        }
        if skipped[e] > 0 {
            line.removeAll()
            formatStatus(e, status: "SKIPDATA", from: windowStart[e], to: windowEnd)
            try deliver(e, start: unixSeconds(windowStart[e]), end: unixSeconds(windowEnd))
            skipdataRecords += 1
            skipped[e] = 0
        }
        flows[e].removeAll(keepingCapacity: true)
        tables[e] = FlowTable<Int32>(capacity: 16)
    }

    func emitNoData(_ e: Int, from: Int64, to: Int64) throws {
        line.removeAll()
        formatStatus(e, status: "NODATA", from: from, to: to)
        try deliver(e, start: unixSeconds(from), end: unixSeconds(to))
        nodataRecords += 1
    }

    /// Sends the formatted `line` to the destination.
    func deliver(_ e: Int, start: Int64, end: Int64) throws {
        if let sink { try sink.append(line.view, endSeconds: end) }
        if let cloudWatch { try cloudWatch.append(line.view, stream: directory.enis[e].id, start: start, end: end) }
    }

    static let labelHeader = Array("interface-id,srcaddr,dstaddr,srcport,dstport,protocol,start,end,action,label\n".utf8)

    /// One line identifying a labelled record by the fields of the default format, as written.
    func writeLabel(_ e: Int, _ f: FlowAccumulator) throws {
        guard let path = labelPath else { return }
        if labelFile == nil {
            labelFile = try CompressedFileWriter(path: path)
            try labelFile!.write(Self.labelHeader)
        }
        let eni = directory.enis[e]
        let p = f.packet
        var src = p.source, dst = p.destination
        if f.direction == .egress { if !eni.owns(src) { src = eni.privateIP } } else { dst = eni.privateIP }
        var t = TextBuffer(capacity: 160)
        t.append(eni.id); t.byte(0x2C); t.ipv4(src); t.byte(0x2C); t.ipv4(dst); t.byte(0x2C)
        t.decimal(UInt64(p.protocolNumber == IPProtocol.icmp ? 0 : p.sourcePort)); t.byte(0x2C)
        t.decimal(UInt64(p.protocolNumber == IPProtocol.icmp ? 0 : p.destinationPort)); t.byte(0x2C)
        t.decimal(UInt64(p.protocolNumber)); t.byte(0x2C)
        t.decimal(UInt64(unixSeconds(f.first.nanoseconds))); t.byte(0x2C); t.decimal(UInt64(unixSeconds(f.last.nanoseconds))); t.byte(0x2C)
        t.append(f.accepted ? "ACCEPT" : "REJECT"); t.byte(0x2C)
        t.append(Int(f.label) < labelNames.count ? labelNames[Int(f.label)] : "label-\(f.label)")
        t.newline()
        try labelFile!.write(t.bytes)
        labelledRecords += 1
    }

    // MARK: Formatting

    /// `srcaddr`/`dstaddr` follow the interface (aws-vpc-facts §1.5): a packet leaving with a
    /// source that is not one of the ENI's addresses shows the ENI's primary private IP, and an
    /// arriving packet always shows the primary private IP as destination.
    func format(_ e: Int, _ f: FlowAccumulator) {
        let t = text[e]
        let p = f.packet
        var src = p.source, dst = p.destination
        if f.direction == .egress {
            if p.source.raw != t.primary && p.source.raw != t.secondary { src = IPv4Address(raw: t.primary) }
        } else {
            dst = IPv4Address(raw: t.primary)
        }
        let icmp = p.protocolNumber == IPProtocol.icmp
        let fixed = runs + e * runCount
        var w = line.writer()
        for k in 0..<stepCount {
            let field: FlowLogField
            switch steps[k] {
            case .fixed(let j): w.bytes(fixed[j]); continue
            case .field(let f): field = f
            }
            if k > 0 { w.byte(0x20) }
            switch field {
            case .srcaddr: w.ipv4(src)
            case .dstaddr: w.ipv4(dst)
            case .srcport: w.decimal(icmp ? 0 : UInt64(p.sourcePort))
            case .dstport: w.decimal(icmp ? 0 : UInt64(p.destinationPort))
            case .protocol: w.decimal(UInt64(p.protocolNumber))
            case .packets: w.decimal(f.packets)
            case .bytes: w.decimal(f.bytes)
            case .start: w.decimal(UInt64(unixSeconds(f.first.nanoseconds)))
            case .end: w.decimal(UInt64(unixSeconds(f.last.nanoseconds)))
            case .action: w.bytes(f.accepted ? words.accept : words.reject)
            case .tcpFlags:
                if p.protocolNumber == IPProtocol.tcp { w.decimal(UInt64(f.flags)) } else { w.byte(0x2D) }
            case .pktSrcaddr: w.ipv4(p.source)
            case .pktDstaddr: w.ipv4(p.destination)
            case .pktSrcAWSService:
                if let k = services.lookup(p.source) { w.bytes(serviceText[k]) } else { w.byte(0x2D) }
            case .pktDstAWSService:
                if let k = services.lookup(p.destination) { w.bytes(serviceText[k]) } else { w.byte(0x2D) }
            case .flowDirection: w.bytes(f.direction == .egress ? words.egress : words.ingress)
            case .trafficPath:
                if f.direction == .egress, let code = trafficPath(t.nitro, f.path) { w.decimal(UInt64(code)) } else { w.byte(0x2D) }
            default: w.bytes(Self.fixedSpan(field, t, words))
            }
        }
        w.byte(0x0A)
        line.commit(w)
    }

    /// The text of a field that is the same in every OK record of an ENI.
    static func fixedSpan(_ field: FlowLogField, _ t: ENIText, _ words: Words) -> Span {
        switch field {
        case .version: return words.version
        case .accountID: return t.account
        case .interfaceID: return t.interface
        case .logStatus: return words.ok
        case .vpcID: return t.vpc
        case .subnetID: return t.subnet
        case .instanceID: return t.instance
        case .type: return words.ipv4
        case .region: return words.region
        case .azID: return t.zone
        default: return words.dash
        }
    }

    static func fixedText(_ field: FlowLogField, _ t: ENIText, _ words: Words) -> [UInt8] {
        let span = fixedSpan(field, t, words)
        return Array(UnsafeBufferPointer(start: span.start, count: span.count))
    }

    /// Words written in records, interned once.
    struct Words {
        let accept, reject, ok, ipv4, egress, ingress, version, region, nodata, skipdata, dash: Span
        init(_ pool: TextPool, version: String, region: String) {
            accept = pool.span("ACCEPT"); reject = pool.span("REJECT"); ok = pool.span("OK"); ipv4 = pool.span("IPv4")
            dash = pool.span("-")
            egress = pool.span("egress"); ingress = pool.span("ingress")
            self.version = pool.span(version); self.region = pool.span(region)
            nodata = pool.span("NODATA"); skipdata = pool.span("SKIPDATA")
        }
    }

    /// `traffic-path` of an egress record (aws-vpc-facts §1.8): 1 within the VPC; through an
    /// internet gateway 8 from a Nitro instance, else 2; through a gateway endpoint 7 from a
    /// Nitro instance, else 2. For Lambda and NAT gateway ENIs AWS documents no code; they are
    /// not instances, so they get the generic 1/2.
    func trafficPath(_ nitro: Bool, _ path: EgressPath) -> Int? {
        switch path {
        case .unknown: return nil
        case .withinVPC: return 1
        case .internetGateway: return nitro ? 8 : 2
        case .gatewayEndpoint: return nitro ? 7 : 2
        }
    }

    /// NODATA / SKIPDATA: real window times, `-` in the traffic fields (aws-vpc-facts §1.4).
    func formatStatus(_ e: Int, status: String, from: Int64, to: Int64) {
        let t = text[e]
        var w = line.writer()
        for k in 0..<fieldCount {
            if k > 0 { w.byte(0x20) }
            switch fields[k] {
            case .version: w.bytes(words.version)
            case .accountID: w.bytes(t.account)
            case .interfaceID: w.bytes(t.interface)
            case .start: w.decimal(UInt64(unixSeconds(from)))
            case .end: w.decimal(UInt64(unixSeconds(to)))
            case .logStatus: w.bytes(status == "NODATA" ? words.nodata : words.skipdata)
            case .vpcID: w.bytes(t.vpc)
            case .subnetID: w.bytes(t.subnet)
            case .instanceID: w.bytes(t.instance)
            case .region: w.bytes(words.region)
            case .azID: w.bytes(t.zone)
            case .type: w.bytes(words.ipv4)
            default: w.byte(0x2D)
            }
        }
        w.byte(0x0A)
        line.commit(w)
    }
}

/// One step of a compiled record format: a field computed per record, or a run of fields fixed
/// per ENI (an index into the aggregator's per-ENI runs).
enum FormatStep {
    case field(FlowLogField)
    case fixed(Int)

    /// Fields whose text depends on the record, not only on the ENI.
    static func varies(_ f: FlowLogField) -> Bool {
        switch f {
        case .srcaddr, .dstaddr, .srcport, .dstport, .protocol, .packets, .bytes, .start, .end, .action, .tcpFlags,
             .pktSrcaddr, .pktDstaddr, .pktSrcAWSService, .pktDstAWSService, .flowDirection, .trafficPath: return true
        default: return false
        }
    }

    /// Steps for `fields`, and the fields of each fixed run (a run not at the start of the line
    /// carries its leading space).
    static func compile(_ fields: [FlowLogField]) -> (steps: [FormatStep], runs: [(leadingSpace: Bool, fields: [FlowLogField])]) {
        var steps: [FormatStep] = []
        var runs: [(leadingSpace: Bool, fields: [FlowLogField])] = []
        for (k, f) in fields.enumerated() {
            if varies(f) { steps.append(.field(f)); continue }
            if case .fixed(let j)? = steps.last {
                runs[j].fields.append(f)
            } else {
                steps.append(.fixed(runs.count))
                runs.append((k > 0, [f]))
            }
        }
        return (steps, runs)
    }
}

/// An ENI's record fields that never change, rendered once.
struct ENIText {
    var account, interface, vpc, subnet, instance, zone: Span
    var primary: UInt32
    /// A second address of the ENI (a NAT gateway's with several Elastic IPs), or the primary again.
    var secondary: UInt32
    var nitro: Bool
    init(_ eni: ENI, _ d: NetworkDirectory, _ pool: TextPool) {
        account = pool.span(eni.accountID)
        interface = pool.span(eni.id)
        vpc = pool.span(d.vpcs[eni.vpc.int].id)
        subnet = pool.span(d.subnets[eni.subnet.int].id)
        if case .instance(let id) = eni.kind { instance = pool.span(id) } else { instance = pool.span("-") }
        zone = pool.span(d.zones[d.subnets[eni.subnet.int].zone.int].id)
        primary = eni.privateIP.raw
        secondary = eni.secondaryIPs.first?.raw ?? eni.privateIP.raw
        nitro = eni.nitro
    }
}

/// Writes records into gzip files laid out as VPC Flow Logs deliver them to S3
/// (aws-vpc-facts §1.12): `AWSLogs/<account>/vpcflowlogs/<region>/<yyyy>/<mm>/<dd>/` (or the
/// Hive-compatible prefix, optionally per hour), one file per 5 minutes of record end times,
/// named `<account>_vpcflowlogs_<region>_<flow-log-id>_<yyyymmddThhmmZ>_<hash>.log.gz`, each
/// starting with the header line.
public final class S3FlowLogWriter {
    public struct Naming: Sendable {
        public var accountID: String
        public var region: String
        public var flowLogID: String
        public var seed: UInt64
        public var options = S3DeliveryOptions()
    }
    let root: String
    let naming: Naming
    let header: [UInt8]
    var files = OpenFiles<Int64>()
    public var finished: [String] { files.finished }
    static let period: Int64 = 300

    init(root: String, naming: Naming, header: String) {
        self.root = root
        self.naming = naming
        self.header = Array((header + "\n").utf8)
    }

    func append(_ bytes: UnsafeRawBufferPointer, endSeconds: Int64) throws {
        let bucket = endSeconds - ((endSeconds % Self.period) + Self.period) % Self.period
        if let w = files.open[bucket] { try w.write(bytes); return }
        let w = try CompressedFileWriter(path: try path(bucket))
        try w.write(header)
        try w.write(bytes)
        files.add(w, key: bucket)
    }

    func path(_ bucket: Int64) throws -> String {
        let d = UTCDateTime(unixSeconds: bucket)
        var dir = TextBuffer(capacity: 256)
        dir.append(root)
        let o = naming.options
        if o.hiveCompatiblePartitions {
            dir.append("/AWSLogs/aws-account-id=\(naming.accountID)/aws-service=vpcflowlogs/aws-region=\(naming.region)/year=")
            dir.padded(d.year, width: 4); dir.append("/month="); dir.padded(d.month, width: 2)
            dir.append("/day="); dir.padded(d.day, width: 2)
            if o.perHourPartition { dir.append("/hour="); dir.padded(d.hour, width: 2) }
        } else {
            dir.append("/AWSLogs/\(naming.accountID)/vpcflowlogs/\(naming.region)/")
            dir.padded(d.year, width: 4); dir.byte(0x2F); dir.padded(d.month, width: 2); dir.byte(0x2F); dir.padded(d.day, width: 2)
            if o.perHourPartition { dir.byte(0x2F); dir.padded(d.hour, width: 2) }
        }
        let directory = String(decoding: dir.bytes, as: UTF8.self)
        try makeDirectories(directory)
        var name = TextBuffer(capacity: 128)
        name.append("\(naming.accountID)_vpcflowlogs_\(naming.region)_\(naming.flowLogID)_")
        name.padded(d.year, width: 4); name.padded(d.month, width: 2); name.padded(d.day, width: 2); name.byte(0x54)
        name.padded(d.hour, width: 2); name.padded(d.minute, width: 2); name.byte(0x5A); name.byte(0x5F)
        // An 8-hex-digit suffix (research notes §8), derived from the run's seed, the flow log
        // (FNV-1a of its id: stable across processes, unlike Hasher) and the file's period.
        let logHash = naming.flowLogID.utf8.reduce(0xCBF2_9CE4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
        let h = TLSCiphertext.mix(naming.seed ^ 0xF1_0F10 ^ logHash, UInt64(bitPattern: bucket)) & 0xFFFF_FFFF
        let hex = Array("0123456789abcdef".utf8)
        for k in stride(from: 28, through: 0, by: -4) { name.byte(hex[Int((h >> UInt64(k)) & 0xF)]) }
        name.append(".log.gz")
        return directory + "/" + String(decoding: name.bytes, as: UTF8.self)
    }

    /// Closes files for periods that ended before `unixSeconds`.
    func closeFiles(before unixSeconds: Int64) throws {
        try files.closeOldest(while: { $0 + Self.period <= unixSeconds })
    }

    func closeAll() throws { try files.closeAll() }
    func abandonAll() { files.abandonAll() }
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

/// Writes records as CloudWatch Logs holds them (aws-vpc-facts §1.12): one log stream per ENI,
/// named `<eni-id>-all` (the suffix follows the traffic type; only `-all` is attested), each
/// event with `timestamp` = the record's start (ms) and an `ingestionTime` after its end — one
/// JSON object per line, as a subscription delivers events or an export lists them.
public final class CloudWatchFlowLogWriter {
    let directory: String
    let logGroup: String
    let suffix: String
    let seed: UInt64
    var streams = OpenFiles<String>()
    var sequence: UInt64 = 0
    public var finished: [String] { streams.finished }

    init(root: String, logGroup: String, suffix: String, seed: UInt64) {
        // The group's name may contain slashes: keep it readable as one directory.
        let safe = String(logGroup.map { $0 == "/" ? "_" : $0 })
        directory = root + "/" + safe
        self.logGroup = logGroup
        self.suffix = suffix
        self.seed = seed
    }

    func append(_ record: UnsafeRawBufferPointer, stream eni: String, start: Int64, end: Int64) throws {
        let name = eni + "-" + suffix
        let w: CompressedFileWriter
        if let existing = streams.open[name] { w = existing } else {
            try makeDirectories(directory)
            w = try CompressedFileWriter(path: directory + "/" + name + ".jsonl", gzip: false)
            streams.add(w, key: name)
        }
        sequence += 1
        // Delivery to CloudWatch Logs takes about 5 minutes after the window (aws-vpc-facts §1.4).
        let ingestion = end * 1000 + 300_000 + Int64(TLSCiphertext.mix(seed, sequence) % 60_000)
        var t = TextBuffer(capacity: record.count + 96)
        t.append("{\"id\":\"")
        t.padded(Int(start % 1_000_000_000_000), width: 12)
        t.padded(Int(sequence % 1_000_000_000), width: 9)
        t.append("\",\"timestamp\":")
        t.decimal(UInt64(start * 1000))
        t.append(",\"ingestionTime\":")
        t.decimal(UInt64(ingestion))
        t.append(",\"message\":\"")
        t.append(Array(record.dropLast()))          // the record's text has no quotes or backslashes
        t.append("\"}\n")
        try w.write(t.bytes)
    }

    func closeAll() throws { try streams.closeAll() }
    func abandonAll() { streams.abandonAll() }
}

/// `vpcsim bench flowlogs`: how fast records are formatted, as text and through gzip.
public enum FlowLogFormattingBenchmark {
    public struct Result: Sendable {
        public var records: Int
        public var textSeconds: Double
        public var gzipRecords: Int
        public var gzipSeconds: Double
        public var bytes: Int
    }

    /// Formats `records` synthetic records (varied addresses, ports, counters, directions) of the
    /// ENIs of `directory` with `format` into memory, best of `rounds`; then `gzipRecords` of them
    /// into a gzip file at `scratchPath`, once (compression dominates and varies little).
    public static func run(directory: NetworkDirectory, format: FlowLogFormat, records: Int, rounds: Int = 5,
                           gzipRecords: Int = 1_000_000, scratchPath: String) throws -> Result {
        let config = FlowLogConfig(id: "fl-0123456789abcdef0", resource: .vpc(VPCIndex(0)), maxAggregationInterval: 60, format: format,
                                   accountID: "123456789012")
        let a = FlowLogAggregator(config: config, directory: directory, epochNanoseconds: 1_795_392_000_000_000_000,
                                  outputDirectory: scratchPath, seed: 1)
        var flows: [FlowAccumulator] = []
        var r = RandomStream(seed: 99)
        for k in 0..<4096 {
            var p = Packet(source: IPv4Address(raw: 0x0A14_0000 | UInt32(r.bounded(65536))), destination: IPv4Address(raw: UInt32(truncatingIfNeeded: r.next())),
                           sourcePort: UInt16(truncatingIfNeeded: r.next()), destinationPort: [443, 80, 22, 6432][k & 3],
                           protocolNumber: k % 17 == 0 ? IPProtocol.udp : IPProtocol.tcp)
            p.tcpFlags = [[.syn], [.ack], [.fin, .ack], [.syn, .ack]][k & 3]
            flows.append(FlowAccumulator(packet: p, direction: k & 1 == 0 ? .egress : .ingress, accepted: k % 13 != 0,
                                         path: .withinVPC, packets: 1 + r.bounded(500), bytes: 40 + r.bounded(1_000_000),
                                         first: SimTime(nanoseconds: Int64(k) * 1_000_000_000), last: SimTime(nanoseconds: Int64(k) * 1_000_000_000 + 5_000_000_000),
                                         flags: UInt8(k & 0x17), label: 0))
        }
        let enis = max(directory.enis.count, 1)
        // Records accumulate in a 4 MiB block, as a file writer's buffer would hold them.
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 22, alignment: 8)
        defer { block.deallocate() }
        var used = 0
        var bytes = 0
        let clock = ContinuousClock()
        var textSeconds = Double.infinity
        for _ in 0..<max(rounds, 1) {
            used = 0
            bytes = 0
            let t0 = clock.now
            for k in 0..<records {
                a.line.removeAll()
                a.format(k % enis, flows[k & 4095])
                if used + a.line.count > block.count { bytes += used; used = 0 }
                UnsafeMutableRawBufferPointer(rebasing: block[used..<(used + a.line.count)]).copyMemory(from: a.line.view)
                used += a.line.count
            }
            bytes += used
            textSeconds = min(textSeconds, (clock.now - t0).seconds)
        }
        let gz = try CompressedFileWriter(path: scratchPath + "/bench.log.gz")
        used = 0
        let zipped = min(gzipRecords, records)
        let t1 = clock.now
        for k in 0..<zipped {
            a.line.removeAll()
            a.format(k % enis, flows[k & 4095])
            if used + a.line.count > block.count { try gz.write(UnsafeRawBufferPointer(rebasing: block[0..<used])); used = 0 }
            UnsafeMutableRawBufferPointer(rebasing: block[used..<(used + a.line.count)]).copyMemory(from: a.line.view)
            used += a.line.count
        }
        try gz.write(UnsafeRawBufferPointer(rebasing: block[0..<used]))
        try gz.finish()
        let gzipSeconds = (clock.now - t1).seconds
        return Result(records: records, textSeconds: textSeconds, gzipRecords: zipped, gzipSeconds: gzipSeconds, bytes: bytes)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
