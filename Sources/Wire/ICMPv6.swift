// ICMPv6 (RFC 4443): echo and error messages, and the Neighbor Discovery messages of RFC 4861
// §4.3–4.4 that resolve addresses on a link.

/// The ICMPv6 header, RFC 4443 §2.1: type, code, checksum and the 4-byte word every message has
/// next (identifier and sequence for echo, §4.1–4.2; the MTU of Packet Too Big, §3.2; the pointer
/// of Parameter Problem, §3.4; unused, zero, for Destination Unreachable and Time Exceeded).
///
/// Unlike ICMPv4's, the checksum covers the IPv6 pseudo-header (RFC 4443 §2.3), so encoding and
/// parsing take the packet's addresses.
public struct ICMPv6Header: Hashable, Sendable {
    public enum Field {
        public static let type = 0
        public static let code = 1
        public static let checksum = 2
        public static let rest = 4
    }
    public enum MessageType {
        public static let destinationUnreachable: UInt8 = 1
        public static let packetTooBig: UInt8 = 2
        public static let timeExceeded: UInt8 = 3
        public static let parameterProblem: UInt8 = 4
        public static let echoRequest: UInt8 = 128
        public static let echoReply: UInt8 = 129
        /// RFC 4861 §4.3.
        public static let neighborSolicitation: UInt8 = 135
        /// RFC 4861 §4.4.
        public static let neighborAdvertisement: UInt8 = 136
    }
    public static let length = 8
    /// The IPv6 minimum MTU (RFC 8200 §5): an error message, IPv6 header included, is no longer.
    public static let minimumMTU = 1280

    public var type: UInt8
    public var code: UInt8
    public var rest: UInt32

    @inlinable
    public init(type: UInt8, code: UInt8, rest: UInt32 = 0) {
        self.type = type
        self.code = code
        self.rest = rest
    }

    public static func echoRequest(identifier: UInt16, sequence: UInt16) -> ICMPv6Header {
        ICMPv6Header(type: MessageType.echoRequest, code: 0, rest: UInt32(identifier) << 16 | UInt32(sequence))
    }
    public static func echoReply(identifier: UInt16, sequence: UInt16) -> ICMPv6Header {
        ICMPv6Header(type: MessageType.echoReply, code: 0, rest: UInt32(identifier) << 16 | UInt32(sequence))
    }
    /// Codes (RFC 4443 §3.1): 0 no route, 1 administratively prohibited, 2 beyond scope of source,
    /// 3 address unreachable, 4 port unreachable, 5 source address failed policy, 6 reject route.
    public static func destinationUnreachable(code: UInt8) -> ICMPv6Header {
        ICMPv6Header(type: MessageType.destinationUnreachable, code: code)
    }
    /// The next-hop link's MTU (RFC 4443 §3.2): IPv6 routers never fragment, so this is how a
    /// sender learns the path MTU (RFC 8201).
    public static func packetTooBig(mtu: UInt32) -> ICMPv6Header {
        ICMPv6Header(type: MessageType.packetTooBig, code: 0, rest: mtu)
    }
    /// Code 0: hop limit exceeded in transit; 1: fragment reassembly time exceeded (§3.3).
    public static func timeExceeded(code: UInt8 = 0) -> ICMPv6Header {
        ICMPv6Header(type: MessageType.timeExceeded, code: code)
    }
    /// Code 0 erroneous header field, 1 unrecognized Next Header, 2 unrecognized option; `pointer`
    /// is the offset of the error in the invoking packet (§3.4).
    public static func parameterProblem(code: UInt8, pointer: UInt32) -> ICMPv6Header {
        ICMPv6Header(type: MessageType.parameterProblem, code: code, rest: pointer)
    }

    @inlinable public var identifier: UInt16 { UInt16(truncatingIfNeeded: rest >> 16) }
    @inlinable public var sequence: UInt16 { UInt16(truncatingIfNeeded: rest) }
    @inlinable public var mtu: UInt32 { rest }
    @inlinable public var isError: Bool { type < 128 } // RFC 4443 §2.1: types 0–127 are errors
    @inlinable public var encodedLength: Int { Self.length }

    /// How many bytes of an invoking packet of `length` bytes an error message quotes: as much as
    /// fits without the error packet exceeding the minimum MTU, 1280 − 40 − 8 = 1232 (RFC 4443
    /// §2.4 (c)).
    @inlinable public static func quotedLength(invokingPacketLength length: Int) -> Int {
        min(length, minimumMTU - IPv6Header.length - Self.length)
    }

