import SimCore

/// A size that varies per use: a constant, log-normal around a median, or uniform over a range
/// (both ends included). Draws come from the run's seeded stream, so the same seed draws the
/// same sizes; a constant draws nothing (its runs' streams stay as they were).
public enum SizeDistribution: Sendable, Hashable {
    case constant(Int)
    case logNormal(median: Int, sigma: Double)
    case uniform(Int, Int)

    /// A typical value (the constant, the median, the middle of the range): what budgets and
    /// estimates use.
    public var nominal: Int {
        switch self {
        case .constant(let n): n
        case .logNormal(let m, _): m
        case .uniform(let a, let b): a + (b - a) / 2
        }
    }

    /// One draw, kept within `bounds`.
    public func draw(_ random: inout RandomStream, within bounds: ClosedRange<Int>) -> Int {
        let v: Int
        switch self {
        case .constant(let n): v = n
        case .logNormal(let m, let sigma):
            guard sigma > 0 else { return min(max(m, bounds.lowerBound), bounds.upperBound) }
            let x = random.lognormal(median: Double(m), sigma: sigma)
            v = x >= Double(bounds.upperBound) ? bounds.upperBound : Int(x.rounded())
        case .uniform(let a, let b): v = Int(random.uniform(Int64(a)...Int64(b)))
        }
        return min(max(v, bounds.lowerBound), bounds.upperBound)
    }
}
