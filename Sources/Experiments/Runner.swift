import Foundation
import SimCore
import Wire
import Workloads
import Topology
import Capture
import Cost

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
    /// The start of the workload excluded from the measured usage (`summary.json`'s `usage`):
    /// the cold starts of a run that begins with no execution environment.
    public var warmup = SimDuration.zero
    /// Keep every completed call in ``RunResult/requests`` (experiments).
    public var recordRequests = false
    /// Write `summary.json` (experiments keep their results elsewhere when runs are not kept).
    public var writeSummary = true
    /// The process's only run (the command line's): a second Ctrl-C then removes its partial
    /// outputs before exiting. Experiments run many at once and clear `exclusive`.
    public var exclusive = true
    public init(outputDirectory: String) { self.outputDirectory = outputDirectory }
}

/// A finished run: its summary and, when asked for, every call it completed.
public struct RunResult: Sendable {
    public var summary: RunSummary
    public var requests: ContiguousArray<RequestRecord>
    /// The name of each `RequestRecord.call`.
    public var callNames: [String]
}

/// Runs a scenario: the event loop in slices, observers draining the model's log between them,
/// outputs finished (or, when interrupted, closed cleanly) at the end.
///
/// Everything is written into a fresh directory beside the output directory (``OutputStaging``)
/// and swapped in when the run is complete; an interrupted run is kept beside it as
/// `<out>.interrupted`; a run that fails (a write error, a vanished directory) removes what it
/// wrote and leaves the previous outputs as they were.
///
/// Everything is written into a fresh directory beside the output directory (``OutputStaging``)
/// and swapped in when the run is complete; an interrupted run is kept beside it as
/// `<out>.interrupted`; a run that fails (a write error, a vanished directory) removes what it
/// wrote and leaves the previous outputs as they were.
public enum Runner {
    public static func run(_ scenario: Scenario, options: RunOptions) throws -> RunSummary {
        try execute(scenario, options: options).summary
    }

    public static func execute(_ scenario: Scenario, options: RunOptions) throws -> RunResult {
        let wallStart = ContinuousClock.now
        var world = scenario.world
        if options.recordRequests { world.metrics.requestLog = [] }
        let staging = try OutputStaging(final: options.outputDirectory)
        // The process's only run: a second Ctrl-C removes its partial outputs before exiting.
        let forced = options.exclusive && options.stop === Interrupt.process
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
                flowLogs: scenario.flowLogs, labels: world.labels, outputDirectory: out,
                decryptable: options.tls == .decryptable)
            session = s
            world.network.observed = ContiguousArray(s.observed)
            world.network.transitGatewayObserved = ContiguousArray(s.transitGatewayObserved)
            world.tcp.recordStreams = s.needsStreamContents
            world.decryptable = options.tls == .decryptable

            var scheduler = Scheduler(reservingCapacity: 1 << 12)
            world.start(&scheduler)
            let hardEnd = SimTime.zero + scenario.duration + scenario.drainLimit
            let warmup = min(options.warmup, scenario.duration)
            // Until the warm-up ends, then to the end; the counters at the end of the warm-up are
            // the baseline of the measured usage.
            var target = warmup > .zero ? SimTime.zero + warmup : hardEnd
            var baseline = UsageCounters()
            var interrupted = false
            var lastProgress = ContinuousClock.now
            while true {
                let reason = scheduler.run(until: target, maxEvents: options.sliceEvents, handler: &world)
                let now = scheduler.now
                try s.drain(&world.network.log, messages: &world.messages, now: now)
                guard access(out, F_OK) == 0 else {
                    throw OutputError("the output directory \(out) was removed during the run")
                }
                #if DEBUG
                    try Invariants.check(world, session: s, at: now)
                #endif
                if target != hardEnd && (reason == .timeLimit || reason == .queueEmpty) {
                    baseline = UsageCounters(world)
                    target = hardEnd
                    continue
                }
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
                episodes: world.episodes.map { e in
                    var seen = Set<String>()
                    let pairs = (e.sources + e.destinations).compactMap { a -> TranslatedAddress? in
                        guard seen.insert(a).inserted, let ip = IPAddress(a),
                            let inside = world.network.privateAddress(of: ip)
                        else { return nil }
                        return TranslatedAddress(outside: a, inside: "\(inside)")
                    }
                    return LabelledEpisode(
                        label: e.label, generator: e.generator, start: e.start, end: e.end, sources: e.sources,
                        destinations: e.destinations, ports: e.ports, privateAddresses: pairs)
                })
            #if DEBUG
                try Invariants.checkFinished(world, session: s, at: end)
            #endif
            let wall = (ContinuousClock.now - wallStart)
            let usage = UsageCounters.measured(world, since: baseline, scenario: scenario, warmup: warmup, session: s)
            var summary = RunSummary(
                scenario: scenario, world: world, end: end, events: scheduler.dispatched, session: s,
                interrupted: interrupted, usage: usage,
                wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18)
            summary.outputDirectory = interrupted ? staging.interruptedPath : staging.final
            if interrupted { summary.interruptedBy = options.stop.reason }
            if options.writeSummary { try summary.write(to: "\(out)/summary.json") }
            try Interrupt.critical {
                try interrupted ? staging.keepAsInterrupted() : staging.commit()
                if forced { Interrupt.protect(staging: nil) } // nothing left for a forced stop to remove
            }
            return RunResult(
                summary: summary, requests: world.metrics.requestLog ?? [], callNames: world.metrics.callNames)
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

    /// An experiment's bar: runs done (cached ones counted), elapsed time, and an estimate of
    /// what is left from the pace of the runs done so far here.
    static func experiment(_ s: JobBoard.Snapshot, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let pct = s.total == 0 ? 100 : s.done * 100 / s.total
        let width = 30
        let filled = pct * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let fresh = s.done - s.cached
        var eta = "ETA --:--"
        if fresh > 0 {
            let left = seconds / Double(fresh) * Double(s.total - s.done)
            eta = "ETA " + clock(left)
        }
        let cached = s.cached > 0 ? " (\(s.cached) cached)" : ""
        let line = "\r  [\(bar)] \(s.done)/\(s.total) runs\(cached), \(clock(seconds)) elapsed, \(eta)\u{1B}[K"
        FileHandle.standardError.write(line.data(using: .utf8)!)
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        let sec = t % 60
        return "\(t / 60):\(sec < 10 ? "0" : "")\(sec)"
    }
}
