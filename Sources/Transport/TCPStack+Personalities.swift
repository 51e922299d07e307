// TCPStack+Personalities: a host that stands for many machines (an internet population) gives
// each of its addresses a stack of its own, drawn once from a mix.

import SimCore
import Wire
import NetModel

/// One entry of a personality mix: a profile and its weight.
public struct WeightedProfile: Sendable, Equatable {
    public var profile: TCPProfile
    public var weight: Int
    public init(_ profile: TCPProfile, weight: Int) { self.profile = profile; self.weight = weight }
}

/// A mix, interned: for each entry its cumulative weight and, per hop count, the index of the
/// profile with its TTL lowered by that many routers.
struct PersonalityTable: Sendable {
    var cumulative: [UInt64]
    var variants: [[Int32]]
}

extension TCPStack {
    /// Gives `host` a mix of personalities instead of one profile: each address of the host (an
    /// internet population's client or server) draws one entry of `mix`, by weight, and a hop
    /// count in `hops`, and keeps both for the run (a keyed hash of the address, so the same seed
    /// gives the same draws). The profile's TTL arrives lowered by the hop count: nothing on the
    /// path between an internet host and the VPC is modelled, so the host sends it lowered. The
    /// host's own profile (``setProfile(_:for:)``, for answers no socket gives) stays.
    public mutating func setPersonalities(_ mix: [WeightedProfile], hops: ClosedRange<Int>, for host: HostIndex) {
        precondition(!mix.isEmpty && mix.allSatisfy { $0.weight >= 0 } && mix.contains { $0.weight > 0 })
        var total: UInt64 = 0
        var table = PersonalityTable(cumulative: [], variants: [])
        for entry in mix {
            total += UInt64(entry.weight)
            table.cumulative.append(total)
            table.variants.append(
                hops.map { h in
                    var p = entry.profile
                    p.ttl = UInt8(clamping: max(1, Int(p.ttl) - h))
                    return Int32(intern(p))
                })
        }
        if hostPersonality.count <= host.int {
            hostPersonality += repeatElement(-1, count: host.int + 1 - hostPersonality.count)
        }
        hostPersonality[host.int] = Int32(personalityTables.count)
        personalityTables.append(table)
    }

    /// The profile a socket of `host` at `address` runs: the address's draw from the host's mix,
    /// or the host's profile.
    func profileIndex(of host: HostIndex, address: IPAddress) -> Int {
        guard host.int < hostPersonality.count, hostPersonality[host.int] >= 0 else { return profileIndex(of: host) }
        let t = personalityTables[Int(hostPersonality[host.int])]
        let h = SplitMix64.mix(timestampSecret ^ 0x7065_7273_6f6e_6173 ^ SplitMix64.mix(address.high ^ address.low))
        let pick = (h >> 32) % t.cumulative[t.cumulative.count - 1]
        var k = 0
        while t.cumulative[k] <= pick { k += 1 }
        let variants = t.variants[k]
        return Int(variants[Int(h & 0xFFFF) % variants.count])
    }

    /// The profile `host` at `address` runs (a test and report hook).
    public func profile(of host: HostIndex, address: IPAddress) -> TCPProfile {
        profiles[profileIndex(of: host, address: address)]
    }
}
