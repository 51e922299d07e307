import SimCore
import Wire
import NetModel
import Transport
import Messages

/// The composition root of a run: the network, the hosts' TCP stacks and the applications,
/// dispatched from one event loop. Each event kind goes to the layer that scheduled it; the
/// transport's notifications are then routed to the applications that own the sockets.
public struct World: EventHandler, Sendable {
    public var network: Network
    public var tcp: TCPStack
    public var functions: [LambdaFunction] = []
    public var services: [ServiceEndpoint] = []
    public var databases: [DatabaseInstance] = []
    public var stateMachines: [StateMachine] = []
    public var metrics = WorkloadMetrics()
    /// The TCP profile each kind of host runs, applied as hosts are added (``addHost(_:role:)``).
    public var hostProfiles = HostProfiles.standard
    /// Unix time of simulated time zero, in nanoseconds (timestamps in outputs are absolute).
    public var epochNanoseconds: Int64
    /// Arrivals stop at this time; environments then shut down and connections close.
    public var workloadEnd: SimTime
    public internal(set) var workloadEnded = false
    /// Set when, after the workload window, nothing is left to happen: no invocation or
    /// execution running, no socket open (TIME-WAIT aside) and no packet in flight.
    public internal(set) var finished = false
    var runningInvocations = 0
    var runningExecutions = 0
    var runningSessions = 0
    /// Dataset traffic generators and their state.
    public internal(set) var traffic: [TrafficSpec] = []
    var trafficRandom: [RandomStream] = []
    var trafficCursor: [Int] = []
    /// When each generator first fired and last did something (episodes' extent).
    var trafficActivity: [(first: SimTime?, last: SimTime)] = []
    var sessions = ContiguousArray<Session>()
    /// Load balancer nodes' links from a client's connection to a target's (LoadBalancing.swift),
    /// by the client's connection.
    var balancerLinks: [UInt32: BalancerLink] = [:]
    /// Per traffic generator, the round-robin position among its load balancer's targets.
    var balancerTurn: [Int: Int] = [:]
    /// Each load balancer's billing counters, by load balancer index (LoadBalancing.swift).
    public internal(set) var balancerCounters: [BalancerCounters] = []
    var freeSessions: [UInt32] = []
    /// Ground-truth labels; index 0 is "normal".
    public internal(set) var labels: [String] = ["normal"]
    /// Names the VPC resolvers answer beyond AWS endpoints (dataset servers).
    var dnsRecords: [String: [IPAddress]] = [:]
    /// The records the resolver holds for `name` (internet names of the traffic, instances'
    /// resource names); empty if none.
    public func addressRecords(_ name: String) -> [IPAddress] { dnsRecords[name] ?? [] }
    /// Gives the resolver a record of `name`: an A record for an IPv4 address, AAAA for IPv6.
    public mutating func addAddressRecord(_ name: String, _ a: IPAddress) {
        _ = network.catalog.intern(name: name)
        // An AAAA answer carries its address by catalog index: interned before the run, so that
        // captures (which read the catalog as it is when they start) can write it.
        if !a.isIPv4 { _ = network.catalog.intern(address: a) }
        dnsRecords[name, default: []].append(a)
    }
    /// Instances whose platform agents talk to metadata, Time Sync and DHCP.
    var platformClients: [PlatformClient] = []
    /// How many instances run platform agents.
    public var platformClientCount: Int { platformClients.count }

