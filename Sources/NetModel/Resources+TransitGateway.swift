import Wire

// Transit gateways: a regional router between attachments (here: VPC attachments), each with
// one requester-managed network interface per chosen subnet (one subnet per Availability Zone),
// route tables with associations, propagations, static and blackhole routes, and appliance mode
// (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html,
// https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html,
// https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html).

public struct TransitGateway: Sendable {
    public var id: String
    /// The owner's account: flow logs' `account-id` of its records.
    public var accountID: String
    public init(id: String, accountID: String) { self.id = id; self.accountID = accountID }
}

/// A VPC attachment: the attachment's network interfaces (one per subnet, in the subnets'
/// Availability Zones), the route table it is associated with, and appliance mode.
public struct TransitGatewayAttachment: Sendable {
    public var id: String
    public var transitGateway: TransitGatewayIndex
    public var vpc: VPCIndex
    /// The attachment's subnets and, in the same order, the network interfaces in them.
    public var subnets: [SubnetIndex]
    public var enis: [ENIIndex]
    /// The route table the attachment is associated with: it decides where traffic arriving
    /// from this attachment goes. Nil: not associated, and such traffic is dropped.
    public var routeTable: TransitGatewayRouteTableIndex?
    /// Appliance mode: the transit gateway picks one of this attachment's network interfaces by
    /// a hash of the flow, both directions alike, for the life of the flow, instead of the one in
    /// the Availability Zone the traffic came from
    /// (https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-appliance-scenario.html).
    public var applianceMode: Bool
    public init(
        id: String, transitGateway: TransitGatewayIndex, vpc: VPCIndex, subnets: [SubnetIndex], enis: [ENIIndex],
        applianceMode: Bool = false
    ) {
        self.id = id; self.transitGateway = transitGateway; self.vpc = vpc; self.subnets = subnets
        self.enis = enis; self.routeTable = nil; self.applianceMode = applianceMode
    }
}

/// Where a transit gateway route sends traffic.
public enum TransitGatewayRouteTarget: Sendable, Hashable {
    case attachment(TransitGatewayAttachmentIndex)
    /// Matching traffic is dropped (`packets-lost-blackhole` in transit gateway flow logs).
    case blackhole
}

public struct TransitGatewayRoute: Sendable, Hashable {
    public var destination: CIDR
    public var target: TransitGatewayRouteTarget
    /// A route propagated from an attachment (its VPC's CIDRs), or a static one.
    public var propagated: Bool
    public init(destination: CIDR, target: TransitGatewayRouteTarget, propagated: Bool) {
        self.destination = destination; self.target = target; self.propagated = propagated
    }
}

/// A transit gateway route table: static routes and the routes propagated from attachments,
/// looked up by longest prefix; for the same prefix a static route wins over a propagated one
/// (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html, "Route evaluation
/// order").
public struct TransitGatewayRouteTable: Sendable {
    public var id: String
    public var transitGateway: TransitGatewayIndex
    /// Static routes and propagated ones, in the order they were added.
    public var routes: [TransitGatewayRoute]
    /// Attachments whose VPC CIDRs propagate into this table.
    public var propagations: [TransitGatewayAttachmentIndex]
    public init(id: String, transitGateway: TransitGatewayIndex) {
        self.id = id; self.transitGateway = transitGateway; self.routes = []; self.propagations = []
    }

    /// The route for `destination` (its position in `routes`), or nil. Longest prefix first,
    /// then a static route before a propagated one, then the first added.
    public func lookup(_ destination: IPAddress) -> Int? {
        var best: Int?
        for (i, r) in routes.enumerated() where r.destination.contains(destination) {
            guard let b = best else { best = i; continue }
            let rb = routes[b]
            if r.destination.prefixLength > rb.destination.prefixLength
                || (r.destination.prefixLength == rb.destination.prefixLength && rb.propagated && !r.propagated)
            {
                best = i
            }
        }
        return best
    }
}
