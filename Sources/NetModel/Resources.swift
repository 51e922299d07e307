import Wire

/// An availability zone: its account-specific name and its AZ id (flow logs' `az-id`).
public struct AvailabilityZone: Sendable, Hashable {
    public var name: String // e.g. "us-east-1a"
    public var id: String // e.g. "use1-az1"
    public init(name: String, id: String) { self.name = name; self.id = id }
}

public struct VPC: Sendable {
    public var id: String
    public var accountID: String
    /// The VPC's CIDR blocks: the primary IPv4 block first (every VPC has one), then any
    /// secondary IPv4 blocks and IPv6 blocks (an IPv6 block is one more `CIDR` here; `contains`
    /// and the local route cover it).
    public var cidrs: [CIDR]
    public var mainRouteTable: RouteTableIndex
    public var defaultNetworkACL: NetworkACLIndex
    public var internetGateway: InternetGatewayIndex?
    /// The VPC's egress-only internet gateway (IPv6 out, replies in), if it has one.
    public var egressOnlyInternetGateway: EgressOnlyInternetGatewayIndex?
    /// The host answering the VPC's platform services (Amazon DNS at base + 2 and
    /// 169.254.169.253, instance metadata, Time Sync, DHCP).
    public var platformHost: HostIndex?
    public init(
        id: String, accountID: String, cidrs: [CIDR], mainRouteTable: RouteTableIndex,
        defaultNetworkACL: NetworkACLIndex
    ) {
        self.id = id; self.accountID = accountID; self.cidrs = cidrs
        self.mainRouteTable = mainRouteTable; self.defaultNetworkACL = defaultNetworkACL
    }
    /// VPC base + 2 (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
    @inlinable @inline(__always) public var dnsAddress: IPAddress { cidrs[0].address(at: 2) }
    /// The Amazon DNS server as a host with primary address `a` reaches it: base + 2 over IPv4,
    /// fd00:ec2::253 from an IPv6-only subnet's host, which has no IPv4 address ("The Route 53
    /// Resolver is located at 169.254.169.253 (IPv4), fd00:ec2::253 (IPv6), and at the primary
    /// private IPV4 CIDR range provisioned to your VPC plus two",
    /// https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html; the IPv6 address
    /// serves Nitro instances, the only ones an IPv6-only subnet takes).
    @inlinable public func dnsAddress(from a: IPAddress) -> IPAddress { a.isIPv4 ? dnsAddress : Self.amazonDNSIPv6 }
    /// fd00:ec2::253, the Amazon DNS server's IPv6 address (a unique local address).
    public static let amazonDNSIPv6 = IPAddress(ipv6: 0xFD00, 0x0EC2, 0, 0, 0, 0, 0, 0x253)
    /// fd00:ec2::254, the instance metadata service over IPv6 (Nitro instances,
    /// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html).
    public static let metadataIPv6 = IPAddress(ipv6: 0xFD00, 0x0EC2, 0, 0, 0, 0, 0, 0x254)
    /// fd00:ec2::123, Amazon Time Sync over IPv6 (Nitro instances,
    /// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/set-time.html).
    public static let timeSyncIPv6 = IPAddress(ipv6: 0xFD00, 0x0EC2, 0, 0, 0, 0, 0, 0x123)
    public func contains(_ a: IPAddress) -> Bool { cidrs.contains { $0.contains(a) } }
}

