// Ethernet II framing (IEEE 802.3 / RFC 894) and the IPv4 header (RFC 791).

/// An Ethernet II header: destination, source, EtherType (RFC 894). No FCS: pcap link type 1
/// frames carry none.
public struct EthernetHeader: Hashable, Sendable {
    public enum Field {
        public static let destination = 0
        public static let source = 6
        public static let etherType = 12
    }
    public static let length = 14

    public var destination: MACAddress
    public var source: MACAddress
    public var etherType: UInt16

    @inlinable
    public init(destination: MACAddress, source: MACAddress, etherType: UInt16 = EtherType.ipv4) {
        self.destination = destination
        self.source = source
        self.etherType = etherType
    }

    @inlinable public var encodedLength: Int { Self.length }

    @inlinable
    public func encode(into writer: inout ByteWriter) {
        writer.require(Self.length)
        destination.encode(into: &writer)
        source.encode(into: &writer)
        writer.u16(etherType)
    }

    @inlinable
    public init(parsing reader: inout ByteReader) throws(WireError) {
        try reader.need(Self.length)
        destination = try MACAddress(parsing: &reader)
        source = try MACAddress(parsing: &reader)
        etherType = try reader.u16()
    }

    public init(parsing bytes: [UInt8]) throws(WireError) {
        self = try bytes.withByteReader { (r: inout ByteReader) throws(WireError) in try EthernetHeader(parsing: &r) }
    }
}

/// The IPv4 header without options (IHL 5), RFC 791 §3.1. `encode` computes the header
/// checksum; `init(parsing:)` validates version, IHL, total length and checksum in that order
/// and throws the first failure.
public struct IPv4Header: Hashable, Sendable {
    public enum Field {
        public static let versionIHL = 0
        public static let dscpECN = 1
        public static let totalLength = 2
        public static let identification = 4
        public static let flagsFragment = 6
        public static let ttl = 8
        public static let protocolNumber = 9
        public static let checksum = 10
        public static let source = 12
        public static let destination = 16
    }
    /// Header length written by `encode` (no options).
    public static let length = 20
    public static let dontFragmentBit: UInt16 = 0x4000
    public static let moreFragmentsBit: UInt16 = 0x2000

    public var dscpECN: UInt8
    /// Header plus payload, in bytes.
    public var totalLength: UInt16
    public var identification: UInt16
    public var dontFragment: Bool
    public var moreFragments: Bool
    /// In units of 8 bytes (13 bits).
    public var fragmentOffset: UInt16
    public var ttl: UInt8
    public var protocolNumber: UInt8
    public var source: IPv4Address
    public var destination: IPv4Address

    @inlinable
    public init(
        dscpECN: UInt8 = 0, totalLength: UInt16, identification: UInt16 = 0,
        dontFragment: Bool = true, moreFragments: Bool = false, fragmentOffset: UInt16 = 0,
        ttl: UInt8 = 64, protocolNumber: UInt8, source: IPv4Address, destination: IPv4Address
    ) {
        self.dscpECN = dscpECN
        self.totalLength = totalLength
        self.identification = identification
        self.dontFragment = dontFragment
        self.moreFragments = moreFragments
        self.fragmentOffset = fragmentOffset
        self.ttl = ttl
        self.protocolNumber = protocolNumber
        self.source = source
        self.destination = destination
    }

    /// Convenience: total length from the payload length.
    @inlinable
    public init(
        payloadLength: Int, identification: UInt16 = 0, ttl: UInt8 = 64,
        protocolNumber: UInt8, source: IPv4Address, destination: IPv4Address
    ) {
        precondition(payloadLength >= 0 && payloadLength + Self.length <= 0xFFFF, "IPv4 payload too long")
        self.init(
            totalLength: UInt16(payloadLength + Self.length), identification: identification,
            ttl: ttl, protocolNumber: protocolNumber, source: source, destination: destination)
    }

    @inlinable public var encodedLength: Int { Self.length }
    @inlinable public var payloadLength: Int { Int(totalLength) - Self.length }

    @inlinable
    public var flagsFragmentWord: UInt16 {
        precondition(fragmentOffset < 0x2000, "fragment offset exceeds 13 bits")
        return (dontFragment ? Self.dontFragmentBit : 0) | (moreFragments ? Self.moreFragmentsBit : 0) | fragmentOffset
    }

    /// Writes the 20-byte header including a correct header checksum.
    @inlinable
    public func encode(into writer: inout ByteWriter) {
        writer.require(Self.length)
        let start = writer.offset
        writer.u8(0x45)
        writer.u8(dscpECN)
        writer.u16(totalLength)
        writer.u16(identification)
        writer.u16(flagsFragmentWord)
        writer.u8(ttl)
        writer.u8(protocolNumber)
        writer.u16(0)
        writer.u32(source.raw)
        writer.u32(destination.raw)
        let header = UnsafeRawBufferPointer(writer.written(from: start))
        writer.patch16(at: start + Field.checksum, InternetChecksum.finish(InternetChecksum.sum(header)))
    }

    /// Parses and validates a header at the reader's position. On success the reader is left
    /// after the header (options, if any, are skipped). The checks are: version == 4, IHL >= 5
    /// and within the input, total length >= IHL*4 and within the input, header checksum.
    @inlinable
    public init(parsing reader: inout ByteReader) throws(WireError) {
        let start = reader.offset
        try reader.need(Self.length)
        let versionIHL = try reader.u8()
        guard versionIHL >> 4 == 4 else { throw .badVersion(versionIHL >> 4) }
        let headerLength = Int(versionIHL & 0x0F) * 4
        guard headerLength >= Self.length, headerLength <= reader.buffer.count - start else {
            throw .badHeaderLength(headerLength)
        }
        dscpECN = try reader.u8()
        totalLength = try reader.u16()
        guard Int(totalLength) >= headerLength, Int(totalLength) <= reader.buffer.count - start else {
            throw .badLength(Int(totalLength))
        }
        identification = try reader.u16()
        let word = try reader.u16()
        dontFragment = word & Self.dontFragmentBit != 0
        moreFragments = word & Self.moreFragmentsBit != 0
        guard word & 0x8000 == 0 else { throw .malformed("IPv4 reserved flag set") }
        fragmentOffset = word & 0x1FFF
        ttl = try reader.u8()
        protocolNumber = try reader.u8()
        let found = try reader.u16()
        source = IPv4Address(raw: try reader.u32())
        destination = IPv4Address(raw: try reader.u32())
        try reader.skip(headerLength - Self.length)
        let header = UnsafeRawBufferPointer(rebasing: reader.buffer[start..<start + headerLength])
        if InternetChecksum.finish(InternetChecksum.sum(header)) != 0 {
            // Recompute with the field treated as zero to report the expected value.
            let withoutField = InternetChecksum.sum(header) &+ UInt32(~found)
            throw .badChecksum(
                expected: InternetChecksum.finish(InternetChecksum.fold(UInt64(withoutField))), found: found)
        }
    }

    public init(parsing bytes: [UInt8]) throws(WireError) {
        self = try bytes.withByteReader { (r: inout ByteReader) throws(WireError) in try IPv4Header(parsing: &r) }
    }
}
