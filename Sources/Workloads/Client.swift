import SimCore
import Wire
import NetModel
import Transport
import Messages

/// What an SDK call talks to.
enum Target: Sendable, Equatable {
    /// An AWS service endpoint over HTTPS (index into `World.services`).
    case service(Int32)
    /// An interface endpoint ENI's front end called by its zonal name (index into `World.services`).
    case zonal(Int32)
    /// A PostgreSQL database (index into `World.databases`): SSLRequest, then TLS.
    case database(Int32)
}

/// One pooled client connection of an execution environment.
struct PooledConnection: Sendable {
    enum Phase: Sendable, Equatable {
        case connecting
        /// PostgreSQL: SSLRequest sent, waiting for 'S'.
        case negotiatingSSL
        case handshaking
        /// PostgreSQL: startup and SCRAM authentication inside TLS, `stage` 0…2.
        case authenticating(UInt32)
        case ready
    }
    var target: Target
    var connection: UInt32
    var socket: UInt32
    var phase: Phase
}

extension World {
    func target(of step: Step) -> Target? {
        switch step {
        case .dynamodb(let c):
            let i = dynamoDBService(c)
            return !c.endpointHost.isEmpty && services[i].zonalHostname == c.endpointHost
                ? .zonal(Int32(i)) : .service(Int32(i))
        case .call(let c): return .service(Int32(jsonService(c)))
        case .database(let q): return .database(Int32(q.instance))
        case .compute: return nil
        }
    }
    func hostname(_ t: Target, function f: Int) -> String {
        switch t {
        case .service(let i): return serviceName(Int(i), function: f)
        case .zonal(let i): return services[Int(i)].zonalHostname ?? services[Int(i)].hostname
        case .database(let i): return databases[Int(i)].endpoint
        }
    }
    /// How the server behind `t` answers TLS.
    func tlsServer(_ t: Target) -> TLSServerProfileID {
        switch t {
        case .service, .zonal: return Self.serverTLSProfile
        case .database(let i): return databases[Int(i)].tlsServer
        }
    }
    func port(_ t: Target) -> UInt16 {
        switch t {
        case .service, .zonal: return 443
        case .database(let i): return databases[Int(i)].port
        }
    }

    /// The metrics name of a step's call: "function/Operation" (or "function/db-identifier").
    func callName(_ f: Int, _ pc: Int) -> String {
        switch functions[f].program[pc] {
        case .dynamodb(let c): return functions[f].name + "/" + c.operation.rawValue
        case .call(let c): return functions[f].name + "/" + c.operation.name
        case .database(let q): return functions[f].name + "/" + databases[q.instance].identifier
        case .compute: return functions[f].name + "/compute"
        }
    }

    // MARK: Calls

    /// Starts (or retries) the current step's call: reuse the open pooled connection, or resolve and connect.
    mutating func beginCall(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        let f = Int(environments[env].function)
        guard let t = target(of: functions[f].program[environments[env].pc]) else { return }
        if let k = environments[env].pool.firstIndex(where: { $0.target == t }) {
            let p = environments[env].pool[k]
            let st = tcp.socket(p.socket).state
            if p.phase == .ready && st == .established {
                environments[env].active = k
                sendRequest(env, now, &s)
                return
            }
            // urllib3 finds the pooled connection dropped (the server closed it after its idle
            // timeout) and closes it without reading the close_notify: Linux answers unread data
            // on close() with a RST (Linux net/ipv4/tcp.c, __tcp_close; RFC 2525 §2.17).
            environments[env].pool.remove(at: k)
            environments[env].active = -1
            if st != .closed { tcp.abort(p.socket, now: now, &network, &s) }
            channels.update(p.connection) { $0.clientSocket = .max }
        }
        if environments[env].vpc != nil {
            resolve(env, name: hostname(t, function: f), now, &s)
        } else if case .service(let i) = t {
            let svc = services[Int(i)]
            connect(env, to: svc.addresses[Int(random.bounded(UInt64(svc.addresses.count)))], now, &s)
        }
    }

