import Testing
import Foundation
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
        let fields = ["ip.ttl", "ip.id", "tcp.window_size_value", "tcp.options.wscale.shift", "tcp.options.timestamp.tsval"]
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
}
