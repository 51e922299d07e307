import SimCore
import Wire
import NetModel
import Transport
import Messages

/// A connection's TLS handshake plan with the profiles that made it, and its flights flattened
/// to plain records the writers walk without copying the plan.
struct TLSPlanEntry: Sendable {
    var client: TLSClientProfileID
    var server: TLSServerProfileID
    var plan: TLSFlightPlan
    /// The server's first flight, the client's second, TLS 1.2's server Finished.
    var flights: [[PlannedRecord]]
    var serverHelloLength: UInt32
    var tls13: Bool

    init(client: TLSClientProfileID, server: TLSServerProfileID, plan: TLSFlightPlan) {
        self.client = client
        self.server = server
        self.plan = plan
        flights = [plan.serverFlight, plan.clientFinish, plan.serverFinish].map { f in
            f.map { r in
                let length = UInt32(plan.length(of: r))
                switch r {
                case .changeCipherSpec: return PlannedRecord(kind: 0, message: 0, length: length)
                case .plain(let m, _): return PlannedRecord(kind: 1, message: m.rawValue, length: length)
                case .sealed(let m, _): return PlannedRecord(kind: 2, message: m.rawValue, length: length)
                }
            }
        }
        serverHelloLength = UInt32(plan.serverHelloLength)
        tls13 = plan.negotiation.isTLS13
    }

    static let serverFlight = 0, clientFinish = 1, serverFinish = 2
}

/// One record of a flight: 0 ChangeCipherSpec, 1 a handshake message in clear, 2 a protected one.
struct PlannedRecord: Sendable {
    var kind: UInt8
    var message: UInt8
    var length: UInt32
}

extension Channel {
    /// The seed and sequence number of the next protected record from one side.
    mutating func nextRecord(fromClient: Bool) -> (seed: UInt64, sequence: UInt32) {
        let seed = nextSeed()
        if fromClient {
            sequenceToServer &+= 1
            return (seed, sequenceToServer &- 1)
        }
        sequenceToClient &+= 1
        return (seed, sequenceToClient &- 1)
    }
}

/// Writing TLS into sockets: the hellos, each side's flights as the connection's
/// ``TLSFlightPlan`` lists them, and application data — sized by the messages of Messages, and
/// described so a capture can rebuild every byte. In a decryptable run (``World/decryptable``)
/// application data records name the plaintext the application logged; otherwise their bodies
/// are seeded filler, and so are TLS 1.3's protected handshake records.
extension World {
    /// The TLS client function `f` speaks to `t` with: its SDK's, or its database driver's.
    func clientProfile(_ f: Int, _ t: Target) -> TLSClientProfileID {
        switch t {
        case .service, .zonal: return functions[f].runtime.tlsClient
        case .database: return functions[f].runtime.databaseTLSClient
        }
    }

    /// The name a generated TLS client puts in its ClientHello: the server name, or one made
    /// from the generator's name for clients that know their peer by address.
    static func sni(_ spec: SessionSpec) -> String { spec.serverName ?? spec.name + ".internal" }

    /// Whether application plaintexts are logged for the captures (decryptable, with pcaps on).
    var recordsPlaintexts: Bool { decryptable && tcp.recordStreams }

    /// The plan of `client` against `server` for `serverName`, full or resumed, made once per
    /// combination (the server's certificate for that name comes from the run's PKI).
    mutating func tlsPlan(
        client: TLSClientProfileID, server: TLSServerProfileID, name: NameIndex, resumed: Bool = false
    ) -> Int32 {
        let key =
            (resumed ? 1 << 48 : 0) | UInt64(client.rawValue) << 40 | UInt64(server.rawValue) << 32 | UInt64(name.raw)
        if let k = tlsPlanIndex[key] { return k }
        let derSizes = pki.derSizes(serverName: network.catalog.name(name), chain: server.certificateChain)
        let plan: TLSFlightPlan
        do {
            plan = try TLSFlightPlan(
                client: client.profile, server: server.profile, derSizes: derSizes, resumed: resumed)
        } catch {
            preconditionFailure(
                "TLS client \(client.profile.name) cannot talk to server \(server.profile.name): \(error)")
        }
        tlsPlans.append(TLSPlanEntry(client: client, server: server, plan: plan))
        tlsPlanIndex[key] = Int32(tlsPlans.count - 1)
        return Int32(tlsPlans.count - 1)
    }

