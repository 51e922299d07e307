import NetModel

/// The fields of VPC and Transit Gateway Flow Log records, with the version that introduced each
/// and the kind of flow log that has it (``FlowLogKind``).
///
/// Sources: VPC fields, "Flow log records", https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
/// (versions 2–5, 7 for the ECS fields, 8 for `reject-reason`); transit gateway fields, "Transit Gateway Flow
/// Log records", https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html#flow-log-records (version 6).
public enum FlowLogField: String, CaseIterable, Sendable {
    case version, accountID = "account-id", interfaceID = "interface-id", srcaddr, dstaddr, srcport, dstport
    case `protocol`, packets, bytes, start, end, action, logStatus = "log-status"
    case vpcID = "vpc-id", subnetID = "subnet-id", instanceID = "instance-id", tcpFlags = "tcp-flags", type
    case pktSrcaddr = "pkt-srcaddr", pktDstaddr = "pkt-dstaddr"
    case region, azID = "az-id", sublocationType = "sublocation-type", sublocationID = "sublocation-id"
    case pktSrcAWSService = "pkt-src-aws-service", pktDstAWSService = "pkt-dst-aws-service"
    case flowDirection = "flow-direction", trafficPath = "traffic-path"
    case ecsClusterARN = "ecs-cluster-arn", ecsClusterName = "ecs-cluster-name"
    case ecsContainerInstanceARN = "ecs-container-instance-arn", ecsContainerInstanceID = "ecs-container-instance-id"
    case ecsContainerID = "ecs-container-id", ecsSecondContainerID = "ecs-second-container-id"
    case ecsServiceName = "ecs-service-name", ecsTaskDefinitionARN = "ecs-task-definition-arn"
    case ecsTaskARN = "ecs-task-arn", ecsTaskID = "ecs-task-id"
    case rejectReason = "reject-reason"
    // Version 6: transit gateway flow logs only.
    case resourceType = "resource-type", tgwID = "tgw-id", tgwAttachmentID = "tgw-attachment-id"
    case tgwSrcVPCAccountID = "tgw-src-vpc-account-id", tgwDstVPCAccountID = "tgw-dst-vpc-account-id"
    case tgwSrcVPCID = "tgw-src-vpc-id", tgwDstVPCID = "tgw-dst-vpc-id"
    case tgwSrcSubnetID = "tgw-src-subnet-id", tgwDstSubnetID = "tgw-dst-subnet-id"
    case tgwSrcENI = "tgw-src-eni", tgwDstENI = "tgw-dst-eni", tgwSrcAZID = "tgw-src-az-id", tgwDstAZID =
        "tgw-dst-az-id"
    case tgwPairAttachmentID = "tgw-pair-attachment-id"
    case packetsLostNoRoute = "packets-lost-no-route", packetsLostBlackhole = "packets-lost-blackhole"
    case packetsLostMTUExceeded = "packets-lost-mtu-exceeded", packetsLostTTLExpired = "packets-lost-ttl-expired"

    /// The flow-log version that introduced the field
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html). Assumed: the ECS fields 7 and
    /// `reject-reason` 8, as third-party copies of AWS's current table number them.
    public var version: Int {
        switch self {
        case .version, .accountID, .interfaceID, .srcaddr, .dstaddr, .srcport, .dstport, .protocol, .packets, .bytes,
            .start, .end, .action, .logStatus:
            return 2
        case .vpcID, .subnetID, .instanceID, .tcpFlags, .type, .pktSrcaddr, .pktDstaddr: return 3
        case .region, .azID, .sublocationType, .sublocationID: return 4
        case .pktSrcAWSService, .pktDstAWSService, .flowDirection, .trafficPath: return 5
        case .ecsClusterARN, .ecsClusterName, .ecsContainerInstanceARN, .ecsContainerInstanceID, .ecsContainerID,
            .ecsSecondContainerID, .ecsServiceName, .ecsTaskDefinitionARN, .ecsTaskARN, .ecsTaskID:
            return 7
        case .rejectReason: return 8
        case .resourceType, .tgwID, .tgwAttachmentID, .tgwSrcVPCAccountID, .tgwDstVPCAccountID, .tgwSrcVPCID,
            .tgwDstVPCID, .tgwSrcSubnetID, .tgwDstSubnetID, .tgwSrcENI, .tgwDstENI, .tgwSrcAZID, .tgwDstAZID,
            .tgwPairAttachmentID, .packetsLostNoRoute, .packetsLostBlackhole, .packetsLostMTUExceeded,
            .packetsLostTTLExpired:
            return 6
        }
    }

    /// Which kinds of flow log have the field. The two tables share the five-tuple, counters,
    /// times, `log-status`, `type`, `tcp-flags`, `region`, `flow-direction` and the
    /// `pkt-*-aws-service` fields; the ENI's ids, `action`, `pkt-srcaddr`/`pkt-dstaddr`, the zone
    /// and sublocation, `traffic-path`, ECS and `reject-reason` are VPC-only; `resource-type`,
    /// the `tgw-*` ids and the `packets-lost-*` counters are transit-gateway-only.
    public var kinds: Set<FlowLogKind> {
        switch self {
        case .version, .accountID, .srcaddr, .dstaddr, .srcport, .dstport, .protocol, .packets, .bytes, .start, .end,
            .logStatus, .type, .tcpFlags, .region, .flowDirection, .pktSrcAWSService, .pktDstAWSService:
            return [.vpc, .transitGateway]
        case .resourceType, .tgwID, .tgwAttachmentID, .tgwSrcVPCAccountID, .tgwDstVPCAccountID, .tgwSrcVPCID,
            .tgwDstVPCID, .tgwSrcSubnetID, .tgwDstSubnetID, .tgwSrcENI, .tgwDstENI, .tgwSrcAZID, .tgwDstAZID,
            .tgwPairAttachmentID, .packetsLostNoRoute, .packetsLostBlackhole, .packetsLostMTUExceeded,
            .packetsLostTTLExpired:
            return [.transitGateway]
        default:
            return [.vpc]
        }
    }
}

