import Testing
import Foundation
import SimCore
import Wire
import NetModel
import TestSupport
import Topology
@testable import Experiments

/// The shipped Application Load Balancer topology (Topologies/alb-web-tier.yaml): who talks to
/// whom through the load balancer's nodes, the node's TCP and TLS personality, the headers it
/// adds, and the flow-log records on its ENIs.
@Suite(.serialized) struct LoadBalancerTests {
    static let clients = "81.2.64.0/20"

    @Test func clientsReachNodesAndNodesReachTargets() throws {
        let run = try ScenarioRun("alb-web-tier", duration: .seconds(20))
        let net = run.scenario.network
        let lb = try #require(net.loadBalancers.first)
        #expect(lb.name == "web-alb" && lb.type == .application && lb.internetFacing)
        #expect(lb.enis.count == 2)
        let nodes = lb.enis.map { net.enis[$0.int] }
        // The nodes' ENIs: requester-managed, described as AWS describes them, one per subnet, each
        // with a public IPv4 address from Amazon's pool.
        for n in nodes {
            #expect(n.description == "ELB app/web-alb/\(lb.arnID)", "\(n.description)")
            #expect(lb.arnID.count == 16 && lb.arnID.allSatisfy(\.isHexDigit))
            #expect(n.publicIP != nil)
        }
        #expect(Set(nodes.map(\.subnet)).count == 2)
        #expect(lb.dnsName.hasPrefix("web-alb-") && lb.dnsName.hasSuffix(".us-east-1.elb.amazonaws.com"))
        let nodeIPs = Set(nodes.map(\.privateIP.description))
        let targets = net.enis.filter { if case .instance = $0.kind { return true } else { return false } }
        let targetIPs = Set(targets.map(\.privateIP.description))

        // A node's pcap: clients' SYNs to its private address on 443 and 80 (the internet gateway
        // translated the public one), and its own SYNs from that address to the targets on 8080.
        var sawClients = false, sawTargets = false
        for n in nodes {
            let syns = try run.frames(
                run.pcap(n.id), "tcp.flags.syn == 1 && tcp.flags.ack == 0", fields: ["ip.src", "ip.dst", "tcp.dstport"])
            let fromClients = syns.filter { $0[0].hasPrefix("81.2.") }
            let toTargets = syns.filter { $0[0] == n.privateIP.description }
            sawClients = sawClients || !fromClients.isEmpty
            sawTargets = sawTargets || !toTargets.isEmpty
            #expect(fromClients.allSatisfy { $0[1] == n.privateIP.description && ["443", "80"].contains($0[2]) })
            #expect(toTargets.allSatisfy { targetIPs.contains($0[1]) && $0[2] == "8080" }, "\(toTargets.prefix(3))")
            // Source ports toward targets from ELB's 1024–65535
            // (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html#nacl-ephemeral-ports).
            let ports = try run.frames(
                run.pcap(n.id), "tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.src == \(n.privateIP)",
                fields: ["tcp.srcport"]
            ).compactMap { Int($0[0]) }
            #expect(ports.allSatisfy { (1024...65535).contains($0) })
            // Of the scanners, their probes' SYNs only, to ports the security group does not open,
            // and no answer (the group drops them: no SYN-ACK, no RST).
            let probes = try run.frames(
                run.pcap(n.id), "ip.addr == 45.142.120.0/24", fields: ["ip.src", "tcp.flags.str", "tcp.dstport"])
            #expect(
                probes.allSatisfy {
                    $0[0].hasPrefix("45.142.120.") && $0[1].hasSuffix("S·") && ["22", "3389", "8080"].contains($0[2])
                }, "\(probes.prefix(3))")
        }
        #expect(sawClients && sawTargets)

