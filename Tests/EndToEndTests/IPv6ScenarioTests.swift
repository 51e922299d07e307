import Testing
import Foundation
import SimCore
import Wire
import NetModel
import TestSupport
import Topology
@testable import Experiments

/// The shipped dual-stack topology (Topologies/ipv6-egress-only.yaml): who talks to whom over
/// IPv6, what the egress-only internet gateway refuses, and how pcaps and flow logs show it.
@Suite(.serialized) struct IPv6ScenarioTests {
    static let app = "2600:1f18:4a3:6f02:"
    static let web = "2600:1f18:4a3:7001:"

    @Test func egressOnlyGatewayLetsOutAndRefusesIn() throws {
        let run = try ScenarioRun("ipv6-egress-only", duration: .seconds(20))
        let net = run.scenario.network
        let appENI = try #require(net.enis.first { $0.ipv6Addresses.first?.description.hasPrefix(Self.app) == true })
        let webENI = try #require(net.enis.first { $0.ipv6Addresses.first?.description.hasPrefix(Self.web) == true })
        let app6 = appENI.ipv6Addresses[0].description, web6 = webENI.ipv6Addresses[0].description

        // Drops: only the scanners' probes, each refused at the egress-only gateway
        // (https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html).
        #expect(run.summary.packets.drops.keys.sorted() == ["eigw-inbound"])
        #expect((run.summary.packets.drops["eigw-inbound"] ?? 0) >= 10)

        // app-1 → the IPv6 API and the SSH bastion, out through the egress-only gateway, and back.
        let appPcap = run.pcap(appENI.id)
        let syns = try run.frames(
            appPcap, "ipv6 && tcp.flags.syn == 1 && tcp.flags.ack == 0",
            fields: ["ipv6.src", "ipv6.dst", "tcp.dstport"])
        #expect(!syns.isEmpty && syns.allSatisfy { $0[0] == app6 })
        #expect(Set(syns.map { $0[1] }) == ["2001:db8:4860::8888", "2001:db8:1234:a102:3304:8879:34cf:4071"])
        // Ethernet/IPv6/TCP: EtherType 0x86dd, hop limit, and an IPv6 MSS (9001 − 60).
        let synDetail = try run.frames(
            appPcap, "ipv6 && tcp.flags.syn == 1 && tcp.flags.ack == 0",
            fields: ["eth.type", "ipv6.hlim", "tcp.options.mss_val"])
        #expect(synDetail.first == ["0x86dd", "64", "8941"])
        // The internet hosts answer with their own MSS: a 1500-byte MTU less 60 bytes of IPv6 and
        // TCP headers (TCPProfile.linuxInternet; RFC 8200 section 5, RFC 9293 section 3.7.1), not the VPC's.
        let synAcks = try run.frames(
            appPcap, "ipv6 && tcp.flags.syn == 1 && tcp.flags.ack == 1", fields: ["ipv6.src", "tcp.options.mss_val"])
        #expect(!synAcks.isEmpty && synAcks.allSatisfy { $0[1] == "1440" }, "\(synAcks.prefix(3))")
        #expect(Set(synAcks.map { $0[0] }) == ["2001:db8:4860::8888", "2001:db8:1234:a102:3304:8879:34cf:4071"])
        // Nothing from the scanners reached the ENI.
        #expect(try run.frames(appPcap, "ipv6.src == 2001:db8:666::/64", fields: ["frame.number"]).isEmpty)
        // No IPv4 beyond the instance's platform agents (metadata, Time Sync, DHCP, which need
        // no route): the private subnet has no IPv4 route out.
        #expect(
            try run.frames(
                appPcap, "ip && !(ip.addr == 169.254.0.0/16) && !(udp.port == 67 || udp.port == 68)",
                fields: ["frame.number"]
            ).isEmpty)

