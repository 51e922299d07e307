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
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes of scratch
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
    @inlinable public mutating func ipv4(_ a: IPv4Address) {
        decimal(UInt64(a.raw >> 24)); byte(0x2E)
        decimal(UInt64((a.raw >> 16) & 0xFF)); byte(0x2E)
        decimal(UInt64((a.raw >> 8) & 0xFF)); byte(0x2E)
        decimal(UInt64(a.raw & 0xFF))
    }
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }
}

/// A UTC calendar date-time, computed from Unix seconds (Howard Hinnant's civil-from-days).
public struct UTCDateTime: Sendable, Hashable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    public init(unixSeconds t: Int64) {
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let secs = Int(t - days * 86_400)
        hour = secs / 3600; minute = secs % 3600 / 60; second = secs % 60
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = Int(doy - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
    }

    /// Unix seconds of a calendar date-time (days-from-civil).
    public static func unixSeconds(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// `yyyy-mm-ddThh:mm:ssZ`
    public var iso8601: String {
        var t = TextBuffer(capacity: 20)
        t.padded(year, width: 4); t.byte(0x2D); t.padded(month, width: 2); t.byte(0x2D); t.padded(day, width: 2)
        t.byte(0x54); t.padded(hour, width: 2); t.byte(0x3A); t.padded(minute, width: 2); t.byte(0x3A); t.padded(second, width: 2)
        t.byte(0x5A)
        return String(decoding: t.bytes, as: UTF8.self)
    }
}
