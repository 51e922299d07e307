import Testing
import SimCore
import Wire
import TestSupport
@testable import NetModel

struct NATLab: EventHandler {
    var network: Network
    var inside: HostIndex
    var outside: HostIndex
    var delivered: [(HostIndex, Packet)] = []
    init() { (network, inside, outside) = TestNetworks.natGateway() }

    mutating func handle(_ event: Event, _ s: inout Scheduler) {
        if case .delivered(let h, let p) = network.arrive(event.payload.object, now: s.now, &s) {
            delivered.append((h, p))
        }
    }
    mutating func send(_ p: Packet, from h: HostIndex, _ s: inout Scheduler) {
        network.transmit(p, from: h, now: s.now, &s)
        s.run(until: s.now + .seconds(1), handler: &self)
    }
    static func tcp(
        _ src: String, _ sp: UInt16, _ dst: String, _ dp: UInt16, _ f: TCPFlags, seq: UInt32 = 0, ack: UInt32 = 0
    ) -> Packet {
        var p = Packet(
            source: IPAddress(src)!, destination: IPAddress(dst)!, sourcePort: sp, destinationPort: dp,
            protocolNumber: IPProtocol.tcp)
        p.tcpFlags = f
        p.seq = seq
        p.ack = ack
        return p
    }
}

