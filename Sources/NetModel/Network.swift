import SimCore
import Wire

/// Events of the network (the composition root dispatches them back here).
public enum NetworkEvent: UInt8, EventKind, CaseIterable {
    /// A packet arrives at its next hop: `object` = packet pool index.
    case packetArrival = 1
    /// Periodic removal of expired connection-tracking and NAT state.
    case maintenance = 2
}

/// How a host is attached to the network.
public enum HostAttachment: Sendable, Hashable {
    /// Through an ENI in a VPC (its packets are filtered, routed and observed there).
    case eni(ENIIndex)
    /// At an address on the AWS public side (e.g. the Lambda service's own network, for a function
    /// not attached to a VPC). `internet` hosts are far away; AWS ones are in the Region.
    case publicAddress(IPv4Address, internet: Bool)
    /// Many addresses on the public side at once (a population of internet clients or scanners).
    case publicRange(CIDR, internet: Bool)
    /// An AWS service front end: owns address ranges on the public side and answers whatever
    /// reaches them, directly or through a gateway endpoint.
    case awsService(name: String)
    /// A VPC's platform services, reached from every ENI without security groups, ACLs or flow
    /// logs (aws-vpc-facts §1.10, §7): Amazon DNS (base + 2, 169.254.169.253), instance metadata
    /// (169.254.169.254), Amazon Time Sync (169.254.169.123) and DHCP at the subnet router (base + 1).
    case platform(VPCIndex)
}

/// Who owns an address on the public side.
public enum PublicOwner: Sendable, Hashable {
    case host(HostIndex)
    /// The public IPv4 of an ENI, translated 1:1 by the VPC's internet gateway.
    case eniPublicIP(ENIIndex)
    /// An Elastic IP of a NAT gateway (address index `k`).
    case natElasticIP(NATGatewayIndex, Int)
}

/// What became of a packet arrival.
public enum ArrivalOutcome {
    /// Still travelling (the next hop is scheduled) or dropped (counted with its reason).
    case handled
    /// Arrived at a host's stack.
    case delivered(HostIndex, Packet)
}

/// Counters the run summary reports.
public struct NetworkStatistics: Sendable {
    public var packetsSent: UInt64 = 0
    public var packetsDelivered: UInt64 = 0
    public var drops: [DropReason: UInt64] = [:]
    public init() {}
    public var droppedPackets: UInt64 { drops.values.reduce(0, +) }
}

/// The VPC fabric: resources, forwarding decisions, filtering, translation, and the packets in
/// flight. It knows nothing of transport protocols or output formats: hosts hand it packets and
/// get packets back; observers read its ``ObservationLog``.
public struct Network: Sendable {
    // MARK: Resources (fixed once the run starts)
    public var region: String
    public var zones: [AvailabilityZone] = []
    public var vpcs: [VPC] = []
    public var subnets: [Subnet] = []
    public var enis = ContiguousArray<ENI>()
    public var routeTables: [RouteTable] = []
    public var prefixLists: [PrefixList] = []
    public var securityGroups: [SecurityGroup] = []
    public var networkACLs: [NetworkACL] = []
    public var internetGateways: [InternetGateway] = []
    public var natGateways: [NATGateway] = []
    public var gatewayEndpoints: [GatewayEndpoint] = []
    public var hosts = ContiguousArray<HostAttachment>()
    /// Public address ranges of AWS services (e.g. DynamoDB's prefix-list ranges) → the service's host.
    public var serviceRanges: [(range: CIDR, host: HostIndex)] = []
    /// Public AWS address ranges by ip-ranges.json service subset (e.g. DYNAMODB, S3, AMAZON),
    /// for flow logs' `pkt-src-aws-service` / `pkt-dst-aws-service`.
    public var awsAddressRanges: [(range: CIDR, service: String)] = []
    /// Names the TLS ClientHellos carry, referred to by index from stream chunks.
    public var serverNames: [String] = []
    /// Literal payloads (plaintext protocols such as HTTP to instance metadata), by index.
    public var payloadTexts: [[UInt8]] = []
    public var latency = LatencyModel()
    public var trackingTimeouts = ConnectionTrackingTimeouts()

