import ArgumentParser
import Foundation
import SimCore
import Topology
import Cost
import Experiments
import Benchmarks

@main
struct VPCSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vpcsim",
        abstract: "A packet-level simulator of AWS VPC networking.",
        discussion: """
            Runs a topology (Topologies/*.yaml) and writes what a real network would show: pcap files \
            per captured ENI, VPC Flow Log files laid out as S3 receives them, and a summary.
            """,
        subcommands: [
            Run.self, Dataset.self, ExperimentCommand.self, CostCommand.self, PathCommand.self, ImportCommand.self,
            ExportCommand.self, Bench.self,
        ])

    /// Parses and runs the command; every error is one line, `vpcsim: error: …`, with the exit
    /// status the parser gives it (64 for a usage error). Help and version go to standard output.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            report(error)
        }
    }

    static func report(_ error: Error) -> Never {
        if let code = error as? ExitCode { Foundation.exit(code.rawValue) } // already reported
        let code = exitCode(for: error)
        if code == .success { exit(withError: error) } // --help and the like, as the parser prints them
        let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        let args = CommandLine.arguments.dropFirst()
        let sub = args.first.flatMap { a in configuration.subcommands.first { $0._commandName == a }?._commandName }
        let nested = args.dropFirst().first.flatMap { a in
            Bench.configuration.subcommands.first { $0._commandName == a && sub == "bench" }?._commandName
        }
        let help = ["vpcsim", sub, nested].compactMap { $0 }.joined(separator: " ") + " --help"
        let text = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
        FileHandle.standardError.write(Data("vpcsim: error: \(text) (see '\(help)')\n".utf8))
        Foundation.exit(code.rawValue)
    }
}

/// What `run` and `dataset` share: the topology, where outputs go, the seed, the duration, and
/// the budgets a run must fit unless forced.
struct SimulationOptions: ParsableArguments {
    @Argument(help: "The topology file (YAML), e.g. Topologies/lambda-dynamodb-gateway-endpoint.yaml.")
    var topology: String

    @Option(parsing: .unconditional, help: "Output directory (default: Captures/<topology name>).")
    var out: String?

    @Option(parsing: .unconditional, help: "Random seed, 0 … 18446744073709551615 (default: the topology's run.seed).")
    var seed: String?

