import Wire
import NetModel

/// Resources that join VPCs: VPC peering connections (and, with them, security-group references
/// across a peering connection).
extension Builder {
    /// `vpc-peering-connections: [{id: pcx-…, requester: vpc-…, accepter: vpc-…,
    /// allow-dns-resolution-from-remote-vpc: true}]`. Only an active (accepted) connection is
    /// modelled; the two VPCs' blocks must not overlap (AWS refuses the request,
    /// https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html).
    mutating func peeringConnection(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "requester", "accepter", "allow-dns-resolution-from-remote-vpc"])
        let id = try declare(try m.required("id"), kind: "peering connection")
        let aNode = try m.required("requester"), bNode = try m.required("accepter")
        let a = try lookup(vpcByID, aNode, kind: "vpc"), b = try lookup(vpcByID, bNode, kind: "vpc")
        guard a != b else { throw bNode.fail("a VPC cannot peer with itself") }
        for x in net.vpcs[a.int].cidrs {
            for y in net.vpcs[b.int].cidrs where x.family == y.family && x.overlaps(y) {
                throw bNode.fail(
                    "\(net.vpcs[b.int].id)'s \(y) overlaps \(net.vpcs[a.int].id)'s \(x): VPCs with overlapping "
                        + "CIDR blocks cannot be peered (see "
                        + "https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html)")
            }
        }
        for c in net.peeringConnections where Set([c.requester, c.accepter]) == Set([a, b]) {
            throw n.fail("\(c.id) already peers \(net.vpcs[a.int].id) and \(net.vpcs[b.int].id)")
        }
        var c = PeeringConnection(id: id, requester: a, accepter: b)
        if let d = m["allow-dns-resolution-from-remote-vpc"] {
            let on = try d.bool()
            c.requesterResolvesAccepterPrivateNames = on
            c.accepterResolvesRequesterPrivateNames = on
        }
        peeringByID[id] = PeeringConnectionIndex(net.peeringConnections.count)
        net.peeringConnections.append(c)
    }

    /// Whether VPCs `a` and `b` are joined by a peering connection: a security group may then
    /// reference a group of the other VPC (same Region,
    /// https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html).
    func peered(_ a: VPCIndex, _ b: VPCIndex) -> Bool {
        net.peeringConnections.contains { $0.peer(of: a) == b }
    }
}

/// Transit gateways: `transit-gateways: [{id: tgw-…, attachments: […], route-tables: […]}]`.
extension Builder {
    /// A transit gateway with its VPC attachments (one network interface per listed subnet, at
    /// most one subnet per Availability Zone,
    /// https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html) and its route tables
    /// (associations, propagations, static and blackhole routes,
    /// https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html).
    mutating func transitGateway(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "account", "attachments", "route-tables"])
        let id = try declare(try m.required("id"), kind: "transit gateway")
        let t = TransitGatewayIndex(net.transitGateways.count)
        tgwByID[id] = t
        net.transitGateways.append(TransitGateway(id: id, accountID: try m["account"]?.accountID() ?? account))
        for a in try m["attachments"]?.list() ?? [] { try transitGatewayAttachment(a, t) }
        var associated: [TransitGatewayAttachmentIndex: String] = [:]
        for r in try m["route-tables"]?.list() ?? [] {
            let rm = try r.mapping(allowed: ["id", "associations", "propagations", "routes"])
            let rid = try declare(try rm.required("id"), kind: "transit gateway route table")
            let rt = TransitGatewayRouteTableIndex(net.transitGatewayRouteTables.count)
            var table = TransitGatewayRouteTable(id: rid, transitGateway: t)
            func attachment(_ x: YNode) throws -> TransitGatewayAttachmentIndex {
                let a = try lookup(tgwAttachmentByID, x, kind: "transit gateway attachment")
                guard net.transitGatewayAttachments[a.int].transitGateway == t else {
                    throw x.fail("\(try x.string()) is attached to another transit gateway, not \(id)")
                }
                return a
            }
            // An attachment is associated with exactly one route table.
            for x in try rm["associations"]?.list() ?? [] {
                let a = try attachment(x)
                if let other = associated[a] {
                    throw x.fail(
                        "\(try x.string()) is already associated with \(other) (one route table per attachment)")
                }
                associated[a] = rid
                net.transitGatewayAttachments[a.int].routeTable = rt
            }
            var destinations = Set<CIDR>()
            for x in try rm["routes"]?.list() ?? [] {
                let xm = try x.mapping(allowed: ["destination", "target"])
                let dNode = try xm.required("destination")
                let d = try dNode.anyCIDR()
                guard destinations.insert(d).inserted else { throw dNode.fail("\(rid) already has a route for \(d)") }
                let tNode = try xm.required("target")
                let target: TransitGatewayRouteTarget =
                    try tNode.string() == "blackhole" ? .blackhole : .attachment(try attachment(tNode))
                table.routes.append(TransitGatewayRoute(destination: d, target: target, propagated: false))
            }
            // Propagation adds the attachment VPC's CIDR blocks as routes to it.
            for x in try rm["propagations"]?.list() ?? [] {
                let a = try attachment(x)
                guard !table.propagations.contains(a) else { throw x.fail("\(try x.string()) propagates twice") }
                table.propagations.append(a)
                for c in net.vpcs[net.transitGatewayAttachments[a.int].vpc.int].cidrs {
                    table.routes.append(TransitGatewayRoute(destination: c, target: .attachment(a), propagated: true))
                }
            }
            tgwRouteTableByID[rid] = rt
            net.transitGatewayRouteTables.append(table)
        }
    }

    mutating func transitGatewayAttachment(_ n: YNode, _ t: TransitGatewayIndex) throws {
        let m = try n.mapping(allowed: ["id", "vpc", "subnets", "appliance-mode"])
        let id = try declare(try m.required("id"), kind: "transit gateway attachment")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        for a in net.transitGatewayAttachments where a.vpc == v && a.transitGateway == t {
            throw n.fail("\(net.vpcs[v.int].id) is already attached to \(net.transitGateways[t.int].id) by \(a.id)")
        }
        let a = TransitGatewayAttachmentIndex(net.transitGatewayAttachments.count)
        var subnets: [SubnetIndex] = [], enis: [ENIIndex] = []
        let list = try (try m.required("subnets")).list()
        guard !list.isEmpty else { throw n.fail("an attachment needs at least one subnet") }
        for sNode in list {
            let s = try lookup(subnetByID, sNode, kind: "subnet")
            guard net.subnets[s.int].vpc == v else {
                throw sNode.fail("\(try sNode.string()) is not in \(net.vpcs[v.int].id)")
            }
            if let other = subnets.first(where: { net.subnets[$0.int].zone == net.subnets[s.int].zone }) {
                throw sNode.fail(
                    "\(net.subnets[other.int].id) is already the attachment's subnet in its Availability Zone "
                        + "(one subnet per AZ)")
            }
            let key = id + "#" + net.subnets[s.int].id
            let e = try managedENI(
                in: s, allocationKey: key, eniKey: "tgw-attachment:" + key, groups: [],
                kind: .transitGatewayAttachment(a),
                description: "Network Interface for Transit Gateway Attachment \(id)", at: sNode
            ) { $0.linkBitsPerSecond = 100_000_000_000 }
            subnets.append(s); enis.append(e)
        }
        tgwAttachmentByID[id] = a
        net.transitGatewayAttachments.append(
            TransitGatewayAttachment(
                id: id, transitGateway: t, vpc: v, subnets: subnets, enis: enis,
                applianceMode: try m["appliance-mode"]?.bool() ?? false))
    }
}
