import SimCore
import Wire
import NetModel
import Workloads

/// A load balancer as the file declares it, until its nodes join the world.
struct PlacedLoadBalancer {
    struct Listener {
        var port: UInt16
        var tls: Bool
        var policy: TLSServerProfileID
        var targetGroup: Int
    }
    struct TargetGroup {
        var name: String
        var port: UInt16
        var targets: [ENIIndex]
    }
    var index: LoadBalancerIndex
    var listeners: [Listener]
    var targetGroups: [TargetGroup]
    /// Its nodes' hosts, in the order of its ENIs (phase 3).
    var hosts: [HostIndex] = []
}

extension Builder {
    /// `load-balancers: [{name: web-alb, type: application, scheme: internet-facing, subnets: […],
    /// security-groups: […], listeners: [{protocol: HTTPS, port: 443, ssl-policy: …,
    /// default-target-group: web}], target-groups: [{name: web, protocol: HTTP, port: 8080,
    /// targets: [web-*]}]}]`: one requester-managed ENI per subnet, described
    /// `ELB app/<name>/<id>`, with a public IPv4 address when internet-facing
    /// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html).
    mutating func loadBalancer(_ n: YNode) throws {
        let m = try n.mapping(allowed: [
            "name", "type", "scheme", "subnets", "security-groups", "listeners", "target-groups",
        ])
        let nameNode = try m.required("name")
        let name = try nameNode.string()
        // "This name must be unique per region per account, can have a maximum of 32 characters,
        // must contain only alphanumeric characters or hyphens, must not begin or end with a
        // hyphen, and must not begin with internal-" (CreateLoadBalancer, Name).
        guard (1...32).contains(name.count),
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }),
            !name.hasPrefix("-"), !name.hasSuffix("-"), !name.hasPrefix("internal-")
        else {
            throw nameNode.fail(
                "'\(name)' is not a load balancer name: 1–32 letters, digits or hyphens, not beginning or ending "
                    + "with a hyphen, not beginning with 'internal-'")
        }
        guard loadBalancers[name] == nil else { throw nameNode.fail("duplicate load balancer name '\(name)'") }
        let typeNode = m["type"]
        let typeWord = try typeNode?.string() ?? "application"
        guard let type = LoadBalancerType(rawValue: typeWord) else {
            throw typeNode!.fail("'\(typeWord)' is not a load balancer type (application or network)")
        }
        guard type == .application else {
            throw typeNode!.fail(
                "Network Load Balancers are not modelled yet (client IP preservation, TCP/TLS listeners); "
                    + "use type: application")
        }
        let schemeNode = m["scheme"]
        let scheme = try schemeNode?.string() ?? "internet-facing"
        guard scheme == "internet-facing" || scheme == "internal" else {
            throw schemeNode!.fail("'\(scheme)' is not a load balancer scheme (internet-facing or internal)")
        }
        let internetFacing = scheme == "internet-facing"

        let subnetsNode = try m.required("subnets")
        // "You can specify only one subnet per Availability Zone" (subnets of a load balancer).
        // Every IP address type of an Application Load Balancer gives its nodes private IPv4
        // addresses (ipv4, dualstack, dualstack-without-public-ipv4: "public IPv6 addresses and
        // private IPv4 and IPv6 addresses",
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_SetIpAddressType.html).
        let subnets = try subnetsOnePerZone(
            subnetsNode, of: "a load balancer", id: name, vpc: nil,
            ipv6Only: "an Application Load Balancer's nodes need private IPv4 addresses whatever its IpAddressType; "
                + "use a subnet with an IPv4 block")
        // "You must select at least two Availability Zone subnets" for an Application Load Balancer
        // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/
        // application-load-balancers.html#availability-zones).
        guard subnets.count >= 2 else {
            throw subnetsNode.fail("an Application Load Balancer needs subnets in at least two availability zones")
        }
        let v = net.subnets[subnets[0].int].vpc
        if internetFacing && net.vpcs[v.int].internetGateway == nil {
            throw (schemeNode ?? n).fail(
                "an internet-facing load balancer needs an internet gateway in \(net.vpcs[v.int].id)")
        }
        let groups = try securityGroups(m, vpc: v)

        // Target groups first: listeners name them.
        var targetGroups: [PlacedLoadBalancer.TargetGroup] = []
        for t in try (try m.required("target-groups")).list() {
            let tm = try t.mapping(allowed: ["name", "protocol", "port", "targets"])
            let tgName = try (try tm.required("name")).string()
            guard !targetGroups.contains(where: { $0.name == tgName }) else {
                throw tm["name"]!.fail("duplicate target group name '\(tgName)'")
            }
            if let p = tm["protocol"], try p.string() != "HTTP" {
                throw p.fail("target groups speak HTTP to their targets here (HTTPS to targets is not modelled)")
            }
            let port = UInt16(try (try tm.required("port")).int(1...65535))
            var targets: [ENIIndex] = []
            let targetsNode = try tm.required("targets")
            for x in try targetsNode.list() {
                let pattern = try x.string()
                let matches = instanceOrder.filter {
                    EndpointPolicy.wildcardMatch(pattern, $0.name, caseInsensitive: false)
                }
                guard !matches.isEmpty else { throw x.fail("no instance matches '\(pattern)'") }
                for t in matches {
                    guard net.enis[t.eni.int].vpc == v else {
                        throw x.fail("instance \(t.name) is in another VPC than load balancer \(name)")
                    }
                    if !targets.contains(t.eni) { targets.append(t.eni) }
                }
            }
            guard !targets.isEmpty else { throw targetsNode.fail("a target group needs at least one target") }
            targetGroups.append(.init(name: tgName, port: port, targets: targets))
        }
        var listeners: [PlacedLoadBalancer.Listener] = []
        for l in try (try m.required("listeners")).list() {
            let lm = try l.mapping(allowed: ["protocol", "port", "ssl-policy", "certificate", "default-target-group"])
            let protoNode = try lm.required("protocol")
            let proto = try protoNode.string()
            guard proto == "HTTPS" || proto == "HTTP" else {
                throw protoNode.fail("an Application Load Balancer's listeners speak HTTP or HTTPS, not '\(proto)'")
            }
            let port = UInt16(try (try lm.required("port")).int(1...65535))
            guard !listeners.contains(where: { $0.port == port }) else {
                throw lm["port"]!.fail("load balancer \(name) already has a listener on port \(port)")
            }
            var policy = TLSServerProfileID.elbTLS13_1_2_2021_06
            if let p = lm["ssl-policy"] {
                guard proto == "HTTPS" else { throw p.fail("only an HTTPS listener takes an ssl-policy") }
                let word = try p.string()
                guard let chosen = TLSServerProfileID.elbSecurityPolicy(word) else {
                    throw p.fail(
                        "'\(word)' is not a security policy vpcsim models (one of: "
                            + TLSServerProfileID.elbSecurityPolicies.joined(separator: ", ") + ")")
                }
                policy = chosen
            }
            if let c = lm["certificate"] {
                guard proto == "HTTPS" else { throw c.fail("only an HTTPS listener takes a certificate") }
                _ = try c.string()
            }
            let tgNode = try lm.required("default-target-group")
            let tgName = try tgNode.string()
            guard let tg = targetGroups.firstIndex(where: { $0.name == tgName }) else {
                throw tgNode.fail("load balancer \(name) has no target group named '\(tgName)'")
            }
            listeners.append(.init(port: port, tls: proto == "HTTPS", policy: policy, targetGroup: tg))
        }
        guard !listeners.isEmpty else { throw n.fail("a load balancer needs at least one listener") }

        let index = LoadBalancerIndex(net.loadBalancers.count)
        let arnID = Self.loadBalancerID(name)
        var enis: [ENIIndex] = []
        for s in subnets {
            let key = "elb:\(name):\(net.subnets[s.int].id)"
            // "Each load balancer node in the Availability Zone uses this network interface to get
            // a static IP address" (Network interfaces); an internet-facing node's public IPv4
            // address comes from Amazon's pool, not an Elastic IP.
            let publicIP = internetFacing ? try autoPublicIP(key: key, at: subnetsNode) : nil
            enis.append(
                try managedENI(
                    in: s, allocationKey: key, eniKey: key, groups: groups, kind: .loadBalancer(index),
                    description: "ELB \(type.arnSegment)/\(name)/\(arnID)", at: subnetsNode
                ) { $0.publicIP = publicIP })
        }
        let dnsName =
            (internetFacing ? "" : "internal-") + "\(name)-\(Self.loadBalancerDNSNumber(name)).\(catalog.name)"
            + ".elb.amazonaws.com"
        net.loadBalancers.append(
            LoadBalancer(
                name: name, type: type, internetFacing: internetFacing, vpc: v, arnID: arnID, enis: enis,
                dnsName: dnsName))
        loadBalancers[name] = PlacedLoadBalancer(index: index, listeners: listeners, targetGroups: targetGroups)
    }

    /// The 16 hexadecimal digits ending a load balancer's ARN (random there; derived from the name
    /// here, so the same file always gives the same id).
    static func loadBalancerID(_ name: String) -> String {
        let h = FNV1a64.hash(("elb-arn:" + name).utf8)
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: (0..<16).map { digits[Int((h >> UInt64(60 - 4 * $0)) & 0xF)] }, as: UTF8.self)
    }

    /// The number in a load balancer's DNS name (`my-load-balancer-1234567890.…`): ten digits,
    /// derived from the name.
    static func loadBalancerDNSNumber(_ name: String) -> UInt64 {
        1_000_000_000 + FNV1a64.hash(("elb-dns:" + name).utf8) % 9_000_000_000
    }

    /// Each load balancer's nodes: one host per ENI, its DNS name answered by the VPC's resolver
    /// with the nodes' addresses (private ones; an internet client picks a node's public address).
    mutating func attachLoadBalancers(_ world: inout World) {
        for name in loadBalancers.keys.sorted(by: { loadBalancers[$0]!.index < loadBalancers[$1]!.index }) {
            let lb = world.network.loadBalancers[loadBalancers[name]!.index.int]
            loadBalancers[name]!.hosts = lb.enis.map { world.addHost(.eni($0), role: .loadBalancer) }
            world.addDNSRecord(lb.dnsName, lb.enis.map { world.network.enis[$0.int].privateIP })
        }
    }

    /// `to: load-balancer:<name>` of a session generator: the nodes, at their public addresses
    /// for internet clients of an internet-facing load balancer, and the listener on `port`.
    func balancerPeers(
        _ n: YNode, name: String, port: UInt16, publicSide: Bool, _ world: World
    ) throws -> (peers: [Peer], route: BalancerRoute, listener: PlacedLoadBalancer.Listener) {
        guard let placed = loadBalancers[name] else {
            let hint = closest(name, in: Array(loadBalancers.keys)).map { " (did you mean '\($0)'?)" } ?? ""
            throw n.fail("no load balancer named '\(name)'\(hint)")
        }
        let lb = world.network.loadBalancers[placed.index.int]
        if publicSide && !lb.internetFacing {
            throw n.fail("load balancer \(name) is internal: internet clients cannot reach it")
        }
        guard let listener = placed.listeners.first(where: { $0.port == port }) else {
            let ports = placed.listeners.map { String($0.port) }.joined(separator: ", ")
            throw n.fail("load balancer \(name) has no listener on port \(port) (its listeners: \(ports))")
        }
        let peers = zip(lb.enis, placed.hosts).map { e, h in
            let eni = world.network.enis[e.int]
            return Peer(host: h, pool: [publicSide ? eni.publicIP! : eni.privateIP])
        }
        let group = placed.targetGroups[listener.targetGroup]
        let targets = group.targets.map { e in
            Peer(host: world.network.enis[e.int].host!, pool: [world.network.enis[e.int].privateIP])
        }
        let route = BalancerRoute(
            loadBalancer: placed.index, listenerTLS: listener.tls, targets: targets, targetPort: group.port)
        return (peers, route, listener)
    }
}
