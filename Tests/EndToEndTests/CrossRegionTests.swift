import Testing
import Foundation
import SimCore
import Wire
import TestSupport
import Topology
@testable import Experiments

/// A handler calling DynamoDB in another Region (`region:` on the step): through the NAT
/// gateway to that Region's public addresses, paying the catalog's inter-Region RTT.
@Suite(.serialized) struct CrossRegionTests {
    @Test func crossRegionCallTakesTheInterRegionRoundTrip() throws {
        var yaml = try String(
            contentsOfFile: repositoryRoot() + "/Topologies/lambda-dynamodb-nat-gateway.yaml", encoding: .utf8)
        let get = "      - dynamodb: GetItem\n        table: Orders\n"
        try #require(yaml.contains(get))
        yaml = yaml.replacingOccurrences(
            of: get, with: get + "      - {dynamodb: Query, table: OrdersReplica, region: eu-west-1}\n")
        let run = try ScenarioRun(yaml: yaml, name: "cross-region", duration: .seconds(20))
        let check = try run.check()
        #expect(check.ok, "\(check.text.prefix(3000))")
        let f = run.summary.functions[0]
        #expect(f.invocations > 10 && f.succeeded == f.invocations)
        let local = try #require(run.summary.calls.first { $0.name == "orders-writer/GetItem" })
        let remote = try #require(run.summary.calls.first { $0.name == "orders-writer/Query" })
        #expect(remote.calls == local.calls && remote.errors == 0)
        // us-east-1 ↔ eu-west-1: 75.975 ms measured RTT (regions.yaml, rtt-region); a warm call
        // pays it once, a new connection (TCP + TLS 1.3) twice more.
        #expect(remote.latency.p50 > 75 && remote.latency.p50 < 120, "\(remote.latency)")
        #expect(local.latency.p50 < 30, "\(local.latency)")
        // eu-west-1's DynamoDB answered, at one of its own addresses, through the NAT gateway;
        // the flow logs call those addresses DYNAMODB (ip-ranges.json of eu-west-1).
        let euw1 = try #require(RegionCatalog.named("eu-west-1")?.prefixList(forService: "dynamodb"))
        let natENI = run.summary.natGateways[0].eni
        func inEU(_ text: String?) -> Bool {
            guard let a = IPAddress(text ?? "") else { return false }
            return euw1.cidrs.contains { $0.contains(a) }
        }
        let toEU = run.flowLogRecords.filter {
            $0["interface-id"] == natENI && $0["flow-direction"] == "egress" && inEU($0["pkt-dstaddr"])
        }
        #expect(!toEU.isEmpty && toEU.allSatisfy { $0["pkt-dst-aws-service"] == "DYNAMODB" })
        // The Lambda's resolver query for the other Region's name, answered inside its prefix list.
        let answers = try run.frames(
            run.pcap(run.functionENI), "dns.qry.name == \"dynamodb.eu-west-1.amazonaws.com\" && dns.a",
            fields: ["dns.a"])
        #expect(!answers.isEmpty)
        #expect(answers.allSatisfy { inEU($0[0]) })
    }
}
