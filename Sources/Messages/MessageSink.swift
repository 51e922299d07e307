import CZlib
import SimCore

/// Where a message's layout goes: counted (for its length, in the model) or written (its bytes,
/// in a capture). One layout function per message writes to either, so a message's length is,
/// by construction, the number of bytes its encoding writes — as Wire's ClientHello does.
public protocol MessageSink {
    mutating func byte(_ b: UInt8)
    mutating func bytes<C: Collection>(_ b: C) where C.Element == UInt8
    mutating func utf8(_ s: String)
    /// `count` bytes whose values the layout does not need when only counting (a signature, a
    /// proof): `fill` is called only by sinks that keep bytes.
    mutating func computed(_ count: Int, _ fill: () -> [UInt8])
    /// `n` lowercase letters drawn from `seed` (filler): byte `i` is 'a' + (byte `i % 8` of
    /// SplitMix64's value `i / 8`) mod 26. Counting sinks add `n` without drawing.
    mutating func letters(_ n: Int, seed: UInt64)
}

extension MessageSink {
    public mutating func letters(_ n: Int, seed: UInt64) {
        var word: UInt64 = 0
        for i in 0..<n {
            if i & 7 == 0 { word = SplitMix64.value(seed: seed, index: UInt64(i >> 3)) }
            byte(UInt8(ascii: "a") + UInt8(truncatingIfNeeded: word >> UInt64(8 * (i & 7))) % 26)
        }
    }

    /// `v` in decimal.
    public mutating func decimal<I: BinaryInteger>(_ v: I) {
        var x = UInt64(v)
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
                n += 1
            } while x > 0
            for k in stride(from: n - 1, through: 0, by: -1) { byte(d[k]) }
        }
    }

    /// `v` in decimal, zero-padded to `width` digits.
    public mutating func decimal<I: BinaryInteger>(_ v: I, width: Int) {
        var p = 1
        for _ in 1..<max(width, 1) { p *= 10 }
        var x = Int(v)
        while p > 0 {
            byte(UInt8(ascii: "0") + UInt8(x / p % 10))
            x %= p
            p /= 10
        }
    }

    /// `count` lowercase hexadecimal digits of `v`, most significant first.
    public mutating func hex(_ v: UInt64, digits count: Int) {
        for k in stride(from: count - 1, through: 0, by: -1) {
            byte(Self.hexDigit(UInt8(truncatingIfNeeded: v >> UInt64(4 * k)) & 0xF))
        }
    }

    public mutating func crlf() {
        byte(13)
        byte(10)
    }

    static func hexDigit(_ d: UInt8) -> UInt8 { d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") + d - 10 }
}

/// Counts bytes.
public struct CountingSink: MessageSink {
    public var count = 0
    public init() {}
    public mutating func byte(_ b: UInt8) { count += 1 }
    public mutating func bytes<C: Collection>(_ b: C) where C.Element == UInt8 { count += b.count }
    public mutating func utf8(_ s: String) { count += s.utf8.count }
    public mutating func computed(_ count: Int, _ fill: () -> [UInt8]) { self.count += count }
    public mutating func letters(_ n: Int, seed: UInt64) { count += n }
}

/// Keeps bytes.
public struct ByteSink: MessageSink {
    public var bytes: [UInt8]
    public init(reserving n: Int = 0) {
        bytes = []
        bytes.reserveCapacity(n)
    }
    public mutating func byte(_ b: UInt8) { bytes.append(b) }
    public mutating func bytes<C: Collection>(_ b: C) where C.Element == UInt8 { bytes.append(contentsOf: b) }
    public mutating func utf8(_ s: String) { bytes.append(contentsOf: s.utf8) }
    public mutating func computed(_ count: Int, _ fill: () -> [UInt8]) {
        let b = fill()
        precondition(b.count == count, "a computed field is \(b.count) bytes, its layout says \(count)")
        bytes.append(contentsOf: b)
    }
}

/// Counts bytes and keeps their CRC-32 (ISO-HDLC, zlib's `crc32`), for a body whose checksum a
/// header carries (DynamoDB's `x-amz-crc32`). Bytes go through a 64-byte buffer inside the
/// value, so a body is checksummed without being kept or allocated.
public struct CRC32Sink: MessageSink {
    public var count = 0
    var crc: UInt = 0
    var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    var used = 0
    public init() {}

    public mutating func byte(_ b: UInt8) {
        withUnsafeMutableBytes(of: &buffer) { $0[used] = b }
        used += 1
        count += 1
        if used == 64 { flush() }
    }
    public mutating func bytes<C: Collection>(_ b: C) where C.Element == UInt8 {
        for x in b { byte(x) }
    }
    public mutating func utf8(_ s: String) { bytes(s.utf8) }
    public mutating func computed(_ count: Int, _ fill: () -> [UInt8]) { bytes(fill()) }

    mutating func flush() {
        guard used > 0 else { return }
        let n = used
        crc = withUnsafeBytes(of: &buffer) { b in
            CZlib.crc32(crc, b.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt32(n))
        }
        used = 0
    }

    /// The CRC-32 of everything written.
    public mutating func value() -> UInt32 {
        flush()
        return UInt32(truncatingIfNeeded: crc)
    }
}
