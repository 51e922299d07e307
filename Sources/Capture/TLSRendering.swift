import SimCore
import Wire
import NetModel
import Messages

/// What a capture needs to render TLS for real: the run's PKI, each connection's
/// ``Messages/TLSSession`` (computed once from its hello chunks), and the plaintexts the model
/// logged, by message index. Sessions and messages are forgotten with the streams that use them.
///
/// In a decryptable run every TLS chunk goes through here: real key shares in the hellos, real
/// protected records. Otherwise only TLS 1.2 handshakes do (their Certificate and key exchange
/// travel in clear and must be real); TLS 1.3 and application data stay seeded filler.
public struct TLSRendering: Sendable {
    public let decryptable: Bool
    var pki: SimulatedPKI
    var sessions: [UInt32: TLSSession] = [:]
    var messages: [UInt32: AppMessage] = [:]
    /// The last messages built whole (a message's records share it), by message index.
    var messageCache = RecentBytes<UInt32>(capacity: 8)
    /// The last records built (a record's segments share it; a capture interleaves the segments of
    /// many streams), by stream and offset.
    var records = RecentBytes<RecordKey>(capacity: 32)
    /// Per connection, the pcaps that have shown its session (their pcapngs have its secrets).
    var shownIn: [UInt32: [Int32]] = [:]
    /// Negotiated versions by (client, server) profile pair.
    var versions: [UInt16: Bool] = [:]
    /// The PSK of each offered ticket (by offer index), once derived from its issuing session.
    var offerPSKs: [UInt32: [UInt8]] = [:]

    public init(decryptable: Bool, seed: UInt64, runStartUnixSeconds: Int64) {
        self.decryptable = decryptable
        pki = SimulatedPKI(seed: seed, runStartUnixSeconds: runStartUnixSeconds)
    }

    /// Takes the plaintexts the model logged.
    public mutating func add(_ log: MessageLog) {
        for (k, m) in log.entries.enumerated() { messages[log.base &+ UInt32(k)] = m }
    }

    /// Whether the profiles negotiate TLS 1.3.
    mutating func isTLS13(client: TLSClientProfileID, server: TLSServerProfileID) -> Bool {
        let key = UInt16(client.rawValue) << 8 | UInt16(server.rawValue)
        if let v = versions[key] { return v }
        let v = (try? TLSNegotiation.negotiate(client: client.profile, server: server.profile).get())?.isTLS13 ?? true
        versions[key] = v
        return v
    }

    /// Whether chunk content `p` is rendered here.
    mutating func handles(_ p: Payload) -> Bool {
        switch p {
        case .tlsRecord: return true
        case .tlsClientHello: return decryptable
        case .tlsServerHello(let server, let client, _, _):
            return decryptable || !isTLS13(client: client, server: server)
        default: return false
        }
    }
}

extension TLSRendering {
    /// The session of a connection from its hellos' values; a resumed one gets its ticket's PSK
    /// from the issuing connection's session (kept while its streams are, else rebuilt from the
    /// offer, which names everything its handshake derives from).
    mutating func session(
        connection c: UInt32, client: TLSClientProfileID, server: TLSServerProfileID, serverName: String,
        clientSeed: UInt32, serverSeed: UInt64, offer: UInt32, catalog: NameCatalog
    ) -> TLSSession {
        TLSSession(
            client: client.profile, server: server.profile, serverName: serverName, clientSeed: UInt64(clientSeed),
            serverSeed: serverSeed,
            sessionID: TLSSeeds.fill(client.profile.sessionIDLength, UInt64(c), TLSSeeds.sessionID),
            identity: pki.identity(serverName: serverName, chain: server.certificateChain),
            resumption: catalog.offer(offer).map { resumptionInput(offer: offer, $0, catalog: catalog) })
    }