    // MARK: Compiled lookups
    public private(set) var compiledRoutes: [CompiledRouteTable] = []
    var privateOwners: [UInt64: ENIIndex] = [:]      // vpc << 32 | address
    var publicRanges: [(range: CIDR, host: HostIndex, internet: Bool)] = []
    var publicOwners: [UInt32: PublicOwner] = [:]
    /// Sorted private addresses of the ENIs in each security group (for rules that reference a group).
    public private(set) var groupMembers: [[UInt32]] = []

    // MARK: State
    var pool = ContiguousArray<Packet>()
    var freeSlots: [UInt32] = []
    var eniTxFree = ContiguousArray<SimTime>()
    var hostTxFree = ContiguousArray<SimTime>()
    public var hostAlive = ContiguousArray<Bool>()
    var tracking = ContiguousArray<FlowTable<TrackedFlow>>()
    public var nat: [NATState] = []
    /// Each NAT gateway's source addresses: its primary private IP, then its ENI's secondaries
    /// (built once by `finalize`, so forwarding allocates nothing).
    var natAddresses: [[IPv4Address]] = []
    /// ENIs whose packets are recorded in the observation log.
    public var observed = ContiguousArray<Bool>()
    public var log = ObservationLog()
    public var stats = NetworkStatistics()
    /// When non-nil, every decision is appended here (for the path explainer; off in runs).
    public var trace: [TraceStep]?

    public init(region: String) { self.region = region }

    // MARK: Building

    /// Adds a host and returns its index.
    public mutating func addHost(_ attachment: HostAttachment) -> HostIndex {
        hosts.append(attachment)
        hostTxFree.append(.zero)
        hostAlive.append(true)
        return HostIndex(hosts.count - 1)
    }

    /// Compiles route tables and address maps and sizes the state. Call once after building.
    public mutating func finalize(random: RandomStreams) {
        compiledRoutes = routeTables.enumerated().map { i, rt in
            CompiledRouteTable(rt, index: RouteTableIndex(i), localCIDRs: vpcs[rt.vpc.int].cidrs, prefixLists: prefixLists)
        }
        privateOwners = [:]
        publicOwners = [:]
        for (i, e) in enis.enumerated() {
            for a in [e.privateIP] + e.secondaryIPs { privateOwners[UInt64(e.vpc.raw) << 32 | UInt64(a.raw)] = ENIIndex(i) }
            if let p = e.publicIP { publicOwners[p.raw] = .eniPublicIP(ENIIndex(i)) }
        }
        for (i, n) in natGateways.enumerated() {
            for (k, eip) in n.elasticIPs.enumerated() { publicOwners[eip.raw] = .natElasticIP(NATGatewayIndex(i), k) }
        }
        publicRanges = []
        for (i, h) in hosts.enumerated() {
            if case .publicAddress(let a, _) = h { publicOwners[a.raw] = .host(HostIndex(i)) }
            if case .publicRange(let c, let far) = h { publicRanges.append((c, HostIndex(i), far)) }
        }
        groupMembers = securityGroups.indices.map { g in
            enis.filter { $0.securityGroups.contains(SecurityGroupIndex(g)) }
                .flatMap { [$0.privateIP.raw] + $0.secondaryIPs.map(\.raw) }.sorted()
        }
        eniTxFree = ContiguousArray(repeating: .zero, count: enis.count)
        tracking = ContiguousArray((0..<enis.count).map { _ in FlowTable<TrackedFlow>(capacity: 64) })
        if observed.count < enis.count { observed += Array(repeating: false, count: enis.count - observed.count) }
        nat = natGateways.map { NATState(random: random.stream("nat-gateway:" + $0.id)) }
        natAddresses = natGateways.map { [$0.privateIP] + enis[$0.eni.int].secondaryIPs }
    }

