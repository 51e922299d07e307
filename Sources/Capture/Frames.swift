import SimCore
import Wire
import NetModel

/// The static facts a capture needs about the network, copied once when the run starts.
public struct NetworkDirectory: Sendable {
    public var enis: [ENI]
    public var subnets: [Subnet]
    public var vpcs: [VPC]
    public var zones: [AvailabilityZone]
    public var natGateways: [NATGateway]
    public var serverNames: [String]
    public var dnsNames: [String]
    public var texts: [[UInt8]]
    public var region: String
    /// Public address ranges of AWS services, most specific first (flow logs' `pkt-*-aws-service`).
    public var awsRanges: [(range: CIDR, service: String)]
    var owners: [UInt64: ENIIndex]
    /// Unix time of simulated time zero (ns), for timestamps inside payloads (NTP).
    public var epochNanoseconds: Int64 = 0

    public init(network: Network, dnsNames: [String], epochNanoseconds: Int64 = 0) {
        self.epochNanoseconds = epochNanoseconds
        enis = Array(network.enis)
        subnets = network.subnets
        vpcs = network.vpcs
        zones = network.zones
        natGateways = network.natGateways
        serverNames = network.serverNames
        texts = network.payloadTexts
        self.dnsNames = dnsNames
        region = network.region
        awsRanges = network.awsAddressRanges.sorted { $0.range.prefixLength > $1.range.prefixLength }
        owners = [:]
        for (i, e) in network.enis.enumerated() {
            for a in [e.privateIP] + e.secondaryIPs { owners[UInt64(e.vpc.raw) << 32 | UInt64(a.raw)] = ENIIndex(i) }
        }
    }

    public func eni(owning a: IPv4Address, in vpc: VPCIndex) -> ENIIndex? { owners[UInt64(vpc.raw) << 32 | UInt64(a.raw)] }

    /// The MAC of the VPC router's interface in a subnet (any stable locally administered address).
    public func routerMAC(_ s: SubnetIndex) -> MACAddress {
        MACAddress(raw: 0x0E00_0000_0000 | (UInt64(s.raw &* 2_654_435_761) & 0xFF_FFFF_FFFF))
    }

    /// The AWS service an address belongs to (the most specific ip-ranges subset), if any.
    public func awsService(of a: IPv4Address) -> String? {
        for r in awsRanges where r.range.contains(a) { return r.service }
        return nil
    }
}

/// The chunks of every stream the captures may still need, by stream id.
public struct StreamStore: Sendable {
    var streams: [UInt32: ContiguousArray<StreamChunk>] = [:]
    var closing: [(stream: UInt32, at: SimTime)] = []
    var closingHead = 0
    public private(set) var missing: UInt64 = 0
    public init() {}

    public mutating func add(_ c: StreamChunk) { streams[c.stream, default: []].append(c) }

    /// A stream's socket closed; its chunks are dropped once no packet of it can still be in flight.
    public mutating func closed(_ stream: UInt32, at now: SimTime) { closing.append((stream, now)) }

    public mutating func forget(before limit: SimTime) {
        while closingHead < closing.count && closing[closingHead].at < limit {
            streams[closing[closingHead].stream] = nil
            closingHead += 1
        }
        if closingHead > 4096 { closing.removeFirst(closingHead); closingHead = 0 }
    }

    public var count: Int { streams.count }

    /// Writes bytes `offset ..< offset + count` of a stream.
    mutating func write(stream: UInt32, offset: UInt64, count: Int, into w: inout ByteWriter, names: [String], texts: [[UInt8]], scratch: inout [UInt8]) {
        guard let chunks = streams[stream], !chunks.isEmpty else {
            missing += 1
            w.zeros(count)
            return
        }
        // Last chunk starting at or before `offset`.
        var lo = 0, hi = chunks.count
        while lo + 1 < hi {
            let mid = (lo + hi) >> 1
            if chunks[mid].offset <= offset { lo = mid } else { hi = mid }
        }
        var i = lo
        var off = offset
        var left = count
        while left > 0 {
            guard i < chunks.count, chunks[i].offset <= off, off < chunks[i].offset + UInt64(chunks[i].length) else {
                missing += 1
                w.zeros(left)
                return
            }
            let c = chunks[i]
            let within = Int(off - c.offset)
            let n = min(Int(c.length) - within, left)
            Self.render(c, from: within, count: n, into: &w, names: names, texts: texts, scratch: &scratch)
            off += UInt64(n)
            left -= n
            i += 1
        }
    }

