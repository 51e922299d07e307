import Testing
import SimCore
import Wire
import TestSupport
@testable import NetModel
@testable import Transport

/// Slow-start restart after idle, cwnd validation, and Nagle's algorithm against delayed ACKs.
@Suite struct CongestionTests {
    func connect(_ lab: inout TCPLab, _ s: inout Scheduler, noDelay: Bool = true) -> UInt32 {
        let c = lab.tcp.connect(
            host: lab.hostA, local: IPAddress("10.0.1.10")!, remote: IPAddress("10.0.2.20")!, remotePort: 443,
            owner: AppRef(kind: 1, object: 0), noDelay: noDelay, now: s.now, &lab.network, &s)
        s.run(until: s.now + .milliseconds(5), handler: &lab)
        return c
    }

    /// A bulk write opens the window; an idle period longer than the RTO brings it back to the
    /// initial 10 segments (Linux tcp_slow_start_after_idle = 1), a shorter one does not.
    @Test func slowStartRestartsAfterAnIdleRTO() {
        var lab = TCPLab()
        var s = Scheduler()
        let c = connect(&lab, &s)
        let mss = lab.tcp.socket(c).sendMSS
        lab.tcp.write(c, .opaque(seed: 1), length: 2_000_000, now: s.now, &lab.network, &s)
        // The transfer takes a few milliseconds; 100 ms later the sender has been idle for less
        // than its RTO (≥ 200 ms): the window stays.
        s.run(until: s.now + .milliseconds(100), handler: &lab)
        let grown = lab.tcp.socket(c).cwnd
        #expect(lab.tcp.socket(c).sndUna == lab.tcp.socket(c).sndNxt, "the transfer is over")
        #expect(grown > 40 * mss, "the window grew during the transfer: \(grown / mss) segments")
        lab.tcp.write(c, .opaque(seed: 2), length: 100, now: s.now, &lab.network, &s)
        #expect(lab.tcp.socket(c).cwnd >= grown)
        s.run(until: s.now + .milliseconds(50), handler: &lab)
        // Idle for seconds: restarted, then only the initial window's worth goes out at once.
        s.run(until: s.now + .seconds(3), handler: &lab)
        lab.tcp.write(c, .opaque(seed: 3), length: 500_000, now: s.now, &lab.network, &s)
        #expect(lab.tcp.socket(c).cwnd == 10 * mss)
        let inFlight = lab.tcp.socket(c).sndNxt - lab.tcp.socket(c).sndUna
        #expect(inFlight == UInt64(10 * (mss - 12)), "one initial window of segments (timestamps take 12 bytes)")
    }

    /// Without the sysctl the window survives idleness.
    @Test func withoutSlowStartAfterIdleTheWindowStays() {
        var profile = TCPProfile.linuxInstance
        profile.slowStartAfterIdle = false
        var lab = TCPLab()
        lab.tcp = TCPStack(random: RandomStream(seed: 3))
        lab.tcp.setProfile(profile, for: lab.hostA)
        lab.tcp.setProfile(.linuxInstance, for: lab.hostB)
        lab.tcp.listen(host: lab.hostB, port: 443, owner: AppRef(kind: 2, object: 0))
        var s = Scheduler()
        let c = connect(&lab, &s)
        lab.tcp.write(c, .opaque(seed: 1), length: 2_000_000, now: s.now, &lab.network, &s)
        s.run(until: s.now + .seconds(4), handler: &lab)
        let grown = lab.tcp.socket(c).cwnd
        lab.tcp.write(c, .opaque(seed: 2), length: 500_000, now: s.now, &lab.network, &s)
        #expect(lab.tcp.socket(c).cwnd == grown && grown > 10 * lab.tcp.socket(c).sendMSS)
    }

    /// A request/response sender never fills its window, so the window does not grow
    /// (tcp_is_cwnd_limited): many small exchanges leave it at the initial 10 segments.
    @Test func anApplicationLimitedWindowDoesNotGrow() {
        var lab = TCPLab()
        var s = Scheduler()
        let c = connect(&lab, &s)
        for k in 0..<50 {
            lab.tcp.write(c, .opaque(seed: UInt64(k)), length: 2_000, now: s.now, &lab.network, &s)
            s.run(until: s.now + .milliseconds(20), handler: &lab)
        }
        #expect(lab.tcp.socket(c).cwnd == 10 * lab.tcp.socket(c).sendMSS)
    }

    /// Nagle (Minshall's variant): a second small segment waits while the first small one is
    /// unacknowledged; out of quick-ACK mode the receiver delays that ACK by 40 ms, so the second
    /// write waits 40 ms. With TCP_NODELAY (what urllib3 and every modelled client set) it leaves at once.
    @Test func nagleHoldsASecondSmallSegmentUntilTheDelayedACK() {
        for noDelay in [false, true] {
            var lab = TCPLab()
            var s = Scheduler()
            let c = connect(&lab, &s, noDelay: noDelay)
            // Use up the receiver's quick ACKs (16) so it delays ACKs, as in a long-lived connection.
            for k in 0..<20 {
                lab.tcp.write(c, .opaque(seed: UInt64(k)), length: 100, now: s.now, &lab.network, &s)
                s.run(until: s.now + .milliseconds(100), handler: &lab)
            }
            let t0 = s.now
            lab.tcp.write(c, .opaque(seed: 100), length: 300, now: s.now, &lab.network, &s) // header
            lab.tcp.write(c, .opaque(seed: 101), length: 150, now: s.now, &lab.network, &s) // body
            s.run(until: s.now + .milliseconds(200), handler: &lab)
            let data = lab.taps.filter { $0.eni.int == 0 && $0.direction == .egress && $0.time >= t0 }
                .filter { $0.packet.payloadLength > 0 }
            #expect(data.map(\.packet.payloadLength) == [300, 150], "noDelay \(noDelay)")
            let gap = data.count == 2 ? data[1].time - data[0].time : .zero
            if noDelay {
                #expect(gap < .microseconds(10), "TCP_NODELAY: both segments at once, gap \(gap)")
            } else {
                #expect(gap >= .milliseconds(40) && gap < .milliseconds(41), "Nagle waits for the delayed ACK: \(gap)")
            }
        }
    }
}
