import Cost

/// What `vpcsim experiment` prints: per variant and point, latency with CIs and the monthly cost.
public enum ExperimentSummary {
    public static func text(_ o: ExperimentOutcome, directory: String) -> String {
        let r = o.results
        var s = "vpcsim experiment \(r.experiment): \(r.variants.count) variant\(r.variants.count == 1 ? "" : "s"), "
        s += "\(r.variants.first?.points.count ?? 0) point\((r.variants.first?.points.count ?? 0) == 1 ? "" : "s"), "
        s += "\(r.seeds.count) seed\(r.seeds.count == 1 ? "" : "s"): \(o.runs) runs (\(o.cached) from the cache)\n"
        for v in r.variants {
            for p in v.points {
                let label = r.parameters.map { "\($0.name) \(p.parameters[$0.name] ?? "")" }.joined(separator: ", ")
                s += "  \(v.name)\(label.isEmpty ? "" : " (" + label + ")"): "
                let ms = ExperimentReport.ms, ci = ExperimentReport.interval
                let c = p.cost
                s += "p50 \(ms(p.latencyMs.p50)) ms \(ci(p.latencyMs.p50Ci95, ms)), "
                s += "p99 \(ms(p.latencyMs.p99)) ms \(ci(p.latencyMs.p99Ci95, ms)), "
                s += "$\(DecimalText.fixed(c.monthlyUsd, 2))/month (fixed $\(DecimalText.fixed(c.fixedMonthlyUsd, 2)) "
                s += "+ usage $\(DecimalText.fixed(c.usageMonthlyUsd, 2)))\n"
            }
        }
        s += "  outputs      \(directory)/\n"
        for f in o.files { s += "               \(f)\n" }
        s += "  took         \(DecimalText.fixed(o.wallSeconds, 1)) s wall clock\n"
        return s
    }
}
