// TestSupport: small helpers shared by the test targets.
import SimCore

/// Runs `body` once per seed in `seeds`, each time with a fresh `RandomStream` seeded from it,
/// so a failing case can be replayed from the seed it reports.
public func forEachSeed(_ seeds: Range<UInt64>, _ body: (_ seed: UInt64, _ random: inout RandomStream) throws -> Void) rethrows {
    for seed in seeds {
        var random = RandomStream(seed: seed)
        try body(seed, &random)
    }
}
