import Testing
import Foundation
import TestSupport

/// The committed examples in Captures/examples/ are exactly what the current binary writes for
/// the topology, seed and duration their summary.json names (regenerate with
/// Tools/refresh-examples), and they pass the run checker.
@Suite struct ExampleCaptureTests {
    static let root = repositoryRoot() + "/Captures/examples"

    static var examples: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { FileManager.default.fileExists(atPath: root + "/" + $0 + "/summary.json") }.sorted()
    }

    @Test func examplesAreCommitted() {
        #expect(Set(Self.examples) == ["lambda-dynamodb-gateway-endpoint", "lambda-dynamodb-nat-gateway", "lambda-public-subnet"])
    }

    @Test(arguments: examples) func exampleIsWhatTheBinaryWrites(_ name: String) throws {
        let example = Self.root + "/" + name
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: example + "/summary.json"))) as? [String: Any])
        let topology = try #require(summary["topology"] as? String)
        let seed = try #require(summary["seed"] as? Int)
        let seconds = try #require(summary["workload_seconds"] as? Double)
        let out = temporaryDirectory("example-" + name)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = runProgram(vpcsimBinary(), ["run", repositoryRoot() + "/" + topology, "--seed", String(seed),
                                            "--duration", "\(Int(seconds))s", "--out", out, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let committed = filesUnder(example).filter { $0.hasPrefix("captures/") || $0.hasPrefix("flowlogs/") }
        let written = filesUnder(out).filter { $0.hasPrefix("captures/") || $0.hasPrefix("flowlogs/") }
        #expect(!committed.isEmpty)
        #expect(committed == written, "the example's files are the ones a run writes; run Tools/refresh-examples")
        for f in committed where written.contains(f) {
            let same = FileManager.default.contentsEqual(atPath: example + "/" + f, andPath: out + "/" + f)
            #expect(same, "\(name)/\(f) differs from what vpcsim writes now; run Tools/refresh-examples")
        }
        let tool = try #require(checkRunTool(), "../shared/tools/check-run not found; set VPCSIM_CHECK_RUN")
        let check = runProgram("/usr/bin/env", ["python3", tool, example])
        #expect(check.status == 0, "check-run on \(example):\n\(check.stdout.prefix(3000))\n\(check.stderr)")
    }
}
