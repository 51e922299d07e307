import Foundation
import SimCore
import Wire
import NetModel
import Transport
import Workloads
import Topology
import Capture

public struct RunOptions: Sendable {
    public var outputDirectory: String
    public var pcaps = true
    /// Print progress to standard error (when it is a terminal).
    public var progress = false
    /// Events per slice of the event loop; between slices observers drain and Ctrl-C is checked.
    public var sliceEvents: UInt64 = 1 << 20
    /// What stops the run early, at a slice boundary: Ctrl-C by default.
    public var stop: StopSignal = Interrupt.process
    public init(outputDirectory: String) { self.outputDirectory = outputDirectory }
}

/// Runs a scenario: the event loop in slices, observers draining the model's log between them,
/// outputs finished (or, when interrupted, closed cleanly) at the end.
public enum Runner {
    public static func run(_ scenario: Scenario, options: RunOptions) throws -> RunSummary {
        let wallStart = ContinuousClock.now
        var world = scenario.world
        let out = options.outputDirectory
        try prepareOutputDirectory(out)

        // What is observed: captured ENIs and every ENI a flow log covers.
        var observed = Array(repeating: false, count: world.network.enis.count)
        let captures = options.pcaps ? deduplicated(scenario.captures) : []
        for c in captures { observed[c.eni.int] = true }
        for fl in scenario.flowLogs {
            for (i, e) in world.network.enis.enumerated() {
                switch fl.resource {
                case .vpc(let v): if e.vpc == v { observed[i] = true }
                case .subnet(let s): if e.subnet == s { observed[i] = true }
                case .networkInterface(let x): if x.int == i { observed[i] = true }
                }
            }
        }
        world.network.observed = ContiguousArray(observed)
        world.tcp.recordStreams = !captures.isEmpty

        let directory = NetworkDirectory(network: world.network, dnsNames: world.dnsNames, epochNanoseconds: world.epochNanoseconds)
        var renderer = FrameRenderer(directory: directory)
        var streams = StreamStore()
        var pcapByENI: [ENIIndex: PcapWriter] = [:]
        var pcapOrder: [(CaptureSpec, PcapWriter)] = []
        var aggregators: [FlowLogAggregator] = []
        do {
            for c in captures {
                let w = try PcapWriter(path: "\(out)/captures/\(world.network.enis[c.eni.int].id).pcap")
                pcapByENI[c.eni] = w
                pcapOrder.append((c, w))
            }
            let labelled = world.labels.count > 1
            if labelled { try makeDirectories(out + "/labels") }
            for (i, fl) in scenario.flowLogs.enumerated() {
                aggregators.append(FlowLogAggregator(config: fl, directory: directory, epochNanoseconds: world.epochNanoseconds,
                                                     outputDirectory: "\(out)/flowlogs", seed: scenario.seed &+ UInt64(i) &* 0x9E37_79B9,
                                                     labels: world.labels, labelDirectory: labelled ? out + "/labels" : nil,
                                                     cloudWatchDirectory: out + "/cloudwatch-logs"))
            }
        } catch {
            for (_, w) in pcapOrder { w.abandon() }
            throw error
        }
        let epoch = world.epochNanoseconds
        var frame = [UInt8](repeating: 0, count: FrameRenderer.maxFrame)

        var scheduler = Scheduler(reservingCapacity: 1 << 12)
        world.start(&scheduler)
        let hardEnd = SimTime.zero + scenario.duration + scenario.drainLimit
        var interrupted = false
        var lastProgress = ContinuousClock.now
        do {
            while true {
                let reason = scheduler.run(until: hardEnd, maxEvents: options.sliceEvents, handler: &world)
                let now = scheduler.now
                // Drain: chunks first (packets refer to them), closures, then taps in time order.
                for c in world.network.log.chunks { streams.add(c) }
                for s in world.network.log.closedStreams { streams.closed(s, at: now) }
                for t in world.network.log.taps {
                    if let w = pcapByENI[t.eni] {
                        let n = frame.withUnsafeMutableBytes { renderer.render(t, streams: &streams, into: $0) }
                        frame.withUnsafeBytes { w.write(unixNanoseconds: epoch + t.time.nanoseconds, frame: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    }
                    for a in aggregators { try a.observe(t) }
                }
                world.network.log.removeAll()
                streams.forget(before: now - .seconds(30))
                for a in aggregators { try a.advance(to: now) }
                if options.progress && ContinuousClock.now - lastProgress > .milliseconds(500) {
                    lastProgress = ContinuousClock.now
                    Progress.show(simulated: now, total: hardEnd, workload: scenario.duration, events: scheduler.dispatched)
                }
                if options.stop.requested { interrupted = true; break }
                if world.finished { break }
                if reason == .stopRequested || reason == .eventLimit { continue }
                break
            }
            if options.progress { Progress.clear() }
            let end = scheduler.now
            for (_, w) in pcapOrder { try w.finish() }
            for a in aggregators { try a.finish(at: end) }
            if world.labels.count > 1 { try writeEpisodes(world, to: out + "/labels/episodes.jsonl") }
            let wall = (ContinuousClock.now - wallStart)
            let summary = RunSummary(scenario: scenario, world: world, end: end, events: scheduler.dispatched,
                                     captures: pcapOrder.map { ($0.0, $0.1, world.network.enis[$0.0.eni.int].id) },
                                     aggregators: aggregators, outputDirectory: out, interrupted: interrupted,
                                     wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18,
                                     missingStreamBytes: streams.missing)
            try summary.write(to: "\(out)/summary.json")
            return summary
        } catch {
            for (_, w) in pcapOrder { w.abandon() }
            for a in aggregators { a.abandon() }
            throw error
        }
    }

    /// One JSON object per labelled episode: what, when, who.
    static func writeEpisodes(_ world: World, to path: String) throws {
        let w = try CompressedFileWriter(path: path, gzip: false)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        enc.keyEncodingStrategy = .convertToSnakeCase
        for e in world.episodes.sorted(by: { ($0.start, $0.generator) < ($1.start, $1.generator) }) {
            let ports = Array(Set(e.ports)).sorted()
            // A contiguous run of ports (a range scan) is written as its two ends.
            let isRange = ports.count > 2 && Int(ports.last!) - Int(ports.first!) + 1 == ports.count
            let start = world.epochNanoseconds / 1_000_000_000 + e.start.nanoseconds / 1_000_000_000
            let end = world.epochNanoseconds / 1_000_000_000 + e.end.nanoseconds / 1_000_000_000
            let record = EpisodeRecord(label: e.label, generator: e.generator, start: UTCDateTime(unixSeconds: start).iso8601,
                                       end: UTCDateTime(unixSeconds: end).iso8601, startUnix: start, endUnix: end,
                                       sources: Array(e.sources.prefix(64)), destinations: Array(e.destinations.prefix(64)),
                                       ports: isRange ? [ports.first!, ports.last!] : Array(ports.prefix(64)),
                                       portsAreRange: isRange, truncated: e.sources.count > 64 || e.destinations.count > 64 || (!isRange && ports.count > 64))
            var line = try enc.encode(record)
            line.append(0x0A)
            try line.withUnsafeBytes { try w.write($0) }
        }
        try w.finish()
    }

    struct EpisodeRecord: Codable {
        var label: String
        var generator: String
        var start: String
        var end: String
        var startUnix: Int64
        var endUnix: Int64
        var sources: [String]
        var destinations: [String]
        var ports: [UInt16]
        var portsAreRange: Bool
        /// Whether a list was cut at 64 entries.
        var truncated: Bool
    }

    static func deduplicated(_ c: [CaptureSpec]) -> [CaptureSpec] {
        var seen = Set<ENIIndex>()
        return c.filter { seen.insert($0.eni).inserted }
    }

    /// Creates the output directory and removes what an earlier run left there (pcaps, flow-log
    /// files, summary), so the directory holds exactly this run's outputs.
    static func prepareOutputDirectory(_ out: String) throws {
        let fm = FileManager.default
        try makeDirectories(out + "/captures")
        for f in (try? fm.contentsOfDirectory(atPath: out + "/captures")) ?? [] where f.hasSuffix(".pcap") || f.hasSuffix(".partial") {
            try fm.removeItem(atPath: out + "/captures/" + f)
        }
        if fm.fileExists(atPath: out + "/flowlogs") { try fm.removeItem(atPath: out + "/flowlogs") }
        if fm.fileExists(atPath: out + "/labels") { try fm.removeItem(atPath: out + "/labels") }
        if fm.fileExists(atPath: out + "/cloudwatch-logs") { try fm.removeItem(atPath: out + "/cloudwatch-logs") }
        try makeDirectories(out + "/flowlogs")
        if fm.fileExists(atPath: out + "/summary.json") { try fm.removeItem(atPath: out + "/summary.json") }
    }
}

/// A one-line progress display on standard error.
enum Progress {
    static func show(simulated: SimTime, total: SimTime, workload: SimDuration, events: UInt64) {
        let pct = min(100, Int(simulated.seconds / max(workload.seconds, 1e-9) * 100))
        let width = 30
        let filled = pct * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = "\r  [\(bar)] \(pct)%  \(Format.seconds(simulated.seconds)) simulated, \(Format.count(events)) events"
        FileHandle.standardError.write(line.data(using: .utf8)!)
    }
    static func clear() { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
}
