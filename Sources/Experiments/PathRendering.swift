import SimCore
import Wire
import NetModel

/// Turns the network's trace steps into explained steps: the AWS id of each deciding resource,
/// its rule, and one line of text.
struct PathStepRenderer {
    enum Direction { case forward, `return` }
    let network: Network
    let naming: PathNaming
    /// The packet as last seen (leave/arrive), for the steps that do not carry it.
    var current: Packet?
    var previous: TraceStep?
    /// The text of the last drop rendered (for the outcome line).
    var lastDropText: String?

    init(network: Network, naming: PathNaming) {
        self.network = network
        self.naming = naming
    }

    /// `initial`: the packet as its sender made it, for decisions taken before any step shows it.
    mutating func render(_ steps: [TraceStep], direction: Direction, initial: Packet? = nil) -> [PathStep] {
        current = initial
        previous = nil
        lastDropText = nil
        var out: [PathStep] = []
        for s in steps {
            out.append(render(s))
            previous = s
        }
        return out
    }

    mutating func render(_ step: TraceStep) -> PathStep {
        switch step {
        case .leave(let e, let p):
            current = p
            return PathStep(
                kind: "leave", resource: network.enis[e.int].id, packet: Self.describe(p),
                text: "leave \(naming.eniLabel(e)): \(Self.describe(p))")
        case .sent(let h, let p):
            current = p
            return PathStep(
                kind: "sent", resource: naming.hostLabel(h), packet: Self.describe(p),
                text: "sent by \(naming.hostLabel(h)): \(Self.describe(p))")
        case .arrive(let e, let p):
            current = p
            return PathStep(
                kind: "arrive", resource: network.enis[e.int].id, packet: Self.describe(p),
                text: "arrive at \(naming.eniLabel(e)): \(Self.describe(p))")
        case .securityGroup(let e, let dir, let verdict):
            return securityGroup(e, dir, verdict)
        case .networkACL(let a, let subnet, let dir, let rule, let allowed):
            return networkACL(a, subnet, dir, rule: rule, allowed: allowed)
        case .sameSubnet(let s):
            let sn = network.subnets[s.int]
            return PathStep(
                kind: "same-subnet", resource: sn.id,
                text: "same subnet \(sn.id) (\(sn.primaryCIDR)): switched directly, no route table and no network ACL")
        case .route(let d):
            return route(d)
        case .internetGateway(let g, let from, let to):
            let id = network.internetGateways[g.int].id
            let outbound = network.vpcs[network.internetGateways[g.int].vpc.int].contains(from)
            let what = outbound ? "source" : "destination"
            let why: String
            if outbound {
                why =
                    network.natGateways.contains { n in n.elasticIPs.contains(to) }
                    ? "the NAT gateway's Elastic IP" : "the ENI's public IP, 1:1 NAT"
            } else {
                why = "1:1 NAT back to the private address"
            }
            return PathStep(
                kind: "internet-gateway", resource: id, rule: "\(what) \(from) → \(to)",
                text: "internet gateway \(id): \(what) \(from) → \(to) (\(why))")
        case .natGateway(let n, let from, let fromPort, let to, let toPort):
            let gw = network.natGateways[n.int]
            let addresses = [gw.privateIP] + network.enis[gw.eni.int].secondaryIPs
            let reply = addresses.contains(from)
            let what = reply ? "destination" : "source"
            var t = "\(what) \(Self.hostPort(from, fromPort)) → \(Self.hostPort(to, toPort))"
            if let p = current, p.protocolNumber == IPProtocol.icmp {
                // ICMP queries are translated by echo identifier (carried as the source port), which
                // the trace step does not record for replies: the packet that arrived carries it.
                t =
                    reply
                    ? "\(what) \(from) → \(to), echo identifier \(p.sourcePort) → \(toPort)"
                    : "\(what) \(from) → \(to), echo identifier \(fromPort) → \(toPort)"
            }
            return PathStep(
                kind: "nat-gateway", resource: gw.id, rule: t,
                text: "NAT gateway \(gw.id): \(t)" + (reply ? " (reply translated back to the inside host)" : ""))
        case .gatewayEndpoint(let g):
            let ep = network.gatewayEndpoints[g.int]
            let service = "com.amazonaws.\(network.region).\(ep.service)"
            let towardService: Bool
            if case .route? = previous { towardService = true } else { towardService = false }
            let text =
                towardService
                ? "gateway endpoint \(ep.id) (\(service)): to \(PathNaming.serviceName(ep.service)) over the AWS "
                    + "network, the private source address kept"
                : "gateway endpoint \(ep.id) (\(service)): back into \(network.vpcs[ep.vpc.int].id)"
            return PathStep(kind: "gateway-endpoint", resource: ep.id, rule: service, text: text)
        case .internetGatewayIPv6(let g, let outbound):
            let id = network.internetGateways[g.int].id
            let text =
                outbound
                ? "internet gateway \(id): IPv6 out untranslated (the ENI's address is globally unique)"
                : "internet gateway \(id): IPv6 in untranslated to the ENI that owns the address"
            return PathStep(kind: "internet-gateway", resource: id, rule: outbound ? "ipv6 out" : "ipv6 in", text: text)
        case .egressOnlyInternetGateway(let g, let outbound):
            let id = network.egressOnlyInternetGateways[g.int].id
            let text =
                outbound
                ? "egress-only internet gateway \(id): IPv6 out, the flow remembered so its replies may return"
                : "egress-only internet gateway \(id): inbound IPv6, let in only as a reply to a flow sent out"
            return PathStep(
                kind: "egress-only-internet-gateway", resource: id, rule: outbound ? "out" : "in", text: text)
        case .peeringConnection(let c, let from, let to):
            let id = network.peeringConnections[c.int].id
            return PathStep(
                kind: "peering-connection", resource: id,
                rule: "\(network.vpcs[from.int].id) → \(network.vpcs[to.int].id)",
                text:
                    "peering connection \(id): from \(network.vpcs[from.int].id) into \(network.vpcs[to.int].id) "
                    + "(delivered only to addresses of that VPC: no transitive routing)")
        case .transitGatewayIngress(let a, let eni):
            let at = network.transitGatewayAttachments[a.int]
            let tgw = network.transitGateways[at.transitGateway.int].id
            return PathStep(
                kind: "transit-gateway", resource: tgw, rule: "attachment \(at.id)",
                text:
                    "transit gateway \(tgw): in through attachment \(at.id) (its interface "
                    + "\(network.enis[eni.int].id) in \(network.subnets[network.enis[eni.int].subnet.int].id))")
        case .transitGatewayRoute(let rt, let i, let to, let eni, let appliance):
            let table = network.transitGatewayRouteTables[rt.int]
            let r = table.routes[i]
            let dest = network.transitGatewayAttachments[to.int]
            let how =
                appliance
                ? "appliance mode: the interface a hash of the flow picks"
                : "the interface in the same AZ when there is one"
            return PathStep(
                kind: "transit-gateway-route", resource: table.id, rule: "\(r.destination)",
                target: dest.id,
                text:
                    "transit gateway route table \(table.id): \(r.destination) → \(dest.id) "
                    + "(\(r.propagated ? "propagated" : "static"), longest match); out through "
                    + "\(network.enis[eni.int].id) in \(network.vpcs[dest.vpc.int].id) (\(how))")
        case .delivered(let h, let p):
            return PathStep(
                kind: "delivered", resource: naming.hostLabel(h), packet: Self.describe(p),
                text: "delivered to \(naming.hostLabel(h)): \(Self.describe(p))")
        case .dropped(let r):
            lastDropText = dropText(r)
            return PathStep(
                kind: "dropped", resource: dropResource(r), rule: r.code, verdict: "denied",
                text: "dropped: \(dropText(r)) (\(r.code))")
        }
    }

