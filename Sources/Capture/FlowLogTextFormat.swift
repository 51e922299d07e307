import Wire
import NetModel

/// A record format compiled for text, as VPC Flow Logs write it: fields separated by single
/// spaces, `-` where a field has no value, one record per line.
///
/// The fast path: fields whose text depends only on the ENI (ids, region, zone, version…) are
/// pre-rendered once per ENI in runs, with their separating spaces; per record only the varying
/// fields are written, digits and addresses through lookup tables.
public final class FlowLogTextFormat {
    public let format: FlowLogFormat
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
    /// of fields whose text is fixed per ENI and address family (`type` is), each pre-rendered
    /// once per ENI and family into `runs` (`runs[(f * textCount + e) * runCount + j]`, f = 0 for
    /// IPv4 and 1 for IPv6, with the separating spaces).
    let steps: UnsafeMutablePointer<FormatStep>
    let stepCount: Int
    let runs: UnsafeMutablePointer<Span>
    let runCount: Int
    /// The ids transit gateway records name (``render(_:into:)-(TransitGatewayFlowLogRecord,_)``).
    let transitGatewayText: TransitGatewayText

    public init(format: FlowLogFormat, directory: NetworkDirectory) {
        self.format = format
        let pool = TextPool()
        self.pool = pool
        textCount = directory.enis.count
        text = .allocate(capacity: max(textCount, 1))
        for (i, e) in directory.enis.enumerated() { (text + i).initialize(to: ENIText(e, directory, pool)) }
        let services = ServiceIntervals(directory.awsRanges)
        self.services = services
        serviceText = services.names.map { pool.span($0) }
        words = Words(pool, version: String(format.version), region: directory.region)
        transitGatewayText = TransitGatewayText(directory, pool)
        fieldCount = format.fields.count
        fields = .allocate(capacity: fieldCount)
        fields.initialize(from: format.fields, count: fieldCount)
        let program = FormatStep.compile(format.fields)
        stepCount = program.steps.count
        steps = .allocate(capacity: max(stepCount, 1))
        steps.initialize(from: program.steps, count: stepCount)
        runCount = program.runs.count
        runs = .allocate(capacity: max(2 * runCount * textCount, 1))
        for (f, family) in [IPFamily.ipv4, .ipv6].enumerated() {
            for e in 0..<textCount {
                for (j, run) in program.runs.enumerated() {
                    var bytes: [UInt8] = run.leadingSpace ? [0x20] : []
                    for (k, field) in run.fields.enumerated() {
                        if k > 0 { bytes.append(0x20) }
                        bytes += Self.fixedText(field, text[e], words, family)
                    }
                    (runs + (f * textCount + e) * runCount + j).initialize(to: pool.span(bytes))
                }
            }
        }
    }

    deinit {
        text.deinitialize(count: textCount)
        text.deallocate()
        fields.deallocate()
        steps.deallocate()
        runs.deallocate()
    }

    /// The header line of S3 text files: the field names, space-separated.
    public var header: String { format.header }

    /// Replaces what `line` holds with the text of `r`, newline included.
    public func render(_ r: FlowLogRecord, into line: RecordLine) {
        line.removeAll()
        if r.logStatus == .ok { renderOK(r, line) } else { renderStatus(r, line) }
    }

    func renderOK(_ r: FlowLogRecord, _ line: RecordLine) {
        if r.family == .ipv4 { renderIPv4(r, line) } else { renderIPv6(r, line) }
    }

    /// An IPv4 record's four addresses are all IPv4 (the packet's, or the ENI's primary IPv4), so
    /// its rendering is compiled without the IPv6 paths: the IPv4 hot path formats as it did
    /// before addresses had two families.
    @inline(never) func renderIPv4(_ r: FlowLogRecord, _ line: RecordLine) { renderOK(r, line, v4: true) }
    @inline(never) func renderIPv6(_ r: FlowLogRecord, _ line: RecordLine) { renderOK(r, line, v4: false) }

    @inline(__always) func renderOK(_ r: FlowLogRecord, _ line: RecordLine, v4: Bool) {
        let e = r.eni.int
        let fixed = runs + ((v4 ? 0 : textCount) &+ e) * runCount
        var w = line.writer()
        for k in 0..<stepCount {
            let field: FlowLogField
            switch steps[k] {
            case .fixed(let j): w.bytes(fixed[j]); continue
            case .field(let f): field = f
            }
            if k > 0 { w.byte(0x20) }
            switch field {
            case .srcaddr: if v4 { w.ipv4(r.srcaddr.ipv4Raw) } else { w.ip(r.srcaddr) }
            case .dstaddr: if v4 { w.ipv4(r.dstaddr.ipv4Raw) } else { w.ip(r.dstaddr) }
            case .srcport: w.decimal(UInt64(r.srcport))
            case .dstport: w.decimal(UInt64(r.dstport))
            case .protocol: w.decimal(UInt64(r.protocolNumber))
            case .packets: w.decimal(r.packets)
            case .bytes: w.decimal(r.bytes)
            case .start: w.decimal(UInt64(r.start))
            case .end: w.decimal(UInt64(r.end))
            case .action: w.bytes(r.action == .accept ? words.accept : words.reject)
            case .tcpFlags:
                if r.protocolNumber == IPProtocol.tcp { w.decimal(UInt64(r.tcpFlags)) } else { w.byte(0x2D) }
            case .pktSrcaddr: if v4 { w.ipv4(r.pktSrcaddr.ipv4Raw) } else { w.ip(r.pktSrcaddr) }
            case .pktDstaddr: if v4 { w.ipv4(r.pktDstaddr.ipv4Raw) } else { w.ip(r.pktDstaddr) }
            case .pktSrcAWSService:
                let s = v4 ? services.lookup(ipv4: r.pktSrcaddr.ipv4Raw) : services.lookup(r.pktSrcaddr)
                if let k = s { w.bytes(serviceText[k]) } else { w.byte(0x2D) }
            case .pktDstAWSService:
                let s = v4 ? services.lookup(ipv4: r.pktDstaddr.ipv4Raw) : services.lookup(r.pktDstaddr)
                if let k = s { w.bytes(serviceText[k]) } else { w.byte(0x2D) }
            case .flowDirection: w.bytes(r.direction == .egress ? words.egress : words.ingress)
            case .trafficPath:
                if r.trafficPath != .none { w.decimal(UInt64(r.trafficPath.rawValue)) } else { w.byte(0x2D) }
            default: w.bytes(Self.fixedSpan(field, text[e], words, v4 ? .ipv4 : .ipv6))
            }
        }
        w.byte(0x0A)
        line.commit(w)
    }

