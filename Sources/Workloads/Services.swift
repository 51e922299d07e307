import SimCore
import Wire
import NetModel
import Transport
import Messages

extension World {
    /// The TLS server every modelled server answers as (DynamoDB front ends, RDS, dataset
    /// servers). Per-server profiles would be a field of ServiceEndpoint and DatabaseInstance.
    static let serverTLSProfile = TLSServerProfileID.awsEndpoint

    /// Server-side messages: the TLS handshake and requests of a service, a database's protocol.
    mutating func serverMessage(
        _ owner: AppRef, connection c: UInt32, _ m: Channel.Message, _ now: SimTime, _ s: inout Scheduler
    ) {
        switch m {
        case .pgSSLRequest:
            s.schedule(after: .microseconds(60), .serverWork(c, .acceptSSL))
        case .clientHello:
            let t = owner.app == .service ? services[Int(owner.object)].handshakeTime : .microseconds(900)
            s.schedule(after: resumedHandshakeTime(c, t), .serverWork(c, .handshakeFlight))
        case .clientFinished:
            scheduleServerFinish(c, &s)
        case .closeNotify:
            break
        case .request(let r):
            let svc = services[Int(owner.object)]
            channels.update(c) { $0.pending = .request(r) }
            channels.cancelIdleClose(c)
            let req = requests[Int(r)]
            var median = svc.getMedian
            if case .dynamodb(var call) = functions[Int(req.function)].program[Int(req.step)] {
                call.itemBytes = Int(req.itemBytes)
                // Service time grows with the bytes of items read or written (in proportion, not
                // by whole KB).
                let bytes = Int64(call.itemBytes * (call.operation == .query ? max(call.resultItems, 1) : 1))
                let perKB = call.operation.isWrite ? svc.writePerKB : svc.readPerKB
                median =
                    (call.operation.isWrite ? svc.putMedian : svc.getMedian)
                    + SimDuration(nanoseconds: perKB.nanoseconds * bytes / 1024)
            } else if case .call(let call) = functions[Int(req.function)].program[Int(req.step)] {
                median = call.operation.serverMedian(asynchronous: call.asynchronous)
                if invokesSynchronously(call, request: req, service: svc, connection: c, now, &s) { return }
            }
            let t = SimDuration(seconds: random.lognormal(median: median.seconds, sigma: svc.latencySigma))
            s.schedule(after: t, .serverWork(c, .respond))
        case .databaseRequest(let stage):
            channels.update(c) { $0.pending = .databaseStage(stage) }
            let d = databaseDelay(stage: stage, connection: c)
            s.schedule(after: d, .serverWork(c, .databaseReply))
        case .serverFlight, .serverFinished, .sessionTickets, .response, .databaseResponse, .pgSSLAccept,
            .sessionRequest,
            .sessionResponse,
            .textRequest, .textResponse:
            break
        }
    }

