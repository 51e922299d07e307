// TCPStack+Output: segments built from a socket and sent as its windows allow.

import SimCore
import Wire
import NetModel

extension TCPStack {
    func windowField(_ s: TCPSocket) -> UInt16 {
        UInt16(min(65535, s.rcvWindow >> Int(s.rcvShift)))
    }

    mutating func segment(_ i: UInt32, flags: TCPFlags, seqOffset: UInt64, length: Int) -> Packet {
        let s = sockets[Int(i)]
        var p = Packet(
            source: s.local, destination: s.remote, sourcePort: s.localPort, destinationPort: s.remotePort,
            protocolNumber: IPProtocol.tcp, ttl: profiles[s.profileIndex].ttl,
            ipID: profiles[s.profileIndex].perSocketIPID ? s.ipID : 0)
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
            p.payload = .stream(s.sendStream, offset: seqOffset - 1)
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
        var o = TCPOptionSet.layout(profiles[s.profileIndex].optionLayout)
        o.insert(.mss)
        if profiles[s.profileIndex].sackPermitted { o.insert(.sackPermitted) }
        if profiles[s.profileIndex].timestamps { o.insert(.timestamps) }
        if let ws = profiles[s.profileIndex].windowScale { o.insert(.windowScale); p.windowScale = ws }
        p.tcpOptions = o
        p.mss = Self.advertisedMSS(profiles[s.profileIndex].mss, p)
        if profiles[s.profileIndex].timestamps {
            let ticks = now.nanoseconds * profiles[s.profileIndex].timestampHz / 1_000_000_000
            p.tsValue = s.tsOffset &+ UInt32(truncatingIfNeeded: ticks)
            p.tsEcho = 0
        }
        net.transmit(p, from: s.host, now: now, &scheduler)
    }

    mutating func sendSYNACK(
        _ i: UInt32, offered: TCPOptionSet, _ now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler
    ) {
        let s = sockets[Int(i)]
        var p = segment(i, flags: [.syn, .ack], seqOffset: 0, length: 0)
        p.window = profiles[s.profileIndex].synWindow
        if profiles[s.profileIndex].zeroIPIDOnSYNACK { p.ipID = 0 }
        var o = TCPOptionSet.layout(profiles[s.profileIndex].optionLayout)
        o.insert(.mss)
        if s.sack { o.insert(.sackPermitted) }
        if s.timestamps { o.insert(.timestamps) }
        if offered.contains(.windowScale), let ws = profiles[s.profileIndex].windowScale {
            o.insert(.windowScale); p.windowScale = ws
        }
        p.tcpOptions = o
        p.mss = Self.advertisedMSS(profiles[s.profileIndex].mss, p)
        stampTimestamps(&p, s, now)
        net.transmit(p, from: s.host, now: now, processing: net.stackDelay(), &scheduler)
    }

    mutating func sendAck(_ i: UInt32, _ now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        let s = sockets[Int(i)]
        var p = segment(i, flags: [.ack], seqOffset: s.sndNxt, length: 0)
        stampTimestamps(&p, s, now)
        sockets[Int(i)].unackedBytes = 0
        ackTimers.cancel(Int(i))
        net.transmit(p, from: s.host, now: now, &scheduler)
    }

