import Testing
import Foundation
import SimCore
import Wire
import NetModel
import TestSupport
import Topology
@testable import Experiments

/// The shipped peering topology (Topologies/vpc-peering.yaml), and `vpcsim path` over peering
/// and IPv6.
@Suite(.serialized) struct PeeringScenarioTests {
    static let peering = repositoryRoot() + "/Topologies/vpc-peering.yaml"
    static let ipv6 = repositoryRoot() + "/Topologies/ipv6-egress-only.yaml"

    @Test func peeredVPCsTalkAndPeeringIsNotTransitive() throws {
        let run = try ScenarioRun("vpc-peering", duration: .seconds(20))
        // The only drops: partner-1 → app-1 through the partner's connection to the
        // shared-services VPC (https://docs.aws.amazon.com/vpc/latest/peering/invalid-peering-configurations.html).
        #expect(run.summary.packets.drops.keys.sorted() == ["peering-not-transitive"])
        #expect(run.summary.packets.dropDetails.keys.sorted() == ["peering-not-transitive pcx-0a1b2c3d4e5f60722"])
        let net = run.scenario.network
        func eni(_ ip: String) throws -> String {
            try #require(net.enis.first { $0.privateIP.description == ip }).id
        }
        let app = try eni("10.1.1.10"), api = try eni("10.2.1.20"), partner = try eni("10.3.1.30")
        // api-1 accepts app-1 (by the peer VPC's security group) and partner-1 (by CIDR).
        let apiSyns = try run.frames(
            run.pcap(api), "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == 443", fields: ["ip.src"])
        #expect(Set(apiSyns.map { $0[0] }) == ["10.1.1.10", "10.3.1.30"])
        // app-1 never sees partner-1: its SYNs die at the peering connection and are retransmitted.
        #expect(try run.frames(run.pcap(app), "ip.addr == 10.3.1.30", fields: ["frame.number"]).isEmpty)
        let partnerToApp = try run.frames(
            run.pcap(partner), "ip.dst == 10.1.1.10 && tcp.flags.syn == 1", fields: ["tcp.srcport"])
        #expect(partnerToApp.count >= 2)
        #expect(try run.frames(run.pcap(partner), "ip.src == 10.1.1.10", fields: ["frame.number"]).isEmpty)

        // Flow logs: app-1's egress over the peering connection is traffic-path 4
        // (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).
        let records = run.flowLogRecords.filter { $0["log-status"] == "OK" }
        let out = records.filter { $0["interface-id"] == app && $0["flow-direction"] == "egress" }
        #expect(!out.isEmpty && out.allSatisfy { $0["traffic-path"] == "4" && $0["dstaddr"] == "10.2.1.20" })
        // api-1's records are in its own VPC's log, with its VPC id and AZ.
        let apiRecords = records.filter { $0["interface-id"] == api }
        #expect(!apiRecords.isEmpty && apiRecords.allSatisfy { $0["vpc-id"] == "vpc-0a1b2c3d4e5f60712" })
        #expect(apiRecords.allSatisfy { $0["az-id"] == "use1-az2" })
        // The app and api are in different AZs: the peering traffic is counted as cross-AZ both ways.
        let crossAZ = run.summary.usage.crossAZ
        #expect(crossAZ.count == 2 && crossAZ.allSatisfy { $0.bytes > 10_000 })
        #expect(try CheckRunReport(run.directory).ok)
    }

    @Test func pathOverPeering() throws {
        let s = try TopologyLoader.load(path: Self.peering)
        let net = s.network
        let app = try #require(net.enis.first { $0.privateIP.description == "10.1.1.10" }).id
        let partner = try #require(net.enis.first { $0.privateIP.description == "10.3.1.30" }).id
        let ok = try PathExplainer.explain(s, from: app, to: "10.2.1.20:443")
        #expect(ok.outcome == .reachable, "\(ok.text)")
        let hop = try #require(ok.forward.first { $0.kind == "peering-connection" })
        #expect(hop.resource == "pcx-0a1b2c3d4e5f60721" && hop.rule == "vpc-0a1b2c3d4e5f60711 → vpc-0a1b2c3d4e5f60712")
        #expect(ok.forward.contains { $0.kind == "route" && $0.target == "pcx-0a1b2c3d4e5f60721" })
        // The security group rule that admits it references the peer VPC's group.
        #expect(ok.forward.contains { $0.kind == "security-group" && $0.text.contains("sg-0a1b2c3d4e5f60751") })
        #expect(
            ok.return.contains {
                $0.kind == "peering-connection" && $0.rule == "vpc-0a1b2c3d4e5f60712 → vpc-0a1b2c3d4e5f60711"
            })
        let bad = try PathExplainer.explain(s, from: partner, to: "10.1.1.10:443")
        #expect(bad.outcome == .dropped)
        #expect(
            bad.forward.last?.rule == "peering-not-transitive" && bad.forward.last?.resource == "pcx-0a1b2c3d4e5f60722")
    }

    @Test func pathOverIPv6() throws {
        let s = try TopologyLoader.load(path: Self.ipv6)
        let app = try #require(
            s.network.enis.first { $0.ipv6Addresses.first?.description.hasPrefix("2600:1f18:4a3:6f02:") == true })
        let r = try PathExplainer.explain(s, from: app.id, to: "[2001:db8:4860::8888]:443")
        #expect(r.outcome == .reachable, "\(r.text)")
        #expect(r.sourceAddress.hasPrefix("[\(app.ipv6Addresses[0])]:"))
        #expect(r.forward.contains { $0.kind == "route" && $0.rule == "::/0" && $0.target == "eigw-06a1b2c3d4e5f6091" })
        #expect(r.forward.contains { $0.kind == "egress-only-internet-gateway" && $0.rule == "out" })
        #expect(r.return.contains { $0.kind == "egress-only-internet-gateway" && $0.rule == "in" })
        // The default ACL's IPv6 rule 101 lets it out.
        #expect(r.forward.contains { $0.kind == "network-acl" && $0.rule == "outbound rule 101" })
        // An IPv4-only destination form for an IPv6 address is refused with one clear error.
        #expect(throws: PathError.self) { try PathExplainer.explain(s, from: app.id, to: "2001:db8:4860::8888:443") }
    }
}
