// UDP (RFC 768) and ICMPv4 (RFC 792).

/// The UDP header, RFC 768. `encode` writes the checksum as zero; after the payload is in the
/// buffer, `TransportChecksum.patch(…, checksumOffset: UDPHeader.Field.checksum, …)` fills it.
public struct UDPHeader: Hashable, Sendable {
    public enum Field {
        public static let sourcePort = 0
        public static let destinationPort = 2
        public static let length = 4
        public static let checksum = 6
    }
    public static let length = 8

    public var srcPort: UInt16
    public var dstPort: UInt16
    /// Header plus payload, in bytes.
    public var length: UInt16

    @inlinable
    public init(srcPort: UInt16, dstPort: UInt16, length: UInt16) {
        self.srcPort = srcPort
        self.dstPort = dstPort
        self.length = length
    }

    @inlinable
    public init(srcPort: UInt16, dstPort: UInt16, payloadLength: Int) {
        precondition(payloadLength >= 0 && payloadLength + Self.length <= 0xFFFF, "UDP payload too long")
        self.init(srcPort: srcPort, dstPort: dstPort, length: UInt16(payloadLength + Self.length))
    }

    @inlinable public var encodedLength: Int { Self.length }
    @inlinable public var payloadLength: Int { Int(length) - Self.length }

    @inlinable
    public func encode(into writer: inout ByteWriter) {
        writer.require(Self.length)
        writer.u16(srcPort)
        writer.u16(dstPort)
        writer.u16(length)
        writer.u16(0)
    }

    /// Checks: 8 bytes present, 8 <= length <= bytes available from the header start.
    public init(parsing reader: inout ByteReader) throws(WireError) {
        try reader.need(Self.length)
        srcPort = try reader.u16()
        dstPort = try reader.u16()
        length = try reader.u16()
        _ = try reader.u16()
        guard Int(length) >= Self.length, Int(length) - Self.length <= reader.remaining else {
            throw .badLength(Int(length))
        }
    }

    public init(parsing bytes: [UInt8]) throws(WireError) {
        self = try bytes.withByteReader { (r: inout ByteReader) throws(WireError) in try UDPHeader(parsing: &r) }
    }
}

/// The ICMPv4 header, RFC 792: type, code, checksum and the 4-byte "rest of header" (identifier
/// and sequence for echo; unused/zero for destination unreachable, except next-hop MTU for
/// code 4 per RFC 1191; unused for time exceeded). The checksum covers the whole ICMP message.
public struct ICMPv4Header: Hashable, Sendable {
    public enum Field {
        public static let type = 0
        public static let code = 1
        public static let checksum = 2
        public static let rest = 4
    }
    public enum MessageType {
        public static let echoReply: UInt8 = 0
        public static let destinationUnreachable: UInt8 = 3
        public static let echoRequest: UInt8 = 8
        public static let timeExceeded: UInt8 = 11
    }
    public static let length = 8

    public var type: UInt8
    public var code: UInt8
    public var rest: UInt32

    @inlinable
    public init(type: UInt8, code: UInt8, rest: UInt32 = 0) {
        self.type = type
        self.code = code
        self.rest = rest
    }

    /// Destination unreachable, code 4 "fragmentation needed and DF set", with the next-hop MTU
    /// in the low 16 bits of the second word (RFC 1191 §4).
    public static let fragmentationNeeded: UInt8 = 4
    public static func fragmentationNeeded(nextHopMTU: UInt16) -> ICMPv4Header {
        ICMPv4Header(type: MessageType.destinationUnreachable, code: fragmentationNeeded, rest: UInt32(nextHopMTU))
    }

    public static func echoRequest(identifier: UInt16, sequence: UInt16) -> ICMPv4Header {
        ICMPv4Header(type: MessageType.echoRequest, code: 0, rest: UInt32(identifier) << 16 | UInt32(sequence))
    }
    public static func echoReply(identifier: UInt16, sequence: UInt16) -> ICMPv4Header {
        ICMPv4Header(type: MessageType.echoReply, code: 0, rest: UInt32(identifier) << 16 | UInt32(sequence))
    }
    /// Codes: 0 net, 1 host, 3 port unreachable, 4 fragmentation needed (rest = next-hop MTU),
    /// 13 administratively prohibited (RFC 1812).
    public static func destinationUnreachable(code: UInt8, nextHopMTU: UInt16 = 0) -> ICMPv4Header {
        ICMPv4Header(type: MessageType.destinationUnreachable, code: code, rest: UInt32(nextHopMTU))
    }
    /// Code 0: TTL exceeded in transit; 1: fragment reassembly time exceeded.
    public static func timeExceeded(code: UInt8 = 0) -> ICMPv4Header {
        ICMPv4Header(type: MessageType.timeExceeded, code: code, rest: 0)
    }

    @inlinable public var identifier: UInt16 { UInt16(truncatingIfNeeded: rest >> 16) }
    @inlinable public var sequence: UInt16 { UInt16(truncatingIfNeeded: rest) }
    @inlinable public var encodedLength: Int { Self.length }

    /// Writes the header followed by `payload`, with the checksum over both.
    @inlinable
    public func encode(
        into writer: inout ByteWriter, payload: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    ) {
        writer.require(Self.length + payload.count)
        let start = writer.offset
        writer.u8(type)
        writer.u8(code)
        writer.u16(0)
        writer.u32(rest)
        writer.bytes(payload)
        Self.patchChecksum(message: writer.written(from: start))
    }

    /// Recomputes the checksum of a complete ICMP message already in memory (for callers that
    /// write the payload themselves, e.g. the quoted datagram of a time-exceeded message).
    @inlinable
    public static func patchChecksum(message: UnsafeMutableRawBufferPointer) {
        precondition(message.count >= length, "ICMP message shorter than its header")
        message.storeBytes(of: 0, toByteOffset: Field.checksum, as: UInt16.self)
        let c = InternetChecksum.finish(InternetChecksum.sum(UnsafeRawBufferPointer(message)))
        message.storeBytes(of: c.bigEndian, toByteOffset: Field.checksum, as: UInt16.self)
    }

    /// Parses a whole ICMP message (header plus everything after it in `message`) and verifies
    /// the checksum over it.
    public init(parsing message: UnsafeRawBufferPointer) throws(WireError) {
        var r = ByteReader(message)
        try r.need(Self.length)
        type = try r.u8()
        code = try r.u8()
        let found = try r.u16()
        rest = try r.u32()
        if InternetChecksum.finish(InternetChecksum.sum(message)) != 0 {
            let without = InternetChecksum.fold(UInt64(InternetChecksum.sum(message)) &+ UInt64(~found))
            throw .badChecksum(expected: InternetChecksum.finish(without), found: found)
        }
    }

    public init(parsing bytes: [UInt8]) throws(WireError) {
        let result: Result<ICMPv4Header, WireError> = bytes.withUnsafeBytes { raw in
            do throws(WireError) { return .success(try ICMPv4Header(parsing: raw)) } catch { return .failure(error) }
        }
        self = try result.get()
    }
}
