import Wire

// Resources that connect a VPC to more than itself: the egress-only internet gateway (IPv6 out,
// replies in), VPC peering connections, and (Resources+TransitGateway.swift) transit gateways.

/// An egress-only internet gateway: IPv6 traffic from the VPC out to the internet and its
/// replies back in; nothing from the internet can open a connection through it. It is stateful
/// (https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html) and,
/// like an internet gateway, translates nothing: IPv6 addresses are globally unique.
public struct EgressOnlyInternetGateway: Sendable {
    public var id: String
    public var vpc: VPCIndex
    public init(id: String, vpc: VPCIndex) { self.id = id; self.vpc = vpc }
}

/// A VPC peering connection between two VPCs of one Region (either account): routes of each
/// side name it (`pcx-…`) for CIDRs of the other. No transitive routing: a packet arriving over
/// the connection is delivered only to an address of the peer VPC itself, never forwarded on
/// through the peer's gateways, endpoints or other connections
/// (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html,
/// https://docs.aws.amazon.com/vpc/latest/peering/invalid-peering-configurations.html).
public struct PeeringConnection: Sendable {
    public var id: String
    /// The VPC that requested the connection, and the one that accepted it.
    public var requester: VPCIndex
    public var accepter: VPCIndex
    /// `AllowDnsResolutionFromRemoteVpc` of each side
    /// (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-dns.html): when the accepter
    /// allows it, the requester's resolver answers the accepter's private hostnames with their
    /// private addresses, and the other way round.
    public var requesterResolvesAccepterPrivateNames = false
    public var accepterResolvesRequesterPrivateNames = false
    public init(id: String, requester: VPCIndex, accepter: VPCIndex) {
        self.id = id; self.requester = requester; self.accepter = accepter
    }
    /// The VPC on the other side from `v`, or nil when `v` is not one of its two.
    @inlinable public func peer(of v: VPCIndex) -> VPCIndex? {
        v == requester ? accepter : (v == accepter ? requester : nil)
    }
}
