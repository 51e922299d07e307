import Testing
import TestSupport
import SimCore
import Wire
@testable import NetModel

/// A two-subnet VPC with two hosts, driven through the real event loop.
struct Lab: EventHandler {
    var network: Network
    var delivered: [(HostIndex, Packet)] = []
    var hostA: HostIndex
    var hostB: HostIndex
    var a: ENIIndex { ENIIndex(0) }
    var b: ENIIndex { ENIIndex(1) }

    init(clientEgress: [SecurityGroupRule]? = nil, acl: NetworkACL? = nil) {
        (network, hostA, hostB) = TestNetworks.twoSubnets(clientEgress: clientEgress, subnetBACL: acl)
    }

    mutating func handle(_ event: Event, _ scheduler: inout Scheduler) {
        if case .delivered(let h, let p) = network.arrive(event.payload.object, now: scheduler.now, &scheduler) {
            delivered.append((h, p))
        }
    }

    static func tcp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, _ flags: TCPFlags) -> Packet {
        var p = Packet(
            source: IPAddress(src)!, destination: IPAddress(dst)!, sourcePort: sport, destinationPort: dport,
            protocolNumber: IPProtocol.tcp)
        p.tcpFlags = flags
        return p
    }

    mutating func send(_ p: Packet, from h: HostIndex, at t: SimTime = .zero, _ s: inout Scheduler) {
        network.transmit(p, from: h, now: t, &s)
        s.run(until: t + .seconds(1), handler: &self)
    }
}

@Suite struct ForwardingTests {
    @Test func securityGroupReferenceAdmitsTheClientAndStatefulReplyReturns() {
        var lab = Lab()
        var s = Scheduler()
        lab.send(Lab.tcp("10.0.1.10", 40000, "10.0.2.20", 443, .syn), from: lab.hostA, &s)
        #expect(lab.delivered.count == 1)
        #expect(lab.delivered.first?.0 == lab.hostB)
        // The web group has no egress restriction issue here; the reply is a tracked flow on A's side:
        // A's group has no ingress rules at all, yet the SYN-ACK gets in.
        lab.send(Lab.tcp("10.0.2.20", 443, "10.0.1.10", 40000, [.syn, .ack]), from: lab.hostB, at: s.now, &s)
        #expect(lab.delivered.count == 2)
        #expect(lab.delivered.last?.0 == lab.hostA)
        #expect(lab.network.stats.drops.isEmpty)
        // Tap log: egress at A (accepted), ingress at B, egress at B, ingress at A; each hop once.
        #expect(lab.network.log.taps.map(\.direction) == [.egress, .ingress, .egress, .ingress])
        #expect(lab.network.log.taps.allSatisfy { $0.accepted })
    }

    @Test func unsolicitedInboundIsRejectedAtTheENIAndStillObserved() {
        var lab = Lab()
        var s = Scheduler()
        // B → A on 22: A's group admits nothing and no flow is tracked.
        lab.send(Lab.tcp("10.0.2.20", 50000, "10.0.1.10", 22, .syn), from: lab.hostB, &s)
        #expect(lab.delivered.isEmpty)
        #expect(lab.network.stats.drops[.securityGroup(lab.a, direction: .ingress)] == 1)
        let arriving = lab.network.log.taps.last!
        #expect(arriving.eni == lab.a && arriving.direction == .ingress && !arriving.accepted)
    }

    @Test func egressRuleDecidesNewOutboundFlows() {
        let only443 = [
            SecurityGroupRule(protocolNumber: 6, ports: PortRange(443, 443), peer: .cidr(CIDR("10.0.0.0/16")!))
        ]
        var lab = Lab(clientEgress: only443)
        var s = Scheduler()
        lab.send(Lab.tcp("10.0.1.10", 40001, "10.0.2.20", 80, .syn), from: lab.hostA, &s)
        #expect(lab.network.stats.drops[.securityGroup(lab.a, direction: .egress)] == 1)
        #expect(lab.network.log.taps.count == 1 && !lab.network.log.taps[0].accepted)
    }

