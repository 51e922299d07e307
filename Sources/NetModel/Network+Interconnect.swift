// Network+Interconnect: IPv6 to and from the internet (internet gateway, egress-only internet
// gateway) and VPC peering. The IPv4 paths of Network+Forwarding call in here only for the route
// targets and owners these add.

import SimCore
import Wire

extension Network {
    /// How long an egress-only internet gateway remembers an outbound flow without traffic.
    /// Assumed: AWS documents the gateway as stateful but gives no timeout; the NAT gateway's
    /// 350 s idle timeout (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html)
    /// is taken for it.
    static let egressOnlyIdleTimeout = SimDuration.seconds(350)

    /// The state of the resources this file adds, sized once every resource is in place
    /// (`finalize` calls it last). Every ENI's IPv6 addresses become public owners: they are
    /// globally unique and reached untranslated.
    mutating func finalizeInterconnect() {
        for (i, e) in enis.enumerated() {
            for a in e.ipv6Addresses { publicOwners[0, a] = .eniIPv6(ENIIndex(i)) }
        }
        egressOnlyFlows = ContiguousArray(
            egressOnlyInternetGateways.map { _ in FlowTable<SimTime>(capacity: 64) })
        transitGatewayHopFree = ContiguousArray(repeating: .zero, count: transitGatewayAttachments.count)
        if transitGatewayObserved.count < transitGateways.count {
            transitGatewayObserved += Array(
                repeating: false, count: transitGateways.count - transitGatewayObserved.count)
        }
        usage.sizeInterconnect(transitGatewayAttachments: transitGatewayAttachments.count)
    }

    /// Forgets egress-only gateways' flows idle past their timeout (with the periodic sweep).
    mutating func expireInterconnectState(now: SimTime) {
        for g in egressOnlyFlows.indices {
            egressOnlyFlows[g].removeAll { _, last in now - last > Self.egressOnlyIdleTimeout }
        }
    }

    // MARK: IPv6 to the internet

    /// The public side's next hop out of ENI `e` toward `p.destination`: the internet (far) or
    /// AWS's regional network, in order behind earlier packets on the same path.
    mutating func schedulePublic(_ p: Packet, from e: ENIIndex, _ now: SimTime, _ scheduler: inout Scheduler) {
        var q = p
        q.realm = 0
        let far = isInternet(q.destination)
        if far { usage.internetEgressBytes &+= UInt64(q.ipTotalLength) }
        let slot = e.int * (zones.count + 2) + zones.count + (far ? 1 : 0)
        schedule(
            q, hop: .publicNetwork, at: Self.fifo(&eniHopFree, slot, now + delays.draw(far ? .internet : .regional)),
            &scheduler)
    }

    /// An IPv6 packet routed to an internet gateway: it leaves as it is, its source one of the
    /// ENI's globally unique addresses (an internet gateway translates only IPv4,
    /// https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html).
    mutating func internetGatewayIPv6(
        _ g: InternetGatewayIndex, _ e: ENIIndex, _ p: Packet, _ now: SimTime, _ scheduler: inout Scheduler
    ) {
        if Self.exceedsInternetPath(p) {
            let back: Hop? = enis[e.int].host != nil ? .eniIngress(e) : nil
            pathMTUExceeded(p, reason: .exceedsPathMTU(g, mtu: Self.internetPathMTU), back: back, now, &scheduler)
            return
        }
        trace?.append(.internetGatewayIPv6(g, outbound: true))
        schedulePublic(p, from: e, now, &scheduler)
    }

