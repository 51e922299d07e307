// The IPv6 header (RFC 8200 §3) and the multicast addresses neighbor discovery sends to.

/// The IPv6 fixed header, RFC 8200 §3: 40 bytes, no checksum. Extension headers are not modelled
/// (`nextHeader` names the upper layer directly).
///
/// `init(parsing:)` checks, in order: 40 bytes present, version 6, and Payload Length within the
/// input; it leaves the reader after the fixed header.
public struct IPv6Header: Hashable, Sendable {
    public enum Field {
        /// Version (4 bits), Traffic Class (8), Flow Label (20).
        public static let versionClassLabel = 0
        public static let payloadLength = 4
        public static let nextHeader = 6
        public static let hopLimit = 7
        public static let source = 8
        public static let destination = 24
    }
    public static let length = 40

    public var trafficClass: UInt8
    /// 20 bits (RFC 6437). Linux sets a hash of the flow here by default (`auto_flowlabels`).
    public var flowLabel: UInt32
    /// Bytes after the fixed header (extension headers and the upper-layer packet), RFC 8200 §3.
    public var payloadLength: UInt16
    /// The upper-layer protocol (``IPProtocol``), the same numbers as IPv4's Protocol field.
    public var nextHeader: UInt8
    public var hopLimit: UInt8
    public var source: IPAddress
    public var destination: IPAddress

    @inlinable
    public init(
        trafficClass: UInt8 = 0, flowLabel: UInt32 = 0, payloadLength: UInt16, nextHeader: UInt8,
        hopLimit: UInt8 = 64, source: IPAddress, destination: IPAddress
    ) {
        precondition(flowLabel < 1 << 20, "flow label exceeds 20 bits")
        self.trafficClass = trafficClass
        self.flowLabel = flowLabel
        self.payloadLength = payloadLength
        self.nextHeader = nextHeader
        self.hopLimit = hopLimit
        self.source = source
        self.destination = destination
    }

    @inlinable public var encodedLength: Int { Self.length }
    /// The whole packet: what flow logs count as `bytes` for IPv6 (40 + Payload Length).
    @inlinable public var totalLength: Int { Self.length + Int(payloadLength) }

    @inlinable
    public func encode(into writer: inout ByteWriter) {
        writer.require(Self.length)
        writer.u32(6 << 28 | UInt32(trafficClass) << 20 | flowLabel)
        writer.u16(payloadLength)
        writer.u8(nextHeader)
        writer.u8(hopLimit)
        source.encode(into: &writer)
        destination.encode(into: &writer)
    }

    @inlinable
    public init(parsing reader: inout ByteReader) throws(WireError) {
        try reader.need(Self.length)
        let word = try reader.u32()
        guard word >> 28 == 6 else { throw .badVersion(UInt8(truncatingIfNeeded: word >> 28)) }
        trafficClass = UInt8(truncatingIfNeeded: word >> 20)
        flowLabel = word & 0xF_FFFF
        payloadLength = try reader.u16()
        nextHeader = try reader.u8()
        hopLimit = try reader.u8()
        source = try IPAddress(parsing: &reader)
        destination = try IPAddress(parsing: &reader)
        guard Int(payloadLength) <= reader.remaining else { throw .badLength(Int(payloadLength)) }
    }

    public init(parsing bytes: [UInt8]) throws(WireError) {
        self = try bytes.withByteReader { (r: inout ByteReader) throws(WireError) in try IPv6Header(parsing: &r) }
    }
}

extension IPAddress {
    /// Whether this is an IPv6 multicast address (`ff00::/8`, RFC 4291 §2.7).
    @inlinable public var isMulticast: Bool { !isIPv4 && high >> 56 == 0xFF }

    /// The solicited-node multicast address of this IPv6 address, `ff02::1:ff00:0/104` plus its low
    /// 24 bits (RFC 4291 §2.7.1): where a Neighbor Solicitation for it is sent (RFC 4861 §7.2.2).
    @inlinable public var solicitedNodeMulticast: IPAddress {
        IPAddress(high: 0xFF02_0000_0000_0000, low: 0x0000_0001_FF00_0000 | (low & 0xFF_FFFF))
    }

    /// `ff02::1`, all nodes on the link (RFC 4291 §2.7.1).
    public static let allNodes = IPAddress(ipv6: 0xFF02, 0, 0, 0, 0, 0, 0, 1)
}

extension MACAddress {
    /// The Ethernet address an IPv6 multicast packet goes to: 33:33 and the address's last four
    /// bytes (RFC 2464 §7).
    @inlinable public init(ipv6Multicast a: IPAddress) {
        self.init(raw: 0x3333_0000_0000 | (a.low & 0xFFFF_FFFF))
    }
}
