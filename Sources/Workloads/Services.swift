import SimCore
import Wire
import NetModel
import Transport

/// What a server does when its processing delay ends (`AppEvent.serverWork` aux).
enum ServerAction {
    static let handshakeFlight: UInt32 = 1
    static let respond: UInt32 = 2
    static let databaseReply: UInt32 = 3
}

extension World {
    /// Server-side messages: a service's TLS handshake and requests, a database's protocol.
    mutating func serverMessage(_ owner: AppRef, connection c: UInt32, _ m: Channel.Message, _ now: SimTime, _ s: inout Scheduler) {
        switch m {
        case .clientHello:
            let svc = services[Int(owner.object)]
            s.schedule(after: svc.handshakeTime, EventPayload(kind: AppEvent.serverWork, object: c, aux: ServerAction.handshakeFlight))
        case .clientFinished, .closeNotify:
            break
        case .request(let r):
            let svc = services[Int(owner.object)]
            channels[c]?.pendingResponse = r
            channels[c]?.serverIdleGeneration &+= 1
            let req = requests[Int(r)]
            var median = svc.getMedian
            if case .dynamodb(let call) = functions[Int(req.function)].program[Int(req.step)], call.operation.isWrite {
                median = svc.putMedian
            }
            let t = SimDuration(seconds: random.lognormal(median: median.seconds, sigma: svc.latencySigma))
            s.schedule(after: t, EventPayload(kind: AppEvent.serverWork, object: c, aux: ServerAction.respond))
        case .databaseRequest(let stage):
            channels[c]?.pendingResponse = stage
            let d = databaseDelay(stage: stage, connection: c)
            s.schedule(after: d, EventPayload(kind: AppEvent.serverWork, object: c, aux: ServerAction.databaseReply))
        case .serverFlight, .response, .databaseResponse:
            break
        }
    }

    mutating func serverWork(connection c: UInt32, action: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard let ch = channels[c], ch.serverSocket != .max else { return }
        let sock = ch.serverSocket
        guard tcp.socket(sock).isOpen else { return }
        switch action {
        case ServerAction.handshakeFlight:
            // TLS 1.3 server flight: ServerHello, ChangeCipherSpec (RFC 8446 D.4), then the
            // encrypted EncryptedExtensions, Certificate, CertificateVerify and Finished, one
            // record each as OpenSSL-style servers write them.
            // The flight is written at once (TLS libraries flush a flight in one write), so TCP
            // cuts it into full-sized segments.
            let hello = UInt32(TLSModel.serverHelloRecordLength)
            tcp.write(sock, kind: .tlsServerHello, length: hello, parameter: channels[c]?.nextSeed() ?? 0, flush: false, now: now, &network, &s)
            tcp.write(sock, kind: .tlsChangeCipherSpec, length: UInt32(TLSChangeCipherSpec.recordLength), parameter: 0, flush: false,
                      now: now, &network, &s)
            var end: UInt64 = 0
            let flight = [TLS13Sizes.encryptedExtensions, TLS13Sizes.certificate, TLS13Sizes.certificateVerify, TLSModel.finished]
            for (k, inner) in flight.enumerated() {
                end = writeTLS(sock, connection: c, plaintext: inner, flush: k == flight.count - 1, now: now, &s)
            }
            channels[c]?.toClient.push(end, .serverFlight)
        case ServerAction.respond:
            let r = ch.pendingResponse
            guard r != .max else { return }
            channels[c]?.pendingResponse = .max
            let req = requests[Int(r)]
            let f = Int(req.function)
            guard case .dynamodb(let call) = functions[f].program[Int(req.step)] else { return }
            let svcIndex = serviceByHost[tcp.socket(sock).host] ?? 0
            let svc = services[svcIndex]
            var size = callSizes[f][Int(req.step)].response
            let realm = tcp.socket(sock).realm
            if realm > 0 {
                // The gateway endpoint's policy is evaluated for requests that came through it (aws-vpc-facts §4).
                let ep = network.gatewayEndpoints[Int(realm - 1)]
                let resource = "arn:aws:dynamodb:\(svc.region):\(svc.accountID):table/\(call.table)"
                let decision = ep.policy.evaluate(principal: functions[f].principal, action: call.operation.action, resource: resource)
                if !decision.isAllowed {
                    let explicit: Bool
                    if case .explicitlyDenied = decision { explicit = true } else { explicit = false }
                    let message = DynamoDBWire.endpointPolicyDenial(principal: functions[f].principal, action: call.operation.action,
                                                                    resource: resource, explicit: explicit)
                    size = DynamoDBWire.errorResponse(name: "AccessDeniedException", message: message)
                    requests[Int(r)].error = "AccessDeniedException"
                }
            }
            let end = writeTLS(sock, connection: c, plaintext: size.total, now: now, &s)
            channels[c]?.toClient.push(end, .response(r))
            let key = callKey(f, Int(req.step))
            metrics.calls[key, default: CallMetrics()].responseBytes += UInt64(size.total)
            channels[c]?.serverIdleGeneration &+= 1
            let gen = (channels[c]?.serverIdleGeneration ?? 0) & 0xFF_FFFF
            s.schedule(after: svc.idleTimeout, EventPayload(kind: AppEvent.serverIdleClose, object: c, aux: gen))
        case ServerAction.databaseReply:
            let stage = ch.pendingResponse
            channels[c]?.pendingResponse = .max
            let end = writeOpaque(sock, connection: c, bytes: databaseReplyBytes(stage: stage, connection: c), now: now, &s)
            channels[c]?.toClient.push(end, .databaseResponse(stage))
        default:
            break
        }
    }

