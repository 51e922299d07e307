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

    /// The bytes the application of `kind` has received so far.
    func received(by kind: UInt8) -> UInt64? {
        events.compactMap { e -> UInt64? in
            if case .received(_, let o, let up) = e.1, o.kind == kind { return up } else { return nil }
        }.last
    }
}