/// NAT gateway behaviour (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html,
/// https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html).
@Suite struct NATGatewayTests {
    @Test func sourceNATToTheElasticIPAndBack() {
        var lab = NATLab()
        var s = Scheduler()
        lab.send(NATLab.tcp("10.0.1.10", 40000, "93.184.216.34", 443, .syn), from: lab.inside, &s)
        let out = lab.delivered.last!
        #expect(out.0 == lab.outside)
        #expect(out.1.source == IPAddress("3.213.48.117")!)
        #expect(NATState.portRange.contains(out.1.sourcePort))
        // The NAT ENI saw it arrive from the instance and leave with its own private address.
        let natTaps = lab.network.log.taps.filter { $0.eni.int == 1 }
        #expect(natTaps.map(\.direction) == [.ingress, .egress])
        #expect(
            natTaps[1].packet.source == IPAddress("10.0.0.10")! && natTaps[1].packet.sourcePort == out.1.sourcePort)
        lab.send(
            NATLab.tcp("93.184.216.34", 443, "3.213.48.117", out.1.sourcePort, [.syn, .ack]), from: lab.outside, &s)
        let back = lab.delivered.last!
        #expect(back.0 == lab.inside)
        #expect(
            back.1.destination == IPAddress("10.0.1.10")! && back.1.destinationPort == 40000
                && back.1.source == IPAddress("93.184.216.34")!)
        #expect(lab.network.nat[0].metrics.connectionEstablishedCount == 1)
        #expect(lab.network.nat[0].metrics.bytesProcessed == 80)
    }

    /// Hosts attached after the network is finalised are reached like those attached before.
    @Test func internetHostsAttachedAfterFinalizeAreReached() {
        var lab = NATLab()
        var s = Scheduler()
        let range = lab.network.addHost(.publicRange(CIDR("198.51.100.0/24")!, internet: true))
        let single = lab.network.addHost(.publicAddress(IPAddress("203.0.113.9")!, internet: true))
        #expect(lab.network.publicOwner(of: IPAddress("203.0.113.9")!) == .host(single))
        lab.send(NATLab.tcp("10.0.1.10", 40000, "198.51.100.7", 443, .syn), from: lab.inside, &s)
        lab.send(NATLab.tcp("10.0.1.10", 40001, "203.0.113.9", 443, .syn), from: lab.inside, &s)
        #expect(lab.delivered.map(\.0) == [range, single])
        #expect(lab.delivered.allSatisfy { $0.1.source == IPAddress("3.213.48.117")! })
    }

    @Test func unsolicitedInboundHasNoTranslation() {
        var lab = NATLab()
        var s = Scheduler()
        lab.send(NATLab.tcp("93.184.216.34", 443, "3.213.48.117", 5555, .syn), from: lab.outside, &s)
        #expect(lab.delivered.isEmpty)
        #expect(lab.network.stats.drops[.natNoTranslation(NATGatewayIndex(0))] == 1)
    }

    /// After 350 s idle, a packet from inside gets a RST from the gateway (not a FIN).
    @Test func idleTimeoutResetsTheInsideHost() {
        var lab = NATLab()
        var s = Scheduler()
        lab.send(NATLab.tcp("10.0.1.10", 40000, "93.184.216.34", 443, .syn, seq: 100), from: lab.inside, &s)
        let port = lab.delivered.last!.1.sourcePort
        lab.send(
            NATLab.tcp("93.184.216.34", 443, "3.213.48.117", port, [.syn, .ack], seq: 900, ack: 101), from: lab.outside,
            &s)
        s.run(until: s.now + .seconds(349), handler: &lab)
        lab.send(NATLab.tcp("10.0.1.10", 40000, "93.184.216.34", 443, .ack, seq: 101, ack: 901), from: lab.inside, &s)
        #expect(lab.delivered.last!.0 == lab.outside, "still translated at 349 s of idleness")
        s.run(until: s.now + .seconds(351), handler: &lab)
        let before = lab.delivered.count
        lab.send(
            NATLab.tcp("10.0.1.10", 40000, "93.184.216.34", 443, [.ack, .psh], seq: 101, ack: 901), from: lab.inside, &s
        )
        #expect(lab.delivered.count == before + 1)
        let rst = lab.delivered.last!
        #expect(rst.0 == lab.inside && rst.1.tcpFlags == [.rst] && rst.1.seq == 901)
        #expect(rst.1.source == IPAddress("93.184.216.34")! && rst.1.sourcePort == 443)
        #expect(lab.network.nat[0].metrics.idleTimeoutCount == 1)
        // The packet the RST answers is dropped (and counted, as every drop is).
        #expect(lab.network.stats.drops[.natNoTranslation(NATGatewayIndex(0))] == 1)
        #expect(lab.network.nat[0].metrics.packetsDropCount == 1)
        // The remote side gets nothing, and its late packets have no translation any more.
        lab.send(
            NATLab.tcp("93.184.216.34", 443, "3.213.48.117", port, .ack, seq: 901, ack: 101), from: lab.outside, &s)
        #expect(lab.network.stats.drops[.natNoTranslation(NATGatewayIndex(0))] == 2)
    }

    /// 55,000 simultaneous connections per address to one destination, then ErrorPortAllocation.
    @Test func portAllocationLimit() {
        var state = NATState(random: RandomStream(seed: 5))
        let eip = [IPAddress("10.0.0.10")!]
        var ports = Set<UInt16>()
        for i in 0..<NATState.connectionsPerDestination {
            let k = FlowKey(
                source: IPAddress(ipv4: 0x0A00_0100 + UInt32(i / 60_000)), destination: IPAddress("93.184.216.34")!,
                sourcePort: UInt16(1024 + i % 60_000), destinationPort: 443, protocolNumber: IPProtocol.tcp)
            guard let t = state.allocate(k, addresses: eip, now: .zero) else {
                Issue.record("allocation \(i) failed"); return
            }
            ports.insert(t.port)
        }
        #expect(ports.count == NATState.connectionsPerDestination, "ports are unique per destination")
        let one = FlowKey(
            source: IPAddress("10.0.1.99")!, destination: IPAddress("93.184.216.34")!, sourcePort: 1,
            destinationPort: 443, protocolNumber: IPProtocol.tcp)
        #expect(state.allocate(one, addresses: eip, now: .zero) == nil)
        // Another destination port is a different destination.
        let other = FlowKey(
            source: IPAddress("10.0.1.99")!, destination: IPAddress("93.184.216.34")!, sourcePort: 1,
            destinationPort: 80, protocolNumber: IPProtocol.tcp)
        #expect(state.allocate(other, addresses: eip, now: .zero) != nil)
        // A second address doubles the room.
        #expect(state.allocate(one, addresses: eip + [IPAddress("10.0.0.11")!], now: .zero)?.address == 1)
    }

    @Test func icmpEchoIsTranslatedByIdentifier() {
        var lab = NATLab()
        var s = Scheduler()
        var ping = Packet(
            source: IPAddress("10.0.1.10")!, destination: IPAddress("93.184.216.34")!, sourcePort: 0x1234,
            destinationPort: 0x0800, protocolNumber: IPProtocol.icmp)
        ping.payloadLength = 56
        lab.send(ping, from: lab.inside, &s)
        let out = lab.delivered.last!.1
        #expect(out.source == IPAddress("3.213.48.117")! && out.destinationPort == 0x0800)
        var reply = Packet(
            source: IPAddress("93.184.216.34")!, destination: IPAddress("3.213.48.117")!,
            sourcePort: out.sourcePort,
            destinationPort: 0x0000, protocolNumber: IPProtocol.icmp)
        reply.payloadLength = 56
        lab.send(reply, from: lab.outside, &s)
        let back = lab.delivered.last!
        #expect(back.0 == lab.inside && back.1.sourcePort == 0x1234 && back.1.destination == IPAddress("10.0.1.10")!)
        #expect(lab.network.stats.drops.isEmpty, "the instance's security group tracked the echo")
    }

    @Test func udpAndOtherProtocols() {
        var lab = NATLab()
        var s = Scheduler()
        var gre = Packet(
            source: IPAddress("10.0.1.10")!, destination: IPAddress("93.184.216.34")!, sourcePort: 0,
            destinationPort: 0, protocolNumber: 47)
        gre.payloadLength = 20
        lab.send(gre, from: lab.inside, &s)
        #expect(lab.network.stats.drops[.natUnsupportedProtocol(NATGatewayIndex(0))] == 1)
    }
}
