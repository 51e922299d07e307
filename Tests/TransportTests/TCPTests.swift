import Testing
import SimCore
import Wire
import TestSupport
@testable import NetModel
@testable import Transport

/// Two hosts in one VPC with Linux TCP stacks, driven by the real event loop.
struct TCPLab: EventHandler {
    var network: Network
    var tcp = TCPStack(random: RandomStream(seed: 3))
    var hostA: HostIndex
    var hostB: HostIndex
    var events: [(SimTime, TCPNotification)] = []

    init(
        webIngress: [SecurityGroupRule]? = nil, subnetBACL: NetworkACL? = nil,
        serverProfile: TCPProfile = .linuxInstance
    ) {
        (network, hostA, hostB) = TestNetworks.twoSubnets(webIngress: webIngress, subnetBACL: subnetBACL)
        tcp.setProfile(.linuxInstance, for: hostA)
        tcp.setProfile(serverProfile, for: hostB)
        tcp.listen(host: hostB, port: 443, owner: AppRef(kind: 2, object: 0))
    }

    mutating func handle(_ event: Event, _ s: inout Scheduler) {
        switch NetworkEvent(event.payload) {
        case .packetArrival?:
            if case .delivered(let h, let p) = network.arrive(event.payload.object, now: s.now, &s) {
                tcp.receive(p, host: h, now: s.now, &network, &s)
            }
        default:
            tcp.timer(event, now: s.now, &network, &s)
        }
        for n in tcp.notifications { events.append((s.now, n)) }
        tcp.notifications.removeAll()
    }

    var taps: [TapRecord] { Array(network.log.taps) }
    func sent(from eni: Int) -> [Packet] { taps.filter { $0.eni.int == eni && $0.direction == .egress }.map(\.packet) }
}

@Suite struct TCPTests {
    func connect(_ lab: inout TCPLab, _ s: inout Scheduler, port: UInt16 = 443) -> UInt32 {
        lab.tcp.connect(
            host: lab.hostA, local: IPAddress("10.0.1.10")!, remote: IPAddress("10.0.2.20")!, remotePort: port,
            owner: AppRef(kind: 1, object: 0), now: s.now, &lab.network, &s)
    }

    @Test func handshakeCarriesLinuxOptionsAndNegotiates() {
        var lab = TCPLab()
        var s = Scheduler()
        let c = connect(&lab, &s)
        s.run(until: SimTime.zero + .milliseconds(5), handler: &lab)
        let syn = lab.sent(from: 0)[0]
        #expect(syn.tcpFlags == [.syn])
        #expect(syn.tcpOptions == [.mss, .sackPermitted, .timestamps, .windowScale])
        #expect(syn.mss == 8961 && syn.window == 62727 && syn.windowScale == 7)
        #expect(syn.tcpOptions.encodedLength == 20)
        let synack = lab.sent(from: 1)[0]
        #expect(synack.tcpFlags == [.syn, .ack] && synack.ack == syn.seq &+ 1)
        #expect(synack.tsEcho == syn.tsValue)
        #expect(lab.tcp.socket(c).state == .established)
        #expect(lab.events.contains { if case .connected = $0.1 { return true } else { return false } })
        #expect(lab.events.contains { if case .accepted = $0.1 { return true } else { return false } })
        // Third ACK: ack = SYN-ACK seq + 1, window scaled by 7: 62727 >> 7 = 490.
        let ack = lab.sent(from: 0)[1]
        #expect(ack.tcpFlags == [.ack] && ack.ack == synack.seq &+ 1 && ack.window == 490)
        #expect(ack.tcpOptions == [.timestamps])
    }

