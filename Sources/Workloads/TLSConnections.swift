import SimCore
import Wire
import NetModel
import Transport
import Messages

/// A connection's TLS handshake plan with the profiles that made it.
struct TLSPlanEntry: Sendable {
    var client: TLSClientProfileID
    var server: TLSServerProfileID
    var plan: TLSFlightPlan
}

/// Writing TLS into sockets: the hellos, each side's flights as the connection's
/// ``TLSFlightPlan`` lists them, and application data — sized by the messages of Messages, and
/// described so a capture can rebuild every byte. In a decryptable run (``World/decryptable``)
/// application data records name the plaintext the application logged; otherwise their bodies
/// are seeded filler, and so are TLS 1.3's protected handshake records.
extension World {
    /// Whether application plaintexts are logged for the captures (decryptable, with pcaps on).
    var recordsPlaintexts: Bool { decryptable && tcp.recordStreams }

    /// The plan of `client` against `server` for `serverName`, made once per triple (the server's
    /// certificate for that name comes from the run's PKI).
    mutating func tlsPlan(client: TLSClientProfileID, server: TLSServerProfileID, name: NameIndex) -> Int32 {
        let key = UInt64(client.rawValue) << 40 | UInt64(server.rawValue) << 32 | UInt64(name.raw)
        if let k = tlsPlanIndex[key] { return k }
        let identity = pki.identity(serverName: network.catalog.name(name))
        let plan: TLSFlightPlan
        do {
            plan = try TLSFlightPlan(client: client.profile, server: server.profile, derSizes: identity.derSizes)
        } catch {
            preconditionFailure("TLS client \(client.profile.name) cannot talk to server \(server.profile.name): \(error)")
        }
        tlsPlans.append(TLSPlanEntry(client: client, server: server, plan: plan))
        tlsPlanIndex[key] = Int32(tlsPlans.count - 1)
        return Int32(tlsPlans.count - 1)
    }

    /// The plan of connection `c` (set by its ClientHello).
    func plan(_ c: UInt32) -> TLSPlanEntry? {
        guard let k = channels.read(c, { $0.plan }), k >= 0 else { return nil }
        return tlsPlans[Int(k)]
    }

    /// Writes a ClientHello of `profile` for `serverName` (added to the catalog if new) to a
    /// server answering as `server`, and fixes the connection's plan.
    mutating func writeClientHello(
        _ socket: UInt32, connection: UInt32, profile: TLSClientProfileID, server: TLSServerProfileID,
        serverName: String, now: SimTime, _ s: inout Scheduler
    ) {
        let name = network.catalog.intern(name: serverName)
        let plan = tlsPlan(client: profile, server: server, name: name)
        channels.update(connection) { $0.plan = plan }
        let key = UInt64(profile.rawValue) << 32 | UInt64(name.raw)
        let length: Int
        if let known = clientHelloLength[key] {
            length = known
        } else {
            length = profile.profile.clientHelloRecordLength(serverName: serverName)
            clientHelloLength[key] = length
        }
        // The renderer derives random and key share from the low 32 bits of the seed.
        let seed = UInt32(truncatingIfNeeded: channels.update(connection) { $0.nextSeed() } ?? 0)
        tcp.write(
            socket, .tlsClientHello(profile: profile, serverName: name, seed: seed), length: UInt32(length),
            now: now, &network, &s)
    }

    /// The server's first flight: ServerHello, then the plan's records, written at once (TLS
    /// libraries flush a flight in one write, so TCP cuts it into full-sized segments). Returns
    /// the stream offset where it ends.
    mutating func writeServerFlight(_ sock: UInt32, connection c: UInt32, now: SimTime, _ s: inout Scheduler) -> UInt64
    {
        guard let p = plan(c) else { return tcp.socket(sock).written }
        let seed = channels.update(c) { $0.nextSeed() } ?? 0
        tcp.write(
            sock, .tlsServerHello(profile: p.server, client: p.client, seed: seed),
            length: UInt32(p.plan.serverHelloLength), flush: false, now: now, &network, &s)
        writeFlight(p.plan.serverFlight, p.plan, sock, connection: c, fromClient: false, now: now, &s)
        if p.plan.restartsSequenceForApplicationData { channels.update(c) { $0.sequenceToClient = 0 } }
        return tcp.socket(sock).written
    }

    /// The client's second flight (Finished, and in TLS 1.2 its key exchange before it). Returns
    /// whether the client must then wait for the server's Finished (TLS 1.2) before sending data.
    mutating func writeClientFinish(_ sock: UInt32, connection c: UInt32, now: SimTime, _ s: inout Scheduler) -> Bool {
        guard let p = plan(c) else { return false }
        // The seed drawn here is unused (a CCS has fixed bytes); drawing it keeps later seeds as they were.
        _ = channels.update(c) { $0.nextSeed() }
        writeFlight(p.plan.clientFinish, p.plan, sock, connection: c, fromClient: true, now: now, &s)
        if p.plan.restartsSequenceForApplicationData { channels.update(c) { $0.sequenceToServer = 0 } }
        channels.update(c) { $0.toServer.push(tcp.socket(sock).written, .clientFinished) }
        return !p.plan.serverFinish.isEmpty
    }

