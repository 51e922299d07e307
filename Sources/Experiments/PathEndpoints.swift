import SimCore
import Wire
import NetModel
import Workloads
import Topology

/// Where a path probe starts: a host with a TCP stack (and its own profile), the address it sends from.
struct PathSource {
    var host: HostIndex
    var address: IPAddress
    var label: String
    /// The ENI it sends through, if it is in a VPC.
    var eni: ENIIndex?
    /// The function it is, if it is one (its calls are checked against endpoint policies).
    var function: Int?
}

/// Where a path probe goes.
struct PathDestination {
    var address: IPAddress
    var port: UInt16
    var label: String
}

/// Maps the command line's `--from` and `--to` to hosts and addresses of the scenario.
enum PathEndpoints {
    static func source(_ name: String, scenario: Scenario, world: World) throws(PathError) -> PathSource {
        let net = world.network
        func fromENI(_ e: Int, label: String) throws(PathError) -> PathSource {
            let eni = net.enis[e]
            guard let h = eni.host else {
                if case .natGateway(let n) = eni.kind {
                    let id = net.natGateways[n.int].id
                    throw PathError(
                        "\(eni.id) is the network interface of NAT gateway \(id), which only forwards others' traffic: "
                            + "trace from a resource behind it (a function or instance whose route table sends traffic "
                            + "to \(id))"
                    )
                }
                throw PathError("\(eni.id) has no host behind it that could send a packet")
            }
            return PathSource(host: h, address: eni.privateIP, label: label, eni: ENIIndex(e))
        }
        if name.hasPrefix("eni-") {
            guard let e = net.enis.firstIndex(where: { $0.id == name }) else {
                throw PathError(
                    "no network interface '\(name)' in \(scenario.sourcePath)\(suggestion(name, net.enis.map(\.id)))")
            }
            return try fromENI(e, label: PathNaming(world: world).eniLabel(ENIIndex(e)))
        }
        if name.hasPrefix("i-") {
            guard
                let e = net.enis.firstIndex(where: {
                    if case .instance(let id) = $0.kind { return id == name } else { return false }
                })
            else {
                throw PathError("no instance '\(name)' in \(scenario.sourcePath)")
            }
            return try fromENI(e, label: "instance \(name) (\(net.enis[e].id))")
        }
        if let fi = world.functions.firstIndex(where: { $0.name == name }) {
            let enis = scenario.functionENIs[name] ?? world.functions[fi].enis
            if let e = enis.first {
                let more = enis.count > 1 ? ", the first of its \(enis.count) ENIs" : ""
                var s = try fromENI(e.int, label: "function \(name) (\(net.enis[e.int].id)\(more))")
                s.function = fi
                return s
            }
            guard let h = world.functions[fi].hosts.first, case .publicAddress(let a, _) = net.hosts[h.int] else {
                throw PathError("function '\(name)' has no network attachment to send from")
            }
            return PathSource(host: h, address: a, label: "function \(name) (outside any VPC)", function: fi)
        }
        // An instance by its name (`name:` in the file, `app-3` of a template).
        if let i = scenario.instances.first(where: { $0.name == name }) {
            return try fromENI(i.eni.int, label: "instance \(name) (\(net.enis[i.eni.int].id))")
        }
        if let d = world.databases.first(where: { $0.identifier == name }) {
            return try fromENI(d.eni.int, label: "database \(name) (\(net.enis[d.eni.int].id))")
        }
        let names = world.functions.map(\.name) + world.databases.map(\.identifier) + scenario.instances.map(\.name)
        throw PathError(
            "no function, instance, database, network interface (eni-…) or internet address named '\(name)' in "
                + "\(scenario.sourcePath)\(suggestion(name, names))"
        )
    }

