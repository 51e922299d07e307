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

    mutating func sendSYNACK(
        _ i: UInt32, offered: TCPOptionSet, _ now: SimTime, _ net: inout Network, _ scheduler: inout Scheduler
    ) {
        let s = sockets[Int(i)]
        var p = segment(i, flags: [.syn, .ack], seqOffset: 0, length: 0)
        p.window = profiles[s.profileIndex].synWindow
        var o: TCPOptionSet = [.mss]
        if s.sack { o.insert(.sackPermitted) }
        if s.timestamps { o.insert(.timestamps) }
        if offered.contains(.windowScale), let ws = profiles[s.profileIndex].windowScale {
            o.insert(.windowScale); p.windowScale = ws
        }
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
}