    /// A stateless ACL that forgets the ephemeral range: the SYN arrives, the SYN-ACK leaving
    /// subnet B is denied by the implicit rule (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html,
    /// ephemeral ports).
    @Test func networkACLIsStatelessAndDeniesTheReturnPath() {
        let acl = NetworkACL(
            id: "acl-0000000b", vpc: VPCIndex(0), isDefault: false,
            inbound: [
                NetworkACLEntry(
                    ruleNumber: 100, protocolNumber: 6, ports: PortRange(443, 443), cidr: CIDR("10.0.0.0/16")!,
                    allow: true)
            ],
            outbound: [
                NetworkACLEntry(
                    ruleNumber: 100, protocolNumber: 6, ports: PortRange(443, 443), cidr: CIDR("0.0.0.0/0")!,
                    allow: true)
            ])
        var lab = Lab(acl: acl)
        var s = Scheduler()
        lab.send(Lab.tcp("10.0.1.10", 40000, "10.0.2.20", 443, .syn), from: lab.hostA, &s)
        #expect(lab.delivered.count == 1)
        lab.send(Lab.tcp("10.0.2.20", 443, "10.0.1.10", 40000, [.syn, .ack]), from: lab.hostB, at: s.now, &s)
        #expect(lab.delivered.count == 1)
        #expect(lab.network.stats.drops[.networkACL(NetworkACLIndex(1), direction: .egress, rule: 32767)] == 1)
        // The SYN-ACK was sent by B's ENI (so observed), but REJECTed.
        let last = lab.network.log.taps.last!
        #expect(last.eni == lab.b && last.direction == .egress && !last.accepted)
    }

    @Test func aclEntriesAreEvaluatedInOrderFirstMatchWins() {
        let acl = NetworkACL(
            id: "acl-00000002", vpc: VPCIndex(0), isDefault: false,
            inbound: [
                NetworkACLEntry(
                    ruleNumber: 200, protocolNumber: -1, ports: .all, cidr: CIDR("0.0.0.0/0")!, allow: true),
                NetworkACLEntry(
                    ruleNumber: 90, protocolNumber: 6, ports: PortRange(22, 22), cidr: CIDR("10.0.1.0/24")!,
                    allow: false),
            ],
            outbound: [])
        let ssh = Lab.tcp("10.0.1.10", 1, "10.0.2.20", 22, .syn)
        #expect(
            acl.evaluate(ssh, direction: .ingress, index: NetworkACLIndex(3))
                == NetworkACLDecision(acl: NetworkACLIndex(3), ruleNumber: 90, allowed: false))
        #expect(
            acl.evaluate(Lab.tcp("10.0.9.10", 1, "10.0.2.20", 22, .syn), direction: .ingress, index: NetworkACLIndex(3))
                .ruleNumber == 200)
        #expect(
            acl.evaluate(ssh, direction: .egress, index: NetworkACLIndex(3))
                == NetworkACLDecision(acl: NetworkACLIndex(3), ruleNumber: 32767, allowed: false))
    }

    @Test func hopLatencyAndSerialisationKeepOrder() {
        var lab = Lab()
        var s = Scheduler()
        for k in 0..<5 {
            var p = Lab.tcp("10.0.1.10", 40000, "10.0.2.20", 443, k == 0 ? .syn : .ack)
            p.payloadLength = 1448
            lab.network.transmit(p, from: lab.hostA, now: .zero, &s)
        }
        s.run(until: SimTime(nanoseconds: 1_000_000_000), handler: &lab)
        let arrivals = lab.network.log.taps.filter { $0.direction == .ingress }.map(\.time.nanoseconds)
        #expect(arrivals.count == 5)
        #expect(arrivals == arrivals.sorted())
        #expect(arrivals[0] == 40_000) // intra-AZ hop: 40 µs
        #expect(arrivals[1] - arrivals[0] > 1_000) // 1.5 kB at 10 Gb/s ≈ 1.2 µs apart
    }
}