    @Test func dataIsSegmentedAtTheMSSAndAcknowledged() {
        var lab = TCPLab()
        var s = Scheduler()
        let c = connect(&lab, &s)
        s.run(until: SimTime.zero + .milliseconds(5), handler: &lab)
        lab.tcp.write(c, .opaque(seed: 1), length: 30_000, now: s.now, &lab.network, &s)
        s.run(until: s.now + .seconds(1), handler: &lab)
        let data = lab.sent(from: 0).filter { $0.payloadLength > 0 }
        // MSS 8961 minus 12 bytes of timestamps; initial window 10 segments covers it all.
        #expect(data.map(\.payloadLength) == [8949, 8949, 8949, 3153])
        func offset(_ p: Packet) -> UInt64? {
            if case .stream(let stream, let offset) = p.payload, stream.connection == p.connection,
                stream.origin == .initiator
            {
                return offset
            }
            return nil
        }
        #expect(data.map(offset) == [0, 8949, 17898, 26847])
        #expect(data.last!.tcpFlags == [.ack, .psh])
        #expect(data.dropLast().allSatisfy { $0.tcpFlags == [.ack] })
        let received = lab.events.compactMap { e -> UInt64? in
            if case .received(_, let o, let up) = e.1, o.kind == 2 { return up } else { return nil }
        }
        #expect(received.last == 30_000)
        #expect(lab.tcp.socket(c).unacknowledged == 0)
        #expect(lab.tcp.retransmissions == 0)
    }

    @Test func orderlyCloseEndsBothSidesActiveCloserAfterTimeWait() {
        var lab = TCPLab()
        var s = Scheduler()
        let c = connect(&lab, &s)
        s.run(until: SimTime.zero + .milliseconds(5), handler: &lab)
        lab.tcp.close(c, now: s.now, &lab.network, &s)
        s.run(until: s.now + .seconds(1), handler: &lab)
        // The server sees the FIN and (as our servers do) closes too.
        let serverSocket = lab.events.compactMap { e -> UInt32? in
            if case .peerClosed(let sk, _) = e.1 { return sk } else { return nil }
        }.first!
        lab.tcp.close(serverSocket, now: s.now, &lab.network, &s)
        s.run(until: s.now + .seconds(1), handler: &lab)
        #expect(lab.tcp.socket(c).state == .timeWait)
        #expect(lab.tcp.liveSockets == 0)
        let flags = lab.taps.filter { $0.direction == .egress }.map(\.packet.tcpFlags)
        #expect(flags.filter { $0.contains(.fin) }.count == 2)
        let closedServer = lab.events.contains {
            if case .ended(_, let o, _, .closed) = $0.1 { return o.kind == 2 } else { return false }
        }
        #expect(closedServer)
        s.run(until: s.now + .seconds(61), handler: &lab)
        let closedClient = lab.events.contains {
            if case .ended(_, let o, _, .closed) = $0.1 { return o.kind == 1 } else { return false }
        }
        #expect(closedClient)
    }

    /// Linux before 6.5: SYNs at 0, 1, 3, 7, 15, 31, 63 s; connect() fails at 127 s (net/ipv4/tcp_timer.c,
    /// tcp_retransmit_timer and retransmits_timed_out; `tcp_syn_retries` 6).
    @Test func synRetransmissionFollowsLinuxBackoff() {
        var lab = TCPLab(webIngress: []) // the server's group admits nothing: SYNs vanish
        var s = Scheduler()
        _ = connect(&lab, &s)
        s.run(until: SimTime.zero + .seconds(200), handler: &lab)
        let times = lab.taps.filter { $0.eni.int == 0 && $0.direction == .egress }.map {
            $0.time.nanoseconds / 1_000_000_000
        }
        #expect(times == [0, 1, 3, 7, 15, 31, 63])
        let timeout = lab.events.first {
            if case .ended(_, _, _, .connectTimeout) = $0.1 { return true } else { return false }
        }
        #expect(timeout?.0 == SimTime.zero + .seconds(127))
        // Every retransmitted SYN is the same segment.
        let syns = lab.sent(from: 0)
        #expect(Set(syns.map(\.seq)).count == 1)
    }

