import Testing
import Wire

/// A real SYN sent by Linux (curl http://127.0.0.1:8080/, captured with tcpdump -i lo).
/// On lo the kernel leaves the TCP checksum field holding the pseudo-header sum (fe30, checksum
/// offload); the correct checksum, 292d, was computed independently (Python, RFC 1071) and is
/// what the vector holds. Every other byte is as captured.
enum LinuxSYN {
    static let ethernet = "000000000000" + "000000000000" + "0800"
    static let ipv4 = "4500003c009a400040063c207f0000017f000001"
    static let tcp = "d3321f90513a8b0f00000000a002ffd7292d0000" + "0204ffd70402080aeeec68d8000000000103030a"
    static let capturedTCPChecksum: UInt16 = 0xFE30
    static let header = TCPHeader(
        srcPort: 54066, dstPort: 8080, seq: 0x513A_8B0F, ack: 0, flags: .syn, window: 65495,
        options: TCPOptions(
            mss: 65495, sackPermitted: true, windowScale: 10,
            timestamps: TCPTimestamps(value: 0xEEEC_68D8, echo: 0)))
    static let ip = IPv4Header(
        totalLength: 60, identification: 0x009A, dontFragment: true, ttl: 64,
        protocolNumber: IPProtocol.tcp, source: IPv4Address(127, 0, 0, 1),
        destination: IPv4Address(127, 0, 0, 1))
}

private func randomOptions(_ rng: inout SeededGenerator) -> TCPOptions {
    var o = TCPOptions()
    if Bool.random(using: &rng) { o.mss = .random(in: 0...UInt16.max, using: &rng) }
    o.sackPermitted = Bool.random(using: &rng)
    if Bool.random(using: &rng) { o.windowScale = .random(in: 0...14, using: &rng) }
    if Bool.random(using: &rng) { o.timestamps = TCPTimestamps(value: rng.next32(), echo: rng.next32()) }
    let room = (40 - o.encodedLength - 4) / 8
    if room > 0 && Int.random(in: 0..<4, using: &rng) == 0 {
        o.sackBlocks = (0..<Int.random(in: 1...room, using: &rng)).map { _ in
            SACKBlock(left: rng.next32(), right: rng.next32())
        }
    }
    return o
}

extension SeededGenerator {
    mutating func next32() -> UInt32 { UInt32(truncatingIfNeeded: next()) }
}

@Suite struct EthernetTests {
    @Test func constructAndDeconstruct() throws {
        let h = EthernetHeader(
            destination: MACAddress(0x02, 0, 0, 0, 0, 0x01), source: MACAddress(0x02, 0, 0, 0, 0, 0x02))
        let expected = bytes(hex: "020000000001 020000000002 0800")
        #expect(render { h.encode(into: &$0) } == expected)
        #expect(try EthernetHeader(parsing: expected) == h)
        #expect(try EthernetHeader(parsing: bytes(hex: LinuxSYN.ethernet)).etherType == EtherType.ipv4)
        #expect(
            wireError { _ = try EthernetHeader(parsing: Array(expected.prefix(13))) }
                == .truncated(needed: 14, available: 13))
    }

    @Test func roundTrip() throws {
        var rng = SeededGenerator(seed: 802)
        for _ in 0..<500 {
            let h = EthernetHeader(
                destination: MACAddress(raw: rng.next() >> 16), source: MACAddress(raw: rng.next() >> 16),
                etherType: .random(in: 0...UInt16.max, using: &rng))
            #expect(try EthernetHeader(parsing: render { h.encode(into: &$0) }) == h)
        }
    }
}

@Suite struct IPv4Tests {
    @Test func constructMatchesLinux() {
        #expect(hexString(render { LinuxSYN.ip.encode(into: &$0) }) == LinuxSYN.ipv4)
    }

    @Test func deconstructLinux() throws {
        let frame = bytes(hex: LinuxSYN.ipv4 + LinuxSYN.tcp)
        let (h, end) = try parse(frame) { (r: inout ByteReader) throws(WireError) in try IPv4Header(parsing: &r) }
        #expect(h == LinuxSYN.ip)
        #expect(end == 20 && h.payloadLength == 40)
        #expect(h.dontFragment && !h.moreFragments && h.fragmentOffset == 0 && h.ttl == 64)
    }

