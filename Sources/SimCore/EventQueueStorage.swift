// EventQueueStorage: the event buffers behind EventQueue, owned by one object.

/// A growable array of events in manually managed memory: one radix-heap bucket, or the
/// queue's sorted front run. Buffers never shrink, so a steady-state simulation allocates
/// nothing.
@usableFromInline
struct EventBuffer {
    /// Start of the buffer (always allocated, `capacity` events).
    @usableFromInline var base: UnsafeMutablePointer<Event>
    /// Number of initialized events at the start of the buffer.
    @usableFromInline var count: Int
    /// Events the buffer can hold.
    @usableFromInline var capacity: Int

    @inlinable
    init(base: UnsafeMutablePointer<Event>, count: Int, capacity: Int) {
        self.base = base
        self.count = count
        self.capacity = capacity
    }
}

/// Owns the 257 buffers of an `EventQueue` (256 buckets and the front run) and frees them
/// when the last copy of the queue goes away.
///
/// The queue caches `buffers` in its own stored property and reaches the buffers only
/// through that raw pointer, so its hot path reads no class property (and so needs no
/// dynamic exclusivity check); this object exists for ownership and copy-on-write.
@usableFromInline
final class EventQueueStorage {
    /// Buckets 0…255, then the front run.
    @usableFromInline static var bufferCount: Int { 257 }
    /// Index of the front run among the buffers.
    @usableFromInline static var frontIndex: Int { 256 }
    /// The bucket that receives times in [0, 2⁶⁰) ns while the base time is still
    /// `Int64.min`, i.e. a model's initial events (level 15, digit 8).
    @usableFromInline static var prefillBucket: Int { 248 }
    /// Capacity every buffer starts with.
    @usableFromInline static var minimumCapacity: Int { 16 }

    @usableFromInline let buffers: UnsafeMutablePointer<EventBuffer>

    /// Empty buffers. `reservingCapacity` events of room go to `prefillBucket`.
    @usableFromInline
    init(reservingCapacity: Int) {
        buffers = .allocate(capacity: Self.bufferCount)
        for b in 0..<Self.bufferCount {
            let capacity =
                b == Self.prefillBucket ? Swift.max(Self.minimumCapacity, reservingCapacity) : Self.minimumCapacity
            (buffers + b).initialize(to: EventBuffer(base: .allocate(capacity: capacity), count: 0, capacity: capacity))
        }
    }

    /// A deep copy, for copy-on-write.
    @usableFromInline
    init(copying other: EventQueueStorage) {
        buffers = .allocate(capacity: Self.bufferCount)
        for b in 0..<Self.bufferCount {
            let source = other.buffers[b]
            let base = UnsafeMutablePointer<Event>.allocate(capacity: source.capacity)
            base.initialize(from: source.base, count: source.count)
            (buffers + b).initialize(to: EventBuffer(base: base, count: source.count, capacity: source.capacity))
        }
    }

    deinit {
        for b in 0..<Self.bufferCount {
            buffers[b].base.deallocate() // Event is trivial: nothing to deinitialize
        }
        buffers.deallocate()
    }

    /// The total capacity of fresh buffers for `reservingCapacity`, in events.
    @usableFromInline
    static func initialCapacity(reservingCapacity: Int) -> Int {
        (bufferCount - 1) * minimumCapacity + Swift.max(minimumCapacity, reservingCapacity)
    }

    /// Makes room for at least `minimum` events in `buffer` (at least doubling), keeping its
    /// events in order.
    /// - Returns: the capacity added, in events.
    /// - Complexity: O(buffer count); amortized O(1) per append.
    @usableFromInline @inline(never)
    static func grow(_ buffer: UnsafeMutablePointer<EventBuffer>, toAtLeast minimum: Int) -> Int {
        let old = buffer.pointee.capacity
        let capacity = Swift.max(minimum, old * 2)
        let base = UnsafeMutablePointer<Event>.allocate(capacity: capacity)
        base.moveInitialize(from: buffer.pointee.base, count: buffer.pointee.count)
        buffer.pointee.base.deallocate()
        buffer.pointee.base = base
        buffer.pointee.capacity = capacity
        return capacity - old
    }

    /// Replaces the empty `buffer`'s memory with a minimum-size allocation.
    /// - Returns: the capacity released, in events.
    @usableFromInline
    static func release(_ buffer: UnsafeMutablePointer<EventBuffer>) -> Int {
        let old = buffer.pointee.capacity
        buffer.pointee.base.deallocate()
        buffer.pointee.base = .allocate(capacity: minimumCapacity)
        buffer.pointee.capacity = minimumCapacity
        return old - minimumCapacity
    }
}
