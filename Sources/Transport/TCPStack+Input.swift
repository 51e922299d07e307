// TCPStack+Input: segments in: demultiplexing, passive open, the state machine, receive-window autotuning.

import SimCore
import Wire
import NetModel

extension TCPStack {
    /// Handles a TCP segment delivered to `host`.
    public mutating func receive(
        _ p: Packet, host: HostIndex, now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler
    ) {
        let key = Self.demuxKey(
            remote: p.source, remotePort: p.sourcePort, local: p.destination, localPort: p.destinationPort,
            realm: p.realm)
        if let i = demux[key] {
            input(i, p, now, &net, &scheduler)
            return
        }
        if p.tcpFlags.contains(.syn) && !p.tcpFlags.contains(.ack),
            let l = listeners[Self.listenerKey(host, p.destinationPort)]
        {
            acceptSYN(host, l, p, now, &net, &scheduler)
            return
        }
        // No socket: Linux answers with a RST (RFC 9293 §3.5.2); some hosts stay silent.
        guard !p.tcpFlags.contains(.rst), profile(of: host)?.resetsUnknownSegments ?? false else {
            net.drop(.noSocket(host))
            return
        }
        net.transmit(.reset(answering: p), from: host, now: now, &scheduler)
    }

    mutating func acceptSYN(
        _ host: HostIndex, _ l: Listener, _ p: Packet, _ now: SimTime, _ net: inout Network,
        _ scheduler: inout Scheduler
    ) {
        let index =
            host.int < hostPersonality.count && hostPersonality[host.int] >= 0
            ? profileIndex(of: host, address: p.destination) : l.profileIndex
        let profile = profiles[index]
        var s = TCPSocket(
            host: host, owner: l.owner, connection: p.connection, origin: .responder,
            local: p.destination, localPort: p.destinationPort, remote: p.source, remotePort: p.sourcePort,
            realm: p.realm, profileIndex: index)
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
        s.nagle = !l.noDelay
        negotiate(&s, p)
        let i = allocate(s)
        demux.insert(
            Self.demuxKey(
                remote: p.source, remotePort: p.sourcePort, local: p.destination, localPort: p.destinationPort,
                realm: p.realm), i)
        sendSYNACK(i, offered: p.tcpOptions, now, &net, &scheduler)
        sockets[Int(i)].rttSample = (1, now)
        armRetransmit(i, now, &scheduler)
    }

    /// Option negotiation from the peer's SYN or SYN-ACK (RFC 7323, RFC 2018, RFC 879).
    func negotiate(_ s: inout TCPSocket, _ p: Packet) {
        let peerMSS = p.tcpOptions.contains(.mss) ? Int(p.mss) : 536
        s.sendMSS = min(peerMSS, Int(Self.advertisedMSS(profiles[s.profileIndex].mss, p)))
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
        s.sndWnd = UInt64(p.window) // the window in a SYN is never scaled
        s.cwnd = profiles[s.profileIndex].initialCongestionWindow * s.sendMSS
        // Receive space (Linux tcp_init_buffer_space): the first measurement counts against
        // min(window, 10 × advertised MSS).
        s.rcvWindow = profiles[s.profileIndex].receiveWindow
        s.rcvClamp = profiles[s.profileIndex].receiveWindow
        s.rcvSpace = min(
            profiles[s.profileIndex].receiveWindow,
            profiles[s.profileIndex].initialCongestionWindow * Int(profiles[s.profileIndex].mss))
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
                s.rto = profiles[s.profileIndex].fallbackRTO.nanoseconds // Linux: 3 s after a retransmitted SYN
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
                if let r = s.rttSample, newUna >= r.end {
                    sample(&s, rtt: (now - r.sent).nanoseconds); s.rttSample = nil
                }
                if !congestionWindowMayGrow(s) {
                    // An application-limited sender keeps its window (tcp_is_cwnd_limited).
                } else if s.cwnd < s.ssthresh {
                    s.cwnd += min(Int(acked), s.sendMSS)
                } else {
                    s.cwnd += max(1, s.sendMSS * s.sendMSS / max(s.cwnd, 1))
                }
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
            if s.sndUna == s.sndNxt {
                cancelRetransmit(i)
            } else if acked > 0 && acked < 1 << 31 {
                armRetransmit(i, now, &scheduler)
            }
        }

        // Data and FIN.
        s = sockets[Int(i)]
        let rel = UInt64(p.seq &- s.irs) // relative to the peer's ISN (mod 2^32)
        let expected = UInt64(UInt32(truncatingIfNeeded: s.rcvNxt))
        let len = Int(p.payloadLength)
        if len > 0 || p.tcpFlags.contains(.fin) {
            if rel != expected {
                // Duplicate or out of order: acknowledge at once (RFC 5681 §4.2), keep nothing.
                sendAck(i, now, &net, &scheduler)
                return
            }
            if now - s.lastReceive > SimDuration(nanoseconds: s.rto) {
                s.quickAcks = profiles[s.profileIndex].maxQuickAcks
            }
            s.lastReceive = now
            var ackNow = false
            if len > 0 {
                s.rcvNxt += UInt64(len)
                s.received += UInt64(len)
                s.unackedBytes += len
                if profiles[s.profileIndex].maxReceiveWindow != nil { autotuneReceiveWindow(&s, now) }
                notifications.append(.received(socket: i, owner: s.owner, upTo: s.received))
                if s.quickAcks > 0 {
                    s.quickAcks -= 1; ackNow = true
                } else if s.unackedBytes >= 2 * s.sendMSS {
                    ackNow = true
                }
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

    /// Linux limits replies to out-of-window segments (duplicate SYNs, challenge ACKs) to one per
    /// `tcp_invalid_ratelimit` (500 ms) per socket (tcp_oow_rate_limited).
    mutating func outOfWindowReplyAllowed(_ i: UInt32, _ now: SimTime) -> Bool {
        if let last = sockets[Int(i)].lastOutOfWindowReply, now - last < Self.outOfWindowReplyInterval { return false }
        sockets[Int(i)].lastOutOfWindowReply = now
        return true
    }

    static let outOfWindowReplyInterval = SimDuration.milliseconds(500)
}
