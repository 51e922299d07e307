import Testing
import Foundation
import SimCore
import TestSupport
import Topology
import Wire
@testable import Experiments

/// A function's `runtime:` picks the TLS clients of its SDK and its PostgreSQL driver; each
/// runtime's hellos carry the JA3 of the real client (Tests/WireTests/CapturedClientHellos.swift),
/// and the decryptable mode still decrypts and its SigV4 signatures still verify.
@Suite(.serialized) struct RuntimeTLSTests {
    /// JA3 of the captured SDK client and of the captured database client, per runtime.
    static let expected: [(runtime: String, sdk: String, database: String, agent: String)] = [
        ("python3.12", "a48c0d5f95b1ef98f560f324fd275da1", "a3afc2c46ba4a7d7fbe1cfb7a3031c2f", "Boto3/"),
        ("nodejs18.x", "0cce74b0d9b7f8528fb2181588d23793", "0cce74b0d9b7f8528fb2181588d23793", "aws-sdk-js/3"),
        ("nodejs20.x", "0cce74b0d9b7f8528fb2181588d23793", "0cce74b0d9b7f8528fb2181588d23793", "aws-sdk-js/3"),
        ("nodejs22.x", "944d1e1858cd278718f8a46b65d3212f", "944d1e1858cd278718f8a46b65d3212f", "aws-sdk-js/3"),
        ("java17", "adbab9d5752f7c834ec405ec92e46415", "adbab9d5752f7c834ec405ec92e46415", "aws-sdk-java/2"),
        ("java21", "0a0d72200639a7a39887b9d81a247310", "0a0d72200639a7a39887b9d81a247310", "aws-sdk-java/2"),
        // Go without ALPN to the database: not captured (inferred from the Go capture).
        ("provided.al2023", "ceb419f4203d3159e7a7cb3aa7efd5bd", "", "m/E aws-sdk-go-v2/"),
    ]

    /// lambda-rds-dynamodb with its function on `runtime`.
    static func topology(_ runtime: String) throws -> String {
        let root = repositoryRoot()
        let text = try String(contentsOfFile: root + "/Topologies/lambda-rds-dynamodb.yaml", encoding: .utf8)
        let changed = text.replacingOccurrences(
            of: "    timeout: 3s\n", with: "    timeout: 3s\n    runtime: \(runtime)\n")
        #expect(changed != text)
        let path = temporaryDirectory("runtime-\(runtime)") + "/rds-\(runtime).yaml"
        try changed.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: expected.map(\.runtime))
    func runtimePicksItsClientsAndStillDecrypts(_ runtime: String) throws {
        let want = try #require(Self.expected.first { $0.runtime == runtime })
        let (summary, dir) = try DecryptableTests.run(try Self.topology(runtime), duration: .seconds(10))
        let fn = try #require(summary.pcaps.first { !$0.label.hasPrefix("database") }?.pcapng)
        let db = try #require(summary.pcaps.first { $0.label.hasPrefix("database") }?.pcapng)
        let sdk = try DecryptableTests.tshark(
            dir + "/" + fn, "tls.handshake.type == 1 && tcp.dstport == 443",
            [
                "tls.handshake.ja3"
            ])
        #expect(!sdk.isEmpty && sdk.allSatisfy { $0 == [want.sdk] }, "\(runtime): \(Set(sdk.map { $0[0] }))")
        let dbHellos = try DecryptableTests.tshark(dir + "/" + db, "tls.handshake.type == 1", ["tls.handshake.ja3"])
        #expect(!dbHellos.isEmpty)
        if !want.database.isEmpty {
            #expect(dbHellos.allSatisfy { $0 == [want.database] }, "\(runtime): \(Set(dbHellos.map { $0[0] }))")
        }
        // The driver's SSLRequest precedes its ClientHello on every database connection.
        let order = try DecryptableTests.tshark(
            dir + "/" + db, "pgsql.type == \"SSL request\" || tls.handshake.type == 1",
            ["tcp.stream", "pgsql.type"])
        var asked = Set<String>()
        for f in order {
            if f[1] == "SSL request" { asked.insert(f[0]) } else { #expect(asked.contains(f[0]), "stream \(f[0])") }
        }
        // Decrypted: one POST per DynamoDB call, and the PostgreSQL queries.
        let puts = summary.calls.filter { $0.name.hasSuffix("/PutItem") }.reduce(0) { $0 + Int($1.calls) }
        #expect(try DecryptableTests.targets(dir + "/" + fn).count == puts && puts > 5)
        #expect(try DecryptableTests.tshark(dir + "/" + db, "pgsql.query", ["pgsql.query"]).count > 5)
        // The SDK's own request layout: its User-Agent.
        let agents = try DecryptableTests.tshark(dir + "/" + fn, "http.request", ["http.user_agent"])
        #expect(!agents.isEmpty && agents.allSatisfy { $0[0].hasPrefix(want.agent) }, "\(Set(agents.map { $0[0] }))")
        let bad = try DecryptableTests.tshark(
            dir + "/" + fn, "_ws.malformed || _ws.expert.severity >= 6291456", ["frame.number"])
        #expect(bad.isEmpty, "expert warnings in frames \(bad.prefix(5))")
        let report = try CheckRunReport(dir)
        #expect(report.ok, "\(runtime): \(report.failures)")
        // botocore's SigV4Auth verifies every decrypted request.
        let python = repositoryRoot() + "/.build/pyenv/bin/python3"
        try #require(FileManager.default.isExecutableFile(atPath: python), "no .build/pyenv: Tools/install-deps --test")
        let r = runProgram(python, [repositoryRoot() + "/Tools/verify-sigv4", "--json", dir])
        let json = try #require(
            try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
            "verify-sigv4 printed no JSON: \(r.stdout)\(r.stderr)")
        #expect(r.status == 0 && json["verified"] as? Int == puts, "\(r.stdout)")
    }

