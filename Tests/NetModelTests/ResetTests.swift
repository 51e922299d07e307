import Testing
import Wire
import NetModel

/// `Packet.reset(answering:)`: the one RST builder, used by TCP stacks and NAT gateways.
@Suite struct ResetTests {
    func segment(_ flags: TCPFlags, seq: UInt32, ack: UInt32 = 0, length: UInt32 = 0) -> Packet {
        var p = Packet(
            source: IPAddress("10.0.1.10")!, destination: IPAddress("10.0.2.20")!, sourcePort: 40000,
            destinationPort: 8443, protocolNumber: IPProtocol.tcp, ttl: 64, ipID: 7)
        p.tcpFlags = flags
        p.seq = seq
        p.ack = ack
        p.payloadLength = length
        p.realm = 3
        p.connection = 12
        p.label = 2
        return p
    }

    @Test func aSegmentWithoutAckIsAcknowledgedByTheReset() {
        let syn = Packet.reset(answering: segment(.syn, seq: 1_000))
        #expect(syn.tcpFlags == [.rst, .ack] && syn.seq == 0 && syn.ack == 1_001)
        let finWithData = Packet.reset(answering: segment([.fin, .psh], seq: UInt32.max - 4, length: 10))
        #expect(finWithData.ack == 6, "SEG.SEQ + SEG.LEN + FIN, modulo 2³²")
    }

    @Test func aSegmentWithAckGetsTheResetAtItsAckNumber() {
        let r = Packet.reset(answering: segment([.ack, .psh], seq: 5, ack: 9_000, length: 100))
        #expect(r.tcpFlags == [.rst] && r.seq == 9_000 && r.ack == 0 && r.payloadLength == 0)
    }

    @Test func itGoesBackTheWayTheSegmentCame() {
        let r = Packet.reset(answering: segment(.syn, seq: 1))
        #expect(r.source == IPAddress("10.0.2.20")! && r.destination == IPAddress("10.0.1.10")!)
        #expect(r.sourcePort == 8443 && r.destinationPort == 40000)
        #expect(r.ipID == 0 && r.ttl == 64 && r.tcpOptions.isEmpty)
        #expect(r.realm == 3 && r.connection == 12 && r.label == 2)
    }
}
