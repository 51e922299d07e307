import SimCore
import Wire
import NetModel
import Transport

/// A Lambda execution environment: one microVM running one invocation at a time, reached
/// through its function's Hyperplane ENI (or the Lambda service network, outside a VPC).
struct Environment: Sendable {
    enum Phase: Sendable { case initializing, idle, running, dead }
    enum Next: Sendable, Equatable {
        case none, startProgram, runStep, finishHandshake, afterResponse, retryCall
    }
    enum Call: Sendable, Equatable { case none, resolving, connecting, handshaking, awaitingResponse, backoff }

    var function: Int32
    var host: HostIndex
    var address: IPv4Address
    var vpc: VPCIndex?
    var phase: Phase = .initializing
    var needsInit = true
    var generation: UInt32 = 0
    var next: Next = .none
    var invocation: Int32 = -1
    var invocationSerial: UInt32 = 0
    var pc = 0
    var call: Call = .none
    var attempt = 0
    var callStart = SimTime.zero
    var newConnection = false
    /// Pooled HTTPS connection to DynamoDB (keep-alive), by connection id and socket.
    var connection: UInt32 = .max
    var socket: UInt32 = .max
    /// Open database connection and its readiness.
    var dbConnection: UInt32 = .max
    var dbSocket: UInt32 = .max
    var dbReady = false
    var dbStage: UInt32 = 0
    var dnsPort: UInt16 = 0
    var dnsPending = 0
    var dnsAnswer: IPv4Address?
    var lastUsed = SimTime.zero
    var reclaimGeneration: UInt32 = 0
}

struct Invocation: Sendable {
    enum Caller: Sendable { case arrival, execution(Int32) }
    var function: Int32
    var environment: Int32
    var start: SimTime
    var cold: Bool
    var caller: Caller
}

/// Where a finished Step Functions task goes.
enum TaskResult: Sendable { case succeeded, failed(String) }

extension World {
    // MARK: Arrivals

    mutating func scheduleNextArrival(function f: Int, after: SimDuration, first: Bool, _ s: inout Scheduler) {
        let gap: SimDuration
        switch functions[f].arrivals {
        case .none: return
        case .poisson(let rate):
            guard rate > 0 else { return }
            gap = SimDuration(seconds: functionArrivalRandom[f].exponential(mean: 1 / rate))
        case .uniform(let rate):
            guard rate > 0 else { return }
            let period = SimDuration(seconds: 1 / rate)
            gap = first ? SimDuration(nanoseconds: Int64(functionArrivalRandom[f].bounded(UInt64(period.nanoseconds)))) : period
        }
        let at = s.now + gap
        if at < workloadEnd { s.schedule(at: at, EventPayload(kind: AppEvent.invocationArrival, object: UInt32(f))) }
    }

    mutating func invocationArrived(function f: Int, _ now: SimTime, _ s: inout Scheduler) {
        scheduleNextArrival(function: f, after: .zero, first: false, &s)
        invoke(function: f, caller: .arrival, now, &s)
    }

    /// Starts an invocation on a warm idle environment (the most recently used) or a new one.
    mutating func invoke(function f: Int, caller: Invocation.Caller, _ now: SimTime, _ s: inout Scheduler) {
        metrics.functions[f].invocations += 1
        var chosen: Int?
        var best = SimTime(nanoseconds: -1)
        for (i, e) in environments.enumerated() where e.function == Int32(f) && e.phase == .idle && e.lastUsed > best {
            chosen = i; best = e.lastUsed
        }
        let env: Int
        if let c = chosen {
            env = c
        } else {
            env = newEnvironment(function: f)
        }
        let cold = environments[env].needsInit
        if cold { metrics.functions[f].coldStarts += 1 }
        let inv = Invocation(function: Int32(f), environment: Int32(env), start: now, cold: cold, caller: caller)
        let k: Int32
        if let r = freeInvocations.popLast() { invocations[Int(r)] = inv; k = r } else { invocations.append(inv); k = Int32(invocations.count - 1) }
        environments[env].invocation = k
        runningInvocations += 1
        environments[env].invocationSerial &+= 1
        environments[env].reclaimGeneration &+= 1
        environments[env].pc = 0
        environments[env].phase = .running
        // The function timeout counts the invoke phase; a cold start's init runs first (capped at 10 s).
        var initTime = SimDuration.zero
        if cold {
            let fn = functions[f]
            initTime = SimDuration(seconds: random.lognormal(median: fn.initMedian.seconds, sigma: fn.initSigma))
            metrics.functions[f].initDuration.record(initTime)
            environments[env].needsInit = false
        }
        s.schedule(at: now + initTime + functions[f].timeout,
                   EventPayload(kind: AppEvent.invocationTimeout, object: UInt32(env), aux: environments[env].invocationSerial & 0xFF_FFFF))
        after(initTime, env: env, .startProgram, &s)
    }