    /// The ticket offer `index` (`o`) as the resuming client sends it: identity, obfuscated age
    /// and the PSK derived in the issuing connection (RFC 8446 §4.6.1).
    mutating func resumptionInput(offer index: UInt32, _ o: TLSResumptionOffer, catalog: NameCatalog)
        -> TLSResumptionInput
    {
        let psk: [UInt8]
        if let known = offerPSKs[index] {
            psk = known
        } else {
            let issuer =
                sessions[o.issuer]
                ?? session(
                    connection: o.issuer, client: o.client, server: o.server,
                    serverName: catalog.name(NameIndex(raw: o.serverName)), clientSeed: o.clientSeed,
                    serverSeed: o.serverSeed, offer: o.issuerOffer, catalog: catalog)
            psk = issuer.ticketPSK(index: Int(o.ticket))
            offerPSKs[index] = psk
        }
        let identity = StreamStore.offeredPSK(o, seed: 0)
        return TLSResumptionInput(
            psk: psk, identity: identity.identity, obfuscatedAge: identity.obfuscatedTicketAge, accepted: o.accepted)
    }

    /// The cipher suite of the ticket's session.
    func suite(_ o: TLSResumptionOffer) -> UInt16 {
        (try? TLSNegotiation.negotiate(client: o.client.profile, server: o.server.profile).get())?.cipherSuite
            ?? TLSCipherSuite.aes256GCMSHA384
    }
}

extension StreamStore {
    /// The TLS session of connection `c`, computed on first use from its ClientHello and
    /// ServerHello chunks; nil before the server has answered.
    mutating func tlsSession(_ c: UInt32, catalog: NameCatalog) -> TLSSession? {
        if let s = tls.sessions[c] { return s }
        guard let up = streams[StreamID(connection: c, origin: .initiator)],
            let down = streams[StreamID(connection: c, origin: .responder)],
            case .tlsClientHello(let clientID, let name, let clientSeed, let offer)? = up.lazy.map(\.content).first(
                where: {
                    if case .tlsClientHello = $0 { return true } else { return false }
                }),
            case .tlsServerHello(let serverID, _, let serverSeed, _)? = down.lazy.map(\.content).first(where: {
                if case .tlsServerHello = $0 { return true } else { return false }
            })
        else { return nil }
        let session = tls.session(
            connection: c, client: clientID, server: serverID, serverName: catalog.name(name), clientSeed: clientSeed,
            serverSeed: serverSeed, offer: offer, catalog: catalog)
        tls.sessions[c] = session
        return session
    }

    /// Writes bytes `within ..< within + n` of TLS chunk `c`: the whole record is built once
    /// (and kept while its segments are rendered), then sliced.
    mutating func renderTLS(
        _ c: StreamChunk, from within: Int, count n: Int, into w: inout ByteWriter, catalog: NameCatalog
    ) {
        let key = RecordKey(stream: c.stream, offset: c.offset)
        if let r = tls.records[key], r.count == Int(c.length) {
            w.bytes(r[within..<(within + n)])
            return
        }
        guard let bytes = tlsRecordBytes(c, catalog: catalog) else {
            missing += 1
            w.zeros(n)
            return
        }
        precondition(
            bytes.count == Int(c.length),
            "TLS record of \(bytes.count) bytes where the model wrote \(c.length) (\(c.content)): sizes disagree")
        tls.records[key] = bytes
        w.bytes(bytes[within..<(within + n)])
    }