public struct Subnet: Sendable {
    public var id: String
    public var vpc: VPCIndex
    /// The subnet's IPv4 block; nil in an IPv6-only subnet (`Ipv6Native`: created with
    /// `--ipv6-native` and no IPv4 CIDR block,
    /// https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html,
    /// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html).
    public var ipv4CIDR: CIDR?
    /// The subnet's IPv6 block (a /64 in AWS) in a dual-stack or IPv6-only subnet; nil in an
    /// IPv4-only one. A subnet has at least one of the two blocks.
    public var ipv6CIDR: CIDR?
    public var zone: AvailabilityZoneIndex
    public var routeTable: RouteTableIndex
    public var networkACL: NetworkACLIndex
    /// `EnableDns64`: the Amazon resolver answers AAAA queries of names that have only A records
    /// with addresses synthesised in 64:ff9b::/96, for NAT64 at a NAT gateway
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html).
    public var dns64 = false
    /// A subnet with an IPv4 block (IPv4-only or dual-stack).
    public init(
        id: String, vpc: VPCIndex, cidr: CIDR, zone: AvailabilityZoneIndex,
        routeTable: RouteTableIndex, networkACL: NetworkACLIndex
    ) {
        self.id = id; self.vpc = vpc; self.ipv4CIDR = cidr; self.ipv6CIDR = nil; self.zone = zone
        self.routeTable = routeTable; self.networkACL = networkACL
    }
    /// A subnet of either shape: IPv4-only, dual-stack, or IPv6-only (`ipv4CIDR` nil).
    public init(
        id: String, vpc: VPCIndex, ipv4CIDR: CIDR?, ipv6CIDR: CIDR?, zone: AvailabilityZoneIndex,
        routeTable: RouteTableIndex, networkACL: NetworkACLIndex
    ) {
        precondition(ipv4CIDR != nil || ipv6CIDR != nil, "a subnet has an IPv4 or an IPv6 block")
        self.id = id; self.vpc = vpc; self.ipv4CIDR = ipv4CIDR; self.ipv6CIDR = ipv6CIDR; self.zone = zone
        self.routeTable = routeTable; self.networkACL = networkACL
    }
    /// The subnet's blocks, IPv4 first.
    public var blocks: [CIDR] { [ipv4CIDR, ipv6CIDR].compactMap { $0 } }
    /// `Ipv6Native` in the EC2 API: the subnet has no IPv4 block.
    @inlinable public var isIPv6Only: Bool { ipv4CIDR == nil }
    /// The subnet's primary block: the IPv4 one, or the IPv6 /64 of an IPv6-only subnet.
    public var primaryCIDR: CIDR { ipv4CIDR ?? ipv6CIDR! }
    /// The VPC router's address in this subnet: base + 1 of the primary block (the first four
    /// addresses of either family's block are reserved, the second for the router:
    /// https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
    @inlinable @inline(__always) public var routerAddress: IPAddress { primaryCIDR.address(at: 1) }
    /// Whether `a` is in one of the subnet's blocks (switched within the subnet, no route table).
    @inlinable @inline(__always) public func contains(_ a: IPAddress) -> Bool {
        if a.isIPv4 { return ipv4CIDR?.contains(a) ?? false }
        return ipv6CIDR?.contains(a) ?? false
    }
}

/// What an ENI belongs to; decides `instance-id`, interface type and who processes its packets.
public enum ENIKind: Sendable, Hashable {
    /// An EC2 instance's interface (`instance-id` is the instance's).
    case instance(id: String)
    /// A Lambda Hyperplane ENI, shared by every function with the same subnet + security-group set.
    case lambda
    /// The requester-managed interface of a NAT gateway.
    case natGateway(NATGatewayIndex)
    /// An RDS DB instance's requester-managed interface.
    case rds(identifier: String)
    /// A transit gateway VPC attachment's requester-managed interface (one per subnet of the
    /// attachment); the transit gateway processes what reaches it.
    case transitGatewayAttachment(TransitGatewayAttachmentIndex)
    /// The requester-managed interface of an interface VPC endpoint in one subnet
    /// (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html).
    case interfaceEndpoint(InterfaceEndpointIndex)
    /// The requester-managed interface of an Elastic Load Balancing node in one subnet
    /// (Resources+LoadBalancers.swift).
    case loadBalancer(LoadBalancerIndex)
}