    @Test func roundTrip() throws {
        var rng = SeededGenerator(seed: 791)
        for _ in 0..<1000 {
            let h = IPv4Header(
                dscpECN: .random(in: 0...255, using: &rng), totalLength: .random(in: 20...1500, using: &rng),
                identification: .random(in: 0...UInt16.max, using: &rng), dontFragment: .random(using: &rng),
                moreFragments: .random(using: &rng), fragmentOffset: .random(in: 0...0x1FFF, using: &rng),
                ttl: .random(in: 0...255, using: &rng), protocolNumber: .random(in: 0...255, using: &rng),
                source: IPv4Address(raw: rng.next32()), destination: IPv4Address(raw: rng.next32()))
            var packet = render { h.encode(into: &$0) }
            packet += [UInt8](repeating: 0xAB, count: Int(h.totalLength) - 20)
            #expect(try IPv4Header(parsing: packet) == h)
        }
    }

    @Test func rejectsBadInput() {
        let good = bytes(hex: LinuxSYN.ipv4 + LinuxSYN.tcp)
        #expect(
            wireError { _ = try IPv4Header(parsing: Array(good.prefix(19))) } == .truncated(needed: 20, available: 19))
        // Total length says 60 but only 59 bytes are there.
        #expect(wireError { _ = try IPv4Header(parsing: Array(good.prefix(59))) } == .badLength(60))
        var v6 = good; v6[0] = 0x65
        #expect(wireError { _ = try IPv4Header(parsing: v6) } == .badVersion(6))
        var ihl = good; ihl[0] = 0x44
        #expect(wireError { _ = try IPv4Header(parsing: ihl) } == .badHeaderLength(16))
        var shortTotal = good; shortTotal[2] = 0; shortTotal[3] = 19
        #expect(wireError { _ = try IPv4Header(parsing: shortTotal) } == .badLength(19))
        var corrupted = good; corrupted[8] = 63 // TTL changed, checksum not updated
        #expect(wireError { _ = try IPv4Header(parsing: corrupted) } == .badChecksum(expected: 0x3D20, found: 0x3C20))
    }

    @Test func optionsAreSkippedAndCovered() throws {
        // IHL 6: one 4-byte option word (NOP NOP NOP EOL); checksum covers it.
        let h = IPv4Header(
            totalLength: 24, identification: 7, ttl: 9, protocolNumber: 17,
            source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 0, 0, 2))
        var b = render { h.encode(into: &$0) }
        b[0] = 0x46
        b.insert(contentsOf: [1, 1, 1, 0], at: 20)
        b[10] = 0; b[11] = 0
        let c = InternetChecksum.finish(InternetChecksum.sum(Array(b[0..<24])))
        b[10] = UInt8(c >> 8); b[11] = UInt8(c & 0xFF)
        let (parsed, end) = try parse(b) { (r: inout ByteReader) throws(WireError) in try IPv4Header(parsing: &r) }
        #expect(parsed == h && end == 24)
    }
}

@Suite struct TCPTests {
    @Test func constructLinuxSYN() {
        let src = IPv4Address(127, 0, 0, 1)
        var segment = render { LinuxSYN.header.encode(into: &$0) }
        #expect(LinuxSYN.header.headerLength == 40)
        // Before patching the checksum field is zero; everything else equals the capture.
        var expected = bytes(hex: LinuxSYN.tcp)
        expected[16] = 0; expected[17] = 0
        #expect(segment == expected)
        segment.withUnsafeMutableBytes {
            TransportChecksum.patch(
                segment: $0, checksumOffset: TCPHeader.Field.checksum, source: src, destination: src,
                protocolNumber: IPProtocol.tcp)
        }
        #expect(hexString(segment) == LinuxSYN.tcp)
    }

