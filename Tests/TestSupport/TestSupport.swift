// TestSupport: small helpers shared by the test targets.
import SimCore

/// Runs `body` once per seed in `seeds`, each time with a fresh `RandomStream` seeded from it,
/// so a failing case can be replayed from the seed it reports.
public func forEachSeed(_ seeds: Range<UInt64>, _ body: (_ seed: UInt64, _ random: inout RandomStream) throws -> Void)
    rethrows
{
    for seed in seeds {
        var random = RandomStream(seed: seed)
        try body(seed, &random)
    }
}

/// The repository's root directory (found from this file's path).
public func repositoryRoot(file: StaticString = #filePath) -> String {
    var parts = "\(file)".split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    while let last = parts.last, last != "Tests" { parts.removeLast() }
    parts.removeLast()
    return parts.joined(separator: "/")
}

/// The shared run checker (`../shared/tools/check-run` next to the repository, or the path in
/// `VPCSIM_CHECK_RUN`). Nil when it cannot be found.
public func checkRunTool() -> String? {
    if let p = environmentValue("VPCSIM_CHECK_RUN"), fileExists(p) { return p }
    var dir = repositoryRoot()
    for _ in 0..<4 {
        let candidate = dir + "/../shared/tools/check-run"
        if fileExists(candidate) { return candidate }
        dir += "/.."
    }
    return fileExists("/work/shared/tools/check-run") ? "/work/shared/tools/check-run" : nil
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func fileExists(_ p: String) -> Bool { access(p, F_OK) == 0 }
func environmentValue(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
