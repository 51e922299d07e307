import NetModel

/// Egress-only internet gateways, VPC peering connections and transit gateways (with their VPC
/// attachments, route tables, associations, propagations and static routes), as the EC2 calls
/// that describe them print them. The per-table calls write one file each, named with the table's
/// id, as `get-managed-prefix-list-entries` does for prefix lists.
extension AWSExport {
    func interconnectDocuments() -> [(String, [String: Any])] {
        var out: [(String, [String: Any])] = []
        if !network.egressOnlyInternetGateways.isEmpty {
            out.append(
                (
                    "describe-egress-only-internet-gateways",
                    ["EgressOnlyInternetGateways": network.egressOnlyInternetGateways.map(egressOnlyInternetGateway)]
                ))
        }
        if !network.peeringConnections.isEmpty {
            out.append(
                ("describe-vpc-peering-connections", ["VpcPeeringConnections": network.peeringConnections.map(peering)])
            )
        }
        guard !network.transitGateways.isEmpty else { return out }
        out += [
            ("describe-transit-gateways", ["TransitGateways": network.transitGateways.map(transitGateway)]),
            (
                "describe-transit-gateway-vpc-attachments",
                ["TransitGatewayVpcAttachments": network.transitGatewayAttachments.map(vpcAttachment)]
            ),
            (
                "describe-transit-gateway-attachments",
                ["TransitGatewayAttachments": network.transitGatewayAttachments.map(attachment)]
            ),
            (
                "describe-transit-gateway-route-tables",
                ["TransitGatewayRouteTables": network.transitGatewayRouteTables.map(tgwRouteTable)]
            ),
        ]
        for (i, t) in network.transitGatewayRouteTables.enumerated() {
            let table = TransitGatewayRouteTableIndex(i)
            let associated = network.transitGatewayAttachments.enumerated().filter { $0.element.routeTable == table }
            out.append(
                (
                    "get-transit-gateway-route-table-associations-\(t.id)",
                    [
                        "Associations": associated.map { _, a in
                            attachmentRef(a).merging(["State": "associated"]) { x, _ in x }
                        }
                    ]
                ))
            out.append(
                (
                    "get-transit-gateway-route-table-propagations-\(t.id)",
                    [
                        "TransitGatewayRouteTablePropagations": t.propagations.map { a in
                            attachmentRef(network.transitGatewayAttachments[a.int])
                                .merging(["State": "enabled"]) { x, _ in x }
                        }
                    ]
                ))
            // search-transit-gateway-routes with the filter type=static: the table's own routes.
            let routes = t.routes.filter { !$0.propagated }.map { r -> [String: Any] in
                var route: [String: Any] = ["DestinationCidrBlock": r.destination.description, "Type": "static"]
                switch r.target {
                case .blackhole:
                    route["State"] = "blackhole"
                case .attachment(let a):
                    route["State"] = "active"
                    route["TransitGatewayAttachments"] = [attachmentRef(network.transitGatewayAttachments[a.int])]
                }
                return route
            }
            out.append(
                ("search-transit-gateway-routes-\(t.id)", ["Routes": routes, "AdditionalRoutesAvailable": false]))
        }
        return out
    }

    func egressOnlyInternetGateway(_ g: EgressOnlyInternetGateway) -> [String: Any] {
        [
            "EgressOnlyInternetGatewayId": g.id,
            "Attachments": [["State": "attached", "VpcId": network.vpcs[g.vpc.int].id]], "Tags": [] as [Any],
        ]
    }

