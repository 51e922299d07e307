// Network+Forwarding: a packet leaves an ENI, arrives at one, or arrives on the public side.

import SimCore
import Wire

extension Network {
    /// Whether an address is one of the platform services AWS neither filters nor logs: Amazon
    /// DNS at the VPC base + 2, link-local 169.254.0.0/16 (169.254.169.253 DNS, .254 metadata,
    /// .123 Time Sync), and the subnet router at base + 1 (DHCP)
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Security.html,
    /// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-limitations.html). Their
    /// IPv6 endpoints are in fd00:ec2::/32 (fd00:ec2::253 DNS, ::254 metadata, ::123 Time Sync;
    /// https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html,
    /// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/set-time.html).
    public func isPlatformAddress(_ a: IPAddress, vpc: VPCIndex, subnet: SubnetIndex) -> Bool {
        Self.isPlatform(a, PlatformAddresses(vpcs[vpc.int], subnets[subnet.int]))
    }

    /// The same test on a subnet's addresses compiled by `finalize`: the packet path reads two
    /// integers instead of calling a method on `self` (which, from a mutating method, copied the
    /// whole `Network` once inlined).
    @inline(__always)
    static func isPlatform(_ a: IPAddress, _ platform: PlatformAddresses) -> Bool {
        guard a.isIPv4 else { return a.high >> 32 == 0xFD00_0EC2 }
        let raw = a.ipv4Raw
        return raw == platform.dns || raw & 0xFFFF_0000 == 0xA9FE_0000 || raw == platform.router
    }

