import SimCore
import NetModel
import Transport

/// Events of the applications (the network's and the transport's are `NetworkEvent` and
/// `TransportEvent`; `World.handle` dispatches all three).
public enum AppEvent: UInt8, EventKind, CaseIterable {
    /// A function invocation arrives: `object` = function index.
    case invocationArrival = 20
    /// An execution environment continues after a delay: `object` = environment, `aux` = generation.
    case environmentStep = 21
    /// An invocation's timeout: `object` = environment, `aux` = generation.
    case invocationTimeout = 22
    /// A server finished processing: `object` = connection, `aux` = the `ServerAction`.
    case serverWork = 23
    /// A server closes an idle keep-alive connection: `object` = connection, `aux` = generation.
    case serverIdleClose = 25
    /// An idle environment is reclaimed: `object` = environment, `aux` = generation.
    case environmentReclaim = 26
    /// A Step Functions execution advances: `object` = execution, `aux` = generation.
    case stateMachineStep = 27
    /// A Step Functions execution starts: `object` = state machine.
    case executionArrival = 28
    /// The workload window ends: stop new arrivals, shut environments down.
    case workloadEnd = 29
    /// A DNS query times out at the client: `object` = environment, `aux` = generation.
    case dnsTimeout = 30
    /// A traffic generator (datasets) fires: `object` = generator.
    case generator = 31
    /// A generated session continues after its think time: `object` = session, `aux` = generation.
    case sessionStep = 32
    /// An instance's platform chatter is due: `object` = platform client, `aux` = the `PlatformChatter`.
    case platformTick = 33
    /// A generated session's DNS lookup times out: `object` = session, `aux` = generation.
    case sessionDNSTimeout = 34
}

/// The applications' timers, lazily cancelled (see `TimerGenerations`): one table per kind of
/// timer, indexed like the object its events name.
struct ApplicationTimers: Sendable {
    /// An environment's next step (`AppEvent.environmentStep`), by environment.
    var environmentStep = TimerGenerations()
    /// The running invocation's timeout, by environment.
    var invocationTimeout = TimerGenerations()
    /// An idle environment's reclaim, by environment.
    var environmentReclaim = TimerGenerations()
    /// The resolver timeout of an environment's DNS lookup, by environment.
    var dnsTimeout = TimerGenerations()
    /// A generated session's DNS timeout or think time (never both at once), by session.
    var session = TimerGenerations()
    /// A Step Functions execution's next state, by execution.
    var executionStep = TimerGenerations()
}

/// What a server does when its processing delay ends (`AppEvent.serverWork`).
enum ServerAction: UInt32 {
    /// Write the TLS server flight (after the ServerHello).
    case handshakeFlight = 1
    /// Answer the pending DynamoDB request.
    case respond = 2
    /// Answer the pending PostgreSQL message.
    case databaseReply = 3
    /// Answer PostgreSQL's SSLRequest with 'S'.
    case acceptSSL = 4
    /// Answer a generated session's request.
    case sessionReply = 5
    /// Answer an instance metadata request.
    case metadataReply = 6
    /// TLS 1.2: answer the client's Finished with ChangeCipherSpec and Finished.
    case handshakeFinish = 7
}

extension EventPayload {
    /// Server `action` on connection `c` is due (`AppEvent.serverWork`).
    static func serverWork(_ c: UInt32, _ action: ServerAction) -> EventPayload {
        EventPayload(AppEvent.serverWork, object: c, aux: action.rawValue)
    }
}

/// The kinds of application that own sockets, for routing transport notifications (the
/// transport carries the raw value in `AppRef.kind` without reading it).
enum AppKind: UInt8 {
    /// A Lambda execution environment's SDK client (`object` = environment).
    case environment = 1
    /// An AWS service front end (`object` = service index).
    case service = 2
    /// A database instance (`object` = database index).
    case database = 3
    /// A generated client session (`object` = session index).
    case sessionClient = 4
    /// A generated server (`object` = traffic generator index).
    case sessionServer = 5
    /// A VPC's instance metadata service (`object` = VPC index).
    case metadata = 6
    /// An instance's platform agent talking to the metadata service (`object` = platform client).
    case metadataClient = 7
    /// A load balancer node's listener (`object` = traffic generator index).
    case balancerFront = 8
    /// A load balancer node's connection to a target (`object` = the front connection).
    case balancerBack = 9
    /// A load balancer's target answering its node (`object` = traffic generator index).
    case balancerTarget = 10

    /// Whether it opens connections (the others accept them).
    var isClient: Bool {
        self == .environment || self == .sessionClient || self == .metadataClient || self == .balancerBack
    }
}

extension AppRef {
    init(_ kind: AppKind, object: UInt32) { self.init(kind: kind.rawValue, object: object) }
    /// The application kind (nil for `AppRef.none`).
    var app: AppKind? { AppKind(rawValue: kind) }
}

/// Who a bound UDP port belongs to.
enum UDPOwner: Sendable, Equatable {
    /// An execution environment's resolver socket (environment index).
    case environment(Int)
    /// A generated session's resolver socket (session index).
    case session(UInt32)
    /// An instance's platform agent: chrony or the DHCP client (platform client index).
    case platformClient(Int)
}

/// The bound UDP ports of every host.
struct UDPBindings: Sendable {
    private var owners: [UInt64: UDPOwner] = [:]

    subscript(host: HostIndex, port: UInt16) -> UDPOwner? {
        get { owners[UInt64(host.raw) << 16 | UInt64(port)] }
        set { owners[UInt64(host.raw) << 16 | UInt64(port)] = newValue }
    }
}
