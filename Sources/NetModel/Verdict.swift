import Wire

/// Direction of traffic relative to an ENI (flow logs' `flow-direction`).
public enum TrafficDirection: UInt8, Sendable, Hashable {
    case ingress = 0
    case egress = 1
}

/// Why a packet did not reach its destination. Every dropped packet carries one, naming the
/// resource and rule that decided (the vocabulary follows Batfish's flow dispositions).
public enum DropReason: Sendable, Hashable {
    /// No route in the table matches the destination.
    case noRoute(RouteTableIndex)
    /// The matching route's target no longer exists (`blackhole`,
    /// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html).
    case blackholeRoute(RouteTableIndex, route: Int)
    /// A network ACL entry denied it (`rule` 32767 is the implicit `*` deny).
    case networkACL(NetworkACLIndex, direction: TrafficDirection, rule: Int32)
    /// No security group rule on the ENI allows it and it is not a tracked reply.
    case securityGroup(ENIIndex, direction: TrafficDirection)
    /// The internet gateway has no public IPv4 address to translate the source to: an ENI without a
    /// public or Elastic IP (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html) — every Lambda
    /// ENI (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html) — cannot use the IGW.
    case noPublicAddress(InternetGatewayIndex)
    /// The packet is larger than the internet path's MTU (1500 bytes through an internet gateway,
    /// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/network_mtu.html); see `Network.pathMTUExceeded`.
    case exceedsPathMTU(InternetGatewayIndex, mtu: Int)
    /// The same limit at an egress-only internet gateway (IPv6 only): the packet is dropped and
    /// ICMPv6 Packet Too Big goes back to the sender.
    case exceedsPathMTUEgressOnly(EgressOnlyInternetGatewayIndex, mtu: Int)
    /// A private NAT gateway's traffic routed to an internet gateway is dropped
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html).
    case privateNATToInternet(NATGatewayIndex)
    /// The NAT gateway could not allocate a source port: 55,000 simultaneous connections to this
    /// destination per address (`ErrorPortAllocation`,
    /// https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html).
    case natPortAllocation(NATGatewayIndex)
    /// A packet reached the NAT gateway for a flow it has no translation of: from outside, or from
    /// inside and not a SYN (the translation timed out; the gateway answers it with a RST).
    case natNoTranslation(NATGatewayIndex)
    /// The NAT gateway handles TCP, UDP and ICMP only
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html).
    case natUnsupportedProtocol(NATGatewayIndex)
    /// Nothing on the public side owns the destination address.
    case unreachableAddress
    /// Nothing in the VPC owns the destination address.
    case noSuchAddressInVPC(VPCIndex)
    /// The gateway endpoint only reaches its service in its own Region
    /// (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html).
    case endpointServiceMismatch(GatewayEndpointIndex)
    /// The receiving host no longer exists (e.g. a Lambda execution environment was torn down).
    case hostGone(HostIndex)
    /// The receiving host has no socket for it and does not answer (e.g. a Hyperplane ENI).
    case noSocket(HostIndex)
    /// An egress-only internet gateway lets no connection in from the internet: an inbound packet
    /// that is not a reply to traffic the VPC sent out through it
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html).
    case egressOnlyInbound(EgressOnlyInternetGatewayIndex)
    /// A packet that came over a peering connection is for an address outside the peer VPC: VPC
    /// peering does not route transitively (edge-to-edge routing through the peer's gateways or
    /// its other peering connections is not supported,
    /// https://docs.aws.amazon.com/vpc/latest/peering/invalid-peering-configurations.html).
    case peeringNotTransitive(PeeringConnectionIndex)
    /// The sender's Availability Zone has no network interface of the VPC's transit gateway
    /// attachment: resources in an AZ without an attachment subnet cannot reach the transit
    /// gateway (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html).
    case transitGatewayNoAttachmentInZone(TransitGatewayAttachmentIndex)
    /// The attachment the packet arrived from is associated with no transit gateway route table.
    case transitGatewayNoAssociation(TransitGatewayAttachmentIndex)
    /// No route of the transit gateway route table matches (`packets-lost-no-route`).
    case transitGatewayNoRoute(TransitGatewayRouteTableIndex)
    /// The matching transit gateway route is a blackhole (`packets-lost-blackhole`).
    case transitGatewayBlackhole(TransitGatewayRouteTableIndex, route: Int)
    /// An IPv6 packet reached a NAT gateway for an address outside 64:ff9b::/96: a NAT gateway
    /// translates IPv6 only by NAT64 from that prefix
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html).
    case nat64OutsidePrefix(NATGatewayIndex)

    /// A stable short code for counting (`summary.json`) and tests.
    public var code: String {
        switch self {
        case .noRoute: return "no-route"
        case .blackholeRoute: return "blackhole-route"
        case .networkACL: return "network-acl"
        case .securityGroup: return "security-group"
        case .noPublicAddress: return "igw-no-public-ip"
        case .exceedsPathMTU, .exceedsPathMTUEgressOnly: return "exceeds-path-mtu"
        case .privateNATToInternet: return "private-nat-to-igw"
        case .natPortAllocation: return "nat-port-allocation"
        case .natNoTranslation: return "nat-no-translation"
        case .natUnsupportedProtocol: return "nat-unsupported-protocol"
        case .unreachableAddress: return "unreachable-address"
        case .noSuchAddressInVPC: return "no-such-address-in-vpc"
        case .endpointServiceMismatch: return "endpoint-service-mismatch"
        case .hostGone: return "host-gone"
        case .noSocket: return "no-socket"
        case .egressOnlyInbound: return "eigw-inbound"
        case .peeringNotTransitive: return "peering-not-transitive"
        case .transitGatewayNoAttachmentInZone: return "tgw-no-attachment-in-az"
        case .transitGatewayNoAssociation: return "tgw-no-route-table"
        case .transitGatewayNoRoute: return "tgw-no-route"
        case .transitGatewayBlackhole: return "tgw-blackhole-route"
        case .nat64OutsidePrefix: return "nat64-outside-prefix"
        }
    }
}