    /// TLS 1.2: the server has the client's Finished; its own CCS and Finished follow once it has
    /// derived the keys and checked the client's Finished. Assumed: 150 µs (an X25519 exchange
    /// and the PRF; OpenSSL measures these in tens of microseconds on a server core).
    mutating func scheduleServerFinish(_ c: UInt32, _ s: inout Scheduler) {
        guard let p = plan(c), !p.plan.serverFinish.isEmpty else { return }
        s.schedule(after: .microseconds(150), .serverWork(c, .handshakeFinish))
    }

    /// TLS 1.2: the server answers the client's Finished with its CCS and Finished.
    mutating func writeServerFinish(_ sock: UInt32, connection c: UInt32, now: SimTime, _ s: inout Scheduler) {
        guard let p = plan(c), !p.plan.serverFinish.isEmpty else { return }
        writeFlight(p.plan.serverFinish, p.plan, sock, connection: c, fromClient: false, now: now, &s)
        channels.update(c) { $0.toClient.push(tcp.socket(sock).written, .serverFinished) }
    }

    mutating func writeFlight(
        _ records: [TLSFlightPlan.Record], _ plan: TLSFlightPlan, _ sock: UInt32, connection c: UInt32,
        fromClient: Bool, now: SimTime, _ s: inout Scheduler
    ) {
        for (k, r) in records.enumerated() {
            let flush = k == records.count - 1
            let length = UInt32(plan.length(of: r))
            switch r {
            case .changeCipherSpec:
                tcp.write(sock, .tlsChangeCipherSpec, length: length, flush: flush, now: now, &network, &s)
            case .plain(let m, _):
                let content = TLSRecordContent(kind: .plainHandshake, message: UInt32(m.rawValue), sequence: 0)
                tcp.write(sock, .tlsRecord(content), length: length, flush: flush, now: now, &network, &s)
            case .sealed(let m, _):
                let seed = channels.update(c) { $0.nextSeed() } ?? 0
                let sequence = nextSequence(c, fromClient: fromClient)
                // TLS 1.3's protected handshake is filler unless the run is decryptable; TLS
                // 1.2's Finished is always real (its cleartext neighbours are).
                let payload: Payload =
                    plan.negotiation.isTLS13 && !decryptable
                    ? .tlsCiphertext(seed: seed)
                    : .tlsRecord(
                        TLSRecordContent(kind: .protectedHandshake, message: UInt32(m.rawValue), sequence: sequence))
                tcp.write(sock, payload, length: length, flush: flush, now: now, &network, &s)
            }
        }
    }

    mutating func nextSequence(_ c: UInt32, fromClient: Bool) -> UInt32 {
        channels.update(c) { ch in
            if fromClient {
                ch.sequenceToServer &+= 1
                return ch.sequenceToServer &- 1
            }
            ch.sequenceToClient &+= 1
            return ch.sequenceToClient &- 1
        } ?? 0
    }

    /// Writes `plaintext` bytes of application data as protected records of at most
    /// `recordLimit` bytes of plaintext each (RFC 8446 §5.1: one record per 2^14 bytes at most);
    /// returns the stream offset where the last record ends. `message` is the logged plaintext
    /// (``MessageLog``) these bytes are, from `offset`, in a decryptable run.
    mutating func writeTLS(
        _ socket: UInt32, connection: UInt32, plaintext: Int, message: UInt32? = nil, offset: Int = 0,
        recordLimit: Int = TLSCiphertext.maximumInnerPlaintextLength, flush: Bool = true,
        now: SimTime, _ s: inout Scheduler
    ) -> UInt64 {
        let p = plan(connection)?.plan
        let fromClient = channels.read(connection) { $0.clientSocket == socket } ?? false
        var left = plaintext
        var at = offset
        repeat {
            let inner = min(left, recordLimit)
            left -= inner
            let seed = (channels.update(connection) { $0.nextSeed() } ?? 0)
            let length = UInt32(p?.protectedRecordLength(plaintext: inner) ?? TLSCiphertext.recordLength(innerPlaintextLength: inner))
            let payload: Payload
            if let message {
                let sequence = nextSequence(connection, fromClient: fromClient)
                payload = .tlsRecord(
                    TLSRecordContent(kind: .applicationData, message: message, offset: UInt32(at), sequence: sequence))
            } else {
                payload = .tlsCiphertext(seed: seed)
            }
            tcp.write(socket, payload, length: length, flush: flush && left == 0, now: now, &network, &s)
            at += inner
        } while left > 0
        return tcp.socket(socket).written
    }

    /// A close_notify alert (RFC 8446 §6.1), protected.
    mutating func writeCloseNotify(_ socket: UInt32, connection c: UInt32, now: SimTime, _ s: inout Scheduler) -> UInt64 {
        guard decryptable else { return writeTLS(socket, connection: c, plaintext: TLSAlert.length, now: now, &s) }
        let fromClient = channels.read(c) { $0.clientSocket == socket } ?? false
        _ = channels.update(c) { $0.nextSeed() }
        let sequence = nextSequence(c, fromClient: fromClient)
        let length = plan(c)?.plan.protectedRecordLength(plaintext: TLSAlert.length) ?? 0
        tcp.write(
            socket, .tlsRecord(TLSRecordContent(kind: .alert, message: UInt32(TLSAlert.closeNotify), sequence: sequence)),
            length: UInt32(length), now: now, &network, &s)
        return tcp.socket(socket).written
    }

    /// Logs `m` for the captures when the run is decryptable; its index, else nil.
    mutating func log(_ m: @autoclosure () -> AppMessage) -> UInt32? {
        recordsPlaintexts ? messages.append(m()) : nil
    }
}
