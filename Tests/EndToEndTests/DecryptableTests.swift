import Testing
import Foundation
import SimCore
import TestSupport
import Topology
@testable import Experiments

/// `--tls decryptable`: real TLS whose keys the run writes, checked with the real tshark,
/// capinfos, check-run and botocore.
@Suite(.serialized) struct DecryptableTests {
    static let root = repositoryRoot()

    static func run(
        _ topology: String, tls: TLSMode = .decryptable, duration: SimDuration? = nil, seed: UInt64? = nil,
        out: String? = nil
    ) throws -> (summary: RunSummary, dir: String) {
        let path = topology.hasPrefix("/") ? topology : root + "/Topologies/\(topology).yaml"
        let scenario = try TopologyLoader.load(path: path, overrides: RunOverrides(seed: seed, duration: duration))
        let dir = out ?? temporaryDirectory("tls-\((topology as NSString).lastPathComponent)")
        var options = RunOptions(outputDirectory: dir)
        options.tls = tls
        return (try Runner.run(scenario, options: options), dir)
    }

    /// tshark's fields of the frames matching `filter` (the keys from `keyLog`, if given).
    static func tshark(_ file: String, _ filter: String, _ fields: [String], keyLog: String? = nil) throws -> [[String]]
    {
        let options = keyLog.map { ["-o", "tls.keylog_file:\($0)"] } ?? []
        let r = runProgram(
            try requireTool("tshark"),
            ["-r", file] + options + ["-Y", filter, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
                + fields.flatMap { ["-e", $0] })
        guard r.status == 0 else {
            throw ToolFailure("tshark -r \(file) -Y '\(filter)' exited \(r.status): \(r.stderr)")
        }
        return r.stdout.split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// The operation of each decrypted DynamoDB request, in order.
    static func targets(_ file: String, keyLog: String? = nil) throws -> [String] {
        try tshark(file, "http.request", ["http.request.method", "http.request.line"], keyLog: keyLog).map { f in
            #expect(f[0] == "POST")
            let line = f[1].split(separator: "|").first { $0.hasPrefix("X-Amz-Target: ") } ?? ""
            return String(line.dropFirst("X-Amz-Target: DynamoDB_20120810.".count).prefix { $0 != "\\" })
        }
    }

    @Test func defaultScenarioShowsOnePOSTPerCallWithItsTarget() throws {
        let (summary, dir) = try Self.run("lambda-dynamodb-gateway-endpoint")
        let pcap = dir + "/" + summary.pcaps[0].file
        let pcapng = try #require(summary.pcaps[0].pcapng.map { dir + "/" + $0 })
        #expect(summary.tls == "decryptable" && summary.tlsKeyLog == "tls-keys.log")
        #expect(summary.tlsKeyLogSessions == Int(summary.connections.tcpOpened) && summary.pcaps[0].tlsSessions == 2)
        // With the key log, and from the pcapng alone: one POST per call the summary counts, each
        // naming its operation.
        let withKeyLog = try Self.targets(pcap, keyLog: dir + "/tls-keys.log")
        let alone = try Self.targets(pcapng)
        #expect(UInt64(withKeyLog.count) == summary.requests.count && withKeyLog.count > 300)
        #expect(alone == withKeyLog)
        for call in summary.calls {
            let op = String(call.name.split(separator: "/")[1])
            #expect(UInt64(withKeyLog.filter { $0 == op }.count) == call.calls, "\(call.name)")
        }
        #expect(
            UInt64(try Self.tshark(pcapng, "http.response.code == 200", ["frame.number"]).count)
                == summary.requests.count)
        // Nothing in the decrypted view is malformed or warned about.
        let bad = try Self.tshark(pcapng, "_ws.malformed || _ws.expert.severity >= 6291456", ["frame.number"])
        #expect(bad.isEmpty, "expert warnings in frames \(bad.prefix(5))")
        // capinfos reads the pcapng: same packets, nanosecond timestamps.
        let info = runProgram(try requireTool("capinfos"), ["-M", pcapng])
        #expect(info.status == 0 && info.stdout.contains("pcapng"), "\(info.stdout)\(info.stderr)")
        #expect(info.stdout.contains("Number of packets:   \(summary.pcaps[0].packets)"), "\(info.stdout)")
        #expect(info.stdout.contains("nanoseconds"))
        // check-run reads the classic pcap (it ignores the pcapng, with a warning) and passes.
        let report = try CheckRunReport(dir)
        #expect(report.ok, "\(report.failures)")
        #expect(try report.check(1).warnings.joined().contains(".pcapng"))
    }

    /// botocore's SigV4Auth, given the documented example credentials and each decrypted
    /// request, writes the same Authorization header (Tools/verify-sigv4).
    @Test func botocoreVerifiesEverySignature() throws {
        let python = Self.root + "/.build/pyenv/bin/python3"
        try #require(
            FileManager.default.isExecutableFile(atPath: python),
            "no Python virtualenv at .build/pyenv (botocore): run Tools/install-deps --test")
        let (summary, dir) = try Self.run("lambda-dynamodb-gateway-endpoint", duration: .seconds(20))
        let r = runProgram(python, [Self.root + "/Tools/verify-sigv4", "--json", dir])
        let json = try #require(
            try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
            "verify-sigv4 printed no JSON: \(r.stdout)\(r.stderr)")
        #expect(r.status == 0, "\(r.stdout)")
        let count = Int(summary.requests.count)
        #expect(json["requests"] as? Int == count && json["verified"] as? Int == count && count > 50)
        // A wrong secret fails every one: the check can fail.
        let wrong = runProgram(python, [Self.root + "/Tools/verify-sigv4", "--json", "--secret-access-key", "x", dir])
        let w = try #require(try? JSONSerialization.jsonObject(with: Data(wrong.stdout.utf8)) as? [String: Any])
        #expect(wrong.status == 1 && w["verified"] as? Int == 0)
    }

    /// The modes differ in the bytes inside records only: same packets, sizes and times, same
    /// flow logs.
    @Test(arguments: [
        "lambda-dynamodb-gateway-endpoint", "lambda-rds-dynamodb", "lambda-dynamodb-nat-gateway", "dataset-enterprise",
    ])
    func bothModesWriteTheSamePackets(_ topology: String) throws {
        let (a, da) = try Self.run(topology, tls: .sizeOnly, duration: .seconds(30))
        let (b, db) = try Self.run(topology, tls: .decryptable, duration: .seconds(30))
        #expect(a.pcaps.count == b.pcaps.count && !a.pcaps.isEmpty)
        for (p, q) in zip(a.pcaps, b.pcaps) {
            let x = try Self.shapes(da + "/" + p.file), y = try Self.shapes(db + "/" + q.file)
            #expect(x.count == y.count && x.count > 50)
            #expect(x == y, "packet times and sizes differ in \(p.file)")
            #expect(
                FileManager.default.contents(atPath: da + "/" + p.file)
                    != FileManager.default.contents(atPath: db + "/" + q.file))
        }
        for f in filesUnder(da + "/flowlogs") {
            #expect(gunzipLines(da + "/flowlogs/" + f) == gunzipLines(db + "/flowlogs/" + f), "\(f)")
        }
        #expect(a.requests.count == b.requests.count && a.events == b.events)
    }

    @Test func decryptableRunsAreDeterministic() throws {
        let (_, a) = try Self.run("lambda-rds-dynamodb", duration: .seconds(20), seed: 5)
        let (_, b) = try Self.run("lambda-rds-dynamodb", duration: .seconds(20), seed: 5)
        let (_, c) = try Self.run("lambda-rds-dynamodb", duration: .seconds(20), seed: 6)
        #expect(firstOutputDifference(a, b) == nil, "\(firstOutputDifference(a, b) ?? "")")
        let keys = { (d: String) in FileManager.default.contents(atPath: d + "/tls-keys.log") }
        #expect(keys(a) != nil && keys(a) == keys(b) && keys(a) != keys(c))
    }

    /// RDS: SSLRequest in clear, then inside TLS the startup, SCRAM-SHA-256-PLUS and one simple
    /// query per call.
    @Test func rdsShowsThePostgreSQLProtocolInsideTLS() throws {
        let (summary, dir) = try Self.run("lambda-rds-dynamodb", duration: .seconds(20))
        let db = try #require(summary.pcaps.first { $0.label.hasPrefix("database") }?.pcapng)
        let types = try Self.tshark(dir + "/" + db, "pgsql", ["pgsql.type"]).flatMap { $0[0].split(separator: "|") }
        for t in [
            "SSL request", "Startup message", "SASLInitialResponse message", "Authentication request", "Simple query",
        ] {
            #expect(types.contains(Substring(t)), "no \(t) in \(Set(types))")
        }
        let queries = try Self.tshark(dir + "/" + db, "pgsql.query", ["pgsql.query"]).count
        let calls = summary.calls.first { $0.name.hasSuffix("/orders-db") }?.calls
        #expect(calls.map { Int($0) } == queries && queries > 5)
        let mechanisms = try Self.tshark(
            dir + "/" + db, "pgsql.type == \"SASLInitialResponse message\"", ["pgsql.auth.sasl.mech"])
        #expect(!mechanisms.isEmpty && mechanisms.allSatisfy { $0[0] == "SCRAM-SHA-256-PLUS" })
    }

    /// A database limited to TLS 1.2 (ssl-max-protocol-version): ECDHE-RSA with AES-256-GCM, the
    /// key log's CLIENT_RANDOM lines, and the same PostgreSQL conversation decrypted.
    @Test func tls12DatabaseDecrypts() throws {
        let text = try String(contentsOfFile: Self.root + "/Topologies/lambda-rds-dynamodb.yaml", encoding: .utf8)
        let changed = text.replacingOccurrences(
            of: "    engine: postgres\n", with: "    engine: postgres\n    ssl-max-protocol-version: TLSv1.2\n")
        #expect(changed != text)
        let topology = temporaryDirectory("tls12") + "/rds-tls12.yaml"
        try changed.write(toFile: topology, atomically: true, encoding: .utf8)
        let (summary, dir) = try Self.run(topology, duration: .seconds(20))
        let db = try #require(summary.pcaps.first { $0.label.hasPrefix("database") }?.pcapng)
        let hellos = try Self.tshark(
            dir + "/" + db, "tls.handshake.type == 2", ["tls.handshake.version", "tls.handshake.ciphersuite"])
        #expect(!hellos.isEmpty && hellos.allSatisfy { $0 == ["0x0303", "0xc030"] }, "\(hellos)")
        let keyLog = try String(contentsOfFile: dir + "/tls-keys.log", encoding: .utf8)
        #expect(keyLog.contains("CLIENT_RANDOM "))
        #expect(try Self.tshark(dir + "/" + db, "pgsql.query", ["pgsql.query"]).count > 5)
        #expect(try CheckRunReport(dir).ok)
        let (plain, plainDir) = try Self.run(topology, tls: .sizeOnly, duration: .seconds(20))
        #expect(try CheckRunReport(plainDir).ok)
        #expect(try Self.shapes(plainDir + "/" + plain.pcaps[0].file) == Self.shapes(dir + "/" + summary.pcaps[0].file))
    }

    /// Step Functions invokes Lambda service to service: no Invoke crosses the customer's VPC, so
    /// the function's capture decrypts to its DynamoDB calls only.
    @Test func stepFunctionsCaptureHasNoLambdaAPICalls() throws {
        let (summary, dir) = try Self.run("stepfunctions-lambda-dynamodb", duration: .seconds(30))
        let hosts = try Self.tshark(dir + "/" + summary.pcaps[0].pcapng!, "http.request", ["http.host"])
        #expect(!hosts.isEmpty && hosts.allSatisfy { $0[0] == "dynamodb.us-east-1.amazonaws.com" })
    }

    @Test(arguments: try FileManager.default.contentsOfDirectory(atPath: repositoryRoot() + "/Topologies").sorted())
    func everyShippedTopologyPassesCheckRun(_ file: String) throws {
        guard file.hasSuffix(".yaml") else { return }
        let name = String(file.dropLast(5))
        let dataset = name.hasPrefix("dataset-")
        let (summary, dir) = try Self.run(name, duration: dataset ? .seconds(120) : .seconds(20))
        let report = try CheckRunReport(dir)
        if ["ipv6-egress-only", "ipv6-nat64", "lambda-dualstack-endpoints"].contains(name) {
            // check-run's TLS check (3) pairs a stream's hellos by `ip.src`/`ip.dst` only and so
            // finds no ClientHello in an IPv6 stream (a gap of check-run, reported; tshark itself
            // dissects them, IPv6ScenarioTests). Every other check must pass, and every check-3
            // failure must be an IPv6 stream.
            for c in report.checks where c.number != 3 { #expect(c.status == "pass", "\(name): \(report.failures)") }
            let tls = try report.check(3)
            #expect(
                !tls.errors.isEmpty && tls.errors.allSatisfy { $0.contains("2600:1f18:") }, "\(tls.errors.prefix(2))")
        } else if name == "ipv6-only-subnet" {
            // The same TLS gap, and one of conservation (5): check-run knows VPC+2 and
            // 169.254.0.0/16 as unlogged platform traffic, not their IPv6 forms in fd00:ec2::/32
            // (DNS at fd00:ec2::253, Time Sync at ::123), which an IPv6-only host uses. Every
            // other check must pass; every check-5 failure must be a flow with fd00:ec2::.
            for c in report.checks where ![3, 5].contains(c.number) {
                #expect(c.status == "pass", "\(name): \(report.failures)")
            }
            #expect(try report.check(3).errors.allSatisfy { $0.contains("2600:1f18:") })
            let conservation = try report.check(5).errors
            let platform = conservation.allSatisfy { $0.contains("fd00:ec2::") || $0.contains("... and") }
            #expect(!conservation.isEmpty && platform, "\(conservation.prefix(2))")
        } else {
            #expect(report.ok, "\(name): \(report.failures)")
        }
        #expect(summary.pcaps.allSatisfy { $0.pcapng != nil })
        #expect(summary.missingStreamBytes == 0)
    }

    /// (seconds, nanoseconds, length) of every record of a classic pcap.
    static func shapes(_ path: String) throws -> [[Int]] {
        let d = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        func u32(_ i: Int) -> Int { Int(d[i]) | Int(d[i + 1]) << 8 | Int(d[i + 2]) << 16 | Int(d[i + 3]) << 24 }
        var out: [[Int]] = []
        var i = 24
        while i + 16 <= d.count {
            out.append([u32(i), u32(i + 4), u32(i + 8)])
            i += 16 + u32(i + 8)
        }
        return out
    }
}
