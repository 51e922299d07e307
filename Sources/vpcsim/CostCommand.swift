import ArgumentParser
import Foundation
import Topology
import Cost
import Experiments

/// `vpcsim cost OUT`: prices what a run measured (its `summary.json`'s `usage`) with the catalog.
struct CostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Price a run's output directory: a month of what it measured, item by item.",
        discussion: """
            Reads OUT/summary.json (written by vpcsim run, or by vpcsim experiment --keep-runs), scales the \
            usage measured after its warm-up to 730 hours, and prices it with Topologies/prices/<region>.yaml.
            """)

    @Argument(help: "A run's output directory (or its summary.json).")
    var out: String

    @Option(help: "Price in this Region instead of the run's.")
    var region: String?

    @Option(help: "The price catalog directory (default: Topologies/prices).")
    var prices: String?

    @Flag(help: "Print the breakdown as JSON.")
    var json = false

    func run() throws {
        let path = out.hasSuffix(".json") ? out : out + "/summary.json"
        let breakdown: CostBreakdown
        do {
            let usage = try SummaryFile.usage(path)
            let catalog = try PriceCatalogLoader.load(directory: prices ?? ResourcePaths.prices())
            breakdown = try Pricing.price(usage, catalog: catalog, region: region ?? usage.region)
        } catch {
            FileHandle.standardError.write("vpcsim: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(2)
        }
        print(json ? try Pricing.json(breakdown) : breakdown.text, terminator: json ? "\n" : "")
    }
}
