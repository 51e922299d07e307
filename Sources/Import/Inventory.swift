import Topology

/// Where a resource (or one of its fields) came from: a file and a JSON path, a template's
/// logical id and property, or a Terraform address — and the line, when the input has lines.
public struct Origin: Sendable, Hashable {
    public var file: String
    public var path: String
    public var line: Int?
    public init(file: String, path: String, line: Int? = nil) { self.file = file; self.path = path; self.line = line }

    /// A field below this one: `.Key` or `[3]` appended to the path.
    func at(_ sub: String, line: Int? = nil) -> Origin {
        Origin(file: file, path: sub.hasPrefix("[") ? path + sub : path + "." + sub, line: line ?? self.line)
    }
    /// As written in the topology's comments: `file path` (no line: comments name the path).
    var comment: String { "\(file) \(path)" }
}

/// An input problem: where it is and what is wrong. Nothing is written when one is thrown.
public struct ImportError: Error, CustomStringConvertible, Sendable {
    public var origin: Origin
    public var message: String
    public init(_ origin: Origin, _ message: String) { self.origin = origin; self.message = message }
    /// `file:line: path: message`, or `file: path: message` for JSON (whose paths locate exactly).
    public var description: String {
        let place = origin.line.map { "\(origin.file):\($0)" } ?? origin.file
        return origin.path.isEmpty ? "\(place): \(message)" : "\(place): \(origin.path): \(message)"
    }
}

/// A stable AWS-style id for what an importer must invent (CloudFormation and Terraform create
/// ids at deployment): `<prefix>0` and 16 hex digits from `key`, as the loader forms its own.
func generatedID(_ prefix: String, _ key: String) -> String { LoaderIDs.generated(prefix, key) }

/// A reference to another resource by id, and where the reference is written.
struct Ref: Sendable {
    var id: String
    var origin: Origin
}

/// The network an input describes, in vpcsim's terms but still as ids and text: what the three
/// importers produce and `TopologyWriter` checks and writes. Each record keeps its origin.
struct Inventory {
    struct VPC {
        var id: String
        var name: String?
        var cidrs: [String]
        var account: String?
        var origin: Origin
        /// Amazon-provided or BYOIP IPv6 blocks (`::/56`).
        var ipv6CIDRs: [String] = []
    }
    struct Subnet {
        var id: String
        var name: String?
        var vpc: Ref
        /// The IPv4 block; nil for an IPv6-only subnet (Ipv6Native), which then has `ipv6CIDR`.
        var cidr: String?
        var zone: String
        var zoneID: String?
        var origin: Origin
        var ipv6CIDR: String? = nil
        var dns64 = false
    }
    struct Route {
        var destination: String // a CIDR or pl-…
        var destinationOrigin: Origin
        var target: Ref // local, blackhole, igw-…, nat-…, eni-…, i-… (an instance: its primary ENI)
    }
    struct RouteTable {
        var id: String
        var name: String?
        var vpc: Ref
        var main = false
        var routes: [Route] = []
        var origin: Origin
    }
    /// An explicit subnet association (route table or network ACL).
    struct Association {
        var subnet: Ref
        var table: Ref
    }
    struct ACLRule {
        var number: Int
        var egress: Bool
        var proto: String
        var ports: String?
        var icmpType: Int?
        var icmpCode: Int?
        var cidr: String
        var allow: Bool
    }
    struct NetworkACL {
        var id: String
        var name: String?
        var vpc: Ref
        var isDefault = false
        var rules: [ACLRule] = []
        var origin: Origin
    }
    struct SGRule {
        var egress: Bool
        var proto: String
        var ports: String?
        var icmpType: Int?
        var icmpCode: Int?
        var peer: Ref // a CIDR (id = the CIDR), sg-… or pl-…
        var description: String?
    }
    struct SecurityGroup {
        var id: String
        var name: String?
        var vpc: Ref
        var description: String?
        var rules: [SGRule] = []
        var origin: Origin
    }
    struct InternetGateway {
        var id: String
        var name: String?
        var vpc: Ref
        var origin: Origin
    }
    struct NATGateway {
        var id: String
        var name: String?
        var subnet: Ref
        var connectivity: String
        var elasticIPs: [String]
        var privateIP: String?
        var eni: String?
        var origin: Origin
    }
    struct Endpoint {
        var id: String
        var name: String?
        var vpc: Ref
        var service: String
        var routeTables: [Ref]
        /// The policy document as JSON text (nil: full access).
        var policy: String?
        var origin: Origin
        /// Interface endpoints: their subnets, security groups and private DNS flag.
        var interface = false
        var subnets: [Ref] = []
        var groups: [Ref] = []
        var privateDNS = true
    }
    struct PrefixList {
        var id: String
        var name: String
        var cidrs: [String]?
        var awsManaged: Bool
        var origin: Origin
    }
    struct Instance {
        var id: String
        var name: String?
        var subnet: Ref
        var groups: [Ref]
        var privateIP: String?
        var publicIP: String?
        var eni: String?
        var origin: Origin
        var ipv6Address: String? = nil
    }
    struct Database {
        var name: String
        var subnet: Ref
        var groups: [Ref]
        var port: Int?
        var origin: Origin
        var privateIP: String? = nil
    }
    struct Function {
        var name: String
        var runtime: String?
        var memory: Int?
        var timeout: Int?
        var subnets: [Ref]
        var groups: [Ref]
        var origin: Origin
        /// `VpcConfig.Ipv6AllowedForDualStack`.
        var dualStack = false
    }
    struct FlowLog {
        var id: String
        var resource: Ref
        var trafficType: String
        var interval: Int?
        var format: String?
        var destination: String // s3 | cloudwatch-logs
        var logGroup: String?
        var hive: Bool?
        var perHour: Bool?
        var origin: Origin
    }

