// Network+TransitGateway: a packet routed to a transit gateway enters it through the attachment's
// network interface in the sender's Availability Zone, is routed by the route table its
// attachment is associated with, and leaves through a network interface of the destination
// attachment, into that VPC's routing.

import SimCore
import Wire

extension Network {
    /// The attachment of VPC `v` to transit gateway `t` (the loader refuses a route to a transit
    /// gateway the VPC is not attached to).
    func transitGatewayAttachment(of v: VPCIndex, to t: TransitGatewayIndex) -> TransitGatewayAttachmentIndex? {
        for (i, a) in transitGatewayAttachments.enumerated() where a.vpc == v && a.transitGateway == t {
            return TransitGatewayAttachmentIndex(i)
        }
        return nil
    }

    /// A packet routed from ENI `e` to transit gateway `t`: to the attachment's network interface
    /// in `e`'s Availability Zone. Resources in an AZ where the attachment has no subnet cannot
    /// reach the transit gateway (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html).
    mutating func toTransitGateway(
        _ t: TransitGatewayIndex, _ e: ENIIndex, _ p: Packet, _ now: SimTime, _ scheduler: inout Scheduler
    ) {
        let v = enis[e.int].vpc
        guard let a = transitGatewayAttachment(of: v, to: t) else {
            drop(.noRoute(subnets[enis[e.int].subnet.int].routeTable)); return
        }
        let zone = subnets[enis[e.int].subnet.int].zone
        guard let k = transitGatewayAttachments[a.int].subnets.firstIndex(where: { subnets[$0.int].zone == zone })
        else {
            drop(.transitGatewayNoAttachmentInZone(a)); return
        }
        let d = transitGatewayAttachments[a.int].enis[k]
        schedule(p, hop: .eniIngress(d), at: fabricArrival(e, d, p, now), &scheduler)
    }

    /// A packet reached attachment `a`'s network interface `eni` (its subnet's network ACL let it
    /// in): the transit gateway routes it with the route table `a` is associated with — longest
    /// prefix, a static route before a propagated one — and sends it out through a network
    /// interface of the destination attachment: the one in the Availability Zone it came from
    /// when the attachment has one (traffic stays in its AZ), or, with appliance mode, the one a
    /// hash of the flow picks, the same for both directions
    /// (https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-appliance-scenario.html).
    /// Without an interface in that AZ, the hash picks one too (assumed: AWS documents only that
    /// the gateway sends it to another AZ).
    mutating func transitGatewayForward(
        _ a: TransitGatewayAttachmentIndex, _ eni: ENIIndex, _ p: Packet, _ now: SimTime,
        _ scheduler: inout Scheduler
    ) {
        let t = transitGatewayAttachments[a.int].transitGateway
        let observed = transitGatewayObserved[t.int]
        usage.transitGatewayBytes[a.int] &+= UInt64(p.ipTotalLength)
        trace?.append(.transitGatewayIngress(a, eni: eni))
        func lost(_ loss: TransitGatewayTapRecord.Loss) {
            if observed {
                log.transitGatewayTaps.append(
                    TransitGatewayTapRecord(
                        time: now, attachment: a, direction: .ingress, sourceENI: eni, destinationENI: nil, pair: nil,
                        loss: loss, packet: p))
            }
        }
        guard let rt = transitGatewayAttachments[a.int].routeTable else {
            lost(.noRoute)
            drop(.transitGatewayNoAssociation(a)); return
        }
        guard let r = transitGatewayRouteTables[rt.int].lookup(p.destination) else {
            lost(.noRoute)
            drop(.transitGatewayNoRoute(rt)); return
        }
        guard case .attachment(let b) = transitGatewayRouteTables[rt.int].routes[r].target else {
            lost(.blackhole)
            drop(.transitGatewayBlackhole(rt, route: r)); return
        }
        let destination = transitGatewayAttachments[b.int]
        let zone = subnets[enis[eni.int].subnet.int].zone
        let hash = Self.trackingKey(p).mixedHash
        var k = Int(hash % UInt64(destination.enis.count))
        if !destination.applianceMode,
            let same = destination.subnets.firstIndex(where: { subnets[$0.int].zone == zone })
        {
            k = same
        }
        let out = destination.enis[k]
        trace?.append(
            .transitGatewayRoute(rt, route: r, to: b, eni: out, appliance: destination.applianceMode))
        if observed {
            log.transitGatewayTaps.append(
                TransitGatewayTapRecord(
                    time: now, attachment: a, direction: .ingress, sourceENI: eni, destinationENI: out, pair: b,
                    loss: .none, packet: p))
            log.transitGatewayTaps.append(
                TransitGatewayTapRecord(
                    time: now, attachment: b, direction: .egress, sourceENI: eni, destinationENI: out, pair: a,
                    loss: .none, packet: p))
        }
        // The gateway's own processing, plus the distance between the two interfaces' zones.
        // Transit gateway pricing lists data processing only, so no cross-AZ bytes are counted
        // for the hop inside it (assumed: https://aws.amazon.com/transit-gateway/pricing/ names
        // no inter-AZ charge for it).
        let outZone = subnets[enis[out.int].subnet.int].zone
        var delay = delays.draw(.transitGateway)
        if outZone != zone { delay = delay + delays.draw(from: zone, to: outZone) }
        var q = p
        q.fromSubnet = .max
        let at = Self.fifo(&transitGatewayHopFree, b.int, now + delay)
        schedule(q, hop: .eniEgress(out), at: at, &scheduler)
    }
}
