import SimCore
import Wire
import NetModel

/// Which session cache entry a client's connection uses: the client (a Lambda execution
/// environment's SDK, or a dataset client machine), the server's name and port, and the TLS client.
struct TicketCacheKey: Hashable, Sendable {
    var client: UInt64
    var name: UInt32
    var port: UInt16
    var profile: UInt8

    /// A Lambda execution environment's SDK client (its `https.Agent` or `SSLContext` lives
    /// as long as the environment).
    static func environment(_ env: Int) -> UInt64 { 1 << 32 | UInt64(env) }

    /// A dataset client machine, by its address: a browser keeps its cache across the sessions
    /// of its machine. (A generator's host stands for a whole population of addresses, each one
    /// machine, so the host alone would share one cache among them all.) IPv4: tag 2 and the
    /// address; IPv6: the top bit and a hash of the address.
    static func machine(_ a: IPAddress) -> UInt64 {
        a.isIPv4
            ? 2 << 32 | UInt64(a.ipv4Raw)
            : 1 << 63 | SplitMix64.mix(a.high ^ SplitMix64.mix(a.low)) >> 1
    }
}

/// The newest ticket a client holds for one server: the offer it would make (age and acceptance
/// filled in when used), when it arrived, and its lifetime hint.
struct CachedTicket: Sendable {
    var offer: TLSResumptionOffer
    var received: SimTime
    var lifetimeSeconds: UInt32
}

/// Clients' TLS 1.3 session caches. A client whose profile keeps sessions
/// (``Wire/TLSClientProfile/sessionReuse``) stores the newest NewSessionTicket of each server
/// when it arrives (Node's `'session'` event, JSSE's cache by host and port: one session per
/// server, the newer replacing the older), offers it on its next connection while the ticket's
/// lifetime lasts (RFC 8446 §4.6.1: not beyond ticket_lifetime), and drops it after use when it
/// uses tickets once. The server resumes when the ticket is within its own lifetime; else it
/// ignores the PSK and makes a full handshake (RFC 8446 §4.2.11).
extension World {
    /// The cache slot of `key`, made on first use.
    mutating func ticketCacheSlot(_ key: TicketCacheKey) -> Int32 {
        if let k = ticketCacheIndex[key] { return k }
        ticketCaches.append(nil)
        let k = Int32(ticketCaches.count - 1)
        ticketCacheIndex[key] = k
        return k
    }

    /// The offer a connection's ClientHello makes from cache slot `slot` at `now` (0: none, a
    /// full handshake), and whether the server of profile `server` accepts it.
    mutating func takeTicket(_ slot: Int32, reuse: TLSSessionReuse, server: TLSServerProfile, now: SimTime)
        -> (offer: UInt32, accepted: Bool)
    {
        guard slot >= 0, let t = ticketCaches[Int(slot)] else { return (0, false) }
        let age = max(0, (now - t.received).nanoseconds) / 1_000_000
        guard age <= Int64(t.lifetimeSeconds) * 1000 else {
            ticketCaches[Int(slot)] = nil // expired: OpenSSL and JSSE drop it from the cache
            return (0, false)
        }
        if reuse == .singleUse { ticketCaches[Int(slot)] = nil }
        var offer = t.offer
        offer.ageMilliseconds = UInt32(truncatingIfNeeded: age)
        offer.accepted = server.tickets.count > 0 && age <= Int64(server.tickets.lifetime) * 1000
        // Only captures read offers: they take them from the observation log into their copy of
        // the catalog, in order, so the count here is each offer's index there.
        resumptionOffers &+= 1
        if tcp.recordStreams { network.log.resumptionOffers.append(offer) }
        return (resumptionOffers, offer.accepted)
    }

    /// The NewSessionTickets of connection `c` reached its client: the cache keeps the last.
    mutating func storeTickets(_ c: UInt32, _ now: SimTime) {
        guard let ch = channels[c], ch.ticketCache >= 0, ch.plan >= 0 else { return }
        let entry = tlsPlans[Int(ch.plan)]
        let count = entry.flights[TLSPlanEntry.serverFinish].count
        guard entry.tls13, count > 0 else { return }
        ticketCaches[Int(ch.ticketCache)] = CachedTicket(
            offer: TLSResumptionOffer(
                issuer: c, client: entry.client, server: entry.server, serverName: ch.serverName,
                clientSeed: ch.helloSeed,
                serverSeed: ch.serverHelloSeed, issuerOffer: ch.offer, ticket: UInt8(count - 1), accepted: false,
                ageMilliseconds: 0),
            received: now, lifetimeSeconds: entry.server.profile.tickets.lifetime)
    }

    /// The handshake work `full` of one side, a third of it when connection `c` resumed: no
    /// certificate to sign or verify, the X25519 exchange and the key schedule remain (assumed:
    /// an RSA-2048 signature or chain check costs several X25519 operations; no published
    /// per-handshake figure for these servers and SDKs).
    func resumedHandshakeTime(_ c: UInt32, _ full: SimDuration) -> SimDuration {
        guard let k = planIndex(c), tlsPlans[k].plan.resumed else { return full }
        return SimDuration(nanoseconds: full.nanoseconds / 3)
    }
}
