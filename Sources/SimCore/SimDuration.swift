// SimDuration: a span of simulated time, integer nanoseconds, with a human-friendly text form.

/// A span of simulated time: whole nanoseconds, possibly negative. Arithmetic saturates at
/// ±(2⁶³ − 1) ns (about ±292 years) instead of trapping.
///
/// The text form (`description`, `init(parsing:)`) uses the units `d`, `h`, `m` (minutes), `s`,
/// `ms`, `us` and `ns`, so `"90s"`, `"250ms"`, `"1.5s"` and `"2h30m"` all read naturally in
/// topology and experiment files. Printing then parsing gives back the same value exactly.
public struct SimDuration: Comparable, Hashable, Sendable, AdditiveArithmetic, CustomStringConvertible {
    /// Length in nanoseconds.
    public var nanoseconds: Int64

    /// Creates a duration of `nanoseconds`.
    @inlinable
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The empty duration.
    public static let zero = SimDuration(nanoseconds: 0)

    /// `n` nanoseconds.
    @inlinable
    public static func nanoseconds(_ n: Int64) -> SimDuration { SimDuration(nanoseconds: n) }

    /// `n` microseconds, saturating.
    @inlinable
    public static func microseconds(_ n: Int64) -> SimDuration {
        SimDuration(nanoseconds: Saturating.multiply(n, 1_000))
    }

    /// `n` milliseconds, saturating.
    @inlinable
    public static func milliseconds(_ n: Int64) -> SimDuration {
        SimDuration(nanoseconds: Saturating.multiply(n, 1_000_000))
    }

    /// `n` seconds, saturating.
    @inlinable
    public static func seconds(_ n: Int64) -> SimDuration {
        SimDuration(nanoseconds: Saturating.multiply(n, 1_000_000_000))
    }

    /// `seconds` seconds, rounded to the nearest nanosecond (ties away from zero); values beyond
    /// the representable range (infinities included) saturate. Precondition: not NaN.
    @inlinable
    public init(seconds: Double) {
        let ns = seconds * 1e9
        precondition(!ns.isNaN, "SimDuration(seconds:): NaN")
        if ns >= 0x1p63 {
            self.nanoseconds = .max
        } else if ns < -0x1p63 {
            self.nanoseconds = .min
        } else {
            self.nanoseconds = DeterministicMath.roundedToInt64(ns)
        }
    }

    /// Orders durations by length.
    @inlinable
    public static func < (l: SimDuration, r: SimDuration) -> Bool { l.nanoseconds < r.nanoseconds }

    /// The sum of two durations, saturating.
    @inlinable
    public static func + (l: SimDuration, r: SimDuration) -> SimDuration {
        SimDuration(nanoseconds: Saturating.add(l.nanoseconds, r.nanoseconds))
    }

    /// The difference of two durations, saturating.
    @inlinable
    public static func - (l: SimDuration, r: SimDuration) -> SimDuration {
        SimDuration(nanoseconds: Saturating.subtract(l.nanoseconds, r.nanoseconds))
    }

    /// `l` repeated `r` times, saturating.
    @inlinable
    public static func * (l: SimDuration, r: Int64) -> SimDuration {
        SimDuration(nanoseconds: Saturating.multiply(l.nanoseconds, r))
    }

    /// Length in seconds, as a `Double`. For reporting and for feeding distributions only.
    @inlinable
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    // MARK: Text form

