import Testing
import Foundation
import TestSupport
import Topology
@testable import Experiments

/// The counters costs come from against what the same run's captures carry, summed by tshark.
@Suite(.serialized) struct UsageTests {
    /// Sum of `ip.len` over the frames of a pcap matching `filter`.
    func ipBytes(_ run: ScenarioRun, _ pcap: String, _ filter: String) throws -> UInt64 {
        try run.frames(pcap, filter, fields: ["ip.len"]).reduce(0) { $0 + (UInt64($1[0]) ?? 0) }
    }

    @Test func natAndCrossAZBytesAreWhatThePcapsCarry() throws {
        let run = try ScenarioRun("lambda-dynamodb-two-az-nat", duration: .seconds(20))
        #expect(try run.check().ok)
        let usage = run.summary.usage
        let nat = try #require(usage.natGateways.first)
        #expect(nat.availabilityZone == "us-east-1a" && nat.bytes > 100_000)
        // The NAT gateway's ENI sees each packet it processes twice, before and after translation,
        // with the same IP total length.
        let natPcap = try #require(run.pcap(label: "NAT gateway nat-0c2d3e4f5a6b70041"))
        #expect(try ipBytes(run, natPcap, "ip") == 2 * nat.bytes)
        #expect(nat.bytes == run.summary.natGateways[0].bytesProcessed)
        // orders-writer-b (us-east-1b) reaches the NAT gateway (us-east-1a) across AZs: every
        // packet on its ENI but Amazon DNS's crossed, and nothing else did.
        let b = try #require(run.summary.functions.first { $0.name == "orders-writer-b" }?.enis.first)
        let bPcap = run.pcap(b)
        let bIP = run.scenario.network.enis.first { $0.id == b }!.privateIP.description
        let out = try ipBytes(run, bPcap, "ip.src == \(bIP) && !(udp.port == 53)")
        let into = try ipBytes(run, bPcap, "ip.dst == \(bIP) && !(udp.port == 53)")
        #expect(out > 0 && into > 0)
        let ab = usage.crossAZ.first { $0.from == "us-east-1a" && $0.to == "us-east-1b" }?.bytes
        let ba = usage.crossAZ.first { $0.from == "us-east-1b" && $0.to == "us-east-1a" }?.bytes
        #expect(ba == out && ab == into, "cross-AZ counters \(usage.crossAZ) vs pcap \(out) out, \(into) in")
        #expect(usage.crossAZ.count == 2)
        // orders-writer-a shares the NAT gateway's AZ: its bytes go through the gateway but do
        // not cross, so the gateway processed more than orders-writer-b's share.
        #expect(nat.bytes > out + into)
        #expect(usage.internetEgressBytes == 0, "DynamoDB's public addresses are not the internet")
    }

    @Test func gatewayEndpointBytesAreWhatTheFunctionsPcapCarries() throws {
        let run = try ScenarioRun("lambda-dynamodb-gateway-endpoint", duration: .seconds(20))
        let endpoint = try #require(run.summary.usage.endpoints.first)
        #expect(endpoint.type == "Gateway" && endpoint.service == "dynamodb")
        #expect(try ipBytes(run, run.pcap(run.functionENI), "tcp.port == 443") == endpoint.bytes)
        #expect(run.summary.usage.natGateways.isEmpty && run.summary.usage.crossAZ.isEmpty)
    }

    @Test func flowLogBytesAreTheRecordLinesDelivered() throws {
        let run = try ScenarioRun("lambda-dynamodb-gateway-endpoint", duration: .seconds(20))
        let fl = try #require(run.summary.usage.flowLogs.first)
        var bytes: UInt64 = 0
        for f in filesUnder(run.directory + "/flowlogs") where f.hasSuffix(".log.gz") {
            bytes += gunzipLines(run.directory + "/flowlogs/" + f).dropFirst().reduce(0) {
                $0 + UInt64($1.utf8.count + 1)
            }
        }
        #expect(fl.destination == "s3" && fl.bytes == bytes && fl.records == run.summary.flowLogs[0].records)
    }

    @Test func lambdaBillingCountsInitAndRoundsUpPerInvocation() throws {
        let run = try ScenarioRun("lambda-dynamodb-gateway-endpoint", duration: .seconds(20))
        let f = try #require(run.summary.usage.functions.first)
        let fn = run.summary.functions[0]
        #expect(f.memoryMB == 512 && f.architecture == "x86_64" && f.invocations == fn.invocations)
        #expect(f.initMilliseconds > 100, "cold starts' init is billed")
        // Each invocation is billed at least its duration, rounded up to the millisecond.
        #expect(Double(f.billedMilliseconds) >= f.initMilliseconds + fn.duration.mean * Double(fn.invocations))
        #expect(
            Double(f.billedMilliseconds) <= f.initMilliseconds + (fn.duration.mean + 1) * Double(fn.invocations) + 1)
        // DynamoDB units: 110-byte items, one PutItem (1 WRU) and one GetItem (½ RRU, eventually consistent) each.
        let put = run.summary.usage.dynamodb.first { $0.call.hasSuffix("PutItem") }
        let get = run.summary.usage.dynamodb.first { $0.call.hasSuffix("GetItem") }
        #expect(put?.writeRequestUnits == Double(fn.invocations) && get?.readRequestUnits == Double(fn.invocations) / 2)
    }
}