    /// Sends new data (and the FIN) as far as the congestion and receive windows allow, holding
    /// back a small segment while Nagle's algorithm asks (Minshall's variant, as Linux's
    /// `tcp_nagle_check` and `tcp_minshall_check` in net/ipv4/tcp_output.c: a sub-MSS segment
    /// waits only while an earlier sub-MSS segment is unacknowledged).
    mutating func output(_ i: UInt32, _ now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler) {
        var sent = false
        var cwndLimited = false
        defer { if sent || cwndLimited { validateCongestionWindow(i, cwndLimited: cwndLimited) } }
        while true {
            let s = sockets[Int(i)]
            guard
                s.state == .established || s.state == .closeWait || s.state == .finWait1
                    || s.state == .closing || s.state == .lastAck
            else { return }
            let dataEnd = s.written + 1 // sequence offset just past the last data byte
            let inFlight = Int(s.sndNxt - s.sndUna)
            if s.sndNxt < dataEnd {
                let window = min(s.cwnd, Int(s.sndWnd))
                let room = window - inFlight
                let available = Int(dataEnd - s.sndNxt)
                let payloadMax = s.sendMSS - (s.timestamps ? 12 : 0)
                let len = min(available, payloadMax, max(room, 0))
                if len <= 0 {
                    if inFlight >= s.cwnd { cwndLimited = true }
                    break
                }
                // Avoid silly-window segments while earlier data is still in flight.
                if len < payloadMax && len < available && inFlight > 0 { break }
                if len < payloadMax && s.nagle && inFlight > 0 && s.smallSegmentEnd > s.sndUna
                    && s.smallSegmentEnd <= s.sndNxt
                {
                    break
                }
                var flags: TCPFlags = [.ack]
                if s.sndNxt + UInt64(len) == dataEnd { flags.insert(.psh) }
                var p = segment(i, flags: flags, seqOffset: s.sndNxt, length: len)
                stampTimestamps(&p, s, now)
                if s.sndNxt + UInt64(len) > s.sndNxt && sockets[Int(i)].rttSample == nil && !s.retransmitted {
                    sockets[Int(i)].rttSample = (s.sndNxt + UInt64(len), now)
                }
                if s.sndNxt >= s.sndMax { sockets[Int(i)].lastDataSent = now } // new data (tcp_event_data_sent)
                if len < payloadMax { sockets[Int(i)].smallSegmentEnd = s.sndNxt + UInt64(len) }
                sockets[Int(i)].sndNxt += UInt64(len)
                sockets[Int(i)].sndMax = max(sockets[Int(i)].sndMax, sockets[Int(i)].sndNxt)
                sockets[Int(i)].unackedBytes = 0
                ackTimers.cancel(Int(i))
                net.transmit(p, from: s.host, now: now, &scheduler)
                sent = true
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

    /// Linux's `tcp_cwnd_validate` (net/ipv4/tcp_output.c): per window of data, remember whether
    /// the congestion window limited the sender, or else the most bytes it had in flight; the
    /// window grows only when it was used (``congestionWindowMayGrow(_:)``).
    mutating func validateCongestionWindow(_ i: UInt32, cwndLimited: Bool) {
        let s = sockets[Int(i)]
        let inFlight = Int(s.sndNxt - s.sndUna)
        if s.sndUna >= s.cwndUsageEnd || cwndLimited || (!s.cwndLimited && inFlight > Int(s.maxInFlight)) {
            sockets[Int(i)].cwndLimited = cwndLimited
            sockets[Int(i)].maxInFlight = Int32(clamping: inFlight)
            sockets[Int(i)].cwndUsageEnd = s.sndNxt
        }
    }

    /// Linux's `tcp_is_cwnd_limited` (include/net/tcp.h): grow the window only if the sender used
    /// it, or in slow start while it is below twice the most that was in flight.
    func congestionWindowMayGrow(_ s: TCPSocket) -> Bool {
        s.cwndLimited || (s.cwnd < s.ssthresh && s.cwnd < 2 * Int(s.maxInFlight))
    }

    /// Slow-start restart when the application writes after an idle period longer than the RTO
    /// with nothing in flight (Linux `tcp_slow_start_after_idle_check` → `tcp_cwnd_restart`):
    /// the window halves once per RTO of idleness beyond the first, and never stays above the
    /// initial window; ssthresh keeps ¾ of the old window.
    mutating func restartWindowAfterIdle(_ i: UInt32, _ now: SimTime) {
        let s = sockets[Int(i)]
        guard profiles[s.profileIndex].slowStartAfterIdle, s.sndNxt == s.sndUna, s.lastDataSent.nanoseconds >= 0,
            s.rto > 0
        else { return }
        var delta = (now - s.lastDataSent).nanoseconds
        guard delta > s.rto else { return }
        let restart = min(profiles[s.profileIndex].initialCongestionWindow * s.sendMSS, s.cwnd)
        if s.ssthresh != Int.max { sockets[Int(i)].ssthresh = max(s.ssthresh, s.cwnd / 2 + s.cwnd / 4) }
        var cwnd = s.cwnd
        while true {
            delta -= s.rto
            guard delta > 0 && cwnd > restart else { break }
            cwnd >>= 1
        }
        sockets[Int(i)].cwnd = max(cwnd, restart)
        sockets[Int(i)].cwndLimited = false
        sockets[Int(i)].maxInFlight = 0
    }
}

extension TCPStack {
    /// The MSS a SYN or SYN-ACK advertises: a profile's MSS is for IPv4 (MTU − 40); over IPv6
    /// the header is 20 bytes longer, so Linux advertises 20 less (MTU − 60: 8941 on the VPC's
    /// 9001-byte MTU; net/ipv6/tcp_ipv6.c and tcp_mtu_to_mss in net/ipv4/tcp_output.c subtract
    /// the IPv6 header).
    @inline(__always) static func advertisedMSS(_ profileMSS: UInt16, _ p: Packet) -> UInt16 {
        p.isIPv4 ? profileMSS : profileMSS &- 20
    }
}
