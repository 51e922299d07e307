import XCTest
import TestSupport
import SimCore

/// Records every event; optionally stops on one payload and schedules follow-ups.
struct RecordingHandler: EventHandler {
    var trace: [(Int64, UInt64)] = []
    var stopOn: UInt64? = nil
    /// payload → (delay, new payload) scheduled when that payload fires.
    var followUps: [UInt64: (Int64, UInt64)] = [:]

    mutating func handle(_ event: Event, _ scheduler: inout Scheduler) {
        XCTAssertEqual(scheduler.now, event.time)
        trace.append((event.time.nanoseconds, event.payload.raw))
        if let (delay, payload) = followUps[event.payload.raw] {
            scheduler.schedule(after: .nanoseconds(delay), EventPayload(raw: payload))
        }
        if event.payload.raw == stopOn { scheduler.requestStop() }
    }
}

/// A small random model: each event spawns 0–2 children after random delays (often zero).
struct RandomModel: EventHandler {
    var random: RandomStream
    var trace: [(Int64, UInt64)] = []
    var nextID: UInt64 = 1_000

    mutating func handle(_ event: Event, _ scheduler: inout Scheduler) {
        trace.append((event.time.nanoseconds, event.payload.raw))
        for _ in 0..<random.bounded(3) {
            let delay = random.bounded(3) == 0 ? 0 : Int64(random.bounded(1_000))
            if random.bounded(2) == 0 {
                scheduler.schedule(after: .nanoseconds(delay), EventPayload(raw: nextID))
            } else {
                scheduler.schedule(at: scheduler.now + .nanoseconds(delay), EventPayload(raw: nextID))
            }
            nextID += 1
        }
    }
}

final class SchedulerTests: XCTestCase {
    func makeScheduler(_ times: [Int64]) -> Scheduler {
        var s = Scheduler()
        for (i, t) in times.enumerated() { s.schedule(at: SimTime(nanoseconds: t), EventPayload(raw: UInt64(i))) }
        return s
    }

    func testUntilIsExclusiveAndNowAdvancesToUntil() {
        var s = makeScheduler([10, 20, 30])
        var h = RecordingHandler()
        XCTAssertEqual(s.run(until: SimTime(nanoseconds: 20), handler: &h), .timeLimit)
        XCTAssertEqual(h.trace.map(\.0), [10])
        XCTAssertEqual(s.now, SimTime(nanoseconds: 20))
        XCTAssertEqual(s.pendingCount, 2)
        XCTAssertEqual(s.nextEventTime(), SimTime(nanoseconds: 20))
        XCTAssertEqual(s.run(until: SimTime(nanoseconds: 31), handler: &h), .queueEmpty)
        XCTAssertEqual(h.trace.map(\.0), [10, 20, 30])
        XCTAssertEqual(s.now, SimTime(nanoseconds: 31))
        XCTAssertEqual(s.dispatched, 3)
        XCTAssertNil(s.nextEventTime())
    }

    func testScheduleBetweenNowAndPendingAfterTimeLimit() {
        var s = makeScheduler([10, 1_000_000])
        var h = RecordingHandler()
        XCTAssertEqual(s.run(until: SimTime(nanoseconds: 500), handler: &h), .timeLimit)
        XCTAssertEqual(s.now, SimTime(nanoseconds: 500))
        s.schedule(at: SimTime(nanoseconds: 500), EventPayload(raw: 7))
        s.schedule(after: .nanoseconds(1), EventPayload(raw: 8))
        XCTAssertEqual(s.run(until: .max, handler: &h), .queueEmpty)
        XCTAssertEqual(h.trace.map(\.1), [0, 7, 8, 1])
        XCTAssertEqual(h.trace.map(\.0), [10, 500, 501, 1_000_000])
    }

    func testUntilBeforeNowDispatchesNothing() {
        var s = makeScheduler([10, 20])
        var h = RecordingHandler()
        s.run(until: SimTime(nanoseconds: 15), handler: &h)
        XCTAssertEqual(s.run(until: SimTime(nanoseconds: 5), handler: &h), .timeLimit)
        XCTAssertEqual(s.now, SimTime(nanoseconds: 15))
        XCTAssertEqual(h.trace.count, 1)
    }

