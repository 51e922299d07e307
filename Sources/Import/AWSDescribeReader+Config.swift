import Foundation

/// AWS Config configuration items: a configuration snapshot as Config delivers it to S3
/// (`{"fileVersion": …, "configurationItems": [...]}`,
/// https://docs.aws.amazon.com/config/latest/developerguide/example-s3-snapshot.html), the output
/// of `aws configservice get-resource-config-history` (`configurationItems`) or of
/// `batch-get-resource-config` (`baseConfigurationItems`, each `configuration` a JSON string).
/// Each item's `configuration` is the resource as the EC2, Lambda or RDS API describes it, keys
/// with a lower-case first letter (`vpcId`; `dBInstanceIdentifier`), or — for resource types
/// Config records in CloudFormation's property names (assumed for `AWS::EC2::PrefixList` and
/// `AWS::EC2::FlowLog`, which Config added from the CloudFormation registry) — PascalCase; both
/// are read (https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigurationItem.html).
extension AWSDescribeReader {
    /// Resource types read, in the order describe-* outputs are read (so references resolve the
    /// same way), with the key that holds each one's id.
    static let configTypes: [(type: String, idKey: String)] = [
        ("AWS::EC2::VPC", "VpcId"), ("AWS::EC2::Subnet", "SubnetId"),
        ("AWS::EC2::InternetGateway", "InternetGatewayId"),
        ("AWS::EC2::EgressOnlyInternetGateway", "EgressOnlyInternetGatewayId"),
        ("AWS::EC2::VPCPeeringConnection", "VpcPeeringConnectionId"),
        ("AWS::EC2::TransitGateway", "TransitGatewayId"),
        ("AWS::EC2::TransitGatewayAttachment", "TransitGatewayAttachmentId"),
        ("AWS::EC2::TransitGatewayRouteTable", "TransitGatewayRouteTableId"),
        ("AWS::EC2::NatGateway", "NatGatewayId"), ("AWS::EC2::VPCEndpoint", "VpcEndpointId"),
        ("AWS::EC2::PrefixList", "PrefixListId"), ("AWS::EC2::RouteTable", "RouteTableId"),
        ("AWS::EC2::NetworkAcl", "NetworkAclId"), ("AWS::EC2::SecurityGroup", "GroupId"),
        ("AWS::EC2::Instance", "InstanceId"), ("AWS::EC2::EIP", "AllocationId"),
        ("AWS::EC2::NetworkInterface", "NetworkInterfaceId"), ("AWS::EC2::FlowLog", "FlowLogId"),
        ("AWS::Lambda::Function", "FunctionName"), ("AWS::RDS::DBInstance", "DBInstanceIdentifier"),
    ]

    mutating func configurationItems(_ json: JSONValue, account: String?) throws(ImportError) {
        let items = json.list("configurationItems") + json.list("baseConfigurationItems")
        var byType: [String: [JSONValue]] = [:]
        for item in items {
            // Deleted or no longer recorded resources do not exist.
            let status = item.string("configurationItemStatus") ?? "OK"
            guard ["OK", "ResourceDiscovered"].contains(status) else { continue }
            if let r = item.string("awsRegion") ?? Self.arnRegion(item.string("ARN") ?? item.string("arn")),
                let chosen = inventory.region, r != chosen
            {
                continue
            }
            let type = try item.require("resourceType")
            guard Self.configTypes.contains(where: { $0.type == type }) else {
                inventory.skip(type)
                continue
            }
            byType[type, default: []].append(item)
        }
        for (type, idKey) in Self.configTypes {
            for item in byType[type] ?? [] {
                let v = try configuration(item, idKey: idKey)
                let owner = item.string("awsAccountId") ?? item.string("accountId") ?? account
                switch type {
                case "AWS::EC2::VPC": try vpc(v, account: owner)
                case "AWS::EC2::Subnet": try subnet(v)
                case "AWS::EC2::InternetGateway": try internetGateway(v)
                case "AWS::EC2::EgressOnlyInternetGateway": try egressOnlyInternetGateway(v)
                case "AWS::EC2::VPCPeeringConnection": try peeringConnection(v)
                case "AWS::EC2::TransitGateway": try transitGateway(v)
                case "AWS::EC2::TransitGatewayAttachment": try transitGatewayVPCAttachment(v)
                case "AWS::EC2::TransitGatewayRouteTable": try transitGatewayRouteTable(v)
                case "AWS::EC2::NatGateway": try natGateway(v)
                case "AWS::EC2::VPCEndpoint": try endpoint(v)
                case "AWS::EC2::PrefixList":
                    try prefixList(v)
                    if v["Entries"] != nil {
                        entries[try v.require("PrefixListId")] = v.list("Entries").compactMap { $0.string("Cidr") }
                    }
                case "AWS::EC2::RouteTable": try routeTable(v)
                case "AWS::EC2::NetworkAcl": try networkACL(v)
                case "AWS::EC2::SecurityGroup": try securityGroup(v)
                case "AWS::EC2::Instance": try instance(v)
                case "AWS::EC2::EIP": address(v)
                case "AWS::EC2::NetworkInterface": interfaces.append(v)
                case "AWS::EC2::FlowLog": try flowLog(v)
                case "AWS::Lambda::Function": try function(v)
                default: try database(v)
                }
            }
        }
    }

    /// An item's `configuration` (parsed when it is a JSON string), read with Config's key
    /// spelling; its id and Name tag from the item when the configuration lacks them.
    func configuration(_ item: JSONValue, idKey: String) throws(ImportError) -> JSONValue {
        guard let c = item["configuration"] else { throw ImportError(item.origin, "missing 'configuration'") }
        var object: [String: Any]
        if let text = c.string {
            guard let o = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw ImportError(c.origin, "the configuration string is not a JSON object")
            }
            object = o
        } else if let o = c.object {
            object = o
        } else {
            throw ImportError(c.origin, "expected the resource's configuration")
        }
        let probe = JSONValue(value: object, origin: c.origin, configItem: true)
        if probe[idKey] == nil {
            let id =
                idKey == "FunctionName" || idKey == "DBInstanceIdentifier"
                ? item.string("resourceName") : item.string("resourceId")
            if let id { object[idKey] = id }
        }
        if probe["Tags"] == nil, let name = item["tags"]?.string("Name") {
            object["tags"] = [["key": "Name", "value": name]]
        }
        return JSONValue(value: object, origin: c.origin, configItem: true)
    }

    static func arnRegion(_ arn: String?) -> String? {
        guard let parts = arn?.split(separator: ":", omittingEmptySubsequences: false), parts.count > 3,
            !parts[3].isEmpty
        else { return nil }
        return String(parts[3])
    }
}