    mutating func tlsRecordBytes(_ c: StreamChunk, catalog: NameCatalog) -> [UInt8]? {
        let connection = c.stream.connection
        let fromClient = c.stream.origin == .initiator
        switch c.content {
        case .tlsClientHello(let profile, let name, let seed, let offer):
            if let s = tlsSession(connection, catalog: catalog) { return s.clientHelloRecord }
            // No answer yet: the hello as offered (a resuming one with its real binder).
            let o = catalog.offer(offer)
            return TLSKeyShares.clientHello(
                profile: profile.profile, serverName: catalog.name(name), seed: UInt64(seed),
                sessionID: TLSSeeds.fill(profile.profile.sessionIDLength, UInt64(connection), TLSSeeds.sessionID),
                resumption: o.map { tls.resumptionInput(offer: offer, $0, catalog: catalog) },
                suite: o.map { tls.suite($0) } ?? TLSCipherSuite.aes256GCMSHA384
            ).record
        case .tlsServerHello:
            return tlsSession(connection, catalog: catalog)?.serverHelloRecord
        case .tlsRecord(let r):
            guard let s = tlsSession(connection, catalog: catalog) else { return nil }
            let plaintext = Int(c.length) - TLSRecordHeader.length - s.negotiation.recordOverhead
            switch r.kind {
            case .plainHandshake:
                let m = s.message(TLSFlightMessage(rawValue: UInt8(r.message))!)
                return [TLSContentType.handshake.rawValue, 0x03, 0x03, UInt8(m.count >> 8), UInt8(m.count & 0xFF)] + m
            case .protectedHandshake where r.message == UInt32(TLSFlightMessage.newSessionTicket.rawValue):
                return s.seal(
                    fromClient: false, handshakeKeys: false, sequence: UInt64(r.sequence),
                    contentType: TLSContentType.handshake.rawValue, plaintext: s.newSessionTicket(index: Int(r.offset)))
            case .protectedHandshake:
                return s.seal(
                    fromClient: fromClient, handshakeKeys: true, sequence: UInt64(r.sequence),
                    contentType: TLSContentType.handshake.rawValue,
                    plaintext: s.message(TLSFlightMessage(rawValue: UInt8(r.message))!))
            case .alert:
                return s.seal(
                    fromClient: fromClient, handshakeKeys: false, sequence: UInt64(r.sequence),
                    contentType: TLSContentType.alert.rawValue, plaintext: [1, UInt8(r.message)])
            case .applicationData:
                guard let m = tls.messages[r.message] else { return nil }
                let text: [UInt8]
                if case .http(let h) = m {
                    text = h.bytes(from: Int(r.offset), count: plaintext)
                } else {
                    let whole = tls.messageCache[r.message] ?? m.encode(session: s)
                    tls.messageCache[r.message] = whole
                    guard Int(r.offset) + plaintext <= whole.count else { return nil }
                    text = Array(whole[Int(r.offset)..<(Int(r.offset) + plaintext)])
                }
                return s.seal(
                    fromClient: fromClient, handshakeKeys: false, sequence: UInt64(r.sequence),
                    contentType: TLSContentType.applicationData.rawValue, plaintext: text)
            }
        default:
            return nil
        }
    }

    /// Forgets the TLS state a forgotten stream used: its messages, and with the initiator's
    /// stream the connection's session.
    mutating func forgetTLS(_ id: StreamID, _ chunks: ContiguousArray<StreamChunk>) {
        for c in chunks {
            if case .tlsRecord(let r) = c.content, r.kind == .applicationData { tls.messages[r.message] = nil }
        }
        if id.origin == .initiator {
            tls.sessions[id.connection] = nil
            tls.shownIn[id.connection] = nil
        }
    }
}

/// Where a record starts: its stream and offset.
struct RecordKey: Hashable, Sendable {
    var stream: StreamID
    var offset: UInt64
}

/// A few recently built byte strings by key, the oldest replaced first.
struct RecentBytes<Key: Hashable & Sendable>: Sendable {
    var entries: [(key: Key, bytes: [UInt8])] = []
    var next = 0
    let capacity: Int
    init(capacity: Int) { self.capacity = capacity }

    subscript(key: Key) -> [UInt8]? {
        get { entries.first { $0.key == key }?.bytes }
        set {
            guard let newValue else { return }
            if let k = entries.firstIndex(where: { $0.key == key }) {
                entries[k].bytes = newValue
            } else if entries.count < capacity {
                entries.append((key, newValue))
            } else {
                entries[next] = (key, newValue)
                next = (next + 1) % capacity
            }
        }
    }
}