    /// Deterministic 32 bytes for a TLS random / session id / key share.
    static func fill32(_ seed: UInt64, _ salt: UInt64) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        for k in 0..<4 {
            let v = TLSCiphertext.mix(seed ^ salt, UInt64(k))
            for b in 0..<8 { out[k * 8 + b] = UInt8(truncatingIfNeeded: v >> UInt64(8 * b)) }
        }
        return out
    }

    static func render(_ c: StreamChunk, from within: Int, count n: Int, into w: inout ByteWriter, names: [String], texts: [[UInt8]], scratch: inout [UInt8]) {
        switch c.kind {
        case .tlsCiphertext:
            TLSCiphertext.writeRecordSlice(innerPlaintextLength: Int(c.length) - TLSCiphertext.recordLength(innerPlaintextLength: 0),
                                           seed: c.parameter, from: within, count: n, into: &w)
        case .opaque:
            TLSCiphertext.fillBody(seed: c.parameter, from: within, count: n, into: &w)
        case .tlsChangeCipherSpec:
            let ccs: [UInt8] = [0x14, 0x03, 0x03, 0x00, 0x01, 0x01]
            w.bytes(ccs[within..<(within + n)])
        case .postgresSSLRequest:
            let request: [UInt8] = [0x00, 0x00, 0x00, 0x08, 0x04, 0xD2, 0x16, 0x2F]
            w.bytes(request[within..<(within + n)])
        case .postgresSSLAccept:
            w.u8(0x53)
        case .text:
            guard Int(c.parameter) < texts.count else { w.zeros(n); return }
            let t = texts[Int(c.parameter)]
            w.bytes(t[within..<(within + n)])
        case .tlsClientHello, .tlsServerHello:
            // Both ends derive the session id from the connection (stream id / 2), so the
            // ServerHello echoes the ClientHello's.
            let connection = UInt64(c.stream / 2)
            let sessionID = fill32(connection, 0x5E55_1011)
            let length = Int(c.length)
            if scratch.count < length { scratch = [UInt8](repeating: 0, count: length) }
            scratch.withUnsafeMutableBytes { buf in
                var sw = ByteWriter(UnsafeMutableRawBufferPointer(rebasing: buf[0..<length]))
                if c.kind == .tlsClientHello {
                    let k = Int(c.parameter >> 32)
                    let name = k < names.count ? names[k] : "unknown.invalid"
                    let seed = c.parameter & 0xFFFF_FFFF
                    TLSClientHello(serverName: name, random: fill32(seed, 0xC11E), sessionID: sessionID,
                                   x25519KeyShare: fill32(seed, 0x4B45)).encodeRecord(into: &sw)
                } else {
                    TLSServerHello(random: fill32(c.parameter, 0x5E4E), sessionIDEcho: sessionID, cipherSuite: 0x1302,
                                   x25519KeyShare: fill32(c.parameter, 0x4B53)).encodeRecord(into: &sw)
                }
            }
            scratch.withUnsafeBytes { w.bytes(UnsafeRawBufferPointer(rebasing: $0[within..<(within + n)])) }
        }
    }
}

/// Turns tap records into Ethernet frames.
public struct FrameRenderer: Sendable {
    public let directory: NetworkDirectory
    var scratch = [UInt8](repeating: 0, count: 1024)
    public init(directory: NetworkDirectory) { self.directory = directory }

    /// The largest frame: 14 + 65535.
    public static let maxFrame = 14 + 65_535

    /// Writes the frame for `t` into `buffer`; returns its length.
    public mutating func render(_ t: TapRecord, streams: inout StreamStore, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let p = t.packet
        let eni = directory.enis[t.eni.int]
        let other = t.direction == .egress ? p.destination : p.source
        var peer = directory.routerMAC(eni.subnet)
        if directory.subnets[eni.subnet.int].cidr.contains(other), let x = directory.eni(owning: other, in: eni.vpc) {
            peer = directory.enis[x.int].mac
        }
        var w = ByteWriter(buffer)
        let (src, dst) = t.direction == .egress ? (eni.mac, peer) : (peer, eni.mac)
        EthernetHeader(destination: dst, source: src).encode(into: &w)
        let total = p.ipTotalLength
        let dontFragment = !(p.protocolNumber == IPProtocol.udp && p.sourcePort == 53)
        IPv4Header(totalLength: UInt16(total), identification: p.ipID, dontFragment: dontFragment, ttl: p.ttl,
                   protocolNumber: p.protocolNumber, source: p.source, destination: p.destination).encode(into: &w)
        let l4 = w.offset
        switch p.protocolNumber {
        case IPProtocol.tcp:
            var o = TCPOptions()
            if p.tcpOptions.contains(.mss) { o.mss = p.mss }
            if p.tcpOptions.contains(.sackPermitted) { o.sackPermitted = true }
            if p.tcpOptions.contains(.windowScale) { o.windowScale = p.windowScale }
            if p.tcpOptions.contains(.timestamps) { o.timestamps = TCPTimestamps(value: p.tsValue, echo: p.tsEcho) }
            TCPHeader(srcPort: p.sourcePort, dstPort: p.destinationPort, seq: p.seq, ack: p.ack, flags: p.tcpFlags,
                      window: p.window, options: o).encode(into: &w)
            if p.payloadLength > 0 {
                streams.write(stream: p.payload.id, offset: p.payload.offset, count: Int(p.payloadLength), into: &w,
                              names: directory.serverNames, texts: directory.texts, scratch: &scratch)
            }
            TransportChecksum.patch(segment: UnsafeMutableRawBufferPointer(rebasing: buffer[l4..<(14 + total)]),
                                    checksumOffset: TransportChecksum.tcpChecksumOffset,
                                    source: p.source, destination: p.destination, protocolNumber: IPProtocol.tcp)
        case IPProtocol.udp:
            UDPHeader(srcPort: p.sourcePort, dstPort: p.destinationPort, payloadLength: Int(p.payloadLength)).encode(into: &w)
            writeDatagram(t, into: &w)
            TransportChecksum.patch(segment: UnsafeMutableRawBufferPointer(rebasing: buffer[l4..<(14 + total)]),
                                    checksumOffset: TransportChecksum.udpChecksumOffset,
                                    source: p.source, destination: p.destination, protocolNumber: IPProtocol.udp)
        case IPProtocol.icmp:
            let type = UInt8(p.destinationPort >> 8), code = UInt8(p.destinationPort & 0xFF)
            let rest = UInt32(p.sourcePort) << 16 | UInt32(p.seq & 0xFFFF)
            ICMPv4Header(type: type, code: code, rest: rest).encode(into: &w)
            TLSCiphertext.fillBody(seed: p.payload.offset, from: 0, count: Int(p.payloadLength), into: &w)
            ICMPv4Header.patchChecksum(message: UnsafeMutableRawBufferPointer(rebasing: buffer[l4..<(14 + total)]))
        default:
            w.zeros(total - 20)
        }
        return 14 + total
    }