    var environments = ContiguousArray<Environment>()
    /// Per function, the environments that went idle, most recent last (Lambda+Idle.swift).
    var idleEnvironments: [[Int32]] = []
    var invocations = ContiguousArray<Invocation>()
    var freeInvocations: [Int32] = []
    /// Chains of Invoke calls between topology functions (World+RecursionGuard.swift).
    var lineage = ContiguousArray<LineageNode>()
    /// Connections whose synchronous Invoke Lambda stopped as a recursive loop: answered with
    /// RecursiveInvocationException.
    var requestsStoppedAsRecursive = Set<UInt32>()
    var executions = ContiguousArray<Execution>()
    var freeExecutions: [Int32] = []
    var requests = ContiguousArray<Request>()
    var freeRequests: [UInt32] = []
    var channels = ChannelTable()
    var timers = ApplicationTimers()
    var udpBindings = UDPBindings()
    var platformVPC: [HostIndex: VPCIndex] = [:]
    var serviceByHost: [HostIndex: Int] = [:]
    var functionArrivalRandom: [RandomStream] = []
    var machineArrivalRandom: [RandomStream] = []
    var random: RandomStream
    /// ClientHello record lengths by client profile and server name (profile << 32 | name).
    var clientHelloLength: [UInt64: Int] = [:]
    /// DNS message lengths by name, type, direction and answer (see `dnsMessageLength`).
    var dnsLength: [UInt64: Int] = [:]
    /// Whether TLS is real (decryptable captures): application plaintexts are logged in
    /// ``messages`` and records name them. Set before ``start(_:)``.
    public var decryptable = false
    /// The plaintexts logged since the captures last drained them (decryptable runs).
    public var messages = MessageLog()
    /// The run's simulated certificate authority (certificate sizes for the handshake plans).
    var pki: SimulatedPKI
    var tlsPlans: [TLSPlanEntry] = []
    var tlsPlanIndex: [UInt64: Int32] = [:]
    /// Clients' TLS session caches (TLSSessionCache.swift): a slot per (client, server) key.
    var ticketCacheIndex: [TicketCacheKey: Int32] = [:]
    var ticketCaches: [CachedTicket?] = []
    /// Resumption offers made so far (the last one's 1-based index).
    var resumptionOffers: UInt32 = 0
    /// Per (function, step), the index of its call's entry in `metrics.calls`.
    var callIndex: [[Int]] = []

    public init(network: Network, seed: RandomStreams, epochNanoseconds: Int64, workloadEnd: SimTime) {
        self.network = network
        self.tcp = TCPStack(random: seed.stream("tcp"))
        self.random = seed.stream("workloads")
        self.epochNanoseconds = epochNanoseconds
        self.workloadEnd = workloadEnd
        self.seeds = seed
        self.pki = SimulatedPKI(seed: seed.seed, runStartUnixSeconds: epochNanoseconds / 1_000_000_000)
    }
    let seeds: RandomStreams

    // MARK: Building

    public mutating func addService(_ s: ServiceEndpoint) {
        serviceByHost[s.host] = services.count
        var s = s
        // An interface endpoint's names answer with every ENI in an order drawn per query
        // (answerEndpointName): every order interned now, before captures copy the catalog (one
        // ENI per AZ: at most 6! = 720 lists).
        if s.interfaceEndpoint != nil, s.addresses.count > 1, s.addresses.count <= 6 {
            let orders = Self.permutations(s.addresses.compactMap(\.ipv4))
            let first = network.catalog.intern(answers: orders[0])
            for o in orders.dropFirst() { _ = network.catalog.intern(answers: o) }
            s.answerOrders = (first, orders.count)
        }
        services.append(s)
        tcp.listen(host: s.host, port: 443, owner: AppRef(.service, object: UInt32(services.count - 1)))
        _ = network.catalog.intern(name: s.hostname)
        if let d = s.dualStackHostname { _ = network.catalog.intern(name: d) }
        if let z = s.zonalHostname { _ = network.catalog.intern(name: z) }
        // Interned now, before captures copy the catalog: the resolver's AAAA answers name them.
        for a in s.ipv6Addresses { _ = network.catalog.intern(address: a) }
    }