    /// Writes the header followed by `payload` (the echo data, or the quoted invoking packet),
    /// with the checksum over the pseudo-header and both.
    @inlinable
    public func encode(
        into writer: inout ByteWriter, source: IPAddress, destination: IPAddress,
        payload: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    ) {
        writer.require(Self.length + payload.count)
        let start = writer.offset
        writer.u8(type)
        writer.u8(code)
        writer.u16(0)
        writer.u32(rest)
        writer.bytes(payload)
        Self.patchChecksum(message: writer.written(from: start), source: source, destination: destination)
    }

    /// Recomputes the checksum of a complete ICMPv6 message already in memory.
    @inlinable
    public static func patchChecksum(message: UnsafeMutableRawBufferPointer, source: IPAddress, destination: IPAddress)
    {
        precondition(message.count >= 4, "ICMPv6 message shorter than its checksum")
        message.storeBytes(of: 0, toByteOffset: Field.checksum, as: UInt16.self)
        let pseudo = InternetChecksum.ipv6PseudoHeaderSum(
            source: source, destination: destination, protocol: IPProtocol.icmpv6, length: message.count)
        let c = InternetChecksum.finish(InternetChecksum.sum(UnsafeRawBufferPointer(message), initial: pseudo))
        message.storeBytes(of: c.bigEndian, toByteOffset: Field.checksum, as: UInt16.self)
    }

    /// Parses a whole ICMPv6 message (everything after the IPv6 header) sent from `source` to
    /// `destination`, and verifies its checksum.
    public init(parsing message: UnsafeRawBufferPointer, source: IPAddress, destination: IPAddress) throws(WireError) {
        var r = ByteReader(message)
        try r.need(Self.length)
        type = try r.u8()
        code = try r.u8()
        let found = try r.u16()
        rest = try r.u32()
        let pseudo = InternetChecksum.ipv6PseudoHeaderSum(
            source: source, destination: destination, protocol: IPProtocol.icmpv6, length: message.count)
        let total = InternetChecksum.sum(message, initial: pseudo)
        if InternetChecksum.finish(total) != 0 {
            let without = InternetChecksum.fold(UInt64(total) &+ UInt64(~found))
            throw .badChecksum(expected: InternetChecksum.finish(without), found: found)
        }
    }

    public init(parsing bytes: [UInt8], source: IPAddress, destination: IPAddress) throws(WireError) {
        let result: Result<ICMPv6Header, WireError> = bytes.withUnsafeBytes { raw in
            do throws(WireError) {
                return .success(try ICMPv6Header(parsing: raw, source: source, destination: destination))
            } catch { return .failure(error) }
        }
        self = try result.get()
    }
}