    // MARK: Filters

    func securityGroup(_ e: ENIIndex, _ dir: TrafficDirection, _ verdict: SecurityGroupVerdict) -> PathStep {
        let eni = network.enis[e.int]
        let word = dir == .ingress ? "ingress" : "egress"
        switch verdict {
        case .allowedByRule(let g, let i):
            let sg = network.securityGroups[g.int]
            let r = (dir == .ingress ? sg.ingress : sg.egress)[i]
            let arrow = dir == .ingress ? "←" : "→"
            let rule = "\(word) rule \(i + 1)"
            var text =
                "security group \(sg.id)\(sg.name != sg.id ? " (\(sg.name))" : "") \(rule): "
                + "\(Self.ruleMatch(r.protocolNumber, r.ports)) \(arrow) \(peer(r.peer, dir)) (allowed)"
            if !r.description.isEmpty { text += " — \(r.description)" }
            return PathStep(kind: "security-group", resource: sg.id, rule: rule, verdict: "allowed", text: text)
        case .trackedFlow:
            return PathStep(
                kind: "security-group", resource: eni.id, rule: "tracked connection", verdict: "allowed",
                text:
                    "security groups of \(eni.id) \(word): allowed as part of a tracked connection (stateful: replies "
                    + "need no rule)"
            )
        case .notApplicable:
            return PathStep(
                kind: "security-group", resource: eni.id, rule: "none", verdict: "allowed",
                text: "\(naming.eniLabel(e)): no security groups apply (a NAT gateway takes none)")
        case .denied:
            let groups = eni.securityGroups.map { network.securityGroups[$0.int] }
            let names = groups.map { $0.name != $0.id ? "\($0.id) (\($0.name))" : $0.id }.joined(separator: ", ")
            var what = "traffic"
            if let p = current {
                let peer = dir == .ingress ? p.source : p.destination
                what =
                    "\(Self.protocolName(p.protocolNumber)) \(Self.portText(p)) \(dir == .ingress ? "from" : "to") "
                    + "\(peer)"
            }
            return PathStep(
                kind: "security-group", resource: groups.first?.id ?? eni.id, rule: "no \(word) rule matches",
                verdict: "denied",
                text:
                    "security group\(groups.count == 1 ? "" : "s") \(names) of \(eni.id): no \(word) rule allows "
                    + "\(what) (denied)"
            )
        }
    }