    static func destination(_ spec: String, protocol proto: PathProtocol, world: World) throws(PathError)
        -> PathDestination
    {
        var hostPart = spec
        var port: UInt16 = 0
        if let colon = spec.lastIndex(of: ":") {
            hostPart = String(spec[..<colon])
            guard proto != .icmp else {
                throw PathError("--to '\(spec)': ICMP has no ports; name the destination alone (like \(hostPart))")
            }
            let p = spec[spec.index(after: colon)...]
            guard let v = UInt16(p), v > 0 else { throw PathError("--to '\(spec)': '\(p)' is not a port (1–65535)") }
            port = v
        } else if proto != .icmp {
            throw PathError("--to '\(spec)' needs a port, like \(spec):443")
        }
        guard !hostPart.isEmpty else { throw PathError("--to '\(spec)' names no destination before the port") }
        let net = world.network
        let naming = PathNaming(world: world)
        // An IPv6 destination in the bracketed form ("[2001:db8::1]:443", RFC 3986 §3.2.2), so
        // that its colons are told from the port's.
        if hostPart.hasPrefix("[") && hostPart.hasSuffix("]"), let a = IPAddress(hostPart.dropFirst().dropLast()),
            !a.isIPv4
        {
            return PathDestination(address: a, port: port, label: naming.addressLabel(a))
        }
        if let v4 = IPv4Address(hostPart) {
            let a = IPAddress(v4)
            return PathDestination(address: a, port: port, label: naming.addressLabel(a))
        }
        if let s = world.services.first(where: { $0.hostname == hostPart }), let a = s.addresses.first {
            return PathDestination(address: a, port: port, label: "\(PathNaming.serviceName(s.name)) (\(s.hostname))")
        }
        // A dual-stack name: its IPv6 address, as a dual-stack client connects (RFC 6724 §6).
        if let s = world.services.first(where: { $0.dualStackHostname == hostPart }), let a = s.ipv6Addresses.first {
            return PathDestination(address: a, port: port, label: "\(PathNaming.serviceName(s.name)) (\(hostPart))")
        }
        // A load balancer's DNS name: its first node, at the public address the name resolves to
        // when it is internet-facing (public DNS answers it everywhere), else its private one.
        if let lb = net.loadBalancers.first(where: { $0.dnsName == hostPart }), let e = lb.enis.first {
            let a = net.enis[e.int].publicIP ?? net.enis[e.int].privateIP
            return PathDestination(address: a, port: port, label: "load balancer \(lb.name) (\(lb.dnsName))")
        }
        if let d = world.databases.first(where: { $0.identifier == hostPart }) {
            return PathDestination(address: d.address, port: port, label: "database \(d.identifier)")
        }
        if let e = net.enis.firstIndex(where: { $0.id == hostPart }) {
            return PathDestination(address: net.enis[e].privateIP, port: port, label: naming.eniLabel(ENIIndex(e)))
        }
        if let e = net.enis.firstIndex(where: {
            if case .instance(let id) = $0.kind { return id == hostPart } else { return false }
        }) {
            return PathDestination(address: net.enis[e].privateIP, port: port, label: "instance \(hostPart)")
        }
        // Each name once, in the services' order (an interface endpoint's front ends share theirs).
        var hostnames: [String] = []
        for s in world.services {
            for h in [s.hostname] + [s.dualStackHostname, s.zonalHostname].compactMap({ $0 })
            where !hostnames.contains(h) {
                hostnames.append(h)
            }
        }
        hostnames += net.loadBalancers.map(\.dnsName)
        let names = hostnames + world.databases.map(\.identifier)
        throw PathError(
            "unknown destination '\(hostPart)': give an IPv4 address, an IPv6 one in brackets, a service hostname "
                + "(\(hostnames.joined(separator: ", "))), a database name or an eni-… id, then "
                + ":port\(suggestion(hostPart, names))"
        )
    }

    /// ` (did you mean 'x'?)` for a near miss.
    static func suggestion(_ s: String, _ candidates: [String]) -> String {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var prev = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var cur = [i] + Array(repeating: 0, count: b.count)
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
                prev = cur
            }
            return prev[b.count]
        }
        let a = Array(s)
        let best = candidates.map { ($0, distance(a, Array($0))) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, s.count / 4) else { return "" }
        return " (did you mean '\(best.0)'?)"
    }
}

/// Names of hosts, ENIs and addresses for the explanation.
struct PathNaming {
    let network: Network
    var hostLabels: [HostIndex: String] = [:]
    var eniOwners: [ENIIndex: String] = [:]