    /// The server's SYN-ACKs never arrive (its subnet's ACL lets nothing out to ephemeral ports):
    /// each retransmitted SYN is answered with the same SYN-ACK at once (Linux tcp_check_req), on
    /// top of the server's own SYN-ACK timer, and the client still gives up on Linux's schedule.
    @Test func retransmittedSYNIsAnsweredWhileSYNReceived() {
        let any = CIDR("0.0.0.0/0")!
        let acl = NetworkACL(
            id: "acl-00000002", vpc: VPCIndex(0), isDefault: false,
            inbound: [NetworkACLEntry(ruleNumber: 100, protocolNumber: -1, ports: .all, cidr: any, allow: true)],
            outbound: [
                NetworkACLEntry(ruleNumber: 100, protocolNumber: 6, ports: PortRange(443, 443), cidr: any, allow: true)
            ])
        var lab = TCPLab(subnetBACL: acl)
        var s = Scheduler()
        _ = connect(&lab, &s)
        s.run(until: SimTime.zero + .seconds(200), handler: &lab)
        let syns = lab.taps.filter { $0.eni.int == 0 && $0.direction == .egress }
        let synacks = lab.taps.filter { $0.eni.int == 1 && $0.direction == .egress }
        #expect(syns.map { $0.time.nanoseconds / 1_000_000_000 } == [0, 1, 3, 7, 15, 31, 63])
        #expect(synacks.allSatisfy { $0.packet.tcpFlags == [.syn, .ack] })
        // The server drops the half-open connection when its timer expires the sixth time
        // (tcp_synack_retries = 5: 1 + 2 + 4 + 8 + 16 + 32 = 63 s); the client's SYN at 63 s then
        // opens a new one with a fresh initial sequence number.
        let first = synacks.filter { $0.time < SimTime.zero + .seconds(63) }
        let second = synacks.filter { $0.time >= SimTime.zero + .seconds(63) }
        #expect(Set(first.map(\.packet.seq)).count == 1 && Set(second.map(\.packet.seq)).count == 1)
        #expect(first.first?.packet.seq != second.first?.packet.seq)
        // Each SYN that reaches the server while it still holds the half-open connection is
        // answered within a millisecond.
        let arrivals = lab.taps.filter { $0.eni.int == 1 && $0.direction == .ingress }.map(\.time)
        let lastSYNACK = synacks.last!.time
        for t in arrivals.dropFirst() where t <= lastSYNACK {
            #expect(synacks.contains { $0.time >= t && $0.time - t < .milliseconds(1) }, "SYN at \(t) answered")
        }
        // More SYN-ACKs than the timer alone would send (1 + tcp_synack_retries = 6).
        #expect(synacks.count > 6)
        let timeout = lab.events.first {
            if case .ended(_, let o, _, .connectTimeout) = $0.1 { return o.kind == 1 } else { return false }
        }
        #expect(timeout?.0 == SimTime.zero + .seconds(127))
    }