    /// The plan of connection `c` (set by its ClientHello), as an index into `tlsPlans`.
    func planIndex(_ c: UInt32) -> Int? {
        guard let k = channels.read(c, { $0.plan }), k >= 0 else { return nil }
        return Int(k)
    }

    /// Writes a ClientHello of `profile` for `serverName` (added to the catalog if new) to a
    /// server answering as `server`, and fixes the connection's plan. `client` names the
    /// client whose session cache the connection uses (TLSSessionCache.swift; nil: it keeps no
    /// sessions): a cached ticket makes the hello offer it, and the server may resume.
    mutating func writeClientHello(
        _ socket: UInt32, connection: UInt32, profile: TLSClientProfileID, server: TLSServerProfileID,
        serverName: String, client: UInt64? = nil, now: SimTime, _ s: inout Scheduler
    ) {
        let name = network.catalog.intern(name: serverName)
        let reuse = profile.profile.sessionReuse
        var slot: Int32 = -1
        if reuse != .never, let client {
            slot = ticketCacheSlot(
                TicketCacheKey(
                    client: client, name: name.raw, port: tcp.socket(socket).remotePort, profile: profile.rawValue))
        }
        let (offer, accepted) = takeTicket(slot, reuse: reuse, server: server.profile, now: now)
        let plan = tlsPlan(client: profile, server: server, name: name, resumed: accepted)
        let overhead = UInt8(tlsPlans[Int(plan)].plan.negotiation.recordOverhead)
        // The renderer derives random, key shares and the hello's variation (GREASE, extension
        // order, ECH GREASE) from the low 32 bits of the seed.
        let seed =
            channels.update(connection) { ch -> UInt32 in
                ch.plan = plan
                ch.recordOverhead = overhead
                ch.offer = offer
                ch.serverName = name.raw
                ch.ticketCache = slot
                ch.helloSeed = UInt32(truncatingIfNeeded: ch.nextSeed())
                return ch.helloSeed
            } ?? 0
        let length = clientHelloRecordLength(profile, server, name, serverName, seed: seed, offer: offer)
        tcp.write(
            socket, .tlsClientHello(profile: profile, serverName: name, seed: seed, offer: offer),
            length: UInt32(length), now: now, &network, &s)
    }

    /// The length of a ClientHello of `profile` for `name`, offering catalog offer `offer` (0:
    /// none) to `server`: cached per profile and name (and server, with a PSK) unless the
    /// profile draws its length per hello.
    mutating func clientHelloRecordLength(
        _ profile: TLSClientProfileID, _ server: TLSServerProfileID, _ name: NameIndex, _ serverName: String,
        seed: UInt32, offer: UInt32
    ) -> Int {
        var psk: (identity: Int, binder: Int)?
        if offer > 0 {
            // The ticket's session had the same profiles, so the same suite and ALPN as this plan.
            let n = tlsPlans[Int(tlsPlan(client: profile, server: server, name: name))].plan.negotiation
            psk = (server.profile.tickets.ticketLength(alpn: n.alpn != nil), TLSCipherSuite.hashLength(n.cipherSuite))
        }
        let key =
            UInt64(profile.rawValue) << 32 | UInt64(name.raw)
            | (offer > 0 ? 1 << 48 | UInt64(server.rawValue) << 40 : 0)
        if let known = clientHelloLength[key] { return known }
        if profile.profile.hasVariableLength {
            // A browser's GREASE ECH payload length is drawn per hello: not cached.
            return profile.profile.clientHelloRecordLength(serverName: serverName, seed: UInt64(seed), psk: psk)
        }
        let length = profile.profile.clientHelloRecordLength(serverName: serverName, psk: psk)
        clientHelloLength[key] = length
        return length
    }

    /// The server's first flight: ServerHello, then the plan's records, written at once (TLS
    /// libraries flush a flight in one write, so TCP cuts it into full-sized segments). Returns
    /// the stream offset where it ends.
    mutating func writeServerFlight(_ sock: UInt32, connection c: UInt32, now: SimTime, _ s: inout Scheduler) -> UInt64
    {
        guard let k = planIndex(c) else { return tcp.socket(sock).written }
        let seed =
            channels.update(c) { ch -> UInt64 in
                ch.serverHelloSeed = ch.nextSeed()
                return ch.serverHelloSeed
            } ?? 0
        tcp.write(
            sock,
            .tlsServerHello(
                profile: tlsPlans[k].server, client: tlsPlans[k].client, seed: seed, resumed: tlsPlans[k].plan.resumed),
            length: tlsPlans[k].serverHelloLength, flush: false, now: now, &network, &s)
        writeFlight(k, TLSPlanEntry.serverFlight, sock, connection: c, fromClient: false, now: now, &s)
        return tcp.socket(sock).written
    }

