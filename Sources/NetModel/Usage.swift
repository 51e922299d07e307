/// What the network carried that AWS bills by volume, counted as packets pass (plain integer
/// adds, no allocation): IP total lengths, as a capture's `ip.len` sums them. NAT gateways count
/// their own bytes in ``NATGatewayMetrics``.
public struct NetworkUsage: Sendable, Equatable {
    /// Bytes from zone `a` to zone `b` (index `a × zones + b`; the diagonal stays 0): packets
    /// between two ENIs in different AZs, a NAT gateway's ENI included.
    public var crossAZBytes = ContiguousArray<UInt64>()
    public var zones = 0
    /// Bytes through each gateway endpoint, both directions.
    public var gatewayEndpointBytes = ContiguousArray<UInt64>()
    /// Bytes through each interface endpoint's ENIs, both directions (PrivateLink bills data
    /// processed either way, https://aws.amazon.com/privatelink/pricing/).
    public var interfaceEndpointBytes = ContiguousArray<UInt64>()
    /// Per ENI, 1 + the index of the interface endpoint it belongs to, or 0.
    var endpointOfENI = ContiguousArray<UInt32>()
    /// Bytes leaving the VPCs through an internet gateway toward the internet (not toward AWS
    /// public addresses of the Region, which AWS does not bill as internet egress).
    public var internetEgressBytes: UInt64 = 0
    /// Bytes each transit gateway attachment sent into its transit gateway: what the transit
    /// gateway's data processing charge applies to ("per GB sent from a VPC … to the transit
    /// gateway", https://aws.amazon.com/transit-gateway/pricing/).
    public var transitGatewayBytes = ContiguousArray<UInt64>()
    /// Per host, bytes sent to it and bytes it sent when it is an AWS front end of another Region
    /// (``Network/setRemoteRegion(_:oneWay:)``): inter-Region data transfer, billed per GB by the
    /// Region the bytes leave (https://aws.amazon.com/ec2/pricing/on-demand/, "Data Transfer").
    /// Zero for every other host.
    public var interRegionBytesToHost = ContiguousArray<UInt64>()
    public var interRegionBytesFromHost = ContiguousArray<UInt64>()

    public init() {}

    mutating func size(zones: Int, gatewayEndpoints: Int, interfaceEndpoints: [InterfaceEndpoint], enis: Int) {
        if interfaceEndpointBytes.count != interfaceEndpoints.count {
            interfaceEndpointBytes = ContiguousArray(repeating: 0, count: interfaceEndpoints.count)
        }
        endpointOfENI = ContiguousArray(repeating: 0, count: enis)
        for (i, ep) in interfaceEndpoints.enumerated() {
            for e in ep.enis { endpointOfENI[e.int] = UInt32(i + 1) }
        }
        self.zones = zones
        if crossAZBytes.count != zones * zones { crossAZBytes = ContiguousArray(repeating: 0, count: zones * zones) }
        if gatewayEndpointBytes.count != gatewayEndpoints {
            gatewayEndpointBytes = ContiguousArray(repeating: 0, count: gatewayEndpoints)
        }
    }

    /// Bytes from zone `a` to zone `b`.
    public func crossAZ(from a: AvailabilityZoneIndex, to b: AvailabilityZoneIndex) -> UInt64 {
        crossAZBytes[a.int * zones + b.int]
    }
    /// Every byte that crossed between zones, both directions.
    public var totalCrossAZBytes: UInt64 { crossAZBytes.reduce(0, +) }
}
