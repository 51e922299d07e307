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
                s += "p50 \(ExperimentReport.ms(p.latencyMs.p50)) ms \(ExperimentReport.interval(p.latencyMs.p50Ci95, ExperimentReport.ms)), "
                s += "p99 \(ExperimentReport.ms(p.latencyMs.p99)) ms \(ExperimentReport.interval(p.latencyMs.p99Ci95, ExperimentReport.ms)), "
                s += "$\(DecimalText.fixed(p.cost.monthlyUsd, 2))/month "
                s += "(fixed $\(DecimalText.fixed(p.cost.fixedMonthlyUsd, 2)) + usage $\(DecimalText.fixed(p.cost.usageMonthlyUsd, 2)))\n"
            }
        }
        s += "  outputs      \(directory)/\n"
        for f in o.files { s += "               \(f)\n" }
        s += "  took         \(DecimalText.fixed(o.wallSeconds, 1)) s wall clock\n"
        return s
    }
}
