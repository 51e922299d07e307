import Testing
import Foundation
import SimCore
import Wire
import NetModel
import TestSupport
import Topology
import Cost
@testable import Experiments

/// The shipped transit gateway topology (Topologies/transit-gateway-three-vpcs.yaml): route
/// tables segment three VPCs; packets cross through the attachments' interfaces.
@Suite(.serialized) struct TransitGatewayScenarioTests {
    static let path = repositoryRoot() + "/Topologies/transit-gateway-three-vpcs.yaml"

    @Test func routeTablesSegmentTheVPCs() throws {
        let run = try ScenarioRun("transit-gateway-three-vpcs", duration: .seconds(20))
        let net = run.scenario.network
        func eni(_ ip: String) throws -> ENI { try #require(net.enis.first { $0.privateIP.description == ip }) }
        let app = try eni("10.10.1.10"), svc = try eni("10.20.1.20"), dev = try eni("10.30.2.30")
        // Drops: app → dev by the prod table's blackhole, dev → app for want of a route in the dev table.
        #expect(
            Set(run.summary.packets.dropDetails.keys) == [
                "tgw-blackhole-route tgw-rtb-0c1d2e3f4a5b60961 route 1", "tgw-no-route tgw-rtb-0c1d2e3f4a5b60963",
            ])
        // svc-1 hears from app-1 and dev-1; app-1 and dev-1 never hear from each other.
        let svcSyns = try run.frames(
            run.pcap(svc.id), "ip.dst == 10.20.1.20 && tcp.flags.syn == 1 && tcp.flags.ack == 0", fields: ["ip.src"])
        #expect(Set(svcSyns.map { $0[0] }) == ["10.10.1.10", "10.30.2.30"])
        #expect(try run.frames(run.pcap(app.id), "ip.src == 10.30.2.30", fields: ["frame.number"]).isEmpty)
        #expect(try run.frames(run.pcap(dev.id), "ip.src == 10.10.1.10", fields: ["frame.number"]).isEmpty)
        #expect(!(try run.frames(run.pcap(dev.id), "ip.dst == 10.10.1.10", fields: ["frame.number"]).isEmpty))

        // VPC flow-log records on the shared VPC's attachment interfaces: dev-1's traffic enters
        // the transit gateway in us-east-1b and leaves it at the shared attachment's interface in
        // us-east-1b (traffic stays in its AZ without appliance mode); the replies from svc-1 (in
        // us-east-1a) enter at the interface in us-east-1a.
        let attach = try #require(net.transitGatewayAttachments.first { $0.id == "tgw-attach-0c1d2e3f4a5b60952" })
        let inB = net.enis[attach.enis[1].int], inA = net.enis[attach.enis[0].int]
        #expect(net.subnets[inB.subnet.int].id == "subnet-0c1d2e3f4a5b60943" && inB.securityGroups.isEmpty)
        let records = run.flowLogRecords.filter { $0["log-status"] == "OK" }
        let bOut = records.filter { $0["interface-id"] == inB.id && $0["flow-direction"] == "egress" }
        #expect(!bOut.isEmpty && bOut.allSatisfy { $0["dstaddr"] == "10.20.1.20" && $0["az-id"] == "use1-az2" })
        #expect(records.filter { $0["interface-id"] == inB.id && $0["flow-direction"] == "ingress" }.isEmpty)
        let aIn = records.filter { $0["interface-id"] == inA.id && $0["flow-direction"] == "ingress" }
        #expect(aIn.contains { $0["srcaddr"] == "10.20.1.20" && $0["srcport"] == "443" })
        #expect(try CheckRunReport(run.directory).ok)

        // Cost: three attachments billed per hour, and the bytes each VPC sent into the transit
        // gateway (https://aws.amazon.com/transit-gateway/pricing/); svc-1's answers to dev-1
        // count for the shared attachment.
        let attachments = try #require(run.summary.usage.transitGatewayAttachments)
        #expect(attachments.map(\.id) == net.transitGatewayAttachments.map(\.id))
        #expect(attachments.allSatisfy { $0.bytes > 0 && $0.transitGateway == "tgw-0c1d2e3f4a5b60901" })
        #expect(attachments[1].bytes > attachments[0].bytes, "the shared VPC sends the large responses")
        let bill = CostModel.price(
            run.summary.usage, catalog: try PriceCatalogLoader.load(directory: repositoryRoot() + "/Topologies/prices"),
            region: "us-east-1")
        let hours = try #require(bill.lines.first { $0.item == "transit-gateway-attachment-hours" })
        #expect(hours.quantity == 3 * 730 && hours.priced)
        #expect(bill.lines.contains { $0.item == "transit-gateway-data" && $0.monthlyUSD > 0 })
    }

