import NetModel
import Topology
import Workloads
import Capture

/// A loaded topology's network as sorted lines, one per resource, every reference by id: what
/// "the same network" means for a round trip. Compared: VPCs (account, CIDRs, main route table,
/// default ACL, internet gateway), availability zones, subnets (VPC, CIDR, zone, route table, ACL),
/// route tables (VPC, main, every route's destination, target and origin), network ACLs (every
/// entry), security groups (name, VPC, rules as sets: EC2 lists a group's rules grouped by
/// protocol and ports, so their order is not kept), internet and NAT gateways (addresses, Elastic
/// IPs), gateway endpoints (service, prefix list, route tables, policy), prefix lists, every
/// network interface (subnet, addresses, MAC, groups, what it belongs to, Nitro, description),
/// instance names, functions (runtime, timeout, interfaces), databases (interface, port, address,
/// endpoint), flow logs (resource, traffic type, interval, format, destination, account), IPv6
/// blocks, addresses and DNS64, egress-only internet gateways, peering connections, and transit
/// gateways with their attachments and route tables.
/// Not compared, as no AWS API describes them: workloads, traffic, captures, a flow log's
/// `max-flows-per-window`, a function's memory (not modelled), a group's description (not modelled).
enum NetworkListing {
    static func lines(_ s: Scenario) -> [String] {
        let n = s.network
        func sg(_ g: SecurityGroupIndex) -> String { n.securityGroups[g.int].id }
        func rule(_ r: SecurityGroupRule) -> String {
            let peer: String
            switch r.peer {
            case .cidr(let c): peer = c.description
            case .prefixList(let p): peer = n.prefixLists[p.int].id
            case .securityGroup(let g): peer = sg(g)
            }
            return "\(r.protocolNumber)/\(r.ports.from)-\(r.ports.to)/\(peer)/\(r.description)"
        }
        func entry(_ e: NetworkACLEntry) -> String {
            "\(e.ruleNumber) \(e.protocolNumber) \(e.ports.from)-\(e.ports.to) \(e.cidr) \(e.allow ? "allow" : "deny")"
        }
        var out: [String] = []
        for v in n.vpcs {
            out.append(
                "vpc \(v.id) account=\(v.accountID) cidrs=\(v.cidrs.map(\.description)) "
                    + "main=\(n.routeTables[v.mainRouteTable.int].id) acl=\(n.networkACLs[v.defaultNetworkACL.int].id) "
                    + "igw=\(v.internetGateway.map { n.internetGateways[$0.int].id } ?? "-")")
        }
        for z in n.zones { out.append("zone \(z.name) \(z.id)") }
        for x in n.subnets {
            out.append(
                "subnet \(x.id) vpc=\(n.vpcs[x.vpc.int].id) cidr=\(x.ipv4CIDR?.description ?? "-") "
                    + "zone=\(n.zones[x.zone.int].name) "
                    + "rtb=\(n.routeTables[x.routeTable.int].id) acl=\(n.networkACLs[x.networkACL.int].id) "
                    + "ipv6=\(x.ipv6CIDR?.description ?? "-") dns64=\(x.dns64)")
        }
        for t in n.routeTables {
            let routes = t.routes.map { r -> String in
                let d: String
                switch r.destination {
                case .cidr(let c): d = c.description
                case .prefixList(let p): d = n.prefixLists[p.int].id
                }
                let target: String
                switch r.target {
                case .local: target = "local"
                case .blackhole: target = "blackhole"
                case .internetGateway(let g): target = n.internetGateways[g.int].id
                case .natGateway(let g): target = n.natGateways[g.int].id
                case .gatewayEndpoint(let g): target = n.gatewayEndpoints[g.int].id
                case .networkInterface(let e): target = n.enis[e.int].id
                case .egressOnlyInternetGateway(let g): target = n.egressOnlyInternetGateways[g.int].id
                case .peeringConnection(let c): target = n.peeringConnections[c.int].id
                case .transitGateway(let t): target = n.transitGateways[t.int].id
                }
                return "\(d)→\(target)(\(r.origin))"
            }
            out.append("rtb \(t.id) vpc=\(n.vpcs[t.vpc.int].id) main=\(t.isMain) routes=\(routes.sorted())")
        }
        for a in n.networkACLs {
            out.append(
                "acl \(a.id) vpc=\(n.vpcs[a.vpc.int].id) default=\(a.isDefault) in=\(a.inbound.map(entry)) "
                    + "out=\(a.outbound.map(entry))")
        }
        for g in n.securityGroups {
            out.append(
                "sg \(g.id) name=\(g.name) vpc=\(n.vpcs[g.vpc.int].id) in=\(g.ingress.map(rule).sorted()) "
                    + "out=\(g.egress.map(rule).sorted())")
        }
        for g in n.internetGateways { out.append("igw \(g.id) vpc=\(n.vpcs[g.vpc.int].id)") }
        for g in n.natGateways {
            out.append(
                "nat \(g.id) subnet=\(n.subnets[g.subnet.int].id) eni=\(n.enis[g.eni.int].id) ip=\(g.privateIP) "
                    + "eips=\(g.elasticIPs.map(\.description))")
        }
        for e in n.gatewayEndpoints {
            out.append(
                "vpce \(e.id) vpc=\(n.vpcs[e.vpc.int].id) service=\(e.service) "
                    + "pl=\(n.prefixLists[e.prefixList.int].id) "
                    + "tables=\(e.routeTables.map { n.routeTables[$0.int].id }) policy=\(e.policy)")
        }
        for p in n.prefixLists { out.append("pl \(p.id) name=\(p.name) cidrs=\(p.cidrs.map(\.description))") }
        for e in n.enis {
            out.append(
                "eni \(e.id) subnet=\(n.subnets[e.subnet.int].id) ip=\(e.privateIP) secondary=\(e.secondaryIPs) "
                    + "public=\(e.publicIP.map(\.description) ?? "-") mac=\(e.mac) groups=\(e.securityGroups.map(sg)) "
                    + "kind=\(e.kind) account=\(e.accountID) nitro=\(e.nitro) description=\(e.description) "
                    + "ipv6=\(e.ipv6Addresses.map(\.description))")
        }
        for g in n.egressOnlyInternetGateways { out.append("eigw \(g.id) vpc=\(n.vpcs[g.vpc.int].id)") }
        for c in n.peeringConnections {
            out.append(
                "pcx \(c.id) \(n.vpcs[c.requester.int].id)→\(n.vpcs[c.accepter.int].id) "
                    + "dns=\(c.requesterResolvesAccepterPrivateNames)/\(c.accepterResolvesRequesterPrivateNames)")
        }
        for t in n.transitGateways { out.append("tgw \(t.id) account=\(t.accountID)") }
        for a in n.transitGatewayAttachments {
            out.append(
                "tgw-attach \(a.id) tgw=\(n.transitGateways[a.transitGateway.int].id) vpc=\(n.vpcs[a.vpc.int].id) "
                    + "subnets=\(a.subnets.map { n.subnets[$0.int].id }) enis=\(a.enis.map { n.enis[$0.int].id }) "
                    + "rtb=\(a.routeTable.map { n.transitGatewayRouteTables[$0.int].id } ?? "-") "
                    + "appliance=\(a.applianceMode)")
        }
        for t in n.transitGatewayRouteTables {
            let routes = t.routes.map { r -> String in
                let target: String
                switch r.target {
                case .blackhole: target = "blackhole"
                case .attachment(let a): target = n.transitGatewayAttachments[a.int].id
                }
                return "\(r.destination)→\(target)\(r.propagated ? "(propagated)" : "")"
            }
            out.append(
                "tgw-rtb \(t.id) tgw=\(n.transitGateways[t.transitGateway.int].id) routes=\(routes.sorted()) "
                    + "propagations=\(t.propagations.map { n.transitGatewayAttachments[$0.int].id }.sorted())")
        }
        for i in s.instances { out.append("instance \(i.name) eni=\(n.enis[i.eni.int].id)") }
        for f in s.world.functions {
            out.append(
                "function \(f.name) runtime=\(f.runtime.name) timeout=\(f.timeout.nanoseconds) "
                    + "enis=\(f.enis.map { n.enis[$0.int].id })")
        }
        for d in s.world.databases {
            out.append(
                "database \(d.identifier) eni=\(n.enis[d.eni.int].id) port=\(d.port) ip=\(d.address) "
                    + "endpoint=\(d.endpoint)"
            )
        }
        for l in s.flowLogs {
            let resource: String
            switch l.resource {
            case .vpc(let v): resource = n.vpcs[v.int].id
            case .subnet(let x): resource = n.subnets[x.int].id
            case .networkInterface(let e): resource = n.enis[e.int].id
            case .transitGateway(let t): resource = n.transitGateways[t.int].id
            case .transitGatewayAttachment(let a): resource = n.transitGatewayAttachments[a.int].id
            }
            out.append(
                "flowlog \(l.id) resource=\(resource) traffic=\(l.trafficType) interval=\(l.maxAggregationInterval) "
                    + "format=\(l.format.logFormatString) destination=\(l.destination) account=\(l.accountID)")
        }
        return out.sorted()
    }
}
