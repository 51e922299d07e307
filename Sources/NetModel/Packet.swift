import Wire

/// Which TCP options a segment carries, and in which sender's layout (bits 4–5: a
/// ``Wire/TCPOptionLayout``, so a SYN keeps its stack's option order in one byte). The values
/// live in ``Packet``.
public struct TCPOptionSet: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let mss = TCPOptionSet(rawValue: 1)
    public static let sackPermitted = TCPOptionSet(rawValue: 2)
    public static let windowScale = TCPOptionSet(rawValue: 4)
    public static let timestamps = TCPOptionSet(rawValue: 8)

    /// The layout bits of `layout` (Linux's is 0, so a set without them is in Linux's order).
    @inlinable public static func layout(_ layout: TCPOptionLayout) -> TCPOptionSet {
        TCPOptionSet(rawValue: layout.rawValue << 4)
    }

    /// The sender's option order.
    @inlinable public var layout: TCPOptionLayout { TCPOptionLayout(rawValue: rawValue >> 4 & 3) ?? .linux }

    /// Bytes of option space, padded to 32 bits as the sender's layout pads them.
    @inlinable public var encodedLength: Int {
        if rawValue & 0x0F == TCPOptionSet.timestamps.rawValue { return 12 } // NOP NOP TS, every layout
        return layout.encodedLength(
            mss: contains(.mss), sackPermitted: contains(.sackPermitted), windowScale: contains(.windowScale),
            timestamps: contains(.timestamps))
    }
}

/// Where a packet in flight arrives next. Every arrival is one event.
public enum Hop: Hashable, Sendable {
    /// Leaving a host for the ENI it sends through (e.g. a Lambda microVM → its Hyperplane ENI).
    case eniEgress(ENIIndex)
    /// Arriving at an ENI from the VPC fabric.
    case eniIngress(ENIIndex)
    /// Arriving on the regional AWS network / internet side (outside every VPC).
    case publicNetwork
    /// Arriving at a host's network stack.
    case host(HostIndex)
}

