/// Egress-only internet gateways, VPC peering connections and transit gateways of a template
/// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_EC2.html).
extension CFReader {
    /// Reads one of these resources; false when `type` is none of them.
    mutating func interconnect(
        _ name: String, _ type: String, _ p: CFValue, id: String, tagName: String, origin: Origin
    ) throws(ImportError) -> Bool {
        switch type {
        case "AWS::EC2::EgressOnlyInternetGateway":
            inventory.egressOnlyInternetGateways.append(
                .init(id: id, name: tagName, vpc: try ref(name, p, "VpcId"), origin: origin))
        case "AWS::EC2::VPCPeeringConnection":
            if let r = text(p, "PeerRegion"), r != cx.region {
                inventory.skip("inter-Region VPC peering connection")
                return true
            }
            inventory.peeringConnections.append(
                .init(
                    id: id, name: tagName, requester: try ref(name, p, "VpcId"),
                    accepter: try ref(name, p, "PeerVpcId"),
                    dnsResolution: false, origin: origin))
        case "AWS::EC2::TransitGateway":
            inventory.transitGateways.append(.init(id: id, name: tagName, account: nil, origin: origin))
            // Both default to enable: AWS creates a default route table that every attachment is
            // associated with and propagates to (AWS::EC2::TransitGateway).
            let associate = (text(p, "DefaultRouteTableAssociation") ?? "enable") == "enable"
            let propagate = (text(p, "DefaultRouteTablePropagation") ?? "enable") == "enable"
            if associate || propagate {
                let table = generatedID("tgw-rtb-", "cloudformation-default:" + id)
                inventory.transitGatewayRouteTables.append(
                    .init(
                        id: table, name: "default route table of \(tagName)",
                        transitGateway: Ref(id: id, origin: origin),
                        origin: origin))
                tgwDefaults.append((id, table, associate, propagate))
            }
        case "AWS::EC2::TransitGatewayVpcAttachment", "AWS::EC2::TransitGatewayAttachment":
            inventory.transitGatewayAttachments.append(
                .init(
                    id: id, transitGateway: try ref(name, p, "TransitGatewayId"), vpc: try ref(name, p, "VpcId"),
                    subnets: refs(name, p, "SubnetIds"),
                    applianceMode: p["Options"]?["ApplianceModeSupport"]?.text == "enable", origin: origin))
        case "AWS::EC2::TransitGatewayRouteTable":
            inventory.transitGatewayRouteTables.append(
                .init(id: id, name: tagName, transitGateway: try ref(name, p, "TransitGatewayId"), origin: origin))
        case "AWS::EC2::TransitGatewayRouteTableAssociation":
            tgwAssociations.append(
                (try ref(name, p, "TransitGatewayRouteTableId"), try ref(name, p, "TransitGatewayAttachmentId")))
        case "AWS::EC2::TransitGatewayRouteTablePropagation":
            tgwPropagations.append(
                (try ref(name, p, "TransitGatewayRouteTableId"), try ref(name, p, "TransitGatewayAttachmentId")))
        case "AWS::EC2::TransitGatewayRoute":
            let d = try ref(name, p, "DestinationCidrBlock")
            let target =
                text(p, "Blackhole") == "true"
                ? Ref(id: "blackhole", origin: o(name, "Blackhole", p["Blackhole"]))
                : try ref(name, p, "TransitGatewayAttachmentId")
            tgwRoutes.append(
                (
                    try ref(name, p, "TransitGatewayRouteTableId"),
                    .init(destination: d.id, destinationOrigin: d.origin, target: target)
                ))
        default:
            return false
        }
        return true
    }

    /// Default and explicit associations and propagations, and static routes, onto their tables.
    mutating func finishInterconnect() throws(ImportError) {
        let explicit = Set(tgwAssociations.map(\.attachment.id))
        for a in inventory.transitGatewayAttachments {
            guard let d = tgwDefaults.first(where: { $0.tgw == a.transitGateway.id }) else { continue }
            let table = Ref(id: d.table, origin: a.origin), attachment = Ref(id: a.id, origin: a.origin)
            if d.associate && !explicit.contains(a.id) { tgwAssociations.append((table, attachment)) }
            if d.propagate { tgwPropagations.append((table, attachment)) }
        }
        func table(_ r: Ref) throws(ImportError) -> Int {
            guard let t = inventory.transitGatewayRouteTables.firstIndex(where: { $0.id == r.id }) else {
                throw ImportError(r.origin, "no AWS::EC2::TransitGatewayRouteTable '\(r.id)' in the template")
            }
            return t
        }
        for (t, a) in tgwAssociations { inventory.transitGatewayRouteTables[try table(t)].associations.append(a) }
        for (t, a) in tgwPropagations {
            let k = try table(t)
            if !inventory.transitGatewayRouteTables[k].propagations.contains(where: { $0.id == a.id }) {
                inventory.transitGatewayRouteTables[k].propagations.append(a)
            }
        }
        for (t, r) in tgwRoutes { inventory.transitGatewayRouteTables[try table(t)].routes.append(r) }
    }
}