    /// NODATA / SKIPDATA: real window times, `-` in the traffic fields (AWS VPC user guide,
    /// "Flow log records", field log-status).
    func renderStatus(_ r: FlowLogRecord, _ line: RecordLine) {
        let t = text[r.eni.int]
        var w = line.writer()
        for k in 0..<fieldCount {
            if k > 0 { w.byte(0x20) }
            switch fields[k] {
            case .version: w.bytes(words.version)
            case .accountID: w.bytes(t.account)
            case .interfaceID: w.bytes(t.interface)
            case .start: w.decimal(UInt64(r.start))
            case .end: w.decimal(UInt64(r.end))
            case .logStatus: w.bytes(r.logStatus == .noData ? words.nodata : words.skipdata)
            case .vpcID: w.bytes(t.vpc)
            case .subnetID: w.bytes(t.subnet)
            case .instanceID: w.bytes(t.instance)
            case .region: w.bytes(words.region)
            case .azID: w.bytes(t.zone)
            // A window without traffic has no packet to take a family from; AWS's NODATA example
            // shows the default format only, so `type` keeps the IPv4 this has always written.
            case .type: w.bytes(words.ipv4)
            default: w.byte(0x2D)
            }
        }
        w.byte(0x0A)
        line.commit(w)
    }

    /// The text of a field that is the same in every OK record of an ENI: its ids, and `-` for
    /// what the model does not have (ECS fields, `reject-reason` without Block Public Access,
    /// sublocations), as AWS writes for traffic they do not apply to.
    static func fixedSpan(_ field: FlowLogField, _ t: ENIText, _ words: Words, _ family: IPFamily) -> Span {
        switch field {
        case .version: return words.version
        case .accountID: return t.account
        case .interfaceID: return t.interface
        case .logStatus: return words.ok
        case .vpcID: return t.vpc
        case .subnetID: return t.subnet
        case .instanceID: return t.instance
        case .type: return family == .ipv4 ? words.ipv4 : words.ipv6
        case .region: return words.region
        case .azID: return t.zone
        default: return words.dash
        }
    }

    static func fixedText(_ field: FlowLogField, _ t: ENIText, _ words: Words, _ family: IPFamily) -> [UInt8] {
        let span = fixedSpan(field, t, words, family)
        return Array(UnsafeBufferPointer(start: span.start, count: span.count))
    }

    /// Words written in records, interned once.
    struct Words {
        let accept, reject, ok, ipv4, ipv6, egress, ingress, version, region, nodata, skipdata, dash: Span
        init(_ pool: TextPool, version: String, region: String) {
            accept = pool.span("ACCEPT"); reject = pool.span("REJECT"); ok = pool.span("OK")
            ipv4 = pool.span(IPFamily.ipv4.description); ipv6 = pool.span(IPFamily.ipv6.description)
            dash = pool.span("-")
            egress = pool.span("egress"); ingress = pool.span("ingress")
            self.version = pool.span(version); self.region = pool.span(region)
            nodata = pool.span("NODATA"); skipdata = pool.span("SKIPDATA")
        }
    }
}

/// One step of a compiled record format: a field computed per record, or a run of fields fixed
/// per ENI (an index into the format's per-ENI runs).
enum FormatStep {
    case field(FlowLogField)
    case fixed(Int)

    /// Fields whose text depends on the record, not only on the ENI.
    static func varies(_ f: FlowLogField) -> Bool {
        switch f {
        case .srcaddr, .dstaddr, .srcport, .dstport, .protocol, .packets, .bytes, .start, .end, .action, .tcpFlags,
            .pktSrcaddr, .pktDstaddr, .pktSrcAWSService, .pktDstAWSService, .flowDirection, .trafficPath:
            return true
        default: return false
        }
    }

    /// Steps for `fields`, and the fields of each fixed run (a run not at the start of the line
    /// carries its leading space).
    static func compile(_ fields: [FlowLogField]) -> (
        steps: [FormatStep], runs: [(leadingSpace: Bool, fields: [FlowLogField])]
    ) {
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
    init(_ eni: ENI, _ d: NetworkDirectory, _ pool: TextPool) {
        account = pool.span(eni.accountID)
        interface = pool.span(eni.id)
        vpc = pool.span(d.vpcs[eni.vpc.int].id)
        subnet = pool.span(d.subnets[eni.subnet.int].id)
        if case .instance(let id) = eni.kind { instance = pool.span(id) } else { instance = pool.span("-") }
        zone = pool.span(d.zones[d.subnets[eni.subnet.int].zone.int].id)
    }
}