    /// The ENI that owns `address` in `vpc`.
    public func eni(owning address: IPv4Address, in vpc: VPCIndex) -> ENIIndex? {
        privateOwners[UInt64(vpc.raw) << 32 | UInt64(address.raw)]
    }
    /// Who owns a public address.
    public func publicOwner(of address: IPv4Address) -> PublicOwner? { publicOwners[address.raw] }
    /// The AWS service host whose ranges contain `address`.
    public func serviceHost(owning address: IPv4Address) -> HostIndex? {
        for s in serviceRanges where s.range.contains(address) { return s.host }
        return nil
    }

    // MARK: Packet pool

    mutating func store(_ p: Packet) -> UInt32 {
        if let i = freeSlots.popLast() { pool[Int(i)] = p; return i }
        pool.append(p)
        return UInt32(pool.count - 1)
    }
    mutating func release(_ i: UInt32) { freeSlots.append(i) }
    /// Packets currently in flight.
    public var inFlight: Int { pool.count - freeSlots.count }

    mutating func schedule(_ p: Packet, hop: Hop, at time: SimTime, _ scheduler: inout Scheduler) {
        var q = p
        q.hop = hop
        let i = store(q)
        scheduler.schedule(at: time, EventPayload(NetworkEvent.packetArrival, object: i))
    }

    /// Discards a packet: every packet the model loses, in the network or at a host's stack, ends
    /// here, counted for the summary and recorded in the trace for the path explainer.
    public mutating func drop(_ reason: DropReason) {
        stats.drops[reason, default: 0] += 1
        trace?.append(.dropped(reason))
    }

    mutating func tap(_ eni: ENIIndex, _ direction: TrafficDirection, accepted: Bool, logged: Bool = true,
                      path: EgressPath = .unknown, _ p: Packet, _ now: SimTime) {
        if observed[eni.int] {
            log.taps.append(TapRecord(time: now, eni: eni, direction: direction, accepted: accepted, logged: logged,
                                      path: path, packet: p))
        }
    }

    // MARK: Sending

    /// A host hands a packet to the network at `now`.
    public mutating func transmit(_ packet: Packet, from host: HostIndex, now: SimTime, _ scheduler: inout Scheduler) {
        var p = packet
        stats.packetsSent &+= 1
        switch hosts[host.int] {
        case .eni(let e):
            // Fields read in place: copying an ENI out would retain its strings and arrays per packet.
            // Serialise on the ENI's link so back-to-back segments leave in order, spaced by their size.
            var at = now + SimDuration(nanoseconds: enis[e.int].hostLatency)
            if eniTxFree[e.int] > at { at = eniTxFree[e.int] }
            eniTxFree[e.int] = at + SimDuration(nanoseconds: Int64(p.ipTotalLength + 18) * 8_000_000_000 / enis[e.int].linkBitsPerSecond)
            if at == now {
                egress(e, p, now, &scheduler)
            } else {
                schedule(p, hop: .eniEgress(e), at: at, &scheduler)
            }
        case .publicAddress(_, let far), .publicRange(_, let far):
            trace?.append(.sent(host, p))
            var at = now
            if hostTxFree[host.int] > at { at = hostTxFree[host.int] }
            hostTxFree[host.int] = at + SimDuration(nanoseconds: Int64(p.ipTotalLength + 18) * 8 / 10)  // 10 Gb/s
            let l = (far || isInternet(p.destination)) ? latency.internet : latency.regional
            schedule(p, hop: .publicNetwork, at: at + l, &scheduler)
        case .awsService:
            trace?.append(.sent(host, p))
            var at = now
            if hostTxFree[host.int] > at { at = hostTxFree[host.int] }
            hostTxFree[host.int] = at + SimDuration(nanoseconds: Int64(p.ipTotalLength + 18) * 8 / 25)  // 25 Gb/s
            let l = isInternet(p.destination) && p.realm == 0 ? latency.internet : latency.regional
            schedule(p, hop: .publicNetwork, at: at + l, &scheduler)
        case .platform(let v):
            // Answers go straight back to the asking ENI; no security group or ACL applies to
            // platform services (aws-vpc-facts §1.10, §7).
            trace?.append(.sent(host, p))
            guard let d = eni(owning: p.destination, in: v) else { drop(.noSuchAddressInVPC(v)); return }
            p.fromSubnet = .max
            schedule(p, hop: .eniIngress(d), at: now + latency.resolver, &scheduler)
        }
    }

