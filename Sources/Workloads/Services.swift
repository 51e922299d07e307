import SimCore
import Wire
import NetModel
import Transport

extension World {
    /// The TLS server every modelled server answers as (DynamoDB front ends, RDS, dataset
    /// servers). Per-server profiles would be a field of ServiceEndpoint and DatabaseInstance.
    static let serverTLSProfile = TLSServerProfileID.awsEndpoint

    /// The TLS client profile of a connection's client.
    func clientTLSProfile(_ client: AppRef) -> TLSClientProfileID {
        guard client.app == .environment else { return Self.sessionTLSProfile }
        return functions[Int(environments[Int(client.object)].function)].runtime.tlsClient
    }

    /// Server-side messages: the TLS handshake and requests of a service, a database's protocol.
    mutating func serverMessage(
        _ owner: AppRef, connection c: UInt32, _ m: Channel.Message, _ now: SimTime, _ s: inout Scheduler
    ) {
        switch m {
        case .pgSSLRequest:
            s.schedule(after: .microseconds(60), .serverWork(c, .acceptSSL))
        case .clientHello:
            let t = owner.app == .service ? services[Int(owner.object)].handshakeTime : .microseconds(900)
            s.schedule(after: t, .serverWork(c, .handshakeFlight))
        case .clientFinished, .closeNotify:
            break
        case .request(let r):
            let svc = services[Int(owner.object)]
            channels.update(c) { $0.pending = .request(r) }
            channels.cancelIdleClose(c)
            let req = requests[Int(r)]
            var median = svc.getMedian
            if case .dynamodb(let call) = functions[Int(req.function)].program[Int(req.step)] {
                // Service time grows with the bytes of items read or written.
                let kb = Int64(call.itemBytes * (call.operation == .query ? max(call.resultItems, 1) : 1)) / 1024
                median =
                    call.operation.isWrite
                    ? svc.putMedian + svc.writePerKB * kb : svc.getMedian + svc.readPerKB * kb
            }
            let t = SimDuration(seconds: random.lognormal(median: median.seconds, sigma: svc.latencySigma))
            s.schedule(after: t, .serverWork(c, .respond))
        case .databaseRequest(let stage):
            channels.update(c) { $0.pending = .databaseStage(stage) }
            let d = databaseDelay(stage: stage, connection: c)
            s.schedule(after: d, .serverWork(c, .databaseReply))
        case .serverFlight, .response, .databaseResponse, .pgSSLAccept, .sessionRequest, .sessionResponse, .textRequest,
            .textResponse:
            break
        }
    }

