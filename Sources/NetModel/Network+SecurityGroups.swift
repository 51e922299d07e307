// Network+SecurityGroups: stateful filtering at each ENI, with connection tracking.

import SimCore
import Wire

extension Network {
    /// Connection tracking first (a reply to a tracked flow is allowed whatever the rules say),
    /// then the union of every group's rules in that direction
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html).
    mutating func securityGroupsAllow(_ e: ENIIndex, _ p: Packet, _ dir: TrafficDirection, _ now: SimTime) -> Bool {
        if enis[e.int].securityGroups.isEmpty { // NAT gateway ENIs take no security groups
            trace?.append(.securityGroup(e, dir, .notApplicable))
            return true
        }
        let key = Self.trackingKey(p)
        let isSYN = p.protocolNumber == IPProtocol.tcp && p.tcpFlags.contains(.syn) && !p.tcpFlags.contains(.ack)
        var known = false
        let timeouts = trackingTimeouts
        tracking[e.int].update(key) { t in
            let idle = now - t.lastSeen
            let limit: SimDuration
            switch p.protocolNumber {
            case IPProtocol.tcp: limit = t.closing == 3 ? timeouts.tcpClosed : timeouts.tcpEstablished
            case IPProtocol.udp: limit = t.closing == 4 ? timeouts.udpStream : timeouts.udp
            default: limit = timeouts.other
            }
            if idle > limit || (isSYN && t.closing == 3) { return }
            known = true
            t.lastSeen = now
            if p.protocolNumber == IPProtocol.tcp {
                let side: UInt8 = dir == .egress ? 1 : 2
                if p.tcpFlags.contains(.rst) { t.closing = 3 } else if p.tcpFlags.contains(.fin) { t.closing |= side }
            } else if p.protocolNumber == IPProtocol.udp && dir != t.openedBy {
                t.closing = 4 // seen both ways: a UDP stream
            }
        }
        if known {
            trace?.append(.securityGroup(e, dir, .trackedFlow))
            return true
        }
        guard let rule = evaluateSecurityGroups(e, p, dir) else {
            trace?.append(.securityGroup(e, dir, .denied))
            return false
        }
        trace?.append(.securityGroup(e, dir, .allowedByRule(rule.group, rule: rule.rule)))
        tracking[e.int].insert(key, TrackedFlow(openedBy: dir, lastSeen: now, closing: 0))
        return true
    }

    /// The connection-tracking key of a packet: both directions of a flow map to one key. ICMP
    /// and ICMPv6 queries are tracked by identifier, so an echo reply matches its request.
    static func trackingKey(_ p: Packet) -> FlowKey {
        if p.isICMP {
            let (a, b) = p.source <= p.destination ? (p.source, p.destination) : (p.destination, p.source)
            return FlowKey(
                source: a, destination: b, sourcePort: p.sourcePort, destinationPort: 0,
                protocolNumber: p.protocolNumber
            )
        }
        return p.flow.canonical
    }

    /// The first (group, rule) that allows `p` in `dir`, or nil. Pure: used by the simulator and
    /// by the path explainer alike.
    public func evaluateSecurityGroups(_ e: ENIIndex, _ p: Packet, _ dir: TrafficDirection) -> (
        group: SecurityGroupIndex, rule: Int
    )? {
        let peer = dir == .ingress ? p.source : p.destination
        for g in enis[e.int].securityGroups {
            let rules = dir == .ingress ? securityGroups[g.int].ingress : securityGroups[g.int].egress
            for (i, r) in rules.enumerated()
            where protocolMatches(r.protocolNumber, p.protocolNumber)
                && portsMatch(r.protocolNumber, r.ports, p) && peerMatches(r.peer, peer)
            {
                return (g, i)
            }
        }
        return nil
    }

    /// Whether a rule's peer covers address `a`: a CIDR or prefix-list entry of `a`'s family
    /// (a rule is for IPv4 or for IPv6, as AWS's `CidrIpv4` / `CidrIpv6`), or a member of the
    /// referenced group.
    func peerMatches(_ peer: SecurityGroupPeer, _ a: IPAddress) -> Bool {
        switch peer {
        case .cidr(let c): return c.contains(a)
        case .prefixList(let pl): return prefixLists[pl.int].cidrs.contains { $0.contains(a) }
        case .securityGroup(let g): return binarySearch(groupMembers[g.int], a)
        }
    }
}

func binarySearch(_ a: [IPAddress], _ x: IPAddress) -> Bool {
    var lo = 0, hi = a.count
    while lo < hi {
        let mid = (lo + hi) >> 1
        if a[mid] < x { lo = mid + 1 } else { hi = mid }
    }
    return lo < a.count && a[lo] == x
}
