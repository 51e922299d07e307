/// Egress-only internet gateways, VPC peering connections and transit gateways in the written
/// topology, and the checks that what they name is in the input.
extension TopologyWriter {
    mutating func writeInterconnect(_ inv: Inventory) {
        section("egress-only-internet-gateways", inv.egressOnlyInternetGateways) { g in
            (g.name, g.origin, [("id", g.id), ("vpc", g.vpc.id)])
        }
        section("vpc-peering-connections", inv.peeringConnections) { c in
            var f: [(String, String)] = [("id", c.id), ("requester", c.requester.id), ("accepter", c.accepter.id)]
            if c.dnsResolution { f.append(("allow-dns-resolution-from-remote-vpc", "true")) }
            return (c.name, c.origin, f)
        }
        sectionBlock("transit-gateways", inv.transitGateways) { t in
            var f: [(String, String)] = [("id", t.id)]
            if let a = t.account, a != inv.account { f.append(("account", quoted(a))) }
            let attachments = inv.transitGatewayAttachments.filter { $0.transitGateway.id == t.id }.map { a in
                "{id: \(a.id), vpc: \(a.vpc.id), subnets: \(flow(a.subnets.map(\.id)))"
                    + (a.applianceMode ? ", appliance-mode: true}" : "}")
            }
            let tables = inv.transitGatewayRouteTables.filter { $0.transitGateway.id == t.id }.map { r in
                var parts = ["id: \(r.id)"]
                if !r.associations.isEmpty { parts.append("associations: \(flow(r.associations.map(\.id)))") }
                if !r.propagations.isEmpty { parts.append("propagations: \(flow(r.propagations.map(\.id)))") }
                if !r.routes.isEmpty {
                    let routes = r.routes.map {
                        "{destination: \(plain($0.destination)), target: \(plain($0.target.id))}"
                    }
                    parts.append("routes: [\(routes.joined(separator: ", "))]")
                }
                return "{" + parts.joined(separator: ", ") + "}"
            }
            return (t.name, t.origin, f, [("attachments", attachments), ("route-tables", tables)])
        }
    }

    func checkInterconnect(_ inv: Inventory, vpcs: Set<String>, subnets: Set<String>) throws(ImportError) {
        let eigws = Set(inv.egressOnlyInternetGateways.map(\.id))
        let peerings = Set(inv.peeringConnections.map(\.id))
        let tgws = Set(inv.transitGateways.map(\.id))
        let attachments = Set(inv.transitGatewayAttachments.map(\.id))
        for g in inv.egressOnlyInternetGateways { try need(g.vpc, in: vpcs, "VPC") }
        for c in inv.peeringConnections {
            try need(c.requester, in: vpcs, "VPC")
            try need(c.accepter, in: vpcs, "VPC")
        }
        for a in inv.transitGatewayAttachments {
            try need(a.transitGateway, in: tgws, "transit gateway")
            try need(a.vpc, in: vpcs, "VPC")
            for s in a.subnets { try need(s, in: subnets, "subnet") }
        }
        for t in inv.transitGatewayRouteTables {
            try need(t.transitGateway, in: tgws, "transit gateway")
            for a in t.associations + t.propagations { try need(a, in: attachments, "transit gateway attachment") }
            for r in t.routes where r.target.id != "blackhole" {
                try need(r.target, in: attachments, "transit gateway attachment")
            }
        }
        for t in inv.routeTables {
            for r in t.routes {
                let id = r.target.id
                if id.hasPrefix("eigw-") { try need(r.target, in: eigws, "egress-only internet gateway") }
                if id.hasPrefix("pcx-") { try need(r.target, in: peerings, "VPC peering connection") }
                if id.hasPrefix("tgw-") { try need(r.target, in: tgws, "transit gateway") }
            }
        }
        for l in inv.flowLogs {
            if l.resource.id.hasPrefix("tgw-attach-") {
                try need(l.resource, in: attachments, "transit gateway attachment")
            } else if l.resource.id.hasPrefix("tgw-") {
                try need(l.resource, in: tgws, "transit gateway")
            }
        }
    }
}