        // A target's pcap: every packet is between it and a node's private address; it never sees
        // a client's address in an IP header, only in X-Forwarded-For.
        let web1 = try #require(run.scenario.instances.first { $0.name == "web-1" })
        let web1ENI = net.enis[web1.eni.int]
        let pairs = try run.frames(run.pcap(web1ENI.id), "ip", fields: ["ip.src", "ip.dst"])
        #expect(!pairs.isEmpty)
        #expect(
            pairs.allSatisfy {
                ($0[0] == web1ENI.privateIP.description && nodeIPs.contains($0[1]))
                    || (nodeIPs.contains($0[0]) && $0[1] == web1ENI.privateIP.description)
            }, "\(pairs.prefix(3))")
        let headers = try run.frames(
            run.pcap(web1ENI.id), "tcp.len > 0 && tcp.dstport == 8080", fields: ["tcp.payload"])
        #expect(!headers.isEmpty)
        // The forwarded request's headers, in clear (x-forwarded-headers.html, load-balancer-request-tracing.html).
        let first = try #require(headers.first.flatMap { Self.text($0[0]) })
        #expect(
            first.hasPrefix("POST / HTTP/1.1\r\nHost: shop.example.com\r\nX-Forwarded-For: 81.2."),
            "\(first.prefix(120))")
        #expect(first.contains("\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Port: 443\r\nX-Amzn-Trace-Id: Root=1-"))
        let trace = try #require(first.range(of: "X-Amzn-Trace-Id: Root=1-"))
        let id = first[trace.upperBound...].prefix(33)
        #expect(
            id.count == 33 && id.enumerated().allSatisfy { $0.offset == 8 ? $0.element == "-" : $0.element.isHexDigit })
        // Its time field is the run's second (2026-11-23T10:00:00Z = 0x6b040ea0; the run lasts 20 s).
        let seconds = try #require(UInt32(id.prefix(8), radix: 16))
        #expect((0x6b04_0ea0...0x6b04_0ea0 + 30).contains(seconds), "\(id)")

        // Flow logs: records on each node's ENI for both of its sides, with instance-id "-"
        // (an ELB interface belongs to no instance of the account), through the internet gateway
        // (traffic-path 2) to clients and within the VPC (1) to targets.
        let records = run.flowLogRecords.filter { $0["log-status"] == "OK" }
        for n in nodes {
            let mine = records.filter { $0["interface-id"] == n.id }
            #expect(mine.allSatisfy { $0["instance-id"] == "-" })
            #expect(
                mine.contains {
                    $0["srcaddr"]?.hasPrefix("81.2.") == true && $0["dstport"] == "443" && $0["action"] == "ACCEPT"
                })
            #expect(mine.contains { $0["srcaddr"] == n.privateIP.description && $0["dstport"] == "8080" })
            #expect(
                mine.filter { $0["flow-direction"] == "egress" && $0["dstaddr"]?.hasPrefix("81.2.") == true }
                    .allSatisfy { $0["traffic-path"] == "2" })
            #expect(
                mine.filter { $0["flow-direction"] == "egress" && targetIPs.contains($0["dstaddr"] ?? "") }
                    .allSatisfy { $0["traffic-path"] == "1" })
        }
        // The targets' records name only node addresses as peers.
        let targetRecords = records.filter { r in targets.contains { $0.id == r["interface-id"] } }
        #expect(!targetRecords.isEmpty)
        #expect(
            targetRecords.allSatisfy { nodeIPs.contains($0["srcaddr"]!) || nodeIPs.contains($0["dstaddr"]!) })
        // The scanners' probes are refused by the load balancer's security group, on its ENIs.
        #expect(records.contains { $0["srcaddr"]?.hasPrefix("45.142.120.") == true && $0["action"] == "REJECT" })
        #expect(run.summary.packets.drops.keys.sorted() == ["security-group"], "\(run.summary.packets.drops)")

        let report = try CheckRunReport(run.directory)
        #expect(report.ok, "\(report.failures)")

        // Cost: the summary's usage counts the load balancer's LCU dimensions, and `vpcsim cost`
        // bills its hours and LCU-hours (https://aws.amazon.com/elasticloadbalancing/pricing/);
        // the nodes' public addresses are public IPv4 hours.
        let usage = try #require(run.summary.usage.loadBalancers?.first)
        #expect(usage.name == "web-alb" && usage.newConnections > 20 && usage.peakActiveConnections >= 1)
        #expect(usage.processedBytes > 100_000)
        #expect(run.summary.usage.publicIPv4Addresses == 2)
        let cost = runProgram(vpcsimBinary(), ["cost", run.directory, "--json"])
        #expect(cost.status == 0, "\(cost.stderr)")
        let bill = try #require(try JSONSerialization.jsonObject(with: Data(cost.stdout.utf8)) as? [String: Any])
        let lines = try #require(bill["lines"] as? [[String: Any]])
        let hours = try #require(lines.first { $0["item"] as? String == "alb-hours" })
        #expect(hours["quantity"] as? Double == 730)
        let lcu = try #require(lines.first { $0["item"] as? String == "alb-lcu-hours" })
        let expected = usage.capacityUnits(windowSeconds: run.summary.usage.windowSeconds) * 730
        #expect(abs((lcu["quantity"] as? Double ?? 0) - expected) < 1e-6 && expected > 0)
    }

    /// The node's SYN-ACK (TCPProfile.elbNode, assumed: the EC2 Linux stack) and its ServerHello
    /// under ELBSecurityPolicy-TLS13-1-2-2021-06: server order, so TLS_AES_128_GCM_SHA256 for
    /// every browser, and one JA3S for full handshakes (771,4865,43-51), one for resumed ones.
    @Test func nodePersonalityAndServerHello() throws {
        let run = try ScenarioRun("alb-web-tier", duration: .seconds(20))
        let net = run.scenario.network
        let node = net.enis[net.loadBalancers[0].enis[0].int]
        let synAcks = try run.frames(
            run.pcap(node.id), "tcp.flags.syn == 1 && tcp.flags.ack == 1 && ip.src == \(node.privateIP)",
            fields: ["ip.ttl", "tcp.window_size_value", "tcp.options.mss_val", "tcp.options.wscale.shift", "ip.id"])
        #expect(!synAcks.isEmpty)
        #expect(synAcks.allSatisfy { $0 == ["64", "62727", "8961", "7", "0x0000"] }, "\(synAcks.prefix(3))")
        let hellos = try run.frames(
            run.pcap(node.id), "tls.handshake.type == 2",
            fields: ["tls.handshake.ciphersuite", "tls.handshake.ja3s_full", "tls.handshake.ja3s"])
        #expect(!hellos.isEmpty)
        // Full handshakes, and the browsers' resumptions with a ticket from an earlier visit (the
        // pre_shared_key extension, 41, answered last).
        let full = ["0x1301", "771,4865,43-51", "f4febc55ea12b31ae17cfb7e614afda8"]
        let resumed = ["0x1301", "771,4865,43-51-41", "fcb2d4d0991292272fcb1e464eedfd43"]
        #expect(hellos.contains(full) && hellos.contains(resumed), "\(Set(hellos.map { $0.joined(separator: " ") }))")
        #expect(hellos.allSatisfy { $0 == full || $0 == resumed }, "\(hellos.prefix(3))")
        // The certificate chain: an RSA leaf for the SNI under an Amazon RSA 2048 M0x-shaped
        // intermediate (ACM's), and one NewSessionTicket after the handshake is not visible
        // without keys, so the chain is checked in MessagesTests; here the SNI the clients sent.
        let sni = try run.frames(
            run.pcap(node.id), "tls.handshake.type == 1", fields: ["tls.handshake.extensions_server_name"])
        #expect(!sni.isEmpty && sni.allSatisfy { $0 == ["shop.example.com"] })
    }

    /// `ELBSecurityPolicy-2016-08` (the CLI's default) has no TLS 1.3: every client negotiates
    /// TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256, the policy's first RSA AEAD suite
    /// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
    @Test func theCLIsDefaultPolicyNegotiatesTLS12() throws {
        let text = try String(contentsOfFile: repositoryRoot() + "/Topologies/alb-web-tier.yaml", encoding: .utf8)
        let yaml = text.replacingOccurrences(
            of: "ssl-policy: ELBSecurityPolicy-TLS13-1-2-2021-06", with: "ssl-policy: ELBSecurityPolicy-2016-08")
        #expect(yaml != text)
        let run = try ScenarioRun(yaml: yaml, name: "alb-2016-08", duration: .seconds(8))
        let node = run.scenario.network.enis[run.scenario.network.loadBalancers[0].enis[0].int]
        let hellos = try run.frames(
            run.pcap(node.id), "tls.handshake.type == 2",
            fields: ["tls.handshake.version", "tls.handshake.ciphersuite"])
        #expect(!hellos.isEmpty && hellos.allSatisfy { $0 == ["0x0303", "0xc02f"] }, "\(hellos.prefix(3))")
        let report = try CheckRunReport(run.directory)
        #expect(report.ok, "\(report.failures)")
    }

    static func text(_ hex: String) -> String? {
        let digits = Array(hex.filter(\.isHexDigit).utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var i = 0
        while i < digits.count {
            bytes.append(UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16)!)
            i += 2
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A browser resumes only with a ticket its own machine got: no client address offers a
    /// pre_shared_key on its first connection of the run, and some offer one on a later one (a
    /// population's addresses are machines of their own, each with its own session cache).
    @Test func browsersResumeOnlyWithTheirOwnTickets() throws {
        let run = try ScenarioRun("alb-web-tier", duration: .seconds(30))
        let net = run.scenario.network
        var hellos: [(time: Double, client: String, psk: Bool)] = []
        for e in net.loadBalancers[0].enis {
            for f in try run.frames(
                run.pcap(net.enis[e.int].id), "tls.handshake.type == 1",
                fields: ["frame.time_epoch", "ip.src", "tls.handshake.extensions.psk.identity.identity_length"])
            {
                hellos.append((Double(f[0]) ?? 0, f[1], !f[2].isEmpty))
            }
        }
        hellos.sort { $0.time < $1.time }
        var seen = Set<String>()
        var firstWithPSK: [String] = []
        var resumed = 0
        for h in hellos {
            if seen.insert(h.client).inserted {
                if h.psk { firstWithPSK.append(h.client) }
            } else if h.psk {
                resumed += 1
            }
        }
        #expect(seen.count > 20, "\(seen.count) clients")
        #expect(firstWithPSK.isEmpty, "first hellos with a PSK: \(firstWithPSK.prefix(5))")
        #expect(resumed > 0, "no later hello resumed")
    }

    /// README's `vpcsim path … --from 81.2.70.1 --to <the ALB's DNS name>:443`: an internet
    /// client is sent to a node's public address (the name's public records), through the
    /// internet gateway's 1:1 translation, and the reply comes back.
    @Test func pathFromTheInternetToTheLoadBalancersName() throws {
        let scenario = try TopologyLoader.load(path: repositoryRoot() + "/Topologies/alb-web-tier.yaml")
        let lb = scenario.network.loadBalancers[0]
        let node = scenario.network.enis[lb.enis[0].int]
        let publicIP = try #require(node.publicIP)
        let r = try PathExplainer.explain(scenario, from: "81.2.70.1", to: lb.dnsName + ":443")
        #expect(r.outcome == .reachable, "\(r.text)")
        #expect(r.text.contains("\(publicIP):443"), "\(r.text)")
        #expect(r.text.contains("the ENI's public IP, 1:1 NAT"), "\(r.text)")
    }
}