    mutating func newEnvironment(function f: Int) -> Int {
        let fn = functions[f]
        let n = environments.filter { $0.function == Int32(f) }.count
        let host = fn.hosts[n % fn.hosts.count]
        let address: IPv4Address
        var vpc: VPCIndex?
        switch network.hosts[host.int] {
        case .eni(let e):
            address = network.enis[e.int].privateIP
            vpc = network.enis[e.int].vpc
        case .publicAddress(let a, _):
            address = a
        default:
            preconditionFailure("a function host is attached through an ENI or a public address")
        }
        metrics.functions[f].environmentsCreated += 1
        environments.append(Environment(function: Int32(f), host: host, address: address, vpc: vpc))
        return environments.count - 1
    }

    /// Continue environment `env` with `next` after `delay`.
    mutating func after(_ delay: SimDuration, env: Int, _ next: Environment.Next, _ s: inout Scheduler) {
        environments[env].generation &+= 1
        environments[env].next = next
        s.schedule(after: delay, EventPayload(kind: AppEvent.environmentStep, object: UInt32(env),
                                              aux: environments[env].generation & 0xFF_FFFF))
    }

    mutating func environmentStep(_ env: Int, generation: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard environments[env].generation & 0xFF_FFFF == generation, environments[env].phase == .running else { return }
        let next = environments[env].next
        environments[env].next = .none
        switch next {
        case .none: return
        case .startProgram, .runStep: runStep(env, now, &s)
        case .finishHandshake: finishHandshake(env, now, &s)
        case .afterResponse:
            environments[env].pc += 1
            runStep(env, now, &s)
        case .retryCall: beginCall(env, now, &s)
        }
    }

    mutating func runStep(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        let f = Int(environments[env].function)
        let program = functions[f].program
        guard environments[env].pc < program.count else {
            finishInvocation(env, .succeeded, now, &s)
            return
        }
        switch program[environments[env].pc] {
        case .compute(let d):
            after(d, env: env, .afterResponse, &s)
        case .dynamodb, .database:
            environments[env].attempt = 1
            environments[env].callStart = now
            beginCall(env, now, &s)
        }
    }

    // MARK: SDK calls

    /// Starts (or retries) the current step's call: reuse the pooled connection if it is still
    /// open, otherwise resolve the endpoint and connect.
    mutating func beginCall(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        let f = Int(environments[env].function)
        let step = functions[f].program[environments[env].pc]
        if case .database(let q) = step {
            beginDatabaseQuery(env, q, now, &s)
            return
        }
        if environments[env].connection != .max {
            let sock = environments[env].socket
            let st = tcp.socket(sock).state
            if st == .established, channels[environments[env].connection]?.tlsEstablished == true {
                environments[env].newConnection = false
                sendRequest(env, now, &s)
                return
            }
            // urllib3 finds the pooled connection dropped (the server closed it after its idle
            // timeout) and closes it without reading the close_notify: Linux answers unread data
            // on close() with a RST (research notes §1, "Closing").
            let stale = environments[env].connection
            environments[env].connection = .max
            environments[env].socket = .max
            if st != .closed { tcp.abort(sock, now: now, &network, &s) }
            channels[stale]?.clientSocket = .max
        }
        environments[env].newConnection = true
        if environments[env].vpc != nil {
            resolve(env, now, &s)
        } else {
            let svc = services[0]
            connect(env, to: svc.addresses[Int(random.bounded(UInt64(svc.addresses.count)))], now, &s)
        }
    }

