import SimCore
import Wire
import NetModel
import Messages

/// The static facts a capture needs about the network, copied once when the run starts.
public struct NetworkDirectory: Sendable {
    public var enis: [ENI]
    public var subnets: [Subnet]
    public var vpcs: [VPC]
    public var zones: [AvailabilityZone]
    public var natGateways: [NATGateway]
    public var transitGateways: [TransitGateway]
    public var transitGatewayAttachments: [TransitGatewayAttachment]
    /// Names and literal payloads that payloads refer to by index.
    public var catalog: NameCatalog
    public var region: String
    /// The DHCP option set's domain name (``Network/dhcpDomainName``).
    public var dhcpDomainName: String
    /// Public address ranges of AWS services, most specific first (flow logs' `pkt-*-aws-service`).
    public var awsRanges: [(range: CIDR, service: String)]
    var owners: AddressMap<ENIIndex>
    /// Unix time of simulated time zero (ns), for timestamps inside payloads (NTP).
    public var epochNanoseconds: Int64 = 0

    /// Copies the network's resources and catalog: build it once the applications have interned
    /// what they send (after loading the topology).
    public init(network: Network, epochNanoseconds: Int64 = 0) {
        self.epochNanoseconds = epochNanoseconds
        enis = Array(network.enis)
        subnets = network.subnets
        vpcs = network.vpcs
        zones = network.zones
        natGateways = network.natGateways
        transitGateways = network.transitGateways
        transitGatewayAttachments = network.transitGatewayAttachments
        catalog = network.catalog
        region = network.region
        dhcpDomainName = network.dhcpDomainName
        awsRanges = network.catalog.awsServiceRanges.sorted { $0.range.prefixLength > $1.range.prefixLength }
        owners = AddressMap()
        for (i, e) in network.enis.enumerated() {
            for a in e.privateAddresses { owners[e.vpc.raw, a] = ENIIndex(i) }
        }
    }

    public func eni(owning a: IPAddress, in vpc: VPCIndex) -> ENIIndex? { owners[vpc.raw, a] }

    /// The MAC of the VPC router's interface in a subnet (any stable locally administered address).
    public func routerMAC(_ s: SubnetIndex) -> MACAddress {
        MACAddress(raw: 0x0E00_0000_0000 | (UInt64(s.raw &* 2_654_435_761) & 0xFF_FFFF_FFFF))
    }

    /// The AWS service an address belongs to (the most specific ip-ranges subset), if any.
    public func awsService(of a: IPAddress) -> String? {
        for r in awsRanges where r.range.contains(a) { return r.service }
        return nil
    }
}

/// The chunks of every stream the captures may still need, by stream id.
public struct StreamStore: Sendable {
    var streams: [StreamID: ContiguousArray<StreamChunk>] = [:]
    var closing: [(stream: StreamID, at: SimTime)] = []
    var closingHead = 0
    public internal(set) var missing: UInt64 = 0
    /// Real TLS: sessions, logged plaintexts (TLSRendering.swift).
    public var tls: TLSRendering
    public init(tls: TLSRendering = TLSRendering(decryptable: false, seed: 0, runStartUnixSeconds: 0)) {
        self.tls = tls
    }

    public mutating func add(_ c: StreamChunk) { streams[c.stream, default: []].append(c) }

    /// A stream's socket closed; its chunks are dropped once no packet of it can still be in flight.
    public mutating func closed(_ stream: StreamID, at now: SimTime) { closing.append((stream, now)) }

    public mutating func forget(before limit: SimTime) {
        while closingHead < closing.count && closing[closingHead].at < limit {
            let id = closing[closingHead].stream
            if let chunks = streams[id] { forgetTLS(id, chunks) }
            streams[id] = nil
            closingHead += 1
        }
        if closingHead > 4096 { closing.removeFirst(closingHead); closingHead = 0 }
    }

    public var count: Int { streams.count }