    /// An IPv6 packet routed to an egress-only internet gateway: out, and its flow remembered so
    /// that replies may come back in.
    mutating func egressOnlyOut(
        _ g: EgressOnlyInternetGatewayIndex, _ e: ENIIndex, _ p: Packet, _ now: SimTime, _ scheduler: inout Scheduler
    ) {
        guard !p.isIPv4 else { drop(.noRoute(subnets[enis[e.int].subnet.int].routeTable)); return }
        if Self.exceedsInternetPath(p) {
            let back: Hop? = enis[e.int].host != nil ? .eniIngress(e) : nil
            pathMTUExceeded(
                p, reason: .exceedsPathMTUEgressOnly(g, mtu: Self.internetPathMTU), back: back, now, &scheduler)
            return
        }
        trace?.append(.egressOnlyInternetGateway(g, outbound: true))
        egressOnlyFlows[g.int].insert(Self.trackingKey(p), now)
        schedulePublic(p, from: e, now, &scheduler)
    }

    /// A packet on the public side for one of ENI `e`'s IPv6 addresses: in through the VPC's
    /// internet gateway; without one, only as a reply to a flow that went out through its
    /// egress-only internet gateway.
    mutating func ipv6Arrival(_ e: ENIIndex, _ packet: Packet, _ now: SimTime, _ scheduler: inout Scheduler)
        -> ArrivalOutcome
    {
        var p = packet
        let v = enis[e.int].vpc
        if let g = vpcs[v.int].internetGateway {
            if Self.exceedsInternetPath(p) {
                pathMTUExceeded(
                    p, reason: .exceedsPathMTU(g, mtu: Self.internetPathMTU), back: .publicNetwork, now, &scheduler)
                return .handled
            }
            trace?.append(.internetGatewayIPv6(g, outbound: false))
        } else if let g = vpcs[v.int].egressOnlyInternetGateway {
            let key = Self.trackingKey(p)
            guard let last = egressOnlyFlows[g.int][key], now - last <= Self.egressOnlyIdleTimeout else {
                trace?.append(.egressOnlyInternetGateway(g, outbound: false))
                drop(.egressOnlyInbound(g))
                return .handled
            }
            if Self.exceedsInternetPath(p) {
                pathMTUExceeded(
                    p, reason: .exceedsPathMTUEgressOnly(g, mtu: Self.internetPathMTU), back: .publicNetwork, now,
                    &scheduler)
                return .handled
            }
            egressOnlyFlows[g.int].insert(key, now)
            trace?.append(.egressOnlyInternetGateway(g, outbound: false))
        } else {
            drop(.unreachableAddress)
            return .handled
        }
        p.fromSubnet = .max
        return ingress(e, p, now, &scheduler)
    }

    // MARK: Peering

    /// A packet routed to peering connection `c`: delivered to the network interface that owns
    /// its destination in the peer VPC, and only there (no transitive routing). It enters that
    /// interface's subnet from outside, so the subnet's network ACL applies; between AZs it is
    /// counted as cross-AZ data (peering traffic that crosses AZs is charged,
    /// https://aws.amazon.com/blogs/networking-and-content-delivery/demystifying-amazon-vpc-peering-charges).
    mutating func peering(
        _ c: PeeringConnectionIndex, _ e: ENIIndex, _ p: Packet, _ now: SimTime, _ scheduler: inout Scheduler
    ) {
        let from = enis[e.int].vpc
        guard let to = peeringConnections[c.int].peer(of: from) else { drop(.peeringNotTransitive(c)); return }
        trace?.append(.peeringConnection(c, from: from, to: to))
        guard vpcs[to.int].contains(p.destination) else { drop(.peeringNotTransitive(c)); return }
        guard let d = eni(owning: p.destination, in: to) else { drop(.noSuchAddressInVPC(to)); return }
        var q = p
        q.fromSubnet = .max
        schedule(q, hop: .eniIngress(d), at: fabricArrival(e, d, q, now), &scheduler)
    }
}

extension NetworkUsage {
    mutating func sizeInterconnect(transitGatewayAttachments: Int) {
        if transitGatewayBytes.count != transitGatewayAttachments {
            transitGatewayBytes = ContiguousArray(repeating: 0, count: transitGatewayAttachments)
        }
    }
}