    mutating func connect(_ env: Int, to address: IPv4Address, _ now: SimTime, _ s: inout Scheduler) {
        environments[env].call = .connecting
        let e = environments[env]
        let owner = AppRef(kind: AppKind.environment, object: UInt32(env))
        let sock = tcp.connect(host: e.host, local: e.address, remote: address, remotePort: 443, owner: owner,
                               profile: .linuxLambda, now: now, &network, &s)
        let c = tcp.socket(sock).connection
        environments[env].socket = sock
        environments[env].connection = c
        channels[c] = Channel(clientSocket: sock, client: owner, seed: random.next())
        let f = Int(e.function)
        let key = callKey(f, environments[env].pc)
        metrics.calls[key, default: CallMetrics()].newConnections += 1
    }

    func callKey(_ f: Int, _ pc: Int) -> String {
        if case .dynamodb(let c) = functions[f].program[pc] { return functions[f].name + "/" + c.operation.rawValue }
        return functions[f].name + "/database"
    }

    mutating func clientConnected(_ env: Int, socket: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        if socket == environments[env].dbSocket {
            databaseConnected(env, now, &s)
            return
        }
        guard socket == environments[env].socket else { return }
        environments[env].call = .handshaking
        let c = environments[env].connection
        let sni = network.serverNameIndex(services[0].hostname)
        let seed = channels[c]?.nextSeed() ?? 0
        tcp.write(socket, kind: .tlsClientHello, length: UInt32(helloLength(sni)),
                  parameter: UInt64(sni) << 32 | (seed & 0xFFFF_FFFF), now: now, &network, &s)
        channels[c]?.toServer.push(tcp.socket(socket).written, .clientHello)
    }

    /// Client-side messages: the server's handshake flight, responses.
    mutating func clientMessage(_ env: Int, connection: UInt32, _ m: Channel.Message, _ now: SimTime, _ s: inout Scheduler) {
        switch m {
        case .serverFlight:
            // Certificate-chain verification and key schedule on the client: ~1.5 ms of CPU in a
            // small Lambda (UNSOURCED estimate).
            if environments[env].connection == connection && environments[env].phase == .running {
                after(.microseconds(1_500), env: env, .finishHandshake, &s)
            }
        case .response(let r):
            let req = requests[Int(r)]
            releaseRequest(r)
            guard environments[env].phase == .running, environments[env].call == .awaitingResponse,
                  Int(req.environment) == env, Int(req.step) == environments[env].pc else { return }
            let f = Int(environments[env].function)
            let key = callKey(f, environments[env].pc)
            let latency = now - environments[env].callStart
            metrics.calls[key, default: CallMetrics()].latency.record(latency)
            metrics.requestLatency.record(latency)
            environments[env].call = .none
            if let error = req.error {
                // botocore raises ClientError for a 400 that is not retryable; the handler fails.
                metrics.calls[key, default: CallMetrics()].errors += 1
                finishInvocation(env, .failed(error), now, &s)
                return
            }
            // Response parsing and the handler's own work between calls.
            after(.microseconds(250), env: env, .afterResponse, &s)
        case .databaseResponse:
            databaseResponse(env, now, &s)
        default:
            break
        }
    }

    mutating func finishHandshake(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        let c = environments[env].connection
        let sock = environments[env].socket
        guard c != .max, tcp.socket(sock).state == .established else { return }
        let seed = channels[c]?.nextSeed() ?? 0
        tcp.write(sock, kind: .tlsChangeCipherSpec, length: UInt32(TLSChangeCipherSpec.recordLength), parameter: seed, flush: false,
                  now: now, &network, &s)
        let end = writeTLS(sock, connection: c, plaintext: TLSModel.finished, now: now, &s)
        channels[c]?.toServer.push(end, .clientFinished)
        channels[c]?.tlsEstablished = true
        sendRequest(env, now, &s)
    }

