import Testing
import Foundation
import SimCore
import TestSupport
import Topology
@testable import Experiments

/// TLS 1.3 session resumption as tshark sees it: a warm `nodejs20.x` environment whose pooled
/// DynamoDB connection the server closed after 60 s idle opens the next one with the ticket of
/// the last (aws-sdk-js v3's `https.Agent` session cache), and the server resumes without a
/// certificate; a Python function (urllib3) never offers a ticket.
@Suite(.serialized) struct ResumptionTests {
    /// lambda-rds-dynamodb on `runtime`, one invocation a minute: gaps longer than the service's
    /// 60 s idle timeout and shorter than the environment's 10-minute reclaim.
    static func sparse(_ runtime: String) throws -> String {
        let path = try RuntimeTLSTests.topology(runtime)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let changed = text.replacingOccurrences(of: "      rate: 2/s\n", with: "      rate: 1/min\n")
        #expect(changed != text)
        try changed.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The DynamoDB hellos of a run's function pcap: stream, JA3, PSK identity length.
    static func hellos(_ file: String) throws -> [[String]] {
        try DecryptableTests.tshark(
            file, "tls.handshake.type == 1 && tcp.dstport == 443",
            ["tcp.stream", "tls.handshake.ja3", "tls.handshake.extensions.psk.identity.identity_length"])
    }

    @Test func node20SecondConnectionResumesAndDecrypts() throws {
        let (summary, dir) = try DecryptableTests.run(try Self.sparse("nodejs20.x"), duration: .seconds(600))
        let fn = dir + "/" + (try #require(summary.pcaps.first { !$0.label.hasPrefix("database") }?.pcapng))
        let hellos = try Self.hellos(fn)
        try #require(hellos.count >= 3, "\(hellos)")
        // The first connection is a full handshake; later ones offer the 105-byte AWS ticket with
        // pre_shared_key last: the JA3 of Node 20's captured resumed hello.
        #expect(hellos[0][1] == "0cce74b0d9b7f8528fb2181588d23793" && hellos[0][2].isEmpty)
        let resumed = hellos.filter { $0[2] == "105" }
        #expect(resumed.count >= 2, "\(hellos)")
        #expect(resumed.allSatisfy { $0[1] == "a685258a6b9efe7d51633cf248ba2c83" })
        // The server selects the PSK; no Certificate in a resumed stream, one in the first.
        let selected = Set(
            try DecryptableTests.tshark(
                fn, "tls.handshake.extensions.psk.identity.selected == 0", ["tcp.stream"]
            ).map { $0[0] })
        #expect(selected == Set(resumed.map { $0[0] }))
        let certificates = Set(
            try DecryptableTests.tshark(fn, "tls.handshake.type == 11", ["tcp.stream"]).map { $0[0] })
        #expect(certificates.contains(hellos[0][0]) && certificates.isDisjoint(with: selected), "\(certificates)")
        // Decrypted from the pcapng's embedded keys: every resumed stream carries its SigV4 POSTs,
        // and a new ticket follows each resumption.
        let posts = Set(
            try DecryptableTests.tshark(fn, "http.request.method == \"POST\"", ["tcp.stream"]).map { $0[0] })
        #expect(selected.isSubset(of: posts), "\(posts)")
        let tickets = Set(try DecryptableTests.tshark(fn, "tls.handshake.type == 4", ["tcp.stream"]).map { $0[0] })
        #expect(selected.isSubset(of: tickets))
        let bad = try DecryptableTests.tshark(
            fn, "_ws.malformed || (_ws.expert.severity >= 6291456 && !tcp.flags.reset)",
            ["frame.number", "_ws.expert.message"])
        #expect(bad.isEmpty, "expert warnings: \(bad.prefix(5))")
        #expect(try CheckRunReport(dir).ok)
        // botocore's SigV4Auth verifies the requests of resumed connections as of the others.
        let python = repositoryRoot() + "/.build/pyenv/bin/python3"
        try #require(FileManager.default.isExecutableFile(atPath: python), "no .build/pyenv: Tools/install-deps --test")
        let r = runProgram(python, [repositoryRoot() + "/Tools/verify-sigv4", "--json", dir])
        let json = try #require(
            try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)\(r.stderr)")
        let puts = summary.calls.filter { $0.name.hasSuffix("/PutItem") }.reduce(0) { $0 + Int($1.calls) }
        #expect(r.status == 0 && json["verified"] as? Int == puts && puts > 3, "\(r.stdout)")
    }

    /// Without real keys the resumed hello and ServerHello are the same layouts.
    @Test func sizeOnlyRunsResumeToo() throws {
        let (summary, dir) = try DecryptableTests.run(
            try Self.sparse("nodejs20.x"), tls: .sizeOnly, duration: .seconds(600))
        let fn = dir + "/" + (try #require(summary.pcaps.first { !$0.label.hasPrefix("database") }?.file))
        let hellos = try Self.hellos(fn)
        #expect(hellos.filter { $0[2] == "105" }.count >= 2, "\(hellos)")
        #expect(
            try DecryptableTests.tshark(fn, "tls.handshake.extensions.psk.identity.selected == 0", ["tcp.stream"])
                .count >= 2)
        #expect(try CheckRunReport(dir).ok)
    }

    /// Which runtimes' SDK clients resume: Node (https.Agent's session cache) and Java (JSSE's
    /// client cache) do; boto3 (urllib3 passes no session) and the Go SDK (no ClientSessionCache)
    /// never do.
    @Test(arguments: [("python3.12", false), ("provided.al2023", false), ("nodejs22.x", true), ("java17", true)])
    func whichRuntimesResume(_ runtime: String, _ resumes: Bool) throws {
        let (summary, dir) = try DecryptableTests.run(
            try Self.sparse(runtime), tls: .sizeOnly, duration: .seconds(600))
        let fn = dir + "/" + (try #require(summary.pcaps.first { !$0.label.hasPrefix("database") }?.file))
        let hellos = try Self.hellos(fn)
        let offered = hellos.filter { !$0[2].isEmpty }.count
        #expect(hellos.count >= 3 && (resumes ? offered == hellos.count - 1 : offered == 0), "\(runtime): \(hellos)")
    }
}
