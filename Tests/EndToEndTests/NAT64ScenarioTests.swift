import Testing
import Foundation
import SimCore
import Wire
import NetModel
import TestSupport
import Topology
@testable import Experiments

/// The shipped DNS64 + NAT64 topology (Topologies/ipv6-nat64.yaml): the resolver's synthesised
/// AAAA answer, the IPv6 flow to 64:ff9b::/96 on the instance, its IPv4 form beyond the NAT
/// gateway, and the flow-log records on both
/// (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html).
@Suite(.serialized) struct NAT64ScenarioTests {
    static let path = repositoryRoot() + "/Topologies/ipv6-nat64.yaml"
    static let api4 = "203.0.113.20", api6 = "64:ff9b::cb00:7114"
    static let legacy6 = "64:ff9b::c633:6407"
    static let natPrivate = "10.40.0.10"

    @Test func dns64AndNAT64EndToEnd() throws {
        let run = try ScenarioRun("ipv6-nat64", duration: .seconds(30))
        let net = run.scenario.network
        let app = try #require(
            net.enis.first { $0.ipv6Addresses.first?.description.hasPrefix("2600:1f18:4a3:7101:") == true })
        let natENI = try #require(net.enis.first { if case .natGateway = $0.kind { true } else { false } })
        let app6 = try #require(app.ipv6Addresses.first).description
        #expect(run.summary.packets.drops.isEmpty, "\(run.summary.packets.drops)")

        // The resolver answers the A query with the IPv4 address and the AAAA query with its
        // 64:ff9b::/96 synthesis (RFC 6052 §2.2: 203.0.113.20 is cb00:7114), both over IPv4 from
        // VPC base + 2.
        let appPcap = run.pcap(app.id)
        let answers = try run.frames(
            appPcap, "dns.flags.response == 1 && dns.qry.name == \"api.partner.example\"",
            fields: ["ip.src", "dns.qry.type", "dns.a", "dns.aaaa"])
        #expect(!answers.isEmpty)
        #expect(answers.allSatisfy { $0[0] == "10.40.0.2" })
        #expect(Set(answers.map { Array($0[1...]) }) == [["1", Self.api4, ""], ["28", "", Self.api6]], "\(answers)")

        // app-1 prefers the synthesised address: every connection is IPv6 to 64:ff9b::/96, from
        // its own IPv6 address; no IPv4 leaves it beyond DNS and its platform agents.
        let syns = try run.frames(
            appPcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0", fields: ["ipv6.src", "ipv6.dst", "tcp.dstport"])
        #expect(!syns.isEmpty && syns.allSatisfy { $0[0] == app6 && $0[2] == "443" })
        #expect(Set(syns.map { $0[1] }) == [Self.api6, Self.legacy6])
        #expect(
            try run.frames(
                appPcap, "ip && !(udp.port == 53) && !(ip.addr == 169.254.0.0/16) && !(udp.port == 67)",
                fields: ["frame.number"]
            ).isEmpty)

        // The NAT gateway's interface: IPv6 in from app-1, IPv4 out from its private address to
        // the embedded destination, and as many IPv4 SYNs as IPv6 ones.
        let natPcap = run.pcap(natENI.id)
        let in6 = try run.frames(
            natPcap, "ipv6 && tcp.flags.syn == 1 && tcp.flags.ack == 0", fields: ["ipv6.src", "ipv6.dst"])
        let out4 = try run.frames(
            natPcap, "ip && tcp.flags.syn == 1 && tcp.flags.ack == 0", fields: ["ip.src", "ip.dst", "tcp.dstport"])
        #expect(in6.count == syns.count && out4.count == syns.count)
        #expect(out4.allSatisfy { $0[0] == Self.natPrivate && $0[2] == "443" })
        #expect(Set(out4.map { $0[1] }) == [Self.api4, "198.51.100.7"])
        // The translated stream carries the same TLS: the IPv4 side's ClientHello names the host.
        let sni = try run.frames(
            natPcap, "ip && tls.handshake.type == 1", fields: ["tls.handshake.extensions_server_name"])
        #expect(Set(sni.map { $0[0] }) == ["api.partner.example", "legacy.partner.example"])

