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
    case closed            // orderly, both FINs
    case reset             // RST received
    case connectTimeout    // SYN retries exhausted
    case retransmitTimeout // data retries exhausted
    case aborted           // the local application reset it
}

/// A listening port on a host.
struct Listener: Sendable {
    var owner: AppRef
    var profileIndex: Int
}

/// The TCP implementation of every simulated host: sockets in one contiguous array, found by a
/// 5-tuple table; segments go out as packet descriptors through the network.
public struct TCPStack: Sendable {
    public private(set) var sockets = ContiguousArray<TCPSocket>()
    var freeSockets: [UInt32] = []
    /// Incoming-segment key (remote → local, with the realm folded in) → socket.
    var demux = FlowTable<UInt32>(capacity: 4096)
    var listeners: [UInt64: Listener] = [:]
    var hostProfiles: [HostIndex: TCPProfile] = [:]
    /// The distinct profiles sockets follow (a handful), by `TCPSocket.profileIndex`.
    public private(set) var profiles: [TCPProfile] = []
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
    public private(set) var connectionsOpened: UInt64 = 0
    /// Sockets neither closed nor in TIME-WAIT: when none remain, nothing more will be sent.
    public private(set) var liveSockets = 0
    public private(set) var retransmissions: UInt64 = 0

    public init(random: RandomStream) {
        self.random = random
        timestampSecret = self.random.next()
    }
    let timestampSecret: UInt64

    /// Linux's TCP timestamp offset is a keyed hash of the (source, destination) address pair
    /// since 4.11 (research notes §1), so every connection between two addresses shares it.
    func timestampOffset(_ local: IPv4Address, _ remote: IPv4Address) -> UInt32 {
        UInt32(truncatingIfNeeded: SplitMix64.mix(timestampSecret ^ (UInt64(local.raw) << 32 | UInt64(remote.raw))))
    }

    /// The index of `p` in `profiles`, adding it the first time it is seen.
    mutating func intern(_ p: TCPProfile) -> Int {
        if let i = profiles.firstIndex(of: p) { return i }
        profiles.append(p)
        return profiles.count - 1
    }

    /// Sets the profile a host's stack answers unknown segments with.
    public mutating func setProfile(_ p: TCPProfile, for host: HostIndex) { hostProfiles[host] = p }

    static func demuxKey(remote: IPv4Address, remotePort: UInt16, local: IPv4Address, localPort: UInt16, realm: UInt32) -> FlowKey {
        var k = FlowKey(source: remote, destination: local, sourcePort: remotePort, destinationPort: localPort,
                        protocolNumber: IPProtocol.tcp)
        k.portsAndProtocol |= UInt64(realm & 0xFF_FFFF) << 40
        return k
    }
    static func listenerKey(_ host: HostIndex, _ port: UInt16) -> UInt64 { UInt64(host.raw) << 16 | UInt64(port) }

    // MARK: Application interface

    public mutating func listen(host: HostIndex, port: UInt16, owner: AppRef, profile: TCPProfile) {
        listeners[Self.listenerKey(host, port)] = Listener(owner: owner, profileIndex: intern(profile))
        hostProfiles[host] = profile
    }

