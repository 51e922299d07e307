import XCTest
import TestSupport
@testable import SimCore
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

final class RandomTests: XCTestCase {
    /// Pinned outputs, computed by an independent implementation of SplitMix64 seeding +
    /// xoshiro256** + FNV-1a-64 naming. A change of generator or derivation breaks these.
    func testPinnedValues() {
        var r0 = RandomStream(seed: 0)
        XCTAssertEqual(
            [r0.next(), r0.next(), r0.next()], [0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0])
        var r42 = RandomStream(seed: 42)
        XCTAssertEqual(
            [r42.next(), r42.next(), r42.next()], [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1])
        var named = RandomStreams(seed: 1).stream("workload.arrivals")
        XCTAssertEqual([named.next(), named.next()], [0x87EC_9B1D_1516_D595, 0xB721_E178_1BD6_3C94])
        var indexed = RandomStreams(seed: 1).stream("link", index: 3)
        XCTAssertEqual([indexed.next(), indexed.next()], [0x68D4_3F3D_B577_4A7C, 0xC902_175A_D65C_0215])
        var r7 = RandomStream(seed: 7)
        XCTAssertEqual(r7.nextDouble(), 0.7005764821796896)
    }

    func testFNV1aKnownValues() {
        var empty = FNV1a64()
        XCTAssertEqual(empty.hash, 0xCBF2_9CE4_8422_2325)
        empty.add(UInt8(ascii: "a"))
        XCTAssertEqual(empty.hash, 0xAF63_DC4C_8601_EC8C)
        XCTAssertEqual(FNV1a64.hash("a".utf8), 0xAF63_DC4C_8601_EC8C)
        XCTAssertEqual(FNV1a64.hash("foobar".utf8), 0x8594_4171_F739_67E8)
        XCTAssertEqual(FNV1a64.hash([], basis: 7), 7)
    }

