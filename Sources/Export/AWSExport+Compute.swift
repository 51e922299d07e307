import Foundation
import Wire
import NetModel
import Workloads
import Capture
import SimCore

/// Network interfaces, instances, flow logs, Lambda functions and RDS instances.
extension AWSExport {
    func networkInterface(_ e: ENIIndex) -> [String: Any] {
        let eni = network.enis[e.int]
        let s = network.subnets[eni.subnet.int]
        var out: [String: Any] = [
            "NetworkInterfaceId": eni.id, "SubnetId": s.id, "VpcId": network.vpcs[eni.vpc.int].id,
            "AvailabilityZone": network.zones[s.zone.int].name, "PrivateIpAddresses": privateIPv4List(eni),
            "MacAddress": eni.mac.description, "Groups": groupRefs(eni.securityGroups), "Status": "in-use",
            "OwnerId": eni.accountID, "SourceDestCheck": true, "Description": eni.description, "TagSet": [] as [Any],
        ]
        if let a = eni.privateIPv4 { out["PrivateIpAddress"] = a.description }
        if let p = eni.publicIP { out["Association"] = ["PublicIp": p.description, "IpOwnerId": "amazon"] }
        if !eni.ipv6Addresses.isEmpty {
            out["Ipv6Addresses"] = eni.ipv6Addresses.map { ["Ipv6Address": $0.description] }
        }
        // How AWS describes the interfaces it manages for other services
        // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html).
        switch eni.kind {
        case .instance(let id):
            out["InterfaceType"] = "interface"
            out["RequesterManaged"] = false
            out["Attachment"] = [
                "AttachmentId": derived("eni-attach-", eni.id), "DeviceIndex": 0, "InstanceId": id,
                "InstanceOwnerId": eni.accountID, "Status": "attached", "DeleteOnTermination": true,
                "NetworkCardIndex": 0,
            ]
        case .lambda:
            out["InterfaceType"] = "lambda"
            out["RequesterManaged"] = true
            out["RequesterId"] = "AROAQ3XLAMBDAENIEXAMPLE:\(eni.id)"
            out["SourceDestCheck"] = false
        case .natGateway:
            // EC2's model spells the type natGateway; output in the wild has nat_gateway (the
            // importer reads both).
            out["InterfaceType"] = "natGateway"
            out["RequesterManaged"] = true
            out["RequesterId"] = "amazon-nat-gateway"
            out["SourceDestCheck"] = false
        case .rds:
            out["InterfaceType"] = "interface"
            out["RequesterManaged"] = true
            out["RequesterId"] = "amazon-rds"
        case .transitGatewayAttachment(let a):
            out["InterfaceType"] = "transit_gateway"
            out["RequesterManaged"] = true
            out["RequesterId"] = "amazon-transit-gateway"
            out["SourceDestCheck"] = false
            out["Description"] =
                "Network Interface for Transit Gateway Attachment "
                + network.transitGatewayAttachments[a.int].id
        case .interfaceEndpoint:
            // ASSUMED: the RequesterId is an AWS-owned account number in real output; which one
            // is not documented.
            out["InterfaceType"] = "vpc_endpoint"
            out["RequesterManaged"] = true
            out["RequesterId"] = "amazon-vpce"
        case .loadBalancer:
            // An ELB node's interface: InterfaceType "interface", requester-managed by
            // "amazon-elb", its description "ELB app/<name>/<id>" (the loader sets it)
            // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html,
            // "Network interfaces"; the RequesterId is as describe-network-interfaces shows it, assumed).
            out["InterfaceType"] = "interface"
            out["RequesterManaged"] = true
            out["RequesterId"] = "amazon-elb"
        }
        return out
    }

    /// The interface's private IPv4 addresses, the primary first; none on an ENI in an IPv6-only
    /// subnet (which has no PrivateIpAddress either).
    func privateIPv4List(_ eni: ENI) -> [[String: Any]] {
        guard let primary = eni.privateIPv4 else { return [] }
        return ([primary] + eni.secondaryIPs).enumerated().map { k, ip -> [String: Any] in
            ["Primary": k == 0, "PrivateIpAddress": ip.description]
        }
    }

    /// An instance's interface as describe-instances lists it (InstanceNetworkInterface: fewer
    /// members than describe-network-interfaces gives).
    func instanceInterface(_ e: ENIIndex) -> [String: Any] {
        let eni = network.enis[e.int]
        var out: [String: Any] = [
            "NetworkInterfaceId": eni.id, "SubnetId": network.subnets[eni.subnet.int].id,
            "VpcId": network.vpcs[eni.vpc.int].id, "PrivateIpAddresses": privateIPv4List(eni),
            "MacAddress": eni.mac.description, "Groups": groupRefs(eni.securityGroups), "Status": "in-use",
            "OwnerId": eni.accountID, "SourceDestCheck": true, "Description": eni.description,
            "InterfaceType": "interface",
            "Attachment": [
                "AttachmentId": derived("eni-attach-", eni.id), "DeviceIndex": 0, "Status": "attached",
                "DeleteOnTermination": true, "NetworkCardIndex": 0,
            ],
        ]
        if let a = eni.privateIPv4 { out["PrivateIpAddress"] = a.description }
        if let p = eni.publicIP { out["Association"] = ["PublicIp": p.description, "IpOwnerId": "amazon"] }
        if !eni.ipv6Addresses.isEmpty {
            out["Ipv6Addresses"] = eni.ipv6Addresses.map { ["Ipv6Address": $0.description] }
        }
        return out
    }

