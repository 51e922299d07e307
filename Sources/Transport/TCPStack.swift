import SimCore
import Wire
import NetModel

/// The transport's timers. `object` = socket index, `aux` = timer generation.
public enum TransportEvent: UInt8, EventKind, CaseIterable {
    case retransmit = 10
    case delayedAck = 11
    case timeWait = 12
}

/// What the transport tells applications. Drained by the composition root after each call.
public enum TCPNotification: Sendable {
    /// An active open completed.
    case connected(socket: UInt32, owner: AppRef)
    /// A passive open completed on a listener.
    case accepted(socket: UInt32, owner: AppRef)
    /// In-order data arrived: the socket has now received `upTo` bytes of its peer's stream.
    case received(socket: UInt32, owner: AppRef, upTo: UInt64)
    /// The peer closed its side (FIN received).
    case peerClosed(socket: UInt32, owner: AppRef)
    /// The connection ended: `reason` says how. The socket index is no longer valid afterwards.
    case ended(socket: UInt32, owner: AppRef, connection: UInt32, reason: TCPEndReason)
}

public enum TCPEndReason: Sendable, Hashable {
    case closed // orderly, both FINs
    case reset // RST received
    case connectTimeout // SYN retries exhausted
    case retransmitTimeout // data retries exhausted
    case aborted // the local application reset it
    /// connect() found no free ephemeral port for the destination (Linux's EADDRNOTAVAIL): no
    /// SYN was sent.
    case noEphemeralPort
}

/// A listening port on a host.
struct Listener: Sendable {
    var owner: AppRef
    var profileIndex: Int
    /// Accepted sockets get TCP_NODELAY.
    var noDelay: Bool
}

/// The TCP implementation of every simulated host: sockets in one contiguous array, found by a
/// 5-tuple table; segments go out as packet descriptors through the network.
public struct TCPStack: Sendable {
    public internal(set) var sockets = ContiguousArray<TCPSocket>()
    var freeSockets: [UInt32] = []
    /// Incoming-segment key (remote → local, with the realm folded in) → socket.
    var demux = FlowTable<UInt32>(capacity: 4096)
    /// Ephemeral ports in use per (local address, remote address and port): connect() fails at
    /// once when they are all taken, instead of searching the whole range each time.
    var portsInUse = FlowTable<Int32>(capacity: 256)
    var listeners: [UInt64: Listener] = [:]
    /// Each host's profile, by host index: an index into `profiles`, or -1 before it is set.
    var hostProfile = ContiguousArray<Int32>()
    /// Per host, its personality mix in `personalityTables`, or -1 (TCPStack+Personalities).
    var hostPersonality = ContiguousArray<Int32>()
    var personalityTables: [PersonalityTable] = []
    /// The distinct profiles sockets follow (a handful), by `TCPSocket.profileIndex`.
    public internal(set) var profiles: [TCPProfile] = []
    /// The three timers of each socket slot, lazily cancelled: an event whose generation is no
    /// longer current is ignored (see `TimerGenerations`). A slot's generations outlive its
    /// socket, so a timer left armed by a previous occupant stays stale.
    var retransmitTimers = TimerGenerations()
    var ackTimers = TimerGenerations()
    var timeWaitTimers = TimerGenerations()
    var random: RandomStream
    var nextConnection: UInt32 = 0
    public var notifications = ContiguousArray<TCPNotification>()
    /// Record each write as a stream chunk in the network's observation log (pcap captures need them).
    public var recordStreams = false
    public internal(set) var connectionsOpened: UInt64 = 0
    /// Sockets neither closed nor in TIME-WAIT: when none remain, nothing more will be sent.
    public internal(set) var liveSockets = 0
    public internal(set) var retransmissions: UInt64 = 0
    /// ICMP "fragmentation needed" errors that lowered a connection's MSS (``pathMTUReduced``).
    public internal(set) var pathMTUReductions: UInt64 = 0

    public init(random: RandomStream) {
        self.random = random
        timestampSecret = self.random.next()
    }
    let timestampSecret: UInt64

    /// Linux's TCP timestamp offset is a keyed hash of the (source, destination) address pair
    /// since 4.11 (`secure_tcp_ts_off` and `secure_tcpv6_ts_off` in
    /// net/core/secure_seq.c), so every connection between two addresses shares it.
    func timestampOffset(_ local: IPAddress, _ remote: IPAddress) -> UInt32 {
        var pair = UInt64(local.ipv4Raw) << 32 | UInt64(remote.ipv4Raw)
        if !(local.isIPv4 && remote.isIPv4) { // fold in all 256 bits
            var h = SplitMix64.mix(local.high)
            h = SplitMix64.mix(h ^ local.low)
            h = SplitMix64.mix(h ^ remote.high)
            pair = h ^ remote.low
        }
        return UInt32(truncatingIfNeeded: SplitMix64.mix(timestampSecret ^ pair))
    }