    init(world: World) {
        network = world.network
        for s in world.services {
            hostLabels[s.host] = "\(Self.serviceName(s.name)) (\(s.hostname))"
        }
        for (i, h) in network.hosts.enumerated() where hostLabels[HostIndex(i)] == nil {
            switch h {
            case .awsService(let name):
                hostLabels[HostIndex(i)] =
                    "\(Self.serviceName(name)) (com.amazonaws.\(network.region).\(name) front end)"
            case .platform(let v):
                hostLabels[HostIndex(i)] =
                    "the platform services of \(network.vpcs[v.int].id) (Amazon DNS at VPC+2, metadata, Time Sync: not "
                    + "routed, and no security group or network ACL applies)"
            default: break
            }
        }
        for d in world.databases {
            hostLabels[d.host] = "database \(d.identifier) (\(network.enis[d.eni.int].id))"
            eniOwners[d.eni] = "RDS \(d.identifier)"
        }
        var functionsByENI: [ENIIndex: [String]] = [:]
        for f in world.functions {
            for e in f.enis { functionsByENI[e, default: []].append(f.name) }
            if f.enis.isEmpty, let h = f.hosts.first { hostLabels[h] = "function \(f.name) (outside any VPC)" }
        }
        for (e, names) in functionsByENI {
            let who = (names.count == 1 ? "function " : "functions ") + names.joined(separator: ", ")
            eniOwners[e] = "Lambda ENI of \(who)"
            if let h = network.enis[e.int].host { hostLabels[h] = "\(who) (\(network.enis[e.int].id))" }
        }
        for (i, e) in network.enis.enumerated() {
            let x = ENIIndex(i)
            switch e.kind {
            case .instance(let id):
                eniOwners[x] = "instance \(id)"
                if let h = e.host { hostLabels[h] = "instance \(id) (\(e.id))" }
            case .natGateway(let n):
                eniOwners[x] = "NAT gateway \(network.natGateways[n.int].id)"
            case .interfaceEndpoint(let i):
                let ep = network.interfaceEndpoints[i.int]
                eniOwners[x] = "interface endpoint \(ep.id) (\(Self.serviceName(ep.service)))"
            case .loadBalancer(let l):
                // A node's interface: the explainer follows packets to and from it as for any ENI
                // (its security groups, its subnet's table and ACL); what the node then does (a
                // new connection to a target) is the run's, not the explainer's.
                let lb = network.loadBalancers[l.int]
                eniOwners[x] = "load balancer \(lb.name) (ELB \(lb.resourceID))"
                if let h = e.host { hostLabels[h] = "load balancer \(lb.name) node (\(e.id))" }
            case .lambda where eniOwners[x] == nil:
                eniOwners[x] = "Lambda ENI"
            default: break
            }
        }
    }

    static func serviceName(_ s: String) -> String {
        switch s {
        case "dynamodb": return "DynamoDB";
        case "s3": return "S3";
        default: return s
        }
    }

    func hostLabel(_ h: HostIndex) -> String {
        if let l = hostLabels[h] { return l }
        switch network.hosts[h.int] {
        case .eni(let e): return network.enis[e.int].id
        case .publicAddress(let a, let far): return far ? "internet host \(a)" : "AWS host \(a)"
        case .publicRange(let c, let far): return far ? "internet hosts \(c)" : "AWS hosts \(c)"
        case .awsService(let n): return n
        case .platform(let v): return "platform services of \(network.vpcs[v.int].id)"
        }
    }

    /// `eni-… (Lambda ENI of function f, subnet-…)`.
    func eniLabel(_ e: ENIIndex) -> String {
        let eni = network.enis[e.int]
        let owner = eniOwners[e].map { $0 + ", " } ?? ""
        return "\(eni.id) (\(owner)\(network.subnets[eni.subnet.int].id))"
    }

    /// What an address is, for a destination given as an IPv4 address.
    func addressLabel(_ a: IPAddress) -> String {
        for (i, e) in network.enis.enumerated() where e.owns(a) { return eniLabel(ENIIndex(i)) }
        for (i, e) in network.enis.enumerated() where e.publicIP == a { return "public IP of \(eniLabel(ENIIndex(i)))" }
        for n in network.natGateways where n.elasticIPs.contains(a) { return "Elastic IP of NAT gateway \(n.id)" }
        if let h = network.serviceHost(owning: a) { return hostLabel(h) }
        for (i, h) in network.hosts.enumerated() {
            if case .publicAddress(let x, _) = h, x == a { return hostLabel(HostIndex(i)) }
        }
        return "\(a)"
    }
}
