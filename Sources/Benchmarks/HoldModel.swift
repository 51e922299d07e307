// HoldModel: the classic "hold" benchmark of a pending-event set (`vpcsim bench core`).

import SimCore

/// One hold-model measurement.
public struct HoldModelResult: Sendable {
    /// K: events pending throughout the measurement.
    public var pending: Int
    /// Hold operations timed (each: pop the earliest event, push one new event).
    public var events: Int
    /// Wall-clock seconds for the timed hold operations.
    public var seconds: Double
    /// `events / seconds`.
    public var eventsPerSecond: Double
    /// `"queue"` (EventQueue pop + push) or `"scheduler"` (Scheduler.run with a handler that
    /// reschedules each event).
    public var path: String

    /// Creates a result.
    public init(pending: Int, events: Int, seconds: Double, eventsPerSecond: Double, path: String) {
        self.pending = pending
        self.events = events
        self.seconds = seconds
        self.eventsPerSecond = eventsPerSecond
        self.path = path
    }
}

/// The hold model: K events pending; each fired event schedules one new event at now + d,
/// d cycled from a precomputed table of 2²⁰ exponential samples (mean 1 s, in nanoseconds),
/// so the figure measures the event set, not the random generator.
public enum HoldModel {
    /// Size of the delay table (a power of two).
    public static let tableSize = 1 << 20

    /// The delay table for `seed`: `tableSize` exponential samples of mean 1 s, rounded to
    /// the nearest nanosecond (ties away from zero), from the stream `"bench.hold"`.
    /// - Complexity: O(tableSize).
    public static func delayTable(seed: UInt64) -> [Int64] {
        var random = RandomStreams(seed: seed).stream("bench.hold")
        return (0..<tableSize).map { _ in
            Int64(random.exponential(mean: 1e9).rounded(.toNearestOrAwayFromZero))
        }
    }

    /// Prefills `pending` events (times from the table, starting at time zero), warms up with
    /// max(pending, min(events, 100 000)) hold operations so the queue reaches its steady
    /// state, then times `events` hold operations with `ContinuousClock`. Single-threaded;
    /// on a shared machine, repeat and keep the best.
    ///
    /// - Parameters:
    ///   - pending: K, the number of pending events (> 0).
    ///   - events: the number of hold operations to time (> 0).
    ///   - throughScheduler: false times `EventQueue.pop` + `push` directly; true times
    ///     `Scheduler.run` dispatching to a handler that calls `schedule(after:)`.
    ///   - seed: seed of the delay table.
    /// - Complexity: O(pending + events) time, O(pending + tableSize) memory.
    public static func run(pending: Int, events: Int, throughScheduler: Bool, seed: UInt64 = 1) -> HoldModelResult {
        precondition(pending > 0 && events > 0, "HoldModel.run: pending and events must be positive")
        let table = delayTable(seed: seed)
        let warmup = Swift.max(pending, Swift.min(events, 100_000))
        let seconds = table.withUnsafeBufferPointer { delays -> Double in
            let delays = delays.baseAddress!
            if throughScheduler {
                return timeScheduler(pending: pending, warmup: warmup, events: events, delays: delays)
            } else {
                return timeQueue(pending: pending, warmup: warmup, events: events, delays: delays)
            }
        }
        return HoldModelResult(
            pending: pending, events: events, seconds: seconds,
            eventsPerSecond: Double(events) / seconds,
            path: throughScheduler ? "scheduler" : "queue")
    }

    static func timeQueue(pending: Int, warmup: Int, events: Int, delays: UnsafePointer<Int64>) -> Double {
        var queue = EventQueue(reservingCapacity: pending)
        for i in 0..<pending {
            queue.push(SimTime(nanoseconds: delays[i & (tableSize - 1)]), EventPayload(raw: UInt64(i)))
        }
        var cursor = pending & (tableSize - 1)
        hold(&queue, operations: warmup, delays: delays, cursor: &cursor)
        let clock = ContinuousClock()
        let start = clock.now
        hold(&queue, operations: events, delays: delays, cursor: &cursor)
        let elapsed = clock.now - start
        precondition(queue.count == pending)
        return seconds(elapsed)
    }

    /// `operations` times: pop the earliest event and push it again after the next delay.
    static func hold(_ queue: inout EventQueue, operations: Int, delays: UnsafePointer<Int64>, cursor: inout Int) {
        var c = cursor
        for _ in 0..<operations {
            let event = queue.pop().unsafelyUnwrapped
            queue.push(event.time + SimDuration(nanoseconds: delays[c]), event.payload)
            c = (c &+ 1) & (tableSize - 1)
        }
        cursor = c
    }

    /// Reschedules every event it receives after the next delay from the table.
    struct HoldHandler: EventHandler {
        let delays: UnsafePointer<Int64>
        var cursor: Int

        mutating func handle(_ event: Event, _ scheduler: inout Scheduler) {
            scheduler.schedule(after: SimDuration(nanoseconds: delays[cursor]), event.payload)
            cursor = (cursor &+ 1) & (HoldModel.tableSize - 1)
        }
    }

    static func timeScheduler(pending: Int, warmup: Int, events: Int, delays: UnsafePointer<Int64>) -> Double {
        let mask = tableSize - 1
        var scheduler = Scheduler(reservingCapacity: pending)
        for i in 0..<pending {
            scheduler.schedule(at: SimTime(nanoseconds: delays[i & mask]), EventPayload(raw: UInt64(i)))
        }
        var handler = HoldHandler(delays: delays, cursor: pending & mask)
        scheduler.run(until: .max, maxEvents: UInt64(warmup), handler: &handler)
        let clock = ContinuousClock()
        let start = clock.now
        let reason = scheduler.run(until: .max, maxEvents: UInt64(events), handler: &handler)
        let elapsed = clock.now - start
        precondition(reason == .eventLimit && scheduler.pendingCount == pending)
        return seconds(elapsed)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
