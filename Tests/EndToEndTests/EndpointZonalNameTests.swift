import Testing
import Foundation
import TestSupport
import NetModel
import Workloads
@testable import Topology

/// An interface endpoint's zonal names (`vpce-…-<suffix>-us-east-1a.dynamodb.us-east-1.vpce.amazonaws.com`)
/// answer with that AZ's ENI only, so a client configured with one stays in that AZ even from a
/// subnet without an endpoint ENI
/// (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html, "DNS hostnames").
@Suite(.serialized) struct EndpointZonalNameTests {
    static let endpointLine = "        endpoint: vpce-0c1d2e3f4a5b60099\n"
    static let newSubnet = """
          - id: subnet-0c1d2e3f4a5b60003
            vpc: vpc-0c1d2e3f4a5b60718
            cidr: 10.0.3.0/24
            availability-zone: us-east-1a
            route-table: rtb-0c1d2e3f4a5b60011
        """

    /// The shipped interface-endpoint topology with the function in a new subnet of us-east-1a
    /// (no endpoint ENI there), a connection per call, and each step's `endpoint-zone: zone`.
    static func yaml(zone: String) throws -> String {
        var y = try EndpointDNSAnswerTests.yaml(functionIn: "subnet-0c1d2e3f4a5b60003", newSubnet: newSubnet)
        #expect(y.components(separatedBy: endpointLine).count == 3)
        y = y.replacingOccurrences(of: endpointLine, with: endpointLine + "        endpoint-zone: \(zone)\n")
        return y.replacingOccurrences(
            of: "    runtime: python3.12\n", with: "    runtime: python3.12\n    connection-reuse: false\n")
    }

    /// Every lookup asks the zonal name and gets one A record, the us-east-1b ENI's; every SYN
    /// and every ClientHello's SNI follows it; the run passes check-run.
    @Test func zonalNameAnswersWithThatZonesENIOnly() throws {
        let run = try ScenarioRun(
            yaml: try Self.yaml(zone: "us-east-1b"), name: "endpoint-zonal", duration: .seconds(12))
        let n = run.scenario.network
        let ep = try #require(n.interfaceEndpoints.first)
        let inB = try #require(
            ep.enis.first { n.zones[n.subnets[n.enis[$0.int].subnet.int].zone.int].name == "us-east-1b" })
        let address = n.enis[inB.int].privateIP.description
        let pcap = run.pcap(run.functionENI)
        let answers = try run.frames(
            pcap, "dns.flags.response == 1 && dns.qry.type == 1",
            fields: ["dns.qry.name", "dns.a", "dns.count.answers"])
        #expect(answers.count >= 4, "\(answers.count)")
        for a in answers {
            #expect(
                a[0].hasPrefix("vpce-0c1d2e3f4a5b60099-")
                    && a[0].hasSuffix("-us-east-1b.dynamodb.us-east-1.vpce.amazonaws.com"), "\(a)")
            #expect(a[1] == address && a[2] == "1", "\(a)")
        }
        let syns = try run.frames(pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0", fields: ["ip.dst"]).map { $0[0] }
        #expect(!syns.isEmpty && syns.allSatisfy { $0 == address }, "\(syns)")
        let sni = try run.frames(pcap, "tls.handshake.type == 1", fields: ["tls.handshake.extensions_server_name"])
        #expect(!sni.isEmpty && sni.allSatisfy { $0[0] == answers[0][0] }, "\(sni.prefix(3))")
        #expect(run.summary.functions[0].succeeded == run.summary.functions[0].invocations)
        let check = try run.check()
        #expect(check.ok, "\(check.text.prefix(3000))")
    }

    /// A zone without an endpoint ENI, and a zone without an endpoint, are refused at the key.
    @Test func zoneWithoutAnENIIsRefused() throws {
        let bad = try Self.yaml(zone: "us-east-1c")
        #expect {
            _ = try TopologyLoader.load(yaml: bad, file: "bad.yaml")
        } throws: { e in
            let t = e as? TopologyError
            return (t?.line ?? 0) > 0 && (t?.message.contains("no network interface in 'us-east-1c'") ?? false)
        }
        let orphan = try Self.yaml(zone: "us-east-1a").replacingOccurrences(of: Self.endpointLine, with: "")
        #expect {
            _ = try TopologyLoader.load(yaml: orphan, file: "bad.yaml")
        } throws: { e in
            let t = e as? TopologyError
            return (t?.line ?? 0) > 0 && (t?.message.contains("'endpoint-zone' picks the zonal name") ?? false)
        }
    }

    /// `vpcsim path --to <zonal name>:443` probes that zone's ENI and says why.
    @Test func pathExplainerTakesTheZonalName() throws {
        let topology = temporaryDirectory("endpoint-zonal-path") + "/t.yaml"
        try Self.yaml(zone: "us-east-1b").write(toFile: topology, atomically: true, encoding: .utf8)
        let scenario = try TopologyLoader.load(path: topology)
        let n = scenario.network
        let ep = try #require(n.interfaceEndpoints.first)
        let inB = try #require(
            ep.enis.first { n.zones[n.subnets[n.enis[$0.int].subnet.int].zone.int].name == "us-east-1b" })
        let name = try #require(
            scenario.world.services.first { $0.zonalAddress == n.enis[inB.int].privateIP }?.zonalHostname)
        let r = runProgram(vpcsimBinary(), ["path", topology, "--from", "orders-writer", "--to", name + ":443"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(
            r.stdout.contains("zonal name of interface endpoint vpce-0c1d2e3f4a5b60099 in us-east-1b"), "\(r.stdout)")
        #expect(r.stdout.contains("probing \(n.enis[inB.int].privateIP), \(n.enis[inB.int].id)"), "\(r.stdout)")
        #expect(r.stdout.contains("outcome: reachable both ways"), "\(r.stdout)")
    }
}