    /// `sg-… (name; 10.0.1.5 is a member)`, `pl-… (name)`, or the CIDR.
    func peer(_ p: SecurityGroupPeer, _ dir: TrafficDirection) -> String {
        switch p {
        case .cidr(let c): return "\(c)"
        case .prefixList(let pl): return network.prefixLists[pl.int].id
        case .securityGroup(let g):
            let sg = network.securityGroups[g.int]
            var s = sg.id
            var notes: [String] = []
            if sg.name != sg.id { notes.append(sg.name) }
            if let pkt = current {
                let a = dir == .ingress ? pkt.source : pkt.destination
                notes.append("\(a) is a member")
            }
            if !notes.isEmpty { s += " (" + notes.joined(separator: "; ") + ")" }
            return s
        }
    }

    func networkACL(_ a: NetworkACLIndex, _ s: SubnetIndex, _ dir: TrafficDirection, rule: Int32, allowed: Bool)
        -> PathStep
    {
        let acl = network.networkACLs[a.int]
        let word = dir == .ingress ? "inbound" : "outbound"
        let number = rule == NetworkACLEntry.defaultDenyRuleNumber ? "*" : "\(rule)"
        var text =
            "network ACL \(acl.id) (\(network.subnets[s.int].id)) \(word) rule \(number) "
            + "(\(allowed ? "allow" : "deny"))"
        if let e = (dir == .ingress ? acl.inbound : acl.outbound).first(where: { $0.ruleNumber == rule }) {
            text += ": \(Self.ruleMatch(e.protocolNumber, e.ports)) \(dir == .ingress ? "from" : "to") \(e.cidr)"
        } else {
            text += ": no numbered rule matches"
        }
        return PathStep(
            kind: "network-acl", resource: acl.id, rule: "\(word) rule \(number)",
            verdict: allowed ? "allowed" : "denied", text: text)
    }

