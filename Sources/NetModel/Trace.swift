import SimCore
import Wire

/// One decision the network made about a packet, recorded when tracing is on (the path
/// explainer runs the simulator's own forwarding with tracing enabled).
public enum TraceStep: Sendable {
    /// The packet left ENI `eni` (sent by its host or forwarded by a NAT gateway behind it).
    case leave(ENIIndex, Packet)
    /// A host outside every VPC (an AWS service, an internet host, a VPC's platform services) sent it.
    case sent(HostIndex, Packet)
    /// Arrived at ENI `eni` from the fabric.
    case arrive(ENIIndex, Packet)
    /// Security groups of an ENI: allowed by (group, rule index), or as a tracked reply, or denied.
    case securityGroup(ENIIndex, TrafficDirection, SecurityGroupVerdict)
    /// A network ACL's decision (rule 32767 is the implicit `*` deny).
    case networkACL(NetworkACLIndex, SubnetIndex, TrafficDirection, rule: Int32, allowed: Bool)
    /// Destination in the sender's own subnet: switched, no route table, no ACL.
    case sameSubnet(SubnetIndex)
    /// The route table's choice.
    case route(RouteDecision)
    /// The internet gateway translated an address (source outbound, destination inbound).
    case internetGateway(InternetGatewayIndex, from: IPAddress, to: IPAddress)
    /// The NAT gateway translated the source (outbound) or destination (a reply).
    case natGateway(NATGatewayIndex, from: IPAddress, fromPort: UInt16, to: IPAddress, toPort: UInt16)
    /// Through a gateway endpoint toward its service (or back).
    case gatewayEndpoint(GatewayEndpointIndex)
    /// IPv6 through an internet gateway: out, or in to the ENI owning the address (no translation).
    case internetGatewayIPv6(InternetGatewayIndex, outbound: Bool)
    /// Through an egress-only internet gateway: out (the flow is remembered), or a reply in.
    case egressOnlyInternetGateway(EgressOnlyInternetGatewayIndex, outbound: Bool)
    /// Over a peering connection from one VPC into the other.
    case peeringConnection(PeeringConnectionIndex, from: VPCIndex, to: VPCIndex)
    /// Into the transit gateway through attachment `from` (its network interface `eni`).
    case transitGatewayIngress(TransitGatewayAttachmentIndex, eni: ENIIndex)
    /// The transit gateway route table of the ingress attachment chose a route (its position)
    /// toward attachment `to`, which sends it out through its network interface `eni`.
    case transitGatewayRoute(
        TransitGatewayRouteTableIndex, route: Int, to: TransitGatewayAttachmentIndex, eni: ENIIndex, appliance: Bool)
    /// Reached a host's stack.
    case delivered(HostIndex, Packet)
    case dropped(DropReason)
}

public enum SecurityGroupVerdict: Sendable, Hashable {
    case allowedByRule(SecurityGroupIndex, rule: Int)
    /// Part of a tracked connection (a reply, or a later packet of an allowed flow).
    case trackedFlow
    /// The ENI has no security groups (a NAT gateway's).
    case notApplicable
    case denied
}
