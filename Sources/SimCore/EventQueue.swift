// EventQueue: a monotone min-priority queue of events — a FIFO-stable radix heap (4-bit
// digits) feeding a small sorted front run.

/// Min-priority queue of events ordered by (time, insertion sequence): events with equal
/// times pop in the order they were pushed. Time must be monotone: pushing a time earlier
/// than the last popped time is a precondition failure.
///
/// ## Design: a multi-level radix heap feeding a small sorted run
/// Pops come from the *front*: a short run of the earliest events, sorted by time (stably).
/// Every other event sits in one of 256 *buckets* relative to a base time (≤ every bucketed
/// time), arranged as 16 levels × 16 digits: reading times as 64-bit keys of 16 hex digits,
/// an event goes to the level of the highest digit in which its key differs from the base's,
/// and within the level to the bucket of its own digit there. So a level-0 bucket holds a
/// single time, and every event in bucket i is earlier than every event in bucket i + 1.
/// Every bucketed event is also later than `frontMax`, the front's last time.
///
/// * push: if t ≤ `frontMax` the event is insertion-sorted into the front, after any equal
///   times (rare in practice: the front spans only a few dozen events); otherwise it is
///   appended to its bucket. O(1): a sequential write and one bit in a 256-bit mask.
/// * pop: takes the front's next event. When the front is used up, it is refilled from the
///   lowest non-empty bucket i (count-trailing-zeros on the mask): if i is on level 0, or
///   holds at most `sortThreshold` (32) events, they are copied to the front and
///   insertion-sorted; otherwise the bucket's minimum becomes the base and its events are
///   re-appended, in order, to buckets on lower levels (all empty at that moment), and the
///   refill repeats. An event moves down at most 15 levels; in practice a handful.
/// * If the front grows past `frontLimit` live events through insertions, its events go
///   back to the buckets, which keeps a push O(frontLimit) in the worst case.
///
/// FIFO for equal times: equal times are always in the same place (the front, or one
/// bucket); appends keep push order; a refill moves a bucket's events in order into empty
/// buckets or into the front; the insertion sorts are stable; the front is consumed in order.
///
/// Storage is 257 arrays of 16-byte events (256 buckets and the front) that keep their
/// capacity, so a steady-state simulation allocates nothing; an emptied bucket gives its
/// memory back only when the total exceeds about 4 × `count`. The queue has value semantics
/// (copy-on-write).
public struct EventQueue {
    @usableFromInline var storage: EventQueueStorage
    /// `storage.buffers`, cached so the hot path never loads a class property.
    @usableFromInline var buffers: UnsafeMutablePointer<EventBuffer>
    /// Bit i & 63 of lane i >> 6 set ⇔ bucket i is non-empty.
    @usableFromInline var occupied: SIMD4<UInt64>
    /// The radix base, as a key (see `key(_:)`): ≤ the key of every bucketed event.
    @usableFromInline var baseKey: UInt64
    /// Index in the front buffer of the next event to pop; the front is used up when it
    /// equals the front buffer's count.
    @usableFromInline var frontHead: Int
    /// The latest time in the front (kept after the front is used up). Every queued event at
    /// or before it is in the front; every bucketed event is after it.
    @usableFromInline var frontMax: Int64
    /// Time of the last popped event (`Int64.min` before the first), for `push`'s check.
    @usableFromInline var lastPopped: Int64
    @usableFromInline var eventCount: Int
    /// Total capacity of all buffers, in events; kept within about 4 × `count` (see `refill`).
    @usableFromInline var reserved: Int

    /// Buckets with at most this many events are sorted into the front rather than split.
    @usableFromInline static var sortThreshold: Int { 32 }
    /// The front spills back to the buckets when an insertion finds this many live events.
    @usableFromInline static var frontLimit: Int { 256 }
    /// Capacity (in events) the buffers may hold beyond 4 × count before emptied buckets
    /// release theirs.
    @usableFromInline static var reserveSlack: Int { 8_192 }

    /// An empty queue. `reservingCapacity` is a hint: room for that many events is reserved
    /// for the events pushed before the first pop (e.g. a model's initial events).
    /// - Complexity: O(reservingCapacity) memory.
    public init(reservingCapacity: Int = 0) {
        storage = EventQueueStorage(reservingCapacity: reservingCapacity)
        buffers = storage.buffers
        occupied = .zero
        baseKey = 0
        frontHead = 0
        frontMax = Int64.min
        lastPopped = Int64.min
        eventCount = 0
        reserved = EventQueueStorage.initialCapacity(reservingCapacity: reservingCapacity)
    }

