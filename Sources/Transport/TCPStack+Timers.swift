// TCPStack+Timers: retransmission, delayed ACK and TIME-WAIT, lazily cancelled by generation; the RTO estimator.

import SimCore
import Wire
import NetModel

extension TCPStack {
    mutating func armRetransmit(_ i: UInt32, _ now: SimTime, _ scheduler: inout Scheduler) {
        scheduler.schedule(
            at: now + SimDuration(nanoseconds: sockets[Int(i)].rto),
            EventPayload(TransportEvent.retransmit, object: i, aux: retransmitTimers.arm(Int(i))))
    }

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
            if s.retries > 15 { end(i, .retransmitTimeout, &net); return } // tcp_retries2
            let inFlight = Int(s.sndNxt - s.sndUna)
            sockets[Int(i)].ssthresh = max(inFlight / 2, 2 * s.sendMSS)
            sockets[Int(i)].cwnd = s.sendMSS
            sockets[Int(i)].sndNxt = s.sndUna // go back and resend from the first unacknowledged byte
            output(i, now, &net, &scheduler)
        }
        if sockets[Int(i)].state != .closed && !retransmitTimers.isArmed(Int(i)) { armRetransmit(i, now, &scheduler) }
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
        scheduler.schedule(
            after: profiles[sockets[Int(i)].profileIndex].timeWait,
            EventPayload(TransportEvent.timeWait, object: i, aux: timeWaitTimers.arm(Int(i))))
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
        s.rto = min(
            max(
                s.srtt + max(4 * s.rttvar, profiles[s.profileIndex].minRTO.nanoseconds),
                profiles[s.profileIndex].minRTO.nanoseconds),
            profiles[s.profileIndex].maxRTO.nanoseconds)
    }
}