    /// Opens a connection (sends the SYN). Returns the socket index.
    public mutating func connect(host: HostIndex, local: IPv4Address, remote: IPv4Address, remotePort: UInt16,
                                 realm: UInt32 = 0, owner: AppRef, profile: TCPProfile, label: UInt8 = 0, now: SimTime,
                                 _ net: inout Network, _ scheduler: inout Scheduler) -> UInt32 {
        var port: UInt16 = 0
        let range = profile.ephemeralPorts
        for _ in 0..<256 {
            let p = range.lowerBound + UInt16(random.bounded(UInt64(range.count)))
            if demux[Self.demuxKey(remote: remote, remotePort: remotePort, local: local, localPort: p, realm: realm)] == nil { port = p; break }
        }
        precondition(port != 0, "no free ephemeral port")
        let connection = nextConnection
        nextConnection &+= 1
        connectionsOpened += 1
        var s = TCPSocket(host: host, owner: owner, connection: connection, sendStream: connection &* 2,
                          local: local, localPort: port, remote: remote, remotePort: remotePort, realm: realm, profileIndex: intern(profile))
        s.state = .synSent
        s.label = label
        s.iss = UInt32(truncatingIfNeeded: random.next())
        s.tsOffset = timestampOffset(local, remote)
        s.ipID = UInt16(truncatingIfNeeded: random.next())
        s.rto = profile.initialRTO.nanoseconds
        s.sndNxt = 1
        s.sndMax = 1
        s.quickAcks = profile.maxQuickAcks
        s.rttSample = (1, now)
        let i = allocate(s)
        demux.insert(Self.demuxKey(remote: remote, remotePort: remotePort, local: local, localPort: port, realm: realm), i)
        sendSYN(i, now, &net, &scheduler)
        armRetransmit(i, now, &scheduler)
        return i
    }

    /// Appends one chunk of application data to the socket's stream and sends what the windows allow.
    /// With `flush: false` the data waits for a later write (one `send()` of several TLS records).
    public mutating func write(_ i: UInt32, kind: StreamChunk.Kind, length: UInt32, parameter: UInt64, flush: Bool = true,
                               now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        guard sockets[Int(i)].isOpen, !sockets[Int(i)].finQueued else { return }
        if recordStreams {
            net.log.chunks.append(StreamChunk(stream: sockets[Int(i)].sendStream, kind: kind, length: length,
                                              offset: sockets[Int(i)].written, parameter: parameter))
        }
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
        demux.remove(Self.demuxKey(remote: s.remote, remotePort: s.remotePort, local: s.local, localPort: s.localPort, realm: s.realm))
        if s.live { liveSockets -= 1; sockets[Int(i)].live = false }
        sockets[Int(i)].state = .closed
        retransmitTimers.cancel(Int(i))
        ackTimers.cancel(Int(i))
        timeWaitTimers.cancel(Int(i))
        freeSockets.append(i)
        if recordStreams { net.log.closedStreams.append(s.sendStream) }
        if notify { notifications.append(.ended(socket: i, owner: s.owner, connection: s.connection, reason: reason)) }
    }

    // MARK: Segments out

    func windowField(_ s: TCPSocket) -> UInt16 {
        UInt16(min(65535, s.rcvWindow >> Int(s.rcvShift)))
    }

    mutating func segment(_ i: UInt32, flags: TCPFlags, seqOffset: UInt64, length: Int) -> Packet {
        let s = sockets[Int(i)]
        var p = Packet(source: s.local, destination: s.remote, sourcePort: s.localPort, destinationPort: s.remotePort,
                       protocolNumber: IPProtocol.tcp, ttl: profiles[s.profileIndex].ttl, ipID: profiles[s.profileIndex].perSocketIPID ? s.ipID : 0)
        sockets[Int(i)].ipID &+= 1
        p.tcpFlags = flags
        p.seq = s.seq(seqOffset)
        p.ack = flags.contains(.ack) ? s.irs &+ UInt32(truncatingIfNeeded: s.rcvNxt) : 0
        p.window = windowField(s)
        p.realm = s.realm
        p.connection = s.connection
        p.label = s.label
        if s.timestamps { p.tcpOptions = .timestamps }
        if length > 0 {
            p.payloadLength = UInt32(length)
            p.payload = PayloadRef(kind: .tcpStream, id: s.sendStream, offset: seqOffset - 1)
        }
        return p
    }

    mutating func stampTimestamps(_ p: inout Packet, _ s: TCPSocket, _ now: SimTime) {
        guard p.tcpOptions.contains(.timestamps) else { return }
        let ticks = now.nanoseconds * profiles[s.profileIndex].timestampHz / 1_000_000_000
        p.tsValue = s.tsOffset &+ UInt32(truncatingIfNeeded: ticks)
        p.tsEcho = s.tsRecent
    }