    /// The number of queued events.
    /// - Complexity: O(1).
    @inlinable
    public var count: Int { eventCount }

    /// Whether no event is queued.
    /// - Complexity: O(1).
    @inlinable
    public var isEmpty: Bool { eventCount == 0 }

    /// Queues an event at `time`. Precondition: `time` is not earlier than the last popped time.
    /// - Complexity: O(1) amortized: an append to a bucket, or an insertion into the front
    ///   run, which never holds more than `frontLimit` (256) live events.
    @inlinable
    public mutating func push(_ time: SimTime, _ payload: EventPayload) {
        precondition(time.nanoseconds >= lastPopped, "EventQueue.push: time is earlier than the last popped event")
        pushUnchecked(time, payload)
    }

    /// Removes and returns the earliest event (FIFO among equal times), or nil if empty.
    /// - Complexity: O(1) amortized. Usually a read from the front run; a refill costs time
    ///   linear in the events it moves, paid for by their descent through the buckets.
    @inlinable
    public mutating func pop() -> Event? {
        if frontHead == buffers[EventQueueStorage.frontIndex].count {
            if eventCount == 0 { return nil }
            refill()
        }
        return popFront()
    }

    /// The time of the earliest queued event, or nil if empty. Mutating because it may move
    /// events from the buckets into the front run; the queue's contents and order do not change.
    /// - Complexity: O(1) amortized, like `pop`.
    @inlinable
    public mutating func peekTime() -> SimTime? {
        if frontHead == buffers[EventQueueStorage.frontIndex].count {
            if eventCount == 0 { return nil }
            refill()
        }
        return buffers[EventQueueStorage.frontIndex].base[frontHead].time
    }

    /// Removes every event, keeping the buffers' capacity. The queue also forgets the last
    /// popped time, so any time may be pushed next.
    /// - Complexity: O(1) (257 buffer resets).
    public mutating func removeAll() {
        makeUnique()
        for b in 0..<EventQueueStorage.bufferCount { buffers[b].count = 0 }
        occupied = .zero
        baseKey = 0
        frontHead = 0
        frontMax = Int64.min
        lastPopped = Int64.min
        eventCount = 0
    }

    // MARK: Internals (usable from inlinable code, so clients' run loops specialize fully)

    /// The order-preserving unsigned key of time `t` (sign bit flipped).
    @inlinable @inline(__always)
    static func key(_ t: Int64) -> UInt64 { UInt64(bitPattern: t) ^ (1 &<< 63) }

    /// The bucket for key `k` relative to base key `base`: 16 × level + digit, where level is
    /// the highest hex digit in which they differ (0 if none) and digit is k's digit there.
    @inlinable @inline(__always)
    static func bucketIndex(key k: UInt64, base: UInt64) -> Int {
        let level = (63 &- ((k ^ base) | 1).leadingZeroBitCount) &>> 2
        return level &<< 4 | Int(truncatingIfNeeded: k &>> UInt64(level &<< 2)) & 15
    }

    /// Bucket `i`'s bit in the 256-bit occupancy mask.
    @inlinable @inline(__always)
    static func bit(_ i: Int) -> SIMD4<UInt64> {
        let lane = SIMD4<UInt64>(repeating: UInt64(truncatingIfNeeded: i &>> 6))
        return SIMD4<UInt64>(repeating: 1 &<< UInt64(i & 63))
            .replacing(with: 0, where: lane .!= SIMD4<UInt64>(0, 1, 2, 3))
    }

    /// The lowest non-empty bucket. Precondition: there is one.
    @inlinable @inline(__always)
    func lowestBucket() -> Int {
        let o = occupied
        if o[0] != 0 { return o[0].trailingZeroBitCount }
        if o[1] != 0 { return 64 | o[1].trailingZeroBitCount }
        if o[2] != 0 { return 128 | o[2].trailingZeroBitCount }
        return 192 | o[3].trailingZeroBitCount
    }