    // MARK: Routes

    func routeTargetID(_ t: RouteTarget) -> String {
        switch t {
        case .local: return "local"
        case .internetGateway(let g): return network.internetGateways[g.int].id
        case .natGateway(let n): return network.natGateways[n.int].id
        case .gatewayEndpoint(let g): return network.gatewayEndpoints[g.int].id
        case .networkInterface(let e): return network.enis[e.int].id
        case .blackhole: return "blackhole"
        case .egressOnlyInternetGateway(let g): return network.egressOnlyInternetGateways[g.int].id
        case .peeringConnection(let c): return network.peeringConnections[c.int].id
        case .transitGateway(let t): return network.transitGateways[t.int].id
        }
    }

    func routeDestinationText(_ r: Route, matched: CIDR) -> String {
        switch r.destination {
        case .cidr: return "\(matched)"
        case .prefixList(let pl): return "\(matched) via \(network.prefixLists[pl.int].id)"
        }
    }

    func route(_ d: RouteDecision) -> PathStep {
        let rt = network.routeTables[d.routeTable.int]
        let r = rt.routes[d.route]
        let dest = routeDestinationText(r, matched: d.matchedPrefix)
        let target = routeTargetID(d.target)
        // Other routes of the table that also contain the address: what the winner overrides.
        var others: [(prefix: CIDR, text: String, isPrefixList: Bool)] = []
        if let a = current?.destination {
            for (i, o) in rt.routes.enumerated() where i != d.route {
                switch o.destination {
                case .cidr(let c) where c.contains(a):
                    others.append((c, "\(c) → \(routeTargetID(o.target))", false))
                case .prefixList(let pl):
                    if let c = network.prefixLists[pl.int].cidrs.filter({ $0.contains(a) }).max(by: {
                        $0.prefixLength < $1.prefixLength
                    }) {
                        others.append(
                            (c, "\(network.prefixLists[pl.int].id) (\(c)) → \(routeTargetID(o.target))", true))
                    }
                default: break
                }
            }
        }
        var why = "longest match"
        let winnerIsCIDR: Bool = { if case .cidr = r.destination { return true } else { return false } }()
        if others.contains(where: { $0.prefix.prefixLength == d.matchedPrefix.prefixLength && $0.isPrefixList })
            && winnerIsCIDR
        {
            why = "a CIDR route wins over a prefix-list route of the same length"
        }
        if !others.isEmpty { why += "; overrides " + others.map(\.text).joined(separator: ", ") }
        var text = "route table \(rt.id): \(dest) → \(target) (\(why))"
        if r.origin == "CreateVpcEndpoint" { text += ", added by the endpoint" }
        return PathStep(kind: "route", resource: rt.id, rule: dest, target: target, text: text)
    }

    // MARK: Drops

    func dropResource(_ r: DropReason) -> String {
        switch r {
        case .noRoute(let t), .blackholeRoute(let t, _): return network.routeTables[t.int].id
        case .networkACL(let a, _, _): return network.networkACLs[a.int].id
        case .securityGroup(let e, _): return network.enis[e.int].id
        case .noPublicAddress(let g), .exceedsPathMTU(let g, _): return network.internetGateways[g.int].id
        case .privateNATToInternet(let n), .natPortAllocation(let n), .natNoTranslation(let n),
            .natUnsupportedProtocol(let n):
            return network.natGateways[n.int].id
        case .unreachableAddress: return current.map { "\($0.destination)" } ?? ""
        case .noSuchAddressInVPC(let v): return network.vpcs[v.int].id
        case .endpointServiceMismatch(let g): return network.gatewayEndpoints[g.int].id
        case .hostGone(let h), .noSocket(let h): return naming.hostLabel(h)
        case .egressOnlyInbound(let g), .exceedsPathMTUEgressOnly(let g, _):
            return network.egressOnlyInternetGateways[g.int].id
        case .peeringNotTransitive(let c): return network.peeringConnections[c.int].id
        case .transitGatewayNoAttachmentInZone(let a), .transitGatewayNoAssociation(let a):
            return network.transitGatewayAttachments[a.int].id
        case .transitGatewayNoRoute(let t), .transitGatewayBlackhole(let t, _):
            return network.transitGatewayRouteTables[t.int].id
        case .nat64OutsidePrefix(let n): return network.natGateways[n.int].id
        }
    }

