// The path explainer's name lookups that depend on the source: what the Amazon resolver answers
// a host in an IPv6-only or DNS64 subnet, and which answer its getaddrinfo connects to (the
// run's own choice: World+DNS64.swift).

import Wire
import NetModel
import Workloads

extension PathPolicy {
    /// `name:port` where the name has A records only — an AWS service's Regional name, or an
    /// internet name of the topology's traffic (`server-name`) — seen from `source`:
    /// - from a host with an IPv6 address in a subnet with DNS64, the resolver synthesises
    ///   64:ff9b::<IPv4> (RFC 6052 §2.2) and getaddrinfo prefers it (RFC 6724 §6), so the probe
    ///   goes to the NAT64 address
    ///   (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html);
    /// - from a host with no IPv4 address and no DNS64, there is no usable answer: connect(2)
    ///   fails on the host and nothing is sent — an error saying so;
    /// - otherwise the A record (names of the traffic only; services' names are
    ///   ``PathEndpoints/destination(_:protocol:world:)``'s).
    /// Nil when the name is not one of these.
    static func nameDestination(
        _ spec: String, protocol proto: PathProtocol, source: PathSource, world: World
    ) throws(PathError) -> (PathDestination, String)? {
        guard let colon = spec.lastIndex(of: ":"), let port = UInt16(spec[spec.index(after: colon)...]), port > 0
        else { return nil }
        let name = String(spec[..<colon])
        guard !name.hasPrefix("["), IPv4Address(name) == nil else { return nil }
        // A dual-stack name has AAAA records of its own (no synthesis, RFC 6147 §5.1.1): the
        // service's IPv6 address, PathEndpoints.destination's answer.
        guard !world.services.contains(where: { $0.dualStackHostname == name }) else { return nil }
        // A load balancer's name: its node's public address when internet-facing, from anywhere
        // (PathEndpoints.destination), not the private records the run's resolver keeps for it.
        guard !world.network.loadBalancers.contains(where: { $0.dnsName == name }) else { return nil }
        let service = world.services.first { $0.interfaceEndpoint == nil && $0.hostname == name }
        let records = service?.addresses ?? world.addressRecords(name)
        // AAAA records of its own (an IPv6-only instance's resource name): its address.
        if service == nil, let v6 = records.first(where: { !$0.isIPv4 }) {
            let label = PathNaming(world: world).addressLabel(v6)
            return (PathDestination(address: v6, port: port, label: label), "\(name) → AAAA \(v6)")
        }
        guard let a = records.first, a.isIPv4 else { return nil }
        let net = world.network
        let label = service.map { "\(PathNaming.serviceName($0.name)) (\(name))" } ?? "\(name) (\(a), A record only)"
        guard let e = source.eni else {
            return service == nil ? (PathDestination(address: a, port: port, label: label), "\(name) → A \(a)") : nil
        }
        let eni = net.enis[e.int]
        let subnet = net.subnets[eni.subnet.int]
        if subnet.dns64, !eni.ipv6Addresses.isEmpty {
            let v6 = Network.nat64Address(a)
            let answer =
                "\(name) → AAAA \(v6) (DNS64 of \(subnet.id): synthesised from the A record \(a)); the host has a "
                + "global IPv6 address, so getaddrinfo puts it first (RFC 6724 §6)"
            return (PathDestination(address: v6, port: port, label: label), answer)
        }
        guard eni.privateIPv4 != nil else {
            throw PathError(
                "\(name) has only A records (\(a)) and \(source.label) has no IPv4 address (\(subnet.id) is IPv6-only) "
                    + "and its subnet no DNS64 to synthesise an AAAA answer: the connection fails on the host "
                    + "(ENETUNREACH) and nothing is sent (https://docs.aws.amazon.com/vpc/latest/userguide/"
                    + "nat-gateway-nat64-dns64.html)")
        }
        return service == nil ? (PathDestination(address: a, port: port, label: label), "\(name) → A \(a)") : nil
    }
}
