import Testing
import SimCore
import Wire
import TestSupport
@testable import NetModel
@testable import Transport

/// IPv6 path MTU discovery (issue 11): a dual-stack instance (2600:1f18:4a3:6f01::10) behind an
/// internet gateway, or an egress-only one, and an IPv6 internet host (2001:db8:4860::8888), both
/// with jumbo-frame Linux stacks, so their first full-sized segments are too large for the
/// internet path (1500 bytes, https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/network_mtu.html).
/// The gateway answers ICMPv6 Packet Too Big (RFC 4443 §3.2) and the sender lowers its MSS to
/// 1440 (Linux `tcp_v6_mtu_reduced`).
struct PacketTooBigLab: PathMTUTestLab {
    var network: Network
    var tcp = TCPStack(random: RandomStream(seed: 5))
    var inside: HostIndex
    var outside: HostIndex
    var events: [(SimTime, TCPNotification)] = []
    var icmpErrors: [Packet] = []

    static let instance6 = IPAddress("2600:1f18:4a3:6f01::10")!
    static let internet6 = IPAddress("2001:db8:4860::8888")!

    init(egressOnly: Bool, allowPacketTooBig: Bool) {
        var (n, inside, _) = TestNetworks.natGateway()
        n.vpcs[0].cidrs.append(CIDR("2600:1f18:4a3:6f00::/56")!)
        n.subnets[0].ipv6CIDR = CIDR("2600:1f18:4a3:6f01::/64")!
        n.subnets[0].routeTable = RouteTableIndex(1)
        n.enis[0].ipv6Addresses = [Self.instance6]
        let any6 = CIDR("::/0")!
        n.routeTables[1].routes.append(
            Route(destination: .cidr(CIDR("2600:1f18:4a3:6f00::/56")!), target: .local))
        if egressOnly {
            n.vpcs[0].internetGateway = nil
            n.vpcs[0].egressOnlyInternetGateway = EgressOnlyInternetGatewayIndex(0)
            n.egressOnlyInternetGateways = [EgressOnlyInternetGateway(id: "eigw-00000001", vpc: VPCIndex(0))]
            n.routeTables[1].routes.append(
                Route(destination: .cidr(any6), target: .egressOnlyInternetGateway(EgressOnlyInternetGatewayIndex(0))))
        } else {
            n.routeTables[1].routes.append(
                Route(destination: .cidr(any6), target: .internetGateway(InternetGatewayIndex(0))))
        }
        let all6 = NetworkACLEntry(ruleNumber: 101, protocolNumber: -1, ports: .all, cidr: any6, allow: true)
        n.networkACLs[0].inbound.append(all6)
        n.networkACLs[0].outbound.append(all6)
        n.securityGroups[0].egress.append(SecurityGroupRule(protocolNumber: -1, ports: .all, peer: .cidr(any6)))
        n.securityGroups[0].ingress = [
            SecurityGroupRule(protocolNumber: 6, ports: PortRange(443, 443), peer: .cidr(any6))
        ]
        if allowPacketTooBig {
            // ICMPv6 type 2 (any code), the rule path MTU discovery needs in a security group.
            n.securityGroups[0].ingress.append(
                SecurityGroupRule(protocolNumber: 58, ports: PortRange(2, 65535), peer: .cidr(any6)))
        }
        let outside = n.addHost(.publicAddress(Self.internet6, internet: true))
        n.observed = [true, true]
        n.finalize(random: RandomStreams(seed: 11))
        network = n
        self.inside = inside
        self.outside = outside
        tcp.setProfile(.linuxInstance, for: inside)
        tcp.setProfile(.linuxInstance, for: outside)
        tcp.listen(host: inside, port: 443, owner: AppRef(kind: 2, object: 0))
        tcp.listen(host: outside, port: 443, owner: AppRef(kind: 2, object: 1))
    }
}

