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
    case publicAddress(IPAddress, internet: Bool)
    /// Many addresses on the public side at once (a population of internet clients or scanners).
    case publicRange(CIDR, internet: Bool)
    /// An AWS service front end: owns address ranges on the public side and answers whatever
    /// reaches them, directly or through a gateway endpoint.
    case awsService(name: String)
    /// A VPC's platform services, reached from every ENI without security groups, ACLs or flow
    /// logs (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Security.html,
    /// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-limitations.html): Amazon DNS (base + 2,
    /// 169.254.169.253), instance metadata (169.254.169.254), Amazon Time Sync (169.254.169.123) and DHCP at the subnet
    /// router (base + 1).
    case platform(VPCIndex)
}

/// Who owns an address on the public side.
public enum PublicOwner: Sendable, Hashable {
    case host(HostIndex)
    /// The public IPv4 of an ENI, translated 1:1 by the VPC's internet gateway. (An ENI's IPv6
    /// addresses are public as they are: the internet gateway forwards them untranslated, so the
    /// IPv6 work adds an owner case here for them.)
    case eniPublicIP(ENIIndex)
    /// An Elastic IP of a NAT gateway (address index `k`).
    case natElasticIP(NATGatewayIndex, Int)
    /// One of an ENI's IPv6 addresses: globally unique, reached from the internet untranslated
    /// through its VPC's internet gateway, or only as replies through an egress-only one.
    case eniIPv6(ENIIndex)
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
    /// The domain name the VPCs' default DHCP option set hands out: `ec2.internal` in us-east-1,
    /// `<region>.compute.internal` elsewhere (https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSet.html).
    public var dhcpDomainName = "ec2.internal"
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
    public var egressOnlyInternetGateways: [EgressOnlyInternetGateway] = []
    public var peeringConnections: [PeeringConnection] = []
    public var transitGateways: [TransitGateway] = []
    public var transitGatewayAttachments: [TransitGatewayAttachment] = []
    public var transitGatewayRouteTables: [TransitGatewayRouteTable] = []
    public var interfaceEndpoints: [InterfaceEndpoint] = []
    public var loadBalancers: [LoadBalancer] = []
    public var hosts = ContiguousArray<HostAttachment>()
    /// Public address ranges of AWS services (e.g. DynamoDB's prefix-list ranges) → the service's host.
    public var serviceRanges: [(range: CIDR, host: HostIndex)] = []
    /// Names, literal payloads and AWS address ranges that payloads and outputs refer to by
    /// index. Carried for the observers; nothing here reads it.
    public var catalog = NameCatalog()
    public var latency = LatencyModel()
    /// Draws each hop's delay from `latency` (compiled by `finalize`).
    public internal(set) var delays = DelaySampler.unset
    public var trackingTimeouts = ConnectionTrackingTimeouts()

    // MARK: Compiled lookups
    public private(set) var compiledRoutes: [CompiledRouteTable] = []
    /// (VPC, private address of either family) → the ENI that owns it.
    var privateOwners = AddressMap<ENIIndex>()
    var publicRanges: [(range: CIDR, host: HostIndex, internet: Bool)] = []
    /// Public address (scope 0) → who answers there.
    var publicOwners = AddressMap<PublicOwner>()
    /// Per subnet, its VPC's Amazon DNS address and its router's (IPv4), for the platform test on
    /// the packet path.
    var platformAddresses = ContiguousArray<PlatformAddresses>()
    /// Sorted private addresses, both families, of the ENIs in each security group (for rules that
    /// reference a group: AWS allows "the private IP addresses" of the members' ENIs — that their
    /// IPv6 addresses count as well is assumed, the docs name no family).
    public private(set) var groupMembers: [[IPAddress]] = []