    /// A packet leaves ENI `e` (sent by its host, or forwarded by the NAT gateway behind it).
    mutating func egress(_ e: ENIIndex, _ packet: Packet, _ now: SimTime, _ scheduler: inout Scheduler) {
        var p = packet
        // Scalars read in place (an ENI or subnet copied out would retain its strings and arrays).
        let eniSubnet = enis[e.int].subnet, eniVPC = enis[e.int].vpc
        let routeTable = subnets[eniSubnet.int].routeTable
        let networkACL = subnets[eniSubnet.int].networkACL
        if Self.isPlatform(p.destination, platformAddresses[eniSubnet.int]) {
            trace?.append(.leave(e, p))
            tap(e, .egress, accepted: true, logged: false, p, now)
            if let r = vpcs[eniVPC.int].platformHost {
                let zone = subnets[eniSubnet.int].zone.int
                let at = Self.fifo(&eniHopFree, e.int * (zones.count + 2) + zone, now + delays.draw(.intraAZ))
                schedule(p, hop: .host(r), at: at, &scheduler)
            } else {
                drop(.unreachableAddress)
            }
            return
        }
        trace?.append(.leave(e, p))
        // Where is it going? Same subnet: switched, no route table and no ACL (ACLs apply where
        // traffic enters or leaves a subnet: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html).
        let sameSubnet = subnets[eniSubnet.int].contains(p.destination)
        let route: RouteDecision? = sameSubnet ? nil : compiledRoutes[routeTable.int].lookup(p.destination)
        // Filters: the ENI's security groups (stateful), then the subnet's ACL (stateless) on the way out.
        var accepted = securityGroupsAllow(e, p, .egress, now)
        var reason: DropReason = .securityGroup(e, direction: .egress)
        if accepted && !sameSubnet {
            let d = networkACLs[networkACL.int].evaluate(p, direction: .egress, index: networkACL)
            trace?.append(.networkACL(networkACL, eniSubnet, .egress, rule: d.ruleNumber, allowed: d.allowed))
            if !d.allowed { accepted = false; reason = .networkACL(networkACL, direction: .egress, rule: d.ruleNumber) }
        }
        if trace != nil && accepted {
            if let route { trace?.append(.route(route)) } else if sameSubnet { trace?.append(.sameSubnet(eniSubnet)) }
        }
        var path = EgressPath.withinVPC
        if let route {
            switch route.target {
            case .internetGateway: path = .internetGateway
            case .gatewayEndpoint: path = .gatewayEndpoint
            case .blackhole: path = .unknown
            case .egressOnlyInternetGateway: path = .egressOnlyInternetGateway
            case .peeringConnection: path = .peering
            default: break
            }
        } else if !sameSubnet {
            path = .unknown
        }
        tap(e, .egress, accepted: accepted, path: path, p, now)
        guard accepted else { drop(reason); return }
        p.fromSubnet = eniSubnet.raw

        if sameSubnet {
            guard let d = self.eni(owning: p.destination, in: eniVPC) else { drop(.noSuchAddressInVPC(eniVPC)); return }
            schedule(p, hop: .eniIngress(d), at: fabricArrival(e, d, p, now), &scheduler)
            return
        }
        guard let route else { drop(.noRoute(routeTable)); return }
        switch route.target {
        case .local:
            guard let d = self.eni(owning: p.destination, in: eniVPC) else { drop(.noSuchAddressInVPC(eniVPC)); return }
            schedule(p, hop: .eniIngress(d), at: fabricArrival(e, d, p, now), &scheduler)
        case .networkInterface(let d):
            schedule(p, hop: .eniIngress(d), at: fabricArrival(e, d, p, now), &scheduler)
        case .natGateway(let n):
            let d = natGateways[n.int].eni
            schedule(p, hop: .eniIngress(d), at: fabricArrival(e, d, p, now), &scheduler)
        case .internetGateway(let g):
            if !p.isIPv4 { internetGatewayIPv6(g, e, p, now, &scheduler); return }
            // One-to-one NAT of the private source to its public address
            // (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html).
            if Self.exceedsInternetPath(p) {
                // A NAT gateway's error back to its inside client is not modelled (nil).
                let back: Hop? = enis[e.int].host != nil ? .eniIngress(e) : nil
                pathMTUExceeded(p, reason: .exceedsPathMTU(g, mtu: Self.internetPathMTU), back: back, now, &scheduler)
                return
            }
            let before = p.source
            if p.source == enis[e.int].privateIP, let pub = enis[e.int].publicIP {
                p.source = pub
            } else if case .natGateway(let n) = enis[e.int].kind {
                let gw = natGateways[n.int]
                guard gw.isPublic else { drop(.privateNATToInternet(n)); return }
                let k = natAddresses[n.int].firstIndex(of: p.source) ?? 0
                p.source = gw.elasticIPs[min(k, gw.elasticIPs.count - 1)]
            } else {
                drop(.noPublicAddress(g)); return
            }
            trace?.append(.internetGateway(g, from: before, to: p.source))
            p.realm = 0
            let far = isInternet(p.destination)
            if far { usage.internetEgressBytes &+= UInt64(p.ipTotalLength) }
            let slot = e.int * (zones.count + 2) + zones.count + (far ? 1 : 0)
            schedule(
                p, hop: .publicNetwork,
                at: Self.fifo(&eniHopFree, slot, now + delays.draw(far ? .internet : .regional)),
                &scheduler)
        case .gatewayEndpoint(let g):
            p.realm = g.raw + 1
            trace?.append(.gatewayEndpoint(g))
            usage.gatewayEndpointBytes[g.int] &+= UInt64(p.ipTotalLength)
            let slot = e.int * (zones.count + 2) + zones.count
            schedule(p, hop: .publicNetwork, at: Self.fifo(&eniHopFree, slot, now + delays.draw(.regional)), &scheduler)
        case .blackhole:
            drop(.blackholeRoute(routeTable, route: route.route))
        case .egressOnlyInternetGateway(let g):
            egressOnlyOut(g, e, p, now, &scheduler)
        case .peeringConnection(let c):
            peering(c, e, p, now, &scheduler)
        case .transitGateway(let t):
            toTransitGateway(t, e, p, now, &scheduler)
        }
    }