public struct ENI: Sendable {
    public var id: String
    public var subnet: SubnetIndex
    public var vpc: VPCIndex
    /// The primary private address: the primary private IPv4 address, or in an IPv6-only subnet
    /// (no IPv4 block, so no private IPv4 address) the primary IPv6 address, which is then also
    /// `ipv6Addresses[0]`. What flow logs show as the ENI's own address of that family.
    public var privateIP: IPAddress
    public var secondaryIPs: [IPAddress]
    /// IPv6 addresses from the subnet's /64 (dual-stack or IPv6-only subnets). They are globally
    /// unique and not translated by the internet gateway; the first is the primary IPv6 address.
    public var ipv6Addresses: [IPAddress]
    public var mac: MACAddress
    public var securityGroups: [SecurityGroupIndex]
    /// Public IPv4 or Elastic IP, translated 1:1 by the internet gateway
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html).
    public var publicIP: IPAddress?
    public var kind: ENIKind
    public var accountID: String
    /// The host whose packets leave and arrive through this ENI (none for a NAT gateway's ENI,
    /// which the network itself processes).
    public var host: HostIndex?
    /// Latency between the host and the ENI (a Lambda microVM reaches its Hyperplane ENI through
    /// the Hyperplane NAT; an EC2 instance's ENI is its own NIC).
    public var hostLatency: Int64
    /// Egress link rate, bits per second (serialises back-to-back packets).
    public var linkBitsPerSecond: Int64
    public var description: String
    /// Attached to a Nitro-based instance (flow logs: `traffic-path` 7/8, aggregation ≤ 60 s).
    public var nitro: Bool

    public init(
        id: String, subnet: SubnetIndex, vpc: VPCIndex, privateIP: IPAddress, mac: MACAddress,
        securityGroups: [SecurityGroupIndex], kind: ENIKind, accountID: String
    ) {
        self.id = id; self.subnet = subnet; self.vpc = vpc; self.privateIP = privateIP
        self.secondaryIPs = []; self.ipv6Addresses = []; self.mac = mac; self.securityGroups = securityGroups
        self.publicIP = nil; self.kind = kind; self.accountID = accountID; self.host = nil
        self.hostLatency = 0; self.linkBitsPerSecond = 10_000_000_000; self.description = ""
        if case .instance = kind { self.nitro = true } else { self.nitro = false }
    }
    public func owns(_ a: IPAddress) -> Bool {
        a == privateIP || secondaryIPs.contains(a) || ipv6Addresses.contains(a)
    }
    /// The primary private IPv4 address; nil on an ENI in an IPv6-only subnet.
    @inlinable public var privateIPv4: IPAddress? { privateIP.isIPv4 ? privateIP : nil }
    /// Every private address of the ENI, both families, each once: the primary first.
    public var privateAddresses: [IPAddress] {
        privateIP.isIPv4 ? [privateIP] + secondaryIPs + ipv6Addresses : ipv6Addresses
    }
    /// The ENI's own address of `family` as flow logs write it (`srcaddr`/`dstaddr` when the
    /// packet's is not one of the ENI's): the primary private IPv4, or the first IPv6 address
    /// (an ENI without one of the family answers its primary address).
    public func primaryAddress(_ family: IPFamily) -> IPAddress {
        family == .ipv4 ? (privateIPv4 ?? privateIP) : (ipv6Addresses.first ?? privateIP)
    }
}

public struct PrefixList: Sendable {
    public var id: String
    public var name: String
    public var cidrs: [CIDR]
    /// For AWS-managed lists, the service whose addresses it holds (e.g. "dynamodb").
    public var awsService: String?
    public init(id: String, name: String, cidrs: [CIDR], awsService: String? = nil) {
        self.id = id; self.name = name; self.cidrs = cidrs; self.awsService = awsService
    }
}

public enum RouteDestination: Sendable, Hashable {
    case cidr(CIDR)
    case prefixList(PrefixListIndex)
}

