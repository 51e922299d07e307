import SimCore

/// One packet seen at an ENI: the record both the pcap writer and the flow-log aggregator
/// consume. Arriving packets are recorded even when a network ACL or security group then rejects
/// them, as a capture at the interface would show them.
public struct TapRecord: Sendable {
    public var time: SimTime
    public var eni: ENIIndex
    public var direction: TrafficDirection
    /// ACCEPT or REJECT as flow logs would report it (security groups and network ACLs decide).
    public var accepted: Bool
    /// False for traffic AWS never writes to flow logs (Amazon DNS, metadata, …, aws-vpc-facts §1.10).
    public var logged: Bool
    /// For egress: where the route sent it (flow logs' `traffic-path`).
    public var path: EgressPath
    public var packet: Packet
}

/// Where an egress packet went, as far as flow logs' `traffic-path` distinguishes it.
public enum EgressPath: UInt8, Sendable {
    case unknown = 0
    /// To another resource in the same VPC (including a NAT gateway or an ENI target).
    case withinVPC = 1
    case internetGateway = 2
    case gatewayEndpoint = 3
}

/// What the bytes of a TCP stream are, one application write at a time. A capture rebuilds a
/// segment's payload bytes from the chunks covering its stream range.
public struct StreamChunk: Sendable {
    public enum Kind: UInt8, Sendable {
        /// A TLS ClientHello record; `parameter` = server-name index << 32 | seed.
        case tlsClientHello = 1
        /// A TLS 1.3 ServerHello record; `parameter` = seed.
        case tlsServerHello = 2
        /// The TLS 1.3 middlebox-compatibility ChangeCipherSpec record.
        case tlsChangeCipherSpec = 3
        /// One TLS 1.3 ciphertext record (opaque type 23) of `length` bytes; `parameter` = seed.
        case tlsCiphertext = 4
        /// Opaque plaintext bytes; `parameter` = seed.
        case opaque = 5
        /// PostgreSQL SSLRequest: length 8, code 80877103 (PostgreSQL protocol, "SSL session encryption").
        case postgresSSLRequest = 6
        /// The server's one-byte answer 'S' (willing to use TLS).
        case postgresSSLAccept = 7
        /// Literal bytes: `parameter` = index into `Network.payloadTexts` (e.g. an IMDS HTTP exchange).
        case text = 8
    }
    public var stream: UInt32
    public var kind: Kind
    public var length: UInt32
    public var offset: UInt64
    public var parameter: UInt64
    public init(stream: UInt32, kind: Kind, length: UInt32, offset: UInt64, parameter: UInt64) {
        self.stream = stream; self.kind = kind; self.length = length; self.offset = offset; self.parameter = parameter
    }
}

/// What the model has shown since the observers last drained it. The model only appends; the
/// capture layer drains (in the order chunks, closures, then taps) between slices of the run.
public struct ObservationLog: Sendable {
    public var taps = ContiguousArray<TapRecord>()
    public var chunks = ContiguousArray<StreamChunk>()
    /// Streams whose sockets are gone (their chunks can be forgotten later).
    public var closedStreams = ContiguousArray<UInt32>()
    public init() {}
    public var isLarge: Bool { taps.count >= 8192 || chunks.count >= 8192 }
    public mutating func removeAll() {
        taps.removeAll(keepingCapacity: true)
        chunks.removeAll(keepingCapacity: true)
        closedStreams.removeAll(keepingCapacity: true)
    }
}
