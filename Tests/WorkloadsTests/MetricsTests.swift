import Testing
import TestSupport
import SimCore
import Workloads

@Suite struct MetricsTests {
    /// `statistics(percentiles:)` answers in one pass exactly what the per-figure accessors
    /// answer one by one (the summary's figures must not change).
    @Test func statisticsMatchPerFigureAccessors() {
        let ps: [Double] = [50, 90, 99, 0, 100, 99.9, 25, 1e-9]
        forEachSeed(0..<60) { seed, random in
            var d = LatencyDistribution()
            let n = seed < 4 ? Int(seed) : Int(random.bounded(5_000))
            for _ in 0..<n {
                // Mostly milliseconds, some far tails (and clamping below 1 µs).
                let median = random.bounded(10) == 0 ? 2.0 : 0.005
                d.record(SimDuration(seconds: random.lognormal(median: median, sigma: 1.2)))
            }
            let s = d.statistics(percentiles: ps)
            #expect(s.percentiles == ps.map { d.percentile($0) }, "seed \(seed)")
            #expect(s.mean == d.mean, "seed \(seed)")
            #expect(s.max == d.max, "seed \(seed)")
        }
    }
}
