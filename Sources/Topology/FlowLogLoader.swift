import Capture
import NetModel
import Workloads

/// `flow-logs:` entries: the flow logs to write and their formats and destinations.
extension Builder {
    mutating func flowLog(_ n: YNode, world: World) throws -> FlowLogConfig {
        let m = try n.mapping(allowed: [
            "id", "resource", "traffic-type", "max-aggregation-interval", "log-format", "destination", "log-group",
            "hive-compatible-partitions", "per-hour-partition", "max-flows-per-window",
        ])
        let id = try declare(try m.required("id"), kind: "flow log")
        let rNode = try m.required("resource")
        let r = try rNode.string()
        let resource: FlowLogResource
        // Transit gateway flow logs are on a transit gateway or one of its attachments
        // (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html).
        if r.hasPrefix("tgw-attach-") {
            resource = .transitGatewayAttachment(
                try lookup(tgwAttachmentByID, rNode, kind: "transit gateway attachment"))
        } else if r.hasPrefix("tgw-") {
            resource = .transitGateway(try lookup(tgwByID, rNode, kind: "transit gateway"))
        } else if r.hasPrefix("vpc-") {
            resource = .vpc(try lookup(vpcByID, rNode, kind: "vpc"))
        } else if r.hasPrefix("subnet-") {
            resource = .subnet(try lookup(subnetByID, rNode, kind: "subnet"))
        } else if r.hasPrefix("eni-") {
            resource = .networkInterface(try lookup(eniByID, rNode, kind: "network interface"))
        } else {
            throw rNode.fail(
                "a flow log is attached to a vpc-…, subnet-…, eni-…, tgw-… or tgw-attach-… (got '\(r)')")
        }
        let kind = resource.kind
        if kind == .transitGateway {
            // AWS refuses a traffic type, and any aggregation interval but 60 s, for transit
            // gateway resources (https://docs.aws.amazon.com/vpc/latest/tgw/flow-logs-api-cli.html).
            if let t = m["traffic-type"] { throw t.fail("traffic-type does not apply to transit gateway flow logs") }
            if let i = m["max-aggregation-interval"], try i.int() != 60 {
                throw i.fail("a transit gateway flow log's max-aggregation-interval is 60 seconds")
            }
            if let x = m["max-flows-per-window"] {
                throw x.fail("max-flows-per-window applies to VPC flow logs")
            }
        }
        var traffic = FlowLogTrafficType.all
        if let t = m["traffic-type"] {
            guard let v = FlowLogTrafficType(rawValue: try t.string().uppercased()) else {
                throw t.fail("traffic-type is ACCEPT, REJECT or ALL")
            }
            traffic = v
        }
        var interval = kind == .transitGateway ? 60 : 600
        if let i = m["max-aggregation-interval"] {
            interval = try i.int()
            guard interval == 60 || interval == 600 else {
                throw i.fail("max-aggregation-interval is 60 or 600 seconds")
            }
        }
        // A transit gateway flow log without a format has every field of its table.
        var format = kind == .transitGateway ? FlowLogFormat.transitGatewayDefault : FlowLogFormat.default
        if let f = m["log-format"] {
            do { format = try FlowLogFormat(parsing: try f.string(), kind: kind) } catch { throw f.fail("\(error)") }
        }
        var options = S3DeliveryOptions()
        var destination = FlowLogDestination.s3(options)
        if let h = m["hive-compatible-partitions"] { options.hiveCompatiblePartitions = try h.bool() }
        if let h = m["per-hour-partition"] { options.perHourPartition = try h.bool() }
        switch try m["destination"]?.string() ?? "s3" {
        case "s3":
            destination = .s3(options)
            if let g = m["log-group"] { throw g.fail("log-group applies to destination: cloudwatch-logs") }
        case "cloudwatch-logs":
            let group = try m["log-group"]?.string() ?? "/vpc/flow-logs/\(id)"
            // Log group names: 1–512 of [.-_/#A-Za-z0-9]
            // (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html);
            // "." and ".." would name a directory outside the group's own.
            let allowed = Set("._-/#abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
            guard (1...512).contains(group.utf8.count), group.utf8.allSatisfy(allowed.contains), group != ".",
                group != ".."
            else {
                throw m["log-group"]!.fail(
                    "'\(group)' is not a log group name (1–512 of the characters . - _ / # A–Z a–z 0–9; not . or ..)")
            }
            destination = .cloudWatchLogs(logGroup: group)
            for k in ["hive-compatible-partitions", "per-hour-partition"] where m[k] != nil {
                throw m[k]!.fail("\(k) applies to destination: s3")
            }
        case let other:
            throw m["destination"]!.fail("'\(other)' is not a destination (s3 or cloudwatch-logs)")
        }
        var c = FlowLogConfig(
            id: id, resource: resource, trafficType: traffic, maxAggregationInterval: interval, format: format,
            destination: destination, accountID: flowLogAccount(resource, world.network))
        if let x = m["max-flows-per-window"] { c.maxFlowsPerWindow = try x.int(1...10_000_000) }
        return c
    }
}

extension Builder {
    /// The account a flow log's records and S3 keys name: the topology's, or for a transit
    /// gateway flow log the gateway owner's.
    func flowLogAccount(_ resource: FlowLogResource, _ network: Network) -> String {
        switch resource {
        case .transitGateway(let t): return network.transitGateways[t.int].accountID
        case .transitGatewayAttachment(let a):
            return network.transitGateways[network.transitGatewayAttachments[a.int].transitGateway.int].accountID
        case .vpc, .subnet, .networkInterface: return account
        }
    }
}