    mutating func sendRequest(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        let f = Int(environments[env].function)
        let pc = environments[env].pc
        let c = environments[env].connection
        let sock = environments[env].socket
        let size = callSizes[f][pc].request
        let r = newRequest(Request(environment: Int32(env), function: Int32(f), step: Int32(pc), sent: now))
        // Header block and body go out in separate writes, hence separate records (measured).
        _ = writeTLS(sock, connection: c, plaintext: size.headers, now: now, &s)
        let end = writeTLS(sock, connection: c, plaintext: size.body, now: now, &s)
        channels[c]?.toServer.push(end, .request(r))
        environments[env].call = .awaitingResponse
        let key = callKey(f, pc)
        metrics.calls[key, default: CallMetrics()].calls += 1
        metrics.calls[key, default: CallMetrics()].requestBytes += UInt64(size.total)
    }

    /// The client's connection ended (reset, timed out, or closed).
    mutating func clientConnectionEnded(_ env: Int, connection: UInt32, reason: TCPEndReason, _ now: SimTime, _ s: inout Scheduler) {
        if connection == environments[env].dbConnection {
            environments[env].dbConnection = .max
            environments[env].dbSocket = .max
            environments[env].dbReady = false
            return
        }
        guard connection == environments[env].connection else { return }
        environments[env].connection = .max
        environments[env].socket = .max
        guard environments[env].phase == .running, environments[env].call != .none, environments[env].call != .backoff else { return }
        // botocore legacy retries for DynamoDB: 10 attempts, sleeping 50 ms × 2^(n−1), no jitter
        // (research notes §6; `_retry.json`, `retryhandler.py`).
        let f = Int(environments[env].function)
        let key = callKey(f, environments[env].pc)
        if environments[env].attempt >= 10 || reason == .aborted {
            metrics.calls[key, default: CallMetrics()].errors += 1
            finishInvocation(env, .failed(reason == .reset ? "ConnectionClosedError" : "EndpointConnectionError"), now, &s)
            return
        }
        metrics.calls[key, default: CallMetrics()].retries += 1
        let delay = SimDuration.milliseconds(50) * Int64(1 << (environments[env].attempt - 1))
        environments[env].attempt += 1
        environments[env].call = .backoff
        after(delay, env: env, .retryCall, &s)
    }

    // MARK: DNS (the Amazon-provided resolver at VPC base + 2)

    /// glibc's getaddrinfo with AF_UNSPEC: an A and an AAAA query from one socket, in parallel.
    mutating func resolve(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        environments[env].call = .resolving
        let e = environments[env]
        if e.dnsPort != 0 { udpBindings[UInt64(e.host.raw) << 16 | UInt64(e.dnsPort)] = nil }
        var port: UInt16 = 0
        repeat { port = 1024 + UInt16(random.bounded(64512)) } while udpBindings[UInt64(e.host.raw) << 16 | UInt64(port)] != nil
        udpBindings[UInt64(e.host.raw) << 16 | UInt64(port)] = UInt32(env)
        environments[env].dnsPort = port
        environments[env].dnsPending = 2
        environments[env].dnsAnswer = nil
        let name = dnsNameIndex(services[0].hostname)
        let server = network.vpcs[e.vpc!.int].dnsAddress
        for qtype in [UInt16(1), UInt16(28)] {
            var p = Packet(source: e.address, destination: server, sourcePort: port, destinationPort: 53,
                           protocolNumber: IPProtocol.udp, ttl: 64, ipID: UInt16(truncatingIfNeeded: random.next()))
            let id = UInt32(truncatingIfNeeded: random.next()) & 0xFFFF
            p.payload = PayloadRef(kind: .dnsQuery, id: id, offset: UInt64(name) << 16 | UInt64(qtype))
            p.payloadLength = UInt32(DNSSizes.queryLength(name: dnsNames[name]))
            metrics.dnsQueries += 1
            network.transmit(p, from: e.host, now: now, &s)
        }
        // resolv.conf default: 5 s timeout before asking again.
        s.schedule(after: .seconds(5), EventPayload(kind: AppEvent.dnsTimeout, object: UInt32(env),
                                                    aux: UInt32(port)))
    }