    /// A 24 MB upload: the receiver's window grows from the SYN's 62727 bytes (toward at most
    /// Linux's 3 MiB, tcp_rmem[2] / 2) as it reads, so the transfer ends far sooner than with the
    /// window fixed.
    @Test func receiveWindowAutotuningFollowsTheSender() {
        func upload(_ server: TCPProfile) -> (done: SimTime, windows: [Int]) {
            var lab = TCPLab(serverProfile: server)
            var s = Scheduler()
            let c = connect(&lab, &s)
            s.run(until: SimTime.zero + .milliseconds(5), handler: &lab)
            lab.tcp.write(c, .opaque(seed: 1), length: 24_000_000, now: s.now, &lab.network, &s)
            s.run(until: s.now + .seconds(5), handler: &lab)
            let done = lab.events.first {
                if case .received(_, let o, let up) = $0.1 {
                    return o.kind == 2 && up == 24_000_000
                } else {
                    return false
                }
            }
            let windows = lab.sent(from: 1).filter { !$0.tcpFlags.contains(.syn) }.map { Int($0.window) << 7 }
            return (done?.0 ?? .max, windows)
        }
        var fixed = TCPProfile.linuxInstance
        fixed.maxReceiveWindow = nil
        let tuned = upload(.linuxInstance), plain = upload(fixed)
        #expect(tuned.done < .max && plain.done < .max)
        #expect(plain.windows.allSatisfy { $0 == 490 << 7 }, "without autotuning the window stays at 62727 >> 7")
        #expect(tuned.windows.first == 490 << 7)
        // It grows past the path's bandwidth-delay product (10 Gb/s × ~0.2 ms ≈ 250 kB), not to the cap.
        #expect(tuned.windows.max()! > 4 * 62727 && tuned.windows.max()! <= TCPProfile.linuxMaxReceiveWindow)
        // Windows only grow.
        #expect(zip(tuned.windows, tuned.windows.dropFirst()).allSatisfy { $0 <= $1 })
        let start = SimTime.zero + .milliseconds(5)
        #expect(
            2 * (plain.done - start).nanoseconds > 3 * (tuned.done - start).nanoseconds,
            "tuned \(tuned.done - start), fixed \(plain.done - start)")
    }

    @Test func closedPortAnswersWithReset() {
        var lab = TCPLab(webIngress: [
            SecurityGroupRule(protocolNumber: -1, ports: .all, peer: .cidr(CIDR("10.0.0.0/16")!))
        ])
        var s = Scheduler()
        let c = connect(&lab, &s, port: 8443)
        s.run(until: SimTime.zero + .seconds(1), handler: &lab)
        let rst = lab.sent(from: 1).first
        #expect(rst?.tcpFlags == [.rst, .ack])
        #expect(rst?.ipID == 0)
        #expect(lab.tcp.socket(c).state == .closed)
        #expect(lab.events.contains { if case .ended(_, _, _, .reset) = $0.1 { return true } else { return false } })
    }

    /// A host that answers nothing (a Hyperplane ENI's Lambda profile) drops the SYN, and the drop
    /// is counted and traced like any drop in the network.
    @Test func silentHostDropsASegmentForAClosedPort() {
        let fromVPC = SecurityGroupRule(protocolNumber: -1, ports: .all, peer: .cidr(CIDR("10.0.0.0/16")!))
        var lab = TCPLab(webIngress: [fromVPC], serverProfile: .linuxLambda)
        lab.network.trace = []
        var s = Scheduler()
        _ = connect(&lab, &s, port: 8443)
        s.run(until: SimTime.zero + .milliseconds(500), handler: &lab)
        #expect(lab.sent(from: 1).isEmpty)
        #expect(lab.network.stats.drops[.noSocket(lab.hostB)] == 1)
        guard case .dropped(.noSocket(let h))? = lab.network.trace?.last else {
            Issue.record("the trace ends with \(String(describing: lab.network.trace?.last))")
            return
        }
        #expect(h == lab.hostB)
    }

    @Test func delayedAckAfterQuickAcksAreSpent() {
        var lab = TCPLab()
        var s = Scheduler()
        let c = connect(&lab, &s)
        s.run(until: SimTime.zero + .milliseconds(5), handler: &lab)
        // 20 small writes, one every 100 µs: the first 16 segments are acknowledged at once
        // (coalesced within 12 µs), later ones wait for the 40 ms delayed-ACK timer.
        for _ in 0..<20 {
            lab.tcp.write(c, .opaque(seed: 1), length: 100, now: s.now, &lab.network, &s)
            s.run(until: s.now + .microseconds(100), handler: &lab)
        }
        s.run(until: s.now + .milliseconds(100), handler: &lab)
        let acks = lab.taps.filter {
            $0.eni.int == 1 && $0.direction == .egress && $0.packet.payloadLength == 0
                && !$0.packet.tcpFlags.contains(.syn)
        }
        #expect(acks.count >= 16)
        let data = lab.taps.filter { $0.eni.int == 0 && $0.direction == .egress && $0.packet.payloadLength > 0 }
        let finalAck = acks.last!
        let previousAck = acks[acks.count - 2]
        // The timer runs from the first segment left unacknowledged, not from the last one.
        let firstWaiting = data.first { $0.packet.seq == previousAck.packet.ack }!
        #expect(finalAck.time - firstWaiting.time >= .milliseconds(40))
        #expect(finalAck.time - firstWaiting.time < .milliseconds(41))
        #expect(finalAck.packet.ack == data.last!.packet.seq &+ 100)
    }
}
