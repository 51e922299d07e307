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
        #expect(
            Set(Self.examples) == [
                "lambda-dynamodb-gateway-endpoint", "lambda-dynamodb-gateway-endpoint-decryptable",
                "lambda-dynamodb-nat-gateway", "lambda-public-subnet",
            ])
    }

    @Test(arguments: examples) func exampleIsWhatTheBinaryWrites(_ name: String) throws {
        let example = Self.root + "/" + name
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: example + "/summary.json")))
                as? [String: Any])
        let topology = try #require(summary["topology"] as? String)
        let seed = try #require(summary["seed"] as? Int)
        let seconds = try #require(summary["workload_seconds"] as? Double)
        let tls = summary["tls"] as? String ?? "size-only"
        let out = temporaryDirectory("example-" + name)
        defer { try? FileManager.default.removeItem(atPath: out) }
        // From the repository root with the relative path the summary names, as Tools/refresh-examples runs it.
        let r = runProgram(
            vpcsimBinary(),
            [
                "run", topology, "--seed", String(seed), "--duration", "\(Int(seconds))s", "--tls", tls,
                "--out", out, "--quiet",
            ], currentDirectory: repositoryRoot())
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!filesUnder(example).filter { $0.hasPrefix("captures/") || $0.hasPrefix("flowlogs/") }.isEmpty)
        // The first differing packet or record, if any (the summary's own fields are checked too).
        let difference = firstOutputDifference(example, out)
        #expect(
            difference == nil,
            "\(name) differs from what vpcsim writes now (run Tools/refresh-examples): \(difference ?? "")")
        let report = try CheckRunReport(example)
        #expect(report.ok, "check-run on \(example):\n\(report.failures)")
        if tls == "decryptable" {
            let keys = try String(contentsOfFile: example + "/tls-keys.log", encoding: .utf8)
            #expect(keys == (try String(contentsOfFile: out + "/tls-keys.log", encoding: .utf8)))
        }
    }
}
