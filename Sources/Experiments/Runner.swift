import Foundation
import SimCore
import Workloads
import Topology
import Capture

/// What the bytes inside TLS records are. Both modes write the same packets, of the same sizes
/// at the same times; they differ only in those bytes.
public enum TLSMode: String, Sendable, CaseIterable {
    /// Records of the right sizes whose contents are seeded filler (fast; nothing to decrypt).
    case sizeOnly = "size-only"
    /// Real TLS sessions (swift-crypto) carrying the real messages, with the keys in
    /// `tls-keys.log` and in each capture's pcapng.
    case decryptable
}

public struct RunOptions: Sendable {
    public var outputDirectory: String
    public var pcaps = true
    /// How TLS records are written: sized filler, or real TLS with the keys logged.
    public var tls = TLSMode.sizeOnly
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

        let session = try CaptureSession(
            network: world.network, epochNanoseconds: world.epochNanoseconds,
            seed: scenario.seed, captures: options.pcaps ? scenario.captures : [],
            flowLogs: scenario.flowLogs, labels: world.labels, outputDirectory: out,
            decryptable: options.tls == .decryptable)
        world.network.observed = ContiguousArray(session.observed)
        world.tcp.recordStreams = session.needsStreamContents
        world.decryptable = options.tls == .decryptable

        var scheduler = Scheduler(reservingCapacity: 1 << 12)
        world.start(&scheduler)
        let hardEnd = SimTime.zero + scenario.duration + scenario.drainLimit
        var interrupted = false
        var lastProgress = ContinuousClock.now
        do {
            while true {
                let reason = scheduler.run(until: hardEnd, maxEvents: options.sliceEvents, handler: &world)
                let now = scheduler.now
                try session.drain(&world.network.log, messages: &world.messages, now: now)
                if options.progress && ContinuousClock.now - lastProgress > .milliseconds(500) {
                    lastProgress = ContinuousClock.now
                    Progress.show(
                        simulated: now, total: hardEnd, workload: scenario.duration, events: scheduler.dispatched)
                }
                if options.stop.requested { interrupted = true; break }
                if world.finished { break }
                if reason == .stopRequested || reason == .eventLimit { continue }
                break
            }
            if options.progress { Progress.clear() }
            let end = scheduler.now
            try session.finish(
                at: end,
                episodes: world.episodes.map {
                    LabelledEpisode(
                        label: $0.label, generator: $0.generator, start: $0.start, end: $0.end, sources: $0.sources,
                        destinations: $0.destinations, ports: $0.ports)
                })
            let wall = (ContinuousClock.now - wallStart)
            let summary = RunSummary(
                scenario: scenario, world: world, end: end, events: scheduler.dispatched, session: session,
                interrupted: interrupted,
                wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18)
            try summary.write(to: "\(out)/summary.json")
            return summary
        } catch {
            session.abandon()
            throw error
        }
    }

    /// Creates the output directory and removes what an earlier run left there (pcaps, flow-log
    /// files, summary), so the directory holds exactly this run's outputs.
    static func prepareOutputDirectory(_ out: String) throws {
        let fm = FileManager.default
        let captures = out + "/" + OutputLayout.captures
        try makeDirectories(captures)
        for f in (try? fm.contentsOfDirectory(atPath: captures)) ?? []
        where f.hasSuffix(".pcap") || f.hasSuffix(".pcapng") || f.hasSuffix(".partial") {
            try fm.removeItem(atPath: captures + "/" + f)
        }
        for d in OutputLayout.all where d != OutputLayout.captures && fm.fileExists(atPath: out + "/" + d) {
            try fm.removeItem(atPath: out + "/" + d)
        }
        try makeDirectories(out + "/" + OutputLayout.flowLogs)
        for f in ["summary.json", OutputLayout.tlsKeyLog] where fm.fileExists(atPath: out + "/" + f) {
            try fm.removeItem(atPath: out + "/" + f)
        }
    }
}

/// A one-line progress display on standard error.
enum Progress {
    static func show(simulated: SimTime, total: SimTime, workload: SimDuration, events: UInt64) {
        let pct = min(100, Int(simulated.seconds / max(workload.seconds, 1e-9) * 100))
        let width = 30
        let filled = pct * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line =
            "\r  [\(bar)] \(pct)%  \(Format.seconds(simulated.seconds)) simulated, \(Format.count(events)) events"
        FileHandle.standardError.write(line.data(using: .utf8)!)
    }
    static func clear() { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
}