    // MARK: State
    var pool = ContiguousArray<Packet>()
    var freeSlots: [UInt32] = []
    var eniTxFree = ContiguousArray<SimTime>()
    var hostTxFree = ContiguousArray<SimTime>()
    /// Per-hop FIFO: the latest arrival scheduled on each (sender, next-hop class), so a drawn
    /// delay never lets a packet overtake an earlier one on the same path (TCP would see
    /// reordering no AWS path shows at these rates). Classes of an ENI's sends: the destination
    /// ENI's zone (0 ..< zones), then the regional and the internet side; of a public host's
    /// sends: regional, internet; of a NAT gateway: toward the inside, toward the outside.
    var eniHopFree = ContiguousArray<SimTime>()
    var eniDeliverFree = ContiguousArray<SimTime>()
    var hostHopFree = ContiguousArray<SimTime>()
    /// Per host, the latest arrival scheduled toward it across Regions (the FIFO of that leg).
    var hostInboundFree = ContiguousArray<SimTime>()
    /// Per host, the one-way median (ns) between this Region and the Region the host is in: 0 for
    /// every host here, the inter-Region delay for an AWS front end of another Region
    /// (``setRemoteRegion(_:oneWay:)``).
    public private(set) var hostRegionDelay = ContiguousArray<Int64>()
    var natHopFree = ContiguousArray<SimTime>()
    public var hostAlive = ContiguousArray<Bool>()
    var tracking = ContiguousArray<FlowTable<TrackedFlow>>()
    public var nat: [NATState] = []
    /// Each NAT gateway's source addresses: its primary private IP, then its ENI's secondaries
    /// (built once by `finalize`, so forwarding allocates nothing).
    var natAddresses: [[IPAddress]] = []
    /// ENIs whose packets are recorded in the observation log.
    public var observed = ContiguousArray<Bool>()
    public var log = ObservationLog()
    public var stats = NetworkStatistics()
    /// Bytes AWS bills by volume: across AZs, through gateway endpoints, out to the internet.
    public var usage = NetworkUsage()
    /// When non-nil, every decision is appended here (for the path explainer; off in runs).
    public var trace: [TraceStep]?
    /// Each egress-only internet gateway's outbound flows (canonical key → last packet), the
    /// state that lets replies in.
    var egressOnlyFlows = ContiguousArray<FlowTable<SimTime>>()
    /// Per transit gateway attachment: the last arrival scheduled out of it (in order per path).
    var transitGatewayHopFree = ContiguousArray<SimTime>()
    /// Per transit gateway: whether a flow log observes it (the model then logs what it carries).
    public var transitGatewayObserved = ContiguousArray<Bool>()

    public init(region: String) { self.region = region }

    // MARK: Building

    /// Adds a host and returns its index. An ENI's host is recorded on the ENI, and a public-side
    /// host's addresses are registered at once, so hosts may be attached after `finalize`.
    public mutating func addHost(_ attachment: HostAttachment) -> HostIndex {
        let h = HostIndex(hosts.count)
        hosts.append(attachment)
        hostTxFree.append(.zero)
        hostHopFree.append(contentsOf: [.zero, .zero])
        hostInboundFree.append(.zero)
        hostRegionDelay.append(0)
        usage.interRegionBytesToHost.append(0)
        usage.interRegionBytesFromHost.append(0)
        hostAlive.append(true)
        if case .eni(let e) = attachment { enis[e.int].host = h }
        registerPublicSide(h)
        return h
    }

    /// Places an AWS front end in another Region, `oneWay` (median) away: its packets pay that on
    /// top of the regional hop each way (AWS's backbone between Regions; the shape of the
    /// cross-AZ hop, since inter-Region RTTs spread as little, assumed).
    public mutating func setRemoteRegion(_ h: HostIndex, oneWay: SimDuration) {
        hostRegionDelay[h.int] = oneWay.nanoseconds
    }

    /// Records who answers at a public-side host's address or range.
    mutating func registerPublicSide(_ h: HostIndex) {
        switch hosts[h.int] {
        case .publicAddress(let a, _): publicOwners[0, a] = .host(h)
        case .publicRange(let c, let far): publicRanges.append((c, h, far))
        default: break
        }
    }