    @Test func deconstructLinuxSYN() throws {
        let segment = bytes(hex: LinuxSYN.tcp)
        let (h, end) = try parse(segment) { (r: inout ByteReader) throws(WireError) in try TCPHeader(parsing: &r) }
        #expect(h == LinuxSYN.header)
        #expect(end == 40)
        #expect(
            segment.withUnsafeBytes {
                TransportChecksum.verify(
                    segment: $0, source: IPv4Address(127, 0, 0, 1), destination: IPv4Address(127, 0, 0, 1),
                    protocolNumber: IPProtocol.tcp)
            })
        // The kernel's offload placeholder is not a valid checksum, and verify says so.
        var captured = segment
        captured[16] = UInt8(LinuxSYN.capturedTCPChecksum >> 8);
        captured[17] = UInt8(LinuxSYN.capturedTCPChecksum & 0xFF)
        #expect(
            !captured.withUnsafeBytes {
                TransportChecksum.verify(
                    segment: $0, source: IPv4Address(127, 0, 0, 1), destination: IPv4Address(127, 0, 0, 1),
                    protocolNumber: IPProtocol.tcp)
            })
    }

    @Test func linuxOptionLayouts() {
        // SYN: mss, sackOK, TS, nop, wscale (20 bytes).
        let syn = TCPOptions(
            mss: 1460, sackPermitted: true, windowScale: 7, timestamps: TCPTimestamps(value: 1, echo: 0))
        #expect(hexString(render { syn.encode(into: &$0) }) == "020405b4" + "0402080a0000000100000000" + "01030307")
        // SYN-ACK to a peer without timestamps: mss, nop, nop, sackOK, nop, wscale (12 bytes).
        let synAck = TCPOptions(mss: 1460, sackPermitted: true, windowScale: 7)
        #expect(synAck.encodedLength == 12)
        #expect(hexString(render { synAck.encode(into: &$0) }) == "020405b4" + "01010402" + "01030307")
        // Established: nop, nop, TS (12 bytes).
        let data = TCPOptions(timestamps: TCPTimestamps(value: 0x0102_0304, echo: 0x0506_0708))
        #expect(hexString(render { data.encode(into: &$0) }) == "0101080a0102030405060708")
        // SACK blocks after nop, nop, following TS.
        let sack = TCPOptions(
            timestamps: TCPTimestamps(value: 1, echo: 2), sackBlocks: [SACKBlock(left: 10, right: 20)])
        #expect(sack.encodedLength == 24)
        #expect(hexString(render { sack.encode(into: &$0) }) == "0101080a0000000100000002" + "0101050a0000000a00000014")
        #expect(TCPOptions.none.encodedLength == 0)
    }

    @Test func roundTrip() throws {
        var rng = SeededGenerator(seed: 9293)
        for _ in 0..<2000 {
            let h = TCPHeader(
                srcPort: .random(in: 0...UInt16.max, using: &rng), dstPort: .random(in: 0...UInt16.max, using: &rng),
                seq: rng.next32(), ack: rng.next32(), flags: TCPFlags(rawValue: .random(in: 0...255, using: &rng)),
                window: .random(in: 0...UInt16.max, using: &rng), urgent: .random(in: 0...UInt16.max, using: &rng),
                options: randomOptions(&rng))
            let encoded = render { h.encode(into: &$0) }
            #expect(encoded.count == h.headerLength && h.headerLength % 4 == 0)
            let (parsed, end) = try parse(encoded + [1, 2, 3]) { (r: inout ByteReader) throws(WireError) in
                try TCPHeader(parsing: &r)
            }
            #expect(parsed == h)
            #expect(end == h.headerLength)
        }
    }

    @Test func parsesForeignOptionLayouts() throws {
        // Windows-style SYN options: mss, nop, ws, nop, nop, sackOK, then an unknown kind 30
        // (4 bytes) and EOL padding.
        let o = try TCPOptions(parsing: bytes(hex: "020405b4 01030308 01010402 1e04abcd 00000000"))
        #expect(o == TCPOptions(mss: 1460, sackPermitted: true, windowScale: 8))
    }

    @Test func rejectsBadInput() {
        let good = bytes(hex: LinuxSYN.tcp)
        #expect(
            wireError { _ = try TCPHeader(parsing: Array(good.prefix(19))) } == .truncated(needed: 20, available: 19))
        #expect(wireError { _ = try TCPHeader(parsing: Array(good.prefix(39))) } == .badHeaderLength(40))
        var offset = good; offset[12] = 0x40
        #expect(wireError { _ = try TCPHeader(parsing: offset) } == .badHeaderLength(16))
        var badLength = good; badLength[21] = 5 // MSS with length 5
        #expect(wireError { _ = try TCPHeader(parsing: badLength) } != nil)
        var zeroLength = good; zeroLength[21] = 0
        #expect(wireError { _ = try TCPHeader(parsing: zeroLength) } == .malformed("TCP option 2 length 0"))
        var overrun = good; overrun[39] = 0x08; overrun[38] = 0x08 // TS option starting at the last bytes
        #expect(wireError { _ = try TCPHeader(parsing: overrun) } != nil)
    }

    @Test func flagsDescription() {
        #expect(TCPFlags.syn.description == "S")
        #expect(TCPFlags([.syn, .ack]).description == "S.")
        #expect(TCPFlags([.psh, .ack]).description == "P.")
        #expect(TCPFlags(rawValue: 0x11) == [.fin, .ack])
    }
}

