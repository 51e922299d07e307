/// Which warm environment an invocation gets: the most recently used idle one of its function
/// (assumed: Lambda does not document its placement; reusing the most recent keeps the fewest
/// environments warm). Each function keeps a stack of the environments that went idle, in the order
/// they did (so by `lastUsed`); an environment reclaimed or shut down while on it stays until it
/// reaches the top and is dropped there. Constant time per invocation instead of a scan of every
/// environment ever created.
extension World {
    mutating func pushIdleEnvironment(_ env: Int) {
        let f = Int(environments[env].function)
        while idleEnvironments.count <= f { idleEnvironments.append([]) }
        idleEnvironments[f].append(Int32(env))
    }

    /// The idle environment with the latest `lastUsed` (the lowest index among equal times),
    /// taken off its function's stack; nil when none is idle.
    mutating func takeIdleEnvironment(function f: Int) -> Int? {
        guard f < idleEnvironments.count else { return nil }
        while let top = idleEnvironments[f].last, environments[Int(top)].phase != .idle {
            idleEnvironments[f].removeLast()
        }
        guard let top = idleEnvironments[f].last else { return nil }
        let latest = environments[Int(top)].lastUsed
        var pick = idleEnvironments[f].count - 1
        var j = pick - 1
        while j >= 0 {
            let e = Int(idleEnvironments[f][j])
            if environments[e].phase == .idle {
                if environments[e].lastUsed != latest { break }
                if e < Int(idleEnvironments[f][pick]) { pick = j }
            }
            j -= 1
        }
        return Int(idleEnvironments[f].remove(at: pick))
    }
}
