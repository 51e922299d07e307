/// Event kinds of the application layer (the network uses 1–2, the transport 10–12).
public enum AppEvent {
    /// A function invocation arrives: `object` = function index.
    public static let invocationArrival: UInt8 = 20
    /// An execution environment continues after a delay: `object` = environment, `aux` = its generation.
    public static let environmentStep: UInt8 = 21
    /// An invocation's timeout: `object` = environment, `aux` = invocation generation.
    public static let invocationTimeout: UInt8 = 22
    /// A server finished processing: `object` = connection, `aux` = what to send.
    public static let serverWork: UInt8 = 23
    /// The DNS resolver answers: `object` = pending answer slot.
    public static let resolverAnswer: UInt8 = 24
    /// A server closes an idle keep-alive connection: `object` = connection, `aux` = generation.
    public static let serverIdleClose: UInt8 = 25
    /// An idle environment is reclaimed: `object` = environment, `aux` = generation.
    public static let environmentReclaim: UInt8 = 26
    /// A Step Functions execution advances: `object` = execution, `aux` = generation.
    public static let stateMachineStep: UInt8 = 27
    /// A Step Functions execution starts: `object` = state machine.
    public static let executionArrival: UInt8 = 28
    /// The workload window ends: stop new arrivals, shut environments down.
    public static let workloadEnd: UInt8 = 29
    /// A DNS query times out at the client: `object` = environment, `aux` = generation.
    public static let dnsTimeout: UInt8 = 30
    /// A traffic generator (datasets) fires: `object` = generator.
    public static let generator: UInt8 = 31
    /// A generated session continues after its think time: `object` = session, `aux` = generation.
    public static let sessionStep: UInt8 = 32
    /// An instance's platform chatter is due: `object` = instance slot, `aux` = what (NTP, IMDS, DHCP).
    public static let platformTick: UInt8 = 33
    /// A generated session's DNS lookup times out: `object` = session, `aux` = generation.
    public static let sessionDNSTimeout: UInt8 = 34
}

/// Socket owners, for routing transport notifications.
public enum AppKind {
    public static let environment: UInt8 = 1
    public static let service: UInt8 = 2
    public static let database: UInt8 = 3
    /// A generated client session (`object` = session index).
    public static let sessionClient: UInt8 = 4
    /// A generated server (`object` = session spec index).
    public static let sessionServer: UInt8 = 5
    /// A VPC's instance metadata service (`object` = VPC index).
    public static let metadata: UInt8 = 6
    /// An instance's platform agent talking to the metadata service (`object` = instance slot).
    public static let metadataClient: UInt8 = 7
}
