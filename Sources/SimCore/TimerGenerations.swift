// TimerGenerations: generation counters for lazy cancellation of timer events.

/// One 24-bit generation counter per timer slot, for lazy cancellation (see `EventPayload`).
///
/// `arm(slot)` starts a new generation and returns it; put it in the event's `aux`. When the
/// event fires, `isCurrent(slot, aux)` is true only if the slot was not re-armed or cancelled
/// since, so a stale event is simply ignored. Generations run 1…2²⁴−1 and then wrap to 1, so
/// a stale event could only be mistaken for a live one after 16.7 million re-arms of the same
/// slot while it was still queued.
public struct TimerGenerations: Sendable {
    /// Per slot: the current generation (low 24 bits) and the armed flag (bit 31).
    @usableFromInline
    var state: ContiguousArray<UInt32>

    @usableFromInline
    static var armedBit: UInt32 { 1 << 31 }

    /// Creates a table with no slots; slots appear as they are armed.
    @inlinable
    public init() { state = [] }

    /// Starts a new generation for `slot` (growing storage as needed) and returns it; any
    /// event carrying an older generation of this slot becomes stale.
    /// - Returns: the new generation, in 1..<2²⁴ (never 0).
    /// - Complexity: O(1) amortized; O(slot) the first time a slot beyond the table is armed.
    @inlinable
    public mutating func arm(_ slot: Int) -> UInt32 {
        precondition(slot >= 0, "TimerGenerations: negative slot")
        if slot >= state.count {
            state.append(contentsOf: repeatElement(0, count: slot + 1 - state.count))
        }
        var generation = (state[slot] & 0xFF_FFFF) &+ 1
        if generation == 1 << 24 { generation = 1 }
        state[slot] = generation | TimerGenerations.armedBit
        return generation
    }

    /// Disarms `slot`: every event armed for it so far becomes stale. Cancelling a slot that
    /// was never armed does nothing.
    /// - Complexity: O(1).
    @inlinable
    public mutating func cancel(_ slot: Int) {
        precondition(slot >= 0, "TimerGenerations: negative slot")
        if slot < state.count { state[slot] &= ~TimerGenerations.armedBit }
    }

    /// Whether an event for `slot` carrying `generation` is live: the slot is armed and
    /// `generation` is the one its latest `arm` returned.
    /// - Complexity: O(1).
    @inlinable
    public func isCurrent(_ slot: Int, _ generation: UInt32) -> Bool {
        generation < 1 << 24 && slot >= 0 && slot < state.count
            && state[slot] == generation | TimerGenerations.armedBit
    }

    /// Whether `slot` is armed (armed and not cancelled since).
    /// - Complexity: O(1).
    @inlinable
    public func isArmed(_ slot: Int) -> Bool {
        slot >= 0 && slot < state.count && state[slot] & TimerGenerations.armedBit != 0
    }
}
