import Testing
import Foundation
import SimCore
import TestSupport
import Topology
@testable import Experiments

/// The default scenario, run for real and checked by the project's independent checker.
@Suite(.serialized) struct DefaultScenarioTests {
    static let topology = repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml"

    func run(
        seed: UInt64? = nil, duration: SimDuration? = nil, out: String? = nil, slice: UInt64 = 1 << 20,
        stop: StopSignal = StopSignal()
    ) throws -> (RunSummary, String) {
        let dir = out ?? temporaryDirectory("e2e")
        let scenario = try TopologyLoader.load(
            path: Self.topology, overrides: RunOverrides(seed: seed, duration: duration))
        var options = RunOptions(outputDirectory: dir)
        options.sliceEvents = slice
        options.stop = stop
        return (try Runner.run(scenario, options: options), dir)
    }

    @Test func checkRunPassesOnTheDefaultScenario() throws {
        let (summary, dir) = try run()
        #expect(summary.requests.count > 200)
        #expect(summary.functions[0].succeeded == summary.functions[0].invocations)
        #expect(summary.packets.dropped == 0)
        let tool = try #require(checkRunTool(), "../shared/tools/check-run not found; set VPCSIM_CHECK_RUN")
        let r = runProgram("/usr/bin/env", ["python3", tool, "--json", dir])
        #expect(r.status == 0, "check-run failed:\n\(r.stdout.prefix(4000))\n\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(json["ok"] as? Bool == true)
        // Every connection is a TLS 1.3 session to DynamoDB with boto3's fingerprint, closed with FINs.
        let streams = json["streams"] as! [[String: Any]]
        #expect(!streams.isEmpty)
        for s in streams {
            #expect(s["sni"] as? String == "dynamodb.us-east-1.amazonaws.com")
            #expect(s["version"] as? String == "TLS 1.3")
            #expect(s["ja3"] as? String == "a48c0d5f95b1ef98f560f324fd275da1")
            #expect((s["appdata_records_c2s"] as? Int ?? 0) > 10, "keep-alive: many requests per connection")
            #expect(s["close"] as? String == "FIN both ways")
        }
    }

    @Test func sameSeedSameBytesOtherSeedOtherBytes() throws {
        let (_, a) = try run(seed: 42, duration: .seconds(20))
        let (_, b) = try run(seed: 42, duration: .seconds(20))
        let (_, c) = try run(seed: 43, duration: .seconds(20))
        let files = filesUnder(a).filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".log.gz") }
        #expect(files.count >= 2)
        // Same seed: every output identical (the helper names the first differing packet or record).
        #expect(firstOutputDifference(a, b) == nil, "\(firstOutputDifference(a, b) ?? "")")
        let pcapA = files.first { $0.hasSuffix(".pcap") }!
        #expect(
            FileManager.default.contents(atPath: a + "/" + pcapA)
                != FileManager.default.contents(atPath: c + "/" + pcapA))
        #expect(firstOutputDifference(a, c) != nil)
    }

    @Test func aSecondRunReplacesTheFirstRunsOutputs() throws {
        let dir = temporaryDirectory("rerun")
        _ = try run(seed: 1, duration: .seconds(10), out: dir)
        _ = try run(seed: 2, duration: .seconds(10), out: dir)
        let logs = filesUnder(dir).filter { $0.hasSuffix(".log.gz") }
        // Flow-log file names carry a per-run hash: only the second run's file may remain.
        #expect(logs.count == 1)
        #expect(!filesUnder(dir).contains { $0.hasSuffix(".partial") })
    }

    /// Ctrl-C: the run stops at the next slice, closes every file cleanly and keeps them beside
    /// the output directory, as `<out>.interrupted`.
    @Test func interruptedRunLeavesFilesThatOpen() throws {
        // This run's own signal, as Ctrl-C would raise it: runs of other tests in this process go on.
        let stop = StopSignal()
        stop.request()
        let out = temporaryDirectory("e2e") + "/out"
        let (summary, _) = try run(duration: .seconds(60), out: out, slice: 500, stop: stop)
        #expect(summary.interrupted)
        #expect(summary.interruptedBy == "request")
        #expect(summary.simulatedSeconds < 30)
        #expect(summary.text().contains("of a 60.0 s workload when interrupted"), "\(summary.text())")
        let dir = summary.outputDirectory
        #expect(dir == out + ".interrupted")
        #expect(!FileManager.default.fileExists(atPath: out), "an interrupted run does not take --out's place")
        let beside = try FileManager.default.contentsOfDirectory(atPath: (out as NSString).deletingLastPathComponent)
        #expect(beside == ["out.interrupted"], "no partial directory is left: \(beside)")
        #expect(!filesUnder(dir).contains { $0.hasSuffix(".partial") })
        // Pcaps and flow logs are well formed; a TLS record or stream may be cut by the stop, so only
        // checks 1 (pcaps open), 2 (no expert warnings), 4 (flow-log format) and 6 (summary) must
        // pass. The report must exist: a checker that crashes or prints nothing fails the test.
        let report = try CheckRunReport(dir, options: ["--allow-incomplete-tls-on-rst"])
        for n in [1, 2, 4, 6] {
            let c = try report.check(n)
            #expect(c.status == "pass", "check \(n) \(c.title): \(c.errors.prefix(5))")
        }
        #expect(try report.check(1).info.contains { $0.contains(".pcap") }, "check 1 saw no pcap")
    }
}
