// SimTime: a point in simulated time, integer nanoseconds.

/// A point in simulated time: whole nanoseconds since the start of the simulation.
///
/// Simulated time is an integer so that event ordering is exact and identical on every
/// platform; `seconds` exists only for reporting. Adding or subtracting a duration saturates at
/// ``SimTime/max`` (and `Int64.min` ns) instead of trapping, so a delay read from a file can never
/// crash a run: an event scheduled past the representable range simply never fires.
public struct SimTime: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the start of the simulation.
    public var nanoseconds: Int64

    /// Creates a time `nanoseconds` after the start of the simulation.
    @inlinable
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The start of the simulation.
    public static let zero = SimTime(nanoseconds: 0)

    /// The latest representable time; handy as `run(until: .max)` ("run until the queue drains").
    public static let max = SimTime(nanoseconds: Int64.max)

    /// Orders times chronologically.
    @inlinable
    public static func < (l: SimTime, r: SimTime) -> Bool { l.nanoseconds < r.nanoseconds }

    /// The time `r` after `l`, saturating at the ends of the representable range.
    @inlinable
    public static func + (l: SimTime, r: SimDuration) -> SimTime {
        SimTime(nanoseconds: Saturating.add(l.nanoseconds, r.nanoseconds))
    }

    /// The time `r` before `l`, saturating at the ends of the representable range.
    @inlinable
    public static func - (l: SimTime, r: SimDuration) -> SimTime {
        SimTime(nanoseconds: Saturating.subtract(l.nanoseconds, r.nanoseconds))
    }

    /// The duration from `r` to `l` (negative if `l` is earlier), saturating.
    @inlinable
    public static func - (l: SimTime, r: SimTime) -> SimDuration {
        SimDuration(nanoseconds: Saturating.subtract(l.nanoseconds, r.nanoseconds))
    }

    /// Advances `l` by `r` in place, saturating.
    @inlinable
    public static func += (l: inout SimTime, r: SimDuration) { l = l + r }

    /// Seconds since the start, as a `Double`. For reporting only: never feed it back into
    /// the model, which works in exact nanoseconds.
    @inlinable
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Seconds with all nine fractional digits, e.g. `"12.345678901s"` or `"-0.000000001s"`.
    public var description: String {
        let negative = nanoseconds < 0
        let magnitude = nanoseconds.magnitude
        let whole = magnitude / 1_000_000_000
        let fraction = String(magnitude % 1_000_000_000)
        let padding = String(repeating: "0", count: 9 - fraction.count)
        return (negative ? "-" : "") + String(whole) + "." + padding + fraction + "s"
    }
}

/// Int64 arithmetic that clamps to `Int64.min`…`Int64.max` instead of trapping: simulated time
/// and durations use it, so no value derived from a topology file can overflow the clock.
public enum Saturating {
    /// `a + b`, clamped.
    @inlinable @inline(__always)
    public static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (v, o) = a.addingReportingOverflow(b)
        return o ? (b > 0 ? .max : .min) : v
    }

    /// `a − b`, clamped.
    @inlinable @inline(__always)
    public static func subtract(_ a: Int64, _ b: Int64) -> Int64 {
        let (v, o) = a.subtractingReportingOverflow(b)
        return o ? (b < 0 ? .max : .min) : v
    }

    /// `a × b`, clamped.
    @inlinable @inline(__always)
    public static func multiply(_ a: Int64, _ b: Int64) -> Int64 {
        let (v, o) = a.multipliedReportingOverflow(by: b)
        return o ? ((a < 0) == (b < 0) ? .max : .min) : v
    }
}