        // web-1 is reached over IPv6 through the internet gateway, untranslated.
        let webSyns = try run.frames(
            run.pcap(webENI.id), "ipv6 && tcp.flags.syn == 1 && tcp.flags.ack == 0",
            fields: ["ipv6.dst", "tcp.dstport"])
        #expect(!webSyns.isEmpty && webSyns.allSatisfy { $0 == [web6, "443"] })
        // The internet clients' SYNs carry 1440 too, and web-1's SYN-ACKs the VPC's 8941.
        let webMSS = try run.frames(
            run.pcap(webENI.id), "ipv6 && tcp.flags.syn == 1", fields: ["ipv6.src", "tcp.options.mss_val"])
        #expect(webMSS.allSatisfy { $0[1] == ($0[0] == web6 ? "8941" : "1440") }, "\(webMSS.prefix(3))")

        // Flow logs: the default format for vpc-…6071 (version 2, AWS's IPv6 example's shape:
        // "2 123456789010 eni-… 2001:db8:…:f105 2001:db8:…:4071 34892 22 6 54 8855 … ACCEPT OK",
        // https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html).
        let records = run.flowLogRecords.filter { $0["log-status"] == "OK" }
        let ssh = try #require(
            records.first { $0["interface-id"] == appENI.id && $0["dstport"] == "22" && $0["srcaddr"] == app6 })
        #expect(ssh["version"] == "2" && ssh["protocol"] == "6" && ssh["action"] == "ACCEPT")
        #expect(ssh["dstaddr"] == "2001:db8:1234:a102:3304:8879:34cf:4071")
        #expect(
            records.allSatisfy { !($0["srcaddr"] ?? "").hasPrefix("2001:db8:666:") }, "refused traffic is not logged")
        // The custom format for vpc-…6072: type IPv6; egress through the internet gateway is
        // traffic-path 8 (a Nitro instance).
        let webRecords = records.filter { $0["interface-id"] == webENI.id }
        #expect(!webRecords.isEmpty && webRecords.allSatisfy { $0["type"] == "IPv6" && $0["version"] == "5" })
        #expect(webRecords.filter { $0["flow-direction"] == "egress" }.allSatisfy { $0["traffic-path"] == "8" })

        // check-run: pcaps, flow logs and conservation pass. Its TLS check (3) pairs streams by
        // `ip.src`/`ip.dst` only, so it cannot see the ClientHello of an IPv6 stream: every
        // failure it reports must be an IPv6 stream (a gap of check-run, not of the run).
        let report = try CheckRunReport(run.directory)
        for n in [1, 2, 4, 5, 6] { #expect(try report.check(n).status == "pass", "\(report.failures)") }
        let tls = try report.check(3)
        #expect(tls.errors.allSatisfy { $0.contains(Self.app) || $0.contains(Self.web) }, "\(tls.errors.prefix(3))")
    }

    /// `ping` over IPv6: app-1 pings the IPv6 API host (ICMPv6 echo request 128, reply 129,
    /// RFC 4443 §4) out through the egress-only gateway, which lets the replies back in as it does
    /// TCP's (tracked by identifier); flow-log records carry protocol 58.
    @Test func pingOverIPv6ThroughTheEgressOnlyGateway() throws {
        let text = try String(
            contentsOfFile: repositoryRoot() + "/Topologies/ipv6-egress-only.yaml", encoding: .utf8)
        let ping = "  - name: ping-api\n    ping: {from: \"instance:app-1\", to: \"internet:v6-api\", every: 1s}\n"
        let yaml = text.replacingOccurrences(of: "traffic:\n", with: "traffic:\n" + ping)
        #expect(yaml != text)
        let run = try ScenarioRun(yaml: yaml, name: "ipv6-ping", duration: .seconds(10))
        let app = try #require(
            run.scenario.network.enis.first { $0.ipv6Addresses.first?.description.hasPrefix(Self.app) == true })
        let app6 = app.ipv6Addresses[0].description
        let echoes = try run.frames(
            run.pcap(app.id), "icmpv6.type == 128 || icmpv6.type == 129",
            fields: [
                "ipv6.src", "ipv6.dst", "icmpv6.type", "icmpv6.echo.identifier", "icmpv6.echo.sequence_number",
                "icmpv6.checksum.status",
            ])
        let requests = echoes.filter { $0[2] == "128" }, replies = echoes.filter { $0[2] == "129" }
        #expect(requests.count >= 9 && replies.count == requests.count, "\(echoes.prefix(4))")
        #expect(requests.allSatisfy { $0[0] == app6 && $0[1] == "2001:db8:4860::8888" && $0[5] == "1" })
        #expect(replies.allSatisfy { $0[1] == app6 && $0[0] == "2001:db8:4860::8888" && $0[5] == "1" })
        #expect(Set(requests.map { Array($0[3...4]) }) == Set(replies.map { Array($0[3...4]) }))
        #expect(run.summary.packets.drops.keys.allSatisfy { $0 == "eigw-inbound" }, "\(run.summary.packets.drops)")
        let icmp = run.flowLogRecords.filter { $0["protocol"] == "58" && $0["interface-id"] == app.id }
        #expect(icmp.contains { $0["srcaddr"] == app6 } && icmp.contains { $0["dstaddr"] == app6 })
        #expect(icmp.allSatisfy { $0["action"] == "ACCEPT" })
        let report = try CheckRunReport(run.directory)
        for n in [1, 2, 4, 5, 6] { #expect(try report.check(n).status == "pass", "\(report.failures)") }
    }

    /// The loader's IPv6 resources and the defaults AWS adds with an IPv6 block.
    @Test func loaderReadsIPv6Resources() throws {
        let s = try TopologyLoader.load(path: repositoryRoot() + "/Topologies/ipv6-egress-only.yaml")
        let net = s.network
        #expect(net.vpcs[0].cidrs.map(\.description) == ["10.20.0.0/16", "2600:1f18:4a3:6f00::/56"])
        #expect(net.subnets[0].ipv6CIDR?.description == "2600:1f18:4a3:6f02::/64")
        #expect(net.egressOnlyInternetGateways.map(\.id) == ["eigw-06a1b2c3d4e5f6091"])
        #expect(net.vpcs[0].egressOnlyInternetGateway != nil && net.vpcs[0].internetGateway == nil)
        // Main route tables get the IPv6 local route; the default ACL allows ::/0 as rule 101
        // (https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html).
        let acl = net.networkACLs[net.vpcs[0].defaultNetworkACL.int]
        #expect(acl.inbound.map(\.ruleNumber) == [100, 101] && acl.inbound[1].cidr.description == "::/0")
        // A group without egress rules allows ::/0 out in a VPC with an IPv6 block.
        let sg = net.securityGroups[0]
        #expect(sg.egress.count == 2)
    }

    @Test(arguments: [
        (
            "vpcs:\n  - id: vpc-06a1b2c3d4e5f6071\n    cidr: 10.20.0.0/16\n    ipv6-cidr: 10.1.0.0/16\n",
            "is not a valid IPv6 CIDR block"
        ),
        (
            "vpcs:\n  - id: vpc-06a1b2c3d4e5f6071\n    cidr: 10.20.0.0/16\n    ipv6-cidr: 2600:1f18:4a3:6f00::/64\n",
            "/44 to /60"
        ),
    ])
    func badIPv6IsRefused(_ yaml: String, _ message: String) throws {
        #expect {
            _ = try TopologyLoader.load(yaml: yaml, file: "bad.yaml")
        } throws: { e in
            let t = (e as? TopologyError)
            return t?.line ?? 0 > 0 && (t?.message.contains(message) ?? false)
        }
    }

    @Test func egressOnlyGatewayTakesOnlyIPv6Routes() throws {
        let text = try String(
            contentsOfFile: repositoryRoot() + "/Topologies/ipv6-egress-only.yaml", encoding: .utf8)
        let bad = text.replacingOccurrences(
            of: "- {destination: \"::/0\", target: eigw-06a1b2c3d4e5f6091}",
            with: "- {destination: 0.0.0.0/0, target: eigw-06a1b2c3d4e5f6091}")
        #expect(bad != text)
        #expect {
            _ = try TopologyLoader.load(yaml: bad, file: "bad.yaml")
        } throws: { e in (e as? TopologyError)?.message.contains("carries IPv6 only") ?? false }
        let noSubnetBlock = text.replacingOccurrences(of: "    ipv6-cidr: 2600:1f18:4a3:6f02::/64\n", with: "")
        #expect {
            _ = try TopologyLoader.load(yaml: noSubnetBlock, file: "bad.yaml")
        } throws: { e in (e as? TopologyError)?.message.contains("has no IPv6 block") ?? false }
    }
}