    /// Every order of `items`, in one fixed order (the lexicographic order of positions).
    static func permutations<T>(_ items: [T]) -> [[T]] {
        if items.count <= 1 { return [items] }
        var out: [[T]] = []
        for i in items.indices {
            var rest = items
            let head = rest.remove(at: i)
            for p in permutations(rest) { out.append([head] + p) }
        }
        return out
    }

    /// The VPC's platform services host (Amazon DNS, metadata, Time Sync, DHCP).
    public mutating func addPlatform(vpc: VPCIndex) {
        let h = addHost(.platform(vpc), role: .platform)
        network.vpcs[vpc.int].platformHost = h
        platformVPC[h] = vpc
    }

    public mutating func addDatabase(_ d: DatabaseInstance) {
        _ = network.catalog.intern(name: d.endpoint)
        databases.append(d)
        tcp.listen(host: d.host, port: d.port, owner: AppRef(.database, object: UInt32(databases.count - 1)))
    }

    public mutating func addFunction(_ f: LambdaFunction) {
        functions.append(f)
        metrics.functions.append(FunctionMetrics())
        functionArrivalRandom.append(seeds.stream("arrivals:" + f.name))
    }

    public mutating func addStateMachine(_ m: StateMachine) {
        stateMachines.append(m)
        metrics.stateMachines.append(StateMachineMetrics())
        machineArrivalRandom.append(seeds.stream("executions:" + m.name))
    }

    /// The distinct calls the functions make ("function/Operation", "function/db-identifier"),
    /// in the order the summary's per-call figures will list them (sorted).
    public var plannedCallNames: [String] {
        var names: Set<String> = []
        for f in functions.indices {
            for pc in functions[f].program.indices {
                if case .compute = functions[f].program[pc] { continue }
                names.insert(callName(f, pc))
            }
        }
        return names.sorted()
    }

    /// Gives every (function, step) its call's metrics entry, one entry per distinct call name,
    /// for the functions not registered yet.
    mutating func registerCalls() {
        var byName: [String: Int] = [:]
        for (i, name) in metrics.callNames.enumerated() { byName[name] = i }
        for f in callIndex.count..<functions.count {
            var slots: [Int] = []
            for pc in functions[f].program.indices {
                let name = callName(f, pc)
                if byName[name] == nil {
                    byName[name] = metrics.calls.count
                    metrics.callNames.append(name)
                    metrics.calls.append(CallMetrics())
                }
                slots.append(byName[name]!)
            }
            callIndex.append(slots)
        }
    }

    /// Schedules the first arrivals and the end of the workload window. Call once before running.
    public mutating func start(_ s: inout Scheduler) {
        registerCalls()
        for i in functions.indices { scheduleNextArrival(function: i, after: .zero, first: true, &s) }
        for i in stateMachines.indices { scheduleNextExecution(machine: i, first: true, &s) }
        for k in traffic.indices { scheduleTraffic(k, first: true, &s) }
        for i in platformClients.indices { startPlatformClient(i, &s) }
        s.schedule(at: workloadEnd, EventPayload(AppEvent.workloadEnd, object: 0))
        s.schedule(after: .seconds(60), EventPayload(NetworkEvent.maintenance, object: 0))
    }

    // MARK: Dispatch

    public mutating func handle(_ event: Event, _ s: inout Scheduler) {
        let now = s.now
        let p = event.payload
        if let kind = NetworkEvent(p) {
            switch kind {
            case .packetArrival:
                if case .delivered(let h, let packet) = network.arrive(p.object, now: now, &s) {
                    deliver(packet, to: h, now, &s)
                }
            case .maintenance:
                network.expireState(now: now)
                if !workloadEnded { s.schedule(after: .seconds(60), EventPayload(NetworkEvent.maintenance, object: 0)) }
            }
        } else if TransportEvent(p) != nil {
            tcp.timer(event, now: now, &network, &s)
        } else if let kind = AppEvent(p) {
            handle(kind, p, now, &s)
        } else {
            preconditionFailure("unknown event kind \(p.kind)")
        }
        drainNotifications(now, &s)
        if network.log.isLarge { s.requestStop() }
        if workloadEnded && !finished && runningInvocations == 0 && runningExecutions == 0 && runningSessions == 0
            && tcp.liveSockets == 0 && network.inFlight == 0
        {
            finished = true
            s.requestStop()
        }
    }

