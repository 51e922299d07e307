import Foundation
import SimCore
import Topology
import Cost

public struct ExperimentOptions: Sendable {
    public var outputDirectory: String
    /// Runs at once (default: the machine's cores).
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    /// Where finished runs are kept, keyed by what they depend on (nil: no cache).
    public var cacheDirectory: String?
    /// Keep each run's outputs (pcaps, flow logs, summary.json) under `runs/`.
    public var keepRuns = false
    /// Draw the plots with Tools/plot-experiment (matplotlib); without, the report has tables only.
    public var plots = true
    public var progress = false
    public var priceDirectory: String
    public var stop: StopSignal = Interrupt.process
    public init(outputDirectory: String, priceDirectory: String) {
        self.outputDirectory = outputDirectory; self.priceDirectory = priceDirectory
    }
}

/// What an experiment did, for the command to print.
public struct ExperimentOutcome: Sendable {
    public var results: ExperimentResults
    public var runs: Int
    public var cached: Int
    public var interrupted: Bool
    public var files: [String]
    public var wallSeconds: Double
}

/// Runs an experiment: every variant × point × seed, in parallel, each run from the cache when
/// its inputs are unchanged; then results, plots and the report.
public enum ExperimentRunner {
    struct Job: Sendable {
        var variant: Int
        var point: ExperimentSpec.Point
        var pointIndex: Int
        var seed: UInt64
        var seedIndex: Int
        var key: String
    }