    /// Ensures this copy owns its storage (copy-on-write). Needed before writing to any
    /// buffer; popping from the front only changes the queue's own stored properties.
    @inlinable @inline(__always)
    mutating func makeUnique() {
        if _slowPath(!isKnownUniquelyReferenced(&storage)) {
            storage = EventQueueStorage(copying: storage)
            buffers = storage.buffers
        }
    }

    /// Appends `event` to buffer `b` (after `makeUnique`).
    @inlinable @inline(__always)
    mutating func append(_ event: Event, toBuffer b: Int) {
        let buffer = buffers + b
        let n = buffer.pointee.count
        if _slowPath(n == buffer.pointee.capacity) { reserved &+= EventQueueStorage.grow(buffer, toAtLeast: n + 1) }
        (buffer.pointee.base + n).initialize(to: event)
        buffer.pointee.count = n &+ 1
    }

    /// Appends `event` to its bucket relative to the base (after `makeUnique`).
    /// Precondition: the event is later than `frontMax` (so not before the base).
    @inlinable @inline(__always)
    mutating func appendToBucket(_ event: Event) {
        let b = EventQueue.bucketIndex(key: EventQueue.key(event.time.nanoseconds), base: baseKey)
        append(event, toBuffer: b)
        occupied |= EventQueue.bit(b)
    }

    /// `push` without the monotonicity check, for callers that already guarantee it
    /// (the scheduler checks `time >= now`, and `now` is never before the last popped time).
    @inlinable @inline(__always)
    mutating func pushUnchecked(_ time: SimTime, _ payload: EventPayload) {
        makeUnique()
        eventCount &+= 1
        let event = Event(time: time, payload: payload)
        if time.nanoseconds <= frontMax {
            insertIntoFront(event)
        } else {
            appendToBucket(event)
        }
    }

    /// Takes the front's next event, which must exist.
    @inlinable @inline(__always)
    mutating func popFront() -> Event {
        let event = buffers[EventQueueStorage.frontIndex].base[frontHead]
        frontHead &+= 1
        eventCount &-= 1
        lastPopped = event.time.nanoseconds
        return event
    }

    /// Pops the earliest event if its time is before `until`; otherwise leaves the queue's
    /// contents alone and returns nil. The scheduler's run loop uses this.
    @inlinable @inline(__always)
    mutating func popFirst(before until: Int64) -> Event? {
        if frontHead == buffers[EventQueueStorage.frontIndex].count {
            if eventCount == 0 { return nil }
            refill()
        }
        if buffers[EventQueueStorage.frontIndex].base[frontHead].time.nanoseconds >= until { return nil }
        return popFront()
    }

    /// Inserts `event` (at or before `frontMax`) into the front run after any equal times,
    /// first spilling the front back to the buckets if it has grown to `frontLimit`.
    @usableFromInline @inline(never)
    mutating func insertIntoFront(_ event: Event) {
        let front = buffers + EventQueueStorage.frontIndex
        let t = event.time.nanoseconds
        if front.pointee.count &- frontHead >= EventQueue.frontLimit
            && front.pointee.base[frontHead].time.nanoseconds != Int64.min
        {
            spillFront()
            if t > frontMax {
                appendToBucket(event)
                return
            }
        }
        var n = front.pointee.count
        if n == front.pointee.capacity {
            if frontHead > 0 {
                let events = front.pointee.base
                for k in frontHead..<n { events[k &- frontHead] = events[k] } // slide left
                n &-= frontHead
                frontHead = 0
                front.pointee.count = n
            } else {
                reserved &+= EventQueueStorage.grow(front, toAtLeast: n + 1)
            }
        }
        let events = front.pointee.base
        var j = n
        while j > frontHead && events[j &- 1].time.nanoseconds > t {
            events[j] = events[j &- 1]
            j &-= 1
        }
        events[j] = event
        front.pointee.count = n &+ 1
    }

    /// Moves the front's live events back to the buckets (in order) and empties it; `frontMax`
    /// becomes just below the earliest of them. Precondition: that earliest time > Int64.min.
    @usableFromInline @inline(never)
    mutating func spillFront() {
        let front = buffers + EventQueueStorage.frontIndex
        let events = front.pointee.base
        let n = front.pointee.count
        frontMax = events[frontHead].time.nanoseconds &- 1
        var k = frontHead
        while k < n {
            appendToBucket(events[k])
            k &+= 1
        }
        front.pointee.count = 0
        frontHead = 0
    }