/// A VPC flow log (on a VPC, subnet or ENI) or a transit gateway flow log (on a transit gateway or
/// one of its attachments): they have different field tables and default formats.
public enum FlowLogKind: String, Hashable, Sendable, CustomStringConvertible {
    case vpc, transitGateway
    public var description: String { self == .vpc ? "VPC flow logs" : "transit gateway flow logs" }
}

/// A record format: the default (the 14 v2 fields) or a custom `${field} …` list in any order.
public struct FlowLogFormat: Sendable, Hashable {
    public var fields: [FlowLogField]

    public static let defaultFields: [FlowLogField] = [
        .version, .accountID, .interfaceID, .srcaddr, .dstaddr, .srcport, .dstport,
        .protocol, .packets, .bytes, .start, .end, .action, .logStatus,
    ]
    public static let `default` = FlowLogFormat(fields: defaultFields)

    /// A transit gateway flow log's default format: every version 2–6 field of its table, in the
    /// table's order (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html, "Default format").
    public static let transitGatewayDefaultFields: [FlowLogField] = [
        .version, .resourceType, .accountID, .tgwID, .tgwAttachmentID, .tgwSrcVPCAccountID, .tgwDstVPCAccountID,
        .tgwSrcVPCID, .tgwDstVPCID, .tgwSrcSubnetID, .tgwDstSubnetID, .tgwSrcENI, .tgwDstENI, .tgwSrcAZID,
        .tgwDstAZID, .tgwPairAttachmentID, .srcaddr, .dstaddr, .srcport, .dstport, .protocol, .packets, .bytes,
        .start, .end, .logStatus, .type, .packetsLostNoRoute, .packetsLostBlackhole, .packetsLostMTUExceeded,
        .packetsLostTTLExpired, .tcpFlags, .region, .flowDirection, .pktSrcAWSService, .pktDstAWSService,
    ]
    public static let transitGatewayDefault = FlowLogFormat(fields: transitGatewayDefaultFields)

    public init(fields: [FlowLogField]) { self.fields = fields }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case empty
        case malformed(String)
        case unknownField(String)
        case duplicate(String)
        /// A field the other kind of flow log has (`tgw-id` in a VPC flow log, `action` in a
        /// transit gateway's).
        case wrongKind(String, FlowLogKind)
        public var description: String {
            switch self {
            case .empty: return "the log format names no fields"
            case .malformed(let t): return "'\(t)' is not of the form ${field-name}"
            case .unknownField(let f): return "unknown flow-log field '\(f)'"
            case .duplicate(let f): return "field '\(f)' appears twice"
            case .wrongKind(let f, let kind):
                let other: FlowLogKind = kind == .vpc ? .transitGateway : .vpc
                return "field '\(f)' belongs to \(other), not \(kind)"
            }
        }
    }

    /// Parses a `LogFormat` string as the EC2 API takes it: `${version} ${vpc-id} …`, accepting
    /// only the fields of `kind`'s table.
    public init(parsing text: String, kind: FlowLogKind = .vpc) throws(ParseError) {
        var fields: [FlowLogField] = []
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            guard token.hasPrefix("${"), token.hasSuffix("}"), token.count > 3 else { throw .malformed(String(token)) }
            let name = String(token.dropFirst(2).dropLast())
            guard let f = FlowLogField(rawValue: name) else { throw .unknownField(name) }
            guard f.kinds.contains(kind) else { throw .wrongKind(name, kind) }
            guard !fields.contains(f) else { throw .duplicate(name) }
            fields.append(f)
        }
        guard !fields.isEmpty else { throw .empty }
        self.fields = fields
    }

    /// The version records carry: the highest among the chosen fields
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).
    public var version: Int { fields.map(\.version).max() ?? 2 }
    /// The header line of S3 text files: the field names, space-separated.
    public var header: String { fields.map(\.rawValue).joined(separator: " ") }
    public var logFormatString: String { fields.map { "${\($0.rawValue)}" }.joined(separator: " ") }
}