    /// DynamoDB closes a keep-alive connection idle for its timeout: TLS close_notify, then FIN.
    mutating func serverIdleClose(connection c: UInt32, generation: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard let ch = channels[c], ch.serverSocket != .max, ch.serverIdleGeneration & 0xFF_FFFF == generation,
              tcp.socket(ch.serverSocket).state == .established else { return }
        let end = writeTLS(ch.serverSocket, connection: c, plaintext: TLSModel.closeNotify, now: now, &s)
        channels[c]?.toClient.push(end, .closeNotify)
        tcp.close(ch.serverSocket, now: now, &network, &s)
    }

    // MARK: Database (PostgreSQL wire protocol, plaintext)

    /// Message sizes of a PostgreSQL 15 connection with SCRAM-SHA-256 authentication (RFC 7677,
    /// PostgreSQL protocol docs): startup, SASL initial response, SASL response; then queries.
    static let databaseClientHandshake = [84, 54 + 32, 108]
    static let databaseServerHandshake = [24, 92, 55 + 343 + 13 + 6]

    func databaseDelay(stage: UInt32, connection c: UInt32) -> SimDuration {
        if stage < 3 { return .microseconds(stage == 2 ? 2_500 : 300) }    // SCRAM key derivation on the final step
        if let r = channels[c]?.client, r.kind == AppKind.environment {
            let env = environments[Int(r.object)]
            if case .database(let q) = functions[Int(env.function)].program[env.pc] { return q.serverTime }
        }
        return .microseconds(900)
    }

    func databaseReplyBytes(stage: UInt32, connection c: UInt32) -> Int {
        if stage < 3 { return Self.databaseServerHandshake[Int(stage)] }
        if let r = channels[c]?.client, r.kind == AppKind.environment {
            let env = environments[Int(r.object)]
            if case .database(let q) = functions[Int(env.function)].program[env.pc] { return q.responseBytes }
        }
        return 64
    }

    mutating func beginDatabaseQuery(_ env: Int, _ q: DatabaseQuery, _ now: SimTime, _ s: inout Scheduler) {
        if environments[env].dbReady && environments[env].dbSocket != .max && tcp.socket(environments[env].dbSocket).state == .established {
            sendDatabaseMessage(env, stage: 3, bytes: q.requestBytes, now, &s)
            environments[env].call = .awaitingResponse
            return
        }
        if environments[env].dbSocket != .max {
            let sock = environments[env].dbSocket
            if tcp.socket(sock).state != .closed { tcp.abort(sock, now: now, &network, &s) }
            environments[env].dbSocket = .max
            environments[env].dbConnection = .max
        }
        let db = databases[q.instance]
        let e = environments[env]
        let owner = AppRef(kind: AppKind.environment, object: UInt32(env))
        environments[env].call = .connecting
        let sock = tcp.connect(host: e.host, local: e.address, remote: db.address, remotePort: db.port, owner: owner,
                               profile: .linuxLambda, now: now, &network, &s)
        let c = tcp.socket(sock).connection
        environments[env].dbSocket = sock
        environments[env].dbConnection = c
        environments[env].dbReady = false
        environments[env].dbStage = 0
        channels[c] = Channel(clientSocket: sock, client: owner, seed: random.next())
        metrics.calls[callKey(Int(e.function), e.pc), default: CallMetrics()].newConnections += 1
    }

    mutating func sendDatabaseMessage(_ env: Int, stage: UInt32, bytes: Int, _ now: SimTime, _ s: inout Scheduler) {
        let sock = environments[env].dbSocket
        let c = environments[env].dbConnection
        let end = writeOpaque(sock, connection: c, bytes: bytes, now: now, &s)
        channels[c]?.toServer.push(end, .databaseRequest(stage))
        if stage == 3 {
            let f = Int(environments[env].function)
            let key = callKey(f, environments[env].pc)
            metrics.calls[key, default: CallMetrics()].calls += 1
            metrics.calls[key, default: CallMetrics()].requestBytes += UInt64(bytes)
        }
    }

    mutating func databaseConnected(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        environments[env].call = .handshaking
        sendDatabaseMessage(env, stage: 0, bytes: Self.databaseClientHandshake[0], now, &s)
    }

    mutating func databaseResponse(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        // Stages arrive in order on one connection; the client's next step follows the reply.
        guard environments[env].phase == .running else { return }
        switch environments[env].call {
        case .handshaking:
            let sent = environments[env].dbStage
            if sent < 2 {
                environments[env].dbStage = sent + 1
                sendDatabaseMessage(env, stage: sent + 1, bytes: Self.databaseClientHandshake[Int(sent + 1)], now, &s)
            } else {
                environments[env].dbReady = true
                environments[env].dbStage = 0
                let f = Int(environments[env].function)
                if case .database(let q) = functions[f].program[environments[env].pc] {
                    environments[env].call = .awaitingResponse
                    sendDatabaseMessage(env, stage: 3, bytes: q.requestBytes, now, &s)
                }
            }
        case .awaitingResponse:
            let f = Int(environments[env].function)
            let key = callKey(f, environments[env].pc)
            let latency = now - environments[env].callStart
            metrics.calls[key, default: CallMetrics()].latency.record(latency)
            if case .database(let q) = functions[f].program[environments[env].pc] {
                metrics.calls[key, default: CallMetrics()].responseBytes += UInt64(q.responseBytes)
            }
            environments[env].call = .none
            after(.microseconds(150), env: env, .afterResponse, &s)
        default:
            break
        }
    }
}
