// The Amazon-provided resolver's side of DNS: what it answers a query with (its IP header is
// PlatformReplies', Platform.swift).

import SimCore
import Wire
import NetModel

extension World {
    /// The resolver answers from its records: a service hostname with one of the service's
    /// addresses, an interface endpoint's zonal name with its ENI in that zone, a database
    /// endpoint with its private address; AAAA only with DNS64's synthesis.
    mutating func answerDNS(_ q: Packet, resolver h: HostIndex, vpc: VPCIndex, _ now: SimTime, _ s: inout Scheduler) {
        guard case .dnsQuery(let id, let name, let qtype) = q.payload else { return }
        // A name with AAAA records of its own — a service's dual-stack name, an IPv6-only
        // instance's resource name — gets one of them: DNS64 synthesises nothing for a name that
        // has them (RFC 6147 §5.1.1).
        if qtype == DNSType.aaaa, name.int < network.catalog.names.count, let v6 = ipv6Records(name, vpc: vpc) {
            let a = v6[Int(random.bounded(UInt64(v6.count)))]
            var r = Packet(
                source: q.destination, destination: q.source, sourcePort: 53, destinationPort: q.sourcePort,
                protocolNumber: IPProtocol.udp, ttl: PlatformReplies.ttl, ipID: PlatformReplies.ipID(q, now),
                dontFragment: PlatformReplies.dontFragment)
            r.payload = .dnsAAAAResponse(id: id, name: name, answer: network.catalog.intern(address: a))
            r.payloadLength = UInt32(dnsMessageLength(name: name, type: qtype, response: true, answered: true))
            network.transmit(r, from: h, now: now, &s)
            return
        }
        if qtype == DNSType.a, name.int < network.catalog.names.count,
            let svc = service(answering: network.catalog.name(name), in: vpc), let orders = svc.answerOrders
        {
            answerEndpointName(q, id: id, name: name, orders, resolver: h, now, &s)
            return
        }
        var answer: IPv4Address?
        // AAAA: DNS64's synthesis only (World+DNS64.swift); `answer` is the embedded IPv4 address.
        let synthesise = qtype == DNSType.aaaa && querierHasDNS64(q.source, vpc: vpc)
        if qtype == DNSType.a || synthesise, name.int < network.catalog.names.count {
            let text = network.catalog.name(name)
            if let svc = service(answering: text, in: vpc) {
                answer = svc.addresses[Int(random.bounded(UInt64(svc.addresses.count)))].ipv4
            } else if let z = services.first(where: { $0.zonalHostname == text }), let a = z.zonalAddress {
                answer = a.ipv4
            } else if let db = databases.first(where: { $0.endpoint == text }) {
                answer = db.address.ipv4
            } else if let a = dnsRecords[text], !a.isEmpty {
                answer = a[Int(random.bounded(UInt64(a.count)))].ipv4
            }
        }
        // No synthesis of a private answer (an endpoint ENI, a database): see isPrivateIPv4.
        if synthesise, let a = answer, Self.isPrivateIPv4(a) { answer = nil }
        var r = Packet(
            source: q.destination, destination: q.source, sourcePort: 53, destinationPort: q.sourcePort,
            protocolNumber: IPProtocol.udp, ttl: PlatformReplies.ttl, ipID: PlatformReplies.ipID(q, now),
            dontFragment: PlatformReplies.dontFragment)
        r.payload = .dnsResponse(id: id, name: name, type: qtype, answer: answer)
        r.payloadLength = UInt32(dnsMessageLength(name: name, type: qtype, response: true, answered: answer != nil))
        network.transmit(r, from: h, now: now, &s)
    }

    /// The AAAA records of `name`: a service's dual-stack name's IPv6 addresses, or the IPv6
    /// records among the resolver's own (an IPv6-only instance's resource name); nil if none.
    func ipv6Records(_ name: NameIndex, vpc: VPCIndex) -> [IPAddress]? {
        let text = network.catalog.name(name)
        if let svc = service(answering: text, in: vpc), svc.dualStackHostname == text, !svc.ipv6Addresses.isEmpty {
            return svc.ipv6Addresses
        }
        let own = dnsRecords[text]?.filter { !$0.isIPv4 } ?? []
        return own.isEmpty ? nil : own
    }

    /// An interface endpoint's Regional or endpoint-specific name: one A record per endpoint ENI
    /// (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html:
    /// the names resolve to the private IP addresses of the endpoint network interfaces), in an
    /// order drawn per query among all orders: Route 53 "returns all values to the recursive
    /// resolver in random order" for a record with several values
    /// (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-simple.html);
    /// that PrivateLink's records behave so is assumed (AWS documents no order for them). One
    /// draw from the run's stream, as a single answer took: the same seed gives the same orders.
    mutating func answerEndpointName(
        _ q: Packet, id: UInt16, name: NameIndex, _ orders: (first: AnswerListIndex, count: Int), resolver h: HostIndex,
        _ now: SimTime, _ s: inout Scheduler
    ) {
        let k = orders.first.int + Int(random.bounded(UInt64(orders.count)))
        var r = Packet(
            source: q.destination, destination: q.source, sourcePort: 53, destinationPort: q.sourcePort,
            protocolNumber: IPProtocol.udp, ttl: PlatformReplies.ttl, ipID: PlatformReplies.ipID(q, now),
            dontFragment: PlatformReplies.dontFragment)
        r.payload = .dnsAnswers(id: id, name: name, answers: AnswerListIndex(k))
        r.payloadLength = UInt32(dnsMessageLength(name: name, answers: network.catalog.answerLists[k].count))
        network.transmit(r, from: h, now: now, &s)
    }
}
