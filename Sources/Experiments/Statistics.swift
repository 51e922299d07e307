/// Small statistics for replications: exact quantiles of samples, means, and Student-t
/// confidence intervals over independent runs (one value per seed).
public enum Statistics {
    /// The `p`-quantile (0…1) of sorted values, interpolating between order statistics as R's
    /// default (type 7) and NumPy's `linear` do. 0 for no values.
    public static func quantile(sorted xs: [Double], _ p: Double) -> Double {
        guard !xs.isEmpty else { return 0 }
        let h = Double(xs.count - 1) * min(max(p, 0), 1)
        let lo = Int(h)
        let hi = min(lo + 1, xs.count - 1)
        return xs[lo] + (h - Double(lo)) * (xs[hi] - xs[lo])
    }

    public static func mean(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }

    /// Sample standard deviation (n − 1).
    public static func standardDeviation(_ xs: [Double]) -> Double {
        guard xs.count > 1 else { return 0 }
        let m = mean(xs)
        return (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)).squareRoot()
    }

    /// The 97.5 % point of Student's t with `df` degrees of freedom (tables to 30; beyond, the
    /// Cornish–Fisher expansion z + (z³ + z) / 4df, within 0.001 there).
    public static func t975(df: Int) -> Double {
        let table: [Double] = [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
            2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ]
        guard df >= 1 else { return .infinity }
        if df <= table.count { return table[df - 1] }
        let z = 1.959964
        return z + (z * z * z + z) / (4 * Double(df))
    }

    /// The 95 % confidence interval of the mean of independent replications `xs`: mean ±
    /// t(0.975, n − 1) · s / √n. Nil with fewer than two.
    public static func confidenceInterval95(_ xs: [Double]) -> (lower: Double, upper: Double)? {
        guard xs.count >= 2 else { return nil }
        let m = mean(xs)
        let half = t975(df: xs.count - 1) * standardDeviation(xs) / Double(xs.count).squareRoot()
        return (m - half, m + half)
    }
}
