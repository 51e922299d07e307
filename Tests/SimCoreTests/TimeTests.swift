import XCTest
import TestSupport
import SimCore

final class TimeTests: XCTestCase {
    func testTimeArithmetic() {
        let t = SimTime(nanoseconds: 1_500)
        XCTAssertEqual(t + .microseconds(2), SimTime(nanoseconds: 3_500))
        XCTAssertEqual(t - .nanoseconds(500), SimTime(nanoseconds: 1_000))
        XCTAssertEqual(SimTime(nanoseconds: 3_500) - t, .microseconds(2))
        XCTAssertEqual(t - SimTime(nanoseconds: 3_500), .nanoseconds(-2_000))
        XCTAssertLessThan(SimTime.zero, t)
        XCTAssertEqual(SimTime.zero.nanoseconds, 0)
        XCTAssertEqual(SimTime(nanoseconds: 2_500_000_000).seconds, 2.5)
        XCTAssertEqual(SimDuration.seconds(3) * 4, .seconds(12))
        XCTAssertEqual(SimDuration.milliseconds(1) + .microseconds(1) - .nanoseconds(1), .nanoseconds(1_000_999))
        XCTAssertEqual(SimDuration.zero, .nanoseconds(0))
        XCTAssertEqual(SimDuration.milliseconds(250).seconds, 0.25)
        XCTAssertEqual(SimDuration(seconds: 1.5), .milliseconds(1_500))
        XCTAssertEqual(SimDuration(seconds: 1.7e-9), .nanoseconds(2))
        XCTAssertEqual(SimDuration(seconds: -1.7e-9), .nanoseconds(-2))
        XCTAssertEqual(SimDuration(seconds: 0.3e-9), .zero)
        XCTAssertEqual(SimDuration(seconds: -2.0000000004), .nanoseconds(-2_000_000_000))
    }

    /// Time arithmetic clamps instead of trapping (issue 10: a delay near Int64.max nanoseconds
    /// in a topology file killed the process with "arithmetic overflow").
    func testArithmeticSaturates() {
        let late = SimTime(nanoseconds: .max - 5)
        XCTAssertEqual(late + .seconds(1), .max)
        XCTAssertEqual(SimTime(nanoseconds: .min + 5) - .seconds(1), SimTime(nanoseconds: .min))
        XCTAssertEqual(SimTime.max - SimTime(nanoseconds: -10), SimDuration(nanoseconds: .max))
        XCTAssertEqual(SimDuration(nanoseconds: .max) + .nanoseconds(1), SimDuration(nanoseconds: .max))
        XCTAssertEqual(SimDuration(nanoseconds: .min) - .nanoseconds(1), SimDuration(nanoseconds: .min))
        XCTAssertEqual(SimDuration.seconds(.max), SimDuration(nanoseconds: .max))
        XCTAssertEqual(SimDuration.seconds(-Int64.max), SimDuration(nanoseconds: .min))
        XCTAssertEqual(SimDuration.seconds(10) * .max, SimDuration(nanoseconds: .max))
        XCTAssertEqual(SimDuration.seconds(10) * -Int64.max, SimDuration(nanoseconds: .min))
        XCTAssertEqual(SimDuration(seconds: 1e300), SimDuration(nanoseconds: .max))
        XCTAssertEqual(SimDuration(seconds: .infinity), SimDuration(nanoseconds: .max))
        XCTAssertEqual(SimDuration(seconds: -.infinity), SimDuration(nanoseconds: .min))
        XCTAssertEqual(SimDuration(seconds: 9.223372036854775e9), SimDuration(nanoseconds: 9_223_372_036_854_774_784))
        var s = Scheduler()
        struct Nothing: EventHandler { mutating func handle(_ event: Event, _ scheduler: inout Scheduler) {} }
        var h = Nothing()
        s.schedule(after: SimDuration(nanoseconds: .max), EventPayload(kind: 1, object: 0))
        s.run(until: SimTime(nanoseconds: 10), handler: &h)
        s.schedule(after: SimDuration(nanoseconds: .max), EventPayload(kind: 1, object: 0))
        XCTAssertEqual(s.nextEventTime(), .max)
    }