    /// Writes bytes `offset ..< offset + count` of a stream.
    mutating func write(
        stream: StreamID, offset: UInt64, count: Int, into w: inout ByteWriter, catalog: NameCatalog,
        scratch: inout [UInt8]
    ) {
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
            if tls.handles(c.content) {
                renderTLS(c, from: within, count: n, into: &w, catalog: catalog)
            } else {
                Self.render(c, from: within, count: n, into: &w, catalog: catalog, scratch: &scratch)
            }
            off += UInt64(n)
            left -= n
            i += 1
        }
    }

    /// The pre_shared_key of a resumed hello without real keys: the issuing server's ticket and
    /// age_add (as its NewSessionTicket carried them), a seeded binder of the suite's hash length.
    static func offeredPSK(_ o: TLSResumptionOffer, seed: UInt64) -> TLSOfferedPSK {
        let n = try? TLSNegotiation.negotiate(client: o.client.profile, server: o.server.profile).get()
        let suite = n?.cipherSuite ?? TLSCipherSuite.aes256GCMSHA384
        let length = o.server.profile.tickets.ticketLength(alpn: n?.alpn != nil)
        return TLSOfferedPSK(
            identity: TLSSeeds.ticket(serverSeed: o.serverSeed, index: Int(o.ticket), length: length),
            obfuscatedTicketAge: TLSOfferedPSK.obfuscatedAge(
                milliseconds: o.ageMilliseconds,
                ageAdd: TLSSeeds.ticketAgeAdd(serverSeed: o.serverSeed, index: Int(o.ticket))),
            binder: fill(TLSCipherSuite.hashLength(suite), seed, TLSSeeds.binder))
    }

    /// Deterministic bytes for a TLS random, session id or key share: byte `k` is byte `k % 8`
    /// (little endian) of SplitMix64(seed ^ salt, k / 8).
    static func fill(_ n: Int, _ seed: UInt64, _ salt: UInt64) -> [UInt8] { TLSSeeds.fill(n, seed, salt) }

    /// Writes bytes `within ..< within + n` of chunk `c`. Bytes described by a seed are rendered
    /// slice by slice; whole messages (hellos, fixed records, texts) are encoded into `scratch`
    /// and sliced.
    static func render(
        _ c: StreamChunk, from within: Int, count n: Int, into w: inout ByteWriter, catalog: NameCatalog,
        scratch: inout [UInt8]
    ) {
        switch c.content {
        case .tlsCiphertext(let seed):
            TLSCiphertext.writeRecordSlice(
                innerPlaintextLength: Int(c.length) - TLSCiphertext.recordLength(innerPlaintextLength: 0),
                seed: seed, from: within, count: n, into: &w)
            return
        case .opaque(let seed), .icmpEcho(let seed):
            TLSCiphertext.fillBody(seed: seed, from: within, count: n, into: &w)
            return
        case .text(let t):
            let bytes = catalog.text(t)
            guard within + n <= bytes.count else { w.zeros(n); return }
            w.bytes(bytes[within..<(within + n)])
            return
        case .postgresSSLAccept:
            w.u8(PostgresSSLResponse.accept)
            return
        default:
            break
        }
        let length = Int(c.length)
        if scratch.count < length { scratch = [UInt8](repeating: 0, count: length) }
        scratch.withUnsafeMutableBytes { buf in
            var sw = ByteWriter(UnsafeMutableRawBufferPointer(rebasing: buf[0..<length]))
            switch c.content {
            case .tlsClientHello(let id, let name, let seed, let offer):
                // Both ends derive the session id from the connection, so the ServerHello echoes it.
                let profile = id.profile
                let seed = UInt64(seed)
                TLSClientHello(
                    profile: profile, serverName: catalog.name(name), random: fill(32, seed, TLSSeeds.clientRandom),
                    sessionID: sessionID(c.stream, length: profile.sessionIDLength),
                    keyShares: profile.keyShareGroups.enumerated().map { k, group in
                        // A GREASE share is one zero byte, as BoringSSL writes it.
                        TLSGrease.isGrease(group)
                            ? [0] : fill(TLSNamedGroup.keyExchangeLength(group)!, seed, TLSSeeds.clientKeyShare(k))
                    },
                    variation: TLSHelloVariation.draw(profile: profile, seed: seed),
                    psk: catalog.offer(offer).map { Self.offeredPSK($0, seed: seed) }
                ).encodeRecord(into: &sw)
            case .tlsServerHello(let server, let client, let seed, let resumed):
                // TLS 1.3 without real keys (a TLS 1.2 hello is rendered with its session).
                let suite =
                    (try? TLSNegotiation.negotiate(client: client.profile, server: server.profile).get())?
                    .cipherSuite ?? TLSCipherSuite.aes256GCMSHA384
                TLSServerHello(
                    random: fill(32, seed, TLSSeeds.serverRandom),
                    sessionIDEcho: sessionID(c.stream, length: client.profile.sessionIDLength), cipherSuite: suite,
                    x25519KeyShare: fill(32, seed, TLSSeeds.serverKeyShare), selectedIdentity: resumed ? 0 : nil
                ).encodeRecord(into: &sw)
            case .tlsChangeCipherSpec:
                TLSChangeCipherSpec.encodeRecord(into: &sw)
            case .postgresSSLRequest:
                PostgresSSLRequest.encode(into: &sw)
            case .httpMessage(let h):
                var b = ByteSink(reserving: length)
                PlainHTTPMessage(
                    prefix: catalog.text(h.prefix), traceSeconds: h.traceSeconds, length: length, seed: h.seed
                )
                .write(&b)
                sw.bytes(b.bytes)
            default:
                // Datagram payloads are not carried in streams.
                sw.zeros(length)
            }
        }
        scratch.withUnsafeBytes { w.bytes(UnsafeRawBufferPointer(rebasing: $0[within..<(within + n)])) }
    }

    /// The legacy_session_id both ends of a connection use (the client's, echoed by the server).
    static func sessionID(_ stream: StreamID, length: Int) -> [UInt8] {
        fill(length, UInt64(stream.connection), TLSSeeds.sessionID)
    }
}