    /// When a packet leaving ENI `a` now reaches ENI `b`: a delay drawn for their zones (the
    /// pair's cross-AZ distance, or intra-AZ), kept behind earlier packets on the same path. A
    /// packet between zones is counted for cross-AZ data transfer.
    mutating func fabricArrival(_ a: ENIIndex, _ b: ENIIndex, _ p: Packet, _ now: SimTime) -> SimTime {
        let za = subnets[enis[a.int].subnet.int].zone, zb = subnets[enis[b.int].subnet.int].zone
        if za != zb { usage.crossAZBytes[za.int * usage.zones + zb.int] &+= UInt64(p.ipTotalLength) }
        // Through an interface endpoint, either way.
        var ep = usage.endpointOfENI[b.int]
        if ep == 0 { ep = usage.endpointOfENI[a.int] }
        if ep != 0 { usage.interfaceEndpointBytes[Int(ep - 1)] &+= UInt64(p.ipTotalLength) }
        return Self.fifo(&eniHopFree, a.int * (zones.count + 2) + zb.int, now + delays.draw(from: za, to: zb))
    }

    /// A packet arrives at ENI `e` from the fabric.
    mutating func ingress(_ e: ENIIndex, _ packet: Packet, _ now: SimTime, _ scheduler: inout Scheduler)
        -> ArrivalOutcome
    {
        let p = packet
        let eniSubnet = enis[e.int].subnet // read in place, as in egress
        if p.fromSubnet == .max && Self.isPlatform(p.source, platformAddresses[eniSubnet.int]) {
            tap(e, .ingress, accepted: true, logged: false, p, now)
            return toHost(e, p, now, &scheduler)
        }
        trace?.append(.arrive(e, p))
        var accepted = true
        var reason: DropReason = .securityGroup(e, direction: .ingress)
        if p.fromSubnet != eniSubnet.raw {
            let acl = subnets[eniSubnet.int].networkACL
            let d = networkACLs[acl.int].evaluate(p, direction: .ingress, index: acl)
            trace?.append(.networkACL(acl, eniSubnet, .ingress, rule: d.ruleNumber, allowed: d.allowed))
            if !d.allowed { accepted = false; reason = .networkACL(acl, direction: .ingress, rule: d.ruleNumber) }
        }
        if accepted { accepted = securityGroupsAllow(e, p, .ingress, now) }
        tap(e, .ingress, accepted: accepted, p, now)
        guard accepted else { drop(reason); return .handled }
        // Only a NAT gateway's ENI has no host; hosted ENIs skip matching their kind.
        if enis[e.int].host == nil, case .natGateway(let n) = enis[e.int].kind {
            natForward(n, p, now, &scheduler)
            return .handled
        }
        if enis[e.int].host == nil, case .transitGatewayAttachment(let a) = enis[e.int].kind {
            transitGatewayForward(a, e, p, now, &scheduler)
            return .handled
        }
        return toHost(e, p, now, &scheduler)
    }

    mutating func toHost(_ e: ENIIndex, _ p: Packet, _ now: SimTime, _ scheduler: inout Scheduler) -> ArrivalOutcome {
        guard let h = enis[e.int].host else { drop(.unreachableAddress); return .handled }
        let hostLatency = enis[e.int].hostLatency
        if hostLatency > 0 {
            let at = Self.fifo(&eniDeliverFree, e.int, now + delays.draw(median: hostLatency, like: .hyperplane))
            schedule(p, hop: .host(h), at: at, &scheduler)
            return .handled
        }
        return deliver(h, p)
    }

