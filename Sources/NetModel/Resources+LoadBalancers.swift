// Elastic Load Balancing as the network sees it: a load balancer is a set of nodes, one
// requester-managed ENI in each of its subnets, and nothing else on the wire. What its nodes do
// with a connection (terminate it and open their own to a target) is the workloads' business.

/// The two kinds of Elastic Load Balancing load balancer vpcsim models.
public enum LoadBalancerType: String, Sendable, Hashable, CaseIterable {
    /// An Application Load Balancer: layer 7, it terminates TCP (and TLS on an HTTPS listener)
    /// and opens its own connections to targets
    /// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/introduction.html).
    case application
    /// A Network Load Balancer: layer 4
    /// (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/introduction.html).
    case network

    /// The type's segment of the load balancer's ARN and of its ENIs' description: `app`, `net`.
    public var arnSegment: String { self == .application ? "app" : "net" }
}

/// A load balancer: its nodes' ENIs (one per subnet, at most one subnet per Availability Zone),
/// reached from the internet through their public IPv4 addresses when it is internet-facing
/// (https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html,
/// "Load balancer scheme").
public struct LoadBalancer: Sendable {
    /// The name the file gives it (`web-alb`).
    public var name: String
    public var type: LoadBalancerType
    public var internetFacing: Bool
    public var vpc: VPCIndex
    /// The 16 hexadecimal characters that end its ARN (`app/<name>/<id>`).
    public var arnID: String
    /// Its nodes' ENIs, in the order of its subnets.
    public var enis: [ENIIndex]
    /// Its DNS name: `<name>-<n>.<region>.elb.amazonaws.com`, `internal-` first when internal.
    public var dnsName: String

    public init(
        name: String, type: LoadBalancerType, internetFacing: Bool, vpc: VPCIndex, arnID: String, enis: [ENIIndex],
        dnsName: String
    ) {
        self.name = name; self.type = type; self.internetFacing = internetFacing; self.vpc = vpc
        self.arnID = arnID; self.enis = enis; self.dnsName = dnsName
    }

    /// `app/web-alb/50dc6c495c0c9188`: the resource part of its ARN, which its ENIs' description
    /// carries after `ELB ` (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/
    /// load-balancer-troubleshooting.html and the flow-log examples of ELB network interfaces).
    public var resourceID: String { "\(type.arnSegment)/\(name)/\(arnID)" }
}