    /// The index of `p` in `profiles`, adding it the first time it is seen.
    mutating func intern(_ p: TCPProfile) -> Int {
        if let i = profiles.firstIndex(of: p) { return i }
        profiles.append(p)
        return profiles.count - 1
    }

    /// Gives `host` the profile its stack runs: its listeners, its connections and its answers to
    /// segments no socket wants all follow it. Set once, when the host is added (`World.addHost`).
    public mutating func setProfile(_ p: TCPProfile, for host: HostIndex) {
        if hostProfile.count <= host.int { hostProfile += repeatElement(-1, count: host.int + 1 - hostProfile.count) }
        hostProfile[host.int] = Int32(intern(p))
    }

    /// The profile `host` runs, if it has one.
    public func profile(of host: HostIndex) -> TCPProfile? {
        guard host.int < hostProfile.count, hostProfile[host.int] >= 0 else { return nil }
        return profiles[Int(hostProfile[host.int])]
    }

    /// The index in `profiles` of the profile `host` runs. Every host that opens or accepts a
    /// connection has one.
    func profileIndex(of host: HostIndex) -> Int {
        precondition(
            host.int < hostProfile.count && hostProfile[host.int] >= 0,
            "host \(host.raw) has no TCP profile: give it one when it is added")
        return Int(hostProfile[host.int])
    }

    static func demuxKey(remote: IPAddress, remotePort: UInt16, local: IPAddress, localPort: UInt16, realm: UInt32)
        -> FlowKey
    {
        var k = FlowKey(
            source: remote, destination: local, sourcePort: remotePort, destinationPort: localPort,
            protocolNumber: IPProtocol.tcp)
        k.portsAndProtocol |= UInt64(realm & 0xFF_FFFF) << 40
        return k
    }
    static func listenerKey(_ host: HostIndex, _ port: UInt16) -> UInt64 { UInt64(host.raw) << 16 | UInt64(port) }

    // MARK: Application interface

    /// Accepts connections to `port` on `host`, with the host's profile. `noDelay`: accepted
    /// sockets have TCP_NODELAY set (Nagle's algorithm off), as the modelled servers set it.
    public mutating func listen(host: HostIndex, port: UInt16, owner: AppRef, noDelay: Bool = true) {
        listeners[Self.listenerKey(host, port)] = Listener(
            owner: owner, profileIndex: profileIndex(of: host), noDelay: noDelay)
    }

    /// Opens a connection (sends the SYN) with the host's profile. Returns the socket index.
    /// `noDelay`: the application sets TCP_NODELAY (every modelled client does unless told
    /// otherwise: urllib3's `default_socket_options`, libpq, curl, browsers); without it Linux
    /// runs Nagle's algorithm.
    public mutating func connect(
        host: HostIndex, local: IPAddress, remote: IPAddress, remotePort: UInt16,
        realm: UInt32 = 0, owner: AppRef, label: UInt8 = 0, noDelay: Bool = true, now: SimTime,
        _ net: inout Network, _ scheduler: inout Scheduler
    ) -> UInt32 {
        let index = profileIndex(of: host, address: local)
        let profile = profiles[index]
        var port: UInt16 = 0
        let range = profile.ephemeralPorts
        func free(_ p: UInt16) -> Bool {
            demux[Self.demuxKey(remote: remote, remotePort: remotePort, local: local, localPort: p, realm: realm)]
                == nil
        }
        let destination = Self.demuxKey(
            remote: remote, remotePort: remotePort, local: local, localPort: 0, realm: realm)
        if Int(portsInUse[destination] ?? 0) < range.count {
            for _ in 0..<256 {
                let p = range.lowerBound + UInt16(random.bounded(UInt64(range.count)))
                if free(p) { port = p; break }
            }
            if port == 0 { port = range.first(where: free) ?? 0 } // nearly full: look at each port once
        }
        let connection = nextConnection
        nextConnection &+= 1
        if port != 0 { connectionsOpened += 1 }
        var s = TCPSocket(
            host: host, owner: owner, connection: connection, origin: .initiator,
            local: local, localPort: port, remote: remote, remotePort: remotePort, realm: realm, profileIndex: index)
        s.state = .synSent
        s.label = label
        s.iss = UInt32(truncatingIfNeeded: random.next())
        s.tsOffset = timestampOffset(local, remote)
        s.ipID = UInt16(truncatingIfNeeded: random.next())
        s.rto = profile.initialRTO.nanoseconds
        s.sndNxt = 1
        s.sndMax = 1
        s.quickAcks = profile.maxQuickAcks
        s.nagle = !noDelay
        s.rttSample = (1, now)
        let i = allocate(s)
        if port == 0 {
            // Every port toward this destination is in use (TIME-WAIT included): the application
            // learns it from the socket's end, as from a failed connect().
            end(i, .noEphemeralPort, &net)
            return i
        }
        demux.insert(
            Self.demuxKey(remote: remote, remotePort: remotePort, local: local, localPort: port, realm: realm), i)
        if !portsInUse.update(destination, { $0 += 1 }) { portsInUse.insert(destination, 1) }
        sendSYN(i, now, &net, &scheduler)
        armRetransmit(i, now, &scheduler)
        return i
    }