/// Turns tap records into Ethernet frames.
public struct FrameRenderer: Sendable {
    public internal(set) var directory: NetworkDirectory
    var scratch = [UInt8](repeating: 0, count: 1024)
    public init(directory: NetworkDirectory) { self.directory = directory }

    /// The largest frame: 14 + 65535.
    public static let maxFrame = 14 + 65_535

    /// Writes the frame for `t` into `buffer`; returns its length. IPv4 packets get an IPv4
    /// header (EtherType 0x0800); IPv6 packets an IPv6 header (0x86DD, RFC 2464), with a multicast
    /// destination sent to its 33:33 MAC (RFC 2464 §7).
    public mutating func render(_ t: TapRecord, streams: inout StreamStore, into buffer: UnsafeMutableRawBufferPointer)
        -> Int
    {
        let p = t.packet
        let eni = directory.enis[t.eni.int]
        let other = t.direction == .egress ? p.destination : p.source
        var peer = directory.routerMAC(eni.subnet)
        if directory.subnets[eni.subnet.int].contains(other), let x = directory.eni(owning: other, in: eni.vpc) {
            peer = directory.enis[x.int].mac
        }
        var w = ByteWriter(buffer)
        var (src, dst) = t.direction == .egress ? (eni.mac, peer) : (peer, eni.mac)
        let total = p.ipTotalLength
        if p.isIPv4 {
            EthernetHeader(destination: dst, source: src).encode(into: &w)
            IPv4Header(
                totalLength: UInt16(total), identification: p.ipID, dontFragment: p.dontFragment, ttl: p.ttl,
                protocolNumber: p.protocolNumber, source: p.source.ipv4Value, destination: p.destination.ipv4Value
            ).encode(into: &w)
        } else {
            if p.destination.isMulticast { dst = MACAddress(ipv6Multicast: p.destination) }
            EthernetHeader(destination: dst, source: src, etherType: EtherType.ipv6).encode(into: &w)
            IPv6Header(
                flowLabel: Self.flowLabel(p), payloadLength: UInt16(total - IPv6Header.length),
                nextHeader: p.protocolNumber, hopLimit: p.ttl, source: p.source, destination: p.destination
            ).encode(into: &w)
        }
        let l4 = w.offset
        let upper = UnsafeMutableRawBufferPointer(rebasing: buffer[l4..<(14 + total)])
        switch p.protocolNumber {
        case IPProtocol.tcp:
            var o = TCPOptions(layout: p.tcpOptions.layout)
            if p.tcpOptions.contains(.mss) { o.mss = p.mss }
            if p.tcpOptions.contains(.sackPermitted) { o.sackPermitted = true }
            if p.tcpOptions.contains(.windowScale) { o.windowScale = p.windowScale }
            if p.tcpOptions.contains(.timestamps) { o.timestamps = TCPTimestamps(value: p.tsValue, echo: p.tsEcho) }
            TCPHeader(
                srcPort: p.sourcePort, dstPort: p.destinationPort, seq: p.seq, ack: p.ack, flags: p.tcpFlags,
                window: p.window, options: o
            ).encode(into: &w)
            if p.payloadLength > 0 {
                if case .stream(let stream, let offset) = p.payload {
                    streams.write(
                        stream: stream, offset: offset, count: Int(p.payloadLength), into: &w,
                        catalog: directory.catalog, scratch: &scratch)
                } else {
                    w.zeros(Int(p.payloadLength))
                }
            }
            TransportChecksum.patch(
                segment: upper, checksumOffset: TransportChecksum.tcpChecksumOffset,
                source: p.source, destination: p.destination, protocolNumber: IPProtocol.tcp)
        case IPProtocol.udp:
            UDPHeader(srcPort: p.sourcePort, dstPort: p.destinationPort, payloadLength: Int(p.payloadLength)).encode(
                into: &w)
            writeDatagram(t, into: &w)
            TransportChecksum.patch(
                segment: upper, checksumOffset: TransportChecksum.udpChecksumOffset,
                source: p.source, destination: p.destination, protocolNumber: IPProtocol.udp)
        case IPProtocol.icmp:
            let type = UInt8(p.destinationPort >> 8), code = UInt8(p.destinationPort & 0xFF)
            let rest = UInt32(p.sourcePort) << 16 | UInt32(p.seq & 0xFFFF)
            ICMPv4Header(type: type, code: code, rest: rest).encode(into: &w)
            if case .icmpQuote(let q) = p.payload {
                // The quoted datagram went the other way: from this error's destination to its source.
                IPv4Header(
                    totalLength: q.totalLength, identification: q.ipID, dontFragment: true, ttl: q.ttl,
                    protocolNumber: q.protocolNumber, source: p.destination.ipv4Value, destination: p.source.ipv4Value
                ).encode(into: &w)
                w.u16(q.sourcePort)
                w.u16(q.destinationPort)
                w.u32(q.seq)
            } else {
                TLSCiphertext.fillBody(seed: p.payload.fillerSeed, from: 0, count: Int(p.payloadLength), into: &w)
            }
            ICMPv4Header.patchChecksum(message: upper)
        case IPProtocol.icmpv6:
            if case .neighborDiscovery(let target, let advertisement, let router) = p.payload {
                // The link-layer option is the sending interface's MAC (RFC 4861 §4.3, §4.4).
                let kind: NeighborDiscoveryMessage.Kind =
                    advertisement ? .advertisement(router: router, solicited: true, override: true) : .solicitation
                NeighborDiscoveryMessage(kind: kind, target: directory.catalog.address(target), linkLayerAddress: src)
                    .encode(into: &w, source: p.source, destination: p.destination)
            } else if case .icmpQuote(let q) = p.payload {
                // Packet Too Big (RFC 4443 §3.2): the MTU, then the quoted packet, which went the
                // other way (from this error's destination to its source) with its own flow label.
                ICMPv6Header(type: UInt8(p.destinationPort >> 8), code: 0, rest: p.seq).encode(
                    into: &w, source: p.source, destination: p.destination)
                var quoted = Packet(
                    source: p.destination, destination: p.source, sourcePort: q.sourcePort,
                    destinationPort: q.destinationPort, protocolNumber: q.protocolNumber, ttl: q.ttl, ipID: 0)
                quoted.payload = .none
                IPv6Header(
                    flowLabel: Self.flowLabel(quoted), payloadLength: q.totalLength &- 40, nextHeader: q.protocolNumber,
                    hopLimit: q.ttl, source: p.destination, destination: p.source
                ).encode(into: &w)
                w.u16(q.sourcePort)
                w.u16(q.destinationPort)
                w.u32(q.seq)
                ICMPv6Header.patchChecksum(message: upper, source: p.source, destination: p.destination)
            } else {
                // Echo: identifier in the source port, sequence in `seq`, as for ICMP.
                let type = UInt8(p.destinationPort >> 8), code = UInt8(p.destinationPort & 0xFF)
                let rest = UInt32(p.sourcePort) << 16 | UInt32(p.seq & 0xFFFF)
                ICMPv6Header(type: type, code: code, rest: rest).encode(
                    into: &w, source: p.source, destination: p.destination)
                TLSCiphertext.fillBody(seed: p.payload.fillerSeed, from: 0, count: Int(p.payloadLength), into: &w)
                ICMPv6Header.patchChecksum(message: upper, source: p.source, destination: p.destination)
            }
        default:
            w.zeros(total - p.ipHeaderLength)
        }
        return 14 + total
    }

