// Network+NATGateway: source translation of inside flows, and translation back of their replies.

import SimCore
import Wire

extension Network {
    /// A packet reached the NAT gateway's ENI and was accepted by its subnet's ACL.
    mutating func natForward(_ n: NATGatewayIndex, _ packet: Packet, _ now: SimTime, _ scheduler: inout Scheduler) {
        var p = packet
        let addresses = natAddresses[n.int]
        let len = UInt64(p.ipTotalLength)
        // IPv6 is NAT64 (Network+NAT64.swift).
        if !p.isIPv4 { nat64Forward(n, p, now, &scheduler); return }
        guard
            p.isIPv4
                && (p.protocolNumber == IPProtocol.tcp || p.protocolNumber == IPProtocol.udp
                    || p.protocolNumber == IPProtocol.icmp)
        else {
            nat[n.int].metrics.packetsDropCount += 1
            drop(.natUnsupportedProtocol(n)); return
        }
        if let k = addresses.firstIndex(of: p.destination) {
            // A reply from outside: translate back to the inside client.
            // ICMP echo replies carry the translated identifier where TCP/UDP carry the port.
            let rk =
                p.protocolNumber == IPProtocol.icmp
                ? FlowKey(
                    source: p.source, destination: addresses[k], sourcePort: 0, destinationPort: p.sourcePort,
                    protocolNumber: IPProtocol.icmp)
                : FlowKey(
                    source: p.source, destination: addresses[k], sourcePort: p.sourcePort,
                    destinationPort: p.destinationPort, protocolNumber: p.protocolNumber)
            guard let inside = nat[n.int].reverse[rk], var t = nat[n.int].translations[inside],
                !NATState.isExpired(t, now: now, closedLinger: trackingTimeouts.tcpClosed)
            else {
                nat[n.int].metrics.packetsDropCount += 1
                drop(.natNoTranslation(n)); return
            }
            t.lastActivity = now
            if p.protocolNumber == IPProtocol.tcp {
                if p.tcpFlags.contains(.rst) { t.closing = 3 } else if p.tcpFlags.contains(.fin) { t.closing |= 2 }
                if p.tcpFlags.contains(.syn) && p.tcpFlags.contains(.ack) && !t.established {
                    t.established = true
                    nat[n.int].metrics.connectionEstablishedCount += 1
                }
            }
            nat[n.int].translations.insert(inside, t)
            nat[n.int].metrics.bytesInFromDestination += len
            nat[n.int].metrics.packetsInFromDestination += 1
            nat[n.int].metrics.bytesOutToSource += len
            nat[n.int].metrics.packetsOutToSource += 1
            trace?.append(
                .natGateway(
                    n, from: p.destination,
                    fromPort: p.protocolNumber == IPProtocol.icmp ? p.sourcePort : p.destinationPort,
                    to: inside.source, toPort: inside.sourcePort))
            p.destination = inside.source
            if p.protocolNumber == IPProtocol.icmp {
                p.sourcePort = inside.sourcePort
            } else {
                p.destinationPort = inside.sourcePort
            }
            if !inside.source.isIPv4 { p = Self.nat64Reply(p) }
            scheduleNATEgress(n, toInside: true, p, now, &scheduler)
            return
        }
        // From inside: find or make a translation.
        // ICMP queries are keyed by identifier (carried as the source port), not by type/code.
        let inside =
            p.protocolNumber == IPProtocol.icmp
            ? FlowKey(
                source: p.source, destination: p.destination, sourcePort: p.sourcePort, destinationPort: 0,
                protocolNumber: IPProtocol.icmp)
            : p.flow
        guard let t = translation(n, inside, for: p, bytes: len, now, &scheduler) else { return }
        nat[n.int].metrics.bytesOutToDestination += len
        nat[n.int].metrics.packetsOutToDestination += 1
        trace?.append(
            .natGateway(n, from: p.source, fromPort: p.sourcePort, to: addresses[Int(t.address)], toPort: t.port))
        p.source = addresses[Int(t.address)]
        p.sourcePort = t.port
        scheduleNATEgress(n, toInside: false, p, now, &scheduler)
    }

    /// The translation of outbound packet `p` (already keyed as `inside`) through gateway `n`,
    /// found or made, its state advanced by `p` and its bytes counted; nil when `p` is dropped (a TCP
    /// segment other than a SYN with no live translation is answered with a RST, as AWS documents;
    /// no port left). Shared by the IPv4 path and NAT64.
    mutating func translation(
        _ n: NATGatewayIndex, _ inside: FlowKey, for p: Packet, bytes len: UInt64, _ now: SimTime,
        _ scheduler: inout Scheduler
    ) -> NATTranslation? {
        let addresses = natAddresses[n.int]
        let isSYN = p.protocolNumber == IPProtocol.tcp && p.tcpFlags.contains(.syn) && !p.tcpFlags.contains(.ack)
        var t: NATTranslation
        if let existing = nat[n.int].translations[inside],
            !NATState.isExpired(existing, now: now, closedLinger: trackingTimeouts.tcpClosed)
                || isSYN && existing.closing == 3
        {
            t = existing
            if isSYN && existing.closing == 3 { t.closing = 0; t.established = false }
        } else {
            if let stale = nat[n.int].translations[inside] {
                if stale.closing != 3 { nat[n.int].metrics.idleTimeoutCount += 1 }
                nat[n.int].release(inside, addresses: addresses)
            }
            if p.protocolNumber == IPProtocol.tcp && !isSYN {
                // An idle-timed-out (or unknown) connection: the gateway answers the inside host
                // with a RST, not a FIN
                // (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html).
                nat[n.int].metrics.packetsDropCount += 1
                drop(.natNoTranslation(n))
                if !p.tcpFlags.contains(.rst) {
                    scheduleNATEgress(n, toInside: true, .reset(answering: p), now, &scheduler)
                }
                return nil
            }
            nat[n.int].metrics.connectionAttemptCount += 1
            guard let fresh = nat[n.int].allocate(inside, addresses: addresses, now: now) else {
                nat[n.int].metrics.errorPortAllocation += 1
                nat[n.int].metrics.packetsDropCount += 1
                drop(.natPortAllocation(n)); return nil
            }
            t = fresh
        }
        t.lastActivity = now
        if p.protocolNumber == IPProtocol.tcp {
            if p.tcpFlags.contains(.rst) { t.closing = 3 } else if p.tcpFlags.contains(.fin) { t.closing |= 1 }
        }
        nat[n.int].translations.insert(inside, t)
        nat[n.int].metrics.bytesInFromSource += len
        nat[n.int].metrics.packetsInFromSource += 1
        return t
    }

    /// The gateway's processing delay, then out of its ENI (in order per direction).
    mutating func scheduleNATEgress(
        _ n: NATGatewayIndex, toInside: Bool, _ p: Packet, _ now: SimTime, _ scheduler: inout Scheduler
    ) {
        let at = Self.fifo(&natHopFree, n.int * 2 + (toInside ? 0 : 1), now + delays.draw(.natGateway))
        schedule(p, hop: .eniEgress(natGateways[n.int].eni), at: at, &scheduler)
    }
}