    mutating func connect(_ env: Int, to address: IPAddress, _ now: SimTime, _ s: inout Scheduler) {
        let f = Int(environments[env].function)
        guard let t = target(of: functions[f].program[environments[env].pc]) else { return }
        environments[env].call = .connecting
        let e = environments[env]
        let owner = AppRef(.environment, object: UInt32(env))
        let local = address.isIPv4 ? e.address : ipv6Address(of: e.host) ?? e.address // dual-stack: v6 to v6
        let sock = tcp.connect(
            host: e.host, local: local, remote: address, remotePort: port(t), owner: owner,
            noDelay: functions[f].tcpNoDelay, now: now, &network, &s)
        let c = tcp.socket(sock).connection
        environments[env].pool.append(PooledConnection(target: t, connection: c, socket: sock, phase: .connecting))
        environments[env].active = environments[env].pool.count - 1
        channels.insert(c, Channel(clientSocket: sock, client: owner, seed: random.next()))
        metrics.calls[callIndex[f][e.pc]].newConnections += 1
        environments[env].callOpenedConnection = true
    }

    func poolIndex(_ env: Int, connection c: UInt32) -> Int? {
        environments[env].pool.firstIndex { $0.connection == c }
    }

    mutating func clientConnected(_ env: Int, socket: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard let k = environments[env].pool.firstIndex(where: { $0.socket == socket }) else { return }
        let p = environments[env].pool[k]
        if case .database = p.target {
            // libpq asks for TLS first: SSLRequest (8 bytes); the server answers 'S'.
            environments[env].pool[k].phase = .negotiatingSSL
            tcp.write(socket, .postgresSSLRequest, length: UInt32(PostgresSSLRequest.length), now: now, &network, &s)
            let written = tcp.socket(socket).written
            channels.update(p.connection) { $0.toServer.push(written, .pgSSLRequest) }
        } else if environments[env].active == k {
            // The SDK's per-connection CPU work (urllib3 loads the CA bundle) before the ClientHello.
            let f = Int(environments[env].function)
            after(functions[f].cpuTime(functions[f].runtime.sdk.connectionSetup), env: env, .sendClientHello, &s)
        }
    }

    mutating func sendClientHello(_ env: Int, _ k: Int, _ now: SimTime, _ s: inout Scheduler) {
        let p = environments[env].pool[k]
        environments[env].pool[k].phase = .handshaking
        environments[env].call = .handshaking
        let f = Int(environments[env].function)
        // The SDK's client keeps sessions for the environment's life; database drivers keep none
        // (node-postgres and libpq open each TLS connection without a session).
        let cache: UInt64? = if case .service = p.target { TicketCacheKey.environment(env) } else { nil }
        writeClientHello(
            p.socket, connection: p.connection, profile: clientProfile(f, p.target), server: tlsServer(p.target),
            serverName: hostname(p.target, function: f), client: cache, now: now, &s)
        let written = tcp.socket(p.socket).written
        channels.update(p.connection) { $0.toServer.push(written, .clientHello) }
    }

    /// Client-side messages: SSL negotiation, the server's handshake flight, responses.
    mutating func clientMessage(
        _ env: Int, connection: UInt32, _ m: Channel.Message, _ now: SimTime, _ s: inout Scheduler
    ) {
        guard let k = poolIndex(env, connection: connection) else {
            if case .response(let r) = m { releaseRequest(r) }
            return
        }
        switch m {
        case .pgSSLAccept:
            sendClientHello(env, k, now, &s)
        case .serverFinished:
            // TLS 1.2: the handshake is complete once the server's Finished has arrived.
            if environments[env].phase == .running && environments[env].active == k
                && environments[env].pool[k].phase == .handshaking
            {
                handshakeComplete(env, k, now, &s)
            }
        case .serverFlight:
            // Certificate-chain verification and the key schedule on the client's CPU share (assumed:
            // ~1.5 ms of one vCPU; no published figure).
            if environments[env].phase == .running && environments[env].active == k {
                let f = Int(environments[env].function)
                let cpu = resumedHandshakeTime(connection, functions[f].runtime.sdk.handshake)
                after(functions[f].cpuTime(cpu), env: env, .finishHandshake, &s)
            }
        case .response(let r):
            let req = requests[Int(r)]
            releaseRequest(r)
            guard environments[env].phase == .running, environments[env].call == .awaitingResponse,
                Int(req.environment) == env, Int(req.step) == environments[env].pc
            else { return }
            completeCall(env, error: req.error, now, &s)
        case .databaseResponse(let stage):
            guard environments[env].phase == .running else { return }
            if case .authenticating(let st) = environments[env].pool[k].phase, st == stage {
                if stage < 2 {
                    environments[env].pool[k].phase = .authenticating(stage + 1)
                    sendDatabaseMessage(env, k, stage: stage + 1, now, &s)
                } else {
                    environments[env].pool[k].phase = .ready
                    sendRequest(env, now, &s)
                }
            } else if stage == 3 && environments[env].call == .awaitingResponse {
                completeCall(env, error: nil, now, &s)
            }
        default:
            break
        }
    }

