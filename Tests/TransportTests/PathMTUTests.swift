import Testing
import SimCore
import Wire
import TestSupport
@testable import NetModel
@testable import Transport

/// An instance with a public address (10.0.1.10 ↔ 54.80.1.10) behind an internet gateway and an
/// internet host (93.184.216.34), both with jumbo-frame Linux stacks, so their first full-sized
/// segments are too large for the internet path (1500 bytes,
/// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/network_mtu.html).
struct PathMTULab: PathMTUTestLab {
    var network: Network
    var tcp = TCPStack(random: RandomStream(seed: 5))
    var inside: HostIndex
    var outside: HostIndex
    var events: [(SimTime, TCPNotification)] = []
    var icmpErrors: [Packet] = []

    static let publicIP = IPAddress("54.80.1.10")!
    static let internetIP = IPAddress("93.184.216.34")!

    init(allowFragmentationNeeded: Bool) {
        (network, inside, outside) = TestNetworks.natGateway()
        network.subnets[0].routeTable = RouteTableIndex(1) // the instance's subnet routes to the IGW
        network.enis[0].publicIP = Self.publicIP
        let any = CIDR("0.0.0.0/0")!
        network.securityGroups[0].ingress = [
            SecurityGroupRule(protocolNumber: 6, ports: PortRange(443, 443), peer: .cidr(any))
        ]
        if allowFragmentationNeeded {
            // The rule AWS asks for: "Destination Unreachable: fragmentation required, and DF flag set".
            network.securityGroups[0].ingress.append(
                SecurityGroupRule(protocolNumber: 1, ports: PortRange(3, 4), peer: .cidr(any)))
        }
        network.finalize(random: RandomStreams(seed: 11))
        tcp.setProfile(.linuxInstance, for: inside)
        tcp.setProfile(.linuxInstance, for: outside)
        tcp.listen(host: inside, port: 443, owner: AppRef(kind: 2, object: 0))
        tcp.listen(host: outside, port: 443, owner: AppRef(kind: 2, object: 1))
    }
}

@Suite struct PathMTUTests {
    /// The instance sends 30 kB to the internet host: its 9001-byte segments die at the internet
    /// gateway, which answers ICMP 3/4 with next-hop MTU 1500; the security group lets it in, the
    /// stack lowers its MSS to 1460 and resends (Linux `tcp_v4_mtu_reduced`,
    /// `tcp_simple_retransmit`), and everything arrives in segments the path carries.
    @Test func anInstanceLowersItsMSSOnFragmentationNeeded() {
        var lab = PathMTULab(allowFragmentationNeeded: true)
        var s = Scheduler()
        let c = lab.connectAndSend(
            host: lab.inside, local: IPAddress("10.0.1.10")!, remote: PathMTULab.internetIP, seed: 1, bytes: 30_000,
            until: .seconds(2), &s)

        #expect(lab.received(by: 2) == 30_000, "everything arrives")
        let drops = lab.network.stats.drops[.exceedsPathMTU(InternetGatewayIndex(0), mtu: 1500)] ?? 0
        #expect(drops >= 1 && drops <= 10, "the first flight dies at the gateway: \(drops)")
        let e = try! #require(lab.icmpErrors.first)
        #expect(e.destinationPort == 0x0304 && e.seq & 0xFFFF == 1500, "ICMP 3/4, next-hop MTU 1500")
        #expect(e.source == PathMTULab.internetIP && e.destination == IPAddress("10.0.1.10")!)
        guard case .icmpQuote(let q) = e.payload else { Issue.record("no quote"); return }
        #expect(q.sourcePort == lab.tcp.socket(c).localPort && q.destinationPort == 443 && q.totalLength == 9001)
        #expect(lab.tcp.pathMTUReductions == 1 && lab.tcp.socket(c).sendMSS == 1460)
        // After the error, every data segment the instance sends fits the internet path.
        let sent = lab.network.log.taps.filter { $0.eni.int == 0 && $0.direction == .egress }
        let after = sent.drop { $0.packet.ipTotalLength <= 1500 }.drop { $0.packet.ipTotalLength > 1500 }
        #expect(!after.isEmpty && after.allSatisfy { $0.packet.ipTotalLength <= 1500 })
    }

    /// Without the inbound ICMP rule the security group drops the error (AWS's page says to add
    /// one): the connection black-holes, its 9001-byte segments retransmitted and dropped again.
    @Test func withoutTheICMPRuleTheSecurityGroupDropsTheError() {
        var lab = PathMTULab(allowFragmentationNeeded: false)
        var s = Scheduler()
        let c = lab.connectAndSend(
            host: lab.inside, local: IPAddress("10.0.1.10")!, remote: PathMTULab.internetIP, seed: 1, bytes: 30_000,
            until: .seconds(3), &s)
        #expect(lab.received(by: 2) == nil)
        #expect(lab.icmpErrors.isEmpty && lab.tcp.pathMTUReductions == 0)
        #expect((lab.network.stats.drops[.securityGroup(ENIIndex(0), direction: .ingress)] ?? 0) >= 1)
    }

    /// The other way: the internet host's jumbo segments die at the gateway on the way in, and the
    /// error goes back across the internet to it.
    @Test func anInternetSenderLowersItsMSSToo() {
        var lab = PathMTULab(allowFragmentationNeeded: false)
        var s = Scheduler()
        let c = lab.connectAndSend(
            host: lab.outside, local: PathMTULab.internetIP, remote: PathMTULab.publicIP, object: 1, seed: 2,
            bytes: 20_000, until: .seconds(2), &s)
        #expect(lab.received(by: 2) == 20_000)
        #expect(lab.icmpErrors.count >= 1 && lab.icmpErrors.allSatisfy { $0.source == PathMTULab.publicIP })
        #expect(lab.tcp.socket(c).sendMSS == 1460)
        let arrived = lab.network.log.taps.filter { $0.eni.int == 0 && $0.direction == .ingress }
        #expect(arrived.allSatisfy { $0.packet.ipTotalLength <= 1500 }, "nothing larger crosses the gateway")
    }
}
