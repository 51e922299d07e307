import SimCore
import Wire
import NetModel
import Messages

/// Everything that observes one run from outside the model: pcap files of the captured ENIs,
/// flow logs (aggregators and their sinks) and, for datasets, ground-truth labels.
///
/// The run loop tells the model which ENIs to tap (``observed``), calls ``drain(_:now:)``
/// between slices of events, and ends with ``finish(at:episodes:)`` — or ``abandon()`` after a
/// failure. Output files go below `outputDirectory`, in the subdirectories of ``OutputLayout``.
public final class CaptureSession {
    public let outputDirectory: String
    /// The static facts of the network the outputs describe.
    public let directory: NetworkDirectory
    /// Per ENI: whether a capture or a flow log observes it (the model taps only these).
    public let observed: [Bool]
    /// Per transit gateway: whether a transit gateway flow log observes it (the model records
    /// what it sees only then).
    public let transitGatewayObserved: [Bool]
    /// The pcap files, one per captured ENI, in the order the topology lists them.
    public let pcaps: [PcapCapture]
    /// The flow logs, in the order the topology lists them.
    public let flowLogs: [FlowLogOutputs]
    /// Label names (index 0 is "normal"); more than one makes the run a labelled dataset.
    public let labels: [String]
    let epochNanoseconds: Int64
    var renderer: FrameRenderer
    var streams: StreamStore
    /// Decryptable runs: each pcap's pcapng twin, the key log, and per pcap the connections whose
    /// TLS sessions it shows (in order of appearance).
    public let pcapngs: [PcapNGWriter]
    public let keyLog: TLSKeyLogFile?
    let frame: UnsafeMutableRawBufferPointer
    /// Per ENI, its index in `pcaps`, or -1.
    let pcapIndex: [Int32]
    let aggregators: [FlowLogAggregator]
    #if DEBUG
        /// Captured packets that flow logs record, per ENI and 5-tuple (debug builds' invariant check).
        public private(set) var capturedLoggedPackets: [DebugFlow: UInt64] = [:]
    #endif