    mutating func dnsAnswerArrived(_ env: Int, _ p: Packet, _ now: SimTime, _ s: inout Scheduler) {
        guard environments[env].call == .resolving, p.destinationPort == environments[env].dnsPort else { return }
        if p.payload.extra != 0 && (p.payload.offset & 0xFFFF) == 1 { environments[env].dnsAnswer = IPv4Address(raw: p.payload.extra) }
        environments[env].dnsPending -= 1
        if environments[env].dnsPending == 0 {
            let e = environments[env]
            udpBindings[UInt64(e.host.raw) << 16 | UInt64(e.dnsPort)] = nil
            environments[env].dnsPort = 0
            if let a = e.dnsAnswer { connect(env, to: a, now, &s) } else { finishInvocation(env, .failed("EndpointConnectionError"), now, &s) }
        }
    }

    mutating func dnsTimeout(_ env: Int, generation: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard environments[env].phase == .running, environments[env].call == .resolving,
              UInt32(environments[env].dnsPort) == generation else { return }
        resolve(env, now, &s)
    }

    /// The resolver answers from its records: an A record for a service hostname, no answer for AAAA.
    mutating func answerDNS(_ q: Packet, resolver h: HostIndex, vpc: VPCIndex, _ now: SimTime, _ s: inout Scheduler) {
        guard q.payload.kind == .dnsQuery else { return }
        let name = Int(q.payload.offset >> 16)
        let qtype = UInt16(truncatingIfNeeded: q.payload.offset)
        var answer: UInt32 = 0
        if qtype == 1, name < dnsNames.count, let svc = services.first(where: { $0.hostname == dnsNames[name] }) {
            answer = svc.addresses[Int(random.bounded(UInt64(svc.addresses.count)))].raw
        }
        var r = Packet(source: q.destination, destination: q.source, sourcePort: 53, destinationPort: q.sourcePort,
                       protocolNumber: IPProtocol.udp, ttl: 255, ipID: 0)
        r.payload = PayloadRef(kind: .dnsResponse, id: q.payload.id, offset: q.payload.offset, extra: answer)
        r.payloadLength = UInt32(DNSSizes.responseLength(name: name < dnsNames.count ? dnsNames[name] : "", answers: answer != 0 ? 1 : 0))
        network.transmit(r, from: h, now: now, &s)
    }

    // MARK: Finishing

    mutating func finishInvocation(_ env: Int, _ outcome: InvocationOutcome, _ now: SimTime, _ s: inout Scheduler) {
        let k = environments[env].invocation
        guard k >= 0 else { return }
        let inv = invocations[Int(k)]
        let f = Int(inv.function)
        let duration = now - inv.start
        metrics.functions[f].duration.record(duration)
        switch outcome {
        case .succeeded: metrics.functions[f].succeeded += 1
        case .timedOut:
            metrics.functions[f].timedOut += 1
            if metrics.functions[f].timeoutMessages.count < 5 {
                metrics.functions[f].timeoutMessages.append("Task timed out after \(Self.twoDecimals(duration)) seconds")
            }
        case .failed(let why):
            metrics.functions[f].failed += 1
            metrics.functions[f].errors[why, default: 0] += 1
        }
        environments[env].invocation = -1
        runningInvocations -= 1
        environments[env].invocationSerial &+= 1
        environments[env].call = .none
        environments[env].generation &+= 1
        environments[env].lastUsed = now
        freeInvocations.append(k)
        if workloadEnded {
            shutdown(env, now, &s)
        } else {
            environments[env].phase = .idle
            environments[env].reclaimGeneration &+= 1
            s.schedule(after: functions[f].idleReclaim, EventPayload(kind: AppEvent.environmentReclaim, object: UInt32(env),
                                                                      aux: environments[env].reclaimGeneration & 0xFF_FFFF))
        }
        if case .execution(let x) = inv.caller {
            taskFinished(execution: Int(x), outcome == .succeeded ? .succeeded : .failed(Self.errorName(outcome)), now, &s)
        }
    }

