import SimCore
import Wire
import NetModel
import Transport
import Messages

// Generic client sessions (SessionSpec): resolve, connect, optional TLS, requests, close; and
// the generic server that answers them.

extension World {
    // MARK: Sessions

    mutating func startSession(_ k: Int, _ spec: SessionSpec, _ now: SimTime, _ s: inout Scheduler) {
        let client = pick(spec.clients, &trafficRandom[k])
        let server = pick(spec.servers, &trafficRandom[k])
        let local = pick(client.pool, &trafficRandom[k])
        let remote = pick(server.pool, &trafficRandom[k])
        let n = Int32(spec.requests.lowerBound + Int(trafficRandom[k].bounded(UInt64(spec.requests.count))))
        var vpc: VPCIndex?
        if case .eni(let e) = network.hosts[client.host.int] { vpc = network.enis[e.int].vpc }
        let session = Session(
            spec: Int32(k), host: client.host, local: local, remote: remote, remaining: n, vpc: vpc, label: spec.label)
        let i: UInt32
        if let f = freeSessions.popLast() {
            sessions[Int(f)] = session; i = f
        } else {
            sessions.append(session); i = UInt32(sessions.count - 1)
        }
        runningSessions += 1
        if let name = spec.serverName, vpc != nil {
            sessionResolve(i, name: name, now, &s)
        } else {
            sessionConnect(i, now, &s)
        }
    }

    mutating func sessionResolve(_ i: UInt32, name: String, _ now: SimTime, _ s: inout Scheduler) {
        let x = sessions[Int(i)]
        sessions[Int(i)].phase = .resolving
        // Linux's ephemeral range, 32768–60999.
        guard let port = bindUDPPort(host: x.host, lowest: 32768, count: 28232, owner: .session(i)) else {
            endSession(i, now) // no UDP port free on the client: the lookup fails at once
            return
        }
        sessions[Int(i)].dnsPort = port
        sessions[Int(i)].dnsPending = 2
        _ = sendAddressQueries(name, from: x.host, address: x.local, port: port, vpc: x.vpc!, label: x.label, now, &s)
        let timeout = EventPayload(AppEvent.sessionDNSTimeout, object: i, aux: timers.session.arm(Int(i)))
        s.schedule(after: .seconds(5), timeout)
    }

    mutating func sessionDNSAnswer(_ i: UInt32, _ p: Packet, _ now: SimTime, _ s: inout Scheduler) {
        guard sessions[Int(i)].phase == .resolving, p.destinationPort == sessions[Int(i)].dnsPort else { return }
        if let a = preferredAddress(p, host: sessions[Int(i)].host, current: sessions[Int(i)].remote) {
            sessions[Int(i)].remote = a
            if !a.isIPv4, let v6 = ipv6Address(of: sessions[Int(i)].host) { sessions[Int(i)].local = v6 }
        }
        sessions[Int(i)].dnsPending -= 1
        if sessions[Int(i)].dnsPending == 0 {
            udpBindings[sessions[Int(i)].host, sessions[Int(i)].dnsPort] = nil
            sessions[Int(i)].dnsPort = 0
            sessionConnect(i, now, &s)
        }
    }

    mutating func sessionDNSTimeout(_ i: UInt32, generation: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard Int(i) < sessions.count, sessions[Int(i)].phase == .resolving,
            timers.session.isCurrent(Int(i), generation)
        else { return }
        udpBindings[sessions[Int(i)].host, sessions[Int(i)].dnsPort] = nil
        endSession(i)
    }

    mutating func sessionConnect(_ i: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        let x = sessions[Int(i)]
        guard case .sessions(let spec) = traffic[Int(x.spec)] else { return }
        // No address of the destination's family on the client (an IPv6-only host and a name with
        // only A records, no DNS64): connect(2) fails at once with ENETUNREACH, nothing is sent.
        guard x.local.isIPv4 == x.remote.isIPv4 else {
            metrics.unreachableConnects += 1
            endSession(i, now)
            return
        }
        sessions[Int(i)].phase = .connecting
        let owner = AppRef(.sessionClient, object: i)
        let sock = tcp.connect(
            host: x.host, local: x.local, remote: x.remote, remotePort: spec.port, owner: owner,
            label: x.label, now: now, &network, &s)
        let c = tcp.socket(sock).connection
        sessions[Int(i)].socket = sock
        sessions[Int(i)].connection = c
        channels.insert(c, Channel(clientSocket: sock, client: owner, seed: random.next()))
    }

    mutating func sessionConnected(_ i: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        let x = sessions[Int(i)]
        guard case .sessions(let spec) = traffic[Int(x.spec)] else { return }
        if spec.tls {
            sessions[Int(i)].phase = .handshaking
            writeClientHello(
                x.socket, connection: x.connection,
                profile: spec.tlsClients.client(for: x.local, generator: Int(x.spec)),
                server: spec.tlsServer,
                serverName: Self.sni(spec), client: TicketCacheKey.machine(x.local), now: now, &s)
            let written = tcp.socket(x.socket).written
            channels.update(x.connection) { $0.toServer.push(written, .clientHello) }
        } else {
            sessionRequest(i, now, &s)
        }
    }