    mutating func serverWork(connection c: UInt32, action: ServerAction, _ now: SimTime, _ s: inout Scheduler) {
        guard let (sock, pending, server) = channels.read(c, { ($0.serverSocket, $0.pending, $0.server) }), sock != .max
        else { return }
        guard tcp.socket(sock).isOpen else { return }
        switch action {
        case .handshakeFlight:
            // TLS 1.3 server flight: ServerHello, ChangeCipherSpec (RFC 8446 D.4), then the
            // encrypted EncryptedExtensions, Certificate, CertificateVerify and Finished, one
            // record each as OpenSSL-style servers write them.
            // The flight is written at once (TLS libraries flush a flight in one write), so TCP
            // cuts it into full-sized segments.
            let server = Self.serverTLSProfile
            let client = clientTLSProfile(channels.read(c) { $0.client } ?? .none)
            let hello = TLSServerHello.recordLength(sessionIDEchoLength: client.profile.sessionIDLength)
            let seed = channels.update(c) { $0.nextSeed() } ?? 0
            tcp.write(
                sock, .tlsServerHello(profile: server, client: client, seed: seed), length: UInt32(hello),
                flush: false, now: now, &network, &s)
            tcp.write(
                sock, .tlsChangeCipherSpec, length: UInt32(TLSChangeCipherSpec.recordLength), flush: false,
                now: now, &network, &s)
            var end: UInt64 = 0
            let flight = server.profile.encryptedFlight
            for (k, inner) in flight.enumerated() {
                end = writeTLS(sock, connection: c, plaintext: inner, flush: k == flight.count - 1, now: now, &s)
            }
            channels.update(c) { $0.toClient.push(end, .serverFlight) }
        case .respond:
            guard case .request(let r) = pending else { return }
            channels.update(c) { $0.pending = .none }
            let req = requests[Int(r)]
            let f = Int(req.function)
            guard case .dynamodb(let call) = functions[f].program[Int(req.step)] else { return }
            let svcIndex = serviceByHost[tcp.socket(sock).host] ?? 0
            let svc = services[svcIndex]
            var size = callSizes[f][Int(req.step)].response
            let realm = tcp.socket(sock).realm
            if realm > 0 {
                // The gateway endpoint's policy is evaluated for requests that came through it
                // (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
                let ep = network.gatewayEndpoints[Int(realm - 1)]
                let resource = "arn:aws:dynamodb:\(svc.region):\(svc.accountID):table/\(call.table)"
                let decision = ep.policy.evaluate(
                    principal: functions[f].principal, action: call.operation.action, resource: resource)
                if !decision.isAllowed {
                    let explicit: Bool
                    if case .explicitlyDenied = decision { explicit = true } else { explicit = false }
                    let message = DynamoDBWire.endpointPolicyDenial(
                        principal: functions[f].principal, action: call.operation.action,
                        resource: resource, explicit: explicit)
                    size = DynamoDBWire.errorResponse(name: "AccessDeniedException", message: message)
                    requests[Int(r)].error = "AccessDeniedException"
                }
            }
            let end = writeTLS(sock, connection: c, plaintext: size.total, now: now, &s)
            channels.update(c) { $0.toClient.push(end, .response(r)) }
            let key = callIndex[f][Int(req.step)]
            metrics.calls[key].responseBytes += UInt64(size.total)
            if requests[Int(r)].error == nil {
                let units = call.requestUnitHalves
                metrics.calls[key].readUnitHalves += units.read
                metrics.calls[key].writeUnitHalves += units.write
            }
            let idleClose = EventPayload(AppEvent.serverIdleClose, object: c, aux: channels.armIdleClose(c) ?? 0)
            s.schedule(after: svc.idleTimeout, idleClose)
        case .databaseReply:
            guard case .databaseStage(let stage) = pending else { return }
            channels.update(c) { $0.pending = .none }
            let end = writeTLS(
                sock, connection: c, plaintext: databaseReplyBytes(stage: stage, connection: c), now: now, &s)
            channels.update(c) { $0.toClient.push(end, .databaseResponse(stage)) }
        case .sessionReply:
            guard case .sessions(let spec) = traffic[Int(server.object)], case .sessionReply(let bytes) = pending
            else { return }
            channels.update(c) { $0.pending = .none }
            let end =
                spec.tls
                ? writeTLS(sock, connection: c, plaintext: Int(bytes), now: now, &s)
                : writeOpaque(sock, connection: c, bytes: Int(bytes), now: now, &s)
            channels.update(c) { $0.toClient.push(end, .sessionResponse) }
        case .metadataReply:
            guard case .metadataStep(let step) = pending else { return }
            channels.update(c) { $0.pending = .none }
            writeText(sock, Self.metadataResponses[Int(step)], now: now, &s)
            let written = tcp.socket(sock).written
            channels.update(c) { $0.toClient.push(written, .textResponse(step)) }
        case .acceptSSL:
            tcp.write(sock, .postgresSSLAccept, length: UInt32(PostgresSSLResponse.length), now: now, &network, &s)
            let written = tcp.socket(sock).written
            channels.update(c) { $0.toClient.push(written, .pgSSLAccept) }
        }
    }

    /// DynamoDB closes a keep-alive connection idle for its timeout: TLS close_notify, then FIN.
    mutating func serverIdleClose(connection c: UInt32, generation: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard channels.isIdleCloseCurrent(c, generation), let sock = channels.read(c, { $0.serverSocket }),
            sock != .max, tcp.socket(sock).state == .established
        else { return }
        let end = writeTLS(sock, connection: c, plaintext: TLSAlert.length, now: now, &s)
        channels.update(c) { $0.toClient.push(end, .closeNotify) }
        tcp.close(sock, now: now, &network, &s)
    }

    // MARK: Database (PostgreSQL over TLS)

    func databaseDelay(stage: UInt32, connection c: UInt32) -> SimDuration {
        if stage < 3 { return .microseconds(stage == 2 ? 2_500 : 300) } // SCRAM key derivation on the final step
        if let q = currentQuery(c) { return q.serverTime }
        return .microseconds(900)
    }

    func databaseReplyBytes(stage: UInt32, connection c: UInt32) -> Int {
        if stage < 3 { return Self.databaseServerHandshake[Int(stage)] }
        return currentQuery(c)?.responseBytes ?? 64
    }

    /// The query the connection's client is running now.
    func currentQuery(_ c: UInt32) -> DatabaseQuery? {
        guard let r = channels.read(c, { $0.client }), r.app == .environment else { return nil }
        let env = environments[Int(r.object)]
        if case .database(let q) = functions[Int(env.function)].program[env.pc] { return q }
        return nil
    }
}
