// IPv4 addresses as the IPv4 wire format carries them (RFC 791), Ethernet MAC (IEEE 802), and the
// protocol numbers and EtherTypes of the headers Wire encodes. The address type of the model, for
// both families, is `IPAddress` (IPAddress.swift); prefixes are `CIDR` (CIDR.swift).

/// An IPv4 address held as a host-order integer: a.b.c.d == a<<24 | b<<16 | c<<8 | d.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var raw: UInt32

    @inlinable public init(raw: UInt32) { self.raw = raw }

    @inlinable
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        raw = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    public static let any = IPv4Address(raw: 0)
    public static let broadcast = IPv4Address(raw: 0xFFFF_FFFF)

    /// The four octets, most significant first.
    @inlinable
    public var octets: (UInt8, UInt8, UInt8, UInt8) {
        (
            UInt8(truncatingIfNeeded: raw >> 24), UInt8(truncatingIfNeeded: raw >> 16),
            UInt8(truncatingIfNeeded: raw >> 8), UInt8(truncatingIfNeeded: raw)
        )
    }

    /// Strict dotted-quad parser: exactly four decimal parts 0...255 separated by single dots,
    /// digits only (no sign, spaces or hex), and no leading zero unless the part is "0".
    public init?(_ text: some StringProtocol) {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var leadingZero = false
        var parts = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits == 1 && leadingZero { return nil } // "01"
                if digits == 0 && byte == UInt8(ascii: "0") { leadingZero = true }
                part = part * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                if part > 255 || digits > 3 { return nil }
            case UInt8(ascii: "."):
                if digits == 0 || parts == 3 { return nil }
                value = value << 8 | part
                parts += 1
                part = 0; digits = 0; leadingZero = false
            default:
                return nil
            }
        }
        guard parts == 3, digits > 0 else { return nil }
        raw = value << 8 | part
    }

    @inlinable
    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.raw < rhs.raw }

    /// "10.0.1.25". Built in a stack buffer; results are at most 15 UTF-8 bytes, which Swift
    /// stores inline (small-string form), so this does not allocate.
    public var description: String {
        String(unsafeUninitializedCapacity: 15) { out in
            var n = 0
            for shift in stride(from: 24, through: 0, by: -8) {
                let v = UInt8(truncatingIfNeeded: raw >> UInt32(shift))
                if v >= 100 { out[n] = 0x30 + v / 100; n += 1 }
                if v >= 10 { out[n] = 0x30 + (v / 10) % 10; n += 1 }
                out[n] = 0x30 + v % 10; n += 1
                if shift != 0 { out[n] = UInt8(ascii: "."); n += 1 }
            }
            return n
        }
    }

    public func write(to stream: inout some TextOutputStream) {
        stream.write(description)
    }

    /// Big-endian encoding (4 bytes), RFC 791 §3.1.
    @inlinable public func encode(into writer: inout ByteWriter) { writer.u32(raw) }
}

/// An IEEE 802 MAC address in the low 48 bits of `raw` (first octet most significant).
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var raw: UInt64

    @inlinable
    public init(raw: UInt64) {
        precondition(raw >> 48 == 0, "MAC address wider than 48 bits")
        self.raw = raw
    }

    @inlinable
    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8, _ b5: UInt8) {
        raw = UInt64(b0) << 40 | UInt64(b1) << 32 | UInt64(b2) << 24 | UInt64(b3) << 16 | UInt64(b4) << 8 | UInt64(b5)
    }

    public static let broadcast = MACAddress(raw: 0xFFFF_FFFF_FFFF)
    public static let zero = MACAddress(raw: 0)

    /// Six octets on the wire, first octet first.
    @inlinable
    public func encode(into writer: inout ByteWriter) {
        writer.u16(UInt16(truncatingIfNeeded: raw >> 32))
        writer.u32(UInt32(truncatingIfNeeded: raw))
    }

    @inlinable
    public init(parsing reader: inout ByteReader) throws(WireError) {
        let hi = UInt64(try reader.u16())
        let lo = UInt64(try reader.u32())
        raw = hi << 32 | lo
    }

    /// "02:00:0a:00:01:19" (lower-case hex).
    public var description: String {
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 17) { out in
            hex.withUTF8Buffer { digits in
                for i in 0..<6 {
                    let b = Int(truncatingIfNeeded: raw >> UInt64(40 - 8 * i)) & 0xFF
                    out[i * 3] = digits[b >> 4]
                    out[i * 3 + 1] = digits[b & 0xF]
                    if i < 5 { out[i * 3 + 2] = UInt8(ascii: ":") }
                }
            }
            return 17
        }
    }
}

/// IANA protocol numbers carried in the IPv4 Protocol and IPv6 Next Header fields (IANA
/// "Assigned Internet Protocol Numbers").
public enum IPProtocol {
    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    /// ICMP for IPv6 (RFC 4443 §1).
    public static let icmpv6: UInt8 = 58
    /// IPv6 "No Next Header" (RFC 8200 §4.7).
    public static let noNextHeader: UInt8 = 59
}

/// IEEE 802.3 EtherType values.
public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let arp: UInt16 = 0x0806
    /// IPv6 over Ethernet (RFC 2464 §3).
    public static let ipv6: UInt16 = 0x86DD
}