    public static func run(_ spec: ExperimentSpec, options: ExperimentOptions) throws -> ExperimentOutcome {
        let wallStart = ContinuousClock.now
        let catalog = try PriceCatalogLoader.load(directory: options.priceDirectory)
        let firstScenario = try TopologyLoader.load(
            path: spec.variants[0].topology, overrides: RunOverrides(seed: spec.seeds[0], duration: spec.duration),
            patches: spec.patches(variant: 0, point: spec.points[0]))
        let region = spec.pricingRegion ?? firstScenario.network.region
        guard catalog.regions.contains(region) else {
            throw ExperimentError(
                "\(spec.file): the price catalog has no prices for \(region) (it has "
                    + "\(catalog.regions.joined(separator: ", ")))")
        }
        let plotter = options.plots ? try Plotter.locate() : nil
        let version = VPCSimVersion.current

        // Every run, keyed by the patched topology's canonical text, the seed, the durations and the binary.
        var jobs: [Job] = []
        let points = spec.points
        for v in spec.variants.indices {
            for (pi, p) in points.enumerated() {
                let canonical = try TopologyLoader.canonicalText(
                    path: spec.variants[v].topology, patches: spec.patches(variant: v, point: p))
                for (si, seed) in spec.seeds.enumerated() {
                    var h = FNV1a64()
                    for b in "\(version.build)|\(seed)|\(spec.duration.nanoseconds)|\(spec.warmup.nanoseconds)|".utf8 {
                        h.add(b)
                    }
                    for b in canonical.utf8 { h.add(b) }
                    jobs.append(
                        Job(
                            variant: v, point: p, pointIndex: pi, seed: seed, seedIndex: si,
                            key: hex(h.hash) + hex(FNV1a64.hash(canonical.utf8, basis: 0x6c62_272e_07bb_0142))))
                }
            }
        }

        let out = options.outputDirectory
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        if let c = options.cacheDirectory {
            try FileManager.default.createDirectory(atPath: c, withIntermediateDirectories: true)
        }
        let board = JobBoard(count: jobs.count)
        // Cached runs first.
        if let cache = options.cacheDirectory, !options.keepRuns {
            for (i, j) in jobs.enumerated() {
                if let data = FileManager.default.contents(atPath: "\(cache)/\(j.key).json"),
                    let r = try? JSONDecoder().decode(RunRecord.self, from: data)
                {
                    board.finish(i, r, cached: true)
                }
            }
        }
        let workers = max(1, min(options.jobs, jobs.count))
        let queued = jobs
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while let i = board.next() {
                    do {
                        let r = try runOne(spec, queued[i], options: options)
                        if let r {
                            board.finish(i, r, cached: false)
                            if let cache = options.cacheDirectory, !options.keepRuns {
                                try? JSONEncoder().encode(r).write(
                                    to: URL(fileURLWithPath: "\(cache)/\(queued[i].key).json"))
                            }
                        } else {
                            board.interrupt()
                        }
                    } catch {
                        board.fail("\(error)")
                    }
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        let started = ContinuousClock.now
        while group.wait(timeout: .now() + .milliseconds(250)) == .timedOut {
            if options.progress { Progress.experiment(board.snapshot(), since: started) }
            if options.stop.requested { board.interrupt() }
        }
        if options.progress { Progress.clear() }
        let state = board.snapshot()
        if let e = state.error { throw ExperimentError(e) }
        let wall = ContinuousClock.now - wallStart
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        if state.interrupted {
            return ExperimentOutcome(
                results: empty(spec, region: region, version: version), runs: state.done, cached: state.cached,
                interrupted: true, files: [], wallSeconds: wallSeconds)
        }

        let records = board.records.map { $0! }
        var variants: [ExperimentResults.Variant] = []
        for (v, variant) in spec.variants.enumerated() {
            var ps: [ExperimentResults.Point] = []
            for (pi, p) in points.enumerated() {
                let runs = jobs.indices.filter { jobs[$0].variant == v && jobs[$0].pointIndex == pi }
                    .sorted { jobs[$0].seedIndex < jobs[$1].seedIndex }.map { records[$0] }
                ps.append(try ExperimentResults.point(spec, p, runs: runs, catalog: catalog, region: region))
            }
            variants.append(.init(name: variant.name, description: variant.description, points: ps))
        }
        var results = empty(spec, region: region, version: version)
        results.variants = variants
        let files = try ExperimentOutputs.write(
            results, spec: spec, jobs: jobs, records: records, catalog: catalog, plotter: plotter, directory: out)
        let total = ContinuousClock.now - wallStart
        return ExperimentOutcome(
            results: results, runs: jobs.count, cached: state.cached, interrupted: false, files: files,
            wallSeconds: Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18)
    }

    static func empty(_ spec: ExperimentSpec, region: String, version: VPCSimVersion) -> ExperimentResults {
        ExperimentResults(
            experiment: spec.name, description: spec.description, vpcsimVersion: version.text, region: region,
            hoursPerMonth: CostModel.hoursPerMonth, durationSeconds: spec.duration.seconds,
            warmupSeconds: spec.warmup.seconds, seeds: spec.seeds, calls: spec.calls,
            parameters: spec.parameters.map {
                .init(name: $0.name, unit: $0.unit, values: $0.values.map(\.label), numbers: $0.values.map(\.number))
            }, variants: [])
    }

    /// One run; nil when it was interrupted.
    static func runOne(_ spec: ExperimentSpec, _ job: Job, options: ExperimentOptions) throws -> RunRecord? {
        let variant = spec.variants[job.variant]
        let scenario = try TopologyLoader.load(
            path: variant.topology, overrides: RunOverrides(seed: job.seed, duration: spec.duration),
            patches: spec.patches(variant: job.variant, point: job.point))
        let dir: String
        if options.keepRuns {
            dir = options.outputDirectory + "/" + runDirectory(spec, job)
        } else {
            dir = NSTemporaryDirectory() + "vpcsim-experiment-\(getpid())-\(job.key)"
        }
        defer { if !options.keepRuns { try? FileManager.default.removeItem(atPath: dir) } }
        var o = RunOptions(outputDirectory: dir)
        o.pcaps = options.keepRuns
        o.warmup = spec.warmup
        o.recordRequests = true
        o.writeSummary = options.keepRuns
        o.exclusive = false
        o.stop = options.stop
        let result = try Runner.execute(scenario, options: o)
        if result.summary.interrupted { return nil }
        return RunRecord(result)
    }

    /// `runs/<variant>/<parameter=value,…>/seed-<n>` (characters a path cannot hold replaced).
    static func runDirectory(_ spec: ExperimentSpec, _ job: Job) -> String {
        let point = spec.labels(job.point).map { "\($0.name)=\($0.value)" }.joined(separator: ",")
        func safe(_ s: String) -> String {
            String(s.map { $0.isLetter || $0.isNumber || "-_.=,".contains($0) ? $0 : "_" })
        }
        return
            "runs/\(safe(spec.variants[job.variant].name))/\(point.isEmpty ? "default" : safe(point))/seed-\(job.seed)"
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

/// The shared state of an experiment's workers: which run is next, what finished.
final class JobBoard: @unchecked Sendable {
    struct Snapshot {
        var total: Int
        var done: Int
        var cached: Int
        var interrupted: Bool
        var error: String?
    }
    private let lock = NSLock()
    private(set) var records: [RunRecord?]
    private var nextIndex = 0
    private var done = 0
    private var cached = 0
    private var stopped = false
    private var interrupted = false
    private var error: String?

    init(count: Int) { records = Array(repeating: nil, count: count) }

    /// The next run that has no record yet, or nil when none is left (or the experiment stopped).
    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        while nextIndex < records.count && records[nextIndex] != nil { nextIndex += 1 }
        guard !stopped, nextIndex < records.count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    func finish(_ i: Int, _ r: RunRecord, cached fromCache: Bool) {
        lock.lock()
        records[i] = r
        done += 1
        if fromCache { cached += 1 }
        lock.unlock()
    }

    func interrupt() {
        lock.lock()
        stopped = true; interrupted = true
        lock.unlock()
    }

    func fail(_ message: String) {
        lock.lock()
        stopped = true
        if error == nil { error = message }
        lock.unlock()
    }

    func snapshot() -> Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return Snapshot(total: records.count, done: done, cached: cached, interrupted: interrupted, error: error)
    }
}

/// The binary's version for reports and the cache: a release number and a hash of the
/// executable itself, so a rebuilt binary does not reuse runs of an earlier one.
public struct VPCSimVersion: Sendable {
    public static let release = "0.6"
    public var build: String
    public var text: String { "vpcsim \(Self.release) (build \(build))" }

    public static let current: VPCSimVersion = {
        let data =
            FileManager.default.contents(atPath: "/proc/self/exe")
            ?? FileManager.default.contents(atPath: CommandLine.arguments[0]) ?? Data()
        let h = data.withUnsafeBytes { FNV1a64.hash($0) }
        return VPCSimVersion(build: String(ExperimentRunner.hex(h).prefix(12)))
    }()
}
