// Network+PathMTU: the 1500-byte limit of the internet path, and the ICMP "fragmentation needed"
// a packet over it earns.

import SimCore
import Wire

extension Network {
    /// The largest IP packet an internet gateway carries, either way: "Traffic that goes over an
    /// internet gateway is limited to 1500 MTU" while jumbo frames (9001) stay inside the VPC
    /// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/network_mtu.html, "Jumbo frames").
    public static let internetPathMTU = 1500

    /// Whether `p` is too large for the internet path.
    @inlinable static func exceedsInternetPath(_ p: Packet) -> Bool { p.ipTotalLength > internetPathMTU }

    /// A packet over the internet path's MTU at internet gateway `g`. "If packets are over 1500
    /// bytes, they are fragmented, or they are dropped if the Don't Fragment flag is set in the IP
    /// header"; the device that drops one answers ICMP type 3 code 4, "Destination Unreachable:
    /// Fragmentation Needed and Don't Fragment was Set", so the sender's path MTU discovery (RFC
    /// 1191) lowers its segment size (same page, "Path MTU Discovery"). The error carries the
    /// next-hop MTU (RFC 1191 §4) and quotes the dropped packet's IP header and first 8 bytes
    /// (RFC 792).
    ///
    /// `back` is where the error goes: `.publicNetwork` to an internet sender, `.eniIngress(e)`
    /// to an instance with a public address (it then passes the subnet's ACL and the ENI's
    /// security groups, which by default do not allow it: AWS asks for an inbound rule for
    /// "Destination Unreachable: fragmentation required" on the same page), or nil to send none.
    /// Assumed, as AWS does not say which address sends the error (the gateway has none of its
    /// own): it comes from the address the packet was for. Not modelled: fragmenting a packet
    /// without DF (every TCP segment here has DF; UDP and ICMP here stay far below 1500 bytes) —
    /// such a packet is dropped with the same reason.
    ///
    /// An IPv6 packet (routers never fragment IPv6, RFC 8200 §5) earns ICMPv6 type 2, Packet Too
    /// Big, with the MTU (RFC 4443 §3.2) instead, through an internet gateway or an egress-only
    /// one (`reason` names which), so the sender's path MTU discovery for IPv6 (RFC 8201) lowers
    /// its segment size the same way.
    mutating func pathMTUExceeded(
        _ p: Packet, reason: DropReason, back: Hop?, _ now: SimTime, _ scheduler: inout Scheduler
    ) {
        drop(reason)
        guard p.isIPv4 ? p.dontFragment : true, let back else { return }
        var e =
            p.isIPv4
            ? Self.fragmentationNeeded(answering: p, nextHopMTU: Self.internetPathMTU)
            : Self.packetTooBig(answering: p, mtu: Self.internetPathMTU)
        e.fromSubnet = .max
        e.realm = 0
        let at: SimTime
        switch back {
        case .publicNetwork: at = now + delays.draw(.internet)
        default: at = now + delays.draw(.regional)
        }
        schedule(e, hop: back, at: at, &scheduler)
    }

    /// The ICMP "fragmentation needed" answering `p` (type 3 code 4, RFC 792; the next-hop MTU in
    /// the low 16 bits of the second word, RFC 1191 §4, carried in `seq`; the quote of `p` as its
    /// payload), from the address `p` was for, without DF, TTL 64.
    public static func fragmentationNeeded(answering p: Packet, nextHopMTU: Int) -> Packet {
        var e = Packet(
            source: p.destination, destination: p.source, sourcePort: 0,
            destinationPort: UInt16(ICMPv4Header.MessageType.destinationUnreachable) << 8
                | UInt16(ICMPv4Header.fragmentationNeeded),
            protocolNumber: IPProtocol.icmp, ttl: 64, ipID: 0, dontFragment: false)
        e.seq = UInt32(nextHopMTU)
        e.payload = .icmpQuote(ICMPQuote(of: p))
        e.payloadLength = UInt32(ICMPQuote.ipv4Length)
        return e
    }

    /// The ICMPv6 Packet Too Big answering IPv6 packet `p` (type 2 code 0, the MTU in the
    /// 32-bit word after the checksum, RFC 4443 §3.2, carried in `seq`; the quote of `p` as its
    /// payload), from the address `p` was for, hop limit 64 (assumed, as for IPv4).
    public static func packetTooBig(answering p: Packet, mtu: Int) -> Packet {
        var e = Packet(
            source: p.destination, destination: p.source, sourcePort: 0,
            destinationPort: UInt16(ICMPv6Header.MessageType.packetTooBig) << 8,
            protocolNumber: IPProtocol.icmpv6, ttl: 64, ipID: 0, dontFragment: false)
        e.seq = UInt32(mtu)
        e.payload = .icmpQuote(ICMPQuote(of: p))
        e.payloadLength = UInt32(ICMPQuote.ipv6Length)
        return e
    }

    /// Whether `p` is an ICMPv6 Packet Too Big (``packetTooBig(answering:mtu:)``).
    @inlinable public static func isPacketTooBig(_ p: Packet) -> Bool {
        p.protocolNumber == IPProtocol.icmpv6 && p.destinationPort == UInt16(ICMPv6Header.MessageType.packetTooBig) << 8
    }
}
