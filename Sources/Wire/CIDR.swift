// Address prefixes of both families: IPv4 CIDR blocks (RFC 4632) and IPv6 prefixes (RFC 4291 §2.3).

/// An IPv4 or IPv6 prefix. `base` is canonical (its host bits are zero) and its family is the
/// prefix's; `prefixLength` counts in the family's own bits (0…32 for IPv4, 0…128 for IPv6).
///
/// An IPv4 prefix contains only IPv4 addresses and an IPv6 prefix only IPv6 addresses, even where
/// the bits would say otherwise (`::/0` does not contain 10.0.0.1): AWS evaluates the two families
/// separately (`0.0.0.0/0` does not cover IPv6 traffic, which needs `::/0`; VPC user guide, "Route
/// priority").
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public private(set) var base: IPAddress
    public private(set) var prefixLength: Int

    /// Builds the prefix containing `base`, clearing host bits (AWS accepts "10.0.0.5/16" and
    /// stores "10.0.0.0/16"). The family is `base`'s.
    public init(base: IPAddress, prefixLength: Int) {
        let width = base.family.bitWidth
        precondition((0...width).contains(prefixLength), "prefix length \(prefixLength) outside 0...\(width)")
        self.prefixLength = prefixLength
        let (mh, ml) = Self.mask(totalBits: base.isIPv4 ? 96 + prefixLength : prefixLength)
        self.base = IPAddress(high: base.high & mh, low: base.low & ml)
    }

    /// A prefix whose `base` is already canonical (no host bits): compiled route tables rebuild
    /// the prefix a lookup matched without masking again.
    public init(canonicalBase base: IPAddress, prefixLength: Int) {
        self.base = base
        self.prefixLength = prefixLength
    }

    /// An IPv4 prefix (a convenience for the 32-bit wire type).
    public init(base: IPv4Address, prefixLength: Int) { self.init(base: IPAddress(base), prefixLength: prefixLength) }

    @inlinable public var family: IPFamily { base.family }
    @inlinable public var isIPv4: Bool { base.isIPv4 }

    /// The 128-bit mask of the first `totalBits` bits.
    @inlinable @inline(__always)
    static func mask(totalBits n: Int) -> (UInt64, UInt64) {
        if n <= 0 { return (0, 0) }
        if n <= 64 { return (~UInt64(0) << UInt64(64 - n), 0) }
        if n >= 128 { return (~0, ~0) }
        return (~0, ~UInt64(0) << UInt64(128 - n))
    }

    /// This prefix's mask over the 128-bit form (an IPv4 prefix also fixes the mapped bits).
    @inlinable @inline(__always) public var mask128: (high: UInt64, low: UInt64) {
        Self.mask(totalBits: isIPv4 ? 96 + prefixLength : prefixLength)
    }

    /// The IPv4 netmask (e.g. 0xFFFF_FF00 for a /24). IPv4 prefixes only.
    @inlinable public var ipv4Netmask: UInt32 {
        precondition(isIPv4, "ipv4Netmask of an IPv6 prefix")
        return prefixLength == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefixLength)
    }

    /// "a.b.c.d/n" or an IPv6 prefix "2001:db8::/56"; nil when malformed. Host bits are cleared.
    public init?(_ text: some StringProtocol) {
        guard let parsed = CIDR.parse(text) else { return nil }
        self = parsed.cidr
    }

    /// Parses "address/n" — a strict dotted quad with n = 0…32, or an IPv6 address
    /// (``IPAddress/init(_:)``) with n = 0…128, n in decimal without leading zeros — and says
    /// whether the text was already canonical (no host bits set). IPv6 text that spells an
    /// IPv4-mapped address is refused: an IPv4 prefix is written as one.
    public static func parse(_ text: some StringProtocol) -> (cidr: CIDR, wasCanonical: Bool)? {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let addressText = text[text.startIndex..<slash]
        guard let address = IPAddress(addressText) else { return nil }
        let textIsIPv6 = addressText.utf8.contains(UInt8(ascii: ":"))
        if textIsIPv6 && address.isIPv4 { return nil }
        let width = address.family.bitWidth
        let prefixText = text[text.index(after: slash)...]
        var prefix = 0
        var digits = 0
        for byte in prefixText.utf8 {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            if digits == 1 && prefix == 0 { return nil } // leading zero
            prefix = prefix * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
            if prefix > width { return nil }
        }
        guard digits > 0 else { return nil }
        let cidr = CIDR(base: address, prefixLength: prefix)
        return (cidr, cidr.base == address)
    }

    @inlinable public var first: IPAddress { base }
    @inlinable public var last: IPAddress {
        let (mh, ml) = mask128
        return IPAddress(high: base.high | ~mh, low: base.low | ~ml)
    }
    /// Number of addresses: 1 … 2^32 for IPv4; for IPv6, saturating at `UInt64.max` (a /64 or
    /// shorter holds more than a UInt64 can count).
    @inlinable @inline(__always) public var size: UInt64 {
        let hostBits = family.bitWidth - prefixLength
        return hostBits >= 64 ? .max : UInt64(1) << UInt64(hostBits)
    }

    /// Whether `address` is in the prefix. For an IPv4 prefix the mask covers the mapped bits too,
    /// so one masked compare per word decides; an IPv6 prefix refuses IPv4 addresses explicitly.
    @inlinable @inline(__always)
    public func contains(_ address: IPAddress) -> Bool {
        let (mh, ml) = mask128
        return address.high & mh == base.high && address.low & ml == base.low && (isIPv4 || !address.isIPv4)
    }

    @inlinable
    public func contains(_ other: CIDR) -> Bool {
        other.family == family && other.prefixLength >= prefixLength && contains(other.base)
    }

    @inlinable
    public func overlaps(_ other: CIDR) -> Bool { contains(other.base) || other.contains(base) }

    /// `base + offset`, e.g. `vpc.address(at: 2)` is the Amazon-provided DNS resolver.
    @inlinable @inline(__always)
    public func address(at offset: UInt64) -> IPAddress {
        precondition(offset < size, "offset \(offset) outside /\(prefixLength)")
        return base.adding(offset)
    }

    /// How far `address` is from `base` (its low 64 bits' difference): the inverse of `address(at:)`
    /// for addresses within the prefix's last 64 bits.
    @inlinable
    public func offset(of address: IPAddress) -> UInt64 { address.low &- base.low }

    public var description: String { "\(base)/\(prefixLength)" }
}