    mutating func completeCall(_ env: Int, error: String?, _ now: SimTime, _ s: inout Scheduler) {
        let f = Int(environments[env].function)
        let pc = environments[env].pc
        let key = callIndex[f][pc]
        let latency = now - environments[env].callStart
        metrics.calls[key].latency.record(latency)
        metrics.requestLatency.record(latency)
        metrics.requestLog?.append(
            RequestRecord(
                call: Int32(key), start: environments[env].callStart, latency: latency,
                newConnection: environments[env].callOpenedConnection, failed: error != nil))
        environments[env].call = .none
        if !functions[f].connectionReuse { closeActiveConnection(env, now, &s) }
        if let error {
            // botocore raises ClientError for a 400 that is not retryable; the handler fails.
            metrics.calls[key].errors += 1
            finishInvocation(env, .failed(error), now, &s)
            return
        }
        // Response parsing and the handler's own work between calls.
        after(functions[f].cpuTime(functions[f].runtime.sdk.response), env: env, .afterResponse, &s)
    }

    /// An SDK without keep-alive closes the call's connection once the response is read.
    mutating func closeActiveConnection(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        let k = environments[env].active
        guard k >= 0, k < environments[env].pool.count else { return }
        let p = environments[env].pool.remove(at: k)
        environments[env].active = -1
        if tcp.socket(p.socket).state == .established { tcp.close(p.socket, now: now, &network, &s) }
    }

    mutating func finishHandshake(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        let k = environments[env].active
        guard k >= 0, k < environments[env].pool.count else { return }
        let p = environments[env].pool[k]
        guard tcp.socket(p.socket).state == .established else { return }
        // ChangeCipherSpec (middlebox compatibility mode) and Finished leave in one write; TLS
        // 1.2 then waits for the server's Finished.
        if !writeClientFinish(p.socket, connection: p.connection, now: now, &s) {
            handshakeComplete(env, k, now, &s)
        }
    }

    /// The TLS handshake is done: PostgreSQL authenticates, an HTTPS client sends its request.
    mutating func handshakeComplete(_ env: Int, _ k: Int, _ now: SimTime, _ s: inout Scheduler) {
        if case .database = environments[env].pool[k].target {
            environments[env].pool[k].phase = .authenticating(0)
            sendDatabaseMessage(env, k, stage: 0, now, &s)
        } else {
            environments[env].pool[k].phase = .ready
            sendRequest(env, now, &s)
        }
    }

    mutating func sendRequest(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        let f = Int(environments[env].function)
        let pc = environments[env].pc
        let k = environments[env].active
        let p = environments[env].pool[k]
        let key = callIndex[f][pc]
        environments[env].call = .awaitingResponse
        switch functions[f].program[pc] {
        case .dynamodb, .call:
            let size: HTTPMessageSize
            let message: UInt32?
            let r: UInt32
            if case .dynamodb(let step) = functions[f].program[pc] {
                let call = itemDrawn(step, env: env)
                let request = dynamoDBRequest(env, call, target: p.target, now)
                size = request.sizes
                message = log(.dynamoDBRequest(request))
                let req = Request(
                    environment: Int32(env), function: Int32(f), step: Int32(pc), key: request.key,
                    itemBytes: Int32(call.itemBytes))
                r = newRequest(req)
            } else if case .call(let call) = functions[f].program[pc] {
                let request = jsonRequest(env, call, target: p.target, now)
                size = request.sizes
                message = log(.awsJSONRequest(request))
                r = newRequest(Request(environment: Int32(env), function: Int32(f), step: Int32(pc), key: request.key))
            } else {
                return
            }
            let records = functions[f].runtime.tlsClient.profile.records
            let limit = records.writeLimit
            let dynamic = records.dynamicRecordSizing ? records : nil
            let (socket, c) = (p.socket, p.connection)
            let end: UInt64
            if records.separateHeaderAndBodyRecords {
                _ = writeTLS(
                    socket, connection: c, plaintext: size.headers, message: message, recordLimit: limit,
                    dynamicSizing: dynamic, now: now, &s)
                end = writeTLS(
                    socket, connection: c, plaintext: size.body, message: message, offset: size.headers,
                    recordLimit: limit, dynamicSizing: dynamic, now: now, &s)
            } else {
                end = writeTLS(
                    socket, connection: c, plaintext: size.total, message: message, recordLimit: limit,
                    dynamicSizing: dynamic, now: now, &s)
            }
            channels.update(p.connection) { $0.toServer.push(end, .request(r)) }
            metrics.calls[key].requestBytes += UInt64(size.total)
        case .database:
            let bytes = sendDatabaseMessage(env, k, stage: 3, now, &s)
            metrics.calls[key].requestBytes += UInt64(bytes)
        case .compute:
            return
        }
        metrics.calls[key].calls += 1
    }

