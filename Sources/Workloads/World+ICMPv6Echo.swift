// ICMP echo for both families: the ping generator's request, and Linux's echo reply over IPv6
// (ICMPv6 types 128 and 129, RFC 4443 §4.1–4.2).

import SimCore
import Wire
import NetModel

extension World {
    /// Echo request `n` (sequence n + 1, 56 bytes of data as ping sends) with `identifier`: ICMP
    /// type 8 from an IPv4 address, ICMPv6 type 128 from an IPv6 one.
    static func echoRequest(from source: IPAddress, to destination: IPAddress, identifier: UInt16, n: Int) -> Packet {
        let v4 = source.isIPv4
        var p = Packet(
            source: source, destination: destination, sourcePort: identifier,
            destinationPort: v4 ? 0x0800 : UInt16(ICMPv6Header.MessageType.echoRequest) << 8,
            protocolNumber: v4 ? IPProtocol.icmp : IPProtocol.icmpv6, ttl: 64,
            ipID: v4 ? UInt16(truncatingIfNeeded: n) : 0)
        p.seq = UInt32(truncatingIfNeeded: n + 1)
        return p
    }

    /// Linux answers an ICMPv6 echo request with an echo reply carrying the same identifier,
    /// sequence number and data (net/ipv6/icmp.c `icmpv6_echo_reply`); a Hyperplane ENI answers
    /// no ICMP, as for IPv4. An echo reply is read by the pinging host: nothing more is sent.
    mutating func icmpv6EchoDelivered(_ p: Packet, to h: HostIndex, _ now: SimTime, _ s: inout Scheduler) {
        guard p.destinationPort >> 8 == UInt16(ICMPv6Header.MessageType.echoRequest) else { return }
        if case .eni(let e) = network.hosts[h.int], case .lambda = network.enis[e.int].kind {
            network.drop(.noSocket(h))
            return
        }
        sendEchoReply(
            to: p, type: UInt16(ICMPv6Header.MessageType.echoReply), protocolNumber: IPProtocol.icmpv6, ipID: 0,
            from: h, now, &s)
    }

    /// The echo reply to request `p`, from `h`: the same identifier, sequence number and data,
    /// addresses swapped (ICMP type 0 or ICMPv6 type 129 in `type`).
    mutating func sendEchoReply(
        to p: Packet, type: UInt16, protocolNumber: UInt8, ipID: UInt16, from h: HostIndex, _ now: SimTime,
        _ s: inout Scheduler
    ) {
        var r = Packet(
            source: p.destination, destination: p.source, sourcePort: p.sourcePort, destinationPort: type << 8,
            protocolNumber: protocolNumber, ttl: 64, ipID: ipID)
        r.seq = p.seq
        r.payloadLength = p.payloadLength
        r.payload = p.payload
        r.label = p.label
        r.realm = p.realm
        network.transmit(r, from: h, now: now, &s)
    }
}