    func reservation(_ instance: (name: String, eni: ENIIndex)) -> [String: Any] {
        let eni = network.enis[instance.eni.int]
        guard case .instance(let id) = eni.kind else { return [:] }
        let s = network.subnets[eni.subnet.int]
        var i: [String: Any] = [
            "InstanceId": id, "State": ["Code": 16, "Name": "running"], "SubnetId": s.id,
            "VpcId": network.vpcs[eni.vpc.int].id,
            "SecurityGroups": groupRefs(eni.securityGroups),
            "NetworkInterfaces": [instanceInterface(instance.eni)],
            "Placement": ["AvailabilityZone": network.zones[s.zone.int].name, "Tenancy": "default"],
            "Tags": tags(instance.name == id ? nil : instance.name),
        ]
        if let a = eni.privateIPv4 { i["PrivateIpAddress"] = a.description }
        if let p = eni.publicIP { i["PublicIpAddress"] = p.description }
        if let a = eni.ipv6Addresses.first { i["Ipv6Address"] = a.description }
        return [
            "ReservationId": derived("r-", id), "OwnerId": eni.accountID, "Groups": [] as [Any], "Instances": [i],
        ]
    }

    func flowLog(_ l: FlowLogConfig) -> [String: Any] {
        let resource: String
        switch l.resource {
        case .vpc(let v): resource = network.vpcs[v.int].id
        case .subnet(let s): resource = network.subnets[s.int].id
        case .networkInterface(let e): resource = network.enis[e.int].id
        case .transitGateway(let t): resource = network.transitGateways[t.int].id
        case .transitGatewayAttachment(let a): resource = network.transitGatewayAttachments[a.int].id
        }
        var out: [String: Any] = [
            "FlowLogId": l.id, "ResourceId": resource,
            "LogFormat": l.format.logFormatString, "MaxAggregationInterval": l.maxAggregationInterval,
            "FlowLogStatus": "ACTIVE", "DeliverLogsStatus": "SUCCESS", "Tags": [] as [Any],
        ]
        // Transit gateway flow logs have no traffic type
        // (https://docs.aws.amazon.com/vpc/latest/tgw/flow-logs-api-cli.html).
        if l.resource.kind == .vpc { out["TrafficType"] = l.trafficType.rawValue }
        switch l.destination {
        case .s3(let o):
            out["LogDestinationType"] = "s3"
            out["LogDestination"] = "arn:aws:s3:::vpc-flow-logs-\(l.accountID)"
            out["DestinationOptions"] = [
                "FileFormat": "plain-text", "HiveCompatiblePartitions": o.hiveCompatiblePartitions,
                "PerHourPartition": o.perHourPartition,
            ]
        case .cloudWatchLogs(let group):
            out["LogDestinationType"] = "cloud-watch-logs"
            out["LogGroupName"] = group
            out["LogDestination"] = arn("logs", "log-group:\(group)")
            out["DeliverLogsPermissionArn"] = "arn:aws:iam::\(l.accountID):role/vpc-flow-logs"
        }
        return out
    }

    /// A function as `lambda list-functions` lists it. The timeout in whole seconds, as Lambda
    /// takes it; the memory size is not modelled, so not written.
    func function(_ f: LambdaFunction) -> [String: Any] {
        var out: [String: Any] = [
            "FunctionName": f.name, "FunctionArn": arn("lambda", "function:\(f.name)"), "Runtime": f.runtime.name,
            "Role": "arn:aws:iam::\(f.accountID):role/\(f.name)-role", "Handler": "lambda_function.lambda_handler",
            "Timeout": Int((f.timeout.nanoseconds + 999_999_999) / 1_000_000_000), "Version": "$LATEST",
            "PackageType": "Zip", "Architectures": ["x86_64"],
        ]
        if let first = f.enis.first {
            let eni = network.enis[first.int]
            var config: [String: Any] = [
                "SubnetIds": f.enis.map { network.subnets[network.enis[$0.int].subnet.int].id },
                "SecurityGroupIds": eni.securityGroups.map { network.securityGroups[$0.int].id },
                "VpcId": network.vpcs[eni.vpc.int].id,
            ]
            // A dual-stack function's interfaces have IPv6 addresses.
            if !eni.ipv6Addresses.isEmpty { config["Ipv6AllowedForDualStack"] = true }
            out["VpcConfig"] = config
        }
        return out
    }

    func database(_ d: DatabaseInstance) -> [String: Any] {
        let eni = network.enis[d.eni.int]
        let s = network.subnets[eni.subnet.int]
        let zone = network.zones[s.zone.int].name
        return [
            "DBInstanceIdentifier": d.identifier, "Engine": "postgres", "DBInstanceStatus": "available",
            "Endpoint": ["Address": d.endpoint, "Port": Int(d.port)], "AvailabilityZone": zone,
            "DBSubnetGroup": [
                "DBSubnetGroupName": "\(d.identifier)-subnets", "DBSubnetGroupDescription": "\(d.identifier) subnets",
                "VpcId": network.vpcs[eni.vpc.int].id, "SubnetGroupStatus": "Complete",
                "Subnets": [
                    ["SubnetIdentifier": s.id, "SubnetAvailabilityZone": ["Name": zone], "SubnetStatus": "Active"]
                ],
            ],
            "VpcSecurityGroups": eni.securityGroups.map {
                ["VpcSecurityGroupId": network.securityGroups[$0.int].id, "Status": "active"]
            },
            "PubliclyAccessible": false, "MultiAZ": false, "DbInstancePort": 0,
            "DBInstanceArn": arn("rds", "db:\(d.identifier)"),
            "DbiResourceId": derived("db-", d.identifier).uppercased(),
        ]
    }
}