    mutating func serverWork(connection c: UInt32, action: ServerAction, _ now: SimTime, _ s: inout Scheduler) {
        guard let (sock, pending, server) = channels.read(c, { ($0.serverSocket, $0.pending, $0.server) }), sock != .max
        else { return }
        guard tcp.socket(sock).isOpen else { return }
        switch action {
        case .handshakeFlight:
            // ServerHello, ChangeCipherSpec (RFC 8446 D.4), then the encrypted EncryptedExtensions,
            // Certificate, CertificateVerify and Finished (TLS 1.2: Certificate, ServerKeyExchange,
            // ServerHelloDone in clear), one record each as OpenSSL-style servers write them.
            let end = writeServerFlight(sock, connection: c, now: now, &s)
            channels.update(c) { $0.toClient.push(end, .serverFlight) }
        case .respond:
            guard case .request(let r) = pending else { return }
            channels.update(c) { $0.pending = .none }
            let req = requests[Int(r)]
            let f = Int(req.function)
            let svcIndex = serviceByHost[tcp.socket(sock).host] ?? 0
            let svc = services[svcIndex]
            if case .call(let call) = functions[f].program[Int(req.step)] {
                var response = jsonResponse(call, function: f, service: svc, connection: c, key: req.key, now)
                response.functionError = req.functionError
                if requestsStoppedAsRecursive.remove(c) != nil { response.error = Self.recursiveInvocation }
                if let e = response.error {
                    requests[Int(r)].error = e.name
                } else {
                    callAccepted(call, environment: req.environment, now, &s)
                }
                let size = response.sizes
                let m = log(.awsJSONResponse(response))
                let end = writeTLS(sock, connection: c, plaintext: size.total, message: m, now: now, &s)
                channels.update(c) { $0.toClient.push(end, .response(r)) }
                metrics.calls[callIndex[f][Int(req.step)]].responseBytes += UInt64(size.total)
                let idleClose = EventPayload(AppEvent.serverIdleClose, object: c, aux: channels.armIdleClose(c) ?? 0)
                s.schedule(after: svc.idleTimeout, idleClose)
                return
            }
            guard case .dynamodb(var call) = functions[f].program[Int(req.step)] else { return }
            call.itemBytes = Int(req.itemBytes)
            var response = DynamoDBResponse(
                call: call, unixSeconds: (epochNanoseconds + now.nanoseconds) / 1_000_000_000,
                requestID: SplitMix64.mix(UInt64(c) << 32 ^ UInt64(bitPattern: now.nanoseconds)), key: req.key)
            let realm = tcp.socket(sock).realm
            // The endpoint's policy is evaluated for requests that came through it, a gateway
            // endpoint's or an interface endpoint's alike
            // (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
            var policy: EndpointPolicy?
            if realm > 0 { policy = network.gatewayEndpoints[Int(realm - 1)].policy }
            if let i = svc.interfaceEndpoint { policy = network.interfaceEndpoints[i.int].policy }
            if let policy {
                let resource = "arn:aws:dynamodb:\(svc.region):\(svc.accountID):table/\(call.table)"
                let decision = policy.evaluate(
                    principal: functions[f].principal, action: call.operation.action, resource: resource)
                if !decision.isAllowed {
                    let explicit: Bool
                    if case .explicitlyDenied = decision { explicit = true } else { explicit = false }
                    let message = DynamoDBWire.endpointPolicyDenial(
                        principal: functions[f].principal, action: call.operation.action,
                        resource: resource, explicit: explicit)
                    response.error = DynamoDBError(name: "AccessDeniedException", message: message)
                    requests[Int(r)].error = "AccessDeniedException"
                }
            }
            let size = response.sizes
            let m = log(.dynamoDBResponse(response))
            let end = writeTLS(sock, connection: c, plaintext: size.total, message: m, now: now, &s)
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
            let message = databaseReply(stage: stage, connection: c, database: Int(server.object))
            let m = log(.postgres(message))
            let end = writeTLS(sock, connection: c, plaintext: message.length, message: m, now: now, &s)
            channels.update(c) { $0.toClient.push(end, .databaseResponse(stage)) }
        case .sessionReply:
            guard case .sessions(let spec) = traffic[Int(server.object)], case .sessionReply(let bytes) = pending
            else { return }
            channels.update(c) { $0.pending = .none }
            let seed = sessionMessageSeed(c, sock)
            // A load balancer's target answers its node in plain HTTP (target groups speak HTTP).
            let tls = spec.tls && server.app != .balancerTarget
            let m =
                tls
                ? log(.http(SyntheticHTTPMessage(isRequest: false, host: "", length: Int(bytes), seed: seed))) : nil
            let end =
                tls
                ? writeTLS(sock, connection: c, plaintext: Int(bytes), message: m, now: now, &s)
                : server.app == .balancerTarget
                    ? writeHTTP(
                        sock, connection: c, prefix: PlainHTTPMessage.okPrefix, wanted: Int(bytes), now: now, &s)
                    : writeOpaque(sock, connection: c, bytes: Int(bytes), now: now, &s)
            channels.update(c) { $0.toClient.push(end, .sessionResponse) }
        case .metadataReply:
            guard case .metadataStep(let step) = pending else { return }
            channels.update(c) { $0.pending = .none }
            writeText(sock, Self.metadataResponses[Int(step)], now: now, &s)
            let written = tcp.socket(sock).written
            channels.update(c) { $0.toClient.push(written, .textResponse(step)) }
        case .handshakeFinish:
            writeServerFinish(sock, connection: c, now: now, &s)
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
        let end = writeCloseNotify(sock, connection: c, now: now, &s)
        channels.update(c) { $0.toClient.push(end, .closeNotify) }
        tcp.close(sock, now: now, &network, &s)
    }

    // MARK: Database (PostgreSQL over TLS)

    func databaseDelay(stage: UInt32, connection c: UInt32) -> SimDuration {
        if stage < 3 { return .microseconds(stage == 2 ? 2_500 : 300) } // SCRAM key derivation on the final step
        if let q = currentQuery(c) { return q.serverTime }
        return .microseconds(900)
    }

    /// The server's PostgreSQL answer at a stage: 0 AuthenticationSASL, 1 the SCRAM server-first
    /// message, 2 its final message with AuthenticationOk and the session's start, 3 the result.
    func databaseReply(stage: UInt32, connection c: UInt32, database: Int) -> PostgresMessage {
        let login = postgresConnection(c, database: database)
        switch stage {
        case 0: return PostgresMessage(.authenticationSASL, connection: login)
        case 1: return PostgresMessage(.saslContinue, connection: login)
        case 2: return PostgresMessage(.authenticationDone, connection: login)
        default:
            let key =
                channels.read(c, { $0.client }).flatMap { r -> UInt64? in
                    guard r.app == .environment else { return nil }
                    let env = environments[Int(r.object)]
                    return env.invocation >= 0 ? invocations[Int(env.invocation)].number : nil
                } ?? 0
            return PostgresMessage(.result(bytes: currentQuery(c)?.responseBytes ?? 64, key: key), connection: login)
        }
    }

    /// The seed of a generated session's next message: its connection and stream position.
    func sessionMessageSeed(_ c: UInt32, _ socket: UInt32) -> UInt64 {
        SplitMix64.mix(UInt64(c) << 32 ^ tcp.socket(socket).written)
    }

    /// The query the connection's client is running now.
    func currentQuery(_ c: UInt32) -> DatabaseQuery? {
        guard let r = channels.read(c, { $0.client }), r.app == .environment else { return nil }
        let env = environments[Int(r.object)]
        if case .database(let q) = functions[Int(env.function)].program[env.pc] { return q }
        return nil
    }
}
