// TLS 1.3 session resumption on the wire (RFC 8446 §2.2, §4.2.11): the pre_shared_key extension
// a resuming client writes last in its ClientHello, which clients keep tickets and offer them
// again (a property of the client profile), and how a resumed handshake refers to the
// connection whose NewSessionTicket it uses.

/// The pre_shared_key extension of a ClientHello (RFC 8446 §4.2.11) with one PskIdentity — the
/// ticket as the server sent it, and its obfuscated age — and one binder.
public struct TLSOfferedPSK: Hashable, Sendable {
    /// The opaque ticket of the NewSessionTicket being used.
    public var identity: [UInt8]
    /// The ticket's age in milliseconds plus its ticket_age_add, modulo 2^32 (RFC 8446 §4.2.11.1).
    public var obfuscatedTicketAge: UInt32
    /// HMAC over the truncated ClientHello: the hash length of the ticket's suite.
    public var binder: [UInt8]

    public init(identity: [UInt8], obfuscatedTicketAge: UInt32, binder: [UInt8]) {
        precondition(!identity.isEmpty && identity.count < 65536 && binder.count >= 32 && binder.count <= 255)
        self.identity = identity
        self.obfuscatedTicketAge = obfuscatedTicketAge
        self.binder = binder
    }

    /// obfuscated_ticket_age = age in ms + ticket_age_add, mod 2^32 (RFC 8446 §4.2.11.1).
    public static func obfuscatedAge(milliseconds: UInt32, ageAdd: UInt32) -> UInt32 { milliseconds &+ ageAdd }

    /// The whole extension: type, length, identities (2-byte list length; identity with a 2-byte
    /// length, 4-byte obfuscated age), binders (2-byte list length; binder with a 1-byte length).
    public var extensionLength: Int { 4 + 2 + 2 + identity.count + 4 + bindersLength }
    /// The binders list at the end of the hello, which the binder's own hash leaves out.
    public var bindersLength: Int { 2 + 1 + binder.count }

    /// The extension's length for a ticket of `identityLength` bytes and a `hashLength` binder.
    public static func extensionLength(identityLength: Int, hashLength: Int) -> Int {
        4 + 2 + 2 + identityLength + 4 + 2 + 1 + hashLength
    }

    func write<S: TLSLayoutSink>(_ s: inout S) {
        s.u16(TLSExtensionType.preSharedKey)
        s.u16(UInt16(extensionLength - 4))
        s.u16(UInt16(2 + identity.count + 4))
        s.u16(UInt16(identity.count))
        s.bytes(identity)
        s.u16(UInt16(truncatingIfNeeded: obfuscatedTicketAge >> 16))
        s.u16(UInt16(truncatingIfNeeded: obfuscatedTicketAge))
        s.u16(UInt16(1 + binder.count))
        s.u8(UInt8(binder.count))
        s.bytes(binder)
    }

    /// Reads the extension body; exactly one identity and one binder, as every modelled client sends.
    init(parsing body: UnsafeRawBufferPointer) throws(WireError) {
        var e = ByteReader(body)
        let identities = Int(try e.u16())
        let identity = try e.array(Int(try e.u16()))
        let age = try e.u32()
        guard identities == 2 + identity.count + 4 else { throw .malformed("more than one PSK identity") }
        let binders = Int(try e.u16())
        let binder = try e.array(Int(try e.u8()))
        guard binders == 1 + binder.count, e.isAtEnd, !identity.isEmpty, binder.count >= 32 else {
            throw .malformed("pre_shared_key binders")
        }
        self.init(identity: identity, obfuscatedTicketAge: age, binder: binder)
    }
}

/// Whether and how a TLS client keeps the tickets servers send and offers them on its next
/// connection to the same server (name and port) — a property of the client's library and of
/// how the application drives it, cited on each profile.
public enum TLSSessionReuse: UInt8, Hashable, Sendable {
    /// No client-side session cache: every connection is a full handshake.
    case never = 0
    /// One cached session per server, replaced by each newer ticket and offered again until
    /// then (Node.js `https.Agent`: `_cacheSession` keeps the last `'session'` event's session,
    /// `_getSession` hands it out without removing it, https://github.com/nodejs/node/blob/main/lib/https.js).
    case latestTicket = 1
    /// Each ticket used once, newest first (RFC 8446 Appendix C.4: "Clients SHOULD NOT reuse a
    /// ticket for multiple connections").
    case singleUse = 2
}

/// Which NewSessionTicket a resumed ClientHello offers: the connection that received it, its
/// index in that connection's tickets, how old it is, and whether the server accepts it. A
/// resumed hello's chunk names one of these (kept in the run's catalog) so a capture can rebuild
/// the ticket and, in a decryptable run, the PSK from the issuing connection's handshake.
public struct TLSResumptionOffer: Hashable, Sendable {
    /// The connection whose server sent the ticket.
    public var issuer: UInt32
    /// That connection's profiles, server name (a catalog name index) and hello seeds.
    public var client: TLSClientProfileID
    public var server: TLSServerProfileID
    public var serverName: UInt32
    public var clientSeed: UInt32
    public var serverSeed: UInt64
    /// The offer the issuing connection itself resumed with (1-based index in the catalog), 0 if
    /// it made a full handshake: its keys, and so the ticket's PSK, depend on it.
    public var issuerOffer: UInt32
    /// The ticket's index among the issuing connection's NewSessionTickets.
    public var ticket: UInt8
    /// Whether the server resumes (else it ignores the PSK and makes a full handshake).
    public var accepted: Bool
    /// The ticket's age when offered, in milliseconds (RFC 8446 §4.2.11.1).
    public var ageMilliseconds: UInt32

    public init(
        issuer: UInt32, client: TLSClientProfileID, server: TLSServerProfileID, serverName: UInt32, clientSeed: UInt32,
        serverSeed: UInt64, issuerOffer: UInt32, ticket: UInt8, accepted: Bool, ageMilliseconds: UInt32
    ) {
        self.issuer = issuer; self.client = client; self.server = server; self.serverName = serverName
        self.clientSeed = clientSeed; self.serverSeed = serverSeed; self.issuerOffer = issuerOffer
        self.ticket = ticket; self.accepted = accepted; self.ageMilliseconds = ageMilliseconds
    }
}
