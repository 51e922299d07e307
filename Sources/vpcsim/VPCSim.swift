import ArgumentParser
import Foundation
import SimCore
import Topology
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
        subcommands: [Run.self, Dataset.self, PathCommand.self, Bench.self])
}

/// What `run` and `dataset` share: the topology, where outputs go, the seed and the duration.
struct SimulationOptions: ParsableArguments {
    @Argument(help: "The topology file (YAML), e.g. Topologies/lambda-dynamodb-gateway-endpoint.yaml.")
    var topology: String

    @Option(help: "Output directory (default: Captures/<topology name>).")
    var out: String?

    @Option(help: "Random seed (default: the topology's run.seed).")
    var seed: UInt64?

    @Option(help: "Workload duration, like 90s, 10m or 24h (default: the topology's run.duration).")
    var duration: String?

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @Option(
        help: ArgumentHelp(
            "TLS record contents: size-only (filler of the right sizes) or decryptable (real TLS; keys in "
                + "tls-keys.log and in a pcapng beside each pcap).", valueName: "size-only|decryptable"))
    var tls = "size-only"

    /// Checked while parsing, so a bad value is reported with the subcommand's usage.
    func validate() throws {
        if let duration, (SimDuration(parsing: duration)?.nanoseconds ?? 0) <= 0 {
            throw ValidationError("--duration '\(duration)' is not a duration like 90s, 10m or 1h")
        }
        if TLSMode(rawValue: tls) == nil {
            throw ValidationError("--tls '\(tls)' must be size-only or decryptable")
        }
    }

    /// Loads the topology and runs it; a topology error exits 2, a failure while running 1, an
    /// interrupted run 130. `command` names the subcommand in the printed summary.
    func simulate(pcaps: Bool, command: String) throws {
        var overrides = RunOverrides(seed: seed)
        if let duration, let d = SimDuration(parsing: duration) { overrides.duration = d }
        let scenario: Scenario
        do {
            scenario = try TopologyLoader.load(path: topology, overrides: overrides)
        } catch {
            FileHandle.standardError.write("vpcsim: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(2)
        }
        let base = ((topology as NSString).lastPathComponent as NSString).deletingPathExtension
        var options = RunOptions(outputDirectory: out ?? "Captures/\(base)")
        options.pcaps = pcaps
        options.tls = TLSMode(rawValue: tls) ?? .sizeOnly
        options.progress = !quiet && isatty(2) != 0
        Interrupt.install()
        let summary: RunSummary
        do {
            summary = try Runner.run(scenario, options: options)
        } catch {
            FileHandle.standardError.write("vpcsim: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        if !quiet { print(summary.text(command: command), terminator: "") }
        if summary.interrupted { throw ExitCode(130) }
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

    @Option(help: "Source: a function name or an ENI id (eni-…).")
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

    @Option(help: "Best of this many repetitions.")
    var repeats = 3

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

    @Option(help: "Topology for the end-to-end run.")
    var topology = "Topologies/dataset-enterprise.yaml"

    @Option(help: "Simulated duration of the end-to-end run.")
    var duration = "10m"

    @Option(help: "Records to format.")
    var records = 5_000_000

    func run() throws {
        guard let d = SimDuration(parsing: duration), d.nanoseconds > 0 else {
            throw ValidationError("--duration '\(duration)' is not a duration")
        }
        let scratch = NSTemporaryDirectory() + "vpcsim-bench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let r = try FlowLogBenchmark.run(topology: topology, duration: d, records: records, scratch: scratch)
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
