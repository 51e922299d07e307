import Foundation
import SimCore
import Wire
import NetModel
import Workloads
import Messages

/// The dataset parts of a topology: traffic generators and the peers they name.
extension Builder {
    /// A peer reference: `internet:<name>`, `instance:<name>`, `instances:<glob>`, `service:s3`.
    func peers(_ n: YNode, _ world: World, publicSide: Bool) throws -> [Peer] {
        let ref = try n.string()
        let parts = ref.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw n.fail("'\(ref)' is not a peer (internet:<name>, instance:<name>, instances:<glob>, service:s3)")
        }
        switch parts[0] {
        case "internet":
            guard let p = internetByName[parts[1]] else {
                let hint = closest(parts[1], in: Array(internetByName.keys)).map { " (did you mean '\($0)'?)" } ?? ""
                throw n.fail("no internet population named '\(parts[1])'\(hint)")
            }
            return [p]
        case "instance", "instances":
            let pattern = parts[1]
            let matches = instanceOrder.filter {
                EndpointPolicy.wildcardMatch(pattern, $0.name, caseInsensitive: false)
            }
            guard !matches.isEmpty else { throw n.fail("no instance matches '\(pattern)'") }
            if parts[0] == "instance" && matches.count > 1 {
                throw n.fail("'\(pattern)' matches \(matches.count) instances; use instances:")
            }
            return try matches.map { m in
                let eni = world.network.enis[m.eni.int]
                if publicSide {
                    guard let pub = eni.publicIP else {
                        throw n.fail("instance \(m.name) has no public IP to be reached from the internet")
                    }
                    return Peer(host: eni.host!, pool: [pub])
                }
                return Peer(host: eni.host!, pool: [eni.privateIP])
            }
        case "service":
            // A Regional front end with published ranges (S3, DynamoDB): a session's client
            // reaches it by address, or by its `server-name` (a dual-stack name answers AAAA).
            let key = parts[1]
            guard ["s3", "dynamodb"].contains(key),
                let h = world.network.serviceRanges.first(where: { r in
                    if case .awsService(let name) = world.network.hosts[r.host.int] {
                        return name == key
                    } else {
                        return false
                    }
                })?.host, let addresses = catalog.serviceAddresses[key]
            else {
                throw n.fail("generated sessions can reach service:s3 and service:dynamodb")
            }
            // The front end's port 443 serves either the handlers' DynamoDB calls or sessions.
            if key == "dynamodb", world.functions.contains(where: { $0.program.contains(where: Self.callsDynamoDB) }) {
                throw n.fail(
                    "service:dynamodb sessions and functions calling DynamoDB in one topology are not modelled "
                        + "(both would be served on the front end's port 443)")
            }
            return [Peer(host: h, pool: addresses)]
        case "load-balancer":
            // Its nodes (scans and pings reach them; sessions go through `balancerPeers`).
            guard let placed = loadBalancers[parts[1]] else {
                let hint = closest(parts[1], in: Array(loadBalancers.keys)).map { " (did you mean '\($0)'?)" } ?? ""
                throw n.fail("no load balancer named '\(parts[1])'\(hint)")
            }
            let lb = world.network.loadBalancers[placed.index.int]
            if publicSide && !lb.internetFacing {
                throw n.fail("load balancer \(parts[1]) is internal: internet peers cannot reach it")
            }
            return zip(lb.enis, placed.hosts).map { e, h in
                let eni = world.network.enis[e.int]
                return Peer(host: h, pool: [publicSide ? eni.publicIP! : eni.privateIP])
            }
        default:
            throw n.fail("'\(parts[0])' is not a peer kind (internet, instance, instances, service, load-balancer)")
        }
    }

    static func callsDynamoDB(_ step: Step) -> Bool {
        if case .dynamodb = step { return true } else { return false }
    }

    /// Peers with the family of the other side: when an internet peer is IPv6, the instances on
    /// the other side use their IPv6 addresses (a dual-stack host reaches an IPv6 address over
    /// IPv6), and must have one.
    func matchingFamily(_ peers: [Peer], _ others: [Peer], _ world: World, at n: YNode) throws -> [Peer] {
        guard others.contains(where: { isInternet($0, world) && $0.pool.contains { !$0.isIPv4 } }) else { return peers }
        return try peers.map { p in
            guard case .eni(let e) = world.network.hosts[p.host.int] else { return p }
            let eni = world.network.enis[e.int]
            guard !eni.ipv6Addresses.isEmpty else {
                throw n.fail("\(eni.id) has no IPv6 address to reach an IPv6 peer (give its instance 'ipv6-address')")
            }
            return Peer(host: p.host, pool: [eni.ipv6Addresses[0]])
        }
    }

    func isInternet(_ p: Peer, _ world: World) -> Bool {
        switch world.network.hosts[p.host.int] {
        case .publicRange, .publicAddress: return true
        default: return false
        }
    }

    /// `traffic:` entries: `sessions`, `scan` or `ping`, with an optional `label` and `window`.
    mutating func trafficGenerator(_ n: YNode, _ world: inout World) throws {
        let m = try n.mapping(allowed: ["name", "label", "window", "sessions", "scan", "ping"])
        let name = try (try m.required("name")).string()
        var label: UInt8 = 0
        if let l = m["label"] {
            let text = try l.string()
            guard world.labels.contains(text) || world.labels.count <= TopologyLimits.labels else {
                throw l.fail("a file may use at most \(TopologyLimits.labels) distinct labels")
            }
            label = world.labelIndex(text)
        }
        var window = ActiveWindow.always
        if let w = m["window"] {
            let wm = try w.mapping(allowed: ["start", "duration"])
            let start = SimTime.zero + (try wm["start"]?.duration() ?? .zero)
            let end =
                try wm["duration"].map { start + (try $0.duration(in: .nanoseconds(1)...TopologyLimits.longestRun)) }
                ?? SimTime(nanoseconds: .max)
            window = ActiveWindow(start: start, end: end)
        }
        if let sNode = m["sessions"] {
            let sm = try sNode.mapping(allowed: [
                "from", "to", "port", "tls", "server-name", "requests", "request-bytes", "response-bytes",
                "server-time", "think", "rate", "every", "once", "tls-clients",
            ])
            let fromNode = try sm.required("from")
            if try fromNode.string().hasPrefix("load-balancer:") {
                throw fromNode.fail("a load balancer opens no sessions of its own; give it as 'to'")
            }
            var clients = try peers(fromNode, world, publicSide: false)
            let fromInternet = clients.allSatisfy { isInternet($0, world) }
            let toNode = try sm.required("to")
            // An IPv6 internet client reaches instances' (untranslated) IPv6 addresses, not public IPv4.
            let overIPv6 = clients.contains { isInternet($0, world) && $0.pool.contains { !$0.isIPv4 } }
            let port = UInt16(try (try sm.required("port")).int(1...65535))
            var servers: [Peer]
            var balanced: (route: BalancerRoute, listener: PlacedLoadBalancer.Listener)?
            let toRef = try toNode.string()
            if toRef.hasPrefix("load-balancer:") {
                guard !overIPv6 else {
                    throw toNode.fail("load balancers are reached over IPv4 here (dualstack is not modelled)")
                }
                let b = try balancerPeers(
                    toNode, name: String(toRef.dropFirst("load-balancer:".count)), port: port,
                    publicSide: fromInternet, world)
                servers = b.peers
                balanced = (b.route, b.listener)
                if let t = sm["tls"], try t.bool() != b.listener.tls {
                    throw t.fail(
                        "the listener on port \(port) is \(b.listener.tls ? "HTTPS" : "HTTP"): tls is \(b.listener.tls)"
                    )
                }
            } else {
                servers = try peers(toNode, world, publicSide: fromInternet && !overIPv6)
            }
            servers = try matchingFamily(servers, clients, world, at: toNode)
            clients = try matchingFamily(clients, servers, world, at: fromNode)
            var requests = 1...1
            if let r = sm["requests"] {
                requests = try range(r, in: 1...TopologyLimits.mostRequests, what: "a count or range like 1-8")
            }
            var arrivals = ArrivalPattern.none
            if let r = sm["rate"] {
                arrivals = .poisson(perSecond: try r.rate())
            } else if let e = sm["every"] {
                arrivals = .uniform(perSecond: try e.period())
            } else if sm["once"] == nil {
                throw sNode.fail("give a 'rate', 'every' or 'once: true'")
            }
            let spec = SessionSpec(
                name: name, label: label, clients: clients, servers: servers,
                port: port, tls: try balanced.map { $0.listener.tls } ?? sm["tls"]?.bool() ?? true,
                serverName: try sm["server-name"]?.string(), requests: requests,
                requestSize: try sm["request-bytes"].map { try sessionSize($0, SessionSpec.requests) }
                    ?? SessionSpec.requests(median: 600),
                responseSize: try sm["response-bytes"].map { try sessionSize($0, SessionSpec.responses) }
                    ?? SessionSpec.responses(median: 4_000),
                serverTime: try sm["server-time"]?.duration(in: .zero...TopologyLimits.longestDelay)
                    ?? .milliseconds(5),
                think: try sm["think"]?.duration(in: .zero...TopologyLimits.longestDelay) ?? .milliseconds(500),
                arrivals: arrivals, window: window)
            var once = spec
            once.once = try sm["once"]?.bool() ?? false
            once.tlsClients = fromInternet ? .browsers : .applications
            let toService = (try? (try sm.required("to")).string().hasPrefix("service:")) ?? false
            once.tlsServer = toService ? .awsEndpoint : .nginxOpenSSL3
            if let balanced {
                once.tlsServer = balanced.listener.policy
                once.balancer = balanced.route
                // Without a server name, clients use the load balancer's DNS name (SNI and Host).
                if once.serverName == nil {
                    once.serverName = world.network.loadBalancers[balanced.route.loadBalancer.int].dnsName
                }
            }
            if let t = sm["tls-clients"] { once.tlsClients = try tlsClientMix(t) }
            world.addTraffic(.sessions(once))
        } else if let sNode = m["scan"] {
            let sm = try sNode.mapping(allowed: ["from", "to", "ports", "rate", "sequential", "repeat", "tool"])
            var tool = ScannerTool.nmap
            if let t = sm["tool"] {
                let word = try t.string()
                guard let chosen = ScannerTool(rawValue: word) else {
                    throw t.fail(
                        "unknown scanner '\(word)'; one of: "
                            + ScannerTool.allCases.map(\.rawValue).joined(separator: ", "))
                }
                tool = chosen
            }
            let scanner = try peers(try sm.required("from"), world, publicSide: false)
            guard scanner.count == 1 else { throw sm["from"]!.fail("a scan comes from one peer") }
            let fromInternet = isInternet(scanner[0], world) && scanner[0].pool.allSatisfy(\.isIPv4)
            let targets = try matchingFamily(
                try peers(try sm.required("to"), world, publicSide: fromInternet), scanner, world, at: sm["to"]!
            ).flatMap(\.pool)
            world.addTraffic(
                .scan(
                    ScanSpec(
                        name: name, label: label, scanner: scanner[0], targets: targets,
                        ports: try ports(try sm.required("ports")), rate: try (try sm.required("rate")).rate(),
                        window: window, sequential: try sm["sequential"]?.bool() ?? false,
                        repeats: try sm["repeat"]?.bool() ?? false, tool: tool)))
        } else if let pNode = m["ping"] {
            let pm = try pNode.mapping(allowed: ["from", "to", "rate", "every"])
            var from = try peers(try pm.required("from"), world, publicSide: false)
            guard from.count == 1 else { throw pm["from"]!.fail("pings come from one peer") }
            var to = try peers(try pm.required("to"), world, publicSide: isInternet(from[0], world))
            // An IPv6 internet peer on either side: ICMPv6 echo between IPv6 addresses.
            from = try matchingFamily(from, to, world, at: pm["from"]!)
            to = try matchingFamily(to, from, world, at: pm["to"]!)
            let targets = to.flatMap(\.pool)
            var rate = 1.0
            if let r = pm["rate"] {
                rate = try r.rate()
            } else if let e = pm["every"] {
                rate = try e.period()
            }
            world.addTraffic(
                .ping(PingSpec(name: name, label: label, from: from[0], targets: targets, rate: rate, window: window)))
        } else {
            throw n.fail("a traffic entry needs 'sessions', 'scan' or 'ping'")
        }
    }

    /// A session's `request-bytes` or `response-bytes`: one size (`700`, `24kB`) is the median of
    /// the generator's usual spread (`around`, log-normal); `{median: 700, sigma: 0.2}` and
    /// `400-4kB` (uniform) are taken as written, `sigma: 0` being a constant.
    func sessionSize(_ n: YNode, _ around: (Int) -> SizeDistribution) throws -> SizeDistribution {
        let d = try n.sizeDistribution(
            in: 0...TopologyLimits.largestSize, why: "a TCP write of the model counts its bytes in 32 bits")
        if case .scalar = n.node, case .constant(let v) = d, YNode.sizeValue(try n.string()) != nil {
            return around(v)
        }
        return d
    }

    /// `n` or `a-b` (ASCII digits), inside `bounds`.
    func range(_ n: YNode, in bounds: ClosedRange<Int>, what: String) throws -> ClosedRange<Int> {
        let t = try n.string()
        let parts = t.split(separator: "-", omittingEmptySubsequences: false).map { p -> Int? in
            p.utf8.count <= 18 && !p.isEmpty && p.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) ? Int(p) : nil
        }
        guard (1...2).contains(parts.count), let lo = parts.first!, let hi = parts.last!, lo <= hi else {
            throw n.fail("'\(t)' is not \(what)")
        }
        guard bounds.contains(lo), bounds.contains(hi) else {
            throw n.fail("'\(t)' is outside \(bounds.lowerBound) … \(bounds.upperBound)")
        }
        return lo...hi
    }

    /// `[22, 80, 443]`, `1-1024`, or `22`.
    func ports(_ n: YNode) throws -> [UInt16] {
        var out: [UInt16] = []
        let items: [YNode]
        if case .sequence = n.node { items = try n.list() } else { items = [n] }
        for i in items {
            let r = try range(i, in: 1...65535, what: "a port or range like 1-1024")
            out += r.map { UInt16($0) }
        }
        return out
    }
}

extension Builder {
    /// `tls-clients: {chrome: 70, safari: 20, curl: 10}`: weights by client name.
    func tlsClientMix(_ n: YNode) throws -> TLSClientMix {
        let names = TLSClientProfileID.allCases.map(\.name)
        let m = try n.mapping(allowed: names)
        var entries: [TLSClientMix.Entry] = []
        for id in TLSClientProfileID.allCases {
            guard let w = m[id.name] else { continue }
            entries.append(TLSClientMix.Entry(id, UInt32(try w.int(0...1_000_000))))
        }
        entries.removeAll { $0.weight == 0 }
        guard !entries.isEmpty else {
            throw n.fail("give at least one client a positive weight (\(names.joined(separator: ", ")))")
        }
        return TLSClientMix(entries)
    }
}