    struct EgressOnlyInternetGateway {
        var id: String
        var name: String?
        var vpc: Ref
        var origin: Origin
    }
    struct PeeringConnection {
        var id: String
        var name: String?
        var requester: Ref
        var accepter: Ref
        /// `AllowDnsResolutionFromRemoteVpc` on either side.
        var dnsResolution: Bool
        var origin: Origin
    }
    struct TransitGateway {
        var id: String
        var name: String?
        var account: String?
        var origin: Origin
    }
    struct TransitGatewayAttachment {
        var id: String
        var transitGateway: Ref
        var vpc: Ref
        var subnets: [Ref]
        var applianceMode: Bool
        var origin: Origin
    }
    struct TransitGatewayRouteTable {
        var id: String
        var name: String?
        var transitGateway: Ref
        var origin: Origin
        var associations: [Ref] = []
        var propagations: [Ref] = []
        /// Static routes (a CIDR to an attachment, or to `blackhole`).
        var routes: [Route] = []
    }

    var account: String?
    var region: String?
    var vpcs: [VPC] = []
    var subnets: [Subnet] = []
    var routeTables: [RouteTable] = []
    var routeAssociations: [Association] = []
    var networkACLs: [NetworkACL] = []
    var aclAssociations: [Association] = []
    var securityGroups: [SecurityGroup] = []
    var internetGateways: [InternetGateway] = []
    var natGateways: [NATGateway] = []
    var endpoints: [Endpoint] = []
    var prefixLists: [PrefixList] = []
    var instances: [Instance] = []
    var databases: [Database] = []
    var functions: [Function] = []
    var flowLogs: [FlowLog] = []
    var egressOnlyInternetGateways: [EgressOnlyInternetGateway] = []
    var peeringConnections: [PeeringConnection] = []
    var transitGateways: [TransitGateway] = []
    var transitGatewayAttachments: [TransitGatewayAttachment] = []
    var transitGatewayRouteTables: [TransitGatewayRouteTable] = []

    /// What the input holds that vpcsim does not model: a kind (an AWS resource type, or a kind
    /// of rule or route) and how many, in the one warning summary.
    var notModelled: [String: Int] = [:]
    /// Adjustments the importer made to an inconsistent input, each said once in the output.
    var notes: [String] = []

    mutating func skip(_ kind: String, _ count: Int = 1) { notModelled[kind, default: 0] += count }

    /// The security group AWS creates with every VPC, named `default`: inbound from its own
    /// members, all outbound (https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html).
    /// Added once per id.
    mutating func addDefaultSecurityGroup(id: String, vpc: Ref, origin: Origin) {
        guard !securityGroups.contains(where: { $0.id == id }) else { return }
        securityGroups.append(
            SecurityGroup(
                id: id, name: "default", vpc: vpc, description: "default VPC security group",
                rules: [
                    SGRule(egress: false, proto: "all", peer: Ref(id: id, origin: origin)),
                    SGRule(egress: true, proto: "all", peer: Ref(id: "0.0.0.0/0", origin: origin)),
                ], origin: origin))
    }
    mutating func note(_ s: String) { if !notes.contains(s) { notes.append(s) } }
}