    /// The PostgreSQL message of a client stage: 0 StartupMessage, 1 SASLInitialResponse,
    /// 2 SASLResponse (SCRAM-SHA-256-PLUS, RFC 7677), 3 the step's query. Returns its length.
    @discardableResult
    mutating func sendDatabaseMessage(_ env: Int, _ k: Int, stage: UInt32, _ now: SimTime, _ s: inout Scheduler) -> Int
    {
        let p = environments[env].pool[k]
        let f = Int(environments[env].function)
        guard case .database(let database) = p.target else { return 0 }
        let connection = postgresConnection(p.connection, database: Int(database))
        let kind: PostgresMessage.Kind
        switch stage {
        case 0: kind = .startup
        case 1: kind = .saslInitialResponse
        case 2: kind = .saslResponse
        default:
            guard case .database(let q) = functions[f].program[environments[env].pc] else { return 0 }
            kind = .query(bytes: q.requestBytes, key: invocations[Int(environments[env].invocation)].number)
        }
        let message = PostgresMessage(kind, connection: connection)
        let length = message.length
        let records = functions[f].runtime.databaseTLSClient.profile.records
        let limit = records.writeLimit
        let m = log(.postgres(message))
        let end = writeTLS(
            p.socket, connection: p.connection, plaintext: length, message: m, recordLimit: limit,
            dynamicSizing: records.dynamicRecordSizing ? records : nil, now: now, &s)
        channels.update(p.connection) { $0.toServer.push(end, .databaseRequest(stage)) }
        return length
    }

    /// The PostgreSQL login of connection `c` to database `i`: user, name, password, nonces from its seed.
    func postgresConnection(_ c: UInt32, database i: Int) -> PostgresConnection {
        let d = databases[i]
        return PostgresConnection(
            user: d.user, database: d.databaseName, password: d.password, seed: channels.read(c) { $0.seed } ?? 0,
            databaseSeed: FNV1a64.hash(d.identifier.utf8))
    }

    /// The client's connection ended (reset, timed out, or closed).
    mutating func clientConnectionEnded(
        _ env: Int, connection: UInt32, reason: TCPEndReason, _ now: SimTime, _ s: inout Scheduler
    ) {
        guard let k = poolIndex(env, connection: connection) else { return }
        let wasActive = environments[env].active == k
        environments[env].pool.remove(at: k)
        if wasActive {
            environments[env].active = -1
        } else if environments[env].active > k {
            environments[env].active -= 1
        }
        guard wasActive, environments[env].phase == .running, environments[env].call != .none,
            environments[env].call != .backoff
        else { return }
        // botocore legacy retries for DynamoDB: 10 attempts, sleeping 50 ms × 2^(n−1), no jitter
        // (botocore botocore/data/_retry.json, "dynamodb"; botocore/retryhandler.py, delay_exponential).
        let f = Int(environments[env].function)
        let key = callIndex[f][environments[env].pc]
        if environments[env].attempt >= 10 || reason == .aborted {
            metrics.calls[key].errors += 1
            finishInvocation(
                env, .failed(reason == .reset ? "ConnectionClosedError" : "EndpointConnectionError"), now, &s)
            return
        }
        metrics.calls[key].retries += 1
        let delay = SimDuration.milliseconds(50) * Int64(1 << (environments[env].attempt - 1))
        environments[env].attempt += 1
        environments[env].call = .backoff
        after(delay, env: env, .retryCall, &s)
    }

    // MARK: DNS (the Amazon-provided resolver at VPC base + 2)