    /// Appends one chunk of application data, `length` bytes described by `content`, to the
    /// socket's stream and sends what the windows allow. With `flush: false` the data waits for a
    /// later write (one `send()` of several TLS records).
    public mutating func write(
        _ i: UInt32, _ content: Payload, length: UInt32, flush: Bool = true,
        now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler
    ) {
        guard sockets[Int(i)].isOpen, !sockets[Int(i)].finQueued else { return }
        if recordStreams {
            net.log.chunks.append(
                StreamChunk(
                    stream: sockets[Int(i)].sendStream, offset: sockets[Int(i)].written,
                    length: length, content: content))
        }
        restartWindowAfterIdle(i, now)
        sockets[Int(i)].written += UInt64(length)
        if flush { output(i, now, &net, &scheduler) }
    }

    /// Orderly close: a FIN follows the data already written.
    public mutating func close(_ i: UInt32, now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        let s = sockets[Int(i)]
        switch s.state {
        case .established, .closeWait, .synReceived:
            sockets[Int(i)].finQueued = true
            output(i, now, &net, &scheduler)
        case .synSent:
            end(i, .aborted, &net)
        default:
            break
        }
    }

    /// Abort: send a RST and forget the connection.
    public mutating func abort(_ i: UInt32, now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        let s = sockets[Int(i)]
        if s.state != .closed && s.state != .synSent && s.state != .timeWait {
            var p = segment(i, flags: [.rst, .ack], seqOffset: s.sndNxt, length: 0)
            p.tcpOptions = []
            net.transmit(p, from: s.host, now: now, &scheduler)
        }
        end(i, .aborted, &net)
    }

    /// Forget a socket without sending anything (its host vanished).
    public mutating func discard(_ i: UInt32, _ net: inout Network) {
        guard sockets[Int(i)].state != .closed else { return }
        end(i, .aborted, &net, notify: false)
    }

    public func socket(_ i: UInt32) -> TCPSocket { sockets[Int(i)] }

    // MARK: Socket table

    mutating func allocate(_ s: TCPSocket) -> UInt32 {
        liveSockets += 1
        if let i = freeSockets.popLast() {
            sockets[Int(i)] = s
            return i
        }
        sockets.append(s)
        return UInt32(sockets.count - 1)
    }

    mutating func end(_ i: UInt32, _ reason: TCPEndReason, _ net: inout Network, notify: Bool = true) {
        let s = sockets[Int(i)]
        guard s.state != .closed else { return }
        demux.remove(
            Self.demuxKey(
                remote: s.remote, remotePort: s.remotePort, local: s.local, localPort: s.localPort, realm: s.realm))
        if s.origin == .initiator && s.localPort != 0 {
            let destination = Self.demuxKey(
                remote: s.remote, remotePort: s.remotePort, local: s.local, localPort: 0, realm: s.realm)
            if let n = portsInUse[destination] {
                if n > 1 { portsInUse[destination] = n - 1 } else { portsInUse.remove(destination) }
            }
        }
        if s.live { liveSockets -= 1; sockets[Int(i)].live = false }
        sockets[Int(i)].state = .closed
        retransmitTimers.cancel(Int(i))
        ackTimers.cancel(Int(i))
        timeWaitTimers.cancel(Int(i))
        freeSockets.append(i)
        if recordStreams { net.log.closedStreams.append(s.sendStream) }
        if notify { notifications.append(.ended(socket: i, owner: s.owner, connection: s.connection, reason: reason)) }
    }
}
