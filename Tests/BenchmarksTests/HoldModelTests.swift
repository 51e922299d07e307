import XCTest
import Benchmarks

/// The hold-model benchmark behind `vpcsim bench core`.
final class HoldModelTests: XCTestCase {
    func testHoldModelSmokeBothPaths() {
        for path in [false, true] {
            let r = HoldModel.run(pending: 100, events: 1_000, throughScheduler: path)
            XCTAssertEqual(r.pending, 100)
            XCTAssertEqual(r.events, 1_000)
            XCTAssertEqual(r.path, path ? "scheduler" : "queue")
            XCTAssertGreaterThan(r.seconds, 0)
            XCTAssertEqual(r.eventsPerSecond, 1_000 / r.seconds, accuracy: 1e-6 * r.eventsPerSecond)
        }
    }

    func testHoldDelayTableIsExponentialWithMeanOneSecond() {
        let table = HoldModel.delayTable(seed: 1)
        XCTAssertEqual(table.count, 1 << 20)
        XCTAssertTrue(table.allSatisfy { $0 >= 0 })
        let mean = Double(table.reduce(0, +)) / Double(table.count)
        XCTAssertEqual(mean, 1e9, accuracy: 1e7)
        // Pinned: −1e9·ln(1 − U) of the first two "bench.hold" draws, checked against libm in Python.
        XCTAssertEqual(Array(table.prefix(2)), [290_961_733, 199_874_332])
    }
}