public enum RouteTarget: Sendable, Hashable {
    case local
    case internetGateway(InternetGatewayIndex)
    case natGateway(NATGatewayIndex)
    case gatewayEndpoint(GatewayEndpointIndex)
    case networkInterface(ENIIndex)
    /// A route whose target was deleted; matching packets are dropped (`blackhole`,
    /// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html).
    case blackhole
    /// An egress-only internet gateway (`eigw-…`, IPv6 routes only).
    case egressOnlyInternetGateway(EgressOnlyInternetGatewayIndex)
    /// A VPC peering connection (`pcx-…`).
    case peeringConnection(PeeringConnectionIndex)
    /// A transit gateway (`tgw-…`) the VPC is attached to.
    case transitGateway(TransitGatewayIndex)
}

public struct Route: Sendable, Hashable {
    public var destination: RouteDestination
    public var target: RouteTarget
    /// Where the route came from, for explanations (`CreateRouteTable`, `CreateRoute`, `CreateVpcEndpoint`).
    public var origin: String
    public init(destination: RouteDestination, target: RouteTarget, origin: String = "CreateRoute") {
        self.destination = destination; self.target = target; self.origin = origin
    }
}

public struct RouteTable: Sendable {
    public var id: String
    public var vpc: VPCIndex
    public var routes: [Route]
    public var isMain: Bool
    public init(id: String, vpc: VPCIndex, routes: [Route], isMain: Bool) {
        self.id = id; self.vpc = vpc; self.routes = routes; self.isMain = isMain
    }
}

/// Protocol selector of a security-group rule or NACL entry: -1 means all protocols.
public typealias ProtocolSelector = Int16

public struct PortRange: Sendable, Hashable, CustomStringConvertible {
    public var from: UInt16
    public var to: UInt16
    public init(_ from: UInt16, _ to: UInt16) { self.from = from; self.to = to }
    public static let all = PortRange(0, 65535)
    @inlinable public func contains(_ p: UInt16) -> Bool { p >= from && p <= to }
    public var description: String { from == to ? "\(from)" : (self == .all ? "all" : "\(from)-\(to)") }
}

public enum SecurityGroupPeer: Sendable, Hashable {
    case cidr(CIDR)
    case prefixList(PrefixListIndex)
    case securityGroup(SecurityGroupIndex)
}

public struct SecurityGroupRule: Sendable, Hashable {
    public var protocolNumber: ProtocolSelector
    /// Ports for TCP/UDP; for ICMP, `from` is the type and `to` the code (65535 = any).
    public var ports: PortRange
    public var peer: SecurityGroupPeer
    public var description: String
    public init(protocolNumber: ProtocolSelector, ports: PortRange, peer: SecurityGroupPeer, description: String = "") {
        self.protocolNumber = protocolNumber; self.ports = ports; self.peer = peer; self.description = description
    }
}

public struct SecurityGroup: Sendable {
    public var id: String
    public var name: String
    public var vpc: VPCIndex
    public var ingress: [SecurityGroupRule]
    public var egress: [SecurityGroupRule]
    public init(id: String, name: String, vpc: VPCIndex, ingress: [SecurityGroupRule], egress: [SecurityGroupRule]) {
        self.id = id; self.name = name; self.vpc = vpc; self.ingress = ingress; self.egress = egress
    }
}