    mutating func sendSYN(_ i: UInt32, _ now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        let s = sockets[Int(i)]
        var p = segment(i, flags: [.syn], seqOffset: 0, length: 0)
        p.ack = 0
        p.window = profiles[s.profileIndex].synWindow
        var o: TCPOptionSet = [.mss]
        if profiles[s.profileIndex].sackPermitted { o.insert(.sackPermitted) }
        if profiles[s.profileIndex].timestamps { o.insert(.timestamps) }
        if let ws = profiles[s.profileIndex].windowScale { o.insert(.windowScale); p.windowScale = ws }
        p.tcpOptions = o
        p.mss = profiles[s.profileIndex].mss
        if profiles[s.profileIndex].timestamps {
            let ticks = now.nanoseconds * profiles[s.profileIndex].timestampHz / 1_000_000_000
            p.tsValue = s.tsOffset &+ UInt32(truncatingIfNeeded: ticks)
            p.tsEcho = 0
        }
        net.transmit(p, from: s.host, now: now, &scheduler)
    }

    mutating func sendSYNACK(_ i: UInt32, offered: TCPOptionSet, _ now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        let s = sockets[Int(i)]
        var p = segment(i, flags: [.syn, .ack], seqOffset: 0, length: 0)
        p.window = profiles[s.profileIndex].synWindow
        var o: TCPOptionSet = [.mss]
        if s.sack { o.insert(.sackPermitted) }
        if s.timestamps { o.insert(.timestamps) }
        if offered.contains(.windowScale), let ws = profiles[s.profileIndex].windowScale { o.insert(.windowScale); p.windowScale = ws }
        p.tcpOptions = o
        p.mss = profiles[s.profileIndex].mss
        stampTimestamps(&p, s, now)
        net.transmit(p, from: s.host, now: now, &scheduler)
    }

    mutating func sendAck(_ i: UInt32, _ now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        let s = sockets[Int(i)]
        var p = segment(i, flags: [.ack], seqOffset: s.sndNxt, length: 0)
        stampTimestamps(&p, s, now)
        sockets[Int(i)].unackedBytes = 0
        ackTimers.cancel(Int(i))
        net.transmit(p, from: s.host, now: now, &scheduler)
    }

    /// Sends new data (and the FIN) as far as the congestion and receive windows allow.
    mutating func output(_ i: UInt32, _ now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        while true {
            let s = sockets[Int(i)]
            guard s.state == .established || s.state == .closeWait || s.state == .finWait1
                    || s.state == .closing || s.state == .lastAck else { return }
            let dataEnd = s.written + 1            // sequence offset just past the last data byte
            let inFlight = Int(s.sndNxt - s.sndUna)
            if s.sndNxt < dataEnd {
                let window = min(s.cwnd, Int(s.sndWnd))
                let room = window - inFlight
                let available = Int(dataEnd - s.sndNxt)
                let payloadMax = s.sendMSS - (s.timestamps ? 12 : 0)
                let len = min(available, payloadMax, max(room, 0))
                if len <= 0 { break }
                // Avoid silly-window segments while earlier data is still in flight.
                if len < payloadMax && len < available && inFlight > 0 { break }
                var flags: TCPFlags = [.ack]
                if s.sndNxt + UInt64(len) == dataEnd { flags.insert(.psh) }
                var p = segment(i, flags: flags, seqOffset: s.sndNxt, length: len)
                stampTimestamps(&p, s, now)
                if s.sndNxt + UInt64(len) > s.sndNxt && sockets[Int(i)].rttSample == nil && !s.retransmitted {
                    sockets[Int(i)].rttSample = (s.sndNxt + UInt64(len), now)
                }
                sockets[Int(i)].sndNxt += UInt64(len)
                sockets[Int(i)].sndMax = max(sockets[Int(i)].sndMax, sockets[Int(i)].sndNxt)
                sockets[Int(i)].unackedBytes = 0
                ackTimers.cancel(Int(i))
                net.transmit(p, from: s.host, now: now, &scheduler)
                continue
            }
            if s.finQueued && s.sndNxt == dataEnd {
                var p = segment(i, flags: [.fin, .ack], seqOffset: s.sndNxt, length: 0)
                stampTimestamps(&p, s, now)
                sockets[Int(i)].sndNxt += 1
                sockets[Int(i)].sndMax = max(sockets[Int(i)].sndMax, sockets[Int(i)].sndNxt)
                switch s.state {
                case .established: sockets[Int(i)].state = .finWait1
                case .closeWait: sockets[Int(i)].state = .lastAck
                default: break
                }
                ackTimers.cancel(Int(i))
                net.transmit(p, from: s.host, now: now, &scheduler)
            }
            break
        }
        let s = sockets[Int(i)]
        if s.sndNxt > s.sndUna && !retransmitTimers.isArmed(Int(i)) { armRetransmit(i, now, &scheduler) }
    }

