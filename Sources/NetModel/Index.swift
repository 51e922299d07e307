/// A dense, typed index into one of the model's contiguous resource arrays.
///
/// Resources are stored in `ContiguousArray`s and referred to by integer position; the tag keeps
/// a subnet index from being passed where an ENI index is expected. AWS-style string ids
/// (`eni-0a1b…`) exist only as names for input and output.
public struct Index<Tag>: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var raw: UInt32
    @inlinable public init(_ raw: Int) { self.raw = UInt32(truncatingIfNeeded: raw) }
    @inlinable public init(raw: UInt32) { self.raw = raw }
    @inlinable public var int: Int { Int(raw) }
    @inlinable public static func < (l: Self, r: Self) -> Bool { l.raw < r.raw }
    public var description: String { "#\(raw)" }
}

public enum VPCTag {}
public enum SubnetTag {}
public enum ENITag {}
public enum RouteTableTag {}
public enum PrefixListTag {}
public enum SecurityGroupTag {}
public enum NetworkACLTag {}
public enum InternetGatewayTag {}
public enum NATGatewayTag {}
public enum GatewayEndpointTag {}
public enum InterfaceEndpointTag {}
public enum LoadBalancerTag {}
public enum HostTag {}
public enum AvailabilityZoneTag {}

public typealias VPCIndex = Index<VPCTag>
public typealias SubnetIndex = Index<SubnetTag>
public typealias ENIIndex = Index<ENITag>
public typealias RouteTableIndex = Index<RouteTableTag>
public typealias PrefixListIndex = Index<PrefixListTag>
public typealias SecurityGroupIndex = Index<SecurityGroupTag>
public typealias NetworkACLIndex = Index<NetworkACLTag>
public typealias InternetGatewayIndex = Index<InternetGatewayTag>
public typealias NATGatewayIndex = Index<NATGatewayTag>
public typealias GatewayEndpointIndex = Index<GatewayEndpointTag>
public typealias InterfaceEndpointIndex = Index<InterfaceEndpointTag>
public typealias LoadBalancerIndex = Index<LoadBalancerTag>
/// A host: anything with a transport stack that sends and receives packets (a Lambda execution
/// environment's sockets behind a Hyperplane ENI, an RDS instance, a DynamoDB front end, …).
public typealias HostIndex = Index<HostTag>
public typealias AvailabilityZoneIndex = Index<AvailabilityZoneTag>

public enum EgressOnlyInternetGatewayTag {}
public enum PeeringConnectionTag {}
public enum TransitGatewayTag {}
public enum TransitGatewayAttachmentTag {}
public enum TransitGatewayRouteTableTag {}

public typealias EgressOnlyInternetGatewayIndex = Index<EgressOnlyInternetGatewayTag>
public typealias PeeringConnectionIndex = Index<PeeringConnectionTag>
public typealias TransitGatewayIndex = Index<TransitGatewayTag>
public typealias TransitGatewayAttachmentIndex = Index<TransitGatewayAttachmentTag>
public typealias TransitGatewayRouteTableIndex = Index<TransitGatewayRouteTableTag>
