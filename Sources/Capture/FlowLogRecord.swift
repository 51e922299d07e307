import Wire
import NetModel

/// One flow-log record as numbers and ids: what the aggregator emits and every sink consumes.
/// Text (the `${field}` format), labels and any future encoding are renderings of it.
///
/// For `logStatus` NODATA and SKIPDATA only `eni`, `start`, `end` and `logStatus` carry meaning
/// (the text format writes `-` for the traffic fields); the others are zero.
public struct FlowLogRecord: Sendable, Hashable {
    /// `srcaddr` / `dstaddr`: the addresses as the interface reports them — an egress packet whose
    /// source is not one of the ENI's addresses shows the ENI's primary private IP, and an
    /// ingress packet always shows it as the destination (AWS VPC user guide, "Flow log records",
    /// fields srcaddr and dstaddr; the NAT gateway case in "Flow log record examples"). For IPv6
    /// traffic that is the ENI's primary IPv6 address.
    public var srcaddr: IPAddress
    public var dstaddr: IPAddress
    /// `pkt-srcaddr` / `pkt-dstaddr`: the packet's own addresses.
    public var pktSrcaddr: IPAddress
    public var pktDstaddr: IPAddress
    public var eni: ENIIndex
    /// Zero for ICMP, as AWS writes them.
    public var srcport: UInt16
    public var dstport: UInt16
    public var protocolNumber: UInt8
    /// `tcp-flags`: FIN, SYN, RST OR-ed over the window, SYN-ACK as 18 (meaningful for TCP only).
    public var tcpFlags: UInt8
    public var logStatus: FlowLogStatus
    public var action: FlowLogAction
    public var direction: TrafficDirection
    public var trafficPath: FlowLogTrafficPath
    /// Ground-truth label index of the traffic (datasets); 0 is unlabelled ("normal").
    public var label: UInt8
    public var packets: UInt64
    public var bytes: UInt64
    /// Unix seconds of the first and last packet in the window (NODATA, SKIPDATA: the window's bounds).
    public var start: Int64
    public var end: Int64

    public init(
        eni: ENIIndex, srcaddr: IPAddress, dstaddr: IPAddress, pktSrcaddr: IPAddress, pktDstaddr: IPAddress,
        srcport: UInt16, dstport: UInt16, protocolNumber: UInt8, tcpFlags: UInt8, logStatus: FlowLogStatus = .ok,
        action: FlowLogAction, direction: TrafficDirection, trafficPath: FlowLogTrafficPath, label: UInt8 = 0,
        packets: UInt64, bytes: UInt64, start: Int64, end: Int64
    ) {
        self.eni = eni; self.srcaddr = srcaddr; self.dstaddr = dstaddr; self.pktSrcaddr = pktSrcaddr;
        self.pktDstaddr = pktDstaddr
        self.srcport = srcport; self.dstport = dstport; self.protocolNumber = protocolNumber; self.tcpFlags = tcpFlags
        self.logStatus = logStatus; self.action = action; self.direction = direction; self.trafficPath = trafficPath
        self.label = label; self.packets = packets; self.bytes = bytes; self.start = start; self.end = end
    }

    /// `type`: the traffic's IP family (IPv4 for NODATA and SKIPDATA, whose addresses are zero).
    @inlinable public var family: IPFamily { pktDstaddr.family }

    /// A NODATA or SKIPDATA record of one ENI's window.
    public init(status: FlowLogStatus, eni: ENIIndex, start: Int64, end: Int64) {
        self.init(
            eni: eni, srcaddr: .anyIPv4, dstaddr: .anyIPv4, pktSrcaddr: .anyIPv4,
            pktDstaddr: .anyIPv4, srcport: 0, dstport: 0, protocolNumber: 0, tcpFlags: 0, logStatus: status,
            action: .accept, direction: .ingress, trafficPath: .none, packets: 0, bytes: 0, start: start, end: end)
    }
}

/// A transit gateway flow log's record: the flow's fields (`eni` is `tgw-src-eni`; `srcaddr` and
/// `dstaddr` are the packet's own) and those only transit gateway records have. A record kind of
/// its own, so the VPC record every ENI's window emits carries no fields it never uses (112 bytes,
/// as before transit gateways).
public struct TransitGatewayFlowLogRecord: Sendable, Hashable {
    public var flow: FlowLogRecord
    public var transitGateway: TransitGatewayRecordFields
    public init(flow: FlowLogRecord, transitGateway: TransitGatewayRecordFields) {
        self.flow = flow; self.transitGateway = transitGateway
    }
}

/// The fields only transit gateway flow-log records have
/// (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html, "Transit Gateway Flow Log records"):
/// indices into the network's attachments and ENIs, -1 for none (`-` in text).
public struct TransitGatewayRecordFields: Sendable, Hashable {
    /// `tgw-attachment-id` (its transit gateway gives `tgw-id`).
    public var attachment: Int32 = -1
    /// `tgw-pair-attachment-id`: the attachment on the other side of the gateway.
    public var pair: Int32 = -1
    /// `tgw-dst-eni` (and from its subnet, `tgw-dst-vpc-id`, `tgw-dst-subnet-id`, `tgw-dst-az-id`).
    public var destinationENI: Int32 = -1
    /// `packets-lost-no-route`, `packets-lost-blackhole`.
    public var lostNoRoute: UInt32 = 0
    public var lostBlackhole: UInt32 = 0
    public init() {}
    public init(attachment: Int32, pair: Int32, destinationENI: Int32, lostNoRoute: UInt32, lostBlackhole: UInt32) {
        self.attachment = attachment; self.pair = pair; self.destinationENI = destinationENI
        self.lostNoRoute = lostNoRoute; self.lostBlackhole = lostBlackhole
    }
}

/// `log-status`.
public enum FlowLogStatus: UInt8, Sendable, Hashable {
    case ok, noData, skipData
}

/// `action`: what security groups and network ACLs decided.
public enum FlowLogAction: UInt8, Sendable, Hashable {
    case accept, reject
}

/// `traffic-path` of an egress record, as AWS numbers it (`none`: not reported, `-` in text).
/// Paths the model does not have (virtual private gateway 3, inter-Region peering 5, local
/// gateway 6) have no case yet.
public enum FlowLogTrafficPath: UInt8, Sendable, Hashable {
    case none = 0
    /// Through another resource in the same VPC.
    case withinVPC = 1
    /// Through an internet gateway or a gateway VPC endpoint (from a non-Nitro source).
    case internetGatewayOrGatewayEndpoint = 2
    /// Through an intra-Region VPC peering connection.
    case peering = 4
    /// Through a gateway VPC endpoint (Nitro-based instances only).
    case gatewayEndpoint = 7
    /// Through an internet gateway (Nitro-based instances only).
    case internetGateway = 8
}
