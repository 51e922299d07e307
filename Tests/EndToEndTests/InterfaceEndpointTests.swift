import Testing
import Foundation
import SimCore
import Wire
import NetModel
import TestSupport
import Topology
@testable import Experiments

/// Topologies/lambda-dynamodb-interface-endpoint.yaml: Lambda → DynamoDB through an interface
/// endpoint (AWS PrivateLink) with ENIs in two AZs, in subnets with no route out.
@Suite(.serialized) struct InterfaceEndpointTests {
    static let name = "lambda-dynamodb-interface-endpoint"
    static func yaml() throws -> String {
        try String(contentsOfFile: repositoryRoot() + "/Topologies/\(name).yaml", encoding: .utf8)
    }
    static let endpointID = "vpce-0c1d2e3f4a5b60099"

    @Test func callsGoToTheEndpointsInterfacesAndNowhereElse() throws {
        let run = try ScenarioRun(Self.name, duration: .seconds(20))
        let check = try run.check()
        #expect(check.ok, "\(check.text.prefix(3000))")
        let f = run.summary.functions[0]
        #expect(f.invocations > 10 && f.succeeded == f.invocations)
        #expect(run.summary.packets.dropped == 0)
        // One requester-managed ENI per subnet, with the endpoint's security group.
        let n = run.scenario.network
        let ep = try #require(n.interfaceEndpoints.first)
        #expect(ep.id == Self.endpointID && ep.enis.count == 2 && !ep.privateDNS)
        let endpointENIs = ep.enis.map { n.enis[$0.int] }
        #expect(
            Set(endpointENIs.map { n.subnets[$0.subnet.int].id }) == [
                "subnet-0c1d2e3f4a5b60001", "subnet-0c1d2e3f4a5b60002",
            ])
        #expect(endpointENIs.allSatisfy { n.securityGroups[$0.securityGroups[0].int].id == "sg-0c1d2e3f4a5b60022" })
        let addresses = Set(endpointENIs.map(\.privateIP.description))
        // The resolver answers the endpoint's own name with its ENIs' addresses; nobody asks
        // for the Regional name (the client's endpoint_url is the vpce name).
        let pcap = run.pcap(run.functionENI)
        let queries = try run.frames(pcap, "dns.flags.response == 0", fields: ["dns.qry.name"]).map { $0[0] }
        #expect(!queries.isEmpty)
        #expect(
            queries.allSatisfy {
                $0.hasPrefix(Self.endpointID + "-") && $0.hasSuffix(".dynamodb.us-east-1.vpce.amazonaws.com")
            })
        let answers = try run.frames(pcap, "dns.a", fields: ["dns.a"]).flatMap {
            $0[0].split(separator: ",").map(String.init)
        }
        #expect(!answers.isEmpty && answers.allSatisfy(addresses.contains), "\(answers) \(addresses)")
        // Every TCP SYN goes to an endpoint ENI, port 443; the signed requests name the endpoint host.
        let syns = try run.frames(pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0", fields: ["ip.dst", "tcp.dstport"])
        #expect(!syns.isEmpty && syns.allSatisfy { addresses.contains($0[0]) && $0[1] == "443" })
        // Flow-log records on the endpoint's ENIs: instance-id "-", both directions, accepted.
        let eniIDs = Set(endpointENIs.map(\.id))
        let onEndpoint = run.flowLogRecords.filter { eniIDs.contains($0["interface-id"] ?? "") }
        #expect(onEndpoint.contains { $0["flow-direction"] == "ingress" && $0["dstport"] == "443" })
        #expect(onEndpoint.contains { $0["flow-direction"] == "egress" && $0["srcport"] == "443" })
        #expect(onEndpoint.allSatisfy { $0["instance-id"] == "-" && $0["action"] == "ACCEPT" })
        // The endpoint's bytes (both directions) are the IP bytes of the function's TCP packets,
        // all of which went through it; billed per AZ with an ENI.
        let ipBytes = try run.frames(pcap, "tcp", fields: ["ip.len"]).reduce(0) { $0 + (Int($1[0]) ?? 0) }
        let usage = try #require(run.summary.usage.endpoints.first { $0.id == Self.endpointID })
        #expect(usage.type == "Interface" && usage.availabilityZones == 2)
        #expect(Int(usage.bytes) <= ipBytes && Int(usage.bytes) > ipBytes * 9 / 10, "\(usage.bytes) vs \(ipBytes)")
    }

    /// The endpoint's policy is evaluated as a gateway endpoint's is: a table it does not name is
    /// refused with DynamoDB's AccessDeniedException.
    @Test func endpointPolicyDeniesOtherTables() throws {
        let y = try Self.yaml()
        let edited = y.replacingOccurrences(
            of: "      - dynamodb: GetItem\n        table: Orders\n",
            with: "      - dynamodb: GetItem\n        table: Invoices\n")
        #expect(edited != y)
        let run = try ScenarioRun(yaml: edited, name: "interface-endpoint-policy", duration: .seconds(10))
        let get = try #require(run.summary.calls.first { $0.name == "orders-writer/GetItem" })
        #expect(get.calls > 0 && get.errors == get.calls, "\(get)")
        let put = try #require(run.summary.calls.first { $0.name == "orders-writer/PutItem" })
        #expect(put.errors == 0)
        #expect(
            run.summary.functions[0].errors.keys.contains { $0.contains("AccessDeniedException") },
            "\(run.summary.functions[0].errors)")
    }

    /// Without the endpoint group's ingress rule, the SYNs die at the endpoint's ENIs: dropped
    /// by their security group, REJECT on their flow logs, the function times out.
    @Test func endpointSecurityGroupDropsAtTheEndpointsInterfaces() throws {
        let y = try Self.yaml()
        let edited = y.replacingOccurrences(
            of: "    ingress:\n      - protocol: tcp\n        ports: 443\n        source: sg-0c1d2e3f4a5b60021\n"
                + "        description: HTTPS from the function\n",
            with: "    ingress: []\n")
        #expect(edited != y)
        let run = try ScenarioRun(yaml: edited, name: "interface-endpoint-sg", duration: .seconds(10))
        #expect(run.summary.functions[0].succeeded == 0 && run.summary.functions[0].timedOut > 0)
        let ep = try #require(run.scenario.network.interfaceEndpoints.first)
        let eniIDs = ep.enis.map { run.scenario.network.enis[$0.int].id }
        #expect(run.summary.packets.dropped > 0 && run.summary.packets.drops.keys.sorted() == ["security-group"])
        #expect(
            run.summary.packets.dropDetails.keys.allSatisfy { k in
                eniIDs.contains { k == "security-group \($0) ingress" }
            })
        let rejected = run.flowLogRecords.filter {
            eniIDs.contains($0["interface-id"] ?? "") && $0["action"] == "REJECT"
        }
        #expect(!rejected.isEmpty && rejected.allSatisfy { $0["dstport"] == "443" })
        #expect(try run.check().ok)
    }

    /// Same topology and seed: the same bytes (pcap, flow logs) twice.
    @Test func runsAreDeterministic() throws {
        let a = try ScenarioRun(Self.name, duration: .seconds(8))
        let b = try ScenarioRun(Self.name, duration: .seconds(8))
        let pcapA = FileManager.default.contents(atPath: a.pcap(a.functionENI))
        #expect(pcapA != nil && pcapA == FileManager.default.contents(atPath: b.pcap(b.functionENI)))
        #expect(!a.flowLogRecords.isEmpty && a.flowLogRecords == b.flowLogRecords)
    }

    @Test func badInterfaceEndpointsAreLocatedErrors() throws {
        let y = try Self.yaml()
        func error(_ old: String, _ new: String) -> String {
            #expect(y.contains(old), "\(old)")
            do {
                _ = try TopologyLoader.load(yaml: y.replacingOccurrences(of: old, with: new), file: "t.yaml")
                return ""
            } catch { return "\(error.line): \(error.message)" }
        }
        // AWS offers no private DNS for DynamoDB's interface endpoints: the error says so and cites it.
        let dns = error("private-dns: false", "private-dns: true")
        #expect(dns.contains("no private DNS for dynamodb.us-east-1.amazonaws.com"), "\(dns)")
        #expect(dns.contains("developerguide/privatelink-interface-endpoints.html"), "\(dns)")
        #expect(
            error(
                "subnets: [subnet-0c1d2e3f4a5b60001, subnet-0c1d2e3f4a5b60002]",
                "subnets: [subnet-0c1d2e3f4a5b60001, subnet-0c1d2e3f4a5b60001]"
            )
            .contains("one subnet per AZ"))
        let svc = error(
            "service: com.amazonaws.us-east-1.dynamodb\n    type: Interface",
            "service: com.amazonaws.us-east-1.ec2\n    type: Interface")
        #expect(svc.hasPrefix("48:") && svc.contains("not an interface endpoint service of us-east-1"), "\(svc)")
        #expect(
            error("    private-dns: false\n", "    private-dns: false\n    route-tables: [rtb-0c1d2e3f4a5b60011]\n")
                .contains("take 'subnets', not 'route-tables'"))
        #expect(
            error(
                "endpoint: vpce-0c1d2e3f4a5b60099\n      - dynamodb: GetItem",
                "endpoint: vpce-0c1d2e3f4a5b6009a\n      - dynamodb: GetItem"
            ).contains("'vpce-0c1d2e3f4a5b6009a' is not an interface endpoint defined in this file"))
        #expect(error("type: Interface", "type: GatewayLoadBalancer").contains("must be Gateway or Interface"))
    }
}
