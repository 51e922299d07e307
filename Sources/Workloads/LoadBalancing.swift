import SimCore
import Wire
import NetModel
import Transport
import Messages

// Application Load Balancers, packet by packet: a node (a host behind the load balancer's ENI in
// one subnet) accepts the client's TCP connection on a listener, terminates TLS on an HTTPS
// listener, and for each request opens — or reuses — its own connection from its ENI's private
// address to a target, forwards the request in HTTP/1.1 with the X-Forwarded-* and
// X-Amzn-Trace-Id headers added, and relays the target's response to the client
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/introduction.html,
// "Application Load Balancer components"). Targets see the node's address, never the client's.

/// Where a generated session's load balancer sends its requests: the listener the clients
/// reach and the target group behind it.
public struct BalancerRoute: Sendable {
    public var loadBalancer: LoadBalancerIndex
    /// The listener terminates TLS (HTTPS) or not (HTTP).
    public var listenerTLS: Bool
    /// The target group's instances, at their private addresses.
    public var targets: [Peer]
    /// The target group's port (its protocol is HTTP).
    public var targetPort: UInt16

    public init(loadBalancer: LoadBalancerIndex, listenerTLS: Bool, targets: [Peer], targetPort: UInt16) {
        self.loadBalancer = loadBalancer; self.listenerTLS = listenerTLS; self.targets = targets
        self.targetPort = targetPort
    }
}

/// What an Application Load Balancer is billed on besides its hours: the LCU dimensions
/// vpcsim measures (https://aws.amazon.com/elasticloadbalancing/pricing/: new connections per
/// second, active connections per minute, processed bytes; rule evaluations are free for the
/// default action alone).
public struct BalancerCounters: Sendable, Equatable {
    /// Client connections the nodes accepted.
    public var newConnections: UInt64 = 0
    /// Client connections open now, and the most open at once.
    public var activeConnections = 0
    public var peakActiveConnections = 0
    /// Bytes of HTTP requests and responses the nodes relayed (plaintext, both directions).
    public var processedBytes: UInt64 = 0
    public init() {}
}

/// One client connection at a load balancer node and its connection to a target. The node keeps
/// the target connection open for the client connection's next requests and closes it when the
/// client's closes (ASSUMED: a real ALB keeps backend connections alive for reuse by any client
/// (connection multiplexing) until the target's keep-alive timeout; one per client connection
/// keeps who-talks-to-whom the same and the flows' count per client connection).
struct BalancerLink: Sendable {
    var generator: Int32 = -1
    var frontSocket: UInt32 = .max
    var backSocket: UInt32 = .max
    var backConnection: UInt32 = .max
    var backConnected = false
    /// The request being relayed: its plaintext bytes (set by the generated client when it
    /// writes it) and the response the target answers with.
    var requestBytes: UInt32 = 0
    var responseBytes: UInt32 = 0
    /// A request was forwarded and its response has not come back.
    var awaiting = false
}

extension World {
    /// The target group's instances listen on its port, answering as the generator's servers do.
    /// The texts its HTTP messages start with are interned now, before captures copy the catalog:
    /// the start lines, and the X-Forwarded-* headers of every client address the generator can
    /// use (its populations' addresses, bounded by their size).
    mutating func listenTargets(_ b: BalancerRoute, generator k: Int, _ spec: SessionSpec) {
        for t in b.targets {
            tcp.listen(host: t.host, port: b.targetPort, owner: AppRef(.balancerTarget, object: UInt32(k)))
        }
        let host = Self.sni(spec)
        var line = ByteSink()
        PlainHTTPMessage.requestLine(&line, host: host)
        for text in [line.bytes, PlainHTTPMessage.okPrefix, PlainHTTPMessage.badGatewayPrefix] {
            _ = network.catalog.intern(text: String(decoding: text, as: UTF8.self))
        }
        for client in spec.clients {
            for a in client.pool {
                let prefix = ELBForwardedHeaders(host: host, client: a, https: b.listenerTLS, port: spec.port).prefix
                _ = network.catalog.intern(text: String(decoding: prefix, as: UTF8.self))
            }
        }
    }

