import ArgumentParser
import Foundation
import SimCore
import Topology
import Experiments

@main
struct VPCSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vpcsim",
        abstract: "A packet-level simulator of AWS VPC networking.",
        discussion: """
        Runs a topology (Topologies/*.yaml) and writes what a real network would show: pcap files \
        per captured ENI, VPC Flow Log files laid out as S3 receives them, and a summary.
        """,
        subcommands: [Run.self, Bench.self])
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Simulate a topology and write its pcaps, flow logs and summary.")

    @Argument(help: "The topology file (YAML).")
    var topology: String

    @Option(help: "Output directory (default: Captures/<topology name>).")
    var out: String?

    @Option(help: "Random seed (default: the topology's run.seed).")
    var seed: UInt64?

    @Option(help: "Workload duration, like 90s or 10m (default: the topology's run.duration).")
    var duration: String?

    @Flag(name: .customLong("no-pcap"), help: "Write no pcap files (flow logs and summary only).")
    var noPcap = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        var overrides = RunOverrides(seed: seed)
        if let duration {
            guard let d = SimDuration(parsing: duration), d.nanoseconds > 0 else {
                throw ValidationError("--duration '\(duration)' is not a duration like 90s, 10m or 1h")
            }
            overrides.duration = d
        }
        let scenario: Scenario
        do {
            scenario = try TopologyLoader.load(path: topology, overrides: overrides)
        } catch {
            FileHandle.standardError.write("vpcsim: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(2)
        }
        let base = ((topology as NSString).lastPathComponent as NSString).deletingPathExtension
        var options = RunOptions(outputDirectory: out ?? "Captures/\(base)")
        options.pcaps = !noPcap
        options.progress = !quiet && isatty(2) != 0
        Interrupt.install()
        let summary: RunSummary
        do {
            summary = try Runner.run(scenario, options: options)
        } catch {
            FileHandle.standardError.write("vpcsim: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        if !quiet { print(summary.text, terminator: "") }
        if summary.interrupted { throw ExitCode(130) }
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks.", subcommands: [BenchCore.self])
}

struct BenchCore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Event-queue throughput: the hold model at K = 1e3, 1e5, 1e6 pending events, bare queue and dispatch loop.")

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
                print("  K = \(String(r.pending).padding(toLength: 8, withPad: " ", startingAt: 0)) \(r.path.padding(toLength: 10, withPad: " ", startingAt: 0)) \(String(format: "%6.1f", r.eventsPerSecond / 1e6)) M events/s")
            }
        }
    }
}