    /// Compiles route tables and address maps and sizes the state. Call once, when every VPC
    /// resource (ENIs included) is in place; hosts may come before or after.
    public mutating func finalize(random: RandomStreams) {
        compiledRoutes = routeTables.enumerated().map { i, rt in
            CompiledRouteTable(
                rt, index: RouteTableIndex(i), localCIDRs: vpcs[rt.vpc.int].cidrs, prefixLists: prefixLists)
        }
        privateOwners = AddressMap()
        publicOwners = AddressMap()
        for (i, e) in enis.enumerated() {
            for a in e.privateAddresses { privateOwners[e.vpc.raw, a] = ENIIndex(i) }
            if let p = e.publicIP { publicOwners[0, p] = .eniPublicIP(ENIIndex(i)) }
        }
        for (i, n) in natGateways.enumerated() {
            for (k, eip) in n.elasticIPs.enumerated() { publicOwners[0, eip] = .natElasticIP(NATGatewayIndex(i), k) }
        }
        publicRanges = []
        for h in hosts.indices { registerPublicSide(HostIndex(h)) }
        groupMembers = securityGroups.indices.map { g in
            enis.filter { $0.securityGroups.contains(SecurityGroupIndex(g)) }.flatMap(\.privateAddresses).sorted()
        }
        platformAddresses = ContiguousArray(
            subnets.map { PlatformAddresses(vpcs[$0.vpc.int], $0) })
        eniTxFree = ContiguousArray(repeating: .zero, count: enis.count)
        eniHopFree = ContiguousArray(repeating: .zero, count: enis.count * (zones.count + 2))
        eniDeliverFree = ContiguousArray(repeating: .zero, count: enis.count)
        natHopFree = ContiguousArray(repeating: .zero, count: natGateways.count * 2)
        delays = DelaySampler(latency, zones: zones.count, random: random.stream("network:latency"))
        usage.size(
            zones: zones.count, gatewayEndpoints: gatewayEndpoints.count, interfaceEndpoints: interfaceEndpoints,
            enis: enis.count)
        tracking = ContiguousArray((0..<enis.count).map { _ in FlowTable<TrackedFlow>(capacity: 64) })
        if observed.count < enis.count { observed += Array(repeating: false, count: enis.count - observed.count) }
        nat = natGateways.map { NATState(random: random.stream("nat-gateway:" + $0.id)) }
        natAddresses = natGateways.map { [$0.privateIP] + enis[$0.eni.int].secondaryIPs }
        finalizeInterconnect()
    }