    func peering(_ c: PeeringConnection) -> [String: Any] {
        func side(_ v: VPCIndex, resolves: Bool) -> [String: Any] {
            let vpc = network.vpcs[v.int]
            let v4 = vpc.cidrs.filter(\.isIPv4), v6 = vpc.cidrs.filter { !$0.isIPv4 }
            var out: [String: Any] = [
                "VpcId": vpc.id, "OwnerId": vpc.accountID, "Region": network.region,
                "CidrBlock": v4.first?.description ?? "", "CidrBlockSet": v4.map { ["CidrBlock": $0.description] },
                "PeeringOptions": [
                    "AllowDnsResolutionFromRemoteVpc": resolves, "AllowEgressFromLocalClassicLinkToRemoteVpc": false,
                    "AllowEgressFromLocalVpcToRemoteClassicLink": false,
                ],
            ]
            if !v6.isEmpty { out["Ipv6CidrBlockSet"] = v6.map { ["Ipv6CidrBlock": $0.description] } }
            return out
        }
        // Each side's option says whether the other side's resolver may answer this side's
        // private names (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-dns.html).
        return [
            "VpcPeeringConnectionId": c.id, "Status": ["Code": "active", "Message": "Active"],
            "RequesterVpcInfo": side(c.requester, resolves: c.accepterResolvesRequesterPrivateNames),
            "AccepterVpcInfo": side(c.accepter, resolves: c.requesterResolvesAccepterPrivateNames),
            "Tags": [] as [Any],
        ]
    }

    /// vpcsim's transit gateways have no default route table: every association and propagation
    /// is explicit, as with `DefaultRouteTableAssociation`/`Propagation` disabled
    /// (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-transit-gateways.html).
    func transitGateway(_ t: TransitGateway) -> [String: Any] {
        [
            "TransitGatewayId": t.id, "OwnerId": t.accountID, "State": "available",
            "TransitGatewayArn": "arn:aws:ec2:\(region):\(t.accountID):transit-gateway/\(t.id)",
            "Options": [
                "AmazonSideAsn": 64512, "AutoAcceptSharedAttachments": "disable",
                "DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable",
                "VpnEcmpSupport": "enable", "DnsSupport": "enable", "MulticastSupport": "disable",
            ],
            "Tags": [] as [Any],
        ]
    }

    func attachmentRef(_ a: TransitGatewayAttachment) -> [String: Any] {
        ["TransitGatewayAttachmentId": a.id, "ResourceId": network.vpcs[a.vpc.int].id, "ResourceType": "vpc"]
    }

    func vpcAttachment(_ a: TransitGatewayAttachment) -> [String: Any] {
        [
            "TransitGatewayAttachmentId": a.id, "TransitGatewayId": network.transitGateways[a.transitGateway.int].id,
            "VpcId": network.vpcs[a.vpc.int].id, "VpcOwnerId": network.vpcs[a.vpc.int].accountID, "State": "available",
            "SubnetIds": a.subnets.map { network.subnets[$0.int].id },
            "Options": [
                "DnsSupport": "enable", "Ipv6Support": "disable",
                "ApplianceModeSupport": a.applianceMode ? "enable" : "disable",
            ],
            "Tags": [] as [Any],
        ]
    }

    func attachment(_ a: TransitGatewayAttachment) -> [String: Any] {
        let tgw = network.transitGateways[a.transitGateway.int]
        var out = attachmentRef(a).merging([
            "TransitGatewayId": tgw.id, "TransitGatewayOwnerId": tgw.accountID,
            "ResourceOwnerId": network.vpcs[a.vpc.int].accountID, "State": "available", "Tags": [] as [Any],
        ]) { x, _ in x }
        if let t = a.routeTable {
            out["Association"] = [
                "TransitGatewayRouteTableId": network.transitGatewayRouteTables[t.int].id, "State": "associated",
            ]
        }
        return out
    }

    func tgwRouteTable(_ t: TransitGatewayRouteTable) -> [String: Any] {
        [
            "TransitGatewayRouteTableId": t.id, "TransitGatewayId": network.transitGateways[t.transitGateway.int].id,
            "State": "available", "DefaultAssociationRouteTable": false, "DefaultPropagationRouteTable": false,
            "Tags": [] as [Any],
        ]
    }
}