    /// The client's second flight (Finished, and in TLS 1.2 its key exchange before it). Returns
    /// whether the client must then wait for the server's Finished (TLS 1.2) before sending data.
    mutating func writeClientFinish(_ sock: UInt32, connection c: UInt32, now: SimTime, _ s: inout Scheduler) -> Bool {
        guard let k = planIndex(c) else { return false }
        // The seed drawn here is unused (a CCS has fixed bytes); drawing it keeps later seeds as they were.
        _ = channels.update(c) { $0.nextSeed() }
        writeFlight(k, TLSPlanEntry.clientFinish, sock, connection: c, fromClient: true, now: now, &s)
        let end = tcp.socket(sock).written
        channels.update(c) { $0.toServer.push(end, .clientFinished) }
        return !tlsPlans[k].tls13
    }

    /// TLS 1.2: the server has the client's Finished; its own CCS and Finished follow once it has
    /// derived the keys and checked the client's Finished. Assumed: 150 µs (an X25519 exchange
    /// and the PRF; OpenSSL measures these in tens of microseconds on a server core).
    /// TLS 1.3: the server's NewSessionTickets follow the client's Finished after the same time
    /// (assumed: sealing the session state into a ticket is of the same order).
    mutating func scheduleServerFinish(_ c: UInt32, _ s: inout Scheduler) {
        guard let k = planIndex(c), !tlsPlans[k].flights[TLSPlanEntry.serverFinish].isEmpty else { return }
        s.schedule(after: .microseconds(150), .serverWork(c, .handshakeFinish))
    }

    /// TLS 1.2: the server answers the client's Finished with its CCS and Finished; TLS 1.3: with
    /// its NewSessionTickets.
    mutating func writeServerFinish(_ sock: UInt32, connection c: UInt32, now: SimTime, _ s: inout Scheduler) {
        guard let k = planIndex(c), !tlsPlans[k].flights[TLSPlanEntry.serverFinish].isEmpty else { return }
        writeFlight(k, TLSPlanEntry.serverFinish, sock, connection: c, fromClient: false, now: now, &s)
        let end = tcp.socket(sock).written
        channels.update(c) { $0.toClient.push(end, tlsPlans[k].tls13 ? .sessionTickets : .serverFinished) }
    }

    /// Writes flight `f` of plan `k`. In TLS 1.3 the keys change after a side's handshake flight,
    /// so its sequence numbers start again for application data (RFC 8446 §5.3); NewSessionTickets
    /// are already under those keys. A ticket's record names its index in the flight.
    mutating func writeFlight(
        _ k: Int, _ f: Int, _ sock: UInt32, connection c: UInt32, fromClient: Bool, now: SimTime, _ s: inout Scheduler
    ) {
        let count = tlsPlans[k].flights[f].count
        let tls13 = tlsPlans[k].tls13
        for i in 0..<count {
            let r = tlsPlans[k].flights[f][i]
            let flush = i == count - 1
            switch r.kind {
            case 0:
                tcp.write(sock, .tlsChangeCipherSpec, length: r.length, flush: flush, now: now, &network, &s)
            case 1:
                let content = TLSRecordContent(kind: .plainHandshake, message: UInt32(r.message), sequence: 0)
                tcp.write(sock, .tlsRecord(content), length: r.length, flush: flush, now: now, &network, &s)
            default:
                let (seed, sequence) = channels.update(c) { $0.nextRecord(fromClient: fromClient) } ?? (0, 0)
                // TLS 1.3's protected handshake is filler unless the run is decryptable; TLS
                // 1.2's Finished is always real (its cleartext neighbours are).
                let payload: Payload =
                    tls13 && !decryptable
                    ? .tlsCiphertext(seed: seed)
                    : .tlsRecord(
                        TLSRecordContent(
                            kind: .protectedHandshake, message: UInt32(r.message), offset: UInt32(i), sequence: sequence
                        ))
                tcp.write(sock, payload, length: r.length, flush: flush, now: now, &network, &s)
            }
        }
        if tls13 && f != TLSPlanEntry.serverFinish {
            channels.update(c) { ch in if fromClient { ch.sequenceToServer = 0 } else { ch.sequenceToClient = 0 } }
        }
    }