/// A real dig query (`dig +noedns +nocookie +noadflag @127.0.0.1 -p 5353
/// dynamodb.us-east-1.amazonaws.com A`) and the answer from a small Python UDP responder,
/// captured with tcpdump on lo. UDP checksums on lo are offload placeholders (fe4d, fe5d); the
/// vectors hold the correct values a2c8 / a760, computed independently in Python.
enum DNSCapture {
    static let queryFrame =
        "000000000000000000000000" + "0800" + "4500004ea02e00004011dc6e7f0000017f000001"
        + "836414e9003aa2c8"
        + "8fed01000001000000000000" + "0864796e616d6f64620975732d656173742d3109616d617a6f6e61777303636f6d00"
        + "00010001"
    static let responseFrame =
        "000000000000000000000000" + "0800" + "4500005e616740004011db257f0000017f000001"
        + "14e98364004aa760"
        + "8fed81800001000100000000" + "0864796e616d6f64620975732d656173742d3109616d617a6f6e61777303636f6d00"
        + "00010001"
        + "c00c000100010000000500" + "0403dab6d4"
    static let name = "dynamodb.us-east-1.amazonaws.com"
    static let client = Endpoint(mac: .zero, ip: IPv4Address(127, 0, 0, 1), port: 0x8364)
    static let server = Endpoint(mac: .zero, ip: IPv4Address(127, 0, 0, 1), port: 5353)
    static let query = DNSMessage.query(id: 0x8FED, name: name)
    static let response = DNSMessage.response(
        to: query, answers: [DNSRecord(name: name, ttl: 5, data: .a(IPv4Address(3, 218, 182, 212)))])
}

