import Foundation
import SimCore
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
///
/// Everything is written into a fresh directory beside the output directory (``OutputStaging``)
/// and swapped in when the run is complete; an interrupted run is kept beside it as
/// `<out>.interrupted`; a run that fails (a write error, a vanished directory) removes what it
/// wrote and leaves the previous outputs as they were.
public enum Runner {
    public static func run(_ scenario: Scenario, options: RunOptions) throws -> RunSummary {
        let wallStart = ContinuousClock.now
        var world = scenario.world
        let staging = try OutputStaging(final: options.outputDirectory)
        let forced = options.stop === Interrupt.process
        if forced { Interrupt.protect(staging: staging.path) }
        defer { if forced { Interrupt.protect(staging: nil) } }
        let out = staging.path
        var session: CaptureSession?
        do {
            try makeDirectories(out + "/" + OutputLayout.captures)
            try makeDirectories(out + "/" + OutputLayout.flowLogs)
            let s = try CaptureSession(
                network: world.network, epochNanoseconds: world.epochNanoseconds,
                seed: scenario.seed, captures: options.pcaps ? scenario.captures : [],
                flowLogs: scenario.flowLogs, labels: world.labels, outputDirectory: out)
            session = s
            world.network.observed = ContiguousArray(s.observed)
            world.tcp.recordStreams = s.needsStreamContents

            var scheduler = Scheduler(reservingCapacity: 1 << 12)
            world.start(&scheduler)
            let hardEnd = SimTime.zero + scenario.duration + scenario.drainLimit
            var interrupted = false
            var lastProgress = ContinuousClock.now
            while true {
                let reason = scheduler.run(until: hardEnd, maxEvents: options.sliceEvents, handler: &world)
                let now = scheduler.now
                try s.drain(&world.network.log, now: now)
                guard access(out, F_OK) == 0 else {
                    throw OutputError("the output directory \(out) was removed during the run")
                }
                #if DEBUG
                    try Invariants.check(world, session: s, at: now)
                #endif
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
            try s.finish(
                at: end,
                episodes: world.episodes.map {
                    LabelledEpisode(
                        label: $0.label, generator: $0.generator, start: $0.start, end: $0.end, sources: $0.sources,
                        destinations: $0.destinations, ports: $0.ports)
                })
            #if DEBUG
                try Invariants.checkFinished(world, session: s, at: end)
            #endif
            let wall = (ContinuousClock.now - wallStart)
            var summary = RunSummary(
                scenario: scenario, world: world, end: end, events: scheduler.dispatched, session: s,
                interrupted: interrupted,
                wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18)
            summary.outputDirectory = interrupted ? staging.interruptedPath : staging.final
            if interrupted { summary.interruptedBy = options.stop.reason }
            try summary.write(to: "\(out)/summary.json")
            try Interrupt.critical {
                try interrupted ? staging.keepAsInterrupted() : staging.commit()
                if forced { Interrupt.protect(staging: nil) } // nothing left for a forced stop to remove
            }
            return summary
        } catch {
            session?.abandon()
            staging.discard()
            throw RunFailure(error, staging: staging)
        }
    }
}

/// A run that failed: its reason (with the partial run's paths shown as the output
/// directory's), and the state it left: nothing written, the previous outputs unchanged.
public struct RunFailure: Error, CustomStringConvertible {
    public let reason: String
    public let outputDirectory: String
    public let previousOutputsExist: Bool
    init(_ error: Error, staging: OutputStaging) {
        reason = "\(error)".replacingOccurrences(of: staging.path, with: staging.final)
        outputDirectory = staging.final
        previousOutputsExist = OutputStaging.names.contains {
            FileManager.default.fileExists(atPath: staging.final + "/" + $0)
        }
    }
    public var description: String {
        reason + "; the run was abandoned and nothing of it was kept ("
            + (previousOutputsExist
                ? "the previous outputs in \(outputDirectory) are unchanged)" : "\(outputDirectory) has no outputs)")
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
