// The Internet checksum (RFC 1071) and the TCP/UDP pseudo-headers of IPv4 (RFC 793 §3.1, RFC 768)
// and IPv6 (RFC 8200 §8.1).

/// RFC 1071 ones'-complement sum.
///
/// Values called "sums" here are 16-bit ones'-complement sums of big-endian 16-bit words,
/// carried in a `UInt32` (always folded to at most 0xFFFF). Sums compose:
/// `sum(b, initial: sum(a))` equals the sum of `a` followed by `b` when `a` has even length.
public enum InternetChecksum {
    /// Sums `bytes` (an odd trailing byte is padded with a zero byte, RFC 1071 §1) and adds
    /// `initial`. Reads 8 bytes per step: the ones'-complement sum is independent of byte order
    /// (RFC 1071 §2(B)), so words are added in host order and byte-swapped once at the end.
    @inlinable
    public static func sum(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress else { return fold(UInt64(initial)) }
        var acc: UInt64 = 0
        var i = 0
        // Each step adds two 32-bit halves (< 2^33), so the accumulator cannot overflow for any
        // buffer shorter than 2^34 bytes.
        while i + 32 <= n {
            let a = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let b = base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
            let c = base.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)
            let d = base.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)
            acc &+= (a & 0xFFFF_FFFF) &+ (a >> 32) &+ (b & 0xFFFF_FFFF) &+ (b >> 32)
            acc &+= (c & 0xFFFF_FFFF) &+ (c >> 32) &+ (d & 0xFFFF_FFFF) &+ (d >> 32)
            i += 32
        }
        while i + 8 <= n {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            acc &+= (w & 0xFFFF_FFFF) &+ (w >> 32)
            i += 8
        }
        if i + 4 <= n {
            acc &+= UInt64(base.loadUnaligned(fromByteOffset: i, as: UInt32.self))
            i += 4
        }
        if i + 2 <= n {
            acc &+= UInt64(base.loadUnaligned(fromByteOffset: i, as: UInt16.self))
            i += 2
        }
        if i < n {
            // The last byte is the high-order byte of a zero-padded big-endian word; expressed in
            // host order that is this value.
            let last = UInt16(base.load(fromByteOffset: i, as: UInt8.self)) << 8
            acc &+= UInt64(UInt16(bigEndian: last))
        }
        let hostOrder = UInt16(truncatingIfNeeded: fold(acc))
        let networkOrder = UInt16(bigEndian: hostOrder) // byte swap on little-endian hosts
        return fold(UInt64(networkOrder) &+ UInt64(initial))
    }

    /// Convenience for arrays (tests, non-hot paths).
    @inlinable
    public static func sum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { sum($0, initial: initial) }
    }

    /// Folds carries into the low 16 bits (end-around carry, RFC 1071 §4.1).
    @inlinable
    public static func fold(_ value: UInt64) -> UInt32 {
        var v = value
        while v >> 16 != 0 { v = (v & 0xFFFF) &+ (v >> 16) }
        return UInt32(truncatingIfNeeded: v)
    }

    /// The checksum field value: the ones' complement of the folded sum.
    @inlinable
    public static func finish(_ sum: UInt32) -> UInt16 {
        ~UInt16(truncatingIfNeeded: fold(UInt64(sum)))
    }

    /// Sum of the TCP/UDP pseudo-header: source, destination, zero, protocol, length
    /// (RFC 793 §3.1, RFC 768). `length` is the TCP/UDP header plus payload length.
    @inlinable
    public static func pseudoHeaderSum(
        source: IPv4Address, destination: IPv4Address,
        protocol protocolNumber: UInt8, length: Int
    ) -> UInt32 {
        precondition(length >= 0 && length <= 0xFFFF, "pseudo-header length out of range")
        let s =
            UInt64(source.raw >> 16) &+ UInt64(source.raw & 0xFFFF)
            &+ UInt64(destination.raw >> 16) &+ UInt64(destination.raw & 0xFFFF)
            &+ UInt64(protocolNumber) &+ UInt64(length)
        return fold(s)
    }

    /// Sum of the IPv6 pseudo-header (RFC 8200 §8.1): source, destination, the 32-bit
    /// upper-layer packet length, three zero bytes and the Next Header value. TCP, UDP and ICMPv6
    /// (RFC 4443 §2.3) all cover it.
    @inlinable
    public static func ipv6PseudoHeaderSum(
        source: IPAddress, destination: IPAddress, protocol protocolNumber: UInt8, length: Int
    ) -> UInt32 {
        precondition(length >= 0 && length <= Int(UInt32.max), "pseudo-header length out of range")
        @inline(__always) func words(_ w: UInt64) -> UInt64 {
            (w >> 48) &+ ((w >> 32) & 0xFFFF) &+ ((w >> 16) & 0xFFFF) &+ (w & 0xFFFF)
        }
        let s =
            words(source.high) &+ words(source.low) &+ words(destination.high) &+ words(destination.low)
            &+ UInt64(length >> 16) &+ UInt64(length & 0xFFFF) &+ UInt64(protocolNumber)
        return fold(s)
    }

    /// The pseudo-header sum of either family: IPv4's (RFC 793) when both addresses are IPv4,
    /// else IPv6's (RFC 8200 §8.1).
    @inlinable
    public static func pseudoHeaderSum(
        source: IPAddress, destination: IPAddress, protocol protocolNumber: UInt8, length: Int
    ) -> UInt32 {
        if source.isIPv4 && destination.isIPv4 {
            return pseudoHeaderSum(
                source: IPv4Address(raw: source.ipv4Raw), destination: IPv4Address(raw: destination.ipv4Raw),
                protocol: protocolNumber, length: length)
        }
        return ipv6PseudoHeaderSum(source: source, destination: destination, protocol: protocolNumber, length: length)
    }
}