    func dropText(_ r: DropReason) -> String {
        let dst = current.map { "\($0.destination)" } ?? "the destination"
        switch r {
        case .noRoute(let t):
            return "no route in \(network.routeTables[t.int].id) matches \(dst)"
        case .blackholeRoute(let t, let i):
            let rt = network.routeTables[t.int]
            let d: String
            switch rt.routes[i].destination {
            case .cidr(let c): d = "\(c)"
            case .prefixList(let pl): d = network.prefixLists[pl.int].id
            }
            return "route \(d) in \(rt.id) is a blackhole (its target no longer exists)"
        case .networkACL(let a, let dir, let rule):
            return
                "network ACL \(network.networkACLs[a.int].id) \(dir == .ingress ? "inbound" : "outbound") rule "
                + "\(rule == NetworkACLEntry.defaultDenyRuleNumber ? "*" : "\(rule)") denies it"
        case .securityGroup(let e, let dir):
            let ids = network.enis[e.int].securityGroups.map { network.securityGroups[$0.int].id }.joined(
                separator: ", ")
            return
                "no \(dir == .ingress ? "ingress" : "egress") rule of security group \(ids) on "
                + "\(network.enis[e.int].id) allows it"
        case .noPublicAddress(let g):
            let src = current.map { "\($0.source)" } ?? "the source"
            return
                "internet gateway \(network.internetGateways[g.int].id) has no public IPv4 to translate \(src) to: the "
                + "ENI has no public or Elastic IP (a Lambda ENI never has one; use a NAT gateway)"
        case .exceedsPathMTU(let g, let mtu):
            let size = current.map { "\($0.ipTotalLength)-byte" } ?? "the"
            return
                "internet gateway \(network.internetGateways[g.int].id) carries at most \(mtu) bytes: \(size) packet "
                + "dropped (Don't Fragment set: ICMP fragmentation needed goes back to the sender)"
        case .exceedsPathMTUEgressOnly(let g, let mtu):
            let size = current.map { "\($0.ipTotalLength)-byte" } ?? "the"
            return
                "egress-only internet gateway \(network.egressOnlyInternetGateways[g.int].id) carries at most \(mtu) "
                + "bytes: \(size) packet dropped (ICMPv6 Packet Too Big goes back to the sender)"
        case .privateNATToInternet(let n):
            return "\(network.natGateways[n.int].id) is a private NAT gateway: the internet gateway drops its traffic"
        case .natPortAllocation(let n):
            return "\(network.natGateways[n.int].id) has no free source port for this destination (ErrorPortAllocation)"
        case .natNoTranslation(let n):
            return "\(network.natGateways[n.int].id) has no translation for this flow"
        case .natUnsupportedProtocol(let n):
            return "\(network.natGateways[n.int].id) forwards TCP, UDP and ICMP only"
        case .unreachableAddress:
            return "no simulated host owns \(dst)"
        case .noSuchAddressInVPC(let v):
            return "no network interface in \(network.vpcs[v.int].id) owns \(dst)"
        case .endpointServiceMismatch(let g):
            let ep = network.gatewayEndpoints[g.int]
            return
                "\(ep.id) reaches only \(PathNaming.serviceName(ep.service)) in \(network.region), and \(dst) is not "
                + "one of its addresses"
        case .hostGone(let h):
            return "\(naming.hostLabel(h)) no longer exists"
        case .noSocket(let h):
            return "\(naming.hostLabel(h)) has no socket for it"
        case .egressOnlyInbound(let g):
            return
                "egress-only internet gateway \(network.egressOnlyInternetGateways[g.int].id) lets no connection in "
                + "from the internet (only replies to IPv6 traffic the VPC sent out)"
        case .peeringNotTransitive(let c):
            return
                "\(dst) is not in the VPC on the other side of \(network.peeringConnections[c.int].id) "
                + "(peering does not route transitively)"
        case .transitGatewayNoAttachmentInZone(let a):
            return
                "attachment \(network.transitGatewayAttachments[a.int].id) has no subnet in the sender's Availability "
                + "Zone, so the sender cannot reach the transit gateway"
        case .transitGatewayNoAssociation(let a):
            return
                "attachment \(network.transitGatewayAttachments[a.int].id) is associated with no transit gateway "
                + "route table"
        case .transitGatewayNoRoute(let t):
            return
                "no route in transit gateway route table \(network.transitGatewayRouteTables[t.int].id) matches \(dst)"
        case .transitGatewayBlackhole(let t, let i):
            let table = network.transitGatewayRouteTables[t.int]
            return "route \(table.routes[i].destination) in transit gateway route table \(table.id) is a blackhole"
        case .nat64OutsidePrefix(let n):
            return
                "\(network.natGateways[n.int].id) translates IPv6 only to 64:ff9b::/96 (NAT64), and \(dst) is not in it"
        }
    }