/// What a flow log is attached to: every ENI of a VPC or subnet, or one ENI (VPC flow logs); a
/// transit gateway's attachments, or one attachment (transit gateway flow logs,
/// https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html).
public enum FlowLogResource: Sendable, Hashable {
    case vpc(VPCIndex)
    case subnet(SubnetIndex)
    case networkInterface(ENIIndex)
    case transitGateway(TransitGatewayIndex)
    case transitGatewayAttachment(TransitGatewayAttachmentIndex)

    /// Whether the flow log records the traffic of `eni`, the ENI at `index`.
    public func covers(eni: ENI, at index: ENIIndex) -> Bool {
        switch self {
        case .vpc(let v): return eni.vpc == v
        case .subnet(let s): return eni.subnet == s
        case .networkInterface(let x): return x == index
        case .transitGateway, .transitGatewayAttachment: return false
        }
    }

    /// Whether the flow log records what transit gateway attachment `a` (at `index`) sees.
    public func covers(attachment a: TransitGatewayAttachment, at index: TransitGatewayAttachmentIndex) -> Bool {
        switch self {
        case .transitGateway(let t): return a.transitGateway == t
        case .transitGatewayAttachment(let x): return x == index
        case .vpc, .subnet, .networkInterface: return false
        }
    }

    /// Which kind of flow log a flow log on this resource is.
    public var kind: FlowLogKind {
        switch self {
        case .vpc, .subnet, .networkInterface: return .vpc
        case .transitGateway, .transitGatewayAttachment: return .transitGateway
        }
    }
}

public enum FlowLogTrafficType: String, Sendable, Hashable {
    case accept = "ACCEPT", reject = "REJECT", all = "ALL"
}

/// S3 delivery options (CloudFormation `DestinationOptions`,
/// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html).
public struct S3DeliveryOptions: Sendable, Hashable {
    public var hiveCompatiblePartitions = false
    public var perHourPartition = false
    public init(hiveCompatiblePartitions: Bool = false, perHourPartition: Bool = false) {
        self.hiveCompatiblePartitions = hiveCompatiblePartitions; self.perHourPartition = perHourPartition
    }
}

public enum FlowLogDestination: Sendable, Hashable {
    case s3(S3DeliveryOptions)
    /// CloudWatch Logs: one log stream per ENI (`<eni-id>-all`) in the log group
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html); for a transit
    /// gateway flow log, one per attachment (`<tgw-attach-id>`, assumed: AWS documents no name).
    case cloudWatchLogs(logGroup: String)
}

public struct FlowLogConfig: Sendable {
    public var id: String
    public var resource: FlowLogResource
    public var trafficType: FlowLogTrafficType
    /// 60 or 600 seconds; ENIs of Nitro instances always aggregate over at most 60 s
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html). Transit gateway
    /// flow logs: 60 s, the only value AWS accepts
    /// (https://docs.aws.amazon.com/vpc/latest/tgw/flow-logs-api-cli.html).
    public var maxAggregationInterval: Int
    public var format: FlowLogFormat
    public var destination: FlowLogDestination
    public var accountID: String
    /// Flows per ENI per window beyond which the rest become one SKIPDATA record (nil: unlimited).
    public var maxFlowsPerWindow: Int?
    public init(
        id: String, resource: FlowLogResource, trafficType: FlowLogTrafficType = .all,
        maxAggregationInterval: Int = 600,
        format: FlowLogFormat = .default, destination: FlowLogDestination = .s3(S3DeliveryOptions()), accountID: String
    ) {
        self.id = id; self.resource = resource; self.trafficType = trafficType
        self.maxAggregationInterval = maxAggregationInterval; self.format = format; self.destination = destination
        self.accountID = accountID
    }
}
