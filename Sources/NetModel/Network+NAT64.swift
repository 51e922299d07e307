// Network+NAT64: a NAT gateway translates IPv6 traffic for 64:ff9b::/96 to IPv4 — the
// destination is the IPv4 address embedded in the last 32 bits, the source the gateway's private
// IPv4 address and a port it allocates — and translates the replies back
// (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html; RFC 6146 for
// stateful NAT64, RFC 6052 §2.1 for the well-known prefix, RFC 7915 for the header translation).

import SimCore
import Wire

extension Network {
    /// The well-known NAT64 prefix (RFC 6052 §2.1), the one AWS's NAT gateways and DNS64 use.
    public static let nat64Prefix = CIDR("64:ff9b::/96")!

    /// The IPv6 address that embeds IPv4 address `v4` in the NAT64 prefix (RFC 6052 §2.2, /96).
    public static func nat64Address(_ v4: IPAddress) -> IPAddress {
        IPAddress(high: nat64Prefix.base.high, low: UInt64(v4.ipv4Raw))
    }

    /// An IPv6 packet from inside reached NAT gateway `n` (its subnet's ACL let it in). TCP, UDP
    /// and ICMPv6 echo requests are translated; the translation is kept in the gateway's table with
    /// the IPv4 ones (same ports, limits and idle timeout), keyed by the IPv6 source and the
    /// embedded IPv4 destination, so the IPv4 reply finds it.
    mutating func nat64Forward(_ n: NATGatewayIndex, _ packet: Packet, _ now: SimTime, _ scheduler: inout Scheduler) {
        var p = packet
        let addresses = natAddresses[n.int]
        let len = UInt64(p.ipTotalLength)
        guard Self.nat64Prefix.contains(p.destination) else {
            nat[n.int].metrics.packetsDropCount += 1
            drop(.nat64OutsidePrefix(n)); return
        }
        let isEcho = p.protocolNumber == IPProtocol.icmpv6 && p.destinationPort >> 8 == 128
        guard p.protocolNumber == IPProtocol.tcp || p.protocolNumber == IPProtocol.udp || isEcho else {
            nat[n.int].metrics.packetsDropCount += 1
            drop(.natUnsupportedProtocol(n)); return
        }
        let v4 = IPAddress(ipv4: UInt32(truncatingIfNeeded: p.destination.low))
        let proto = isEcho ? IPProtocol.icmp : p.protocolNumber
        let inside = FlowKey(
            source: p.source, destination: v4, sourcePort: p.sourcePort,
            destinationPort: isEcho ? 0 : p.destinationPort, protocolNumber: proto)
        guard let t = translation(n, inside, for: p, bytes: len, now, &scheduler) else { return }
        let source = addresses[Int(t.address)]
        trace?.append(.natGateway(n, from: p.source, fromPort: p.sourcePort, to: source, toPort: t.port))
        p.source = source
        p.sourcePort = t.port
        p.destination = v4
        if isEcho {
            // ICMPv6 echo request (128) becomes ICMP echo request (8), code 0 (RFC 7915 §5.2).
            p.protocolNumber = IPProtocol.icmp
            p.destinationPort = 8 << 8
        }
        // IPv4 from here: 20 bytes of header instead of 40 (RFC 7915 §5.1).
        nat[n.int].metrics.bytesOutToDestination += UInt64(p.ipTotalLength)
        nat[n.int].metrics.packetsOutToDestination += 1
        scheduleNATEgress(n, toInside: false, p, now, &scheduler)
    }

    /// The reply to a NAT64 flow, its destination already translated back to the IPv6 client:
    /// the IPv4 source becomes its 64:ff9b::/96 form, ICMP echo reply (0) ICMPv6 echo reply (129)
    /// (RFC 7915 §4).
    static func nat64Reply(_ packet: Packet) -> Packet {
        var p = packet
        p.source = nat64Address(p.source)
        if p.protocolNumber == IPProtocol.icmp {
            p.protocolNumber = IPProtocol.icmpv6
            p.destinationPort = 129 << 8 | (p.destinationPort & 0xFF)
        }
        return p
    }
}