    /// Refills the used-up front from the buckets. Precondition: the front is used up and
    /// the queue is not empty.
    @usableFromInline
    mutating func refill() {
        makeUnique()
        let front = buffers + EventQueueStorage.frontIndex
        frontHead = 0
        front.pointee.count = 0
        while true {
            assert(occupied != .zero, "EventQueue.refill: no events in the buckets")
            let i = lowestBucket()
            let source = buffers + i
            let n = source.pointee.count
            if i < 16 || n <= EventQueue.sortThreshold {
                // Copy rather than swap buffers: a swap would let large buffers drift into
                // small buckets while the large buckets grow new ones.
                if _slowPath(n > front.pointee.capacity) { reserved &+= EventQueueStorage.grow(front, toAtLeast: n) }
                let events = front.pointee.base
                if i < 16 {
                    events.initialize(from: source.pointee.base, count: n) // level 0: one time
                } else {
                    EventQueue.sortByNextDigit(source.pointee.base, count: n, into: events, level: i &>> 4)
                    EventQueue.insertionSort(events, count: n) // nearly sorted by now
                }
                source.pointee.count = 0
                front.pointee.count = n
                occupied &= ~EventQueue.bit(i)
                baseKey = EventQueue.key(events[0].time.nanoseconds)
                frontMax = events[n &- 1].time.nanoseconds
                return
            }
            // Too many to sort: split the bucket around its minimum, onto lower levels.
            let events = source.pointee.base
            var m = events[0].time.nanoseconds
            var k = 1
            while k < n {
                let t = events[k].time.nanoseconds
                if t < m { m = t }
                k &+= 1
            }
            source.pointee.count = 0
            let base = EventQueue.key(m)
            baseKey = base
            var mask = occupied & ~EventQueue.bit(i)
            k = 0
            while k < n {
                let event = events[k]
                let b = EventQueue.bucketIndex(key: EventQueue.key(event.time.nanoseconds), base: base)
                append(event, toBuffer: b)
                mask |= EventQueue.bit(b)
                k &+= 1
            }
            occupied = mask
            // Each bucket keeps the capacity of its busiest moment, and over a long run those
            // peaks add up to several times the events actually queued. So when the buffers
            // hold more than 4 × count (+ slack), the bucket just emptied gives its memory
            // back. Level-15 buckets always do: they hold only events whose sign differs from
            // the base, in practice just those pushed before the first pop.
            if _slowPath(
                (reserved > 4 &* eventCount &+ EventQueue.reserveSlack || i >= 240)
                    && source.pointee.capacity > EventQueueStorage.minimumCapacity)
            {
                reserved &-= EventQueueStorage.release(source)
            }
        }
    }

    /// Stable counting sort of `count` events from one bucket on `level` (≥ 1), by their key's
    /// digit on the level below, into `destination`.
    @usableFromInline
    static func sortByNextDigit(
        _ source: UnsafeMutablePointer<Event>, count: Int,
        into destination: UnsafeMutablePointer<Event>, level: Int
    ) {
        let shift = UInt64((level &- 1) &<< 2)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 16) { offsets in
            offsets.initialize(repeating: 0)
            for k in 0..<count {
                offsets[Int(truncatingIfNeeded: key(source[k].time.nanoseconds) &>> shift) & 15] &+= 1
            }
            var sum = 0
            for d in 0..<16 {
                let c = offsets[d]
                offsets[d] = sum
                sum &+= c
            }
            for k in 0..<count {
                let event = source[k]
                let d = Int(truncatingIfNeeded: key(event.time.nanoseconds) &>> shift) & 15
                (destination + offsets[d]).initialize(to: event)
                offsets[d] &+= 1
            }
        }
    }

    /// Stable insertion sort of `count` events by time.
    @usableFromInline
    static func insertionSort(_ events: UnsafeMutablePointer<Event>, count: Int) {
        var k = 1
        while k < count {
            let event = events[k]
            let t = event.time.nanoseconds
            var j = k
            while j > 0 && events[j &- 1].time.nanoseconds > t {
                events[j] = events[j &- 1]
                j &-= 1
            }
            events[j] = event
            k &+= 1
        }
    }
}

/// `EventQueue` is a value type with copy-on-write storage, safe to send like `Array`.
extension EventQueue: @unchecked Sendable {}
