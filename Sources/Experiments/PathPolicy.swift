import SimCore
import Wire
import NetModel
import Workloads
import Topology

/// What `vpcsim path` adds beyond packets: the DNS answer an interface endpoint gives, and the
/// endpoint policy the calls on the path would meet.
enum PathPolicy {
    /// A name answered inside the source's VPC by an interface endpoint: its private DNS for the
    /// service's Regional name, its own vpce-… name, or one ENI's zonal name. The address is the ENI in the source's AZ
    /// when there is one (what a client there would most likely pick; the resolver returns them
    /// all), else the first.
    static func endpointDestination(
        _ spec: String, protocol proto: PathProtocol, source: PathSource, world: World
    ) -> (PathDestination, String)? {
        guard let colon = spec.lastIndex(of: ":"), let port = UInt16(spec[spec.index(after: colon)...]), port > 0
        else { return nil }
        let name = String(spec[..<colon])
        let net = world.network
        let vpc = source.eni.map { net.enis[$0.int].vpc }
        let service =
            world.services.first { $0.interfaceEndpoint != nil && $0.vpc == vpc && $0.privateDNSName == name }
            ?? world.services.first { $0.interfaceEndpoint != nil && $0.hostname == name }
        // A zonal name answers with its own ENI only.
        if service == nil,
            let z = world.services.first(where: { $0.interfaceEndpoint != nil && $0.zonalHostname == name }),
            let i = z.interfaceEndpoint, let address = z.zonalAddress,
            let eni = net.interfaceEndpoints[i.int].enis.first(where: { net.enis[$0.int].privateIP == address })
        {
            let ep = net.interfaceEndpoints[i.int]
            let zone = net.zones[net.subnets[net.enis[eni.int].subnet.int].zone.int].name
            let answer =
                "\(name) → \(address) (zonal name of interface endpoint \(ep.id) in \(zone)); "
                + "probing \(address), \(net.enis[eni.int].id)"
            let label = "\(PathNaming.serviceName(ep.service)) through \(ep.id) in \(zone) (\(name))"
            return (PathDestination(address: address, port: port, label: label), answer)
        }
        guard let service, let i = service.interfaceEndpoint else { return nil }
        let ep = net.interfaceEndpoints[i.int]
        // The ENI in the source's own subnet is the one getaddrinfo puts first (World.sortedFirst);
        // otherwise the resolver's random order decides, and the probe takes the source's AZ's.
        let subnet = source.eni.map { net.enis[$0.int].subnet }
        let zone = subnet.map { net.subnets[$0.int].zone }
        let own = ep.enis.first { net.enis[$0.int].subnet == subnet }
        let eni = own ?? ep.enis.first { net.subnets[net.enis[$0.int].subnet.int].zone == zone } ?? ep.enis[0]
        let address = net.enis[eni.int].privateIP
        let how = service.privateDNSName == name ? "private DNS of" : "the own name of"
        let why =
            own != nil || ep.enis.count == 1
            ? "" : " (the answers come in random order: a client outside the endpoint's subnets takes the first)"
        let answer =
            "\(name) → \(ep.enis.map { net.enis[$0.int].privateIP.description }.joined(separator: ", ")) "
            + "(\(how) interface endpoint \(ep.id)); probing \(address), \(net.enis[eni.int].id)\(why)"
        let label = "\(PathNaming.serviceName(ep.service)) through \(ep.id) (\(name))"
        return (PathDestination(address: address, port: port, label: label), answer)
    }

    /// The endpoint the forward path ends in or passes through, if any: (id, service, policy).
    static func endpoint(on forward: [TraceStep], destination: IPAddress, network net: Network) -> (
        id: String, service: String, policy: EndpointPolicy
    )? {
        for s in forward {
            if case .gatewayEndpoint(let g) = s {
                let ep = net.gatewayEndpoints[g.int]
                return (ep.id, ep.service, ep.policy)
            }
        }
        for ep in net.interfaceEndpoints where ep.enis.contains(where: { net.enis[$0.int].privateIP == destination }) {
            return (ep.id, ep.service, ep.policy)
        }
        return nil
    }