    // MARK: Timers

    mutating func armRetransmit(_ i: UInt32, _ now: SimTime, _ scheduler: inout Scheduler) {
        scheduler.schedule(at: now + SimDuration(nanoseconds: sockets[Int(i)].rto),
                           EventPayload(TransportEvent.retransmit, object: i, aux: retransmitTimers.arm(Int(i))))
    }

    /// Linux limits replies to out-of-window segments (duplicate SYNs, challenge ACKs) to one per
    /// `tcp_invalid_ratelimit` (500 ms) per socket (tcp_oow_rate_limited).
    mutating func outOfWindowReplyAllowed(_ i: UInt32, _ now: SimTime) -> Bool {
        if let last = sockets[Int(i)].lastOutOfWindowReply, now - last < Self.outOfWindowReplyInterval { return false }
        sockets[Int(i)].lastOutOfWindowReply = now
        return true
    }

    static let outOfWindowReplyInterval = SimDuration.milliseconds(500)

    mutating func cancelRetransmit(_ i: UInt32) {
        retransmitTimers.cancel(Int(i))
    }

    /// Handles one of the transport's timer events.
    public mutating func timer(_ event: Event, now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        let i = event.payload.object
        let slot = Int(i), generation = event.payload.aux
        switch TransportEvent(event.payload) {
        case .retransmit?:
            guard retransmitTimers.isCurrent(slot, generation) else { return }
            retransmitTimers.cancel(slot)
            retransmitTimeout(i, now, &net, &scheduler)
        case .delayedAck?:
            guard ackTimers.isCurrent(slot, generation) else { return }
            ackTimers.cancel(slot)
            sendAck(i, now, &net, &scheduler)
        case .timeWait?:
            guard timeWaitTimers.isCurrent(slot, generation), sockets[slot].state == .timeWait else { return }
            end(i, .closed, &net)
        case nil:
            break
        }
    }