/// TCP and UDP checksums over pseudo-header + segment.
public enum TransportChecksum {
    /// Offset of the checksum field within a TCP header (RFC 793 §3.1).
    public static let tcpChecksumOffset = 16
    /// Offset of the checksum field within a UDP header (RFC 768).
    public static let udpChecksumOffset = 6

    /// With the transport header and payload already in `segment` (exactly the segment, no IP
    /// header), computes the checksum over pseudo-header + segment and writes it at
    /// `checksumOffset`. For UDP a computed 0 is sent as 0xFFFF (RFC 768: 0 means "none").
    @inlinable
    public static func patch(
        segment: UnsafeMutableRawBufferPointer, checksumOffset: Int,
        source: IPv4Address, destination: IPv4Address, protocolNumber: UInt8
    ) {
        precondition(checksumOffset >= 0 && checksumOffset + 2 <= segment.count, "checksum offset outside segment")
        segment.storeBytes(of: 0, toByteOffset: checksumOffset, as: UInt16.self)
        var value = compute(
            segment: UnsafeRawBufferPointer(segment), source: source,
            destination: destination, protocolNumber: protocolNumber)
        if value == 0 && protocolNumber == IPProtocol.udp { value = 0xFFFF }
        segment.storeBytes(of: value.bigEndian, toByteOffset: checksumOffset, as: UInt16.self)
    }

    /// The checksum of `segment` as it stands (the checksum field included in the sum, so call
    /// it with the field zeroed to compute, or use `verify` on a received segment).
    @inlinable
    public static func compute(
        segment: UnsafeRawBufferPointer, source: IPv4Address,
        destination: IPv4Address, protocolNumber: UInt8
    ) -> UInt16 {
        let pseudo = InternetChecksum.pseudoHeaderSum(
            source: source, destination: destination,
            protocol: protocolNumber, length: segment.count)
        return InternetChecksum.finish(InternetChecksum.sum(segment, initial: pseudo))
    }

    /// `patch` for either family (an IPv6 pseudo-header unless both addresses are IPv4). UDP over
    /// IPv6 must carry a checksum; a computed 0 is sent as 0xFFFF there too (RFC 8200 §8.1).
    @inlinable
    public static func patch(
        segment: UnsafeMutableRawBufferPointer, checksumOffset: Int,
        source: IPAddress, destination: IPAddress, protocolNumber: UInt8
    ) {
        precondition(checksumOffset >= 0 && checksumOffset + 2 <= segment.count, "checksum offset outside segment")
        segment.storeBytes(of: 0, toByteOffset: checksumOffset, as: UInt16.self)
        var value = compute(
            segment: UnsafeRawBufferPointer(segment), source: source,
            destination: destination, protocolNumber: protocolNumber)
        if value == 0 && protocolNumber == IPProtocol.udp { value = 0xFFFF }
        segment.storeBytes(of: value.bigEndian, toByteOffset: checksumOffset, as: UInt16.self)
    }

    /// `compute` for either family.
    @inlinable
    public static func compute(
        segment: UnsafeRawBufferPointer, source: IPAddress, destination: IPAddress, protocolNumber: UInt8
    ) -> UInt16 {
        let pseudo = InternetChecksum.pseudoHeaderSum(
            source: source, destination: destination, protocol: protocolNumber, length: segment.count)
        return InternetChecksum.finish(InternetChecksum.sum(segment, initial: pseudo))
    }

    /// `verify` for either family. A zero UDP checksum ("none") is accepted over IPv4 only: over
    /// IPv6 it is invalid and the datagram is discarded (RFC 8200 §8.1).
    @inlinable
    public static func verify(
        segment: UnsafeRawBufferPointer, source: IPAddress, destination: IPAddress, protocolNumber: UInt8
    ) -> Bool {
        if protocolNumber == IPProtocol.udp, segment.count >= 8,
            segment.loadUnaligned(fromByteOffset: udpChecksumOffset, as: UInt16.self) == 0
        {
            return source.isIPv4 && destination.isIPv4
        }
        return compute(segment: segment, source: source, destination: destination, protocolNumber: protocolNumber)
            == 0
    }

    /// True when the checksum field in `segment` is correct (a received segment sums to
    /// 0xFFFF including its checksum). A UDP checksum of 0 means "not computed" and is accepted.
    @inlinable
    public static func verify(
        segment: UnsafeRawBufferPointer, source: IPv4Address,
        destination: IPv4Address, protocolNumber: UInt8
    ) -> Bool {
        if protocolNumber == IPProtocol.udp, segment.count >= 8,
            segment.loadUnaligned(fromByteOffset: udpChecksumOffset, as: UInt16.self) == 0
        {
            return true
        }
        return compute(
            segment: segment, source: source, destination: destination,
            protocolNumber: protocolNumber) == 0
    }
}
