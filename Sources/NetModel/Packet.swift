import Wire

/// Which TCP options a segment carries. The layout of the option bytes follows what Linux sends
/// (see `Wire.TCPOptions`); the values live in ``Packet``.
public struct TCPOptionSet: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let mss = TCPOptionSet(rawValue: 1)
    public static let sackPermitted = TCPOptionSet(rawValue: 2)
    public static let windowScale = TCPOptionSet(rawValue: 4)
    public static let timestamps = TCPOptionSet(rawValue: 8)

    /// Bytes of option space, padded to 32 bits as Linux pads them.
    @inlinable public var encodedLength: Int {
        if contains(.mss) || contains(.windowScale) || contains(.sackPermitted) {
            // SYN layouts: MSS(4) [SACK_PERM(2) TS(10) | NOP NOP SACK_PERM] NOP WS(3)
            var n = 0
            if contains(.mss) { n += 4 }
            if contains(.timestamps) {
                n += 12 // SACK_PERM TS, or NOP NOP TS
            } else if contains(.sackPermitted) {
                n += 4 // NOP NOP SACK_PERM
            }
            if contains(.windowScale) { n += 4 } // NOP WS
            return n
        }
        return contains(.timestamps) ? 12 : 0 // NOP NOP TS
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
public struct Packet: Sendable {
    public var source: IPv4Address
    public var destination: IPv4Address
    public var sourcePort: UInt16 // ICMP echo: identifier; other ICMP: 0
    public var destinationPort: UInt16 // ICMP: type << 8 | code
    public var protocolNumber: UInt8
    public var ttl: UInt8
    public var ipID: UInt16
    public var tcpFlags: TCPFlags
    public var tcpOptions: TCPOptionSet
    public var windowScale: UInt8
    public var mss: UInt16
    public var window: UInt16
    public var seq: UInt32
    public var ack: UInt32
    public var tsValue: UInt32
    public var tsEcho: UInt32
    public var payloadLength: UInt32
    /// What the payload bytes are (``Payload``): a slice of a TCP stream, or a datagram's own description.
    public var payload: Payload

    // Forwarding state: not on the wire.
    /// The next arrival.
    public var hop: Hop
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
    /// Ground truth for datasets (not on the wire): the traffic label of whatever generated the
    /// packet (0 = normal), carried through replies.
    public var label: UInt8

    public init(
        source: IPv4Address, destination: IPv4Address, sourcePort: UInt16, destinationPort: UInt16,
        protocolNumber: UInt8, ttl: UInt8 = 64, ipID: UInt16 = 0
    ) {
        self.source = source; self.destination = destination
        self.sourcePort = sourcePort; self.destinationPort = destinationPort
        self.protocolNumber = protocolNumber; self.ttl = ttl; self.ipID = ipID
        tcpFlags = []; tcpOptions = []; windowScale = 0; mss = 0; window = 0
        seq = 0; ack = 0; tsValue = 0; tsEcho = 0; payloadLength = 0; payload = .none
        hop = .publicNetwork; realm = 0; fromSubnet = .max; connection = .max; label = 0
    }

    /// Transport header length in bytes (TCP with options, UDP 8, ICMP 8).
    @inlinable public var transportHeaderLength: Int {
        switch protocolNumber {
        case IPProtocol.tcp: return 20 + tcpOptions.encodedLength
        case IPProtocol.udp, IPProtocol.icmp: return 8
        default: return 0
        }
    }
    /// IPv4 total length: what flow logs count as `bytes` and what `check-run` sums.
    @inlinable public var ipTotalLength: Int { 20 + transportHeaderLength + Int(payloadLength) }

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

/// A 5-tuple packed into two words so it hashes and compares in a few instructions.
public struct FlowKey: Hashable, Sendable {
    public var addresses: UInt64 // source << 32 | destination
    public var portsAndProtocol: UInt64 // sourcePort << 24 | destinationPort << 8 | protocol

    @inlinable public init(
        source: IPv4Address, destination: IPv4Address, sourcePort: UInt16,
        destinationPort: UInt16, protocolNumber: UInt8
    ) {
        addresses = UInt64(source.raw) << 32 | UInt64(destination.raw)
        portsAndProtocol = UInt64(sourcePort) << 24 | UInt64(destinationPort) << 8 | UInt64(protocolNumber)
    }
    @inlinable public init(addresses: UInt64, portsAndProtocol: UInt64) {
        self.addresses = addresses; self.portsAndProtocol = portsAndProtocol
    }
    @inlinable public var source: IPv4Address { IPv4Address(raw: UInt32(truncatingIfNeeded: addresses >> 32)) }
    @inlinable public var destination: IPv4Address { IPv4Address(raw: UInt32(truncatingIfNeeded: addresses)) }
    @inlinable public var sourcePort: UInt16 { UInt16(truncatingIfNeeded: portsAndProtocol >> 24) }
    @inlinable public var destinationPort: UInt16 { UInt16(truncatingIfNeeded: portsAndProtocol >> 8) }
    @inlinable public var protocolNumber: UInt8 { UInt8(truncatingIfNeeded: portsAndProtocol) }
    /// The same flow seen from the other end.
    @inlinable public var reversed: FlowKey {
        FlowKey(
            source: destination, destination: source, sourcePort: destinationPort,
            destinationPort: sourcePort, protocolNumber: protocolNumber)
    }
    /// A well-mixed 64-bit hash (not Swift's per-process seeded Hasher, so table layouts — and
    /// anything that might iterate them — are identical from run to run).
    @inlinable public var mixedHash: UInt64 {
        var h = addresses &* 0x9E37_79B9_7F4A_7C15
        h ^= (portsAndProtocol &+ 0x632B_E59B_D9B4_E019) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 31
        h &*= 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }
}