    /// A packet arrives on the public side (from an internet gateway, a gateway endpoint or a public host).
    mutating func publicArrival(_ packet: Packet, _ now: SimTime, _ scheduler: inout Scheduler) -> ArrivalOutcome {
        var p = packet
        if p.realm > 0 {
            let g = GatewayEndpointIndex(raw: p.realm - 1)
            let ep = gatewayEndpoints[g.int]
            if vpcs[ep.vpc.int].contains(p.destination) {
                // A service's answer back through the endpoint into the VPC.
                guard let d = eni(owning: p.destination, in: ep.vpc) else {
                    drop(.noSuchAddressInVPC(ep.vpc)); return .handled
                }
                p.fromSubnet = .max
                p.realm = 0 // realms name routing domains on the AWS side only
                trace?.append(.gatewayEndpoint(g))
                usage.gatewayEndpointBytes[g.int] &+= UInt64(p.ipTotalLength)
                return ingress(d, p, now, &scheduler)
            }
            guard let h = serviceHost(owning: p.destination), case .awsService(let name) = hosts[h.int],
                name == ep.service
            else { drop(.endpointServiceMismatch(g)); return .handled }
            return deliver(h, p)
        }
        if let owner = publicOwners[0, p.destination] {
            switch owner {
            case .host(let h):
                return deliver(h, p)
            case .eniPublicIP(let e):
                // Inbound 1:1 NAT at the internet gateway, then into the VPC
                // (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html).
                guard let g = vpcs[enis[e.int].vpc.int].internetGateway else {
                    drop(.unreachableAddress); return .handled
                }
                if Self.exceedsInternetPath(p) {
                    pathMTUExceeded(
                        p, reason: .exceedsPathMTU(g, mtu: Self.internetPathMTU), back: .publicNetwork, now, &scheduler)
                    return .handled
                }
                trace?.append(.internetGateway(g, from: p.destination, to: enis[e.int].privateIP))
                p.destination = enis[e.int].privateIP
                p.fromSubnet = .max
                return ingress(e, p, now, &scheduler)
            case .natElasticIP(let n, let k):
                let addrs = natAddresses[n.int]
                if let g = vpcs[enis[natGateways[n.int].eni.int].vpc.int].internetGateway,
                    Self.exceedsInternetPath(p)
                {
                    pathMTUExceeded(
                        p, reason: .exceedsPathMTU(g, mtu: Self.internetPathMTU), back: .publicNetwork, now, &scheduler)
                    return .handled
                }
                if let g = vpcs[enis[natGateways[n.int].eni.int].vpc.int].internetGateway {
                    trace?.append(.internetGateway(g, from: p.destination, to: addrs[min(k, addrs.count - 1)]))
                }
                p.destination = addrs[min(k, addrs.count - 1)]
                p.fromSubnet = .max
                return ingress(natGateways[n.int].eni, p, now, &scheduler)
            case .eniIPv6(let e):
                return ipv6Arrival(e, p, now, &scheduler)
            }
        }
        if let h = serviceHost(owning: p.destination) {
            let remote = hostRegionDelay[h.int]
            guard remote > 0 else { return deliver(h, p) }
            usage.interRegionBytesToHost[h.int] &+= UInt64(p.ipTotalLength)
            // A front end in another Region: the inter-Region leg (``setRemoteRegion(_:oneWay:)``).
            let at = Self.fifo(&hostInboundFree, h.int, now + delays.draw(median: remote, like: .crossAZ))
            schedule(p, hop: .host(h), at: at, &scheduler)
            return .handled
        }
        for r in publicRanges where r.range.contains(p.destination) { return deliver(r.host, p) }
        drop(.unreachableAddress)
        return .handled
    }

    /// The address inside the VPC that public address `a` is translated to by the internet
    /// gateway (an ENI's public or Elastic IP, a NAT gateway's Elastic IP), or nil: what a capture
    /// or flow log on that ENI shows for it.
    public func privateAddress(of a: IPAddress) -> IPAddress? {
        switch publicOwners[0, a] {
        case .eniPublicIP(let e)?: return enis[e.int].privateIP
        case .natElasticIP(let n, let k)?:
            let addrs = natAddresses[n.int]
            return addrs[min(k, addrs.count - 1)]
        default: return nil
        }
    }
}