    func testTimeDescription() {
        XCTAssertEqual(SimTime(nanoseconds: 12_345_678_901).description, "12.345678901s")
        XCTAssertEqual(SimTime.zero.description, "0.000000000s")
        XCTAssertEqual(SimTime(nanoseconds: -1).description, "-0.000000001s")
        XCTAssertEqual(SimTime(nanoseconds: Int64.min).description, "-9223372036.854775808s")
    }

    func testParsingGoodInputs() {
        let cases: [(String, Int64)] = [
            ("90s", 90_000_000_000), ("10m", 600_000_000_000), ("1h", 3_600_000_000_000),
            ("250ms", 250_000_000), ("40us", 40_000), ("40µs", 40_000), ("15ns", 15),
            ("1.5s", 1_500_000_000), ("2h30m", 9_000_000_000_000), ("1d", 86_400_000_000_000),
            ("0", 0), ("-0", 0), ("0s", 0), ("-1.5s", -1_500_000_000), ("1d2h3m4s5ms6us7ns", 93_784_005_006_007),
            ("0.000000001s", 1), ("1.0000000004s", 1_000_000_000), ("1.0000000005s", 1_000_000_001),
            ("0.5ns", 1), ("0.25ns", 0), ("007s", 7_000_000_000), ("1.25m", 75_000_000_000),
            ("9223372036854775807ns", Int64.max), ("-9223372036854775808ns", Int64.min),
            ("0.123456789012345678s", 123_456_789),
        ]
        for (text, ns) in cases {
            XCTAssertEqual(SimDuration(parsing: text)?.nanoseconds, ns, text)
        }
    }

    func testParsingBadInputs() {
        let bad = [
            "", "s", "1", "1x", "1.s", ".5s", "1 s", " 1s", "1s ", "30m2h", "1s1s", "1ss", "--1s", "-",
            "1e3s", "1.5", "m", "1us2ms", "+1s", "1,5s", "1.2.3s", "9223372036854775808ns",
            "-9223372036854775809ns", "106752d", "99999999999999999999s", "1.1234567890123456789s",
            "1µ", "1u", "1n", "1 h", "1H", "00", "s1",
        ]
        for text in bad {
            XCTAssertNil(SimDuration(parsing: text), "\(text) should not parse")
        }
    }

    func testDescriptionIsShortestExactForm() {
        let cases: [(Int64, String)] = [
            (90_000_000_000, "90s"), (250_000_000, "250ms"), (1_500_000_000, "1.5s"), (3_600_000_000_000, "1h"),
            (60_000_000_000, "1m"), (0, "0s"), (1, "1ns"), (-1_500_000_000, "-1.5s"), (500_000_000, "500ms"),
            (129_600_000_000_000, "36h"), (9_000_000_000_000, "2.5h"), (86_400_000_000_000, "1d"),
            (1_000_001, "1000001ns"), (1_500, "1.5us"), (90_500_000_000, "90.5s"), (40_000, "40us"),
            (1_234_567_891, "1.234567891s"),
        ]
        for (ns, text) in cases {
            XCTAssertEqual(SimDuration.nanoseconds(ns).description, text)
        }
    }

    func testDescriptionRoundTrips() {
        var values: [Int64] = [Int64.max, Int64.min, Int64.min + 1, -1, 1, 999, 1_000, 59_999_999_999]
        forEachSeed(0..<1) { _, random in
            for _ in 0..<5_000 {
                let magnitude = Int64(bitPattern: random.next() >> random.bounded(64))
                values.append(random.bounded(2) == 0 ? magnitude : -magnitude)
                // Round numbers exercise the larger units.
                values.append(
                    Int64(random.bounded(10_000))
                        * [1, 1_000, 1_000_000, 100_000_000, 60_000_000_000][Int(random.bounded(5))])
            }
        }
        for v in values {
            let d = SimDuration.nanoseconds(v)
            XCTAssertEqual(SimDuration(parsing: d.description), d, d.description)
        }
    }
}