    /// Writes `plaintext` bytes of application data as protected records of at most
    /// `recordLimit` bytes of plaintext each (RFC 8446 §5.1: one record per 2^14 bytes at most);
    /// returns the stream offset where the last record ends. `message` is the logged plaintext
    /// (``MessageLog``) these bytes are, from `offset`, in a decryptable run.
    mutating func writeTLS(
        _ socket: UInt32, connection: UInt32, plaintext: Int, message: UInt32? = nil, offset: Int = 0,
        recordLimit: Int = TLSCiphertext.maximumInnerPlaintextLength, flush: Bool = true,
        dynamicSizing: TLSRecordHabits? = nil, now: SimTime, _ s: inout Scheduler
    ) -> UInt64 {
        var left = plaintext
        var at = offset
        var write = 0 // what is left of the current application write (at most recordLimit)
        repeat {
            if write == 0 { write = min(left, recordLimit) }
            var inner = write
            if let habits = dynamicSizing {
                // Go's crypto/tls cuts each write into records that grow from one TCP segment's
                // worth on a new connection (TLSRecordHabits.recordLimit).
                inner =
                    channels.update(connection) { ch -> Int in
                        let n = min(
                            write,
                            habits.recordLimit(
                                recordsSent: Int(ch.dynamicRecords), bytesSent: Int(ch.dynamicBytes),
                                overhead: Int(ch.recordOverhead)))
                        ch.dynamicRecords &+= 1
                        let (sum, overflow) = ch.dynamicBytes.addingReportingOverflow(UInt32(n))
                        ch.dynamicBytes = overflow ? .max : sum
                        return n
                    } ?? write
            }
            write -= inner
            left -= inner
            let payload: Payload
            let length: UInt32
            if let message {
                let (sequence, overhead) =
                    channels.update(connection) { ch -> (UInt32, Int) in
                        (ch.nextRecord(fromClient: ch.clientSocket == socket).sequence, Int(ch.recordOverhead))
                    } ?? (0, TLSCiphertext.overhead)
                length = UInt32(TLSRecordHeader.length + inner + overhead)
                payload = .tlsRecord(
                    TLSRecordContent(kind: .applicationData, message: message, offset: UInt32(at), sequence: sequence))
            } else {
                let (seed, overhead) =
                    channels.update(connection) { ($0.nextSeed(), Int($0.recordOverhead)) }
                    ?? (0, TLSCiphertext.overhead)
                length = UInt32(TLSRecordHeader.length + inner + overhead)
                payload = .tlsCiphertext(seed: seed)
            }
            tcp.write(socket, payload, length: length, flush: flush && left == 0, now: now, &network, &s)
            at += inner
        } while left > 0
        return tcp.socket(socket).written
    }

    /// A close_notify alert (RFC 8446 §6.1), protected.
    mutating func writeCloseNotify(_ socket: UInt32, connection c: UInt32, now: SimTime, _ s: inout Scheduler) -> UInt64
    {
        guard decryptable else { return writeTLS(socket, connection: c, plaintext: TLSAlert.length, now: now, &s) }
        let (sequence, overhead) =
            channels.update(c) { ch -> (UInt32, Int) in
                (ch.nextRecord(fromClient: ch.clientSocket == socket).sequence, Int(ch.recordOverhead))
            } ?? (0, TLSCiphertext.overhead)
        let length = TLSRecordHeader.length + TLSAlert.length + overhead
        tcp.write(
            socket,
            .tlsRecord(TLSRecordContent(kind: .alert, message: UInt32(TLSAlert.closeNotify), sequence: sequence)),
            length: UInt32(length), now: now, &network, &s)
        return tcp.socket(socket).written
    }

    /// Logs `m` for the captures when the run is decryptable; its index, else nil.
    mutating func log(_ m: @autoclosure () -> AppMessage) -> UInt32? {
        recordsPlaintexts ? messages.append(m()) : nil
    }
}
