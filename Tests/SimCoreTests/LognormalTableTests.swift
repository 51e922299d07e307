import Testing
@testable import SimCore

/// The table behind every hop delay: its quantiles are those of the log-normal it stands for.
@Suite struct LognormalTableTests {
    @Test func sigmaZeroIsAConstant() {
        let t = LognormalTable(sigma: 0)
        var r = RandomStream(seed: 1)
        #expect((0..<100).allSatisfy { _ in t.factor(&r) == 1 })
    }

    @Test func quantilesMatchTheDistribution() {
        let sigma = 0.3
        let t = LognormalTable(sigma: sigma)
        let n = 1 << LognormalTable.bits
        // The median sits between the two middle entries; the 99th percentile at e^(2.3263 σ).
        #expect(abs(t.factor(at: n / 2 - 1) * t.factor(at: n / 2) - 1) < 1e-6)
        let p99 = t.factor(at: Int(0.99 * Double(n)))
        #expect(abs(p99 / DeterministicMath.exp(2.326348 * sigma) - 1) < 0.005, "p99 factor \(p99)")
        // Sorted, and the mean close to e^(σ²/2).
        #expect((1..<n).allSatisfy { t.factor(at: $0) >= t.factor(at: $0 - 1) })
        let mean = (0..<n).reduce(0.0) { $0 + t.factor(at: $1) } / Double(n)
        #expect(abs(mean / DeterministicMath.exp(sigma * sigma / 2) - 1) < 0.002, "mean \(mean)")
    }

    @Test func drawsAreDeterministicAndCoverTheTable() {
        let t = LognormalTable(sigma: 0.25)
        var a = RandomStream(seed: 9), b = RandomStream(seed: 9)
        let xs = (0..<10_000).map { _ in t.factor(&a) }
        #expect(xs == (0..<10_000).map { _ in t.factor(&b) })
        let sorted = xs.sorted()
        #expect(abs(sorted[5_000] - 1) < 0.02 && sorted[9_900] > 1.6 && sorted[100] < 0.6)
    }
}