    static func errorName(_ o: InvocationOutcome) -> String {
        switch o {
        case .succeeded: return ""
        case .timedOut: return "Lambda.Unknown"
        case .failed: return "Lambda.Unknown"
        }
    }

    static func twoDecimals(_ d: SimDuration) -> String {
        let centis = (d.nanoseconds + 5_000_000) / 10_000_000
        let frac = centis % 100
        return "\(centis / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// The function timed out: Lambda resets the environment. The runtime process is killed
    /// without closing its sockets, so nothing is sent (research notes §5); the next invoke
    /// initialises again.
    mutating func invocationTimeout(_ env: Int, serial: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard environments[env].invocationSerial & 0xFF_FFFF == serial, environments[env].invocation >= 0 else { return }
        finishInvocationAfterReset(env, now, &s)
    }

    mutating func finishInvocationAfterReset(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        dropSockets(env)
        environments[env].needsInit = true
        finishInvocation(env, .timedOut, now, &s)
    }

    /// Forget an environment's sockets without a packet (its guest is gone or reset).
    mutating func dropSockets(_ env: Int) {
        let e = environments[env]
        for sock in [e.socket, e.dbSocket] where sock != .max {
            let c = tcp.socket(sock).connection
            tcp.discard(sock, &network)
            if var ch = channels[c] {
                ch.clientSocket = .max
                channels[c] = ch
            }
        }
        if e.dnsPort != 0 { udpBindings[UInt64(e.host.raw) << 16 | UInt64(e.dnsPort)] = nil }
        environments[env].dnsPort = 0
        environments[env].connection = .max
        environments[env].socket = .max
        environments[env].dbConnection = .max
        environments[env].dbSocket = .max
        environments[env].dbReady = false
    }

    /// An idle environment is reclaimed: its microVM is destroyed, no packets are sent.
    mutating func environmentReclaim(_ env: Int, generation: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard environments[env].phase == .idle, environments[env].reclaimGeneration & 0xFF_FFFF == generation else { return }
        dropSockets(env)
        environments[env].phase = .dead
    }

    /// The workload window is over: no more arrivals; idle environments shut down now, busy ones
    /// when their invocation ends.
    mutating func endWorkload(_ now: SimTime, _ s: inout Scheduler) {
        workloadEnded = true
        for i in environments.indices where environments[i].phase == .idle { shutdown(i, now, &s) }
    }

    /// Shutdown: the SDK's connection pool is closed as the runtime exits, so each pooled
    /// connection ends with a FIN (or a RST if the server had already closed it and left a
    /// close_notify unread).
    mutating func shutdown(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        for sock in [environments[env].socket, environments[env].dbSocket] where sock != .max {
            switch tcp.socket(sock).state {
            case .established: tcp.close(sock, now: now, &network, &s)
            case .closeWait: tcp.abort(sock, now: now, &network, &s)
            case .closed: break
            default: tcp.discard(sock, &network)
            }
        }
        environments[env].phase = .dead
    }
}

/// Sizes of DNS messages (RFC 1035): 12-byte header, the question (name + type + class) and, per
/// answer, a compressed name pointer, type, class, TTL, length and the address.
public enum DNSSizes {
    public static func nameLength(_ name: String) -> Int { name.split(separator: ".").reduce(1) { $0 + $1.utf8.count + 1 } }
    public static func queryLength(name: String) -> Int { 12 + nameLength(name) + 4 }
    public static func responseLength(name: String, answers: Int) -> Int { queryLength(name: name) + answers * 16 }
}