    mutating func writeDatagram(_ t: TapRecord, into w: inout ByteWriter) {
        let p = t.packet
        let n = Int(p.payloadLength)
        switch p.payload.kind {
        case .ntp:
            // Time Sync: a client request stamps its transmit time; the reply echoes it as origin.
            var m = NTPPacket(mode: UInt8(p.payload.id))
            let sent = Int64(p.payload.offset)
            if m.mode == NTPPacket.Mode.server {
                m.stratum = 3
                m.referenceID = 0xA9FE_A97B
                m.rootDelay = 0x0000_0010
                m.rootDispersion = 0x0000_0020
                m.reference = NTPPacket.timestamp(unixNanoseconds: sent - 8_000_000_000)
                m.origin = NTPPacket.timestamp(unixNanoseconds: sent)
                m.receive = NTPPacket.timestamp(unixNanoseconds: directory.epochNanoseconds + t.time.nanoseconds - 10_000)
                m.transmit = NTPPacket.timestamp(unixNanoseconds: directory.epochNanoseconds + t.time.nanoseconds - 5_000)
            } else {
                m.transmit = NTPPacket.timestamp(unixNanoseconds: sent)
            }
            m.encode(into: &w)
        case .dhcp:
            let eni = directory.enis[t.eni.int]
            let client = p.payload.offset == 0 ? p.source : p.destination
            let subnet = directory.subnets[eni.subnet.int]
            var m = DHCPMessage(isReply: p.payload.offset != 0, transactionID: p.payload.id, clientAddress: client,
                                yourAddress: p.payload.offset != 0 ? client : .any, clientMAC: eni.mac,
                                messageType: p.payload.offset == 0 ? DHCPMessage.MessageType.request : DHCPMessage.MessageType.ack)
            if p.payload.offset == 0 {
                m.hostName = "ip-" + String(client.description.map { $0 == "." ? "-" : $0 })
            } else {
                m.serverIdentifier = subnet.routerAddress
                m.leaseSeconds = 3600
                m.subnetMask = IPv4Address(raw: subnet.cidr.netmask)
                m.router = subnet.routerAddress
                m.dnsServer = directory.vpcs[eni.vpc.int].dnsAddress
                m.domainName = "ec2.internal"
            }
            precondition(m.encodedLength == n, "DHCP payload size \(m.encodedLength) differs from the model's \(n)")
            m.encode(into: &w)
        case .dnsQuery, .dnsResponse:
            let nameIndex = Int(p.payload.offset >> 16)
            let name = nameIndex < directory.dnsNames.count ? directory.dnsNames[nameIndex] : "unknown.invalid"
            let type = UInt16(truncatingIfNeeded: p.payload.offset)
            let q = DNSMessage.query(id: UInt16(truncatingIfNeeded: p.payload.id), name: name, type: type)
            var m = q
            if p.payload.kind == .dnsResponse {
                var answers: [DNSRecord] = []
                if p.payload.extra != 0 {
                    // Route 53 Resolver answers AWS endpoint names with a short TTL (5 s observed for DynamoDB).
                    answers.append(DNSRecord(name: name, ttl: 5, data: .a(IPv4Address(raw: p.payload.extra))))
                }
                m = DNSMessage.response(to: q, answers: answers)
            }
            precondition(m.encodedLength == n, "DNS payload size \(m.encodedLength) differs from the model's \(n)")
            m.encode(into: &w)
        default:
            TLSCiphertext.fillBody(seed: p.payload.offset, from: 0, count: n, into: &w)
        }
    }
}
