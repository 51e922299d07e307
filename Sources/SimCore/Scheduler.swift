// Scheduler: the simulation clock, the pending-event queue and the dispatch loop.

/// The model's dispatcher: one concrete type that switches on `event.payload.kind`.
///
/// `Scheduler.run` is generic over the handler, so the loop is specialized for it: no
/// existential, no closure and no allocation per event.
public protocol EventHandler {
    /// Handles one event. `scheduler.now == event.time`; the handler may schedule further
    /// events (at `now` or later) and may call `requestStop()`.
    mutating func handle(_ event: Event, _ scheduler: inout Scheduler)
}

/// Why `Scheduler.run` returned.
public enum StopReason: Sendable, Equatable {
    /// Events remain, but the next one is at or after `until`. `now` was advanced to `until`.
    case timeLimit
    /// No events are left. `now` was advanced to `until`.
    case queueEmpty
    /// The handler called `requestStop()`. `now` is the time of the event that asked.
    case stopRequested
    /// `maxEvents` events were dispatched and another was due before `until`. `now` is the
    /// time of the last dispatched event.
    case eventLimit
}

/// The simulation clock and its pending events.
///
/// Events with equal times are dispatched in the order they were scheduled, including events
/// a handler schedules at `now` (zero delay): they run after every event already queued for
/// `now`. Runs are therefore deterministic: the same initial events and handler give the
/// same trace.
public struct Scheduler {
    @usableFromInline var queue: EventQueue
    @usableFromInline var clock: SimTime
    @usableFromInline var dispatchCount: UInt64
    @usableFromInline var stopFlag: Bool

    /// A scheduler at time zero with no events. `reservingCapacity` is passed to the queue.
    public init(reservingCapacity: Int = 0) {
        queue = EventQueue(reservingCapacity: reservingCapacity)
        clock = .zero
        dispatchCount = 0
        stopFlag = false
    }

    /// The current simulated time: the time of the event being (or last) dispatched, or the
    /// `until` of the last run that hit its time limit or emptied the queue.
    @inlinable
    public var now: SimTime { clock }

    /// The number of events scheduled and not yet dispatched.
    /// - Complexity: O(1).
    @inlinable
    public var pendingCount: Int { queue.count }

    /// The number of events handed to the handler so far, over all runs.
    @inlinable
    public var dispatched: UInt64 { dispatchCount }

    /// Schedules `payload` at `time`. Precondition: `time >= now`.
    /// - Complexity: O(1) amortized.
    @inlinable
    public mutating func schedule(at time: SimTime, _ payload: EventPayload) {
        precondition(time >= clock, "Scheduler.schedule(at:): time is in the past")
        queue.pushUnchecked(time, payload)
    }

    /// Schedules `payload` at `now + delay` (saturating at `SimTime.max`, where it never fires).
    /// Precondition: `delay >= 0`.
    /// - Complexity: O(1) amortized.
    @inlinable
    public mutating func schedule(after delay: SimDuration, _ payload: EventPayload) {
        precondition(delay.nanoseconds >= 0, "Scheduler.schedule(after:): negative delay")
        queue.pushUnchecked(clock + delay, payload)
    }

    /// Asks `run` to return `.stopRequested` once the current event's handler returns.
    /// A request made outside `run` is discarded when the next `run` starts.
    @inlinable
    public mutating func requestStop() { stopFlag = true }

    /// The time of the next pending event, or nil if there is none.
    /// - Complexity: O(1) amortized (see `EventQueue.peekTime`).
    @inlinable
    public mutating func nextEventTime() -> SimTime? { queue.peekTime() }

    /// Dispatches pending events with time < `until`, in (time, scheduling order), to
    /// `handler`, including events the handler schedules along the way.
    ///
    /// - `.timeLimit`: the next event is at or after `until` (events at exactly `until` are not
    ///   dispatched); `now` becomes `until`.
    /// - `.queueEmpty`: nothing is left; `now` becomes `until` too.
    /// - `.stopRequested`: the handler called `requestStop()`; `now` stays at that event's time.
    /// - `.eventLimit`: `maxEvents` events were dispatched in this call and another is due
    ///   before `until`; `now` stays at the last event's time.
    ///
    /// `now` never moves backwards: if `until < now`, nothing is dispatched and `now` stays.
    /// Note that `run(until: .max)` ending in `.queueEmpty` leaves `now` at `SimTime.max`, where
    /// every further `schedule(after:)` saturates to `now`; give a finite horizon to keep going.
    /// - Complexity: O(1) amortized per event, plus the handler's work.
    @inlinable
    @discardableResult
    public mutating func run<H: EventHandler>(until: SimTime, maxEvents: UInt64 = .max, handler: inout H) -> StopReason
    {
        stopFlag = false
        let limit = until.nanoseconds
        var remaining = maxEvents
        while remaining != 0 {
            guard let event = queue.popFirst(before: limit) else { return finish(at: until) }
            clock = event.time
            dispatchCount &+= 1
            remaining &-= 1
            handler.handle(event, &self)
            if stopFlag {
                stopFlag = false
                return .stopRequested
            }
        }
        if let next = queue.peekTime(), next < until { return .eventLimit }
        return finish(at: until)
    }

    /// Ends a run at its time limit or on an empty queue.
    @inlinable
    mutating func finish(at until: SimTime) -> StopReason {
        if until > clock { clock = until }
        return queue.isEmpty ? .queueEmpty : .timeLimit
    }
}

/// A `Scheduler` is a plain value (its queue is copy-on-write), so it may be sent between tasks.
extension Scheduler: Sendable {}
