import Wire
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
    /// False for traffic AWS never writes to flow logs (Amazon DNS, metadata, …,
    /// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-limitations.html).
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
    /// Over an intra-Region VPC peering connection.
    case peering = 4
    /// Through an egress-only internet gateway.
    case egressOnlyInternetGateway = 5
}

/// One packet seen by a transit gateway at one of its attachments: the record transit gateway
/// flow logs aggregate. A packet crossing the gateway is seen twice — entering at the source
/// attachment and leaving at the destination one — or once, entering, when it is lost there.
public struct TransitGatewayTapRecord: Sendable {
    public enum Loss: UInt8, Sendable { case none = 0, noRoute, blackhole }
    public var time: SimTime
    /// The attachment the record is for, and the direction relative to the transit gateway
    /// (`ingress`: from the attachment into the gateway).
    public var attachment: TransitGatewayAttachmentIndex
    public var direction: TrafficDirection
    /// The network interfaces the packet entered and left by (`destinationENI` is nil when lost).
    public var sourceENI: ENIIndex
    public var destinationENI: ENIIndex?
    /// The attachment on the other side (nil when lost).
    public var pair: TransitGatewayAttachmentIndex?
    public var loss: Loss
    public var packet: Packet
    public init(
        time: SimTime, attachment: TransitGatewayAttachmentIndex, direction: TrafficDirection, sourceENI: ENIIndex,
        destinationENI: ENIIndex?, pair: TransitGatewayAttachmentIndex?, loss: Loss, packet: Packet
    ) {
        self.time = time; self.attachment = attachment; self.direction = direction; self.sourceENI = sourceENI
        self.destinationENI = destinationENI; self.pair = pair; self.loss = loss; self.packet = packet
    }
}

/// What the bytes of a TCP stream are, one application write at a time. A capture rebuilds a
/// segment's payload bytes from the chunks covering its stream range.
public struct StreamChunk: Sendable {
    public var stream: StreamID
    /// Stream offset of the chunk's first byte.
    public var offset: UInt64
    public var length: UInt32
    /// What the bytes are, in the vocabulary datagrams use too.
    public var content: Payload
    public init(stream: StreamID, offset: UInt64, length: UInt32, content: Payload) {
        self.stream = stream; self.offset = offset; self.length = length; self.content = content
    }
}

/// What the model has shown since the observers last drained it. The model only appends; the
/// capture layer drains (in the order chunks, closures, then taps) between slices of the run.
public struct ObservationLog: Sendable {
    public var taps = ContiguousArray<TapRecord>()
    public var chunks = ContiguousArray<StreamChunk>()
    /// Streams whose sockets are gone (their chunks can be forgotten later).
    public var closedStreams = ContiguousArray<StreamID>()
    /// What transit gateways with a flow log saw.
    public var transitGatewayTaps = ContiguousArray<TransitGatewayTapRecord>()
    /// The TLS resumption offers added to the catalog since the last drain, in order (captures
    /// copied the catalog at the start and add these to their copy).
    public var resumptionOffers: [TLSResumptionOffer] = []
    public init() {}
    public var isLarge: Bool { taps.count >= 8192 || chunks.count >= 8192 || transitGatewayTaps.count >= 8192 }
    public mutating func removeAll() {
        taps.removeAll(keepingCapacity: true)
        transitGatewayTaps.removeAll(keepingCapacity: true)
        chunks.removeAll(keepingCapacity: true)
        closedStreams.removeAll(keepingCapacity: true)
        resumptionOffers.removeAll(keepingCapacity: true)
    }
}