    /// An unknown runtime is one located error naming the modelled ones.
    @Test func unknownRuntimeIsALocatedError() throws {
        let path = try Self.topology("ruby3.3")
        do {
            _ = try TopologyLoader.load(path: path, overrides: RunOverrides())
            Issue.record("ruby3.3 loaded")
        } catch {
            let text = "\(error)"
            #expect(
                text.contains("rds-ruby3.3.yaml") && text.contains("ruby3.3") && text.contains("nodejs20.x"), "\(text)")
            #expect(text.contains(":81:"), "\(text)")
        }
    }
}

/// Dataset clients: people on the internet arrive with a browser mix, services inside the VPC
/// with their application's client; `tls-clients:` sets a generator's mix.
@Suite(.serialized) struct DatasetTLSClientTests {
    /// The JA3 cipher field (GREASE left out, as JA3 does) of a profile.
    static func ja3Ciphers(_ id: TLSClientProfileID) -> String {
        id.profile.cipherSuites.filter { !TLSGrease.isGrease($0) }.map(String.init).joined(separator: "-")
    }

    @Test func internetClientsUseTheBrowserMix() throws {
        let (summary, dir) = try DecryptableTests.run("dataset-enterprise", duration: .seconds(60))
        let web = try #require(summary.pcaps.first { $0.label.contains("web-2") }?.file)
        let hellos = try DecryptableTests.tshark(
            dir + "/" + web, "tls.handshake.type == 1", ["tcp.dstport", "tls.handshake.ja3_full"])
        var byPort: [String: Set<String>] = [:]
        for h in hellos { byPort[h[0], default: []].insert(String(h[1].split(separator: ",")[1])) }
        let browsers: Set<String> = Set(
            [TLSClientProfileID.chrome, .safari, .firefox, .curlOpenSSL30].map(Self.ja3Ciphers))
        #expect(byPort["443"] == browsers, "\(byPort["443"] ?? [])")
        #expect(byPort["8443"] == [Self.ja3Ciphers(.boto3OpenSSL3)], "\(byPort["8443"] ?? [])")
        // nginx takes the client's suite order: AES-128 for Chrome and Firefox, AES-256 for
        // Safari, curl and boto3 — several JA3S from one server.
        var suites: [String: Set<String>] = [:]
        for h in try DecryptableTests.tshark(
            dir + "/" + web, "tls.handshake.type == 2", ["tcp.srcport", "tls.handshake.ciphersuite"])
        {
            suites[h[0], default: []].insert(h[1])
        }
        #expect(suites["443"] == ["0x1301", "0x1302"], "\(suites)")
        #expect(suites["8443"] == ["0x1302"], "\(suites)")
        let report = try CheckRunReport(dir)
        #expect(report.ok, "\(report.failures)")
        let bad = try DecryptableTests.tshark(
            dir + "/" + web, "_ws.malformed || _ws.expert.severity >= 6291456", ["frame.number", "_ws.expert.message"])
        #expect(bad.isEmpty, "expert warnings: \(bad.prefix(5))")
    }

