import Testing
import Foundation
import SimCore
import Wire
import TestSupport
import Topology
import Cost
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
        // The bytes both ways are inter-Region data transfer: the requests leave us-east-1, the
        // responses leave eu-west-1, each the packets the NAT gateway's flow log counts (up to
        // what was in flight when the run ended).
        let fromEU = run.flowLogRecords.filter {
            $0["interface-id"] == natENI && $0["flow-direction"] == "ingress" && inEU($0["pkt-srcaddr"])
        }
        func bytes(_ records: [[String: String]]) -> Double {
            records.reduce(0) { $0 + (Double($1["bytes"] ?? "") ?? .nan) }
        }
        let usage = run.summary.usage
        let pairs = try #require(usage.interRegion)
        let out = try #require(pairs.first { $0.from == "us-east-1" && $0.to == "eu-west-1" })
        let back = try #require(pairs.first { $0.from == "eu-west-1" && $0.to == "us-east-1" })
        #expect(pairs.count == 2)
        #expect(abs(Double(out.bytes) - bytes(toEU)) <= 0.02 * bytes(toEU), "\(out) vs \(bytes(toEU))")
        #expect(abs(Double(back.bytes) - bytes(fromEU)) <= 0.02 * bytes(fromEU), "\(back) vs \(bytes(fromEU))")
        // Priced per GB in the Region the bytes leave (https://aws.amazon.com/ec2/pricing/on-demand/).
        let bill = CostModel.price(
            usage, catalog: try PriceCatalogLoader.load(directory: repositoryRoot() + "/Topologies/prices"),
            region: "us-east-1")
        for (pair, id) in [(out, "inter-region-us-east-1-to-eu-west-1"), (back, "inter-region-eu-west-1-to-us-east-1")]
        {
            let line = try #require(bill.lines.first { $0.item == id }, "\(bill.lines.map(\.item))")
            let gb = Double(pair.bytes) / BillItem.bytesPerGB * CostModel.hoursPerMonth * 3600 / usage.windowSeconds
            #expect(line.priced && line.unitUSD == 0.02 && abs(line.monthlyUSD - gb * 0.02) < 1e-9, "\(line)")
        }
        #expect(bill.text.contains("Data transfer between Regions, eu-west-1 to us-east-1"))
        // The Lambda's resolver query for the other Region's name, answered inside its prefix list.
        let answers = try run.frames(
            run.pcap(run.functionENI), "dns.qry.name == \"dynamodb.eu-west-1.amazonaws.com\" && dns.a",
            fields: ["dns.a"])
        #expect(!answers.isEmpty)
        #expect(answers.allSatisfy { inEU($0[0]) })
    }
}
