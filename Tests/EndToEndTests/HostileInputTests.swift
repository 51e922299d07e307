import Testing
import Foundation
import TestSupport

/// Hostile input, run through the binary with a timeout (a trap or a hang must fail one test,
/// not the bundle): each file of `Tools/fuzz/crashers/` — an input that trapped, hung, exhausted
/// memory or was wrongly accepted before (issue 10), or that the fuzzer found — and the command
/// line's edges.
@Suite struct HostileInputTests {
    var binary: String { vpcsimBinary() }
    static let crashers = repositoryRoot() + "/Tools/fuzz/crashers"

    /// `# expect: <status> [text the error contains]` from a crasher's header.
    static func expectation(_ path: String) -> (status: Int32, text: String)? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n").prefix(5) where line.hasPrefix("# expect: ") {
            let rest = line.dropFirst("# expect: ".count)
            let parts = rest.split(separator: " ", maxSplits: 1)
            guard let status = Int32(parts[0]) else { return nil }
            return (status, parts.count > 1 ? String(parts[1]) : "")
        }
        return nil
    }

    static var crasherFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: crashers)) ?? []).filter { $0.hasSuffix(".yaml") }
            .sorted()
    }

    @Test func theCrashersAreThere() {
        #expect(Self.crasherFiles.count >= 30, "Tools/fuzz/crashers/ lost its files")
    }

    /// Exit 0 (it runs), 2 (a located error naming the key) or 3 (over budget): never a trap, a
    /// hang, or an error of several lines.
    @Test(arguments: crasherFiles) func crasher(_ name: String) throws {
        let path = Self.crashers + "/" + name
        let want = try #require(Self.expectation(path), "\(name) has no '# expect:' line")
        let out = temporaryDirectory("crasher") + "/out"
        defer { try? FileManager.default.removeItem(atPath: (out as NSString).deletingLastPathComponent) }
        let r = runProgram(binary, ["run", path, "--out", out, "--quiet"], timeout: 120)
        #expect(r.status == want.status, "\(name): exit \(r.status)\n\(r.stderr.suffix(3000))")
        if want.status == 0 {
            let summary = try Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))
            #expect(try JSONSerialization.jsonObject(with: summary) is [String: Any])
        } else {
            #expect(r.stderr.hasPrefix("vpcsim: error: \(path)"), "\(name): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(name): more than one line: \(r.stderr)")
            #expect(r.stderr.contains(want.text), "\(name): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(name): a refused run wrote \(out)")
        }
    }

    /// 100,000 routes in one table load in linear time (issue 10: each route was compared with
    /// every earlier one). The bound here only catches a hang; `vpcsim bench` has no load figure,
    /// README "Limits" gives the measured time.
    @Test func aHundredThousandRoutesLoad() throws {
        let dir = temporaryDirectory("routes")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var text = try String(
            contentsOfFile: repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml", encoding: .utf8)
        var routes = "\n    routes:\n"
        for i in 0..<100_000 {
            routes += "      - {destination: \(11 + i / 65536).\(i / 256 % 256).\(i % 256).0/24, target: blackhole}\n"
        }
        text = text.replacingOccurrences(
            of: "  - id: rtb-0a1b2c3d4e5f60011\n    vpc: vpc-0a1b2c3d4e5f60718\n",
            with: "  - id: rtb-0a1b2c3d4e5f60011\n    vpc: vpc-0a1b2c3d4e5f60718" + routes)
        try text.write(toFile: dir + "/routes.yaml", atomically: true, encoding: .utf8)
        let r = runProgram(
            binary, ["path", dir + "/routes.yaml", "--from", "orders-writer", "--to", "11.0.0.9:443"], timeout: 120)
        // The function's group allows only 443 to DynamoDB's prefix list: dropped, exit status 1.
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("outcome: dropped on the way (security-group"), "\(r.stdout.prefix(2000))")
    }

    /// Every ephemeral port toward one server taken: connect() fails as on Linux (EADDRNOTAVAIL)
    /// and the session ends, instead of a trap. The server's security group drops the SYNs, so each
    /// attempt holds its port in SYN-SENT for two minutes of retries.
    @Test func ephemeralPortExhaustionEndsSessionsInsteadOfTrapping() throws {
        let dir = temporaryDirectory("ports")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = """
            account: "123456789012"
            region: us-east-1
            run: {duration: 10s, drain: 0s}
            vpcs: [{id: vpc-0000000000000000a, cidr: 10.0.0.0/16}]
            subnets: [{id: subnet-0000000000000000a, vpc: vpc-0000000000000000a, cidr: 10.0.1.0/24,
                       availability-zone: us-east-1a}]
            security-groups: [{id: sg-0000000000000000a, vpc: vpc-0000000000000000a}]
            instances:
              - {name: client, subnet: subnet-0000000000000000a, security-groups: [sg-0000000000000000a],
                 platform-agents: false}
              - {name: server, subnet: subnet-0000000000000000a, security-groups: [sg-0000000000000000a],
                 platform-agents: false}
            traffic:
              - {name: hammer, sessions: {from: "instance:client", to: "instance:server", port: 8080, tls: false,
                 rate: 3200/s}}
            """
        try yaml.write(toFile: dir + "/ports.yaml", atomically: true, encoding: .utf8)
        let r = runProgram(
            binary, ["run", dir + "/ports.yaml", "--out", dir + "/out", "--quiet", "--no-pcap"], timeout: 300)
        #expect(r.status == 0, "\(r.stderr.suffix(3000))")
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/summary.json")))
            as! [String: Any]
        let opened = (summary["connections"] as? [String: Any])?["tcp_opened"] as? Int ?? 0
        // 32,000 attempts in 10 s, but 28,232 ports (32768–60999): each is used once, and the
        // later attempts fail to connect.
        #expect(opened == 28_232, "\(opened) connections")
    }

    // MARK: Command line

    func run(_ args: [String], cwd: String? = nil) -> (status: Int32, stdout: String, stderr: String) {
        runProgram(binary, args, currentDirectory: cwd, timeout: 120)
    }

    static let topology = repositoryRoot() + "/Topologies/lambda-public-subnet.yaml"

    @Test func negativeNumbersAreNamedAsSuch() {
        let seed = run(["run", Self.topology, "--seed", "-1"])
        #expect(seed.status == 64)
        #expect(
            seed.stderr == "vpcsim: error: --seed '-1' is not a seed (an integer 0 … 18446744073709551615) "
                + "(see 'vpcsim run --help')\n")
        let duration = run(["run", Self.topology, "--duration", "-5s"])
        #expect(duration.status == 64)
        #expect(duration.stderr.hasPrefix("vpcsim: error: --duration '-5s' is not a duration"), "\(duration.stderr)")
        let huge = run(["run", Self.topology, "--duration", "3651d"])
        #expect(huge.status == 64 && huge.stderr.contains("longer than 3650d"), "\(huge.stderr)")
    }

    @Test func parserErrorsAreOneLine() {
        for args in [["run"], ["run", Self.topology, "--bogus"], ["nonsense"], ["bench", "core", "--repeats", "x"]] {
            let r = run(args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.hasPrefix("vpcsim: error: ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
    }

    @Test func unreadableTopologiesSayWhy() throws {
        let dir = temporaryDirectory("unreadable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = run(["run", dir + "/missing.yaml"])
        #expect(missing.status == 2)
        #expect(
            missing.stderr == "vpcsim: error: \(dir)/missing.yaml: cannot read the file: No such file or directory\n")
        let directory = run(["run", dir])
        #expect(directory.stderr == "vpcsim: error: \(dir): cannot read the file: it is a directory\n")
        try Data([0x61, 0x3A, 0x20, 0x62, 0x0A, 0x63, 0x3A, 0x20, 0xC3, 0x28, 0x0A]).write(
            to: URL(fileURLWithPath: dir + "/latin.yaml"))
        let latin = run(["run", dir + "/latin.yaml"])
        #expect(
            latin.stderr == "vpcsim: error: \(dir)/latin.yaml:2:4: the file is not UTF-8 text: byte 0xC3 at offset 8 "
                + "does not begin a UTF-8 character\n")
    }

    @Test func benchRepeatsMustBePositive() {
        let r = run(["bench", "core", "--repeats", "0"])
        #expect(r.status == 64)
        #expect(r.stderr == "vpcsim: error: --repeats 0 is outside 1 … 100 (see 'vpcsim bench core --help')\n")
    }

    /// `bench flowlogs` finds the repository's dataset topology from anywhere.
    @Test func benchFlowLogsRunsOutsideTheRepository() throws {
        let r = run(["bench", "flowlogs", "--json", "--records", "1000", "--duration", "5s"], cwd: "/")
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect((json?["topology"] as? String)?.hasSuffix("Topologies/dataset-enterprise.yaml") == true)
    }

    @Test func icmpTakesNoPort() {
        let r = run([
            "path", repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml", "--from", "orders-writer",
            "--to", "10.0.0.2:53", "--protocol", "icmp",
        ])
        #expect(r.status == 2)
        #expect(r.stderr.contains("ICMP has no ports"), "\(r.stderr)")
    }

    /// `--out ""` (an unset variable) wrote into `/`; `/` and a file are refused too.
    @Test func outputDirectoryMustBeAUsableDirectory() throws {
        let empty = run(["run", Self.topology, "--out", ""])
        #expect(empty.status == 64)
        #expect(empty.stderr.hasPrefix("vpcsim: error: --out is empty"), "\(empty.stderr)")
        let root = run(["run", Self.topology, "--out", "/"])
        #expect(root.status == 64 && root.stderr.contains("is the root directory"), "\(root.stderr)")
        let dots = run(["run", Self.topology, "--out", "/tmp/../"])
        #expect(dots.status == 64 && dots.stderr.contains("is the root directory"), "\(dots.stderr)")
        let dir = temporaryDirectory("out-file")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/file", contents: Data("x".utf8))
        let file = run(["run", Self.topology, "--out", dir + "/file"])
        #expect(file.status == 64 && file.stderr.contains("exists and is not a directory"), "\(file.stderr)")
        // A directory named summary.json is not vpcsim's: it is left alone, not deleted.
        try FileManager.default.createDirectory(
            atPath: dir + "/out/summary.json/mine", withIntermediateDirectories: true)
        let kind = run(["run", Self.topology, "--out", dir + "/out"])
        #expect(kind.status == 64 && kind.stderr.contains("summary.json is a directory"), "\(kind.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/out/summary.json/mine"))
    }
}