/// A packet descriptor: everything the headers would say, and nothing of the payload bytes.
///
/// Descriptors live in the network's packet pool and are referred to by index from events, so a
/// packet in flight costs one pool slot and one 16-byte event per hop, never an allocation.
///
/// The addresses are ``IPAddress``es of either family (an IPv4 packet has two IPv4 addresses);
/// ``family`` says which header the packet has. Fields are declared widest first so the 32
/// bytes of addresses leave no padding: 104 bytes, stride 104 (96 when addresses were 32-bit).
public struct Packet: Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    /// What the payload bytes are (``Payload``): a slice of a TCP stream, or a datagram's own description.
    public var payload: Payload
    /// Ground truth for datasets (not on the wire): the traffic label of whatever generated the
    /// packet (0 = normal), carried through replies.
    public var label: UInt8
    public var tcpFlags: TCPFlags
    public var tcpOptions: TCPOptionSet
    public var seq: UInt32
    public var ack: UInt32
    public var tsValue: UInt32
    public var tsEcho: UInt32
    public var payloadLength: UInt32

    // Forwarding state: not on the wire.
    /// Routing domain on the AWS side: 0 = the public network; k+1 = reached through gateway
    /// endpoint k (the service answers through the same endpoint).
    public var realm: UInt32
    /// The subnet the packet was last emitted in (`UInt32.max` when it comes from outside every
    /// subnet). A network ACL applies only when traffic crosses a subnet boundary.
    public var fromSubnet: UInt32
    /// Simulation tag (not on the wire): the transport connection this packet belongs to, so the
    /// two ends' applications can agree on message boundaries without materialising bytes — the
    /// way simulators attach tags to packets. `UInt32.max` when none.
    public var connection: UInt32
    /// The next arrival.
    public var hop: Hop

    public var sourcePort: UInt16 // ICMP/ICMPv6 echo: identifier; other ICMP: 0
    public var destinationPort: UInt16 // ICMP/ICMPv6: type << 8 | code
    /// IPv4 Identification (IPv6 has none outside a fragment header; unused there).
    public var ipID: UInt16
    public var mss: UInt16
    public var window: UInt16
    /// IPv4 Protocol, or IPv6 Next Header (no extension headers are modelled).
    public var protocolNumber: UInt8
    /// IPv4 TTL, or IPv6 Hop Limit.
    public var ttl: UInt8
    public var windowScale: UInt8
    /// IPv4 Don't Fragment (every modern stack sets it on TCP, RFC 1191 path MTU discovery;
    /// scanners' raw packets and Amazon DNS answers do not). A router that cannot forward a
    /// packet with DF set drops it and answers ICMP "fragmentation needed" (RFC 1191 §3).
    public var dontFragment: Bool

    public init(
        source: IPAddress, destination: IPAddress, sourcePort: UInt16, destinationPort: UInt16,
        protocolNumber: UInt8, ttl: UInt8 = 64, ipID: UInt16 = 0, dontFragment: Bool = true
    ) {
        self.source = source; self.destination = destination
        self.sourcePort = sourcePort; self.destinationPort = destinationPort
        self.protocolNumber = protocolNumber; self.ttl = ttl; self.ipID = ipID; self.dontFragment = dontFragment
        tcpFlags = []; tcpOptions = []; windowScale = 0; mss = 0; window = 0
        seq = 0; ack = 0; tsValue = 0; tsEcho = 0; payloadLength = 0; payload = .none
        hop = .publicNetwork; realm = 0; fromSubnet = .max; connection = .max; label = 0
    }

    /// IPv4 or IPv6: the family of the destination (a packet's two addresses share one).
    @inlinable public var family: IPFamily { destination.family }
    @inlinable @inline(__always) public var isIPv4: Bool { destination.isIPv4 }

    /// Whether this is an ICMP packet of its family (ICMP over IPv4, ICMPv6 over IPv6): its
    /// ports hold type/code and identifier.
    @inlinable public var isICMP: Bool {
        protocolNumber == IPProtocol.icmp || protocolNumber == IPProtocol.icmpv6
    }

    /// Transport header length in bytes (TCP with options, UDP 8, ICMP and ICMPv6 8).
    @inlinable @inline(__always) public var transportHeaderLength: Int {
        switch protocolNumber {
        case IPProtocol.tcp: return 20 + tcpOptions.encodedLength
        case IPProtocol.udp, IPProtocol.icmp, IPProtocol.icmpv6: return 8
        default: return 0
        }
    }
    /// The IP header's length: 20 for IPv4 (no options), 40 for IPv6 (no extension headers).
    @inlinable @inline(__always) public var ipHeaderLength: Int { isIPv4 ? 20 : 40 }
    /// The whole IP packet: IPv4 Total Length, or for IPv6 the 40-byte header plus Payload Length
    /// (RFC 8200 §3 counts the payload only). This is what flow logs count as `bytes` and what
    /// `check-run` sums from pcaps for both families.
    @inlinable @inline(__always) public var ipTotalLength: Int {
        ipHeaderLength + transportHeaderLength + Int(payloadLength)
    }

    @inlinable public var flow: FlowKey {
        FlowKey(
            source: source, destination: destination, sourcePort: sourcePort,
            destinationPort: destinationPort, protocolNumber: protocolNumber)
    }
}

