import SimCore
import Wire
import NetModel
import Transport
import TestSupport
@testable import Workloads

/// Small worlds built in code (no YAML, no CLI), and a driver that runs them.
enum TestWorlds {
    static let account = "123456789012"
    static let epoch: Int64 = 1_780_000_000 * 1_000_000_000
    static let frontEndAddress = IPAddress("3.218.182.10")!
    static let hour = SimTime.zero + .seconds(3_600)

    /// A function outside any VPC (at a Lambda service address) calling DynamoDB over the AWS
    /// network, whose front end answers on 443. With `refusing`, the DynamoDB addresses lead to a
    /// host with no listener that resets every connection (connection refused).
    static func dynamoDB(
        program: [Step] = [.dynamodb(DynamoDBCall(operation: .getItem, table: "Orders"))],
        timeout: SimDuration = .seconds(3), idleReclaim: SimDuration = .seconds(600),
        refusing: Bool = false, seed: UInt64 = 1
    ) -> World {
        var n = Network(region: "us-east-1")
        let lambdaHost = n.addHost(.publicAddress(IPAddress("3.214.7.91")!, internet: false))
        let frontEnd = n.addHost(.awsService(name: "dynamodb"))
        let refuser = n.addHost(.awsService(name: "dynamodb"))
        n.serviceRanges = [(CIDR("3.218.180.0/22")!, refusing ? refuser : frontEnd)]
        n.finalize(random: RandomStreams(seed: seed))
        var w = World(network: n, seed: RandomStreams(seed: seed), epochNanoseconds: epoch, workloadEnd: hour)
        // Hosts added to the network directly take their roles' TCP profiles here (World.addHost does both).
        w.tcp.setProfile(w.hostProfiles[.lambdaEnvironment], for: lambdaHost)
        w.tcp.setProfile(w.hostProfiles[.awsFrontEnd], for: frontEnd)
        w.addService(
            ServiceEndpoint(
                name: "dynamodb", hostname: "dynamodb.us-east-1.amazonaws.com", host: frontEnd,
                addresses: [frontEndAddress], accountID: account, region: "us-east-1"))
        w.tcp.setProfile(w.hostProfiles[.awsFrontEnd], for: refuser)
        var f = LambdaFunction(
            name: "orders", accountID: account, region: "us-east-1", timeout: timeout,
            program: program, arrivals: .none)
        f.idleReclaim = idleReclaim
        f.hosts = [lambdaHost]
        w.addFunction(f)
        return w
    }

    /// `TestNetworks.twoSubnets` with a PostgreSQL database on the second host (10.0.2.20:5432) and
    /// a function attached through the first ENI (10.0.1.10) running one query of `serverTime`.
    static func database(serverTime: SimDuration, timeout: SimDuration = .seconds(10), seed: UInt64 = 1) -> World {
        let fromClients = SecurityGroupRule(
            protocolNumber: 6, ports: PortRange(5432, 5432),
            peer: .securityGroup(SecurityGroupIndex(0)))
        let (n, a, b) = TestNetworks.twoSubnets(webIngress: [fromClients])
        var w = World(network: n, seed: RandomStreams(seed: seed), epochNanoseconds: epoch, workloadEnd: hour)
        w.network.observed = [false, false]
        w.tcp.setProfile(w.hostProfiles[.lambdaEnvironment], for: a)
        w.tcp.setProfile(w.hostProfiles[.database], for: b)
        w.addPlatform(vpc: VPCIndex(0))
        w.addDatabase(
            DatabaseInstance(
                identifier: "orders-db", eni: ENIIndex(1), host: b, port: 5432,
                address: IPAddress("10.0.2.20")!,
                endpoint: "orders-db.c9akciq32.us-east-1.rds.amazonaws.com"))
        let query = DatabaseQuery(instance: 0, serverTime: serverTime)
        var f = LambdaFunction(
            name: "reader", accountID: account, region: "us-east-1", timeout: timeout,
            program: [.database(query)], arrivals: .none)
        f.enis = [ENIIndex(0)]
        f.hosts = [a]
        w.addFunction(f)
        return w
    }
}

/// Runs a world's event loop in steps, as the runner does (the observation log is emptied when
/// it fills up); `afterEach` sees the world after every event.
struct WorldRun: EventHandler {
    var world: World
    var scheduler = Scheduler()
    var afterEach: ((World, SimTime) -> Void)?

    init(_ world: World) {
        self.world = world
        self.world.start(&scheduler)
    }

    var now: SimTime { scheduler.now }

    mutating func handle(_ event: Event, _ s: inout Scheduler) {
        world.handle(event, &s)
        afterEach?(world, s.now)
    }

    mutating func run(until t: SimTime) {
        var s = scheduler
        while s.run(until: t, handler: &self) == .stopRequested { world.network.log.removeAll() }
        scheduler = s
    }

    mutating func run(for d: SimDuration) { run(until: now + d) }

    /// An invocation of function `f` arrives now.
    mutating func invoke(_ f: Int = 0) {
        world.invoke(function: f, caller: .arrival, scheduler.now, &scheduler)
    }
}