    mutating func retransmitTimeout(_ i: UInt32, _ now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        let s = sockets[Int(i)]
        retransmissions += 1
        sockets[Int(i)].retries += 1
        sockets[Int(i)].retransmitted = true
        sockets[Int(i)].rttSample = nil
        // Exponential backoff (Linux ≥ 6.5 keeps the first `synLinearTimeouts` SYN retries at a fixed RTO).
        let linear = s.state == .synSent && s.retries < profiles[s.profileIndex].synLinearTimeouts
        if !linear { sockets[Int(i)].rto = min(s.rto * 2, profiles[s.profileIndex].maxRTO.nanoseconds) }
        switch s.state {
        case .synSent:
            if s.retries >= profiles[s.profileIndex].synRetries { end(i, .connectTimeout, &net); return }
            sockets[Int(i)].synRetransmitted = true
            sendSYN(i, now, &net, &scheduler)
        case .synReceived:
            if s.retries >= profiles[s.profileIndex].synAckRetries { end(i, .connectTimeout, &net); return }
            sendSYNACK(i, offered: s.sack || s.timestamps ? [.windowScale] : [], now, &net, &scheduler)
        case .closed, .timeWait:
            return
        default:
            if s.retries > 15 { end(i, .retransmitTimeout, &net); return }   // tcp_retries2
            let inFlight = Int(s.sndNxt - s.sndUna)
            sockets[Int(i)].ssthresh = max(inFlight / 2, 2 * s.sendMSS)
            sockets[Int(i)].cwnd = s.sendMSS
            sockets[Int(i)].sndNxt = s.sndUna      // go back and resend from the first unacknowledged byte
            output(i, now, &net, &scheduler)
        }
        if sockets[Int(i)].state != .closed && !retransmitTimers.isArmed(Int(i)) { armRetransmit(i, now, &scheduler) }
    }

    // MARK: Segments in

    /// Handles a TCP segment delivered to `host`.
    public mutating func receive(_ p: Packet, host: HostIndex, now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        let key = Self.demuxKey(remote: p.source, remotePort: p.sourcePort, local: p.destination, localPort: p.destinationPort, realm: p.realm)
        if let i = demux[key] {
            input(i, p, now, &net, &scheduler)
            return
        }
        if p.tcpFlags.contains(.syn) && !p.tcpFlags.contains(.ack),
           let l = listeners[Self.listenerKey(host, p.destinationPort)] {
            acceptSYN(host, l, p, now, &net, &scheduler)
            return
        }
        // No socket: Linux answers with a RST (RFC 9293 §3.5.2); some hosts stay silent.
        guard !p.tcpFlags.contains(.rst), hostProfiles[host]?.resetsUnknownSegments ?? false else {
            net.drop(.noSocket(host))
            return
        }
        net.transmit(.reset(answering: p), from: host, now: now, &scheduler)
    }

    mutating func acceptSYN(_ host: HostIndex, _ l: Listener, _ p: Packet, _ now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        let profile = profiles[l.profileIndex]
        var s = TCPSocket(host: host, owner: l.owner, connection: p.connection, sendStream: p.connection &* 2 &+ 1,
                          local: p.destination, localPort: p.destinationPort, remote: p.source, remotePort: p.sourcePort,
                          realm: p.realm, profileIndex: l.profileIndex)
        s.state = .synReceived
        s.label = p.label
        s.iss = UInt32(truncatingIfNeeded: random.next())
        s.tsOffset = timestampOffset(p.destination, p.source)
        s.ipID = UInt16(truncatingIfNeeded: random.next())
        s.irs = p.seq
        s.rcvNxt = 1
        s.sndNxt = 1
        s.sndMax = 1
        s.rto = profile.initialRTO.nanoseconds
        s.quickAcks = profile.maxQuickAcks
        negotiate(&s, p)
        let i = allocate(s)
        demux.insert(Self.demuxKey(remote: p.source, remotePort: p.sourcePort, local: p.destination, localPort: p.destinationPort, realm: p.realm), i)
        sendSYNACK(i, offered: p.tcpOptions, now, &net, &scheduler)
        sockets[Int(i)].rttSample = (1, now)
        armRetransmit(i, now, &scheduler)
    }

