import SimCore
import Wire
@testable import NetModel
@testable import Transport

/// What the path-MTU labs (PathMTULab over IPv4, PacketTooBigLab over IPv6) share: a network
/// and a TCP stack driven by the scheduler, ICMP "fragmentation needed" and ICMPv6 Packet Too Big
/// handed to the stack's path MTU handling (and kept), every other packet to TCP.
protocol PathMTUTestLab: EventHandler {
    var network: Network { get set }
    var tcp: TCPStack { get set }
    var events: [(SimTime, TCPNotification)] { get set }
    var icmpErrors: [Packet] { get set }
}

extension PathMTUTestLab {
    mutating func handle(_ event: Event, _ s: inout Scheduler) {
        // The protocol's properties are accessors: work on the values, then put them back.
        var net = network, stack = tcp
        switch NetworkEvent(event.payload) {
        case .packetArrival?:
            if case .delivered(let h, let p) = net.arrive(event.payload.object, now: s.now, &s) {
                if p.protocolNumber == IPProtocol.icmp || Network.isPacketTooBig(p), case .icmpQuote(let q) = p.payload
                {
                    icmpErrors.append(p)
                    stack.pathMTUReduced(p, quote: q, host: h, now: s.now, &net, &s)
                } else {
                    stack.receive(p, host: h, now: s.now, &net, &s)
                }
            }
        default:
            stack.timer(event, now: s.now, &net, &s)
        }
        for n in stack.notifications { events.append((s.now, n)) }
        stack.notifications.removeAll()
        network = net
        tcp = stack
    }

    /// Opens a connection from `host` (at `local`; its application `object`) to `remote`:443,
    /// runs 100 ms, writes `bytes` of data and runs until `until`; returns the socket.
    mutating func connectAndSend(
        host: HostIndex, local: IPAddress, remote: IPAddress, object: UInt32 = 0, seed: UInt64, bytes: UInt32,
        until: SimDuration, _ s: inout Scheduler
    ) -> UInt32 {
        var net = network, stack = tcp
        let c = stack.connect(
            host: host, local: local, remote: remote, remotePort: 443, owner: AppRef(kind: 1, object: object),
            now: s.now, &net, &s)
        network = net
        tcp = stack
        s.run(until: SimTime.zero + .milliseconds(100), handler: &self)
        net = network
        stack = tcp
        stack.write(c, .opaque(seed: seed), length: bytes, now: s.now, &net, &s)
        network = net
        tcp = stack
        s.run(until: SimTime.zero + until, handler: &self)
        return c
    }

    /// The bytes the application of `kind` has received so far.
    func received(by kind: UInt8) -> UInt64? {
        events.compactMap { e -> UInt64? in
            if case .received(_, let o, let up) = e.1, o.kind == kind { return up } else { return nil }
        }.last
    }
}
