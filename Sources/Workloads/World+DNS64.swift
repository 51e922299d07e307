// DNS64 on the resolver's side and on the client's: the Amazon resolver answers AAAA queries from
// a subnet with `EnableDns64` by embedding the name's IPv4 address in 64:ff9b::/96 (RFC 6147,
// RFC 6052 §2.2), and a host with a global IPv6 address prefers that answer
// (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html).

import Wire
import NetModel

extension World {
    /// Whether the subnet that `source` belongs to has DNS64 on.
    func querierHasDNS64(_ source: IPAddress, vpc: VPCIndex) -> Bool {
        network.subnets.contains { $0.vpc == vpc && $0.dns64 && $0.contains(source) }
    }

    /// RFC 1918 and RFC 6598 blocks and link-local: not global, so never embedded by DNS64 (RFC
    /// 6052 §3.1 forbids the well-known prefix for them; RFC 6147 §5.1.4 lets DNS64 exclude them;
    /// assumed of Route 53 Resolver, which AWS does not document).
    static func isPrivateIPv4(_ a: IPv4Address) -> Bool {
        let v = IPAddress(a).ipv4Raw
        return v >> 24 == 10 || v >> 20 == 0xAC1 || v >> 16 == 0xC0A8 || v >> 22 == 0x191 || v >> 16 == 0xA9FE
    }

    /// The first IPv6 address of a host's interface (an instance's, a dual-stack function's); nil
    /// for other hosts and IPv4-only ENIs.
    func ipv6Address(of host: HostIndex) -> IPAddress? {
        guard case .eni(let e) = network.hosts[host.int] else { return nil }
        return network.enis[e.int].ipv6Addresses.first
    }

    /// The address a getaddrinfo caller on `host` connects to after DNS answer `p`, given the one
    /// it holds (`current`); nil keeps `current`. A DNS64 answer (64:ff9b::/96) wins on a host
    /// with a global IPv6 address whichever answer came first: getaddrinfo sorts by RFC 6724 §6,
    /// and glibc's default policy table (gai.conf) gives ::/0 precedence 40, IPv4
    /// (::ffff:0:0/96) 10 — the move onto NAT64 AWS's page warns dual-stack clients of.
    /// A dual-stack name's own AAAA record wins the same way (RFC 6724 §6 rule 6: precedence
    /// 40 over 10, on a host with a global IPv6 address).
    ///
    /// A host with no IPv4 address (an instance in an IPv6-only subnet) takes no A answer: an IPv4
    /// destination it has no source address for is unusable and sorts last (RFC 6724 §6 rule 1),
    /// and connecting to it fails on the host with ENETUNREACH, sending nothing.
    func preferredAddress(_ p: Packet, host: HostIndex, current: IPAddress?) -> IPAddress? {
        if !hasIPv4(host), !isAAAA(p.payload) { return nil }
        if case .dnsAAAAResponse(_, _, let a) = p.payload {
            return ipv6Address(of: host) != nil ? network.catalog.address(a) : nil
        }
        if case .dnsAnswers(_, _, let list) = p.payload {
            return current?.isIPv4 ?? true ? sortedFirst(network.catalog.answers(list), host: host) : nil
        }
        guard case .dnsResponse(_, _, let type, let answer?) = p.payload else { return nil }
        if type == DNSType.aaaa { return ipv6Address(of: host) != nil ? Network.nat64Address(IPAddress(answer)) : nil }
        if type == DNSType.a, current?.isIPv4 ?? true { return IPAddress(answer) }
        return nil
    }

    /// Whether `host` has an IPv4 address: every host but an ENI's in an IPv6-only subnet.
    func hasIPv4(_ host: HostIndex) -> Bool {
        guard case .eni(let e) = network.hosts[host.int] else { return true }
        return network.enis[e.int].privateIP.isIPv4
    }

    func isAAAA(_ payload: Payload) -> Bool {
        switch payload {
        case .dnsAAAAResponse: return true
        case .dnsResponse(_, _, let type, _): return type == DNSType.aaaa
        default: return false
        }
    }

    /// The address getaddrinfo puts first among several A records, which every modelled SDK
    /// connects to: glibc sorts them by RFC 6724 §6 (rfc3484_sort in sysdeps/posix/getaddrinfo.c),
    /// and between IPv4 destinations of one scope and precedence only rule 9 decides — glibc
    /// gives an IPv4 destination a common-prefix length only when it lies in the source's own
    /// subnet (by the interface's netmask), so an answer in the client's subnet comes first; the
    /// others keep the resolver's order (rule 10). Other runtimes' own resolvers (Go's, Java's)
    /// are assumed to behave the same.
    func sortedFirst(_ answers: [IPv4Address], host: HostIndex) -> IPAddress? {
        guard let first = answers.first else { return nil }
        if case .eni(let e) = network.hosts[host.int] {
            let subnet = network.subnets[network.enis[e.int].subnet.int]
            if let own = answers.first(where: { subnet.contains(IPAddress($0)) }) { return IPAddress(own) }
        }
        return IPAddress(first)
    }
}
