/// What a Terraform configuration's IPv6 blocks, egress-only internet gateways, VPC peering
/// connections and transit gateways become: the AWS provider's resources
/// (https://registry.terraform.io/providers/hashicorp/aws/latest/docs) read into the inventory.
struct TFInterconnect {
    /// Per transit gateway: the default route table AWS creates when default association or
    /// propagation is enabled (the provider's default), and which of the two are.
    var defaults: [(tgw: String, table: String?, associate: Bool, propagate: Bool)] = []
    /// Per VPC attachment: whether it takes the default association and propagation.
    var attachmentDefaults: [(attachment: String, tgw: String, associate: Bool, propagate: Bool, origin: Origin)] = []
    var associations: [(table: Ref, attachment: Ref)] = []
    var propagations: [(table: Ref, attachment: Ref)] = []
    var routes: [(table: Ref, route: Inventory.Route)] = []
    var accepters: [(connection: Ref, requester: Ref?, accepter: Ref?, dns: Bool, origin: Origin)] = []
}

extension TFReader {
    /// A VPC's or subnet's IPv6 block when the input knows it. Amazon assigns one at apply
    /// (`assign_generated_ipv6_cidr_block`, a subnet's `cidrsubnet(…)` of it): a plan does not
    /// know it, and vpcsim does not invent one.
    mutating func ipv6Block(_ r: TFObject, _ x: TFDocument.Instance, generated: Bool) throws(ImportError) -> String? {
        if let v = r.value.string("ipv6_cidr_block"), !v.isEmpty { return v }
        if generated {
            inventory.skip("IPv6 CIDR block unknown until apply")
            inventory.note("\(x.address): its IPv6 block is unknown until apply (import the state to keep IPv6)")
        }
        return nil
    }

    mutating func interconnect(_ i: Int, _ x: TFDocument.Instance, _ r: TFObject) throws(ImportError) {
        switch x.type {
        case "aws_vpc_ipv6_cidr_block_association":
            let vpc = try ref(r, "vpc_id")
            guard let block = try ipv6Block(r, x, generated: true),
                let v = inventory.vpcs.firstIndex(where: { $0.id == vpc.id })
            else { return }
            if inventory.vpcs[v].ipv6CIDRs.isEmpty {
                inventory.vpcs[v].ipv6CIDRs = [block]
            } else {
                inventory.skip("second IPv6 CIDR block of a VPC")
            }
        case "aws_egress_only_internet_gateway":
            inventory.egressOnlyInternetGateways.append(
                .init(id: try id(i), name: r.nameTag, vpc: try ref(r, "vpc_id"), origin: x.origin))
        case "aws_vpc_peering_connection":
            if let peer = try r.scalar("peer_region", &doc), let mine = inventory.region, peer != mine {
                inventory.skip("inter-Region VPC peering connection")
                return
            }
            let dns = ["accepter", "requester"].contains {
                r.block($0)?.bool("allow_remote_vpc_dns_resolution") == true
            }
            inventory.peeringConnections.append(
                .init(
                    id: try id(i), name: r.nameTag, requester: try ref(r, "vpc_id"),
                    accepter: try ref(r, "peer_vpc_id"),
                    dnsResolution: dns, origin: x.origin))
        case "aws_vpc_peering_connection_accepter":
            // The accepting side of a connection requested elsewhere (another account's
            // configuration); when the requester is in this input too, the connection is read there.
            interconnect.accepters.append(
                (
                    try ref(r, "vpc_peering_connection_id"), try optionalRef(r, "peer_vpc_id"),
                    try optionalRef(r, "vpc_id"), r.block("accepter")?.bool("allow_remote_vpc_dns_resolution") == true,
                    x.origin
                ))
        case "aws_ec2_transit_gateway":
            let tgw = try id(i)
            inventory.transitGateways.append(
                .init(id: tgw, name: r.nameTag, account: r.value.string("owner_id"), origin: x.origin))
            // Both default to enable: attachments are then associated with, and propagate to, the
            // default route table AWS creates.
            let associate = (r.value.string("default_route_table_association") ?? "enable") == "enable"
            let propagate = (r.value.string("default_route_table_propagation") ?? "enable") == "enable"
            var table: String?
            if associate || propagate {
                table = try doc.attribute(i, "association_default_route_table_id")
                if let t = table {
                    inventory.transitGatewayRouteTables.append(
                        .init(
                            id: t, name: "default route table of \(r.nameTag ?? tgw)",
                            transitGateway: Ref(id: tgw, origin: x.origin), origin: x.origin))
                }
            }
            interconnect.defaults.append((tgw, table, associate, propagate))
        case "aws_ec2_transit_gateway_vpc_attachment":
            let attachment = try id(i)
            let tgw = try ref(r, "transit_gateway_id")
            inventory.transitGatewayAttachments.append(
                .init(
                    id: attachment, transitGateway: tgw, vpc: try ref(r, "vpc_id"), subnets: try refs(r, "subnet_ids"),
                    applianceMode: r.value.string("appliance_mode_support") == "enable", origin: x.origin))
            interconnect.attachmentDefaults.append(
                (
                    attachment, tgw.id, r.bool("transit_gateway_default_route_table_association") ?? true,
                    r.bool("transit_gateway_default_route_table_propagation") ?? true, x.origin
                ))
        case "aws_ec2_transit_gateway_route_table":
            inventory.transitGatewayRouteTables.append(
                .init(
                    id: try id(i), name: r.nameTag, transitGateway: try ref(r, "transit_gateway_id"), origin: x.origin))
        case "aws_ec2_transit_gateway_route_table_association":
            interconnect.associations.append(
                (try ref(r, "transit_gateway_route_table_id"), try ref(r, "transit_gateway_attachment_id")))
        case "aws_ec2_transit_gateway_route_table_propagation":
            interconnect.propagations.append(
                (try ref(r, "transit_gateway_route_table_id"), try ref(r, "transit_gateway_attachment_id")))
        default: // aws_ec2_transit_gateway_route
            let destination = try ref(r, "destination_cidr_block")
            let target =
                r.bool("blackhole") == true
                ? Ref(id: "blackhole", origin: r.origin.at("blackhole")) : try ref(r, "transit_gateway_attachment_id")
            interconnect.routes.append(
                (
                    try ref(r, "transit_gateway_route_table_id"),
                    .init(destination: destination.id, destinationOrigin: destination.origin, target: target)
                ))
        }
    }