public struct NetworkACLEntry: Sendable, Hashable {
    /// 1…32766; the implicit final deny is 32767 for IPv4 and 32768 for IPv6, written `*`
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html).
    public var ruleNumber: Int32
    public var protocolNumber: ProtocolSelector
    public var ports: PortRange
    public var cidr: CIDR
    public var allow: Bool
    public init(ruleNumber: Int32, protocolNumber: ProtocolSelector, ports: PortRange, cidr: CIDR, allow: Bool) {
        self.ruleNumber = ruleNumber; self.protocolNumber = protocolNumber; self.ports = ports
        self.cidr = cidr; self.allow = allow
    }
    public static let defaultDenyRuleNumber: Int32 = 32767
    /// The IPv6 `*` rule's number in the EC2 API.
    public static let defaultDenyRuleNumberIPv6: Int32 = 32768
    /// The `*` rule that denies what no entry matched, for a packet of `family`.
    public static func defaultDenyRuleNumber(_ family: IPFamily) -> Int32 {
        family == .ipv4 ? defaultDenyRuleNumber : defaultDenyRuleNumberIPv6
    }
}

public struct NetworkACL: Sendable {
    public var id: String
    public var vpc: VPCIndex
    public var isDefault: Bool
    /// Sorted by rule number; the implicit `*` deny is not stored. Entries of both families live
    /// in one list (an entry's `cidr` says which); AWS numbers them in one sequence.
    public var inbound: [NetworkACLEntry]
    public var outbound: [NetworkACLEntry]
    public init(id: String, vpc: VPCIndex, isDefault: Bool, inbound: [NetworkACLEntry], outbound: [NetworkACLEntry]) {
        self.id = id; self.vpc = vpc; self.isDefault = isDefault
        self.inbound = inbound.sorted { $0.ruleNumber < $1.ruleNumber }
        self.outbound = outbound.sorted { $0.ruleNumber < $1.ruleNumber }
    }
}

public struct InternetGateway: Sendable {
    public var id: String
    public var vpc: VPCIndex
    public init(id: String, vpc: VPCIndex) { self.id = id; self.vpc = vpc }
}

public struct NATGateway: Sendable {
    public var id: String
    public var subnet: SubnetIndex
    public var eni: ENIIndex
    public var privateIP: IPAddress
    /// Elastic IPs for a public NAT gateway (translated at the internet gateway); empty for a private one.
    public var elasticIPs: [IPAddress]
    public init(id: String, subnet: SubnetIndex, eni: ENIIndex, privateIP: IPAddress, elasticIPs: [IPAddress]) {
        self.id = id; self.subnet = subnet; self.eni = eni; self.privateIP = privateIP; self.elasticIPs = elasticIPs
    }
    public var isPublic: Bool { !elasticIPs.isEmpty }
}

/// An interface VPC endpoint (AWS PrivateLink) to an AWS service: one requester-managed ENI in
/// each of its subnets (at most one per AZ), with the endpoint's security groups; the service
/// answers at those ENIs' addresses
/// (https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html).
public struct InterfaceEndpoint: Sendable {
    public var id: String
    public var vpc: VPCIndex
    /// The catalog's service key: "dynamodb", "sqs", …
    public var service: String
    public var enis: [ENIIndex]
    /// Whether the service's Regional name resolves to the ENIs inside the VPC.
    public var privateDNS: Bool
    public var policy: EndpointPolicy
    public init(
        id: String, vpc: VPCIndex, service: String, enis: [ENIIndex], privateDNS: Bool, policy: EndpointPolicy
    ) {
        self.id = id; self.vpc = vpc; self.service = service; self.enis = enis; self.privateDNS = privateDNS
        self.policy = policy
    }
}

/// A gateway VPC endpoint for DynamoDB or S3
/// (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html).
public struct GatewayEndpoint: Sendable {
    public var id: String
    public var vpc: VPCIndex
    public var service: String // "dynamodb" or "s3"
    public var prefixList: PrefixListIndex
    public var routeTables: [RouteTableIndex]
    public var policy: EndpointPolicy
    public init(
        id: String, vpc: VPCIndex, service: String, prefixList: PrefixListIndex,
        routeTables: [RouteTableIndex], policy: EndpointPolicy
    ) {
        self.id = id; self.vpc = vpc; self.service = service; self.prefixList = prefixList
        self.routeTables = routeTables; self.policy = policy
    }
}
