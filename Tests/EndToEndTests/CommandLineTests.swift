import Testing
import Foundation
import TestSupport

/// The `vpcsim` binary as users run it.
@Suite struct CommandLineTests {
    var binary: String { vpcsimBinary() }

    @Test func brokenTopologyGivesOneErrorWithFileLineAndKeyAndWritesNothing() throws {
        let dir = temporaryDirectory("cli")
        let bad = dir + "/bad.yaml"
        let text = try String(
            contentsOfFile: repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml", encoding: .utf8
        )
        .replacingOccurrences(
            of: "security-groups: [sg-0a1b2c3d4e5f60021]", with: "security-groups: [sg-0a1b2c3d4e5f60022]")
        try text.write(toFile: bad, atomically: true, encoding: .utf8)
        let line =
            text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex {
                $0.contains("sg-0a1b2c3d4e5f60022")
            }! + 1
        let r = runProgram(binary, ["run", bad, "--out", dir + "/out"])
        #expect(r.status == 2)
        let errLines = r.stderr.split(separator: "\n")
        #expect(errLines.count == 1)
        #expect(r.stderr.hasPrefix("vpcsim: error: \(bad):\(line):"))
        #expect(
            r.stderr.contains("functions[0].vpc.security-groups[0]: no security group with id 'sg-0a1b2c3d4e5f60022'"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    /// A usage error is one line naming the subcommand's help (issue 10: the parser's errors were
    /// three or four lines).
    @Test func badDurationIsAUsageErrorOfTheSubcommand() {
        let r = runProgram(
            binary, ["run", repositoryRoot() + "/Topologies/lambda-public-subnet.yaml", "--duration", "5x"])
        #expect(r.status == 64)
        #expect(
            r.stderr
                == "vpcsim: error: --duration '5x' is not a duration like 90s, 10m or 1h (see 'vpcsim run --help')\n")
    }

    @Test func tlsModeIsValidatedAndDecryptableRunsListTheirKeys() {
        let bad = runProgram(
            binary, ["run", repositoryRoot() + "/Topologies/lambda-public-subnet.yaml", "--tls", "clear"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--tls 'clear' must be size-only or decryptable"))
        let dir = temporaryDirectory("cli-tls")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = runProgram(
            binary,
            [
                "run", repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml", "--duration", "5s",
                "--tls", "decryptable", "--out", dir,
            ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(".pcapng  (the same packets, keys of 2 TLS sessions embedded)"), "\(r.stdout)")
        #expect(r.stdout.contains("tls-keys.log  (NSS key log, 2 TLS sessions)"))
        #expect(FileManager.default.fileExists(atPath: dir + "/tls-keys.log"))
        // A size-only run in the same directory removes the decryptable run's extra outputs.
        let again = runProgram(
            binary,
            [
                "run", repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml", "--duration", "5s",
                "--out", dir,
            ])
        #expect(again.status == 0)
        #expect(!FileManager.default.fileExists(atPath: dir + "/tls-keys.log"))
        #expect(filesUnder(dir + "/captures").allSatisfy { $0.hasSuffix(".pcap") })
    }

    @Test func datasetNamesItselfInTheSummary() {
        let dir = temporaryDirectory("cli-dataset")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = runProgram(
            binary,
            ["dataset", repositoryRoot() + "/Topologies/lambda-public-subnet.yaml", "--duration", "5s", "--out", dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("vpcsim dataset lambda-public-subnet (seed 1)\n"))
    }

    @Test func runPrintsASummaryAndWritesTheContractLayout() throws {
        let dir = temporaryDirectory("cli")
        let r = runProgram(
            binary,
            [
                "run", repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml",
                "--out", dir, "--duration", "15s", "--seed", "9",
            ])
        #expect(r.status == 0, "\(r.stderr)")
        for word in ["simulated", "packets", "connections", "requests", "p50", "p99", "outputs"] {
            #expect(r.stdout.contains(word))
        }
        let files = filesUnder(dir)
        #expect(files.contains { $0.hasPrefix("captures/eni-") && $0.hasSuffix(".pcap") })
        #expect(
            files.contains {
                $0.hasPrefix(
                    "flowlogs/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/23/"
                        + "123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60031_20261123T"
                )
            })
        #expect(files.contains("summary.json"))
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json")))
            as! [String: Any]
        #expect(summary["seed"] as? Int == 9)
        #expect(summary["workload_seconds"] as? Double == 15)
        #expect((summary["requests"] as? [String: Any])?["p99"] != nil)
    }

    @Test func badDurationIsAUsageError() {
        let r = runProgram(
            binary,
            ["run", repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml", "--duration", "ten"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("not a duration"))
    }
}
