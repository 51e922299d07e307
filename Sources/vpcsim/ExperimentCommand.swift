import ArgumentParser
import Foundation
import Topology
import Experiments

/// `vpcsim experiment FILE`: every variant × point × seed of an experiment file, in parallel,
/// then results.json, results.csv, requests.csv.gz, the plots and report.html.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract:
            "Run an experiment: variants of a topology, swept over values, replicated over seeds; price and plot it.",
        discussion: """
            Writes OUT/report.html, results.json, results.csv, requests.csv.gz and plots/. Runs whose inputs \
            (the patched topology, seed, durations and this binary) did not change are taken from OUT/.cache.
            """)

    @Argument(help: "The experiment file (YAML), e.g. Topologies/experiments/nat-vs-endpoint.yaml.")
    var file: String

    @Option(help: "Output directory (default: Captures/<experiment name>).")
    var out: String?

    @Option(help: "Runs at once (default: the machine's cores).")
    var jobs: Int?

    @Option(help: "Cache directory (default: OUT/.cache).")
    var cache: String?

    @Flag(name: .customLong("no-cache"), help: "Run every point, and keep nothing for later.")
    var noCache = false

    @Flag(
        name: .customLong("keep-runs"), help: "Keep each run's outputs (pcaps, flow logs, summary.json) in OUT/runs/.")
    var keepRuns = false

    @Flag(name: .customLong("no-plots"), help: "Draw no plots (the report then has tables only; no Python needed).")
    var noPlots = false

    @Option(help: "The price catalog directory (default: Topologies/prices).")
    var prices: String?

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let spec: ExperimentSpec
        var options: ExperimentOptions
        do {
            spec = try ExperimentLoader.load(path: file)
            options = ExperimentOptions(
                outputDirectory: out ?? "Captures/\(spec.name)", priceDirectory: try prices ?? ResourcePaths.prices())
        } catch {
            FileHandle.standardError.write("vpcsim: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(2)
        }
        if let jobs { options.jobs = jobs }
        options.cacheDirectory = noCache ? nil : (cache ?? options.outputDirectory + "/.cache")
        options.keepRuns = keepRuns
        options.plots = !noPlots
        options.progress = !quiet && isatty(2) != 0
        Interrupt.install()
        let outcome: ExperimentOutcome
        do {
            outcome = try ExperimentRunner.run(spec, options: options)
        } catch let e as TopologyError {
            FileHandle.standardError.write("vpcsim: error: \(e)\n".data(using: .utf8)!)
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write("vpcsim: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        if outcome.interrupted {
            FileHandle.standardError.write("vpcsim: interrupted; no outputs written\n".data(using: .utf8)!)
            throw ExitCode(130)
        }
        if !quiet { print(ExperimentSummary.text(outcome, directory: options.outputDirectory), terminator: "") }
    }
}
