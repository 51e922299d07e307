// Random numbers: deterministic, seeded generators and named per-component streams.

/// A fast, high-quality, deterministic pseudo-random generator: xoshiro256** (Blackman &
/// Vigna), its 256-bit state filled from the seed by SplitMix64.
///
/// Every method is defined in terms of `next()` with integer or IEEE-754 basic arithmetic
/// only (log, exp and square root are computed in-house, see `DeterministicMath`), so a seed
/// gives the same values on every platform and Swift version. Period 2²⁵⁶ − 1.
public struct RandomStream: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// Creates a generator whose state is four successive SplitMix64 outputs from `seed`.
    public init(seed: UInt64) {
        var sm = seed
        s0 = SplitMix64.next(&sm)
        s1 = SplitMix64.next(&sm)
        s2 = SplitMix64.next(&sm)
        s3 = SplitMix64.next(&sm)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 } // the all-zero state is a fixed point
    }

    /// The next 64 random bits.
    /// - Complexity: O(1).
    @inlinable
    public mutating func next() -> UInt64 {
        let result = RandomStream.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = RandomStream.rotl(s3, 45)
        return result
    }

    /// Rotates `x` left by `k` bits (0 < k < 64).
    @inlinable @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x &<< k) | (x &>> (64 &- k)) }

    /// A uniform `Double` in [0, 1) with 53 random bits (every multiple of 2⁻⁵³ equally likely).
    @inlinable
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform integer in [0, n), without modulo bias (Lemire's multiply-and-reject).
    /// Precondition: n > 0.
    /// - Complexity: O(1) expected; rejects with probability < n / 2⁶⁴.
    @inlinable
    public mutating func bounded(_ n: UInt64) -> UInt64 {
        precondition(n > 0, "RandomStream.bounded: n must be positive")
        var product = next().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n // 2⁶⁴ mod n
            while product.low < threshold {
                product = next().multipliedFullWidth(by: n)
            }
        }
        return product.high
    }

    /// A uniform integer in `range` (both ends included), unbiased.
    /// - Complexity: O(1) expected.
    @inlinable
    public mutating func uniform(_ range: ClosedRange<Int64>) -> Int64 {
        let span = UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1
        if span == 0 { return Int64(bitPattern: next()) } // the whole Int64 range
        return range.lowerBound &+ Int64(bitPattern: bounded(span))
    }

    /// An exponentially distributed value with the given mean (inversion: −mean·ln(1 − U)).
    /// Always finite and ≥ 0 for a finite, non-negative mean.
    public mutating func exponential(mean: Double) -> Double {
        -mean * DeterministicMath.log(1 - nextDouble())
    }

    /// A normally distributed value (Marsaglia's polar method; the second variate of each
    /// pair is discarded so the stream state stays four words).
    public mutating func normal(mean: Double, sd: Double) -> Double {
        while true {
            let u = 2 * nextDouble() - 1
            let v = 2 * nextDouble() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return mean + sd * u * DeterministicMath.squareRoot(-2 * DeterministicMath.log(s) / s)
            }
        }
    }

    /// A log-normally distributed value: `median · e^(sigma·N(0,1))`.
    public mutating func lognormal(median: Double, sigma: Double) -> Double {
        median * DeterministicMath.exp(sigma * normal(mean: 0, sd: 1))
    }
}

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", 2014):
/// expands seeds, and mixes 64 bits. The one copy in the package: every model and loader that
/// needs a deterministic mix calls it.
public enum SplitMix64 {
    /// The increment between successive states: 2⁶⁴ divided by the golden ratio, made odd.
    public static var gamma: UInt64 { 0x9E37_79B9_7F4A_7C15 }

    /// Advances `state` and returns the next output.
    @inlinable
    public static func next(_ state: inout UInt64) -> UInt64 {
        state &+= gamma
        return mix(state)
    }

    /// The SplitMix64 finalizer: a bijective avalanche of 64 bits.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        let z = halfMix(value) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The `index`-th output of the stream that starts at `seed`, without walking it: a counter-mode
    /// hash for values that must not depend on how many were drawn before (window phases, file
    /// names, filler bytes).
    @inlinable
    public static func value(seed: UInt64, index: UInt64) -> UInt64 {
        mix(seed &+ (index &+ 1) &* gamma)
    }

    /// The finalizer's first round and the next shift only, a weaker avalanche. The seeds of TLS
    /// records' filler bytes are made with it (`Channel.nextSeed`); they stay so, as captures of
    /// the shipped topologies pin those bytes. New code uses `mix`.
    @inlinable
    public static func halfMix(_ value: UInt64) -> UInt64 {
        let z = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        return z ^ (z >> 27)
    }
}

/// FNV-1a, 64-bit (Fowler, Noll & Vo; draft-eastlake-fnv): a fixed, documented hash, stable across
/// processes and platforms (unlike `Hasher`), used to turn names into seeds and ids.
public struct FNV1a64: Sendable {
    /// The standard 64-bit offset basis.
    public static var offsetBasis: UInt64 { 0xCBF2_9CE4_8422_2325 }

    /// The hash of the bytes added so far.
    public private(set) var hash: UInt64

    /// An empty hash starting from `basis` (the standard offset basis unless told otherwise).
    public init(basis: UInt64 = FNV1a64.offsetBasis) { hash = basis }

    public mutating func add(_ byte: UInt8) {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    /// The hash of `bytes` (e.g. a string's `utf8`).
    public static func hash<Bytes: Sequence>(_ bytes: Bytes, basis: UInt64 = FNV1a64.offsetBasis) -> UInt64
    where Bytes.Element == UInt8 {
        var h = FNV1a64(basis: basis)
        for b in bytes { h.add(b) }
        return h.hash
    }
}

/// The root of all randomness in a run: one seed, from which every component draws its own
/// independent, named stream.
///
/// Streams depend only on the seed and the name (and index), never on the order in which
/// components ask for them, so adding a component does not perturb the others' numbers.
public struct RandomStreams: Sendable {
    /// The run's seed.
    public let seed: UInt64

    /// Creates the stream family for `seed`.
    public init(seed: UInt64) { self.seed = seed }

    /// The stream for component `name`, e.g. `"workload.arrivals"`.
    ///
    /// Derivation (stable across runs, platforms and Swift versions): h = FNV-1a-64 of the
    /// UTF-8 bytes of `name`; the stream is `RandomStream(seed: mix(seed ^ mix(h)))`, where
    /// `mix` is the SplitMix64 finalizer.
    /// - Complexity: O(name length).
    public func stream(_ name: String) -> RandomStream {
        derive(FNV1a64.hash(name.utf8))
    }

    /// The `index`-th stream of component `name`, e.g. one per instance: as `stream(_:)` but
    /// the hash also covers a 0xFF separator byte (never present in UTF-8) and the 8
    /// little-endian bytes of `index`.
    /// - Complexity: O(name length).
    public func stream(_ name: String, index: Int) -> RandomStream {
        var h = FNV1a64()
        for byte in name.utf8 { h.add(byte) }
        h.add(0xFF)
        let bits = UInt64(bitPattern: Int64(index))
        for shift in stride(from: 0, to: 64, by: 8) { h.add(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        return derive(h.hash)
    }

    private func derive(_ nameHash: UInt64) -> RandomStream {
        RandomStream(seed: SplitMix64.mix(seed ^ SplitMix64.mix(nameHash)))
    }
}
