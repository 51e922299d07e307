import SimCore
import Wire

/// The TLS clients a session generator's clients speak through, with weights. Each client
/// address draws one from its address (a hash, not the run's random stream), so a host keeps its
/// browser for the whole run and the draw moves no other output.
public struct TLSClientMix: Sendable, Hashable {
    public var entries: [Entry]
    public struct Entry: Sendable, Hashable {
        public var client: TLSClientProfileID
        public var weight: UInt32
        public init(_ client: TLSClientProfileID, _ weight: UInt32) { self.client = client; self.weight = weight }
    }

    public init(_ entries: [Entry]) {
        precondition(!entries.isEmpty && entries.allSatisfy { $0.weight > 0 }, "a mix needs positive weights")
        self.entries = entries
    }

    /// One client only.
    public static func only(_ client: TLSClientProfileID) -> TLSClientMix { TLSClientMix([Entry(client, 1)]) }

    /// Clients inside a VPC (an application's own HTTPS client): boto3's stack, as before mixes
    /// existed (ASSUMED: a Python service).
    public static let applications = only(.boto3OpenSSL3)

    /// People on the internet reaching a web site: browser shares rounded from StatCounter's
    /// worldwide browser market share for 2025 (https://gs.statcounter.com/browser-market-share:
    /// Chrome ~68 %, Safari ~17 %, Edge ~5 %, Firefox ~2.5 %, Samsung Internet and Opera ~2 %
    /// each). Edge, Samsung Internet and Opera are Chromium, so they send Chrome's hello; scripts
    /// and monitors (curl) are ASSUMED at 4 %.
    public static let browsers = TLSClientMix([
        Entry(.chrome, 76), Entry(.safari, 17), Entry(.firefox, 3), Entry(.curlOpenSSL30, 4),
    ])

    public var totalWeight: UInt64 { entries.reduce(0) { $0 + UInt64($1.weight) } }

    /// The client of the host at `address` in generator `generator`.
    public func client(for address: IPAddress, generator: Int) -> TLSClientProfileID {
        if entries.count == 1 { return entries[0].client }
        var x = SplitMix64.mix(address.high ^ SplitMix64.mix(address.low ^ UInt64(generator)))
        x %= totalWeight
        for e in entries {
            if x < UInt64(e.weight) { return e.client }
            x -= UInt64(e.weight)
        }
        return entries[entries.count - 1].client
    }
}