    /// The counters of generator `k`'s load balancer, grown as load balancers are first counted.
    mutating func countBalancer(generator k: Int, _ body: (inout BalancerCounters) -> Void) {
        guard case .sessions(let spec) = traffic[k], let b = spec.balancer else { return }
        let i = b.loadBalancer.int
        if balancerCounters.count <= i {
            balancerCounters += Array(repeating: BalancerCounters(), count: i + 1 - balancerCounters.count)
        }
        body(&balancerCounters[i])
    }

    /// A node accepted a client's connection.
    mutating func balancerAccepted(generator k: Int) {
        countBalancer(generator: k) {
            $0.newConnections += 1
            $0.activeConnections += 1
            $0.peakActiveConnections = max($0.peakActiveConnections, $0.activeConnections)
        }
    }

    /// What the client sends a node's listener: the TLS handshake is the node's own (as a generic
    /// server's); a request goes on to a target.
    mutating func balancerFrontMessage(
        _ k: Int, connection c: UInt32, _ m: Channel.Message, _ now: SimTime, _ s: inout Scheduler
    ) {
        guard case .sessionRequest(let bytes) = m else {
            sessionServerMessage(k, connection: c, m, now, &s)
            return
        }
        guard case .sessions(let spec) = traffic[k], let route = spec.balancer,
            let front = channels.read(c, { $0.serverSocket }), front != .max
        else { return }
        var link = balancerLinks[c] ?? BalancerLink()
        link.generator = Int32(k)
        link.frontSocket = front
        link.responseBytes = bytes
        link.awaiting = true
        if link.backSocket == .max {
            // Round robin over the target group's instances, the ALB's default routing algorithm
            // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html,
            // "Routing algorithms"), across zones (cross-zone load balancing is on for ALBs). Every
            // target is healthy (health checks are not modelled).
            let turn = balancerTurn[k, default: 0]
            balancerTurn[k] = turn + 1
            let target = route.targets[turn % route.targets.count]
            let host = tcp.socket(front).host
            let owner = AppRef(.balancerBack, object: c)
            let sock = tcp.connect(
                host: host, local: tcp.socket(front).local, remote: target.pool[0], remotePort: route.targetPort,
                owner: owner, label: spec.label, now: now, &network, &s)
            let bc = tcp.socket(sock).connection
            link.backSocket = sock
            link.backConnection = bc
            link.backConnected = false
            channels.insert(bc, Channel(clientSocket: sock, client: owner, seed: random.next()))
            balancerLinks[c] = link
            return
        }
        balancerLinks[c] = link
        if link.backConnected { balancerForward(front: c, now, &s) }
    }

    /// The target accepted the node's connection: the waiting request goes out.
    mutating func balancerBackConnected(front c: UInt32, socket: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard balancerLinks[c] != nil else {
            // The client's connection ended while this one was opening: close it at once.
            tcp.close(socket, now: now, &network, &s)
            return
        }
        balancerLinks[c]!.backConnected = true
        if balancerLinks[c]!.awaiting { balancerForward(front: c, now, &s) }
    }

    /// Writes the client's request to the target: its bytes plus the headers the node adds.
    mutating func balancerForward(front c: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard let link = balancerLinks[c], case .sessions(let spec) = traffic[Int(link.generator)],
            let route = spec.balancer
        else { return }
        let client = tcp.socket(link.frontSocket)
        let host = Self.sni(spec)
        let prefix = ELBForwardedHeaders(
            host: host, client: client.remote, https: route.listenerTLS, port: client.localPort
        ).prefix
        var requestLine = CountingSink()
        PlainHTTPMessage.requestLine(&requestLine, host: host)
        // The client's request with the node's headers added.
        let wanted = Int(link.requestBytes) + prefix.count - requestLine.count + PlainHTTPMessage.traceLength
        let seconds = UInt32(truncatingIfNeeded: (epochNanoseconds + now.nanoseconds) / 1_000_000_000)
        let end = writeHTTP(
            link.backSocket, connection: link.backConnection, prefix: prefix, traceSeconds: seconds, wanted: wanted,
            now: now, &s)
        countBalancer(generator: Int(link.generator)) { $0.processedBytes += UInt64(link.requestBytes) }
        channels.update(link.backConnection) { $0.toServer.push(end, .sessionRequest(link.responseBytes)) }
    }