    /// Units in decreasing size: suffix, nanoseconds per unit.
    @usableFromInline
    static let units: [(suffix: String, nanoseconds: UInt64)] = [
        ("d", 86_400_000_000_000), ("h", 3_600_000_000_000), ("m", 60_000_000_000),
        ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000), ("ns", 1),
    ]

    /// Parses a duration such as `"90s"`, `"10m"`, `"1h"`, `"250ms"`, `"40us"` (or `"40µs"`),
    /// `"15ns"`, `"1.5s"`, `"2h30m"` or `"1d"`; returns nil if `text` is malformed or the value
    /// does not fit in `Int64` nanoseconds.
    ///
    /// Grammar: an optional `-`, then either `0` alone or one or more components
    /// `digits[.digits]unit`, whose units strictly decrease (`"2h30m"` is fine, `"30m2h"` and
    /// `"1s1s"` are not). No spaces, no exponent, at most 18 fractional digits per component.
    /// A fractional value finer than a nanosecond is rounded to the nearest nanosecond (ties up).
    /// - Complexity: O(n) in the length of `text`.
    public init?(parsing text: String) {
        let bytes = Array(text.utf8)
        var i = 0
        var negative = false
        if i < bytes.count && bytes[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        if i == bytes.count { return nil }
        if bytes.count - i == 1 && bytes[i] == UInt8(ascii: "0") {
            self.nanoseconds = 0
            return
        }
        var total: UInt64 = 0
        var previousRank = -1
        while i < bytes.count {
            // Whole part.
            var whole: UInt64 = 0
            var wholeDigits = 0
            while i < bytes.count, let digit = SimDuration.digitValue(bytes[i]) {
                let (times10, o1) = whole.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(digit)
                if o1 || o2 { return nil }
                whole = sum
                wholeDigits += 1
                i += 1
            }
            if wholeDigits == 0 { return nil }
            // Fractional part.
            var fraction: UInt64 = 0
            var fractionDigits = 0
            if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
                i += 1
                while i < bytes.count, let digit = SimDuration.digitValue(bytes[i]) {
                    if fractionDigits == 18 { return nil }
                    fraction = fraction * 10 + digit
                    fractionDigits += 1
                    i += 1
                }
                if fractionDigits == 0 { return nil }
            }
            // Unit.
            guard let (rank, length) = SimDuration.unitRank(bytes, at: i) else { return nil }
            i += length
            if rank <= previousRank { return nil }
            previousRank = rank
            let unit = SimDuration.units[rank].nanoseconds
            let (wholeNs, o3) = whole.multipliedReportingOverflow(by: unit)
            if o3 { return nil }
            var fractionNs: UInt64 = 0
            if fractionDigits > 0 {
                var scale: UInt64 = 1
                for _ in 0..<fractionDigits { scale *= 10 }
                let product = fraction.multipliedFullWidth(by: unit)
                let (quotient, remainder) = scale.dividingFullWidth(product)
                fractionNs = quotient + (remainder >= scale - remainder ? 1 : 0)
            }
            let (component, o4) = wholeNs.addingReportingOverflow(fractionNs)
            let (sum, o5) = total.addingReportingOverflow(component)
            if o4 || o5 { return nil }
            total = sum
        }
        if negative {
            if total > UInt64(Int64.max) + 1 { return nil }
            self.nanoseconds = total == UInt64(Int64.max) + 1 ? Int64.min : -Int64(total)
        } else {
            if total > UInt64(Int64.max) { return nil }
            self.nanoseconds = Int64(total)
        }
    }

    @usableFromInline
    static func digitValue(_ byte: UInt8) -> UInt64? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? UInt64(byte - UInt8(ascii: "0")) : nil
    }

    /// The unit starting at `bytes[i]`: its index in `units` and its length in bytes.
    @usableFromInline
    static func unitRank(_ bytes: [UInt8], at i: Int) -> (Int, Int)? {
        guard i < bytes.count else { return nil }
        let next: UInt8 = i + 1 < bytes.count ? bytes[i + 1] : 0
        let s = UInt8(ascii: "s")
        switch bytes[i] {
        case UInt8(ascii: "d"): return (0, 1)
        case UInt8(ascii: "h"): return (1, 1)
        case UInt8(ascii: "m"): return next == s ? (4, 2) : (2, 1)
        case s: return (3, 1)
        case UInt8(ascii: "u"): return next == s ? (5, 2) : nil
        case UInt8(ascii: "n"): return next == s ? (6, 2) : nil
        case 0xC2: // "µ" (U+00B5) is C2 B5 in UTF-8
            return next == 0xB5 && i + 2 < bytes.count && bytes[i + 2] == s ? (5, 3) : nil
        default: return nil
        }
    }

    /// The shortest exact single-unit form: `"90s"`, `"250ms"`, `"1.5s"`, `"1h"`, `"0s"`.
    ///
    /// Among the units d, h, m, s, ms, us and ns it picks the shortest text that is exact and
    /// has at least 1 before any decimal point (so 0.5 s prints as `"500ms"`, not `"0.5s"`);
    /// on a tie the larger unit wins (`"2.5h"`, not `"150m"`). Negative durations get a `-`.
    /// - Complexity: O(1) (seven candidates of at most 33 characters).
    public var description: String {
        let magnitude = nanoseconds.magnitude
        if magnitude == 0 { return "0s" }
        var best = ""
        for (suffix, unit) in SimDuration.units where magnitude >= unit {
            let whole = magnitude / unit
            var remainder = magnitude % unit
            var text = String(whole)
            if remainder != 0 {
                var digits = ""
                while remainder != 0 && digits.count < 12 {
                    remainder *= 10
                    digits.append(Character(Unicode.Scalar(UInt8(ascii: "0") + UInt8(remainder / unit))))
                    remainder %= unit
                }
                if remainder != 0 { continue } // not a finite short decimal in this unit
                text += "." + digits
            }
            text += suffix
            if best.isEmpty || text.utf8.count < best.utf8.count { best = text }
        }
        return (nanoseconds < 0 ? "-" : "") + best
    }
}
