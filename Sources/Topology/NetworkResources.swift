import Yams
import Wire
import NetModel

/// Network resources: prefix lists, VPCs, route tables and their routes, internet gateways,
/// NAT gateways and gateway endpoints (subnets: Subnets.swift).
extension Builder {
    mutating func prefixList(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "name", "cidrs"])
        let id = try declare(try m.required("id"), kind: "prefix list")
        let cidrs = try (try m.required("cidrs")).list().map { try $0.cidr() }
        prefixListByID[id] = PrefixListIndex(net.prefixLists.count)
        net.prefixLists.append(PrefixList(id: id, name: try m["name"]?.string() ?? id, cidrs: cidrs))
    }

    mutating func vpc(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "cidr", "cidrs", "account", "ipv6-cidr"])
        let id = try declare(try m.required("id"), kind: "vpc")
        var cidrs: [CIDR] = []
        if let c = m["cidr"] { cidrs.append(try c.cidr()) }
        if let cs = m["cidrs"] { cidrs += try cs.list().map { try $0.cidr() } }
        guard !cidrs.isEmpty else { throw n.fail("a VPC needs a 'cidr'") }
        for (i, c) in cidrs.enumerated() where !(16...28).contains(c.prefixLength) {
            throw (m["cidr"] ?? m["cidrs"]!).fail(
                "VPC CIDR blocks must be /16 to /28 (aws: \(c) has /\(c.prefixLength)); block \(i + 1)")
        }
        // An IPv6 block is a /56 (Amazon-provided; BYOIP and IPAM pools allow /44 to /60, the
        // sizes accepted here: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html).
        if let c6 = m["ipv6-cidr"] {
            let c = try c6.cidr(.ipv6)
            guard (44...60).contains(c.prefixLength) && c.prefixLength % 4 == 0 else {
                throw c6.fail("a VPC's IPv6 block is /44 to /60 in steps of 4 (\(c) has /\(c.prefixLength))")
            }
            cidrs.append(c)
        }
        vpcByID[id] = VPCIndex(net.vpcs.count)
        // Placeholders: the main route table and default ACL are set in ensureDefaults().
        net.vpcs.append(
            VPC(
                id: id, accountID: try m["account"]?.accountID() ?? account, cidrs: cidrs,
                mainRouteTable: RouteTableIndex(raw: .max), defaultNetworkACL: NetworkACLIndex(raw: .max)))
    }

    mutating func routeTable(_ n: YNode) throws -> (RouteTableIndex, YMap) {
        let m = try n.mapping(allowed: ["id", "vpc", "main", "routes"])
        let id = try declare(try m.required("id"), kind: "route table")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        let main = try m["main"]?.bool() ?? false
        let t = RouteTableIndex(net.routeTables.count)
        if main {
            if net.vpcs[v.int].mainRouteTable.raw != .max {
                throw m["main"]!.fail(
                    "\(net.vpcs[v.int].id) already has a main route table "
                        + "(\(net.routeTables[net.vpcs[v.int].mainRouteTable.int].id))"
                )
            }
            net.vpcs[v.int].mainRouteTable = t
        }
        routeTableByID[id] = t
        net.routeTables.append(RouteTable(id: id, vpc: v, routes: localRoutes(v), isMain: main))
        return (t, m)
    }

    func localRoutes(_ v: VPCIndex) -> [Route] {
        net.vpcs[v.int].cidrs.map { Route(destination: .cidr($0), target: .local, origin: "CreateRouteTable") }
    }

    /// Every VPC has a main route table (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html) and a
    /// default ACL (rule 100 allows all, https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html);
    /// create them when the file does not.
    mutating func ensureDefaults(_ root: YNode) throws {
        for v in net.vpcs.indices {
            let vpc = net.vpcs[v]
            if vpc.mainRouteTable.raw == .max {
                let id = Self.generatedID("rtb-", "main:" + vpc.id)
                net.vpcs[v].mainRouteTable = RouteTableIndex(net.routeTables.count)
                routeTableByID[id] = net.vpcs[v].mainRouteTable
                net.routeTables.append(
                    RouteTable(id: id, vpc: VPCIndex(v), routes: localRoutes(VPCIndex(v)), isMain: true))
            }
            if vpc.defaultNetworkACL.raw == .max {
                let id = Self.generatedID("acl-", "default:" + vpc.id)
                net.vpcs[v].defaultNetworkACL = NetworkACLIndex(net.networkACLs.count)
                aclByID[id] = net.vpcs[v].defaultNetworkACL
                var all = [
                    NetworkACLEntry(
                        ruleNumber: 100, protocolNumber: -1, ports: .all, cidr: CIDR("0.0.0.0/0")!, allow: true)
                ]
                // With an IPv6 block the default ACL has rule 101 allowing ::/0 as well
                // (https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html).
                if vpc.cidrs.contains(where: { !$0.isIPv4 }) {
                    all.append(
                        NetworkACLEntry(
                            ruleNumber: 101, protocolNumber: -1, ports: .all, cidr: CIDR("::/0")!, allow: true))
                }
                net.networkACLs.append(
                    NetworkACL(id: id, vpc: VPCIndex(v), isDefault: true, inbound: all, outbound: all))
            }
        }
    }

    mutating func internetGateway(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "vpc"])
        let id = try declare(try m.required("id"), kind: "internet gateway")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        if let g = net.vpcs[v.int].internetGateway {
            throw n.fail("\(net.vpcs[v.int].id) already has \(net.internetGateways[g.int].id) attached")
        }
        let g = InternetGatewayIndex(net.internetGateways.count)
        igwByID[id] = g
        net.vpcs[v.int].internetGateway = g
        net.internetGateways.append(InternetGateway(id: id, vpc: v))
    }

    /// `egress-only-internet-gateways: [{id: eigw-…, vpc: vpc-…}]`: one per VPC.
    mutating func egressOnlyInternetGateway(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "vpc"])
        let id = try declare(try m.required("id"), kind: "egress-only internet gateway")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        if let g = net.vpcs[v.int].egressOnlyInternetGateway {
            throw n.fail("\(net.vpcs[v.int].id) already has \(net.egressOnlyInternetGateways[g.int].id) attached")
        }
        let g = EgressOnlyInternetGatewayIndex(net.egressOnlyInternetGateways.count)
        eigwByID[id] = g
        net.vpcs[v.int].egressOnlyInternetGateway = g
        net.egressOnlyInternetGateways.append(EgressOnlyInternetGateway(id: id, vpc: v))
    }

    mutating func natGateway(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "subnet", "connectivity", "elastic-ip", "elastic-ips", "private-ip"])
        let id = try declare(try m.required("id"), kind: "NAT gateway")
        let s = try lookup(subnetByID, try m.required("subnet"), kind: "subnet")
        let connectivity = try m["connectivity"]?.string() ?? "public"
        var eips: [IPAddress] = []
        if let e = m["elastic-ip"] { eips.append(try e.ipv4()) }
        if let es = m["elastic-ips"] { eips += try es.list().map { try $0.ipv4() } }
        switch connectivity {
        case "public":
            guard !eips.isEmpty else {
                throw n.fail(
                    "a public NAT gateway needs an 'elastic-ip' (see "
                        + "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html)")
            }
            guard eips.count <= 8 else { throw n.fail("a NAT gateway has at most 8 addresses") }
        case "private":
            guard eips.isEmpty else { throw m["elastic-ip"]!.fail("a private NAT gateway has no Elastic IP") }
        default:
            throw m["connectivity"]!.fail("'\(connectivity)' must be public or private")
        }
        // A NAT gateway has a private IPv4 address; for IPv6-only workloads it goes in a dual-stack
        // subnet and translates their 64:ff9b::/96 traffic (NAT64)
        // (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html).
        if net.subnets[s.int].isIPv6Only {
            throw m["subnet"]!.fail(
                "\(net.subnets[s.int].id) is IPv6-only (ipv6-native): a NAT gateway needs a private IPv4 address; put "
                    + "it in a dual-stack subnet (see "
                    + "https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html)"
            )
        }
        let ip = try allocate(in: s, want: try m["private-ip"]?.ipv4(), key: id, at: m["private-ip"] ?? n)
        let g = NATGatewayIndex(net.natGateways.count)
        let eniID = LoaderIDs.natGatewayENI(id)
        var eni = ENI(
            id: eniID, subnet: s, vpc: net.subnets[s.int].vpc, privateIP: ip, mac: Self.mac(for: eniID),
            securityGroups: [],
            kind: .natGateway(g), accountID: net.vpcs[net.subnets[s.int].vpc.int].accountID)
        // Each further Elastic IP pairs with a secondary private address
        // (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html).
        for k in 1..<max(eips.count, 1) {
            eni.secondaryIPs.append(try allocate(in: s, want: nil, key: "\(id)#\(k)", at: n))
        }
        eni.description = "Interface for NAT Gateway \(id)"
        eni.linkBitsPerSecond = 100_000_000_000
        let e = ENIIndex(net.enis.count)
        eniByID[eniID] = e
        net.enis.append(eni)
        natByID[id] = g
        net.natGateways.append(NATGateway(id: id, subnet: s, eni: e, privateIP: ip, elasticIPs: eips))
    }

    mutating func endpoint(_ n: YNode) throws {
        let m = try n.mapping(allowed: [
            "id", "vpc", "service", "type", "route-tables", "policy", "subnets", "security-groups", "private-dns",
        ])
        let id = try declare(try m.required("id"), kind: "VPC endpoint")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        let type = try m["type"]?.string() ?? "Gateway"
        switch type.lowercased() {
        case "gateway":
            for k in ["subnets", "security-groups", "private-dns"] {
                if let x = m[k] { throw x.fail("'\(k)' is for interface endpoints (type: Interface)") }
            }
        case "interface":
            return try interfaceEndpoint(n, m, id: id, vpc: v)
        default:
            throw m["type"]!.fail("'\(type)' must be Gateway or Interface")
        }
        let svcNode = try m.required("service")
        let svc = try svcNode.regional(catalog.name)
        let short = svc.split(separator: ".").last.map(String.init) ?? svc
        guard svc == "com.amazonaws.\(catalog.name).\(short)", let pl = catalog.prefixList(forService: short) else {
            throw svcNode.fail(
                "'\(svc)' is not a gateway endpoint service of \(catalog.name) (com.amazonaws.\(catalog.name).dynamodb "
                    + "or .s3)"
            )
        }
        var tables: [RouteTableIndex] = []
        for t in try m["route-tables"]?.list() ?? [] {
            let rt = try lookup(routeTableByID, t, kind: "route table")
            guard net.routeTables[rt.int].vpc == v else {
                throw t.fail("\(try t.string()) is in another VPC than \(id)")
            }
            tables.append(rt)
        }
        let policy = try m["policy"].map { try endpointPolicy($0) } ?? .fullAccess
        let g = GatewayEndpointIndex(net.gatewayEndpoints.count)
        endpointByID[id] = g
        let plIndex = prefixListByID[pl.id]!
        net.gatewayEndpoints.append(
            GatewayEndpoint(id: id, vpc: v, service: short, prefixList: plIndex, routeTables: tables, policy: policy))
        // The endpoint's route (prefix list → vpce) is added to each associated table
        // (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html).
        for t in tables {
            if net.routeTables[t.int].routes.contains(where: { $0.destination == .prefixList(plIndex) }) {
                throw n.fail("route table \(net.routeTables[t.int].id) already has a route for \(pl.id)")
            }
            net.routeTables[t.int].routes.append(
                Route(destination: .prefixList(plIndex), target: .gatewayEndpoint(g), origin: "CreateVpcEndpoint"))
        }
    }

    /// An IAM policy document: `Statement` list with Effect, Principal, Action/NotAction, Resource.
    func endpointPolicy(_ n: YNode) throws -> EndpointPolicy {
        var node = n
        if case .scalar = n.node {
            // A JSON string, as the API takes it: read with the same budget as a file.
            let json = try n.string()
            do {
                try YAMLBudget.check(Array(json.utf8), file: n.file)
                guard let parsed = try Yams.compose(yaml: json, .basic) else { throw n.fail("the policy is empty") }
                node = YNode(node: parsed, path: n.path, file: n.file, keyMark: n.mark, origin: n.origin)
            } catch let e as TopologyError where e.line > 0 {
                throw n.fail(
                    "the policy is not valid JSON (line \(e.line), column \(e.column) of the string: \(e.message))")
            } catch let e as TopologyError {
                throw e
            } catch {
                throw n.fail("the policy is not valid JSON")
            }
        }
        let m = try node.mapping(allowed: ["Version", "Statement", "Id"])
        var statements: [EndpointPolicy.Statement] = []
        for s in try (try m.required("Statement")).list() {
            let sm = try s.mapping(allowed: [
                "Sid", "Effect", "Principal", "Action", "NotAction", "Resource", "Condition",
            ])
            if let c = sm["Condition"] { throw c.fail("policy conditions are not modelled") }
            let effectNode = try sm.required("Effect")
            guard let effect = EndpointPolicy.Effect(rawValue: try effectNode.text()) else {
                throw effectNode.fail("Effect must be Allow or Deny")
            }
            var principals = ["*"]
            if let p = sm["Principal"] {
                if case .mapping = p.node {
                    let pm = try p.mapping(allowed: ["AWS"])
                    principals = try (try pm.required("AWS")).textList()
                } else {
                    principals = try p.textList()
                }
            }
            let actions = try sm["Action"]?.textList() ?? []
            let notActions = try sm["NotAction"]?.textList() ?? []
            guard !actions.isEmpty || !notActions.isEmpty else { throw s.fail("a statement needs Action or NotAction") }
            statements.append(
                EndpointPolicy.Statement(
                    sid: try sm["Sid"]?.text(), effect: effect, principals: principals,
                    actions: actions, notActions: notActions,
                    resources: try (try sm.required("Resource")).textList()))
        }
        return EndpointPolicy(statements: statements)
    }

    /// A route table's `routes:`. Each is checked against the table's earlier routes and the VPC's
    /// subnets by set lookups, so a table of many thousands of routes loads in linear time.
    mutating func routes(_ t: RouteTableIndex, _ m: YMap, subnetCIDRs: [VPCIndex: Set<CIDR>]) throws {
        let v = net.routeTables[t.int].vpc
        var destinations = Set(net.routeTables[t.int].routes.map(\.destination))
        for r in try m["routes"]?.list() ?? [] {
            let rm = try r.mapping(allowed: ["destination", "target"])
            let dNode = try rm.required("destination")
            let d = try dNode.string()
            let destination: RouteDestination
            if d.hasPrefix("pl-") {
                destination = .prefixList(try lookup(prefixListByID, dNode, kind: "prefix list"))
            } else {
                let c = try dNode.anyCIDR()
                if net.vpcs[v.int].cidrs.contains(where: { $0.contains(c) }) && subnetCIDRs[v]?.contains(c) != true {
                    throw dNode.fail(
                        "\(c) overlaps the VPC's local route; a more specific route must match a subnet's CIDR exactly "
                            + "(see https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html)"
                    )
                }
                destination = .cidr(c)
            }
            if !destinations.insert(destination).inserted {
                throw dNode.fail("route table \(net.routeTables[t.int].id) already has a route for \(d)")
            }
            let tNode = try rm.required("target")
            let target = try routeTarget(tNode, vpc: v)
            if case .egressOnlyInternetGateway = target, destination.isIPv4Route {
                throw tNode.fail(
                    "an egress-only internet gateway carries IPv6 only; route an IPv6 block (like ::/0) to it (see "
                        + "https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html)")
            }
            // NAT64 happens at a NAT gateway only: the well-known prefix routed anywhere else
            // would carry IPv6 packets nothing translates
            // (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html).
            if destination == .cidr(Network.nat64Prefix) {
                guard case .natGateway = target else {
                    throw tNode.fail(
                        "64:ff9b::/96 carries NAT64 traffic: its target must be a NAT gateway (nat-…) (see "
                            + "https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html)")
                }
            }
            if case .gatewayEndpoint = target {
                throw tNode.fail(
                    "gateway endpoint routes are created by the endpoint: list \(net.routeTables[t.int].id) in the "
                        + "endpoint's 'route-tables' (see "
                        + "https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html)"
                )
            }
            net.routeTables[t.int].routes.append(Route(destination: destination, target: target))
        }
    }

    func routeTarget(_ n: YNode, vpc v: VPCIndex) throws -> RouteTarget {
        let s = try n.string()
        let vpcID = net.vpcs[v.int].id
        if s == "local" { return .local }
        if s == "blackhole" { return .blackhole }
        if s.hasPrefix("igw-") {
            let g = try lookup(igwByID, n, kind: "internet gateway")
            guard net.internetGateways[g.int].vpc == v else {
                throw n.fail("\(s) is attached to another VPC, not \(vpcID)")
            }
            return .internetGateway(g)
        }
        if s.hasPrefix("eigw-") {
            let g = try lookup(eigwByID, n, kind: "egress-only internet gateway")
            guard net.egressOnlyInternetGateways[g.int].vpc == v else {
                throw n.fail("\(s) is attached to another VPC, not \(vpcID)")
            }
            return .egressOnlyInternetGateway(g)
        }
        if s.hasPrefix("tgw-") {
            let g = try lookup(tgwByID, n, kind: "transit gateway")
            guard net.transitGatewayAttachments.contains(where: { $0.transitGateway == g && $0.vpc == v }) else {
                throw n.fail("\(vpcID) is not attached to \(s) (add an attachment under transit-gateways)")
            }
            return .transitGateway(g)
        }
        if s.hasPrefix("pcx-") {
            let c = try lookup(peeringByID, n, kind: "peering connection")
            guard net.peeringConnections[c.int].peer(of: v) != nil else {
                throw n.fail("\(s) does not connect \(vpcID)")
            }
            return .peeringConnection(c)
        }
        if s.hasPrefix("nat-") {
            let g = try lookup(natByID, n, kind: "NAT gateway")
            guard net.subnets[net.natGateways[g.int].subnet.int].vpc == v else {
                throw n.fail("\(s) is in another VPC, not \(vpcID)")
            }
            return .natGateway(g)
        }
        if s.hasPrefix("vpce-") {
            let g = try lookup(endpointByID, n, kind: "VPC endpoint")
            guard net.gatewayEndpoints[g.int].vpc == v else { throw n.fail("\(s) is in another VPC, not \(vpcID)") }
            return .gatewayEndpoint(g)
        }
        if s.hasPrefix("eni-") {
            let e = try lookup(eniByID, n, kind: "network interface")
            guard net.enis[e.int].vpc == v else { throw n.fail("\(s) is in another VPC, not \(vpcID)") }
            return .networkInterface(e)
        }
        throw n.fail(
            "'\(s)' is not a route target (local, blackhole, igw-…, eigw-…, nat-…, vpce-…, eni-…, pcx-…, tgw-…)")
    }
}

extension RouteDestination {
    /// Whether the destination is an IPv4 block (prefix lists here are IPv4: DynamoDB's and S3's).
    var isIPv4Route: Bool {
        if case .cidr(let c) = self { return c.isIPv4 }
        return true
    }
}