    func testRequestStopReturnsAfterCurrentEvent() {
        var s = makeScheduler([10, 20, 20, 30])
        var h = RecordingHandler(stopOn: 1)
        XCTAssertEqual(s.run(until: .max, handler: &h), .stopRequested)
        XCTAssertEqual(h.trace.map(\.1), [0, 1])
        XCTAssertEqual(s.now, SimTime(nanoseconds: 20))
        XCTAssertEqual(s.pendingCount, 2)
        h.stopOn = nil
        XCTAssertEqual(s.run(until: .max, handler: &h), .queueEmpty)
        XCTAssertEqual(h.trace.map(\.1), [0, 1, 2, 3])
    }

    func testStopRequestedOutsideRunIsDiscarded() {
        var s = makeScheduler([10, 20])
        var h = RecordingHandler()
        s.requestStop()
        XCTAssertEqual(s.run(until: .max, handler: &h), .queueEmpty)
        XCTAssertEqual(h.trace.count, 2)
    }

    func testMaxEvents() {
        var s = makeScheduler([10, 20, 30, 40])
        var h = RecordingHandler()
        XCTAssertEqual(s.run(until: SimTime(nanoseconds: 35), maxEvents: 2, handler: &h), .eventLimit)
        XCTAssertEqual(s.now, SimTime(nanoseconds: 20))
        XCTAssertEqual(s.dispatched, 2)
        // Exactly the remaining events before `until`: the budget is not what stopped the run.
        XCTAssertEqual(s.run(until: SimTime(nanoseconds: 35), maxEvents: 1, handler: &h), .timeLimit)
        XCTAssertEqual(s.now, SimTime(nanoseconds: 35))
        XCTAssertEqual(s.run(until: .max, maxEvents: 0, handler: &h), .eventLimit)
        XCTAssertEqual(s.now, SimTime(nanoseconds: 35))
        XCTAssertEqual(s.run(until: .max, maxEvents: 1, handler: &h), .queueEmpty)
        XCTAssertEqual(h.trace.map(\.0), [10, 20, 30, 40])
        XCTAssertEqual(s.dispatched, 4)
    }

    func testZeroDelayRunsAfterAlreadyQueuedSameTimeEvents() {
        var s = makeScheduler([5, 5, 5, 6])
        var h = RecordingHandler()
        h.followUps[0] = (0, 100) // scheduled at now by event 0
        h.followUps[100] = (0, 101) // and a chain of zero delays
        h.followUps[2] = (1, 102) // at 6, after event 3 which was queued first
        XCTAssertEqual(s.run(until: .max, handler: &h), .queueEmpty)
        XCTAssertEqual(h.trace.map(\.1), [0, 1, 2, 100, 101, 3, 102])
        XCTAssertEqual(h.trace.map(\.0), [5, 5, 5, 5, 5, 6, 6])
    }

    func testSameSeedSameTraceAcrossRunSlicing() {
        func trace(seed: UInt64, slices: [Int64], maxEvents: UInt64 = .max) -> [(Int64, UInt64)] {
            var s = Scheduler()
            var model = RandomModel(random: RandomStreams(seed: seed).stream("model"))
            for i in 0..<50 { s.schedule(at: SimTime(nanoseconds: Int64(i % 7) * 100), EventPayload(raw: UInt64(i))) }
            for until in slices {
                while s.run(until: SimTime(nanoseconds: until), maxEvents: maxEvents, handler: &model) == .eventLimit {}
            }
            return model.trace
        }
        let a = trace(seed: 9, slices: [20_000])
        let b = trace(seed: 9, slices: [20_000])
        let c = trace(seed: 9, slices: [1, 150, 151, 999, 5_000, 12_000, 20_000])
        let e = trace(seed: 9, slices: [20_000], maxEvents: 7)
        let d = trace(seed: 10, slices: [20_000])
        XCTAssertGreaterThan(a.count, 200)
        XCTAssertTrue(a.elementsEqual(b, by: ==))
        XCTAssertTrue(a.elementsEqual(c, by: ==), "slicing a run with `until` must not change its trace")
        XCTAssertTrue(a.elementsEqual(e, by: ==), "slicing a run with `maxEvents` must not change its trace")
        XCTAssertFalse(a.elementsEqual(d, by: ==))
        // And the trace is in (time, scheduling order) order: times never decrease.
        XCTAssertTrue(zip(a, a.dropFirst()).allSatisfy { $0.0 <= $1.0 })
    }
}
