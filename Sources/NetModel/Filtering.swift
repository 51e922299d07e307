import Wire
import SimCore

/// The result of evaluating a network ACL: the deciding entry's number and whether it allowed.
public struct NetworkACLDecision: Sendable, Hashable {
    public var acl: NetworkACLIndex
    public var ruleNumber: Int32
    public var allowed: Bool
}

/// The result of evaluating security groups for a packet that is not a tracked reply.
public struct SecurityGroupDecision: Sendable, Hashable {
    /// The group and rule position that allowed it, or nil if none did.
    public var allowedBy: (group: SecurityGroupIndex, rule: Int)?
    public var allowed: Bool { allowedBy != nil }
    public static func == (l: Self, r: Self) -> Bool {
        l.allowedBy?.group == r.allowedBy?.group && l.allowedBy?.rule == r.allowedBy?.rule
    }
    public func hash(into h: inout Hasher) { h.combine(allowedBy?.group); h.combine(allowedBy?.rule) }
}

func protocolMatches(_ selector: ProtocolSelector, _ p: UInt8) -> Bool {
    selector == -1 || selector == ProtocolSelector(p)
}

/// Whether a rule's port range covers the packet: destination port for TCP/UDP; for ICMP and
/// ICMPv6 the range holds type (`from`) and code (`to`, 65535 = any code; `from` 65535 = any type).
func portsMatch(_ selector: ProtocolSelector, _ ports: PortRange, _ packet: Packet) -> Bool {
    switch packet.protocolNumber {
    case IPProtocol.tcp, IPProtocol.udp:
        return selector == -1 || ports.contains(packet.destinationPort)
    case IPProtocol.icmp, IPProtocol.icmpv6:
        if selector == -1 { return true }
        let type = UInt16(packet.destinationPort >> 8), code = UInt16(packet.destinationPort & 0xFF)
        return (ports.from == 65535 || ports.from == type) && (ports.to == 65535 || ports.to == code)
    default:
        return true
    }
}

extension NetworkACL {
    /// Stateless, ordered evaluation: the lowest-numbered matching entry decides; the implicit
    /// `*` entry (32767 for IPv4, 32768 for IPv6) denies everything else
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html). An entry's CIDR matches
    /// only addresses of its own family.
    public func evaluate(_ packet: Packet, direction: TrafficDirection, index: NetworkACLIndex) -> NetworkACLDecision {
        let entries = direction == .ingress ? inbound : outbound
        let peer = direction == .ingress ? packet.source : packet.destination
        for e in entries
        where protocolMatches(e.protocolNumber, packet.protocolNumber)
            && portsMatch(e.protocolNumber, e.ports, packet) && e.cidr.contains(peer)
        {
            return NetworkACLDecision(acl: index, ruleNumber: e.ruleNumber, allowed: e.allow)
        }
        return NetworkACLDecision(
            acl: index, ruleNumber: NetworkACLEntry.defaultDenyRuleNumber(packet.family), allowed: false)
    }
}

/// Connection-tracking state of a security-group flow
/// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html).
///
/// The time first: 10 bytes (stride 16) rather than 17 (24), so a tracking-table slot with its
/// 40-byte key is 56 bytes, not 64.
public struct TrackedFlow: Sendable {
    public var lastSeen: SimTime
    /// The direction (relative to the ENI) of the packet that opened the flow.
    public var openedBy: TrafficDirection
    /// FIN seen from the ENI side (bit 0) / the peer side (bit 1); RST sets both.
    public var closing: UInt8
    public init(openedBy: TrafficDirection, lastSeen: SimTime, closing: UInt8) {
        self.lastSeen = lastSeen; self.openedBy = openedBy; self.closing = closing
    }
}

/// Timeouts of tracked connections: the `ConnectionTrackingSpecification` defaults
/// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html).
public struct ConnectionTrackingTimeouts: Sendable {
    public var tcpEstablished = SimDuration.seconds(432_000)
    public var udpStream = SimDuration.seconds(180)
    public var udp = SimDuration.seconds(30)
    /// ICMP and other protocols: "a matching reply type within 600 s" is a response.
    public var other = SimDuration.seconds(600)
    /// After both FINs or an RST. Assumed: AWS documents nothing; Linux conntrack keeps TIME_WAIT 120 s
    /// (net/netfilter/nf_conntrack_proto_tcp.c, tcp_timeouts); we keep closed flows 10 s so late packets
    /// are still judged as replies.
    public var tcpClosed = SimDuration.seconds(10)
    public init() {}
}

extension FlowKey {
    /// The flow's key with the lower (address, port) endpoint first, so both directions map to one entry.
    @inlinable public var canonical: FlowKey {
        if source != destination { return source < destination ? self : reversed }
        return sourcePort <= destinationPort ? self : reversed
    }
}