    func isInternet(_ a: IPv4Address) -> Bool {
        if serviceHost(owning: a) != nil { return false }
        if let o = publicOwners[a.raw] {
            if case .host(let h) = o, case .publicAddress(_, let far) = hosts[h.int] { return far }
            return false
        }
        for r in publicRanges where r.range.contains(a) { return r.internet }
        return true
    }

    // MARK: Arrivals

    /// Handles a packet-arrival event.
    public mutating func arrive(_ index: UInt32, now: SimTime, _ scheduler: inout Scheduler) -> ArrivalOutcome {
        let p = pool[Int(index)]
        release(index)
        switch p.hop {
        case .eniEgress(let e):
            egress(e, p, now, &scheduler)
            return .handled
        case .eniIngress(let e):
            return ingress(e, p, now, &scheduler)
        case .publicNetwork:
            return publicArrival(p, now, &scheduler)
        case .host(let h):
            return deliver(h, p)
        }
    }

    mutating func deliver(_ h: HostIndex, _ p: Packet) -> ArrivalOutcome {
        guard hostAlive[h.int] else { drop(.hostGone(h)); return .handled }
        stats.packetsDelivered &+= 1
        trace?.append(.delivered(h, p))
        return .delivered(h, p)
    }

    /// Whether an address is one of the platform services AWS neither filters nor logs: Amazon
    /// DNS at the VPC base + 2, link-local 169.254.0.0/16 (169.254.169.253 DNS, .254 metadata,
    /// .123 Time Sync), and the subnet router at base + 1 (DHCP) (aws-vpc-facts §1.10, §7).
    public func isPlatformAddress(_ a: IPv4Address, vpc: VPCIndex, subnet: SubnetIndex) -> Bool {
        a == vpcs[vpc.int].dnsAddress || a.raw & 0xFFFF_0000 == 0xA9FE_0000 || a == subnets[subnet.int].routerAddress
    }

