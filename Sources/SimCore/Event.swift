// Event and EventPayload: the 16-byte unit the queue stores.

/// A model layer's vocabulary of event kinds: an enum whose raw values fill the payload's `kind`
/// byte. The scheduler carries that byte and never interprets it; each layer that schedules
/// events declares its own vocabulary, and the composition root that dispatches them all keeps
/// the raw values distinct.
public protocol EventKind: RawRepresentable, Sendable where RawValue == UInt8 {}

extension EventKind {
    /// The payload's kind, if it is one of this vocabulary's.
    @inlinable
    public init?(_ payload: EventPayload) { self.init(rawValue: payload.kind) }
}

/// What an event means, packed into 64 bits: `kind` (8 bits) says which handler branch runs,
/// `object` (32 bits) is the integer id of the thing it refers to (a link, a socket, a timer
/// slot…), and `aux` (24 bits) is free for the model, typically a timer generation.
///
/// Bit layout of `raw`: `kind << 56 | object << 24 | aux`.
///
/// ## Cancelling events: lazy cancellation with generations
/// The queue has no "remove": cancelling by search would cost O(n). Instead the model keeps a
/// generation number per timer slot (see `TimerGenerations`) and puts it in `aux`:
/// ```swift
/// let gen = timers.arm(slot)                                   // invalidates older events
/// scheduler.schedule(after: rto, EventPayload(TimerEvent.rto, object: UInt32(slot), aux: gen))
/// // … later, to cancel: timers.cancel(slot) — the queued event stays but is now stale.
/// // In the handler:
/// case .rto?:
///     guard timers.isCurrent(Int(event.payload.object), event.payload.aux) else { return } // stale
/// ```
/// A stale event still pops at its time and costs one dispatch, but nothing searches the queue.
public struct EventPayload: Hashable, Sendable {
    /// The packed bits: `kind << 56 | object << 24 | aux`.
    public var raw: UInt64

    /// Wraps already-packed bits.
    @inlinable
    public init(raw: UInt64) { self.raw = raw }

    /// Packs a kind, an object id and an auxiliary value. Precondition: `aux < 1 << 24`.
    @inlinable
    public init(kind: UInt8, object: UInt32, aux: UInt32 = 0) {
        precondition(aux < 1 << 24, "EventPayload: aux must fit in 24 bits")
        self.raw = UInt64(kind) << 56 | UInt64(object) << 24 | UInt64(aux)
    }

    /// Packs a kind of a model's vocabulary, an object id and an auxiliary value.
    /// Precondition: `aux < 1 << 24`.
    @inlinable
    public init<Kind: EventKind>(_ kind: Kind, object: UInt32, aux: UInt32 = 0) {
        self.init(kind: kind.rawValue, object: object, aux: aux)
    }

    /// The event kind (top 8 bits).
    @inlinable
    public var kind: UInt8 { UInt8(truncatingIfNeeded: raw >> 56) }

    /// The id of the object the event refers to (middle 32 bits).
    @inlinable
    public var object: UInt32 { UInt32(truncatingIfNeeded: raw >> 24) }

    /// The auxiliary value, e.g. a timer generation (low 24 bits).
    @inlinable
    public var aux: UInt32 { UInt32(truncatingIfNeeded: raw) & 0xFF_FFFF }
}

/// A scheduled event: when it fires and what it means. Exactly 16 bytes, no references, so
/// queues of events are flat arrays the CPU can stream through.
public struct Event: Sendable {
    /// When the event fires.
    public var time: SimTime
    /// What the event means to the model's handler.
    public var payload: EventPayload

    /// Creates an event firing at `time` with `payload`.
    @inlinable
    public init(time: SimTime, payload: EventPayload) {
        self.time = time
        self.payload = payload
    }
}
