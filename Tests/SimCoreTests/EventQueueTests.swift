import XCTest
import TestSupport
@testable import SimCore

/// A deliberately simple reference: a binary heap on (time, sequence number).
struct ReferenceQueue {
    struct Entry { var time: Int64; var seq: UInt64; var payload: UInt64 }
    var heap: [Entry] = []
    var nextSeq: UInt64 = 0

    static func less(_ a: Entry, _ b: Entry) -> Bool { (a.time, a.seq) < (b.time, b.seq) }

    mutating func push(_ time: Int64, _ payload: UInt64) {
        heap.append(Entry(time: time, seq: nextSeq, payload: payload))
        nextSeq += 1
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !Self.less(heap[i], heap[parent]) { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Entry? {
        guard !heap.isEmpty else { return nil }
        let top = heap[0]
        let lastEntry = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = lastEntry
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && Self.less(heap[l], heap[m]) { m = l }
                if r < heap.count && Self.less(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}

final class EventQueueTests: XCTestCase {
    func testEventIsSixteenBytes() {
        XCTAssertEqual(MemoryLayout<Event>.size, 16)
        XCTAssertEqual(MemoryLayout<Event>.stride, 16)
        XCTAssertEqual(MemoryLayout<EventPayload>.size, 8)
    }

    func testEmptyQueue() {
        var q = EventQueue()
        XCTAssertTrue(q.isEmpty)
        XCTAssertEqual(q.count, 0)
        XCTAssertNil(q.pop())
        XCTAssertNil(q.peekTime())
    }

    /// Push everything, then pop everything: the order must be the sort by (time, push order).
    func testPopOrderIsStableSortByTime() {
        forEachSeed(0..<100) { seed, random in
            var q = EventQueue()
            var expected: [(Int64, UInt64)] = []
            let n = Int(random.bounded(2_000)) + 1
            let spread = [1, 4, 1_000, 1 << 40][Int(seed % 4)]
            for i in 0..<n {
                let t = Int64(random.bounded(UInt64(spread)))
                q.push(SimTime(nanoseconds: t), EventPayload(raw: UInt64(i)))
                expected.append((t, UInt64(i)))
            }
            expected.sort { ($0.0, $0.1) < ($1.0, $1.1) }
            XCTAssertEqual(q.count, n)
            for (t, payload) in expected {
                let e = q.pop()
                XCTAssertEqual(e?.time.nanoseconds, t, "seed \(seed)")
                XCTAssertEqual(e?.payload.raw, payload, "seed \(seed)")
            }
            XCTAssertNil(q.pop())
        }
    }

    /// Interleaved pushes and pops, in the shape of a simulation: every push is at or after the
    /// last popped time, with many zero and tiny offsets, occasional huge jumps (2⁴⁰ ns and
    /// more) and time 0 at the start. Compared event by event with the reference heap.
    func testInterleavedWorkloadsMatchReference() {
        forEachSeed(100..<250) { seed, random in
            var q = EventQueue()
            var ref = ReferenceQueue()
            var now: Int64 = 0
            var nextPayload: UInt64 = 0
            let ops = 1_500
            for _ in 0..<ops {
                if random.bounded(100) < 55 || ref.heap.isEmpty {
                    let delta: Int64
                    switch random.bounded(10) {
                    case 0, 1, 2: delta = 0
                    case 3, 4: delta = Int64(random.bounded(4))
                    case 5, 6: delta = Int64(random.bounded(1_000_000))
                    case 7: delta = 1 << 40
                    case 8: delta = Int64(random.bounded(1 << 50))
                    default: delta = Int64(random.bounded(1 << 12)) << 20
                    }
                    q.push(SimTime(nanoseconds: now + delta), EventPayload(raw: nextPayload))
                    ref.push(now + delta, nextPayload)
                    nextPayload += 1
                } else {
                    if random.bounded(4) == 0 {
                        XCTAssertEqual(q.peekTime()?.nanoseconds, ref.heap.first?.time, "seed \(seed)")
                    }
                    let e = q.pop()
                    let r = ref.pop()
                    XCTAssertEqual(e?.time.nanoseconds, r?.time, "seed \(seed)")
                    XCTAssertEqual(e?.payload.raw, r?.payload, "seed \(seed)")
                    if let r { now = r.time }
                }
                XCTAssertEqual(q.count, ref.heap.count)
            }
            while let r = ref.pop() {
                let e = q.pop()
                XCTAssertEqual(e?.time.nanoseconds, r.time, "seed \(seed)")
                XCTAssertEqual(e?.payload.raw, r.payload, "seed \(seed)")
            }
            XCTAssertTrue(q.isEmpty)
        }
    }

    /// The hold model (pop one, push one at now + d) with heavy ties, as the benchmark runs it.
    func testHoldModelOrderMatchesReference() {
        forEachSeed(1_000..<1_010) { seed, random in
            var q = EventQueue()
            var ref = ReferenceQueue()
            let delays: [Int64] = [0, 0, 1, 2, 3, 1_000, 1 << 20, 1 << 33]
            for i in 0..<500 {
                let t = delays[Int(random.bounded(UInt64(delays.count)))]
                q.push(SimTime(nanoseconds: t), EventPayload(raw: UInt64(i)))
                ref.push(t, UInt64(i))
            }
            for i in 500..<20_000 {
                let e = q.pop()!
                let r = ref.pop()!
                XCTAssertEqual(e.time.nanoseconds, r.time, "seed \(seed)")
                XCTAssertEqual(e.payload.raw, r.payload, "seed \(seed)")
                let t = r.time + delays[Int(random.bounded(UInt64(delays.count)))]
                q.push(SimTime(nanoseconds: t), EventPayload(raw: UInt64(i)))
                ref.push(t, UInt64(i))
            }
        }
    }

    /// Bursts of pushes that land inside the front run (at or before its latest time), in
    /// decreasing, increasing and equal order, enough to make the front spill back to the
    /// buckets, compared with the reference.
    func testPushesIntoTheFrontRunAndSpills() {
        forEachSeed(2_000..<2_012) { seed, random in
            var q = EventQueue()
            var ref = ReferenceQueue()
            var payload: UInt64 = 0
            func push(_ t: Int64) {
                q.push(SimTime(nanoseconds: t), EventPayload(raw: payload))
                ref.push(t, payload)
                payload += 1
            }
            func popAndCompare() -> Int64? {
                let e = q.pop()
                let r = ref.pop()
                XCTAssertEqual(e?.time.nanoseconds, r?.time, "seed \(seed)")
                XCTAssertEqual(e?.payload.raw, r?.payload, "seed \(seed)")
                return r?.time
            }
            for _ in 0..<20 { push(Int64(random.bounded(1_000))) }
            var now: Int64 = 0
            for round in 0..<30 {
                if let t = popAndCompare() { now = t }
                let burst = Int(random.bounded(700))
                for k in 0..<burst {
                    switch round % 3 {
                    case 0: push(now + Int64(burst - k)) // decreasing
                    case 1: push(now + Int64(random.bounded(2_000))) // scattered
                    default: push(now + Int64(random.bounded(3))) // many equal
                    }
                }
                for _ in 0..<random.bounded(400) { if let t = popAndCompare() { now = t } }
            }
            while ref.heap.count > 0 { _ = popAndCompare() }
            XCTAssertNil(q.pop())
        }
    }

    /// Buckets keep their capacity, but the total stays within about 4 × count once the
    /// queue has run for a while, and the bookkeeping matches the buffers.
    func testMemoryStaysBounded() {
        var q = EventQueue(reservingCapacity: 20_000)
        var random = RandomStream(seed: 77)
        for i in 0..<20_000 {
            q.push(SimTime(nanoseconds: Int64(random.exponential(mean: 1e9))), EventPayload(raw: UInt64(i)))
        }
        for _ in 0..<200_000 {
            let e = q.pop()!
            q.push(e.time + .nanoseconds(Int64(random.exponential(mean: 1e9))), e.payload)
        }
        let actual = (0..<EventQueueStorage.bufferCount).reduce(0) { $0 + q.buffers[$1].capacity }
        XCTAssertEqual(q.reserved, actual)
        XCTAssertLessThanOrEqual(actual, 6 * q.count + EventQueue.reserveSlack)
        XCTAssertEqual(
            q.buffers[EventQueueStorage.prefillBucket].capacity, EventQueueStorage.minimumCapacity,
            "the prefill bucket gave its memory back")
    }

    func testManyEqualTimesAreFIFOAcrossRefills() {
        var q = EventQueue()
        var expected: [UInt64] = []
        // Two groups at different times, pushed interleaved, so both must survive redistribution.
        for i in 0..<5_000 {
            q.push(SimTime(nanoseconds: i % 2 == 0 ? 7 : 1 << 40), EventPayload(raw: UInt64(i)))
        }
        expected += stride(from: 0, to: 5_000, by: 2).map(UInt64.init)
        // Pop half of the first group, then push more at the current time: they go after.
        var popped: [UInt64] = []
        for _ in 0..<1_000 { popped.append(q.pop()!.payload.raw) }
        for i in 5_000..<5_100 { q.push(SimTime(nanoseconds: 7), EventPayload(raw: UInt64(i))) }
        expected += (5_000..<5_100).map(UInt64.init)
        expected += stride(from: 1, to: 5_000, by: 2).map(UInt64.init)
        while let e = q.pop() { popped.append(e.payload.raw) }
        XCTAssertEqual(popped, expected)
    }

    /// A peek that had to search must not move the queue's base time: a later push between
    /// the last popped time and the peeked time is legal and must pop first.
    func testPushBetweenLastPopAndPeekedMinimum() {
        var q = EventQueue()
        q.push(SimTime(nanoseconds: 100), EventPayload(raw: 1))
        q.push(SimTime(nanoseconds: 1_000_000), EventPayload(raw: 2))
        XCTAssertEqual(q.pop()?.payload.raw, 1)
        XCTAssertEqual(q.peekTime(), SimTime(nanoseconds: 1_000_000))
        q.push(SimTime(nanoseconds: 500), EventPayload(raw: 3))
        XCTAssertEqual(q.peekTime(), SimTime(nanoseconds: 500))
        q.push(SimTime(nanoseconds: 100), EventPayload(raw: 4))
        XCTAssertEqual(q.peekTime(), SimTime(nanoseconds: 100))
        XCTAssertEqual(q.pop()?.payload.raw, 4)
        XCTAssertEqual(q.pop()?.payload.raw, 3)
        XCTAssertEqual(q.pop()?.payload.raw, 2)
        XCTAssertNil(q.pop())
    }

    func testExtremeTimes() {
        var q = EventQueue()
        let times: [Int64] = [Int64.max, 0, -5, Int64.min, 1 << 62, -1, Int64.max, 0]
        for (i, t) in times.enumerated() { q.push(SimTime(nanoseconds: t), EventPayload(raw: UInt64(i))) }
        var out: [Int] = []
        while let e = q.pop() { out.append(Int(e.payload.raw)) }
        XCTAssertEqual(out, [3, 2, 5, 1, 7, 4, 0, 6])
    }

    func testCopiesAreIndependent() {
        var a = EventQueue()
        for i in 0..<100 { a.push(SimTime(nanoseconds: Int64(i * 37 % 11)), EventPayload(raw: UInt64(i))) }
        var b = a
        _ = b.pop()
        b.push(SimTime(nanoseconds: 50), EventPayload(raw: 999))
        XCTAssertEqual(a.count, 100)
        XCTAssertEqual(b.count, 100)
        var fromA: [UInt64] = []
        while let e = a.pop() { fromA.append(e.payload.raw) }
        var fromB: [UInt64] = []
        while let e = b.pop() { fromB.append(e.payload.raw) }
        XCTAssertFalse(fromA.contains(999))
        XCTAssertTrue(fromB.contains(999))
        XCTAssertEqual(Array(fromA.dropFirst()), fromB.filter { $0 != 999 })
    }

    func testRemoveAllResetsAndForgetsLastTime() {
        var q = EventQueue(reservingCapacity: 64)
        for i in 0..<1_000 { q.push(SimTime(nanoseconds: Int64(1_000 + i)), EventPayload(raw: UInt64(i))) }
        _ = q.pop()
        q.removeAll()
        XCTAssertTrue(q.isEmpty)
        XCTAssertNil(q.pop())
        q.push(SimTime(nanoseconds: 3), EventPayload(raw: 1)) // earlier than the last pop: allowed after removeAll
        q.push(SimTime(nanoseconds: 2), EventPayload(raw: 2))
        XCTAssertEqual(q.pop()?.payload.raw, 2)
        XCTAssertEqual(q.pop()?.payload.raw, 1)
    }

    func testPayloadPacking() {
        let p = EventPayload(kind: 0xAB, object: 0xDEAD_BEEF, aux: 0xFF_FFFF)
        XCTAssertEqual(p.kind, 0xAB)
        XCTAssertEqual(p.object, 0xDEAD_BEEF)
        XCTAssertEqual(p.aux, 0xFF_FFFF)
        XCTAssertEqual(p.raw, 0xABDE_ADBE_EFFF_FFFF)
        let q = EventPayload(kind: 1, object: 2)
        XCTAssertEqual(q.kind, 1)
        XCTAssertEqual(q.object, 2)
        XCTAssertEqual(q.aux, 0)
        XCTAssertEqual(EventPayload(raw: q.raw), q)
        XCTAssertNotEqual(EventPayload(kind: 1, object: 2, aux: 1), q)
    }
}
