import SimCore
import Wire

/// One translation of a NAT gateway: an inside flow and the source port it was given.
public struct NATTranslation: Sendable {
    public var address: UInt8 // which of the gateway's addresses
    public var port: UInt16
    public var lastActivity: SimTime
    /// FIN seen from inside (bit 0) / outside (bit 1); RST sets both.
    public var closing: UInt8
    public var established: Bool
}

/// CloudWatch metrics of a NAT gateway (namespace `AWS/NATGateway`,
/// https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway-cloudwatch.html).
public struct NATGatewayMetrics: Sendable, Hashable {
    public var bytesInFromSource: UInt64 = 0
    public var bytesOutToDestination: UInt64 = 0
    public var bytesInFromDestination: UInt64 = 0
    public var bytesOutToSource: UInt64 = 0
    public var packetsInFromSource: UInt64 = 0
    public var packetsOutToDestination: UInt64 = 0
    public var packetsInFromDestination: UInt64 = 0
    public var packetsOutToSource: UInt64 = 0
    public var connectionAttemptCount: UInt64 = 0
    public var connectionEstablishedCount: UInt64 = 0
    public var errorPortAllocation: UInt64 = 0
    public var idleTimeoutCount: UInt64 = 0
    public var packetsDropCount: UInt64 = 0
    public var peakActiveConnectionCount: UInt64 = 0
    public init() {}
    /// Bytes the gateway processed, both directions: what its per-GB charge applies to.
    public var bytesProcessed: UInt64 { bytesInFromSource + bytesInFromDestination }
}

/// Translation state of one NAT gateway (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html):
/// source NAT to its private address (the internet gateway maps that to the Elastic IP), ports 1024–65535, at most
/// 55,000 simultaneous connections per address to one (destination IP, port, protocol), 350 s idle timeout after which
/// a packet from inside gets a RST.
public struct NATState: Sendable {
    public static let portRange: ClosedRange<UInt16> = 1024...65535
    public static let connectionsPerDestination = 55_000
    public static let idleTimeout = SimDuration.seconds(350)

    /// Inside flow → translation.
    public var translations = FlowTable<NATTranslation>(capacity: 1024)
    /// Outside flow of a reply (remote → NAT address:port) → inside flow.
    public var reverse = FlowTable<FlowKey>(capacity: 1024)
    /// (address, destination, port, protocol) → connections in use.
    public var perDestination = FlowTable<UInt32>(capacity: 256)
    public var metrics = NATGatewayMetrics()
    public var random: RandomStream
    public var active: UInt64 = 0

    public init(random: RandomStream) { self.random = random }

    static func destinationKey(address: UInt8, destination: IPAddress, port: UInt16, protocolNumber: UInt8) -> FlowKey {
        FlowKey(
            source: IPAddress(ipv4: UInt32(address)), destination: destination, sourcePort: 0,
            destinationPort: port, protocolNumber: protocolNumber)
    }

    /// Allocates a source port for `inside` on one of `addresses`; nil when every address has
    /// 55,000 connections to this destination (`ErrorPortAllocation`).
    mutating func allocate(_ inside: FlowKey, addresses: [IPAddress], now: SimTime) -> NATTranslation? {
        for (ai, addr) in addresses.enumerated() {
            let dk = Self.destinationKey(
                address: UInt8(ai), destination: inside.destination,
                port: inside.destinationPort, protocolNumber: inside.protocolNumber)
            let used = perDestination[dk] ?? 0
            if Int(used) >= Self.connectionsPerDestination { continue }
            // Random ports, retried on collision: at most 55,000 of 64,512 can be taken, so a free
            // one is found in a few tries; the bounded fallback scan keeps the worst case finite.
            var port: UInt16 = 0
            var found = false
            for _ in 0..<64 {
                let p = UInt16(Self.portRange.lowerBound) + UInt16(random.bounded(UInt64(Self.portRange.count)))
                if reverse[Self.replyKey(inside, address: addr, port: p)] == nil { port = p; found = true; break }
            }
            if !found {
                for p in Self.portRange where reverse[Self.replyKey(inside, address: addr, port: p)] == nil {
                    port = p; found = true; break
                }
            }
            guard found else { continue }
            perDestination[dk] = used + 1
            let t = NATTranslation(address: UInt8(ai), port: port, lastActivity: now, closing: 0, established: false)
            translations.insert(inside, t)
            reverse.insert(Self.replyKey(inside, address: addr, port: port), inside)
            active += 1
            metrics.peakActiveConnectionCount = max(metrics.peakActiveConnectionCount, active)
            return t
        }
        return nil
    }

    /// The key under which a reply to `inside` (translated to `address:port`) arrives.
    static func replyKey(_ inside: FlowKey, address: IPAddress, port: UInt16) -> FlowKey {
        FlowKey(
            source: inside.destination, destination: address, sourcePort: inside.destinationPort,
            destinationPort: port, protocolNumber: inside.protocolNumber) // ICMP: destinationPort is 0
    }

    mutating func release(_ inside: FlowKey, addresses: [IPAddress]) {
        guard let t = translations.remove(inside) else { return }
        reverse.remove(Self.replyKey(inside, address: addresses[Int(t.address)], port: t.port))
        let dk = Self.destinationKey(
            address: t.address, destination: inside.destination,
            port: inside.destinationPort, protocolNumber: inside.protocolNumber)
        if let n = perDestination[dk] { perDestination[dk] = n > 1 ? n - 1 : nil }
        active -= 1
    }

    /// Whether a translation is past its idle timeout, or closed long enough to be forgotten.
    static func isExpired(_ t: NATTranslation, now: SimTime, closedLinger: SimDuration) -> Bool {
        if t.closing == 3 { return now - t.lastActivity > closedLinger }
        return now - t.lastActivity > idleTimeout
    }
}