        // Flow logs: type IPv6 on the instance (64:ff9b::… as the peer); on the NAT gateway's
        // interface both families, the IPv4 record 20 bytes a packet smaller (RFC 7915 §5.1).
        let records = run.flowLogRecords.filter { $0["log-status"] == "OK" }
        let appRecords = records.filter { $0["interface-id"] == app.id }
        #expect(!appRecords.isEmpty && appRecords.allSatisfy { $0["type"] == "IPv6" && $0["action"] == "ACCEPT" })
        #expect(appRecords.contains { $0["srcaddr"] == app6 && $0["dstaddr"] == Self.api6 && $0["dstport"] == "443" })
        let natRecords = records.filter { $0["interface-id"] == natENI.id }
        let inside = try #require(
            natRecords.first { $0["type"] == "IPv6" && $0["srcaddr"] == app6 && $0["dstaddr"] == Self.api6 })
        #expect(inside["flow-direction"] == "ingress")
        let outside = try #require(
            natRecords.first {
                $0["type"] == "IPv4" && $0["srcaddr"] == Self.natPrivate && $0["dstaddr"] == Self.api4
                    && $0["packets"] == inside["packets"]
            })
        #expect(outside["flow-direction"] == "egress")
        let p = Int(outside["packets"]!)!
        #expect(Int(inside["bytes"]!)! - Int(outside["bytes"]!)! == 20 * p)

        // check-run: all pass but TLS pairing (3), which matches streams by ip.src/ip.dst and so
        // cannot read IPv6 streams: each failure it reports must be one of app-1's.
        let report = try CheckRunReport(run.directory)
        for n in [1, 2, 4, 5, 6] { #expect(try report.check(n).status == "pass", "\(report.failures)") }
        let tls = try report.check(3)
        #expect(tls.errors.allSatisfy { $0.contains(app6) }, "\(tls.errors.prefix(3))")
    }

    /// Without DNS64 the AAAA query has no answer; app-1 connects over IPv4, which has no route.
    @Test func withoutDNS64TheIPv4PathHasNoRoute() throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        let off = text.replacingOccurrences(of: "    enable-dns64: true\n", with: "")
        #expect(off != text)
        let run = try ScenarioRun(yaml: off, name: "ipv6-nat64", duration: .seconds(10))
        let net = run.scenario.network
        let app = try #require(
            net.enis.first { $0.ipv6Addresses.first?.description.hasPrefix("2600:1f18:4a3:7101:") == true })
        let aaaa = try run.frames(
            run.pcap(app.id), "dns.flags.response == 1 && dns.qry.type == 28", fields: ["dns.count.answers"])
        #expect(!aaaa.isEmpty && aaaa.allSatisfy { $0 == ["0"] })
        #expect(run.summary.packets.drops.keys.sorted() == ["no-route"], "\(run.summary.packets.drops)")
    }

    /// The path explainer follows the IPv6 packet to the NAT gateway, its NAT64 translation, and
    /// the internet gateway's translation to the Elastic IP; the IPv4 address itself has no route.
    @Test func pathThroughNAT64() throws {
        let s = try TopologyLoader.load(path: Self.path)
        let ok = try PathExplainer.explain(s, from: "app-1", to: "[\(Self.api6)]:443")
        #expect(ok.outcome == .reachable, "\(ok.text)")
        #expect(ok.forward.contains { $0.kind == "route" && $0.target == "nat-06a1b2c3d4e5f6041" })
        let nat = try #require(ok.forward.first { $0.kind == "nat-gateway" })
        #expect(nat.text.contains(Self.natPrivate), "\(nat.text)")
        #expect(ok.forward.contains { $0.kind == "internet-gateway" && $0.text.contains("3.213.48.119") })
        let direct = try PathExplainer.explain(s, from: "app-1", to: "\(Self.api4):443")
        #expect(direct.outcome == .dropped, "\(direct.text)")
    }

    @Test func badDNS64AndNAT64AreRefused() throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        func refused(_ from: String, _ to: String, _ message: String) {
            let bad = text.replacingOccurrences(of: from, with: to)
            #expect(bad != text)
            #expect {
                _ = try TopologyLoader.load(yaml: bad, file: "bad.yaml")
            } throws: { e in
                let t = e as? TopologyError
                return (t?.line ?? 0) > 0 && (t?.message.contains(message) ?? false)
            }
        }
        refused(
            "- {destination: \"64:ff9b::/96\", target: nat-06a1b2c3d4e5f6041}",
            "- {destination: \"64:ff9b::/96\", target: igw-06a1b2c3d4e5f6083}",
            "its target must be a NAT gateway")
        refused(
            "    ipv6-cidr: 2600:1f18:4a3:7101::/64\n", "", "needs an 'ipv6-cidr'")
        refused("    enable-dns64: true\n", "    enable-dns64: maybe\n", "is not true or false")
    }

    /// `ipv6-allowed-for-dual-stack` on a function in the DNS64 subnet: its Hyperplane ENI gets an
    /// IPv6 address of the subnet's /64, and its DynamoDB calls (a name with A records only) go
    /// over IPv6 to the 64:ff9b::/96 synthesis and out through the NAT gateway's NAT64
    /// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-ipv6).
    static func withFunction(dualStack: Bool) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8) + """
              - function: orders-writer
            functions:
              - name: orders-writer
                runtime: python3.12
                timeout: 3s
                vpc:
                  subnets: [subnet-06a1b2c3d4e5f6004]
                  security-groups: [sg-06a1b2c3d4e5f6023]
                  ipv6-allowed-for-dual-stack: \(dualStack)
                invocations: {rate: 2/s}
                handler:
                  - {dynamodb: GetItem, table: Orders}

            """
    }

    @Test func dualStackLambdaConnectsOverIPv6() throws {
        let run = try ScenarioRun(
            yaml: try Self.withFunction(dualStack: true), name: "ipv6-nat64", duration: .seconds(10))
        let f = run.summary.functions[0]
        #expect(f.invocations > 5 && f.succeeded == f.invocations, "\(f)")
        let net = run.scenario.network
        let eni = try #require(net.enis.first { $0.id == run.functionENI })
        let eni6 = try #require(eni.ipv6Addresses.first)
        #expect(net.subnets[eni.subnet.int].ipv6CIDR?.contains(eni6) == true)
        let syns = try run.frames(
            run.pcap(eni.id), "tcp.flags.syn == 1 && tcp.flags.ack == 0", fields: ["ipv6.src", "ipv6.dst"])
        #expect(!syns.isEmpty && syns.allSatisfy { $0[0] == eni6.description && $0[1].hasPrefix("64:ff9b::") })
        let records = run.flowLogRecords.filter { $0["interface-id"] == eni.id && $0["log-status"] == "OK" }
        #expect(!records.isEmpty && records.allSatisfy { $0["type"] == "IPv6" })
        // Without the flag the function's ENI has no IPv6 address: it takes the A record, and the
        // subnet has no IPv4 route out.
        let v4 = try ScenarioRun(
            yaml: try Self.withFunction(dualStack: false), name: "ipv6-nat64", duration: .seconds(10))
        #expect(v4.scenario.network.enis.first { $0.id == v4.functionENI }?.ipv6Addresses.isEmpty == true)
        #expect(v4.summary.functions[0].succeeded == 0 && v4.summary.packets.drops["no-route"] ?? 0 > 0)
    }

    @Test func dualStackLambdaNeedsDualStackSubnets() throws {
        let yaml = try Self.withFunction(dualStack: true).replacingOccurrences(
            of: "subnets: [subnet-06a1b2c3d4e5f6004]",
            with: "subnets: [subnet-06a1b2c3d4e5f6004, subnet-06a1b2c3d4e5f6005]"
        ).replacingOccurrences(
            of: "security-groups:\n",
            with: """
                  - id: subnet-06a1b2c3d4e5f6005
                    vpc: vpc-06a1b2c3d4e5f6073
                    cidr: 10.40.2.0/24
                    availability-zone: us-east-1b

                security-groups:

                """)
        #expect {
            _ = try TopologyLoader.load(yaml: yaml, file: "bad.yaml")
        } throws: { e in
            let t = e as? TopologyError
            return (t?.line ?? 0) > 0 && (t?.message.contains("needs dual-stack subnets") ?? false)
        }
    }
}