    /// The target's response reached the node: relay it to the client.
    mutating func balancerBackMessage(front c: UInt32, _ m: Channel.Message, _ now: SimTime, _ s: inout Scheduler) {
        guard case .sessionResponse = m, let link = balancerLinks[c], link.awaiting else { return }
        balancerLinks[c]!.awaiting = false
        balancerRespond(front: c, bytes: Int(link.responseBytes), now, &s)
    }

    mutating func balancerRespond(
        front c: UInt32, bytes: Int, prefix: [UInt8] = PlainHTTPMessage.okPrefix, _ now: SimTime,
        _ s: inout Scheduler
    ) {
        guard let link = balancerLinks[c], case .sessions(let spec) = traffic[Int(link.generator)],
            let route = spec.balancer, tcp.socket(link.frontSocket).isOpen
        else { return }
        let sock = link.frontSocket
        countBalancer(generator: Int(link.generator)) { $0.processedBytes += UInt64(bytes) }
        let seed = sessionMessageSeed(c, sock)
        let end: UInt64
        if route.listenerTLS {
            let m = log(.http(SyntheticHTTPMessage(isRequest: false, host: "", length: bytes, seed: seed)))
            end = writeTLS(sock, connection: c, plaintext: bytes, message: m, now: now, &s)
        } else {
            end = writeHTTP(sock, connection: c, prefix: prefix, wanted: bytes, now: now, &s)
        }
        channels.update(c) { $0.toClient.push(end, .sessionResponse) }
    }

    /// The client's connection ended: the node closes its connection to the target.
    mutating func balancerFrontEnded(connection c: UInt32, generator k: Int, _ now: SimTime, _ s: inout Scheduler) {
        countBalancer(generator: k) { $0.activeConnections = max(0, $0.activeConnections - 1) }
        guard let link = balancerLinks.removeValue(forKey: c) else { return }
        if link.backSocket != .max, tcp.socket(link.backSocket).isOpen {
            tcp.close(link.backSocket, now: now, &network, &s)
        }
    }

    /// The connection to the target ended. With a request unanswered (the target refused or never
    /// answered) the node answers the client itself: `502 Bad Gateway`, a response of ASSUMED
    /// 272 bytes (an ALB's generated error page with its `Server: awselb/2.0` headers; AWS
    /// documents the codes, not the bytes:
    /// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html).
    mutating func balancerBackEnded(front c: UInt32, connection: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard var link = balancerLinks[c], link.backConnection == connection else { return }
        let unanswered = link.awaiting
        link.backSocket = .max
        link.backConnection = .max
        link.backConnected = false
        link.awaiting = false
        balancerLinks[c] = link
        if unanswered { balancerRespond(front: c, bytes: 272, prefix: PlainHTTPMessage.badGatewayPrefix, now, &s) }
    }

    /// Writes an HTTP/1.1 message in clear of about `wanted` bytes (at least its headers) and
    /// returns the stream offset where it ends. Its prefix is interned once per distinct text
    /// (start lines, and per client address the X-Forwarded-* headers).
    mutating func writeHTTP(
        _ sock: UInt32, connection c: UInt32, prefix: [UInt8], traceSeconds: UInt32 = 0, wanted: Int,
        now: SimTime, _ s: inout Scheduler
    ) -> UInt64 {
        let t = network.catalog.intern(text: String(decoding: prefix, as: UTF8.self))
        let length = PlainHTTPMessage.length(prefixLength: prefix.count, trace: traceSeconds != 0, atLeast: wanted)
        let seed = channels.update(c) { $0.nextSeed() } ?? 0
        tcp.write(
            sock, .httpMessage(HTTPMessageContent(seed: seed, prefix: t, traceSeconds: traceSeconds)),
            length: UInt32(length), now: now, &network, &s)
        return tcp.socket(sock).written
    }
}

extension World {
    /// A name the VPC resolvers answer with `addresses` (a load balancer's DNS name).
    public mutating func addDNSRecord(_ name: String, _ addresses: [IPAddress]) {
        _ = network.catalog.intern(name: name)
        dnsRecords[name, default: []] += addresses
    }
}