    /// Opens the pcap files (`captures` deduplicated by ENI) and sets up the flow logs. Flow log
    /// `k` draws its randomness (window phases, file names) from `seed` and `k`.
    /// With `decryptable`, TLS is real: each pcap gets a pcapng twin with the key log embedded,
    /// and `tls-keys.log` is written beside the captures.
    public init(
        network: Network, epochNanoseconds: Int64, seed: UInt64, captures: [CaptureSpec],
        flowLogs: [FlowLogConfig], labels: [String], outputDirectory: String, decryptable: Bool = false
    ) throws {
        self.outputDirectory = outputDirectory
        streams = StreamStore(
            tls: TLSRendering(
                decryptable: decryptable, seed: seed, runStartUnixSeconds: epochNanoseconds / 1_000_000_000))
        self.epochNanoseconds = epochNanoseconds
        self.labels = labels
        let directory = NetworkDirectory(network: network, epochNanoseconds: epochNanoseconds)
        self.directory = directory
        renderer = FrameRenderer(directory: directory)
        var seen = Set<ENIIndex>()
        var pcaps: [PcapCapture] = []
        var pcapngs: [PcapNGWriter] = []
        var keyLog: TLSKeyLogFile?
        var pcapIndex = [Int32](repeating: -1, count: directory.enis.count)
        do {
            for c in captures where seen.insert(c.eni).inserted {
                let id = directory.enis[c.eni.int].id
                let w = try PcapWriter(path: "\(outputDirectory)/\(OutputLayout.captures)/\(id).pcap")
                pcapIndex[c.eni.int] = Int32(pcaps.count)
                pcaps.append(PcapCapture(spec: c, eniID: id, writer: w))
                if decryptable {
                    pcapngs.append(try PcapNGWriter(path: "\(outputDirectory)/\(OutputLayout.captures)/\(id).pcapng"))
                }
            }
            if decryptable && !pcaps.isEmpty {
                keyLog = try TLSKeyLogFile(path: outputDirectory + "/" + OutputLayout.tlsKeyLog)
            }
            if labels.count > 1 {
                try makeDirectories(outputDirectory + "/" + OutputLayout.labels, under: outputDirectory)
            }
        } catch {
            for p in pcaps { p.writer.abandon() }
            for p in pcapngs { p.abandon() }
            keyLog?.abandon()
            throw error
        }
        self.pcaps = pcaps
        self.pcapngs = pcapngs
        self.keyLog = keyLog
        self.pcapIndex = pcapIndex
        self.flowLogs = flowLogs.enumerated().map { k, config in
            let context = FlowLogSinkContext(
                config: config, directory: directory, seed: seed &+ UInt64(k) &* 0x9E37_79B9,
                outputDirectory: outputDirectory)
            let destination = config.destination.makeSink(context)
            let labelSink = labels.count > 1 ? FlowLogLabelSink(context, labels: labels) : nil
            let sinks: [any FlowLogSink] = [destination] + (labelSink.map { [$0] } ?? [])
            let a = FlowLogAggregator(
                config: config, directory: directory, epochNanoseconds: epochNanoseconds, seed: context.seed,
                sinks: sinks)
            return FlowLogOutputs(aggregator: a, destination: destination, labels: labelSink)
        }
        aggregators = self.flowLogs.map(\.aggregator)
        var observed = [Bool](repeating: false, count: directory.enis.count)
        for p in pcaps { observed[p.spec.eni.int] = true }
        for a in aggregators { for e in observed.indices where a.coverage[e] { observed[e] = true } }
        self.observed = observed
        var gateways = [Bool](repeating: false, count: directory.transitGateways.count)
        for a in aggregators {
            for (i, covered) in a.transitGatewayCoverage.enumerated() where covered {
                gateways[directory.transitGatewayAttachments[i].transitGateway.int] = true
            }
        }
        transitGatewayObserved = gateways
        frame = .allocate(byteCount: FrameRenderer.maxFrame, alignment: 8)
        frame.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit { frame.deallocate() }

    /// Whether the pcaps need the bytes of TCP streams (the model then logs what each carries).
    public var needsStreamContents: Bool { !pcaps.isEmpty }

    /// Takes what the model logged since the last drain, at simulated time `now`: stream chunks
    /// first (packets refer to them), closed streams, then taps in time order — frames for the
    /// pcaps, packets for the flow logs; then closes the flow-log windows that ended by `now`.
    public func drain(_ log: inout ObservationLog, now: SimTime) throws {
        var none = MessageLog()
        try drain(&log, messages: &none, now: now)
    }

    /// As ``drain(_:now:)``, also taking the plaintexts the applications logged (decryptable runs).
    public func drain(_ log: inout ObservationLog, messages: inout MessageLog, now: SimTime) throws {
        let aggregators = self.aggregators, pcapIndex = self.pcapIndex
        for o in log.resumptionOffers { _ = renderer.directory.catalog.add(offer: o) }
        for c in log.chunks { streams.add(c) }
        for s in log.closedStreams { streams.closed(s, at: now) }
        if !messages.entries.isEmpty {
            streams.tls.add(messages)
            messages.removeAll()
        }
        for t in log.taps {
            let p = pcapIndex[t.eni.int]
            if p >= 0 {
                let n = renderer.render(t, streams: &streams, into: frame)
                let bytes = UnsafeRawBufferPointer(rebasing: frame[0..<n])
                let time = epochNanoseconds + t.time.nanoseconds
                pcaps[Int(p)].writer.write(unixNanoseconds: time, frame: bytes)
                if !pcapngs.isEmpty {
                    pcapngs[Int(p)].write(unixNanoseconds: time, frame: bytes)
                    noteSession(t.packet, pcap: Int(p))
                }
                #if DEBUG
                    if t.logged {
                        capturedLoggedPackets[DebugFlow(eni: Int32(t.eni.int), flow: t.packet.flow), default: 0] += 1
                    }
                #endif
            }
            for a in aggregators { try a.observe(t) }
        }
        for t in log.transitGatewayTaps {
            for a in aggregators { try a.observe(t) }
        }
        log.removeAll()
        for p in pcaps { try p.writer.checkErrors() }
        streams.forget(before: now - .seconds(30))
        for a in aggregators { try a.advance(to: now) }
    }

    /// Closes the pcaps, emits what every flow-log window still holds, finishes every sink and,
    /// for a dataset, writes the episodes file.
    public func finish(at end: SimTime, episodes: [LabelledEpisode]) throws {
        for p in pcaps { try p.writer.finish() }
        for p in pcapngs { try p.finish() }
        try keyLog?.finish()
        for a in aggregators { try a.finish(at: end) }
        if labels.count > 1 {
            try EpisodeLog.write(withRecordExtents(episodes), epochNanoseconds: epochNanoseconds, to: episodesPath)
        }
    }

    /// The episodes with their extents taken from their labelled records (every flow log's), so
    /// an episode starts with its first record's start and ends with its last record's end. A
    /// record names its label, not its generator: when several episodes share a label, the
    /// records cannot tell them apart and those episodes keep their generators' active periods;
    /// an episode with no record keeps it too.
    func withRecordExtents(_ episodes: [LabelledEpisode]) -> [LabelledEpisode] {
        var extents: [(start: Int64, end: Int64)?] = Array(repeating: nil, count: labels.count)
        for f in flowLogs {
            guard let sink = f.labels else { continue }
            for (i, e) in sink.extents.enumerated() where i < extents.count {
                guard let e else { continue }
                let x = extents[i]
                extents[i] = (min(x?.start ?? e.start, e.start), max(x?.end ?? e.end, e.end))
            }
        }
        var sharing: [String: Int] = [:]
        for e in episodes { sharing[e.label, default: 0] += 1 }
        return episodes.map { e in
            var e = e
            if sharing[e.label] == 1, let i = labels.firstIndex(of: e.label), let x = extents[i] { e.recordExtent = x }
            return e
        }
    }

    /// Removes partial files after a failure.
    public func abandon() {
        for p in pcaps { p.writer.abandon() }
        for p in pcapngs { p.abandon() }
        keyLog?.abandon()
        for a in aggregators { a.abandon() }
    }

    /// Whether TLS is real in this run.
    public var decryptable: Bool { streams.tls.decryptable }

    /// How many TLS sessions pcap `k`'s pcapng embeds keys for.
    public func sessionsShown(pcap k: Int) -> Int { k < pcapngs.count ? pcapngs[k].sessions : 0 }

    /// A TCP packet of connection `c` was written to pcap `p`: once its TLS session exists, the
    /// pcapng shows it (its secrets go in that file's Decryption Secrets Block) and the key log
    /// gets its lines the first time any capture shows it.
    func noteSession(_ packet: Packet, pcap p: Int) {
        guard case .stream(let id, _) = packet.payload, let session = streams.tls.sessions[id.connection] else {
            return
        }
        let c = id.connection
        let seen = streams.tls.shownIn[c]
        if seen?.contains(Int32(p)) == true { return }
        streams.tls.shownIn[c, default: []].append(Int32(p))
        pcapngs[p].appendSecrets(session.keyLog)
        if seen == nil { keyLog?.append(session.keyLog) }
    }

    public var episodesPath: String { outputDirectory + "/" + OutputLayout.labels + "/episodes.jsonl" }

    /// The label files of a dataset: each flow log's records file (once it has one), then the
    /// episodes file.
    public var labelFiles: [String] {
        labels.count > 1 ? flowLogs.compactMap { $0.labels?.files.first } + [episodesPath] : []
    }

    /// Stream bytes a pcap needed after their chunks were forgotten (should stay 0).
    public var missingStreamBytes: UInt64 { streams.missing }
}

/// One pcap file of a session.
public struct PcapCapture {
    public let spec: CaptureSpec
    public let eniID: String
    public let writer: PcapWriter
}

/// One flow log of a session: its aggregator, the sink of its destination, and a dataset's label sink.
public struct FlowLogOutputs {
    public let aggregator: FlowLogAggregator
    public let destination: any FlowLogSink
    public let labels: FlowLogLabelSink?
}
