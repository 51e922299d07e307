// LognormalTable: log-normal variates by table lookup, for per-packet delays.

/// The factors `e^(σ·z)` at 4,096 evenly spaced quantiles of the standard normal `z`, so a
/// log-normal delay is `median × factor` for one random draw: no logarithm or exponential per
/// sample. The quantiles are the midpoints `(i + ½) / 4096`, so the table's mean and spread match
/// the distribution's to within its truncation at the 0.012 % and 99.988 % points (|z| ≤ 3.67).
///
/// Built with ``DeterministicMath`` only, so a seed gives the same delays on every platform.
public struct LognormalTable: Sendable, Equatable {
    public static let bits = 12
    public let sigma: Double
    @usableFromInline let factors: ContiguousArray<Double>

    /// The table for shape `sigma` (0: every factor is 1, a constant delay).
    public init(sigma: Double) {
        self.sigma = sigma
        let n = 1 << Self.bits
        var f = ContiguousArray<Double>(repeating: 1, count: n)
        if sigma > 0 {
            for i in 0..<n {
                let q = (Double(i) + 0.5) / Double(n)
                f[i] = DeterministicMath.exp(sigma * Self.normalQuantile(q))
            }
        }
        factors = f
    }

    /// One factor, drawn with 12 random bits. - Complexity: O(1).
    @inlinable public func factor(_ random: inout RandomStream) -> Double {
        factors[Int(truncatingIfNeeded: random.next() >> UInt64(64 - Self.bits))]
    }

    /// The factor at quantile index `i` (0 ..< 4096), for tests.
    public func factor(at i: Int) -> Double { factors[i] }

    /// The standard normal quantile function, Acklam's rational approximation (relative error
    /// below 1.15e-9 over (0, 1); P. J. Acklam, "An algorithm for computing the inverse normal
    /// cumulative distribution function", 2003).
    static func normalQuantile(_ p: Double) -> Double {
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00,
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01,
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = DeterministicMath.squareRoot(-2 * DeterministicMath.log(p))
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low {
            let q = DeterministicMath.squareRoot(-2 * DeterministicMath.log(1 - p))
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let q = p - 0.5
        let r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}