    /// The source function's calls of the endpoint's service (DynamoDB in its own Region, SQS,
    /// Secrets Manager, KMS), each evaluated against the policy of the endpoint on the path (the
    /// evaluator the service uses for every request,
    /// https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
    static func checks(
        endpoint: (id: String, service: String, policy: EndpointPolicy), source: PathSource, world: World
    ) -> [PathResult.PolicyCheck] {
        guard let f = source.function else { return [] }
        let fn = world.functions[f]
        var out: [PathResult.PolicyCheck] = []
        for step in fn.program {
            let action: String, resource: String
            switch step {
            case .dynamodb(let c) where c.region.isEmpty && endpoint.service == "dynamodb":
                action = c.operation.action
                resource = "arn:aws:dynamodb:\(world.network.region):\(fn.accountID):table/\(c.table)"
            case .call(let c) where c.operation.service == endpoint.service:
                action = c.operation.action
                resource = c.resourceARN(region: world.network.region, account: fn.accountID)
            default: continue
            }
            let decision = endpoint.policy.evaluate(principal: fn.principal, action: action, resource: resource)
            let text: String
            switch decision {
            case .allowed(let k): text = "allowed (statement \(k + 1))"
            case .explicitlyDenied(let k): text = "explicitly denied (statement \(k + 1))"
            case .implicitlyDenied: text = "implicitly denied (no statement allows it)"
            }
            let check = PathResult.PolicyCheck(
                endpoint: endpoint.id, principal: fn.principal, action: action, resource: resource,
                allowed: decision.isAllowed, decision: text)
            if !out.contains(check) { out.append(check) }
        }
        return out
    }
}

extension PathPolicy {
    /// `--from 198.51.100.7`: an internet host at that address, the topology's population that
    /// holds it or, if none does, a host added there for the probe. Nil for an address inside a
    /// VPC or an AWS service range (those are not internet hosts).
    static func internetSource(_ text: String, world: inout World) throws(PathError) -> PathSource? {
        guard let v4 = IPv4Address(text) else { return nil }
        let a = IPAddress(v4)
        let net = world.network
        if net.vpcs.contains(where: { $0.contains(a) }) {
            throw PathError("--from \(text) is inside a VPC: name the function, instance or ENI that has it")
        }
        if net.serviceHost(owning: a) != nil || net.catalog.awsServiceRanges.contains(where: { $0.range.contains(a) }) {
            throw PathError("--from \(text) is in an AWS range of \(net.region), not an internet host")
        }
        for (i, h) in net.hosts.enumerated() {
            var holds = false
            switch h {
            case .publicRange(let c, true): holds = c.contains(a)
            case .publicAddress(let b, true): holds = b == a
            default: break
            }
            if holds { return PathSource(host: HostIndex(i), address: a, label: "internet host \(text)") }
        }
        let h = world.addHost(.publicAddress(a, internet: true), role: .internet)
        return PathSource(host: h, address: a, label: "internet host \(text) (not in the topology's populations)")
    }
}

extension PathPolicy {
    /// `--to web-1:443`: an instance by its name; from outside any VPC (an internet host), its
    /// public IPv4 address when it has one.
    static func instanceDestination(_ spec: String, scenario: Scenario, source: PathSource, world: World)
        -> PathDestination?
    {
        guard let colon = spec.lastIndex(of: ":"), let port = UInt16(spec[spec.index(after: colon)...]), port > 0,
            let i = scenario.instances.first(where: { $0.name == String(spec[..<colon]) })
        else { return nil }
        let eni = world.network.enis[i.eni.int]
        let address = source.eni == nil ? eni.publicIP ?? eni.privateIP : eni.privateIP
        return PathDestination(address: address, port: port, label: "instance \(i.name) (\(eni.id))")
    }
}