    // MARK: Text

    static func protocolName(_ p: UInt8) -> String {
        switch p {
        case IPProtocol.tcp: return "tcp"
        case IPProtocol.udp: return "udp"
        case IPProtocol.icmp: return "icmp"
        default: return "protocol \(p)"
        }
    }

    static func portText(_ p: Packet) -> String {
        if p.protocolNumber == IPProtocol.icmp {
            return "type \(p.destinationPort >> 8) code \(p.destinationPort & 0xFF)"
        }
        return "port \(p.destinationPort)"
    }

    /// `tcp 443`, `udp 1024-65535`, `all traffic`, `icmp type 8 code any`.
    static func ruleMatch(_ proto: ProtocolSelector, _ ports: PortRange) -> String {
        switch proto {
        case -1: return "all traffic"
        case 6, 17: return "\(proto == 6 ? "tcp" : "udp") \(ports)"
        case 1:
            if ports.from == 65535 { return "icmp all" }
            return "icmp type \(ports.from) code \(ports.to == 65535 ? "any" : "\(ports.to)")"
        default: return "protocol \(proto)"
        }
    }

    /// `10.0.1.5:51234 → 52.94.0.74:443 tcp S`.
    static func describe(_ p: Packet) -> String {
        switch p.protocolNumber {
        case IPProtocol.tcp:
            return
                "\(hostPort(p.source, p.sourcePort)) → \(hostPort(p.destination, p.destinationPort)) tcp \(p.tcpFlags)"
        case IPProtocol.udp:
            return "\(hostPort(p.source, p.sourcePort)) → \(hostPort(p.destination, p.destinationPort)) udp"
        case IPProtocol.icmp:
            let type = p.destinationPort >> 8
            let name =
                type == 8 ? "echo request" : type == 0 ? "echo reply" : "type \(type) code \(p.destinationPort & 0xFF)"
            return "\(p.source) → \(p.destination) icmp \(name) id \(p.sourcePort)"
        default:
            return "\(p.source) → \(p.destination) protocol \(p.protocolNumber)"
        }
    }
}

extension PathStepRenderer {
    /// `10.0.1.5:443`, or `[2600:1f18::1]:443` for IPv6 (RFC 3986 §3.2.2), so the port is told apart.
    static func hostPort(_ a: IPAddress, _ port: UInt16) -> String {
        a.isIPv4 ? "\(a):\(port)" : "[\(a)]:\(port)"
    }
}