    mutating func handle(_ kind: AppEvent, _ p: EventPayload, _ now: SimTime, _ s: inout Scheduler) {
        switch kind {
        case .invocationArrival: invocationArrived(function: Int(p.object), now, &s)
        case .environmentStep: environmentStep(Int(p.object), generation: p.aux, now, &s)
        case .invocationTimeout: invocationTimeout(Int(p.object), generation: p.aux, now, &s)
        case .serverWork: serverWork(connection: p.object, action: ServerAction(rawValue: p.aux)!, now, &s)
        case .serverIdleClose: serverIdleClose(connection: p.object, generation: p.aux, now, &s)
        case .environmentReclaim: environmentReclaim(Int(p.object), generation: p.aux, now, &s)
        case .dnsTimeout: dnsTimeout(Int(p.object), generation: p.aux, now, &s)
        case .executionArrival: executionArrived(machine: Int(p.object), now, &s)
        case .stateMachineStep: executionStep(Int(p.object), generation: p.aux, now, &s)
        case .workloadEnd: endWorkload(now, &s)
        case .generator: trafficFires(Int(p.object), now, &s)
        case .sessionStep: sessionStep(p.object, generation: p.aux, now, &s)
        case .sessionDNSTimeout: sessionDNSTimeout(p.object, generation: p.aux, now, &s)
        case .platformTick: platformTick(Int(p.object), what: PlatformChatter(rawValue: p.aux)!, now, &s)
        }
    }

    mutating func deliver(_ p: Packet, to h: HostIndex, _ now: SimTime, _ s: inout Scheduler) {
        switch p.protocolNumber {
        case IPProtocol.tcp:
            tcp.receive(p, host: h, now: now, &network, &s)
        case IPProtocol.udp:
            if let vpc = platformVPC[h] {
                platformDatagram(p, host: h, vpc: vpc, now, &s)
            } else if let owner = udpBindings[h, p.destinationPort] {
                switch owner {
                case .environment(let env): dnsAnswerArrived(env, p, now, &s)
                case .session(let i): sessionDNSAnswer(i, p, now, &s)
                case .platformClient(let i): platformClientDatagram(i, p, now, &s)
                }
            } else {
                network.drop(.noSocket(h))
            }
        case IPProtocol.icmp:
            if case .eni(let e) = network.hosts[h.int], case .lambda = network.enis[e.int].kind {
                network.drop(.noSocket(h)) // a Hyperplane ENI answers no ICMP
                return
            }
            if p.destinationPort
                == UInt16(ICMPv4Header.MessageType.destinationUnreachable) << 8
                | UInt16(ICMPv4Header.fragmentationNeeded),
                case .icmpQuote(let q) = p.payload
            {
                if q.protocolNumber != IPProtocol.tcp
                    || !tcp.pathMTUReduced(p, quote: q, host: h, now: now, &network, &s)
                {
                    network.drop(.noSocket(h))
                }
                return
            }
            icmpDelivered(p, to: h, now, &s)
        case IPProtocol.icmpv6
        where p.destinationPort >> 8 == UInt16(ICMPv6Header.MessageType.echoRequest)
            || p.destinationPort >> 8 == UInt16(ICMPv6Header.MessageType.echoReply):
            icmpv6EchoDelivered(p, to: h, now, &s)
        case IPProtocol.icmpv6 where Network.isPacketTooBig(p):
            // As for IPv4 (above), a Hyperplane ENI is assumed to pass no Packet Too Big on.
            if case .eni(let e) = network.hosts[h.int], case .lambda = network.enis[e.int].kind {
                network.drop(.noSocket(h))
                return
            }
            guard case .icmpQuote(let q) = p.payload, q.protocolNumber == IPProtocol.tcp,
                tcp.pathMTUReduced(p, quote: q, host: h, now: now, &network, &s)
            else {
                network.drop(.noSocket(h))
                return
            }
        default:
            network.drop(.noSocket(h))
        }
    }

