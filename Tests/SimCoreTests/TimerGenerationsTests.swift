import XCTest
@testable import SimCore

final class TimerGenerationsTests: XCTestCase {
    func testArmCancelAndStaleness() {
        var timers = TimerGenerations()
        XCTAssertFalse(timers.isCurrent(0, 0))
        XCTAssertFalse(timers.isArmed(3))
        let g1 = timers.arm(3) // grows storage to slot 3
        XCTAssertEqual(g1, 1)
        XCTAssertTrue(timers.isCurrent(3, g1))
        XCTAssertTrue(timers.isArmed(3))
        XCTAssertFalse(timers.isArmed(2))
        XCTAssertFalse(timers.isCurrent(2, 0))
        XCTAssertFalse(timers.isCurrent(2, 1))
        let g2 = timers.arm(3) // re-arming makes the first event stale
        XCTAssertNotEqual(g1, g2)
        XCTAssertFalse(timers.isCurrent(3, g1))
        XCTAssertTrue(timers.isCurrent(3, g2))
        timers.cancel(3)
        XCTAssertFalse(timers.isCurrent(3, g2))
        XCTAssertFalse(timers.isArmed(3))
        let g3 = timers.arm(3) // after a cancel, a fresh generation
        XCTAssertNotEqual(g3, g2)
        XCTAssertFalse(timers.isCurrent(3, g2))
        XCTAssertTrue(timers.isCurrent(3, g3))
        timers.cancel(1_000) // cancelling an unknown slot is harmless
        XCTAssertFalse(timers.isCurrent(1_000, 0))
        XCTAssertFalse(timers.isCurrent(-1, 1))
        XCTAssertFalse(timers.isCurrent(3, g3 | 1 << 24)) // not a 24-bit generation
        // Slots are independent.
        let other = timers.arm(0)
        XCTAssertTrue(timers.isCurrent(0, other))
        XCTAssertTrue(timers.isCurrent(3, g3))
    }

    func testGenerationsFitInAuxAndWrapSkippingZero() {
        var timers = TimerGenerations()
        timers.state = [0xFF_FFFE | TimerGenerations.armedBit]
        XCTAssertEqual(timers.arm(0), 0xFF_FFFF)
        let wrapped = timers.arm(0)
        XCTAssertEqual(wrapped, 1)
        XCTAssertTrue(timers.isCurrent(0, wrapped))
        XCTAssertFalse(timers.isCurrent(0, 0xFF_FFFF))
        // A generation always fits in an event's aux field.
        let payload = EventPayload(kind: 2, object: 0, aux: timers.arm(0))
        XCTAssertTrue(timers.isCurrent(Int(payload.object), payload.aux))
    }
}