    /// `tls-clients:` replaces the default mix; an unknown client is one located error.
    @Test func tlsClientsKey() throws {
        let root = repositoryRoot()
        let text = try String(contentsOfFile: root + "/Topologies/dataset-enterprise.yaml", encoding: .utf8)
        let anchor = "server-name: shop.example.com,"
        func load(_ mix: String) throws -> Topology.Scenario {
            let changed = text.replacingOccurrences(of: anchor, with: anchor + " tls-clients: \(mix),")
            #expect(changed != text)
            let path = temporaryDirectory("tls-clients") + "/mix.yaml"
            try changed.write(toFile: path, atomically: true, encoding: .utf8)
            return try TopologyLoader.load(path: path, overrides: RunOverrides())
        }
        do {
            _ = try load("{chrome: 1, netscape: 2}")
            Issue.record("netscape loaded")
        } catch {
            #expect("\(error)".contains("mix.yaml:") && "\(error)".contains("netscape"), "\(error)")
        }
        do {
            _ = try load("{chrome: 0}")
            Issue.record("an all-zero mix loaded")
        } catch {
            #expect("\(error)".contains("positive weight"), "\(error)")
        }
        _ = try load("{firefox: 1, go: 3}")
    }
}

/// The SDKs' output buffers cut a large request into records: the Java SDK's Apache client
/// writes 8 KiB at a time, Go's net/http 4 KiB; boto3 and Node hand TLS the whole message.
@Suite(.serialized) struct SDKRecordTests {
    @Test(arguments: [("java21", 8192), ("provided.al2023", 4096), ("nodejs20.x", 16384)])
    func largeRequestRecords(_ runtime: String, _ limit: Int) throws {
        let path = try RuntimeTLSTests.topology(runtime)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let changed = text.replacingOccurrences(
            of: "        table: Orders\n", with: "        table: Orders\n        item-bytes: 30000\n")
        #expect(changed != text)
        try changed.write(toFile: path, atomically: true, encoding: .utf8)
        let (summary, dir) = try DecryptableTests.run(path, duration: .seconds(5))
        let fn = try #require(summary.pcaps.first { !$0.label.hasPrefix("database") }?.pcapng)
        let lengths = try DecryptableTests.tshark(
            dir + "/" + fn, "tls.record.content_type == 23 && tcp.dstport == 443", ["tls.record.length"]
        ).flatMap { $0[0].split(separator: "|").compactMap { Int($0) } }
        // TLS 1.3: each record adds a content-type byte and a 16-byte tag to its plaintext.
        #expect(!lengths.isEmpty && lengths.max() == limit + 17, "\(runtime): \(lengths.max() ?? 0)")
        // Go's dynamic record sizing: on a new connection, records of 1 × then 2 × the 1,186
        // bytes that fit a 1,208-byte segment estimate (1,208 − 5 header − 17).
        let small = lengths.contains(1186 + 17) && lengths.contains(2 * 1186 + 17)
        #expect(small == (runtime == "provided.al2023"), "\(runtime): \(lengths.prefix(8))")
        #expect(try CheckRunReport(dir).ok)
    }
}