    mutating func drainNotifications(_ now: SimTime, _ s: inout Scheduler) {
        var k = 0
        while k < tcp.notifications.count {
            let n = tcp.notifications[k]
            k += 1
            switch n {
            case .connected(let socket, let owner):
                switch owner.app {
                case .environment: clientConnected(Int(owner.object), socket: socket, now, &s)
                case .sessionClient: sessionConnected(owner.object, now, &s)
                case .metadataClient: metadataClientConnected(Int(owner.object), socket: socket, now, &s)
                case .balancerBack: balancerBackConnected(front: owner.object, socket: socket, now, &s)
                default: break
                }
            case .accepted(let socket, let owner):
                let c = tcp.socket(socket).connection
                if owner.app == .service {
                    metrics.serviceClients[services[Int(owner.object)].name, default: []].insert(
                        tcp.socket(socket).remote.description)
                }
                channels.update(c) { $0.serverSocket = socket }
                channels.update(c) { $0.server = owner }
                if owner.app == .balancerFront { balancerAccepted(generator: Int(owner.object)) }
            case .received(let socket, let owner, let upTo):
                received(socket: socket, owner: owner, upTo: upTo, now, &s)
            case .peerClosed(let socket, let owner):
                // Servers close their side when the client does, and generated and metadata
                // clients when the server does; an SDK's pooled connection stays in CLOSE-WAIT
                // until its next call finds it closed.
                if owner.app != .environment { tcp.close(socket, now: now, &network, &s) }
            case .ended(let socket, let owner, let connection, let reason):
                connectionEnded(socket: socket, owner: owner, connection: connection, reason: reason, now, &s)
            }
        }
        tcp.notifications.removeAll(keepingCapacity: true)
    }

    // MARK: Stream writing helpers

    mutating func writeOpaque(_ socket: UInt32, connection: UInt32, bytes: Int, now: SimTime, _ s: inout Scheduler)
        -> UInt64
    {
        let seed = (channels.update(connection) { $0.nextSeed() } ?? 0)
        tcp.write(socket, .opaque(seed: seed), length: UInt32(bytes), now: now, &network, &s)
        return tcp.socket(socket).written
    }

    /// Writes a literal payload (added to the catalog if new).
    mutating func writeText(_ socket: UInt32, _ text: String, now: SimTime, _ s: inout Scheduler) {
        let i = network.catalog.intern(text: text)
        tcp.write(socket, .text(i), length: UInt32(network.catalog.texts[i.int].count), now: now, &network, &s)
    }

    /// The length of a DNS query, or of Amazon DNS's response to it, as PlatformMessages builds
    /// them (computed once per name and type).
    mutating func dnsMessageLength(name: NameIndex, type: UInt16, response: Bool, answered: Bool) -> Int {
        let key = UInt64(name.raw) << 19 | UInt64(type) << 2 | (response ? 2 : 0) | (answered ? 1 : 0)
        if let n = dnsLength[key] { return n }
        let text = network.catalog.name(name)
        let answer = answered ? IPv4Address(raw: 1) : nil
        let n =
            response
            ? PlatformMessages.dnsResponse(id: 0, name: text, type: type, answer: answer).encodedLength
            : PlatformMessages.dnsQuery(id: 0, name: text, type: type).encodedLength
        dnsLength[key] = n
        return n
    }