    /// Accepters of connections requested elsewhere; default and explicit associations and
    /// propagations, and static routes, onto their tables.
    mutating func finishInterconnect() throws(ImportError) {
        for a in interconnect.accepters
        where !inventory.peeringConnections.contains(where: { $0.id == a.connection.id }) {
            guard let requester = a.requester, let accepter = a.accepter else {
                throw ImportError(a.origin, "the accepter names no VPC of the connection (vpc_id, peer_vpc_id)")
            }
            inventory.peeringConnections.append(
                .init(
                    id: a.connection.id, name: nil, requester: requester, accepter: accepter, dnsResolution: a.dns,
                    origin: a.origin))
        }
        func table(_ r: Ref) throws(ImportError) -> Int {
            guard let t = inventory.transitGatewayRouteTables.firstIndex(where: { $0.id == r.id }) else {
                throw ImportError(r.origin, "no aws_ec2_transit_gateway_route_table '\(r.id)' in the \(what)")
            }
            return t
        }
        let explicit = Set(interconnect.associations.map(\.attachment.id))
        for a in interconnect.attachmentDefaults {
            guard let d = interconnect.defaults.first(where: { $0.tgw == a.tgw }), let t = d.table else { continue }
            let ref = Ref(id: t, origin: a.origin), attachment = Ref(id: a.attachment, origin: a.origin)
            if a.associate && d.associate && !explicit.contains(a.attachment) {
                interconnect.associations.append((ref, attachment))
            }
            if a.propagate && d.propagate { interconnect.propagations.append((ref, attachment)) }
        }
        for (t, a) in interconnect.associations {
            let k = try table(t)
            if !inventory.transitGatewayRouteTables[k].associations.contains(where: { $0.id == a.id }) {
                inventory.transitGatewayRouteTables[k].associations.append(a)
            }
        }
        for (t, a) in interconnect.propagations {
            let k = try table(t)
            if !inventory.transitGatewayRouteTables[k].propagations.contains(where: { $0.id == a.id }) {
                inventory.transitGatewayRouteTables[k].propagations.append(a)
            }
        }
        for (t, route) in interconnect.routes { inventory.transitGatewayRouteTables[try table(t)].routes.append(route) }
    }
}
