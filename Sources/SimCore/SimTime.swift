// SimTime: a point in simulated time, integer nanoseconds.

/// A point in simulated time: whole nanoseconds since the start of the simulation.
///
/// Simulated time is an integer so that event ordering is exact and identical on every
/// platform; `seconds` exists only for reporting. Arithmetic traps on overflow.
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

    /// The time `r` after `l`. Traps on overflow.
    @inlinable
    public static func + (l: SimTime, r: SimDuration) -> SimTime {
        SimTime(nanoseconds: l.nanoseconds + r.nanoseconds)
    }

    /// The time `r` before `l`. Traps on overflow.
    @inlinable
    public static func - (l: SimTime, r: SimDuration) -> SimTime {
        SimTime(nanoseconds: l.nanoseconds - r.nanoseconds)
    }

    /// The duration from `r` to `l` (negative if `l` is earlier). Traps on overflow.
    @inlinable
    public static func - (l: SimTime, r: SimTime) -> SimDuration {
        SimDuration(nanoseconds: l.nanoseconds - r.nanoseconds)
    }

    /// Advances `l` by `r` in place. Traps on overflow.
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