    /// SplitMix64's published first outputs for seed 0, and the finalizer split in two halves.
    func testSplitMix64KnownValues() {
        var state: UInt64 = 0
        XCTAssertEqual(SplitMix64.next(&state), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(SplitMix64.next(&state), 0x6E78_9E6A_A1B9_65F4)
        forEachSeed(0..<100) { _, r in
            let v = r.next()
            let h = SplitMix64.halfMix(v) &* 0x94D0_49BB_1331_11EB
            XCTAssertEqual(SplitMix64.mix(v), h ^ (h >> 31))
        }
    }

    func testStreamsAreReproducibleAndDistinct() {
        let streams = RandomStreams(seed: 123)
        XCTAssertEqual(streams.seed, 123)
        func first(_ s: RandomStream, _ n: Int = 8) -> [UInt64] {
            var s = s
            return (0..<n).map { _ in s.next() }
        }
        XCTAssertEqual(first(streams.stream("a")), first(RandomStreams(seed: 123).stream("a")))
        XCTAssertNotEqual(first(streams.stream("a")), first(streams.stream("b")))
        XCTAssertNotEqual(first(streams.stream("a")), first(RandomStreams(seed: 124).stream("a")))
        XCTAssertNotEqual(first(streams.stream("a", index: 0)), first(streams.stream("a", index: 1)))
        XCTAssertNotEqual(first(streams.stream("a", index: 0)), first(streams.stream("a")))
        XCTAssertEqual(first(streams.stream("a", index: 5)), first(streams.stream("a", index: 5)))
        // 1,000 names: all first outputs distinct.
        let firsts = Set((0..<1_000).map { first(streams.stream("node\($0)"), 1)[0] })
        XCTAssertEqual(firsts.count, 1_000)
    }

    func testBoundedStaysInRangeAndIsRoughlyUniform() {
        forEachSeed(0..<4) { _, random in
            for n: UInt64 in [1, 2, 3, 7, 1_000, (1 << 63) + 1, UInt64.max] {
                for _ in 0..<2_000 { XCTAssertLessThan(random.bounded(n), n) }
            }
            var counts = [0, 0, 0]
            for _ in 0..<30_000 { counts[Int(random.bounded(3))] += 1 }
            for c in counts { XCTAssertEqual(Double(c), 10_000, accuracy: 500) }
            // n = 1.5·2⁶³: a plain modulo would put 5/8 of draws in the lower half; Lemire puts 1/2.
            let n: UInt64 = (1 << 63) + (1 << 62)
            var low = 0
            for _ in 0..<20_000 where random.bounded(n) < n / 2 { low += 1 }
            XCTAssertEqual(Double(low), 10_000, accuracy: 500)
        }
    }

    func testUniformRange() {
        var r = RandomStream(seed: 5)
        for _ in 0..<10_000 {
            let v = r.uniform(-3...4)
            XCTAssertTrue((-3...4).contains(v))
        }
        XCTAssertEqual(r.uniform(9...9), 9)
        let all = Set((0..<1_000).map { _ in r.uniform(-1...1) })
        XCTAssertEqual(all, [-1, 0, 1])
        _ = r.uniform(Int64.min...Int64.max) // full range must not trap
        let extremes = (0..<1_000).map { _ in r.uniform(Int64.max - 1...Int64.max) }
        XCTAssertEqual(Set(extremes), [Int64.max - 1, Int64.max])
    }

    func testNextDoubleIsInUnitInterval() {
        var r = RandomStream(seed: 11)
        var sum = 0.0
        for _ in 0..<100_000 {
            let d = r.nextDouble()
            XCTAssertTrue(d >= 0 && d < 1)
            sum += d
        }
        XCTAssertEqual(sum / 100_000, 0.5, accuracy: 0.01)
    }

    func testExponentialMean() {
        var r = RandomStreams(seed: 3).stream("exp")
        var sum = 0.0
        let n = 1_000_000
        for _ in 0..<n {
            let x = r.exponential(mean: 2.5)
            XCTAssertTrue(x >= 0 && x.isFinite)
            sum += x
        }
        XCTAssertEqual(sum / Double(n), 2.5, accuracy: 0.025)
    }

    func testNormalAndLognormal() {
        var r = RandomStreams(seed: 4).stream("normal")
        let n = 200_000
        var sum = 0.0, sumSq = 0.0
        for _ in 0..<n {
            let x = r.normal(mean: 10, sd: 3)
            sum += x
            sumSq += x * x
        }
        let mean = sum / Double(n)
        XCTAssertEqual(mean, 10, accuracy: 0.05)
        XCTAssertEqual((sumSq / Double(n) - mean * mean).squareRoot(), 3, accuracy: 0.05)
        var samples = (0..<100_001).map { _ in r.lognormal(median: 7, sigma: 0.5) }
        samples.sort()
        XCTAssertTrue(samples[0] > 0)
        XCTAssertEqual(samples[50_000], 7, accuracy: 0.1)
    }

    func testDeterministicMathAgreesWithLibm() {
        var r = RandomStream(seed: 99)
        func ulps(_ a: Double, _ b: Double) -> UInt64 {
            a.bitPattern > b.bitPattern ? a.bitPattern - b.bitPattern : b.bitPattern - a.bitPattern
        }
        for _ in 0..<20_000 {
            let x = Double(sign: .plus, exponent: Int(r.bounded(200)) - 100, significand: 1 + r.nextDouble())
            XCTAssertLessThanOrEqual(ulps(DeterministicMath.log(x), log(x)), 2, "log(\(x))")
            XCTAssertLessThanOrEqual(ulps(DeterministicMath.squareRoot(x), x.squareRoot()), 1, "sqrt(\(x))")
            let y = (r.nextDouble() - 0.5) * 1_400
            XCTAssertLessThanOrEqual(ulps(DeterministicMath.exp(y), exp(y)), 2, "exp(\(y))")
        }
        XCTAssertEqual(DeterministicMath.log(1), 0)
        XCTAssertEqual(DeterministicMath.log(0), -.infinity)
        XCTAssertTrue(DeterministicMath.log(-1).isNaN)
        XCTAssertEqual(DeterministicMath.log(.leastNonzeroMagnitude), log(.leastNonzeroMagnitude), accuracy: 1e-12)
        XCTAssertEqual(DeterministicMath.exp(0), 1)
        XCTAssertEqual(DeterministicMath.exp(1_000), .infinity)
        XCTAssertEqual(DeterministicMath.exp(-1_000), 0)
        XCTAssertEqual(DeterministicMath.squareRoot(4), 2)
        XCTAssertEqual(DeterministicMath.squareRoot(0), 0)
        XCTAssertEqual(DeterministicMath.roundedToInt64(2.5), 3)
        XCTAssertEqual(DeterministicMath.roundedToInt64(-2.5), -3)
        XCTAssertEqual(DeterministicMath.roundedToInt64(2.4999999), 2)
        XCTAssertEqual(DeterministicMath.roundedToInt64(0x1p60), 1 << 60)
    }
}