    @Option(
        parsing: .unconditional,
        help: "Workload duration, like 90s, 10m or 24h, at most 3650d (default: the topology's run.duration).")
    var duration: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Change a value of the topology before it is read: path=value, e.g. "
                + "functions.orders-writer.invocations.rate=50/s or 'functions[0].handler[0].item-bytes=4kB' "
                + "(repeatable).", valueName: "path=value"))
    var set: [String] = []

    @Option(
        help: ArgumentHelp(
            "Leave this much of the workload out of summary.json's usage (cold starts of the first invocations), "
                + "like 10s."))
    var warmup: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Move every labelled generator (a dataset's anomalies) to start at this time, like 1m, keeping its "
                + "length, so a short run contains them all."))
    var anomaliesAt: String?

    @Flag(help: "Print nothing but errors (no summary, no warnings).")
    var quiet = false

    @Flag(help: "Run even if the estimated events, output size or memory exceed their budgets.")
    var force = false

    @Option(
        parsing: .unconditional, help: "The most simulated events a run may take (default: 5000000000, about an hour).")
    var maxEvents: String?

    @Option(parsing: .unconditional, help: "The most a run may write, like 5GB (default) or 500MB.")
    var maxOutput: String?

    @Option(parsing: .unconditional, help: "The most memory a run may need, like 8GB (default).")
    var maxMemory: String?

    @Option(
        help: ArgumentHelp(
            "TLS record contents: size-only (filler of the right sizes) or decryptable (real TLS; keys in "
                + "tls-keys.log and in a pcapng beside each pcap).", valueName: "size-only|decryptable"))
    var tls = "size-only"

    /// Checked while parsing, so a bad value is reported as a usage error.
    func validate() throws {
        if let anomaliesAt {
            guard let a = SimDuration(parsing: anomaliesAt), a.nanoseconds >= 0, !anomaliesAt.hasPrefix("-") else {
                throw ValidationError("--anomalies-at '\(anomaliesAt)' is not a time like 90s or 10m")
            }
            _ = a
        }
        if let duration {
            guard let d = SimDuration(parsing: duration), d.nanoseconds > 0, !duration.hasPrefix("-") else {
                throw ValidationError("--duration '\(duration)' is not a duration like 90s, 10m or 1h")
            }
            guard d <= TopologyLimits.longestRun else {
                throw ValidationError(
                    "--duration '\(duration)' is longer than \(TopologyLimits.longestRun), the longest run")
            }
        }
        if let warmup {
            guard let w = SimDuration(parsing: warmup), w.nanoseconds >= 0, !warmup.hasPrefix("-") else {
                throw ValidationError("--warmup '\(warmup)' is not a duration like 10s")
            }
        }
        if let seed, parsedSeed(seed) == nil {
            throw ValidationError("--seed '\(seed)' is not a seed (an integer 0 … 18446744073709551615)")
        }
        if let out {
            do { try OutputStaging.validate(out) } catch let e as UsageError { throw ValidationError(e.description) }
        }
        _ = try budget()
        if TLSMode(rawValue: tls) == nil {
            throw ValidationError("--tls '\(tls)' must be size-only or decryptable")
        }
    }

    func parsedSeed(_ s: String) -> UInt64? {
        s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) ? UInt64(s) : nil
    }

    /// The budgets, from the options.
    func budget() throws -> RunBudget {
        var b = RunBudget()
        func size(_ text: String, _ option: String) throws -> Double {
            let units: [(String, Double)] = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3), ("B", 1)]
            let (u, f) = units.first { text.hasSuffix($0.0) } ?? ("", 1)
            guard let v = Double(text.dropLast(u.count)), v.isFinite, v > 0, text.utf8.allSatisfy({ $0 < 0x80 }) else {
                throw ValidationError("\(option) '\(text)' is not a size like 500MB or 20GB")
            }
            return v * f
        }
        if let maxEvents {
            guard let v = Double(maxEvents), v.isFinite, v > 0, maxEvents.utf8.allSatisfy({ $0 < 0x80 }) else {
                throw ValidationError("--max-events '\(maxEvents)' is not a positive number")
            }
            b.events = v
        }
        if let maxOutput { b.outputBytes = try size(maxOutput, "--max-output") }
        if let maxMemory { b.memoryBytes = try size(maxMemory, "--max-memory") }
        return b
    }

    /// Loads the topology and runs it; a topology error exits 2, a run over budget 3, a failure
    /// while running 1, an interrupted run 128 + the signal's number (130 for Ctrl-C).
    func simulate(pcaps: Bool, command: String) throws {
        // From the start: a signal while the topology loads stops the run before it writes.
        Interrupt.install()
        var overrides = RunOverrides(seed: seed.flatMap(parsedSeed))
        if let duration, let d = SimDuration(parsing: duration) { overrides.duration = d }
        if let anomaliesAt, let a = SimDuration(parsing: anomaliesAt) { overrides.anomaliesAt = a }
        let scenario: Scenario
        do {
            var patches: [TopologyPatch] = []
            for a in set { patches.append(try TopologyPatch.commandLine(a)) }
            scenario = try TopologyLoader.load(path: topology, overrides: overrides, patches: patches)
        } catch {
            FileHandle.standardError.write("vpcsim: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(2)
        }
        if !force, let excess = WorkEstimate(scenario, pcaps: pcaps).excess(try budget()) {
            FileHandle.standardError.write("vpcsim: error: \(topology): \(excess)\n".data(using: .utf8)!)
            throw ExitCode(3)
        }
        for w in scenario.world.labelledWindowsOutside(SimTime.zero + scenario.duration) where !quiet {
            FileHandle.standardError.write(
                Data(
                    ("vpcsim: warning: \(topology): '\(w.generator)' (label \(w.label)) starts at "
                        + "\(w.start - SimTime.zero), after the run's \(scenario.duration): "
                        + "its traffic and labels will be "
                        + "missing (--anomalies-at moves it in)\n").utf8))
        }
        let base = ((topology as NSString).lastPathComponent as NSString).deletingPathExtension
        var options = RunOptions(outputDirectory: out ?? "Captures/\(base)")
        options.pcaps = pcaps
        options.tls = TLSMode(rawValue: tls) ?? .sizeOnly
        options.progress = !quiet && isatty(2) != 0
        if let warmup, let w = SimDuration(parsing: warmup) { options.warmup = w }
        let summary: RunSummary
        do {
            summary = try Runner.run(scenario, options: options)
        } catch let e as UsageError {
            FileHandle.standardError.write("vpcsim: error: \(e)\n".data(using: .utf8)!)
            throw ExitCode(64)
        } catch {
            if options.stop.requested { FileHandle.standardError.write("\n".data(using: .utf8)!) }
            FileHandle.standardError.write("vpcsim: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        if !quiet { print(summary.text(command: command), terminator: "") }
        if summary.interrupted {
            let by = summary.interruptedBy ?? "a signal"
            FileHandle.standardError.write(
                Data("vpcsim: interrupted by \(by): the partial run is in \(summary.outputDirectory)/\n".utf8))
            throw ExitCode(options.stop.exitStatus)
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a topology and write its pcaps, flow logs and summary.")

    @OptionGroup var simulation: SimulationOptions

    @Flag(name: .customLong("no-pcap"), help: "Write no pcap files (flow logs and summary only).")
    var noPcap = false

    func run() throws { try simulation.simulate(pcaps: !noPcap, command: "run") }
}

struct PathCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "path",
        abstract: "Explain the hops between two endpoints, both ways, and the rule that decided each.",
        discussion: """
            Runs the topology's own forwarding with tracing on: TCP opens a real connection (the SYN \
            forward, the SYN-ACK or RST back); UDP and ICMP send one packet and a synthesised reply.
            """)

    @Argument(help: "The topology file (YAML).")
    var topology: String

    @Option(
        help: "Source: a function, instance or database name, an ENI id (eni-…), or an internet host's IPv4 address.")
    var from: String

    @Option(
        help: ArgumentHelp(
            "Destination: an IPv4 address, a service hostname or a database name, then :port (e.g. "
                + "dynamodb.us-east-1.amazonaws.com:443).")
    )
    var to: String

    @Option(name: .customLong("protocol"), help: "tcp, udp or icmp.")
    var proto = "tcp"

    @Flag(help: "Print JSON (forward steps, return steps, outcome).")
    var json = false

    func run() throws {
        let result: PathResult
        do {
            let scenario = try TopologyLoader.load(path: topology)
            result = try PathExplainer.explain(scenario, from: from, to: to, protocol: proto)
        } catch {
            FileHandle.standardError.write("vpcsim: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(2)
        }
        print(json ? result.json() : result.text, terminator: json ? "\n" : "")
        // Scripts can branch on the outcome: 1 dropped or unanswered, 3 denied by the endpoint policy.
        if result.exitStatus != 0 { throw ExitCode(result.exitStatus) }
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks.", subcommands: [BenchCore.self, BenchFlowLogs.self, BenchTLS.self])
}

struct BenchCore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract:
            "Event-queue throughput: the hold model at K = 1e3, 1e5, 1e6 pending events, bare queue and dispatch loop.")

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "Best of this many repetitions (1 … 100).")
    var repeats = 3

    func validate() throws {
        guard (1...100).contains(repeats) else { throw ValidationError("--repeats \(repeats) is outside 1 … 100") }
    }

    func run() throws {
        let report = CoreBenchmark.run(repeats: repeats)
        if json {
            print(try CoreBenchmark.json(report))
        } else {
            print("hold model, \(report.build) build (best of \(repeats))")
            for r in report.rows {
                print(
                    "  K = \(String(r.pending).padding(toLength: 8, withPad: " ", startingAt: 0)) "
                        + "\(r.path.padding(toLength: 10, withPad: " ", startingAt: 0)) "
                        + "\(String(format: "%6.1f", r.eventsPerSecond / 1e6)) M events/s"
                )
            }
        }
    }
}

/// `vpcsim dataset`: a flow-log dataset run — no pcaps unless asked, a progress bar on a
/// terminal, records streamed to disk, ground-truth labels beside them.
struct Dataset: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a flow-log dataset from a topology (no pcaps unless --pcap), with ground-truth labels.")

    @OptionGroup var simulation: SimulationOptions

    @Flag(help: "Also write pcaps for the topology's captures.")
    var pcap = false

    func run() throws { try simulation.simulate(pcaps: pcap, command: "dataset") }
}