    /// A packet leaves ENI `e` (sent by its host, or forwarded by the NAT gateway behind it).
    mutating func egress(_ e: ENIIndex, _ packet: Packet, _ now: SimTime, _ scheduler: inout Scheduler) {
        var p = packet
        // Scalars read in place (an ENI or subnet copied out would retain its strings and arrays).
        let eniSubnet = enis[e.int].subnet, eniVPC = enis[e.int].vpc
        let subnetCIDR = subnets[eniSubnet.int].cidr, routeTable = subnets[eniSubnet.int].routeTable
        let networkACL = subnets[eniSubnet.int].networkACL
        if isPlatformAddress(p.destination, vpc: eniVPC, subnet: eniSubnet) {
            trace?.append(.leave(e, p))
            tap(e, .egress, accepted: true, logged: false, p, now)
            if let r = vpcs[eniVPC.int].platformHost {
                schedule(p, hop: .host(r), at: now + latency.intraAZ, &scheduler)
            } else {
                drop(.unreachableAddress)
            }
            return
        }
        trace?.append(.leave(e, p))
        // Where is it going? Same subnet: switched, no route table and no ACL (aws-vpc-facts §2, §8).
        let sameSubnet = subnetCIDR.contains(p.destination)
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
            schedule(p, hop: .eniIngress(d), at: now + hopLatency(e, d), &scheduler)
            return
        }
        guard let route else { drop(.noRoute(routeTable)); return }
        switch route.target {
        case .local:
            guard let d = self.eni(owning: p.destination, in: eniVPC) else { drop(.noSuchAddressInVPC(eniVPC)); return }
            schedule(p, hop: .eniIngress(d), at: now + hopLatency(e, d), &scheduler)
        case .networkInterface(let d):
            schedule(p, hop: .eniIngress(d), at: now + hopLatency(e, d), &scheduler)
        case .natGateway(let n):
            let d = natGateways[n.int].eni
            schedule(p, hop: .eniIngress(d), at: now + hopLatency(e, d), &scheduler)
        case .internetGateway(let g):
            // One-to-one NAT of the private source to its public address (aws-vpc-facts §6).
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
            schedule(p, hop: .publicNetwork, at: now + (isInternet(p.destination) ? latency.internet : latency.regional), &scheduler)
        case .gatewayEndpoint(let g):
            p.realm = g.raw + 1
            trace?.append(.gatewayEndpoint(g))
            schedule(p, hop: .publicNetwork, at: now + latency.regional, &scheduler)
        case .blackhole:
            drop(.blackholeRoute(routeTable, route: route.route))
        }
    }

    func hopLatency(_ a: ENIIndex, _ b: ENIIndex) -> SimDuration {
        subnets[enis[a.int].subnet.int].zone == subnets[enis[b.int].subnet.int].zone ? latency.intraAZ : latency.crossAZ
    }

    /// A packet arrives at ENI `e` from the fabric.
    mutating func ingress(_ e: ENIIndex, _ packet: Packet, _ now: SimTime, _ scheduler: inout Scheduler) -> ArrivalOutcome {
        let p = packet
        let eniSubnet = enis[e.int].subnet       // read in place, as in egress
        if p.fromSubnet == .max && isPlatformAddress(p.source, vpc: enis[e.int].vpc, subnet: eniSubnet) {
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
        return toHost(e, p, now, &scheduler)
    }

    mutating func toHost(_ e: ENIIndex, _ p: Packet, _ now: SimTime, _ scheduler: inout Scheduler) -> ArrivalOutcome {
        guard let h = enis[e.int].host else { drop(.unreachableAddress); return .handled }
        let hostLatency = enis[e.int].hostLatency
        if hostLatency > 0 {
            schedule(p, hop: .host(h), at: now + SimDuration(nanoseconds: hostLatency), &scheduler)
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
                guard let d = eni(owning: p.destination, in: ep.vpc) else { drop(.noSuchAddressInVPC(ep.vpc)); return .handled }
                p.fromSubnet = .max
                p.realm = 0      // realms name routing domains on the AWS side only
                trace?.append(.gatewayEndpoint(g))
                return ingress(d, p, now, &scheduler)
            }
            guard let h = serviceHost(owning: p.destination), case .awsService(let name) = hosts[h.int], name == ep.service
            else { drop(.endpointServiceMismatch(g)); return .handled }
            return deliver(h, p)
        }
        if let owner = publicOwners[p.destination.raw] {
            switch owner {
            case .host(let h):
                return deliver(h, p)
            case .eniPublicIP(let e):
                // Inbound 1:1 NAT at the internet gateway, then into the VPC (aws-vpc-facts §6).
                guard let g = vpcs[enis[e.int].vpc.int].internetGateway else { drop(.unreachableAddress); return .handled }
                trace?.append(.internetGateway(g, from: p.destination, to: enis[e.int].privateIP))
                p.destination = enis[e.int].privateIP
                p.fromSubnet = .max
                return ingress(e, p, now, &scheduler)
            case .natElasticIP(let n, let k):
                let addrs = natAddresses[n.int]
                if let g = vpcs[enis[natGateways[n.int].eni.int].vpc.int].internetGateway {
                    trace?.append(.internetGateway(g, from: p.destination, to: addrs[min(k, addrs.count - 1)]))
                }
                p.destination = addrs[min(k, addrs.count - 1)]
                p.fromSubnet = .max
                return ingress(natGateways[n.int].eni, p, now, &scheduler)
            }
        }
        if let h = serviceHost(owning: p.destination) { return deliver(h, p) }
        for r in publicRanges where r.range.contains(p.destination) { return deliver(r.host, p) }
        drop(.unreachableAddress)
        return .handled
    }

    // MARK: Security groups (stateful)

    /// Connection tracking first (a reply to a tracked flow is allowed whatever the rules say),
    /// then the union of every group's rules in that direction (aws-vpc-facts §7).
    mutating func securityGroupsAllow(_ e: ENIIndex, _ p: Packet, _ dir: TrafficDirection, _ now: SimTime) -> Bool {
        if enis[e.int].securityGroups.isEmpty {                   // NAT gateway ENIs take no security groups
            trace?.append(.securityGroup(e, dir, .notApplicable))
            return true
        }
        let key = Self.trackingKey(p)
        let isSYN = p.protocolNumber == IPProtocol.tcp && p.tcpFlags.contains(.syn) && !p.tcpFlags.contains(.ack)
        var known = false
        let timeouts = trackingTimeouts
        tracking[e.int].update(key) { t in
            let idle = now - t.lastSeen
            let limit: SimDuration
            switch p.protocolNumber {
            case IPProtocol.tcp: limit = t.closing == 3 ? timeouts.tcpClosed : timeouts.tcpEstablished
            case IPProtocol.udp: limit = t.closing == 4 ? timeouts.udpStream : timeouts.udp
            default: limit = timeouts.other
            }
            if idle > limit || (isSYN && t.closing == 3) { return }
            known = true
            t.lastSeen = now
            if p.protocolNumber == IPProtocol.tcp {
                let side: UInt8 = dir == .egress ? 1 : 2
                if p.tcpFlags.contains(.rst) { t.closing = 3 } else if p.tcpFlags.contains(.fin) { t.closing |= side }
            } else if p.protocolNumber == IPProtocol.udp && dir != t.openedBy {
                t.closing = 4    // seen both ways: a UDP stream
            }
        }
        if known {
            trace?.append(.securityGroup(e, dir, .trackedFlow))
            return true
        }
        guard let rule = evaluateSecurityGroups(e, p, dir) else {
            trace?.append(.securityGroup(e, dir, .denied))
            return false
        }
        trace?.append(.securityGroup(e, dir, .allowedByRule(rule.group, rule: rule.rule)))
        tracking[e.int].insert(key, TrackedFlow(openedBy: dir, lastSeen: now, closing: 0))
        return true
    }

    /// The connection-tracking key of a packet: both directions of a flow map to one key. ICMP
    /// queries are tracked by identifier, so an echo reply matches its request.
    static func trackingKey(_ p: Packet) -> FlowKey {
        if p.protocolNumber == IPProtocol.icmp {
            let (a, b) = p.source.raw <= p.destination.raw ? (p.source, p.destination) : (p.destination, p.source)
            return FlowKey(source: a, destination: b, sourcePort: p.sourcePort, destinationPort: 0, protocolNumber: IPProtocol.icmp)
        }
        return p.flow.canonical
    }

    /// The first (group, rule) that allows `p` in `dir`, or nil. Pure: used by the simulator and
    /// by the path explainer alike.
    public func evaluateSecurityGroups(_ e: ENIIndex, _ p: Packet, _ dir: TrafficDirection) -> (group: SecurityGroupIndex, rule: Int)? {
        let peer = dir == .ingress ? p.source : p.destination
        for g in enis[e.int].securityGroups {
            let rules = dir == .ingress ? securityGroups[g.int].ingress : securityGroups[g.int].egress
            for (i, r) in rules.enumerated() where protocolMatches(r.protocolNumber, p.protocolNumber)
                && portsMatch(r.protocolNumber, r.ports, p) && peerMatches(r.peer, peer) {
                return (g, i)
            }
        }
        return nil
    }

    func peerMatches(_ peer: SecurityGroupPeer, _ a: IPv4Address) -> Bool {
        switch peer {
        case .cidr(let c): return c.contains(a)
        case .prefixList(let pl): return prefixLists[pl.int].cidrs.contains { $0.contains(a) }
        case .securityGroup(let g): return binarySearch(groupMembers[g.int], a.raw)
        }
    }

    // MARK: NAT gateway

    /// A packet reached the NAT gateway's ENI and was accepted by its subnet's ACL.
    mutating func natForward(_ n: NATGatewayIndex, _ packet: Packet, _ now: SimTime, _ scheduler: inout Scheduler) {
        var p = packet
        let addresses = natAddresses[n.int]
        let len = UInt64(p.ipTotalLength)
        guard p.protocolNumber == IPProtocol.tcp || p.protocolNumber == IPProtocol.udp || p.protocolNumber == IPProtocol.icmp else {
            nat[n.int].metrics.packetsDropCount += 1
            drop(.natUnsupportedProtocol(n)); return
        }
        if let k = addresses.firstIndex(of: p.destination) {
            // A reply from outside: translate back to the inside client.
            // ICMP echo replies carry the translated identifier where TCP/UDP carry the port.
            let rk = p.protocolNumber == IPProtocol.icmp
                ? FlowKey(source: p.source, destination: addresses[k], sourcePort: 0, destinationPort: p.sourcePort, protocolNumber: IPProtocol.icmp)
                : FlowKey(source: p.source, destination: addresses[k], sourcePort: p.sourcePort,
                          destinationPort: p.destinationPort, protocolNumber: p.protocolNumber)
            guard let inside = nat[n.int].reverse[rk], var t = nat[n.int].translations[inside],
                  !NATState.isExpired(t, now: now, closedLinger: trackingTimeouts.tcpClosed) else {
                nat[n.int].metrics.packetsDropCount += 1
                drop(.natNoTranslation(n)); return
            }
            t.lastActivity = now
            if p.protocolNumber == IPProtocol.tcp {
                if p.tcpFlags.contains(.rst) { t.closing = 3 } else if p.tcpFlags.contains(.fin) { t.closing |= 2 }
                if p.tcpFlags.contains(.syn) && p.tcpFlags.contains(.ack) && !t.established {
                    t.established = true
                    nat[n.int].metrics.connectionEstablishedCount += 1
                }
            }
            nat[n.int].translations.insert(inside, t)
            nat[n.int].metrics.bytesInFromDestination += len
            nat[n.int].metrics.packetsInFromDestination += 1
            nat[n.int].metrics.bytesOutToSource += len
            nat[n.int].metrics.packetsOutToSource += 1
            trace?.append(.natGateway(n, from: p.destination, fromPort: p.protocolNumber == IPProtocol.icmp ? p.sourcePort : p.destinationPort,
                                      to: inside.source, toPort: inside.sourcePort))
            p.destination = inside.source
            if p.protocolNumber == IPProtocol.icmp { p.sourcePort = inside.sourcePort } else { p.destinationPort = inside.sourcePort }
            scheduleNATEgress(natGateways[n.int].eni, p, now, &scheduler)
            return
        }
        // From inside: find or make a translation.
        // ICMP queries are keyed by identifier (carried as the source port), not by type/code.
        let inside = p.protocolNumber == IPProtocol.icmp
            ? FlowKey(source: p.source, destination: p.destination, sourcePort: p.sourcePort, destinationPort: 0, protocolNumber: IPProtocol.icmp)
            : p.flow
        let isSYN = p.protocolNumber == IPProtocol.tcp && p.tcpFlags.contains(.syn) && !p.tcpFlags.contains(.ack)
        var t: NATTranslation
        if let existing = nat[n.int].translations[inside],
           !NATState.isExpired(existing, now: now, closedLinger: trackingTimeouts.tcpClosed) || isSYN && existing.closing == 3 {
            t = existing
            if isSYN && existing.closing == 3 { t.closing = 0; t.established = false }
        } else {
            if let stale = nat[n.int].translations[inside] {
                if stale.closing != 3 { nat[n.int].metrics.idleTimeoutCount += 1 }
                nat[n.int].release(inside, addresses: addresses)
            }
            if p.protocolNumber == IPProtocol.tcp && !isSYN {
                // An idle-timed-out (or unknown) connection: the gateway answers the inside host
                // with a RST, not a FIN (aws-vpc-facts §5).
                nat[n.int].metrics.packetsDropCount += 1
                drop(.natNoTranslation(n))
                if !p.tcpFlags.contains(.rst) { scheduleNATEgress(natGateways[n.int].eni, .reset(answering: p), now, &scheduler) }
                return
            }
            nat[n.int].metrics.connectionAttemptCount += 1
            guard let fresh = nat[n.int].allocate(inside, addresses: addresses, now: now) else {
                nat[n.int].metrics.errorPortAllocation += 1
                nat[n.int].metrics.packetsDropCount += 1
                drop(.natPortAllocation(n)); return
            }
            t = fresh
        }
        t.lastActivity = now
        if p.protocolNumber == IPProtocol.tcp {
            if p.tcpFlags.contains(.rst) { t.closing = 3 } else if p.tcpFlags.contains(.fin) { t.closing |= 1 }
        }
        nat[n.int].translations.insert(inside, t)
        nat[n.int].metrics.bytesInFromSource += len
        nat[n.int].metrics.packetsInFromSource += 1
        nat[n.int].metrics.bytesOutToDestination += len
        nat[n.int].metrics.packetsOutToDestination += 1
        trace?.append(.natGateway(n, from: p.source, fromPort: p.sourcePort, to: addresses[Int(t.address)], toPort: t.port))
        p.source = addresses[Int(t.address)]
        p.sourcePort = t.port
        scheduleNATEgress(natGateways[n.int].eni, p, now, &scheduler)
    }

    mutating func scheduleNATEgress(_ natENI: ENIIndex, _ p: Packet, _ now: SimTime, _ scheduler: inout Scheduler) {
        schedule(p, hop: .eniEgress(natENI), at: now + latency.natGateway, &scheduler)
    }


    // MARK: Maintenance

    /// Forgets expired tracked flows and NAT translations. Called periodically; only long runs need it.
    public mutating func expireState(now: SimTime) {
        let t = trackingTimeouts
        for i in tracking.indices {
            tracking[i].removeAll { key, f in
                let idle = now - f.lastSeen
                switch key.protocolNumber {
                case IPProtocol.tcp: return idle > (f.closing == 3 ? t.tcpClosed : t.tcpEstablished)
                case IPProtocol.udp: return idle > (f.closing == 4 ? t.udpStream : t.udp)
                default: return idle > t.other
                }
            }
        }
        for n in nat.indices {
            let addresses = natAddresses[n]
            let doomed = nat[n].translations.entries.filter {
                NATState.isExpired($0.value, now: now, closedLinger: t.tcpClosed)
            }
            for d in doomed {
                if d.value.closing != 3 { nat[n].metrics.idleTimeoutCount += 1 }
                nat[n].release(d.key, addresses: addresses)
            }
        }
    }
}

func binarySearch(_ a: [UInt32], _ x: UInt32) -> Bool {
    var lo = 0, hi = a.count
    while lo < hi {
        let mid = (lo + hi) >> 1
        if a[mid] < x { lo = mid + 1 } else { hi = mid }
    }
    return lo < a.count && a[lo] == x
}