    /// Binds a free UDP port of `host`, drawn from `lowest ..< lowest + count`, to `owner`; nil
    /// when every port of the range is taken (bind() would fail with EADDRINUSE).
    mutating func bindUDPPort(host: HostIndex, lowest: UInt16, count: UInt64, owner: UDPOwner) -> UInt16? {
        var port: UInt16 = 0
        var tries = 0
        repeat {
            port = lowest + UInt16(random.bounded(count))
            tries += 1
        } while udpBindings[host, port] != nil && tries < 256
        if udpBindings[host, port] != nil {
            // Nearly full: look at every port once rather than drawing forever.
            guard
                let free = (0..<count).lazy.map({ lowest + UInt16($0) }).first(where: { udpBindings[host, $0] == nil })
            else { return nil }
            port = free
        }
        udpBindings[host, port] = owner
        return port
    }

    /// glibc's getaddrinfo with AF_UNSPEC: an A and an AAAA query from one socket, in parallel, to
    /// the VPC's resolver. Returns the name's index in the catalog.
    mutating func sendAddressQueries(
        _ name: String, from host: HostIndex, address: IPAddress, port: UInt16, vpc: VPCIndex,
        label: UInt8, _ now: SimTime, _ s: inout Scheduler
    ) -> NameIndex {
        let nameIndex = network.catalog.intern(name: name)
        let server = network.vpcs[vpc.int].dnsAddress(from: address)
        for qtype in [DNSType.a, DNSType.aaaa] {
            var p = Packet(
                source: address, destination: server, sourcePort: port, destinationPort: 53,
                protocolNumber: IPProtocol.udp, ttl: 64, ipID: UInt16(truncatingIfNeeded: random.next()))
            let id = UInt16(truncatingIfNeeded: random.next())
            p.payload = .dnsQuery(id: id, name: nameIndex, type: qtype)
            p.payloadLength = UInt32(dnsMessageLength(name: nameIndex, type: qtype, response: false, answered: false))
            p.label = label
            metrics.dnsQueries += 1
            network.transmit(p, from: host, now: now, &s)
        }
        return nameIndex
    }

    mutating func resolve(_ env: Int, name: String, _ now: SimTime, _ s: inout Scheduler) {
        environments[env].call = .resolving
        let e = environments[env]
        if e.dnsPort != 0 { udpBindings[e.host, e.dnsPort] = nil }
        // resolv.conf default: 5 s timeout before asking again.
        let timeout = EventPayload(AppEvent.dnsTimeout, object: UInt32(env), aux: timers.dnsTimeout.arm(env))
        guard let port = bindUDPPort(host: e.host, lowest: 1024, count: 64512, owner: .environment(env)) else {
            // No UDP port free on the host: nothing is sent; the resolver is asked again later.
            environments[env].dnsPort = 0
            s.schedule(after: .seconds(5), timeout)
            return
        }
        environments[env].dnsPort = port
        environments[env].dnsPending = 2
        environments[env].dnsAnswer = nil
        environments[env].dnsName = sendAddressQueries(
            name, from: e.host, address: e.address, port: port, vpc: e.vpc!, label: 0, now, &s)
        s.schedule(after: .seconds(5), timeout)
    }

    mutating func dnsAnswerArrived(_ env: Int, _ p: Packet, _ now: SimTime, _ s: inout Scheduler) {
        guard environments[env].call == .resolving, p.destinationPort == environments[env].dnsPort else { return }
        if let a = preferredAddress(p, host: environments[env].host, current: environments[env].dnsAnswer) {
            environments[env].dnsAnswer = a
        }
        environments[env].dnsPending -= 1
        if environments[env].dnsPending == 0 {
            let e = environments[env]
            udpBindings[e.host, e.dnsPort] = nil
            timers.dnsTimeout.cancel(env)
            environments[env].dnsPort = 0
            if let a = e.dnsAnswer {
                connect(env, to: a, now, &s)
            } else {
                finishInvocation(env, .failed("EndpointConnectionError"), now, &s)
            }
        }
    }

    mutating func dnsTimeout(_ env: Int, generation: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard environments[env].phase == .running, environments[env].call == .resolving,
            timers.dnsTimeout.isCurrent(env, generation)
        else { return }
        resolve(env, name: network.catalog.name(environments[env].dnsName), now, &s)
    }
}