@Suite struct PacketTooBigTests {
    /// Out through either gateway: the instance's 9001-byte IPv6 segments die there, the gateway
    /// answers Packet Too Big with MTU 1500, the group admits it, the MSS drops to 1440 and
    /// everything arrives in packets the path carries.
    @Test(arguments: [false, true]) func anInstanceLowersItsMSSOnPacketTooBig(_ egressOnly: Bool) {
        var lab = PacketTooBigLab(egressOnly: egressOnly, allowPacketTooBig: true)
        var s = Scheduler()
        let c = lab.connectAndSend(
            host: lab.inside, local: PacketTooBigLab.instance6, remote: PacketTooBigLab.internet6, seed: 1,
            bytes: 30_000,
            until: .seconds(2), &s)

        #expect(lab.received(by: 2) == 30_000, "everything arrives")
        let reason: DropReason =
            egressOnly
            ? .exceedsPathMTUEgressOnly(EgressOnlyInternetGatewayIndex(0), mtu: 1500)
            : .exceedsPathMTU(InternetGatewayIndex(0), mtu: 1500)
        let drops = lab.network.stats.drops[reason] ?? 0
        #expect(drops >= 1 && drops <= 10, "the first flight dies at the gateway: \(drops)")
        #expect(reason.code == "exceeds-path-mtu")
        let e = try! #require(lab.icmpErrors.first)
        #expect(e.protocolNumber == IPProtocol.icmpv6 && e.destinationPort == 0x0200 && e.seq == 1500)
        #expect(e.source == PacketTooBigLab.internet6 && e.destination == PacketTooBigLab.instance6)
        #expect(e.ipTotalLength == 40 + 8 + 48)
        guard case .icmpQuote(let q) = e.payload else { Issue.record("no quote"); return }
        #expect(q.sourcePort == lab.tcp.socket(c).localPort && q.destinationPort == 443 && q.totalLength == 9001)
        #expect(lab.tcp.pathMTUReductions == 1 && lab.tcp.socket(c).sendMSS == 1440)
        let sent = lab.network.log.taps.filter { $0.eni.int == 0 && $0.direction == .egress }
        let after = sent.drop { $0.packet.ipTotalLength <= 1500 }.drop { $0.packet.ipTotalLength > 1500 }
        #expect(!after.isEmpty && after.allSatisfy { $0.packet.ipTotalLength <= 1500 })
    }

    /// Without a group rule for ICMPv6 type 2 the error is dropped at the instance's group and
    /// the connection black-holes, as for IPv4's "fragmentation needed".
    @Test func withoutTheRuleTheSecurityGroupDropsIt() {
        var lab = PacketTooBigLab(egressOnly: true, allowPacketTooBig: false)
        var s = Scheduler()
        let c = lab.connectAndSend(
            host: lab.inside, local: PacketTooBigLab.instance6, remote: PacketTooBigLab.internet6, seed: 1,
            bytes: 30_000,
            until: .seconds(3), &s)
        #expect(lab.received(by: 2) == nil)
        #expect(lab.icmpErrors.isEmpty && lab.tcp.pathMTUReductions == 0)
        #expect((lab.network.stats.drops[.securityGroup(ENIIndex(0), direction: .ingress)] ?? 0) >= 1)
    }

    /// In through the internet gateway: the internet host's jumbo segments die there and the
    /// error crosses the internet back to it; it lowers its MSS to 1440. Linux never goes below
    /// IPv6's minimum MTU: a Packet Too Big of 1000 gives 1280 − 60.
    @Test func anInternetSenderLowersItsMSSAndNeverBelow1220() {
        var lab = PacketTooBigLab(egressOnly: false, allowPacketTooBig: false)
        var s = Scheduler()
        let c = lab.connectAndSend(
            host: lab.outside, local: PacketTooBigLab.internet6, remote: PacketTooBigLab.instance6, seed: 2,
            bytes: 30_000,
            until: .seconds(2), &s)
        #expect(lab.received(by: 2) == 30_000)
        #expect(lab.tcp.socket(c).sendMSS == 1440 && lab.icmpErrors.first?.destination == PacketTooBigLab.internet6)

        var small = lab.icmpErrors[0]
        small.seq = 1000
        guard case .icmpQuote(let q) = small.payload else { Issue.record("no quote"); return }
        lab.tcp.pathMTUReduced(small, quote: q, host: lab.outside, now: s.now, &lab.network, &s)
        #expect(lab.tcp.socket(c).sendMSS == 1220)
    }
}