struct BenchFlowLogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowlogs",
        abstract:
            "Flow-log records formatted per second (text and gzip), and end-to-end simulated packets per second with "
            + "flow logs on and pcaps off."
    )

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "Topology for the end-to-end run (default: the repository's Topologies/dataset-enterprise.yaml).")
    var topology: String?

    @Option(help: "Simulated duration of the end-to-end run.")
    var duration = "10m"

    @Option(help: "Records to format (1 … 100000000).")
    var records = 5_000_000

    func validate() throws {
        guard let d = SimDuration(parsing: duration), d.nanoseconds > 0, d <= .seconds(86_400) else {
            throw ValidationError("--duration '\(duration)' is not a duration of 1ns … 1d")
        }
        guard (1...100_000_000).contains(records) else {
            throw ValidationError("--records \(records) is outside 1 … 100000000")
        }
    }

    /// The dataset topology: given, or found in the repository this binary was built in (from
    /// the working directory or the binary's own location), so the benchmark runs from anywhere.
    func topologyPath() throws -> String {
        if let topology { return topology }
        let name = "Topologies/dataset-enterprise.yaml"
        var candidates = [FileManager.default.currentDirectoryPath]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.path)
            dir = dir.deletingLastPathComponent()
        }
        for c in candidates where FileManager.default.fileExists(atPath: c + "/" + name) { return c + "/" + name }
        throw ValidationError("cannot find \(name) here or above the vpcsim binary; give --topology")
    }

    func run() throws {
        let d = SimDuration(parsing: duration)!
        let scratch = NSTemporaryDirectory() + "vpcsim-bench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let r = try FlowLogBenchmark.run(topology: try topologyPath(), duration: d, records: records, scratch: scratch)
        if json {
            print(try FlowLogBenchmark.json(r))
        } else {
            print("flow logs, \(r.build) build")
            print(
                String(
                    format:
                        "  formatting   %.2f M records/s as text, %.2f M records/s through gzip (%.0f bytes/record)",
                    r.textRecordsPerSecond / 1e6, r.gzipRecordsPerSecond / 1e6, r.textBytesPerRecord))
            print(
                String(
                    format:
                        "  end to end   %.0f simulated s in %.1f s: %.2f M packets/s, %.2f M events/s, %llu records, "
                        + "peak %d MB",
                    r.simulatedSeconds, r.wallSeconds, r.packetsPerSecond / 1e6, r.eventsPerSecond / 1e6,
                    r.flowLogRecords, r.peakMemoryKB / 1000))
        }
    }
}

struct BenchTLS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract:
            "The default scenario and a 64 KiB-item variant with pcaps, size-only and decryptable TLS: runs/s and "
            + "MB/s of application data through TLS.")

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "The scenario (its item-bytes: 110 become 65536 for the bulk row).")
    var topology = "Topologies/lambda-dynamodb-gateway-endpoint.yaml"

    @Option(help: "Best of this many runs per mode.")
    var repeats = 3

    func run() throws {
        let scratch = NSTemporaryDirectory() + "vpcsim-bench-tls-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let r = try TLSBenchmark.run(topology: topology, repeats: repeats, scratch: scratch)
        if json {
            print(try TLSBenchmark.json(r))
            return
        }
        print("TLS, \(r.build) build (best of \(repeats))")
        for row in r.rows {
            for m in [row.sizeOnly, row.decryptable] {
                print(
                    String(
                        format: "  %@ %@ %6.3f s wall (%5.1f runs/s), %7.1f MB/s of application data",
                        row.scenario.padding(toLength: 20, withPad: " ", startingAt: 0),
                        m.tls.padding(toLength: 12, withPad: " ", startingAt: 0), m.wallSeconds, m.runsPerSecond,
                        m.applicationMBPerSecond))
            }
        }
    }
}
