import Testing
import Foundation
import SimCore
import TestSupport
@testable import Experiments

/// Issue 11, the server side: a run's servers answer with their own stacks — DynamoDB's front
/// end from outside the VPC (TTL lowered by the hops to it, no TCP timestamps), RDS as an EC2
/// Linux host in the VPC (TTL 64, SYN-ACK IP ID 0), Amazon DNS with Linux's UDP defaults rather
/// than TTL 255 and IP ID 0 — as tshark reads them from the run's pcaps.
@Suite(.serialized) struct ServerPersonalityTests {
    /// The fields of the frames matching `filter` in every pcap of a run.
    static func frames(_ summary: RunSummary, _ dir: String, _ filter: String, _ fields: [String]) throws -> [[String]]
    {
        try summary.pcaps.flatMap { try DecryptableTests.tshark(dir + "/" + $0.file, filter, fields) }
    }

    @Test func frontEndsDatabasesAndTheResolverAnswerWithTheirOwnStacks() throws {
        let (summary, dir) = try DecryptableTests.run("lambda-rds-dynamodb", tls: .sizeOnly)
        let synAck = "tcp.flags.syn == 1 && tcp.flags.ack == 1"
        let fields = [
            "ip.ttl", "ip.id", "tcp.window_size_value", "tcp.options.wscale.shift", "tcp.options.timestamp.tsval",
        ]
        let dynamo = try Self.frames(summary, dir, synAck + " && tcp.srcport == 443", fields)
        #expect(!dynamo.isEmpty)
        for f in dynamo {
            // Initial TTL 64 less 2–6 routers; window 26883, scale 6; no timestamps.
            #expect((58...62).contains(Int(f[0]) ?? 0) && f[2] == "26883" && f[3] == "6" && f[4].isEmpty, "\(f)")
        }
        let rds = try Self.frames(summary, dir, synAck + " && tcp.srcport == 5432", fields)
        #expect(!rds.isEmpty)
        for f in rds {
            // Same VPC: TTL 64 unlowered; Linux's SYN-ACK has IP ID 0 (ip_build_and_send_pkt).
            #expect(f[0] == "64" && f[1] == "0x0000" && f[2] == "62727" && f[3] == "7" && !f[4].isEmpty, "\(f)")
        }
        let dns = try Self.frames(summary, dir, "udp.srcport == 53", ["ip.ttl", "ip.id", "ip.flags.df"])
        #expect(dns.count >= 2)
        #expect(dns.allSatisfy { $0[0] == "64" && $0[2] == "1" }, "\(dns.prefix(3))")
        #expect(Set(dns.map { $0[1] }).count == dns.count, "IP IDs vary per answer: \(dns.prefix(4))")
        let report = try CheckRunReport(dir)
        #expect(report.ok, "\(report.failures)")
    }

    /// Each server type's NewSessionTickets as Wireshark decrypts them from a dataset's pcapngs:
    /// nginx's two per handshake (lifetime 300 s, 224-byte tickets), DynamoDB's one (21600 s,
    /// 105 bytes), none from PostgreSQL; no expert warning anywhere.
    @Test func ticketsPerServerTypeDecryptCleanly() throws {
        let (summary, dir) = try DecryptableTests.run("dataset-enterprise", duration: .seconds(30))
        var byPort: [String: Set<String>] = [:]
        for p in summary.pcaps {
            let ng = try #require(p.pcapng.map { dir + "/" + $0 })
            let tickets = try DecryptableTests.tshark(
                ng, "tls.handshake.type == 4",
                ["tcp.srcport", "tls.handshake.session_ticket_lifetime_hint", "tls.handshake.session_ticket_length"])
            for t in tickets { byPort[t[0], default: []].insert(t[1] + "/" + t[2]) }
            let bad = try DecryptableTests.tshark(
                ng, "_ws.malformed || _ws.expert.severity >= 6291456", ["frame.number"])
            #expect(bad.isEmpty, "expert warnings in \(ng): \(bad.prefix(5))")
        }
        // Two tickets in one segment show as "300|300".
        for (port, seen) in byPort {
            #expect(seen.isSubset(of: ["300|300/224|224", "300/224", "21600/105"]), "port \(port): \(seen)")
        }
        #expect(byPort["443", default: []].contains("300|300/224|224"), "\(byPort)")
        #expect(byPort["5432"] == nil, "\(byPort)")
    }
}
