import Testing
import Foundation
import SimCore
import TestSupport
import Topology
@testable import Experiments

/// The run budget's estimates against what runs do (issue 10: estimate the work before running,
/// refuse what exceeds a budget, say what it would write).
@Suite struct BudgetTests {
    static let shipped =
        ((try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot() + "/Topologies")) ?? [])
        .filter { $0.hasSuffix(".yaml") }.sorted()

    /// Runs `name` and compares its events and pcap bytes with the estimate: within a factor of
    /// three each way (README "Limits" says so).
    @Test(arguments: shipped) func estimatesAreWithinAFactorOfThree(_ name: String) throws {
        let dataset = name.hasPrefix("dataset-")
        let scenario = try TopologyLoader.load(
            path: repositoryRoot() + "/Topologies/" + name,
            overrides: RunOverrides(duration: dataset ? .seconds(300) : nil))
        let estimate = WorkEstimate(scenario, pcaps: true)
        let dir = temporaryDirectory("budget")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = RunOptions(outputDirectory: dir + "/out")
        options.stop = StopSignal()
        let summary = try Runner.run(scenario, options: options)
        let pcapBytes = filesUnder(dir + "/out").filter { $0.hasSuffix(".pcap") }.reduce(0.0) {
            $0 + Double((try? FileManager.default.attributesOfItem(atPath: dir + "/out/" + $1)[.size] as? Int) ?? 0)
        }
        /// Within a factor of three, or both small (a budget is about large runs).
        func near(_ estimated: Double, _ actual: Double, small: Double) -> Bool {
            (estimated < small && actual < small) || (estimated / actual <= 3 && actual / estimated <= 3)
        }
        #expect(
            near(estimate.events, Double(summary.events), small: 100_000),
            "\(name): \(estimate.events) events for \(summary.events)")
        #expect(
            near(estimate.packets, Double(summary.packets.sent), small: 30_000),
            "\(name): \(estimate.packets) packets for \(summary.packets.sent)")
        #expect(
            near(estimate.pcapBytes, pcapBytes, small: 1e6),
            "\(name): \(estimate.pcapBytes) pcap bytes for \(pcapBytes)")
    }

    /// A day of the enterprise dataset with pcaps writes about 11 GB (measured: 158 MB of pcap for
    /// 20 minutes): refused by default, naming the size and the options.
    @Test func aDayOfDatasetPcapsIsRefusedWithItsSize() throws {
        let scenario = try TopologyLoader.load(path: repositoryRoot() + "/Topologies/dataset-enterprise.yaml")
        let estimate = WorkEstimate(scenario, pcaps: true)
        #expect(estimate.pcapBytes > 5e9 && estimate.pcapBytes < 30e9, "\(estimate.pcapBytes)")
        let message = try #require(estimate.excess(RunBudget()))
        #expect(message.contains("GB of pcap") && message.contains("--max-output") && message.contains("--force"))
        #expect(WorkEstimate(scenario, pcaps: false).excess(RunBudget()) == nil, "without pcaps it fits")
    }

    @Test func everyBudgetCanBeExceededAndRaised() throws {
        let scenario = try TopologyLoader.load(
            path: repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml")
        let estimate = WorkEstimate(scenario, pcaps: true)
        var b = RunBudget()
        #expect(estimate.excess(b) == nil)
        b.events = 10
        #expect(estimate.excess(b)?.contains("--max-events") == true)
        b = RunBudget()
        b.outputBytes = 10
        #expect(estimate.excess(b)?.contains("--max-output") == true)
        b = RunBudget()
        b.memoryBytes = 10
        #expect(estimate.excess(b)?.contains("--max-memory") == true)
    }
}