    /// The IPv6 flow label: 0 for neighbor discovery (as Linux sends it), else a hash of the
    /// directional five-tuple. Assumed: Linux (net.ipv6.auto_flowlabels = 1) labels each socket's
    /// flow from a hash of it, so both directions differ and a flow keeps its label; the hash
    /// itself is the kernel's own and is not reproduced.
    static func flowLabel(_ p: Packet) -> UInt32 {
        if case .neighborDiscovery = p.payload { return 0 }
        return UInt32(truncatingIfNeeded: p.flow.mixedHash) & 0xF_FFFF
    }

    /// Writes a UDP payload. Sizes need no check here: the model took each message's length from
    /// the same construction (PlatformMessages, NTPPacket) encoded below.
    mutating func writeDatagram(_ t: TapRecord, into w: inout ByteWriter) {
        let p = t.packet
        switch p.payload {
        case .ntp(let mode, let sent):
            // Time Sync: a client request stamps its transmit time; the reply echoes it as origin.
            var m = NTPPacket(mode: mode)
            if m.mode == NTPPacket.Mode.server {
                m.stratum = 3
                m.referenceID = 0xA9FE_A97B
                m.rootDelay = 0x0000_0010
                m.rootDispersion = 0x0000_0020
                m.reference = NTPPacket.timestamp(unixNanoseconds: sent - 8_000_000_000)
                m.origin = NTPPacket.timestamp(unixNanoseconds: sent)
                m.receive = NTPPacket.timestamp(
                    unixNanoseconds: directory.epochNanoseconds + t.time.nanoseconds - 10_000)
                m.transmit = NTPPacket.timestamp(
                    unixNanoseconds: directory.epochNanoseconds + t.time.nanoseconds - 5_000)
            } else {
                m.transmit = NTPPacket.timestamp(unixNanoseconds: sent)
            }
            m.encode(into: &w)
        case .dhcp(let xid, let isReply):
            let eni = directory.enis[t.eni.int]
            if isReply {
                PlatformMessages.dhcpAck(
                    transactionID: xid, client: p.destination.ipv4Value, clientMAC: eni.mac,
                    subnet: directory.subnets[eni.subnet.int],
                    dnsServer: directory.vpcs[eni.vpc.int].dnsAddress.ipv4Value, domainName: directory.dhcpDomainName
                ).encode(into: &w)
            } else {
                PlatformMessages.dhcpRequest(transactionID: xid, client: p.source.ipv4Value, clientMAC: eni.mac).encode(
                    into: &w)
            }
        case .dnsQuery(let id, let name, let type):
            PlatformMessages.dnsQuery(id: id, name: directory.catalog.name(name), type: type).encode(into: &w)
        case .dnsResponse(let id, let name, let type, let answer):
            PlatformMessages.dnsResponse(id: id, name: directory.catalog.name(name), type: type, answer: answer)
                .encode(into: &w)
        case .dnsAnswers(let id, let name, let answers):
            PlatformMessages.dnsResponse(
                id: id, name: directory.catalog.name(name), answers: directory.catalog.answers(answers)
            ).encode(into: &w)
        case .dnsAAAAResponse(let id, let name, let answer):
            PlatformMessages.dnsResponse(
                id: id, name: directory.catalog.name(name), aaaa: directory.catalog.address(answer)
            ).encode(into: &w)
        default:
            TLSCiphertext.fillBody(seed: p.payload.fillerSeed, from: 0, count: Int(p.payloadLength), into: &w)
        }
    }
}