    /// The length of Amazon DNS's response to an A question for `name` with `count` records.
    mutating func dnsMessageLength(name: NameIndex, answers count: Int) -> Int {
        let key = UInt64(count) << 56 | UInt64(name.raw) << 19 | UInt64(DNSType.a) << 2 | 3
        if let n = dnsLength[key] { return n }
        let n = PlatformMessages.dnsResponse(
            id: 0, name: network.catalog.name(name), answers: Array(repeating: IPv4Address(raw: 1), count: count)
        ).encodedLength
        dnsLength[key] = n
        return n
    }

    // MARK: Received data

    mutating func received(socket: UInt32, owner: AppRef, upTo: UInt64, _ now: SimTime, _ s: inout Scheduler) {
        let c = tcp.socket(socket).connection
        let isClient = owner.app?.isClient ?? false
        // Popped in place: copying the Channel out would retain and release its queues on every
        // data segment. A handler may end the channel; the next pop then finds nothing.
        while let m = channels.update(c, { isClient ? $0.toClient.pop(upTo: upTo) : $0.toServer.pop(upTo: upTo) })
            ?? nil
        {
            if case .sessionTickets = m {
                storeTickets(c, now)
                continue
            }
            switch owner.app {
            case .environment: clientMessage(Int(owner.object), connection: c, m, now, &s)
            case .sessionClient: sessionClientMessage(owner.object, m, now, &s)
            case .sessionServer, .balancerTarget: sessionServerMessage(Int(owner.object), connection: c, m, now, &s)
            case .balancerFront: balancerFrontMessage(Int(owner.object), connection: c, m, now, &s)
            case .balancerBack: balancerBackMessage(front: owner.object, m, now, &s)
            case .metadata: metadataServerMessage(connection: c, m, now, &s)
            case .metadataClient: metadataClientMessage(Int(owner.object), connection: c, m, now, &s)
            default: serverMessage(owner, connection: c, m, now, &s)
            }
        }
    }

    mutating func connectionEnded(
        socket: UInt32, owner: AppRef, connection: UInt32, reason: TCPEndReason, _ now: SimTime, _ s: inout Scheduler
    ) {
        guard var ch = channels[connection] else { return }
        if owner.app == .sessionClient { sessionEnded(owner.object, connection: connection, now) }
        if owner.app == .metadataClient { metadataClientEnded(Int(owner.object), connection: connection) }
        if owner.app == .balancerFront {
            balancerFrontEnded(connection: connection, generator: Int(owner.object), now, &s)
        }
        if owner.app == .balancerBack { balancerBackEnded(front: owner.object, connection: connection, now, &s) }
        if owner.app?.isClient ?? false {
            ch.clientSocket = .max
            if owner.app == .environment {
                clientConnectionEnded(Int(owner.object), connection: connection, reason: reason, now, &s)
            }
        } else {
            ch.serverSocket = .max
            channels.cancelIdleClose(connection)
        }
        if ch.clientSocket == .max && ch.serverSocket == .max {
            if case .request(let r) = ch.pending { releaseRequest(r) }
            channels.remove(connection)
        } else {
            channels.insert(connection, ch)
        }
    }

    // MARK: Requests

    mutating func newRequest(_ r: Request) -> UInt32 {
        if let i = freeRequests.popLast() { requests[Int(i)] = r; return i }
        requests.append(r)
        return UInt32(requests.count - 1)
    }
    mutating func releaseRequest(_ i: UInt32) { freeRequests.append(i) }
}

/// One in-flight request on a connection.
struct Request: Sendable {
    var environment: Int32
    var function: Int32
    var step: Int32
    /// The order number the call's item key carries (its invocation's number).
    var key: UInt64 = 0
    /// A DynamoDB call's item size, as drawn for this call.
    var itemBytes: Int32 = 0
    /// The error the server answered with, if any (e.g. an endpoint policy's AccessDeniedException).
    var error: String? = nil
    /// A synchronous Invoke's function failed: its error (the answer carries X-Amz-Function-Error).
    var functionError: InvokedFunctionError? = nil
}