    /// Option negotiation from the peer's SYN or SYN-ACK (RFC 7323, RFC 2018, RFC 879).
    func negotiate(_ s: inout TCPSocket, _ p: Packet) {
        let peerMSS = p.tcpOptions.contains(.mss) ? Int(p.mss) : 536
        s.sendMSS = min(peerMSS, Int(profiles[s.profileIndex].mss))
        s.sack = profiles[s.profileIndex].sackPermitted && p.tcpOptions.contains(.sackPermitted)
        s.timestamps = profiles[s.profileIndex].timestamps && p.tcpOptions.contains(.timestamps)
        if s.timestamps { s.tsRecent = p.tsValue }
        if p.tcpOptions.contains(.windowScale), let mine = profiles[s.profileIndex].windowScale {
            s.sndShift = min(p.windowScale, 14)
            s.rcvShift = mine
        } else {
            s.sndShift = 0
            s.rcvShift = 0
        }
        s.sndWnd = UInt64(p.window)            // the window in a SYN is never scaled
        s.cwnd = profiles[s.profileIndex].initialCongestionWindow * s.sendMSS
        // Receive space (Linux tcp_init_buffer_space): the first measurement counts against
        // min(window, 10 × advertised MSS).
        s.rcvWindow = profiles[s.profileIndex].receiveWindow
        s.rcvClamp = profiles[s.profileIndex].receiveWindow
        s.rcvSpace = min(profiles[s.profileIndex].receiveWindow, profiles[s.profileIndex].initialCongestionWindow * Int(profiles[s.profileIndex].mss))
    }