    /// The ENI that owns `address` in `vpc`.
    public func eni(owning address: IPAddress, in vpc: VPCIndex) -> ENIIndex? { privateOwners[vpc.raw, address] }
    /// Who owns a public address.
    public func publicOwner(of address: IPAddress) -> PublicOwner? { publicOwners[0, address] }
    /// The AWS service host whose ranges (either family) contain `address`.
    public func serviceHost(owning address: IPAddress) -> HostIndex? {
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

    mutating func tap(
        _ eni: ENIIndex, _ direction: TrafficDirection, accepted: Bool, logged: Bool = true,
        path: EgressPath = .unknown, _ p: Packet, _ now: SimTime
    ) {
        if observed[eni.int] {
            log.taps.append(
                TapRecord(
                    time: now, eni: eni, direction: direction, accepted: accepted, logged: logged,
                    path: path, packet: p))
        }
    }

    // MARK: Sending

    /// A host hands a packet to the network at `now`.
    /// `processing`: how long the host's stack takes before the packet leaves (see ``stackDelay()``).
    public mutating func transmit(
        _ packet: Packet, from host: HostIndex, now: SimTime, processing: SimDuration = .zero,
        _ scheduler: inout Scheduler
    ) {
        var p = packet
        let now = now + processing
        stats.packetsSent &+= 1
        switch hosts[host.int] {
        case .eni(let e):
            // Fields read in place: copying an ENI out would retain its strings and arrays per packet.
            // Serialise on the ENI's link so back-to-back segments leave in order, spaced by their size.
            let hostLatency = enis[e.int].hostLatency
            var at = hostLatency > 0 ? now + delays.draw(median: hostLatency, like: .hyperplane) : now
            if eniTxFree[e.int] > at { at = eniTxFree[e.int] }
            eniTxFree[e.int] =
                at
                + SimDuration(nanoseconds: Int64(p.ipTotalLength + 18) * 8_000_000_000 / enis[e.int].linkBitsPerSecond)
            if at == now && processing == .zero {
                egress(e, p, now, &scheduler)
            } else {
                schedule(p, hop: .eniEgress(e), at: at, &scheduler)
            }
        case .publicAddress(_, let far), .publicRange(_, let far):
            trace?.append(.sent(host, p))
            var at = now
            if hostTxFree[host.int] > at { at = hostTxFree[host.int] }
            hostTxFree[host.int] = at + SimDuration(nanoseconds: Int64(p.ipTotalLength + 18) * 8 / 10) // 10 Gb/s
            let far = far || isInternet(p.destination)
            let arrival = at + delays.draw(far ? .internet : .regional)
            schedule(
                p, hop: .publicNetwork, at: Self.fifo(&hostHopFree, host.int * 2 + (far ? 1 : 0), arrival), &scheduler)
        case .awsService:
            trace?.append(.sent(host, p))
            var at = now
            if hostTxFree[host.int] > at { at = hostTxFree[host.int] }
            hostTxFree[host.int] = at + SimDuration(nanoseconds: Int64(p.ipTotalLength + 18) * 8 / 25) // 25 Gb/s
            let far = isInternet(p.destination) && p.realm == 0
            var arrival = at + delays.draw(far ? .internet : .regional)
            let remote = hostRegionDelay[host.int]
            if remote > 0 {
                arrival = arrival + delays.draw(median: remote, like: .crossAZ)
                usage.interRegionBytesFromHost[host.int] &+= UInt64(p.ipTotalLength)
            }
            schedule(
                p, hop: .publicNetwork, at: Self.fifo(&hostHopFree, host.int * 2 + (far ? 1 : 0), arrival), &scheduler)
        case .platform(let v):
            // Answers go straight back to the asking ENI; no security group or ACL applies to
            // platform services (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Security.html).
            trace?.append(.sent(host, p))
            guard let d = eni(owning: p.destination, in: v) else { drop(.noSuchAddressInVPC(v)); return }
            p.fromSubnet = .max
            let arrival = Self.fifo(&hostHopFree, host.int * 2, now + delays.draw(.resolver))
            schedule(p, hop: .eniIngress(d), at: arrival, &scheduler)
        }
    }

    /// The time a host's kernel takes to answer a segment by itself, as a SYN with its SYN-ACK:
    /// log-normal around 25 µs (σ 0.3). Assumed: interrupt, softirq and `tcp_conn_request` on a
    /// virtualised NIC take tens of microseconds; no source gives a distribution.
    public mutating func stackDelay() -> SimDuration { delays.draw(median: 25_000, like: .intraAZ) }

    /// `t`, or later if an earlier packet on the same path is due after it; records the result.
    @inline(__always) static func fifo(_ free: inout ContiguousArray<SimTime>, _ slot: Int, _ t: SimTime) -> SimTime {
        let at = free[slot] > t ? free[slot] : t
        free[slot] = at
        return at
    }

    func isInternet(_ a: IPAddress) -> Bool {
        if serviceHost(owning: a) != nil { return false }
        if let o = publicOwners[0, a] {
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
        expireInterconnectState(now: now)
    }
}

/// A subnet's IPv4 platform addresses: its VPC's Amazon DNS (base + 2) and its router (base + 1).
struct PlatformAddresses: Sendable {
    var dns: UInt32
    var router: UInt32
    /// A subnet's IPv4 platform addresses; an IPv6-only subnet has no IPv4 router (0.0.0.0 stands
    /// for none: no packet is addressed to it). Its platform services are at fd00:ec2::/32.
    init(_ vpc: VPC, _ subnet: Subnet) {
        dns = vpc.dnsAddress.ipv4Raw
        router = subnet.ipv4CIDR?.address(at: 1).ipv4Raw ?? 0
    }
}
