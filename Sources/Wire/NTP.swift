/// An NTPv4 packet (RFC 5905 §7.3): the 48-byte header, no extension fields or MAC.
public struct NTPPacket: Hashable, Sendable {
    public enum Mode { public static let client: UInt8 = 3, server: UInt8 = 4 }
    public static let length = 48
    /// Seconds from the NTP era (1900-01-01) to the Unix epoch.
    public static let unixEpochOffset: UInt64 = 2_208_988_800

    public var leap: UInt8 = 0
    public var version: UInt8 = 4
    public var mode: UInt8
    public var stratum: UInt8 = 0
    public var poll: Int8 = 4
    public var precision: Int8 = -25
    public var rootDelay: UInt32 = 0 // NTP short format
    public var rootDispersion: UInt32 = 0
    public var referenceID: UInt32 = 0
    public var reference: UInt64 = 0 // NTP timestamps (32.32 fixed point)
    public var origin: UInt64 = 0
    public var receive: UInt64 = 0
    public var transmit: UInt64 = 0

    public init(mode: UInt8) { self.mode = mode }

    /// An NTP timestamp from Unix nanoseconds.
    public static func timestamp(unixNanoseconds t: Int64) -> UInt64 {
        let seconds = UInt64(t / 1_000_000_000) + unixEpochOffset
        let fraction = (UInt64(t % 1_000_000_000) << 32) / 1_000_000_000
        return seconds << 32 | fraction
    }

    public func encode(into w: inout ByteWriter) {
        w.require(Self.length)
        w.u8(leap << 6 | (version & 7) << 3 | (mode & 7))
        w.u8(stratum)
        w.u8(UInt8(bitPattern: poll))
        w.u8(UInt8(bitPattern: precision))
        w.u32(rootDelay)
        w.u32(rootDispersion)
        w.u32(referenceID)
        for ts in [reference, origin, receive, transmit] {
            w.u32(UInt32(truncatingIfNeeded: ts >> 32))
            w.u32(UInt32(truncatingIfNeeded: ts))
        }
    }

    public init(parsing bytes: [UInt8]) throws(WireError) {
        self = try bytes.withByteReader { (r: inout ByteReader) throws(WireError) in try NTPPacket(parsing: &r) }
    }

    public init(parsing r: inout ByteReader) throws(WireError) {
        let first = try r.u8()
        self.init(mode: first & 7)
        leap = first >> 6
        version = (first >> 3) & 7
        stratum = try r.u8()
        poll = Int8(bitPattern: try r.u8())
        precision = Int8(bitPattern: try r.u8())
        rootDelay = try r.u32()
        rootDispersion = try r.u32()
        referenceID = try r.u32()
        func ts() throws(WireError) -> UInt64 { UInt64(try r.u32()) << 32 | UInt64(try r.u32()) }
        reference = try ts()
        origin = try ts()
        receive = try ts()
        transmit = try ts()
    }
}
