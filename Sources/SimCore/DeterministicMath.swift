// DeterministicMath: natural log and exp built from IEEE-754 basic operations only.
//
// The Swift standard library has no `log`/`exp`, and the C libraries differ in the last bit
// between platforms, which would make random variates (and so whole simulation traces) differ.
// These versions use only +, −, ×, ÷ and exact scaling, which IEEE 754 defines bit for bit,
// so a given seed yields the same samples everywhere. Accuracy: within a few ulp.
//
// A second reason: `rounded()` and `squareRoot()` compile to calls into libm (`rint`, `round`,
// `sqrt`) on Linux, and SimCore links nothing but the standard library.

@usableFromInline
enum DeterministicMath {
    /// ln 2 split so that `k * ln2Hi` is exact for |k| < 2¹¹ (ln2Hi has 32 significant bits).
    @usableFromInline static var ln2Hi: Double { 0.6931471803691238 }
    /// ln 2 − ln2Hi.
    @usableFromInline static var ln2Lo: Double { 1.9082149292705877e-10 }

    /// Natural logarithm. log(0) = −∞, log(x < 0) = NaN, log(+∞) = +∞.
    ///
    /// Method: x = 2ᵏ·m with m in [√½, √2); with f = m − 1 and s = f/(2+f),
    /// log(1+f) = 2·atanh(s) = f − (f²/2 − s·(f²/2 + R)), R = Σₙ 2s²ⁿ/(2n+1), ten terms.
    @usableFromInline
    static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x == .infinity { return .infinity }
        var k = Double(x.exponent) // exponent is exact for subnormals too
        var m = x.significand // in [1, 2)
        if m > 1.4142135623730951 {
            m *= 0.5
            k += 1
        }
        let f = m - 1 // exact (Sterbenz)
        let s = f / (2 + f)
        let z = s * s
        // R = 2z/3 + 2z²/5 + … + 2z¹⁰/21, by Horner.
        var r = 2.0 / 21.0
        r = r * z + 2.0 / 19.0
        r = r * z + 2.0 / 17.0
        r = r * z + 2.0 / 15.0
        r = r * z + 2.0 / 13.0
        r = r * z + 2.0 / 11.0
        r = r * z + 2.0 / 9.0
        r = r * z + 2.0 / 7.0
        r = r * z + 2.0 / 5.0
        r = r * z + 2.0 / 3.0
        r *= z
        let hfsq = 0.5 * f * f
        return k * ln2Hi + (f - (hfsq - (s * (hfsq + r) + k * ln2Lo)))
    }

    /// eˣ. Overflows to +∞ above ≈ 709.78, underflows to 0 below ≈ −745.13.
    ///
    /// Method: x = k·ln 2 + r with |r| ≤ ln2/2, eʳ by its Taylor series to r¹⁴, then scaled by 2ᵏ.
    @usableFromInline
    static func exp(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x > 709.782712893384 { return .infinity }
        if x < -745.1332191019412 { return 0 }
        let k = Double(roundedToInt64(x * 1.4426950408889634))
        let r = (x - k * ln2Hi) - k * ln2Lo
        // eʳ = 1 + r(1 + r/2(1 + r/3(… (1 + r/14)))).
        var p = 1.0
        var n = 14.0
        while n >= 1 {
            p = 1 + r / n * p
            n -= 1
        }
        return Double(sign: .plus, exponent: Int(k), significand: p)
    }

    /// `x` rounded to the nearest integer, ties away from zero. Precondition: x is finite and
    /// the result fits in `Int64` (|x| < 2⁶³).
    @inlinable
    static func roundedToInt64(_ x: Double) -> Int64 {
        precondition(x.isFinite && x >= -0x1p63 && x < 0x1p63, "value out of Int64 range")
        let truncated = Int64(x) // rounds toward zero
        let fraction = x - Double(truncated) // exact: |x| < 2⁵² or fraction is 0
        if fraction >= 0.5 { return truncated + 1 }
        if fraction <= -0.5 { return truncated - 1 }
        return truncated
    }

    /// √x for x ≥ 0 (NaN for x < 0), within 1 ulp: a bit-level first guess refined by Newton's
    /// iteration, which doubles the correct bits each step.
    @usableFromInline
    static func squareRoot(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 || x == .infinity { return x }
        // x = 2^e · m with m in [1, 4) and e even, so √x = 2^(e/2) · √m.
        var e = Int(x.exponent)
        var m = x.significand
        if e & 1 != 0 {
            e -= 1
            m *= 2
        }
        var y = 1 + (m - 1) * 0.4142135623730950 // chord through (1,1) and (4,2) … within 6%
        if m > 2 { y = 1.4142135623730951 + (m - 2) * 0.2928932188134524 }
        for _ in 0..<5 { y = 0.5 * (y + m / y) }
        return Double(sign: .plus, exponent: e / 2, significand: y)
    }
}