    mutating func input(_ i: UInt32, _ p: Packet, _ now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        var s = sockets[Int(i)]
        if p.tcpFlags.contains(.rst) {
            // Accept a RST whose sequence number is in the window (RFC 5961 simplified).
            if s.state == .synSent {
                if p.tcpFlags.contains(.ack) && p.ack == s.seq(1) { end(i, .reset, &net) }
            } else {
                end(i, .reset, &net)
            }
            return
        }
        if s.timestamps && p.tcpOptions.contains(.timestamps) { sockets[Int(i)].tsRecent = p.tsValue }

        switch s.state {
        case .synSent:
            guard p.tcpFlags.contains(.syn), p.tcpFlags.contains(.ack), p.ack == s.seq(1) else { return }
            s.irs = p.seq
            s.rcvNxt = 1
            s.sndUna = 1
            negotiate(&s, p)
            s.state = .established
            s.retries = 0
            if s.synRetransmitted {
                s.rto = profiles[s.profileIndex].fallbackRTO.nanoseconds     // Linux: 3 s after a retransmitted SYN
            } else if let r = s.rttSample {
                sample(&s, rtt: (now - r.sent).nanoseconds)
            }
            s.rttSample = nil
            s.lastReceive = now
            sockets[Int(i)] = s
            retransmitTimers.cancel(Int(i))
            sendAck(i, now, &net, &scheduler)
            notifications.append(.connected(socket: i, owner: s.owner))
            return
        case .synReceived:
            // A retransmitted SYN (our SYN-ACK was lost): Linux's tcp_check_req answers it with
            // the SYN-ACK again (rate-limited like every out-of-window reply) and restarts the
            // SYN-ACK timer at the current backoff; only timer expiries count against
            // tcp_synack_retries.
            if p.tcpFlags.contains(.syn) && !p.tcpFlags.contains(.ack) {
                guard p.seq == s.irs, outOfWindowReplyAllowed(i, now) else { return }
                retransmissions += 1
                sendSYNACK(i, offered: p.tcpOptions, now, &net, &scheduler)
                armRetransmit(i, now, &scheduler)
                return
            }
            guard p.tcpFlags.contains(.ack), p.ack == s.seq(1) else { return }
            s.state = .established
            s.sndUna = 1
            s.retries = 0
            if let r = s.rttSample, !s.retransmitted { sample(&s, rtt: (now - r.sent).nanoseconds) }
            s.rttSample = nil
            s.sndWnd = UInt64(p.window) << s.sndShift
            sockets[Int(i)] = s
            retransmitTimers.cancel(Int(i))
            notifications.append(.accepted(socket: i, owner: s.owner))
        case .closed:
            return
        default:
            // A SYN on a synchronized connection (the peer's retransmitted SYN-ACK after our
            // third ACK was lost, or a stray SYN): answer with an ACK of where we are (RFC 5961
            // §4 challenge ACK; Linux tcp_validate_incoming), rate-limited, and ignore it.
            if p.tcpFlags.contains(.syn) {
                if outOfWindowReplyAllowed(i, now) { sendAck(i, now, &net, &scheduler) }
                return
            }
        }

        // ACK processing.
        s = sockets[Int(i)]
        if p.tcpFlags.contains(.ack) {
            let acked = UInt64(p.ack &- s.seq(s.sndUna))
            if acked > 0 && acked < 1 << 31 && s.sndUna + acked <= max(s.sndMax, s.sndNxt) {
                let newUna = s.sndUna + acked
                s.sndUna = newUna
                if s.sndNxt < newUna { s.sndNxt = newUna }
                s.retries = 0
                s.retransmitted = false
                if let r = s.rttSample, newUna >= r.end { sample(&s, rtt: (now - r.sent).nanoseconds); s.rttSample = nil }
                if s.cwnd < s.ssthresh { s.cwnd += min(Int(acked), s.sendMSS) } else { s.cwnd += max(1, s.sendMSS * s.sendMSS / max(s.cwnd, 1)) }
                let finAcked = s.finQueued && newUna == s.written + 2
                if finAcked {
                    switch s.state {
                    case .finWait1: s.state = .finWait2
                    case .closing: s.state = .timeWait
                    case .lastAck:
                        sockets[Int(i)] = s
                        end(i, .closed, &net)
                        return
                    default: break
                    }
                }
            }
            s.sndWnd = UInt64(p.window) << s.sndShift
            sockets[Int(i)] = s
            if s.sndUna == s.sndNxt { cancelRetransmit(i) } else if acked > 0 && acked < 1 << 31 { armRetransmit(i, now, &scheduler) }
        }

        // Data and FIN.
        s = sockets[Int(i)]
        let rel = UInt64(p.seq &- s.irs)                                  // relative to the peer's ISN (mod 2^32)
        let expected = UInt64(UInt32(truncatingIfNeeded: s.rcvNxt))
        let len = Int(p.payloadLength)
        if len > 0 || p.tcpFlags.contains(.fin) {
            if rel != expected {
                // Duplicate or out of order: acknowledge at once (RFC 5681 §4.2), keep nothing.
                sendAck(i, now, &net, &scheduler)
                return
            }
            if now - s.lastReceive > SimDuration(nanoseconds: s.rto) { s.quickAcks = profiles[s.profileIndex].maxQuickAcks }
            s.lastReceive = now
            var ackNow = false
            if len > 0 {
                s.rcvNxt += UInt64(len)
                s.received += UInt64(len)
                s.unackedBytes += len
                if profiles[s.profileIndex].maxReceiveWindow != nil { autotuneReceiveWindow(&s, now) }
                notifications.append(.received(socket: i, owner: s.owner, upTo: s.received))
                if s.quickAcks > 0 { s.quickAcks -= 1; ackNow = true }
                else if s.unackedBytes >= 2 * s.sendMSS { ackNow = true }
            }
            if p.tcpFlags.contains(.fin) && !s.finReceived {
                s.rcvNxt += 1
                s.finReceived = true
                ackNow = true
                switch s.state {
                case .established:
                    s.state = .closeWait
                    notifications.append(.peerClosed(socket: i, owner: s.owner))
                case .finWait1:
                    s.state = s.sndUna == s.written + 2 ? .timeWait : .closing
                case .finWait2:
                    s.state = .timeWait
                default: break
                }
            }
            sockets[Int(i)] = s
            if ackNow {
                if profiles[s.profileIndex].ackCoalescing.nanoseconds > 0 {
                    scheduleAck(i, at: now + profiles[s.profileIndex].ackCoalescing, &scheduler)
                } else {
                    sendAck(i, now, &net, &scheduler)
                }
            } else {
                scheduleAck(i, at: now + profiles[s.profileIndex].delayedAck, &scheduler)
            }
            if sockets[Int(i)].state == .timeWait { enterTimeWait(i, now, &scheduler) }
        } else if sockets[Int(i)].state == .timeWait && s.state == .timeWait {
            enterTimeWait(i, now, &scheduler)
        }
        output(i, now, &net, &scheduler)
    }