    @Test func pathThroughTheTransitGateway() throws {
        let s = try TopologyLoader.load(path: Self.path)
        let app = try #require(s.network.enis.first { $0.privateIP.description == "10.10.1.10" }).id
        let dev = try #require(s.network.enis.first { $0.privateIP.description == "10.30.2.30" }).id
        let ok = try PathExplainer.explain(s, from: app, to: "10.20.1.20:443")
        #expect(ok.outcome == .reachable, "\(ok.text)")
        #expect(ok.forward.contains { $0.kind == "route" && $0.target == "tgw-0c1d2e3f4a5b60901" })
        let hop = try #require(ok.forward.first { $0.kind == "transit-gateway-route" })
        #expect(hop.resource == "tgw-rtb-0c1d2e3f4a5b60961" && hop.rule == "10.20.0.0/16")
        #expect(hop.target == "tgw-attach-0c1d2e3f4a5b60952" && hop.text.contains("propagated"))
        #expect(ok.return.contains { $0.kind == "transit-gateway-route" && $0.resource == "tgw-rtb-0c1d2e3f4a5b60962" })
        let blackhole = try PathExplainer.explain(s, from: app, to: "10.30.2.30:443")
        #expect(blackhole.outcome == .dropped && blackhole.forward.last?.rule == "tgw-blackhole-route")
        let noRoute = try PathExplainer.explain(s, from: dev, to: "10.10.1.10:443")
        #expect(noRoute.outcome == .dropped && noRoute.forward.last?.resource == "tgw-rtb-0c1d2e3f4a5b60963")
    }

    @Test func badTransitGatewaysAreRefused() throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        func refused(_ from: String, _ to: String, _ message: String, also: (String, String)? = nil) {
            var bad = text.replacingOccurrences(of: from, with: to)
            if let (a, b) = also { bad = bad.replacingOccurrences(of: a, with: b) }
            #expect(bad != text)
            #expect {
                _ = try TopologyLoader.load(yaml: bad, file: "bad.yaml")
            } throws: { e in
                let t = e as? TopologyError
                return (t?.line ?? 0) > 0 && (t?.message.contains(message) ?? false)
            }
        }
        // Two subnets of one AZ for one attachment.
        refused(
            "subnets: [subnet-0c1d2e3f4a5b60942, subnet-0c1d2e3f4a5b60943]",
            "subnets: [subnet-0c1d2e3f4a5b60942, subnet-0c1d2e3f4a5b60932]", "one subnet per AZ")
        // An attachment associated with two route tables.
        refused(
            "associations: [tgw-attach-0c1d2e3f4a5b60953]", "associations: [tgw-attach-0c1d2e3f4a5b60951]",
            "already associated")
        // A route to a transit gateway the VPC is not attached to.
        refused(
            "target: tgw-0c1d2e3f4a5b60901}]\n\nsubnets:", "target: tgw-0c1d2e3f4a5b60902}]\n\nsubnets:",
            "is not attached to", also: ("transit-gateways:\n", "transit-gateways:\n  - id: tgw-0c1d2e3f4a5b60902\n"))
    }
}