extension Packet {
    /// The RST that answers `p`, a TCP segment no connection accepts (RFC 9293 §3.5.2, reset
    /// generation): `<SEQ=SEG.ACK><CTL=RST>` if it carries an ACK, else
    /// `<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>`, where a SYN and a FIN each count one. It goes back
    /// the way `p` came, with `p`'s simulation tags (realm, connection, label).
    public static func reset(answering p: Packet) -> Packet {
        var r = Packet(
            source: p.destination, destination: p.source, sourcePort: p.destinationPort,
            destinationPort: p.sourcePort, protocolNumber: IPProtocol.tcp, ttl: 64, ipID: 0)
        r.realm = p.realm
        r.connection = p.connection
        r.label = p.label
        if p.tcpFlags.contains(.ack) {
            r.tcpFlags = [.rst]
            r.seq = p.ack
        } else {
            r.tcpFlags = [.rst, .ack]
            let controls: UInt32 = (p.tcpFlags.contains(.syn) ? 1 : 0) &+ (p.tcpFlags.contains(.fin) ? 1 : 0)
            r.ack = p.seq &+ p.payloadLength &+ controls
        }
        return r
    }
}

/// A 5-tuple: two addresses of either family and one word of ports and protocol (40 bytes; 16
/// when addresses were 32-bit — the price of one key type for both families, see ``IPAddress``).
public struct FlowKey: Hashable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    /// sourcePort << 24 | destinationPort << 8 | protocol; bits 40… are free for a table's own
    /// tags (direction, realm).
    public var portsAndProtocol: UInt64

    @inlinable public init(
        source: IPAddress, destination: IPAddress, sourcePort: UInt16,
        destinationPort: UInt16, protocolNumber: UInt8
    ) {
        self.source = source; self.destination = destination
        portsAndProtocol = UInt64(sourcePort) << 24 | UInt64(destinationPort) << 8 | UInt64(protocolNumber)
    }
    @inlinable public init(source: IPAddress, destination: IPAddress, portsAndProtocol: UInt64) {
        self.source = source; self.destination = destination; self.portsAndProtocol = portsAndProtocol
    }
    @inlinable public var sourcePort: UInt16 { UInt16(truncatingIfNeeded: portsAndProtocol >> 24) }
    @inlinable public var destinationPort: UInt16 { UInt16(truncatingIfNeeded: portsAndProtocol >> 8) }
    @inlinable public var protocolNumber: UInt8 { UInt8(truncatingIfNeeded: portsAndProtocol) }
    /// Ports first (flows of one ENI differ there most often), then the words that differ between
    /// IPv4 addresses, then the high words that are zero for IPv4.
    @inlinable @inline(__always) public static func == (l: FlowKey, r: FlowKey) -> Bool {
        l.portsAndProtocol == r.portsAndProtocol && l.source.low == r.source.low
            && l.destination.low == r.destination.low && l.source.high == r.source.high
            && l.destination.high == r.destination.high
    }
    /// The same flow seen from the other end.
    @inlinable public var reversed: FlowKey {
        FlowKey(
            source: destination, destination: source, sourcePort: destinationPort,
            destinationPort: sourcePort, protocolNumber: protocolNumber)
    }
    /// A well-mixed 64-bit hash (not Swift's per-process seeded Hasher, so table layouts — and
    /// anything that might iterate them — are identical from run to run).
    ///
    /// For two IPv4 addresses it is the hash of the 16-byte IPv4 key this replaced (source << 32 |
    /// destination, then the ports word), so IPv4 tables lay out exactly as before; the IPv6 bits
    /// enter through `extra`, which is zero for IPv4.
    @inlinable @inline(__always) public var mixedHash: UInt64 {
        let addresses = source.low << 32 | destination.low & 0xFFFF_FFFF
        let extra =
            (source.high &* 0xD6E8_FEB8_6659_FD93) ^ (destination.high &* 0xA076_1D64_78BD_642F)
            ^ ((source.low >> 32 ^ 0xFFFF) &* 0xE703_7ED1_A0B4_28DB)
            ^ ((destination.low >> 32 ^ 0xFFFF) &* 0x8EBC_6AF0_9C88_C6E3)
        var h = (addresses ^ extra) &* 0x9E37_79B9_7F4A_7C15
        h ^= (portsAndProtocol &+ 0x632B_E59B_D9B4_E019) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 31
        h &*= 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }
}