/// A Neighbor Discovery message of address resolution (RFC 4861): a Neighbor Solicitation
/// (§4.3, "what is the link-layer address of `target`?", with the sender's own as the Source
/// Link-Layer Address option) or a Neighbor Advertisement (§4.4, the answer, with the Target
/// Link-Layer Address option). Both travel with hop limit 255, which receivers check (§7.1).
public struct NeighborDiscoveryMessage: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case solicitation
        /// R (sender is a router), S (in answer to a solicitation), O (override the cache), §4.4.
        case advertisement(router: Bool, solicited: Bool, override: Bool)
    }
    /// Option types of RFC 4861 §4.6.
    public enum Option {
        public static let sourceLinkLayerAddress: UInt8 = 1
        public static let targetLinkLayerAddress: UInt8 = 2
    }
    /// The hop limit both messages are sent with and must arrive with (RFC 4861 §7.1.1, §7.1.2).
    public static let hopLimit: UInt8 = 255

    public var kind: Kind
    public var target: IPAddress
    /// The link-layer address option: the sender's for a solicitation, the target's for an
    /// advertisement. A solicitation from the unspecified address (duplicate address detection)
    /// must not carry one (§4.3).
    public var linkLayerAddress: MACAddress?

    public init(kind: Kind, target: IPAddress, linkLayerAddress: MACAddress?) {
        self.kind = kind
        self.target = target
        self.linkLayerAddress = linkLayerAddress
    }

    /// Where a solicitation for `target` goes: its solicited-node multicast address (§7.2.2).
    public static func solicitation(for target: IPAddress, from mac: MACAddress) -> NeighborDiscoveryMessage {
        NeighborDiscoveryMessage(kind: .solicitation, target: target, linkLayerAddress: mac)
    }

    /// The answer to a solicitation for `target`, which `mac` owns (§7.2.4: S set, O set unless the
    /// target is an anycast or proxied address).
    public static func advertisement(of target: IPAddress, at mac: MACAddress, router: Bool)
        -> NeighborDiscoveryMessage
    {
        NeighborDiscoveryMessage(
            kind: .advertisement(router: router, solicited: true, override: true), target: target,
            linkLayerAddress: mac)
    }

    /// ICMPv6 message bytes: header (8), target (16), and one 8-byte link-layer option if any.
    public var encodedLength: Int { ICMPv6Header.length + 16 + (linkLayerAddress == nil ? 0 : 8) }

    var header: ICMPv6Header {
        switch kind {
        case .solicitation:
            return ICMPv6Header(type: ICMPv6Header.MessageType.neighborSolicitation, code: 0)
        case .advertisement(let r, let s, let o):
            let flags = (r ? 0x8000_0000 : 0) | (s ? 0x4000_0000 : 0) | (o ? 0x2000_0000 : 0) as UInt32
            return ICMPv6Header(type: ICMPv6Header.MessageType.neighborAdvertisement, code: 0, rest: flags)
        }
    }

    /// Writes the whole ICMPv6 message with its checksum.
    public func encode(into writer: inout ByteWriter, source: IPAddress, destination: IPAddress) {
        writer.require(encodedLength)
        let start = writer.offset
        let h = header
        writer.u8(h.type)
        writer.u8(h.code)
        writer.u16(0)
        writer.u32(h.rest)
        target.encode(into: &writer)
        if let mac = linkLayerAddress {
            let isSolicitation = if case .solicitation = kind { true } else { false }
            writer.u8(isSolicitation ? Option.sourceLinkLayerAddress : Option.targetLinkLayerAddress)
            writer.u8(1) // length in units of 8 bytes
            mac.encode(into: &writer)
        }
        ICMPv6Header.patchChecksum(message: writer.written(from: start), source: source, destination: destination)
    }

    /// Parses and validates a solicitation or advertisement (RFC 4861 §7.1.1–7.1.2): checksum,
    /// code 0, at least 24 bytes, a target that is not multicast, and options of non-zero length
    /// that fit. Unknown options are skipped (§4.6); the link-layer option of the message's kind
    /// is kept. `hopLimit` is the IPv6 header's, which must be 255.
    public init(parsing message: UnsafeRawBufferPointer, source: IPAddress, destination: IPAddress, hopLimit: UInt8)
        throws(WireError)
    {
        let h = try ICMPv6Header(parsing: message, source: source, destination: destination)
        guard hopLimit == Self.hopLimit else { throw .malformed("neighbor discovery hop limit \(hopLimit), not 255") }
        guard h.code == 0 else { throw .malformed("neighbor discovery code \(h.code)") }
        let wanted: UInt8
        switch h.type {
        case ICMPv6Header.MessageType.neighborSolicitation:
            kind = .solicitation
            wanted = Option.sourceLinkLayerAddress
        case ICMPv6Header.MessageType.neighborAdvertisement:
            kind = .advertisement(
                router: h.rest & 0x8000_0000 != 0, solicited: h.rest & 0x4000_0000 != 0,
                override: h.rest & 0x2000_0000 != 0)
            wanted = Option.targetLinkLayerAddress
        default:
            throw .malformed("ICMPv6 type \(h.type) is not a neighbor solicitation or advertisement")
        }
        var r = ByteReader(message, offset: ICMPv6Header.length)
        target = try IPAddress(parsing: &r)
        guard !target.isMulticast else { throw .malformed("neighbor discovery target is multicast") }
        linkLayerAddress = nil
        while !r.isAtEnd {
            try r.need(2)
            let type = try r.u8()
            let units = Int(try r.u8())
            guard units > 0 else { throw .malformed("neighbor discovery option of length 0") }
            try r.need(units * 8 - 2)
            if type == wanted && units == 1 {
                linkLayerAddress = try MACAddress(parsing: &r)
            } else {
                try r.skip(units * 8 - 2)
            }
        }
    }

    public init(parsing bytes: [UInt8], source: IPAddress, destination: IPAddress, hopLimit: UInt8)
        throws(WireError)
    {
        let result: Result<NeighborDiscoveryMessage, WireError> = bytes.withUnsafeBytes { raw in
            do throws(WireError) {
                return .success(
                    try NeighborDiscoveryMessage(
                        parsing: raw, source: source, destination: destination, hopLimit: hopLimit))
            } catch { return .failure(error) }
        }
        self = try result.get()
    }
}