    /// Arms the ACK timer for `at`, unless it is already due sooner.
    mutating func scheduleAck(_ i: UInt32, at: SimTime, _ scheduler: inout Scheduler) {
        if ackTimers.isArmed(Int(i)) && sockets[Int(i)].ackDeadline <= at { return }
        sockets[Int(i)].ackDeadline = at
        scheduler.schedule(at: at, EventPayload(TransportEvent.delayedAck, object: i, aux: ackTimers.arm(Int(i))))
    }

    mutating func enterTimeWait(_ i: UInt32, _ now: SimTime, _ scheduler: inout Scheduler) {
        cancelRetransmit(i)
        if sockets[Int(i)].live { liveSockets -= 1; sockets[Int(i)].live = false }
        scheduler.schedule(after: profiles[sockets[Int(i)].profileIndex].timeWait,
                           EventPayload(TransportEvent.timeWait, object: i, aux: timeWaitTimers.arm(Int(i))))
    }

    /// Linux receive-buffer autotuning for one in-order data segment; applications here read
    /// what arrives at once, so bytes received are bytes copied to the application.
    /// - `tcp_grow_window`: the advertised window grows by two MSS per data segment up to the clamp.
    /// - `tcp_rcv_space_adjust`: once per round trip, if the application read more than in the
    ///   previous one, the clamp becomes 2 × copied + 16 MSS, plus twice that scaled by the growth
    ///   (to follow a sender in slow start), up to the profile's maximum.
    /// Simplification: "more" here includes a round trip that filled the window but for less
    /// than a segment. With jumbo segments (MSS 8961) a 62727-byte window holds 7 segments,
    /// 62643 bytes, so a strict comparison would never see a window-limited sender; Linux gets
    /// past it through its measurement's jitter and per-skb window scaling, which a deterministic
    /// model has no equivalent of.
    func autotuneReceiveWindow(_ s: inout TCPSocket, _ now: SimTime) {
        guard let maxWindow = profiles[s.profileIndex].maxReceiveWindow else { return }
        let advmss = Int(profiles[s.profileIndex].mss)
        if s.rcvWindow < s.rcvClamp { s.rcvWindow = min(s.rcvClamp, s.rcvWindow + 2 * advmss) }
        guard s.srtt > 0, (now - s.rcvSpaceTime).nanoseconds >= s.srtt else { return }
        let copied = Int(s.received - s.rcvSpaceMark)
        if copied > s.rcvSpace - s.sendMSS {
            var window = 2 * copied + 16 * advmss
            window += 2 * (window * (copied - s.rcvSpace) / max(s.rcvSpace, 1))
            s.rcvClamp = max(s.rcvClamp, min(window, maxWindow))
            s.rcvSpace = copied
        }
        s.rcvSpaceMark = s.received
        s.rcvSpaceTime = now
    }

    /// RFC 6298 estimator with Linux's bounds on the RTO (≥ srtt + 200 ms).
    func sample(_ s: inout TCPSocket, rtt: Int64) {
        let r = max(rtt, 1)
        if s.srtt == 0 {
            s.srtt = r
            s.rttvar = r / 2
        } else {
            s.rttvar = (3 * s.rttvar + abs(s.srtt - r)) / 4
            s.srtt = (7 * s.srtt + r) / 8
        }
        s.rto = min(max(s.srtt + max(4 * s.rttvar, profiles[s.profileIndex].minRTO.nanoseconds), profiles[s.profileIndex].minRTO.nanoseconds),
                    profiles[s.profileIndex].maxRTO.nanoseconds)
    }
}
