import SimCore
import Wire

/// The model's bookkeeping, checked from outside (debug builds check it between slices of a
/// run): every packet sent is delivered, dropped or still in flight; each NAT gateway's tables
/// agree with each other and with its count of active translations, so released mappings leave
/// nothing behind; connection tracking holds no flow longer than its timeout plus one sweep.
extension Network {
    /// What is wrong, one line per problem; empty when all holds. `sweep` is the interval of
    /// the expiry sweep when it runs (nil once it has stopped, at the end of the workload).
    public func invariantViolations(now: SimTime, sweep: SimDuration?) -> [String] {
        var out: [String] = []
        // A `no-socket` drop happens in a host's stack, after the network delivered the packet
        // (e.g. a stateless scanner's host receiving the RST its SYN provoked): counted once, as delivered.
        let afterDelivery = stats.drops.reduce(UInt64(0)) { t, d in
            if case .noSocket = d.key { return t + d.value } else { return t }
        }
        let accounted = stats.packetsDelivered &+ (stats.droppedPackets &- afterDelivery) &+ UInt64(inFlight)
        if stats.packetsSent != accounted {
            // The drops by reason, to tell which path lost count.
            let codes = Dictionary(grouping: stats.drops, by: { $0.key.code })
                .map { "\($0.key) \($0.value.reduce(UInt64(0)) { $0 + $1.value })" }.sorted()
            let byCode = codes.isEmpty ? "" : " (" + codes.joined(separator: ", ") + ")"
            out.append(
                "packets: \(stats.packetsSent) sent ≠ \(stats.packetsDelivered) delivered + "
                    + "\(stats.droppedPackets) dropped\(byCode) + \(inFlight) in flight")
        }
        for (i, n) in nat.enumerated() {
            let perDestination = n.perDestination.entries.reduce(UInt64(0)) { $0 + UInt64($1.value) }
            if UInt64(n.translations.count) != n.active || UInt64(n.reverse.count) != n.active
                || perDestination != n.active
            {
                out.append(
                    "NAT gateway \(natGateways[i].id): \(n.active) active, \(n.translations.count) translations, "
                        + "\(n.reverse.count) reply keys, \(perDestination) counted per destination")
            }
        }
        if let sweep {
            let t = trackingTimeouts
            for (e, table) in tracking.enumerated() {
                for (key, f) in table.entries {
                    let limit: SimDuration
                    switch key.protocolNumber {
                    case IPProtocol.tcp: limit = f.closing == 3 ? t.tcpClosed : t.tcpEstablished
                    case IPProtocol.udp: limit = f.closing == 4 ? t.udpStream : t.udp
                    default: limit = t.other
                    }
                    if now - f.lastSeen > limit + sweep {
                        out.append("connection tracking of \(enis[e].id) holds a flow idle for \(now - f.lastSeen)")
                        break
                    }
                }
            }
        }
        return out
    }
}
