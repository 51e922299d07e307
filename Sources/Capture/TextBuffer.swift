import SimCore
import Wire

/// Appends ASCII text to a byte buffer without Foundation: the flow-log formatter's tool.
public struct TextBuffer: Sendable {
    public var bytes: [UInt8] = []
    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    @inlinable public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }
    @inlinable public mutating func append(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    @inlinable public mutating func byte(_ c: UInt8) { bytes.append(c) }
    @inlinable public mutating func space() { bytes.append(0x20) }
    @inlinable public mutating func dash() { bytes.append(0x2D) }
    @inlinable public mutating func newline() { bytes.append(0x0A) }

    /// Decimal digits of a non-negative integer.
    @inlinable public mutating func decimal(_ value: UInt64) {
        if value < 10 { bytes.append(0x30 &+ UInt8(value)); return }
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes of scratch
        let n = withUnsafeMutableBytes(of: &tmp) { buf -> Int in
            var v = value
            var i = 24
            while v > 0 {
                i -= 1
                buf[i] = 0x30 &+ UInt8(v % 10)
                v /= 10
            }
            bytes.append(contentsOf: buf[i..<24])
            return 24 - i
        }
        _ = n
    }
    @inlinable public mutating func decimal(_ value: Int) {
        if value < 0 { bytes.append(0x2D); decimal(UInt64(-value)) } else { decimal(UInt64(value)) }
    }
    /// Zero-padded decimal of fixed width.
    @inlinable public mutating func padded(_ value: Int, width: Int) {
        var digits = [UInt8](repeating: 0x30, count: width)
        var v = value
        var i = width - 1
        while v > 0 && i >= 0 { digits[i] = 0x30 &+ UInt8(v % 10); v /= 10; i -= 1 }
        bytes.append(contentsOf: digits)
    }
    /// A dotted quad, or RFC 5952 text for an IPv6 address.
    @inlinable public mutating func ip(_ a: IPAddress) {
        guard a.isIPv4 else {
            var scratch: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0) // 40 bytes ≥ 39
            withUnsafeMutableBytes(of: &scratch) { buf in
                let p = buf.baseAddress!.assumingMemoryBound(to: UInt8.self)
                bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: a.writeIPv6(into: p)))
            }
            return
        }
        let raw = a.ipv4Raw
        decimal(UInt64(raw >> 24)); byte(0x2E)
        decimal(UInt64((raw >> 16) & 0xFF)); byte(0x2E)
        decimal(UInt64((raw >> 8) & 0xFF)); byte(0x2E)
        decimal(UInt64(raw & 0xFF))
    }
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }
}

extension UTCDateTime {
    /// `yyyy-mm-ddThh:mm:ssZ`
    public var iso8601: String {
        var t = TextBuffer(capacity: 20)
        t.padded(year, width: 4); t.byte(0x2D); t.padded(month, width: 2); t.byte(0x2D); t.padded(day, width: 2)
        t.byte(0x54); t.padded(hour, width: 2); t.byte(0x3A); t.padded(minute, width: 2); t.byte(0x3A);
        t.padded(second, width: 2)
        t.byte(0x5A)
        return String(decoding: t.bytes, as: UTF8.self)
    }
}