    mutating func sessionRequest(_ i: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        let x = sessions[Int(i)]
        guard case .sessions(let spec) = traffic[Int(x.spec)], tcp.socket(x.socket).state == .established else {
            return
        }
        sessions[Int(i)].phase = .requesting
        // Both sizes drawn per request (a constant draws nothing): the response's travels with
        // the request to the server, which answers with it.
        let response = UInt32(spec.responseSize.draw(&random, within: 1...Int(Int32.max)))
        let request = spec.requestSize.draw(&random, within: 0...Int(UInt32.max))
        let seed = sessionMessageSeed(x.connection, x.socket)
        if spec.balancer != nil { balancerLinks[x.connection, default: BalancerLink()].requestBytes = UInt32(request) }
        let m = log(.http(SyntheticHTTPMessage(isRequest: true, host: Self.sni(spec), length: request, seed: seed)))
        let end: UInt64
        if spec.tls {
            end = writeTLS(x.socket, connection: x.connection, plaintext: request, message: m, now: now, &s)
        } else if spec.balancer != nil {
            // An HTTP listener: the request in clear, as a browser's.
            var line = ByteSink()
            PlainHTTPMessage.requestLine(&line, host: Self.sni(spec))
            end = writeHTTP(x.socket, connection: x.connection, prefix: line.bytes, wanted: request, now: now, &s)
        } else {
            end = writeOpaque(x.socket, connection: x.connection, bytes: request, now: now, &s)
        }
        channels.update(x.connection) { $0.toServer.push(end, .sessionRequest(response)) }
    }

    mutating func sessionClientMessage(_ i: UInt32, _ m: Channel.Message, _ now: SimTime, _ s: inout Scheduler) {
        let x = sessions[Int(i)]
        guard case .sessions(let spec) = traffic[Int(x.spec)] else { return }
        switch m {
        case .serverFlight:
            // Client Finished right away (generic clients: no per-call CPU model); TLS 1.2 waits
            // for the server's Finished.
            if !writeClientFinish(x.socket, connection: x.connection, now: now, &s) { sessionRequest(i, now, &s) }
        case .serverFinished:
            sessionRequest(i, now, &s)
        case .sessionResponse:
            sessions[Int(i)].remaining -= 1
            if sessions[Int(i)].remaining > 0 {
                s.schedule(
                    after: SimDuration(seconds: random.exponential(mean: spec.think.seconds)),
                    EventPayload(AppEvent.sessionStep, object: i, aux: timers.session.arm(Int(i))))
            } else {
                sessions[Int(i)].phase = .closing
                tcp.close(x.socket, now: now, &network, &s)
            }
        default:
            break
        }
    }

    mutating func sessionStep(_ i: UInt32, generation: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard Int(i) < sessions.count, timers.session.isCurrent(Int(i), generation),
            sessions[Int(i)].phase == .requesting
        else { return }
        sessionRequest(i, now, &s)
    }

    mutating func sessionEnded(_ i: UInt32, connection: UInt32, _ now: SimTime) {
        guard Int(i) < sessions.count, sessions[Int(i)].connection == connection else { return }
        endSession(i, now)
    }

    mutating func endSession(_ i: UInt32, _ now: SimTime? = nil) {
        if let now {
            trafficActivity[Int(sessions[Int(i)].spec)].last = max(
                trafficActivity[Int(sessions[Int(i)].spec)].last, now)
        }
        timers.session.cancel(Int(i))
        sessions[Int(i)].connection = .max
        sessions[Int(i)].socket = .max
        freeSessions.append(i)
        runningSessions -= 1
    }

    /// A generic server: completes the TLS handshake and answers each request after its service time.
    mutating func sessionServerMessage(
        _ k: Int, connection c: UInt32, _ m: Channel.Message, _ now: SimTime, _ s: inout Scheduler
    ) {
        guard case .sessions(let spec) = traffic[k] else { return }
        switch m {
        case .clientHello:
            s.schedule(after: resumedHandshakeTime(c, .microseconds(600)), .serverWork(c, .handshakeFlight))
        case .clientFinished:
            scheduleServerFinish(c, &s)
        case .sessionRequest(let bytes):
            channels.update(c) { $0.pending = .sessionReply(bytes: bytes) }
            // Service time grows with the work of the answer: its size (``SessionSpec/serverTimePerKB``).
            let median = spec.serverTime + SessionSpec.serverTimePerKB * (Int64(bytes) / 1024)
            let t = SimDuration(seconds: random.lognormal(median: median.seconds, sigma: 0.4))
            s.schedule(after: t, .serverWork(c, .sessionReply))
        default:
            break
        }
    }
}