@Suite struct UDPTests {
    @Test func constructDigQueryAndResponseFrames() {
        let q = render { DNSCapture.query.encode(into: &$0) }
        #expect(
            hexString(
                udpFrame(from: DNSCapture.client, to: DNSCapture.server, ipID: 0xA02E, dontFragment: false, payload: q))
                == DNSCapture.queryFrame)
        let a = render { DNSCapture.response.encode(into: &$0) }
        #expect(
            hexString(
                udpFrame(from: DNSCapture.server, to: DNSCapture.client, ipID: 0x6167, dontFragment: true, payload: a))
                == DNSCapture.responseFrame)
    }

    @Test func deconstruct() throws {
        let frame = bytes(hex: DNSCapture.responseFrame)
        let (udp, end) = try parse(Array(frame[34...])) { (r: inout ByteReader) throws(WireError) in
            try UDPHeader(parsing: &r)
        }
        #expect(udp == UDPHeader(srcPort: 5353, dstPort: 0x8364, length: 74))
        #expect(end == 8 && udp.payloadLength == 66)
        #expect(
            Array(frame[34...]).withUnsafeBytes {
                TransportChecksum.verify(
                    segment: $0, source: DNSCapture.server.ip, destination: DNSCapture.client.ip,
                    protocolNumber: IPProtocol.udp)
            })
    }

    @Test func roundTripAndRejects() throws {
        var rng = SeededGenerator(seed: 768)
        for _ in 0..<500 {
            let payload = rng.bytes(.random(in: 0...64, using: &rng))
            let h = UDPHeader(
                srcPort: .random(in: 0...UInt16.max, using: &rng), dstPort: .random(in: 0...UInt16.max, using: &rng),
                payloadLength: payload.count)
            #expect(try UDPHeader(parsing: render { h.encode(into: &$0) } + payload) == h)
        }
        let segment = Array(bytes(hex: DNSCapture.queryFrame)[34...])
        #expect(
            wireError { _ = try UDPHeader(parsing: Array(segment.prefix(7))) } == .truncated(needed: 8, available: 7))
        #expect(wireError { _ = try UDPHeader(parsing: Array(segment.dropLast())) } == .badLength(58))
        var tiny = segment; tiny[4] = 0; tiny[5] = 7
        #expect(wireError { _ = try UDPHeader(parsing: tiny) } == .badLength(7))
        var corrupted = segment; corrupted[20] ^= 0x20 // flip case of one name byte
        #expect(
            !corrupted.withUnsafeBytes {
                TransportChecksum.verify(
                    segment: $0, source: DNSCapture.client.ip, destination: DNSCapture.server.ip,
                    protocolNumber: IPProtocol.udp)
            })
    }
}

@Suite struct ICMPTests {
    // Echo request, id 0x1a2b, seq 1, payload "vpcsim-ping!" — built per RFC 792, checksum 9c82
    // computed independently (Python).
    static let echo = "08009c821a2b000176706373696d2d70696e6721"

    @Test func constructAndDeconstruct() throws {
        let payload = Array("vpcsim-ping!".utf8)
        let encoded = render { w in
            payload.withUnsafeBytes {
                ICMPv4Header.echoRequest(identifier: 0x1A2B, sequence: 1).encode(into: &w, payload: $0)
            }
        }
        #expect(hexString(encoded) == Self.echo)
        let parsed = try ICMPv4Header(parsing: bytes(hex: Self.echo))
        #expect(parsed.type == 8 && parsed.code == 0 && parsed.identifier == 0x1A2B && parsed.sequence == 1)
    }

    @Test func roundTripAndRejects() throws {
        var rng = SeededGenerator(seed: 792)
        let kinds: [ICMPv4Header] = [
            .echoReply(identifier: 1, sequence: 2), .destinationUnreachable(code: 3),
            .destinationUnreachable(code: 4, nextHopMTU: 1500), .timeExceeded(),
        ]
        for kind in kinds {
            for _ in 0..<50 {
                let payload = rng.bytes(.random(in: 0...60, using: &rng))
                let message = render { w in payload.withUnsafeBytes { kind.encode(into: &w, payload: $0) } }
                #expect(try ICMPv4Header(parsing: message) == kind)
            }
        }
        var bad = bytes(hex: Self.echo); bad[10] ^= 1
        guard case .badChecksum(let expected, let found)? = wireError({ _ = try ICMPv4Header(parsing: bad) }) else {
            Issue.record("corrupted ICMP accepted"); return
        }
        #expect(found == 0x9C82 && expected != found)
        #expect(
            wireError { _ = try ICMPv4Header(parsing: [8, 0, 0, 0, 0, 0, 0]) } == .truncated(needed: 8, available: 7))
    }

    @Test func patchChecksumForCallerWrittenPayload() throws {
        // Time exceeded quoting the original IPv4 header + 8 bytes, written by the caller.
        let quoted = bytes(hex: LinuxSYN.ipv4) + Array(bytes(hex: LinuxSYN.tcp)[0..<8])
        var message = render { w in
            ICMPv4Header.timeExceeded().encode(into: &w); w.bytes(quoted)
        }
        message.withUnsafeMutableBytes { ICMPv4Header.patchChecksum(message: $0) }
        #expect(try ICMPv4Header(parsing: message) == .timeExceeded())
    }
}
