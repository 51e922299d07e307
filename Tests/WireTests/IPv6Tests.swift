// IPAddress and CIDR for both families; the IPv6 header, IPv6 pseudo-header checksums, ICMPv6 and
// neighbor discovery against the kernel frames of IPv6Vectors.swift; and tshark on frames Wire
// builds.
import Foundation
import Testing
import Wire

/// glibc's inet_ntop / inet_pton: an independent implementation to check text against.
private func ntop(_ a: IPAddress) -> String {
    var raw = [UInt8](repeating: 0, count: 16)
    for i in 0..<8 { raw[2 * i] = UInt8(a.group(i) >> 8); raw[2 * i + 1] = UInt8(a.group(i) & 0xFF) }
    var out = [CChar](repeating: 0, count: 64)
    _ = raw.withUnsafeBytes { inet_ntop(AF_INET6, $0.baseAddress, &out, 64) }
    return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private func pton(_ s: String) -> IPAddress? {
    var raw = [UInt8](repeating: 0, count: 16)
    guard inet_pton(AF_INET6, s, &raw) == 1 else { return nil }
    var g = [UInt16](repeating: 0, count: 8)
    for i in 0..<8 { g[i] = UInt16(raw[2 * i]) << 8 | UInt16(raw[2 * i + 1]) }
    return IPAddress(ipv6: g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7])
}

@Suite struct IPAddressTests {
    @Test func ipv4IsHeldMapped() throws {
        let a = IPAddress(10, 0, 1, 25)
        #expect(a.isIPv4 && a.family == .ipv4 && a.ipv4 == IPv4Address(10, 0, 1, 25))
        #expect(a.high == 0 && a.low == 0x0000_FFFF_0A00_0119)
        #expect(IPAddress(IPv4Address(10, 0, 1, 25)) == a && IPAddress(ipv4: 0x0A00_0119) == a)
        #expect(a.description == "10.0.1.25" && IPAddress("10.0.1.25") == a)
        // The mapped text is the same IPv4 address (RFC 4291 §2.5.5.2).
        #expect(IPAddress("::ffff:10.0.1.25") == a && IPAddress("::FFFF:a00:119") == a)
        // IPv4 order is kept: IPv4 addresses sort as their 32-bit values.
        #expect(IPAddress(9, 255, 255, 255) < IPAddress(10, 0, 0, 0))
        #expect(IPAddress(10, 0, 0, 1) < IPAddress(10, 0, 0, 2))
        // Neighbours of the mapped block are IPv6.
        #expect(!IPAddress(ipv6: 0, 0, 0, 0, 0, 0xFFFE, 0x0A00, 1).isIPv4)
        #expect(!IPAddress(ipv6: 0, 0, 0, 0, 1, 0xFFFF, 0x0A00, 1).isIPv4)
        #expect(IPAddress.anyIPv6.family == .ipv6 && IPAddress.anyIPv4.family == .ipv4)
        #expect(IPFamily.ipv4.description == "IPv4" && IPFamily.ipv6.description == "IPv6")
    }

    /// RFC 5952 §4: lower case, no leading zeros, the longest run of two or more zero groups
    /// compressed (the first of equal runs), a single zero group never compressed.
    @Test func ipv6CanonicalText() throws {
        let cases: [(String, String)] = [
            ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"),
            ("2001:0db8::0001", "2001:db8::1"),
            ("2001:DB8::1", "2001:db8::1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("0:0:0:0:0:0:0:0", "::"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("1:0:0:0:0:0:0:0", "1::"),
            ("fe80:0:0:0:2cd4:85ff:fece:7ea9", "fe80::2cd4:85ff:fece:7ea9"),
            ("2001:db8:1234:a100:8d6e:3477:df66:f105", "2001:db8:1234:a100:8d6e:3477:df66:f105"),
            ("ff02::1:ff00:1", "ff02::1:ff00:1"),
            ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ]
        for (input, canonical) in cases {
            let a = try #require(IPAddress(input), "\(input) should parse")
            #expect(a.family == .ipv6)
            #expect(a.description == canonical, "\(input)")
            #expect(IPAddress(canonical) == a)
        }
    }

    @Test func ipv6ParserRejectsMalformedText() {
        for bad in [
            ":", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1::", "1::2:", "1:2:3:4:5:6:7:8:",
            "12345::", "g::1", "::1%eth0", "2001:db8::/32", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "::1.2.3.4:5",
            "1:2:3:4:5:6:7::8", " ::1", "::1 ",
        ] {
            #expect(IPAddress(bad) == nil, "\(bad) should be rejected")
        }
        #expect(IPAddress("1:2:3:4:5:6:7::") != nil) // "::" for one group is allowed on input
        #expect(IPAddress("1:2:3:4:5:6:1.2.3.4") == IPAddress(ipv6: 1, 2, 3, 4, 5, 6, 0x102, 0x304))
    }

    /// Random addresses with zero runs of every length and place: the text agrees with glibc's
    /// inet_ntop (itself RFC 5952-compatible) and parses back; expanded and upper-case forms parse
    /// to the same address, as glibc's inet_pton reads them.
    @Test func ipv6TextAgreesWithGlibc() throws {
        var rng = SeededGenerator(seed: 5952)
        for _ in 0..<5000 {
            var g = (0..<8).map { _ in UInt16.random(in: 0...UInt16.max, using: &rng) }
            for i in 0..<8 where Int.random(in: 0..<3, using: &rng) == 0 { g[i] = 0 }
            if Int.random(in: 0..<4, using: &rng) == 0 { g[Int.random(in: 0..<8, using: &rng)] = 0 }
            let a = IPAddress(ipv6: g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7])
            // glibc writes ::a.b.c.d and ::ffff:a.b.c.d in mixed notation; the first is a
            // deprecated IPv4-compatible address and the second is IPv4 here.
            if g[0...4].allSatisfy({ $0 == 0 }) && (g[5] == 0 || g[5] == 0xFFFF) { continue }
            #expect(a.description == ntop(a), "groups \(g)")
            #expect(IPAddress(a.description) == a)
            let expanded = g.map { String($0, radix: 16, uppercase: true) }.joined(separator: ":")
            #expect(IPAddress(expanded) == a && pton(expanded) == a)
        }
    }

    @Test func solicitedNodeAndMulticastMAC() throws {
        #expect(KernelIPv6.router.solicitedNodeMulticast.description == "ff02::1:ff00:1")
        #expect(MACAddress(ipv6Multicast: KernelIPv6.router.solicitedNodeMulticast).description == "33:33:ff:00:00:01")
        #expect(IPAddress.allNodes.isMulticast && !KernelIPv6.a.isMulticast && !IPAddress(10, 0, 0, 1).isMulticast)
        let fe80 = try #require(IPAddress("fe80::2cd4:85ff:fece:7ea9"))
        #expect(fe80.solicitedNodeMulticast.description == "ff02::1:ffce:7ea9")
    }
}

@Suite struct IPv6CIDRTests {
    @Test func parsesAndCanonicalises() throws {
        let c = try #require(CIDR("2001:db8:1234:1a00::/56"))
        #expect(c.family == .ipv6 && c.prefixLength == 56 && c.description == "2001:db8:1234:1a00::/56")
        let loose = try #require(CIDR.parse("2001:db8:1234:1a42::7/56"))
        #expect(loose.cidr == c && !loose.wasCanonical)
        #expect(CIDR("::/0")?.prefixLength == 0 && CIDR("2001:db8::1/128")?.size == 1)
        #expect(CIDR("2001:db8::/64")?.size == .max) // 2^64 saturates
        #expect(CIDR("2001:db8::/65")?.size == 1 << 63)
        for bad in ["2001:db8::/129", "2001:db8::/064", "2001:db8::", "::ffff:10.0.0.0/104", "::ffff:0:0/96", "::/"] {
            #expect(CIDR(bad) == nil, "\(bad) should be rejected")
        }
    }

    @Test func containsAndFamilies() throws {
        let subnet = try #require(CIDR("2001:db8:1234:1a00::/64"))
        #expect(subnet.contains(try #require(IPAddress("2001:db8:1234:1a00:8d6e:3477:df66:f105"))))
        #expect(!subnet.contains(try #require(IPAddress("2001:db8:1234:1a01::1"))))
        #expect(subnet.first.description == "2001:db8:1234:1a00::")
        #expect(subnet.last.description == "2001:db8:1234:1a00:ffff:ffff:ffff:ffff")
        #expect(subnet.address(at: 5).description == "2001:db8:1234:1a00::5")
        #expect(subnet.offset(of: subnet.address(at: 77)) == 77)
        // The two families never match each other, whatever the bits say (AWS: ::/0 and
        // 0.0.0.0/0 are separate routes).
        let all6 = try #require(CIDR("::/0")), all4 = try #require(CIDR("0.0.0.0/0"))
        #expect(!all6.contains(IPAddress(10, 0, 0, 1)) && !all6.contains(IPAddress(0, 0, 0, 0)))
        #expect(!all4.contains(KernelIPv6.a) && all6.contains(KernelIPv6.a) && all4.contains(IPAddress(10, 0, 0, 1)))
        #expect(!all6.contains(all4) && !all4.contains(all6) && !all6.overlaps(all4))
        #expect(all6.contains(subnet) && !subnet.contains(all6) && subnet.overlaps(all6))
        // Randomised: contains agrees with first...last within the family.
        var rng = SeededGenerator(seed: 4291)
        for _ in 0..<2000 {
            let base = IPAddress(high: rng.next(), low: rng.next())
            guard !base.isIPv4 else { continue }
            let c = CIDR(base: base, prefixLength: .random(in: 0...128, using: &rng))
            let near = c.base.adding(rng.next() >> UInt64.random(in: 0...63, using: &rng))
            for a in [IPAddress(high: rng.next(), low: rng.next()), near] where !a.isIPv4 {
                #expect(c.contains(a) == (c.first <= a && a <= c.last))
            }
        }
    }
}

@Suite struct IPv6HeaderTests {
    static let echoHeader = IPv6Header(
        flowLabel: 0xCF2C6, payloadLength: 24, nextHeader: IPProtocol.icmpv6, hopLimit: 64,
        source: KernelIPv6.a, destination: KernelIPv6.b)

    @Test func constructMatchesKernel() {
        #expect(
            hexString(render { Self.echoHeader.encode(into: &$0) }) == hexString(bytes(hex: KernelIPv6.echoRequest.ip)))
        #expect(Self.echoHeader.totalLength == 64)
    }

    @Test func deconstructKernel() throws {
        let (h, end) = try parse(KernelIPv6.echoReply.ipPacket) { (r: inout ByteReader) throws(WireError) in
            try IPv6Header(parsing: &r)
        }
        #expect(end == 40)
        #expect(h.source == KernelIPv6.b && h.destination == KernelIPv6.a && h.hopLimit == 63)
        #expect(h.nextHeader == IPProtocol.icmpv6 && h.payloadLength == 24 && h.flowLabel == 0x970D8)
        #expect(h.trafficClass == 0)
    }

    @Test func roundTrip() throws {
        var rng = SeededGenerator(seed: 8200)
        for _ in 0..<500 {
            let h = IPv6Header(
                trafficClass: .random(in: 0...255, using: &rng), flowLabel: .random(in: 0..<(1 << 20), using: &rng),
                payloadLength: 0, nextHeader: .random(in: 0...255, using: &rng),
                hopLimit: .random(in: 0...255, using: &rng), source: IPAddress(high: rng.next(), low: rng.next()),
                destination: IPAddress(high: rng.next(), low: rng.next()))
            #expect(try IPv6Header(parsing: render { h.encode(into: &$0) }) == h)
        }
    }

    @Test func truncatedAndMalformed() {
        let packet = KernelIPv6.echoRequest.ipPacket
        #expect(
            wireError { _ = try IPv6Header(parsing: Array(packet.prefix(39))) } == .truncated(needed: 40, available: 39)
        )
        var v4 = packet
        v4[0] = 0x45
        #expect(wireError { _ = try IPv6Header(parsing: v4) } == .badVersion(4))
        // Payload Length says 24; one byte of the payload missing.
        #expect(wireError { _ = try IPv6Header(parsing: Array(packet.dropLast())) } == .badLength(24))
    }
}

@Suite struct IPv6ChecksumTests {
    /// TCP and UDP over IPv6 cover the RFC 8200 §8.1 pseudo-header: rebuilt from their fields,
    /// the kernel's segments come out byte for byte.
    @Test func tcpAndUDPMatchKernel() throws {
        let syn = TCPHeader(
            srcPort: 59898, dstPort: 8080, seq: 0xFB80_2183, ack: 0, flags: .syn, window: 64660,
            options: TCPOptions(
                mss: 1220, sackPermitted: true, windowScale: 10,
                timestamps: TCPTimestamps(value: 0x185D_D2E4, echo: 0)))
        let segment = render { w in
            syn.encode(into: &w)
            TransportChecksum.patch(
                segment: w.written(from: 0), checksumOffset: TCPHeader.Field.checksum, source: KernelIPv6.a,
                destination: KernelIPv6.b, protocolNumber: IPProtocol.tcp)
        }
        #expect(hexString(segment) == hexString(KernelIPv6.syn.upper))
        let data = TCPHeader(
            srcPort: 59898, dstPort: 8080, seq: 0xFB80_2184, ack: 0x7F81_BF6F, flags: [.psh, .ack], window: 64,
            options: TCPOptions(timestamps: TCPTimestamps(value: 0x185D_D2E4, echo: 0xE8A8_A978)))
        let dataSegment = render { w in
            data.encode(into: &w)
            w.bytes(Array("hello".utf8))
            TransportChecksum.patch(
                segment: w.written(from: 0), checksumOffset: TCPHeader.Field.checksum, source: KernelIPv6.a,
                destination: KernelIPv6.b, protocolNumber: IPProtocol.tcp)
        }
        #expect(hexString(dataSegment) == hexString(KernelIPv6.data.upper))
        let datagram = render { w in
            UDPHeader(srcPort: 53050, dstPort: 9, payloadLength: 8).encode(into: &w)
            w.bytes(Array("hello v6".utf8))
            TransportChecksum.patch(
                segment: w.written(from: 0), checksumOffset: UDPHeader.Field.checksum, source: KernelIPv6.a,
                destination: KernelIPv6.b, protocolNumber: IPProtocol.udp)
        }
        #expect(hexString(datagram) == hexString(KernelIPv6.udpToClosedPort.upper))
        // Every received segment verifies, and not with another sender (the pseudo-header counts).
        for (frame, src, dst, proto) in [
            (KernelIPv6.syn, KernelIPv6.a, KernelIPv6.b, IPProtocol.tcp),
            (KernelIPv6.synAck, KernelIPv6.b, KernelIPv6.a, IPProtocol.tcp),
            (KernelIPv6.data, KernelIPv6.a, KernelIPv6.b, IPProtocol.tcp),
            (KernelIPv6.udpToClosedPort, KernelIPv6.a, KernelIPv6.b, IPProtocol.udp),
        ] {
            #expect(
                frame.upper.withUnsafeBytes {
                    TransportChecksum.verify(segment: $0, source: src, destination: dst, protocolNumber: proto)
                })
            #expect(
                !frame.upper.withUnsafeBytes {
                    TransportChecksum.verify(
                        segment: $0, source: KernelIPv6.router, destination: dst, protocolNumber: proto)
                })
        }
    }

    /// A UDP checksum of zero means "none" over IPv4 but is invalid over IPv6 (RFC 8200 §8.1).
    @Test func zeroUDPChecksumOnlyOverIPv4() {
        var datagram = KernelIPv6.udpToClosedPort.upper
        datagram[6] = 0; datagram[7] = 0
        datagram.withUnsafeBytes { d in
            #expect(
                !TransportChecksum.verify(
                    segment: d, source: KernelIPv6.a, destination: KernelIPv6.b, protocolNumber: IPProtocol.udp))
            #expect(
                TransportChecksum.verify(
                    segment: d, source: IPAddress(10, 0, 0, 1), destination: IPAddress(10, 0, 0, 2),
                    protocolNumber: IPProtocol.udp))
        }
    }

    /// The family-generic pseudo-header of two IPv4 addresses is exactly IPv4's.
    @Test func genericPseudoHeaderKeepsIPv4() {
        var rng = SeededGenerator(seed: 793)
        for _ in 0..<1000 {
            let s = IPv4Address(raw: rng.next32()), d = IPv4Address(raw: rng.next32())
            let n = Int.random(in: 0...0xFFFF, using: &rng)
            #expect(
                InternetChecksum.pseudoHeaderSum(
                    source: IPAddress(s), destination: IPAddress(d), protocol: 6, length: n)
                    == InternetChecksum.pseudoHeaderSum(source: s, destination: d, protocol: 6, length: n))
        }
    }
}

@Suite struct ICMPv6Tests {
    @Test func echoConstructAndParse() throws {
        let payload = bytes(hex: "000102030405060708090a0b0c0d0e0f")
        let request = payload.withUnsafeBytes { p in
            render {
                ICMPv6Header.echoRequest(identifier: 0x1234, sequence: 1).encode(
                    into: &$0, source: KernelIPv6.a, destination: KernelIPv6.b, payload: p)
            }
        }
        #expect(hexString(request) == hexString(KernelIPv6.echoRequest.upper))
        let reply = try ICMPv6Header(
            parsing: KernelIPv6.echoReply.upper, source: KernelIPv6.b, destination: KernelIPv6.a)
        #expect(reply == .echoReply(identifier: 0x1234, sequence: 1) && !reply.isError)
        // The pseudo-header is covered: the right bytes from the wrong source do not verify.
        #expect(
            wireError {
                _ = try ICMPv6Header(
                    parsing: KernelIPv6.echoReply.upper, source: KernelIPv6.a, destination: KernelIPv6.a)
            }
                != nil)
        var flipped = KernelIPv6.echoReply.upper
        flipped[9] ^= 0x01
        #expect(
            wireError { _ = try ICMPv6Header(parsing: flipped, source: KernelIPv6.b, destination: KernelIPv6.a) }
                == .badChecksum(expected: 0xD8AE, found: 0xD8AD))
        #expect(
            wireError {
                _ = try ICMPv6Header(
                    parsing: Array(KernelIPv6.echoReply.upper.prefix(7)), source: KernelIPv6.b,
                    destination: KernelIPv6.a)
            }
                == .truncated(needed: 8, available: 7))
    }

    /// Packet Too Big quotes as much of the invoking packet as fits in 1,280 bytes (RFC 4443
    /// §2.4 (c)); rebuilt from the datagram, it is R's message byte for byte.
    @Test func packetTooBigMatchesKernel() throws {
        let invoking = bytes(hex: KernelIPv6.bigDatagramHeaders) + [UInt8](repeating: 0x5A, count: 1400)
        let quoted = ICMPv6Header.quotedLength(invokingPacketLength: invoking.count)
        #expect(quoted == 1232)
        let message = invoking.prefix(quoted).withUnsafeBytes { q in
            render {
                ICMPv6Header.packetTooBig(mtu: 1280).encode(
                    into: &$0, source: KernelIPv6.router, destination: KernelIPv6.a, payload: q)
            }
        }
        #expect(message.count == 1240 && 40 + message.count == ICMPv6Header.minimumMTU)
        #expect(hexString(Array(message.prefix(8))) == hexString(KernelIPv6.packetTooBigHeaders.upper))
        let parsed = try ICMPv6Header(parsing: message, source: KernelIPv6.router, destination: KernelIPv6.a)
        #expect(parsed.type == ICMPv6Header.MessageType.packetTooBig && parsed.mtu == 1280 && parsed.isError)
        #expect(try IPv6Header(parsing: bytes(hex: KernelIPv6.packetTooBigHeaders.ip) + message).payloadLength == 1240)
    }

    @Test func portUnreachableMatchesKernel() throws {
        let quoted = bytes(hex: KernelIPv6.portUnreachable.rest).dropFirst(8)
        let message = Array(quoted).withUnsafeBytes { q in
            render {
                ICMPv6Header.destinationUnreachable(code: 4).encode(
                    into: &$0, source: KernelIPv6.b, destination: KernelIPv6.a, payload: q)
            }
        }
        #expect(hexString(message) == hexString(KernelIPv6.portUnreachable.upper))
        #expect(ICMPv6Header.timeExceeded().type == 3 && ICMPv6Header.parameterProblem(code: 1, pointer: 6).rest == 6)
    }
}

@Suite struct NeighborDiscoveryTests {
    @Test func solicitationMatchesKernel() throws {
        let ns = NeighborDiscoveryMessage.solicitation(for: KernelIPv6.router, from: KernelIPv6.macA)
        let destination = KernelIPv6.router.solicitedNodeMulticast
        let message = render { ns.encode(into: &$0, source: KernelIPv6.a, destination: destination) }
        #expect(hexString(message) == hexString(KernelIPv6.neighborSolicitation.upper))
        #expect(message.count == ns.encodedLength)
        let parsed = try NeighborDiscoveryMessage(
            parsing: KernelIPv6.neighborSolicitation.upper, source: KernelIPv6.a, destination: destination,
            hopLimit: 255)
        #expect(parsed == ns)
        let frame = try EthernetHeader(parsing: KernelIPv6.neighborSolicitation.all)
        #expect(frame.destination == MACAddress(ipv6Multicast: destination) && frame.etherType == EtherType.ipv6)
    }

    @Test func advertisementMatchesKernel() throws {
        let na = NeighborDiscoveryMessage.advertisement(of: KernelIPv6.router, at: KernelIPv6.macRouter, router: true)
        let message = render { na.encode(into: &$0, source: KernelIPv6.router, destination: KernelIPv6.a) }
        #expect(hexString(message) == hexString(KernelIPv6.neighborAdvertisement.upper))
        let parsed = try NeighborDiscoveryMessage(
            parsing: KernelIPv6.neighborAdvertisement.upper, source: KernelIPv6.router, destination: KernelIPv6.a,
            hopLimit: 255)
        #expect(parsed.kind == .advertisement(router: true, solicited: true, override: true))
        #expect(parsed.linkLayerAddress == KernelIPv6.macRouter && parsed.target == KernelIPv6.router)
    }

    /// RFC 4861 §7.1: hop limit 255, code 0, no option of length 0, no multicast target.
    @Test func validation() throws {
        let na = KernelIPv6.neighborAdvertisement.upper
        let (src, dst) = (KernelIPv6.router, KernelIPv6.a)
        #expect(
            wireError { _ = try NeighborDiscoveryMessage(parsing: na, source: src, destination: dst, hopLimit: 254) }
                != nil)
        func resigned(_ edit: (inout [UInt8]) -> Void) -> [UInt8] {
            var m = na
            edit(&m)
            m.withUnsafeMutableBytes { ICMPv6Header.patchChecksum(message: $0, source: src, destination: dst) }
            return m
        }
        let zeroLengthOption = resigned { $0[25] = 0 }
        #expect(
            wireError {
                _ = try NeighborDiscoveryMessage(
                    parsing: zeroLengthOption, source: src, destination: dst, hopLimit: 255)
            }
                == .malformed("neighbor discovery option of length 0"))
        let multicastTarget = resigned { $0[8] = 0xFF }
        #expect(
            wireError {
                _ = try NeighborDiscoveryMessage(parsing: multicastTarget, source: src, destination: dst, hopLimit: 255)
            }
                == .malformed("neighbor discovery target is multicast"))
        let code1 = resigned { $0[1] = 1 }
        #expect(
            wireError { _ = try NeighborDiscoveryMessage(parsing: code1, source: src, destination: dst, hopLimit: 255) }
                == .malformed("neighbor discovery code 1"))
        let truncated = resigned { $0.removeLast(9) } // cut inside the target address
        #expect(
            wireError {
                _ = try NeighborDiscoveryMessage(parsing: truncated, source: src, destination: dst, hopLimit: 255)
            }
                == .truncated(needed: 8, available: 7))
        // An unknown option is skipped; the message still parses without a link-layer address.
        let unknownOption = resigned { $0[24] = 14 }
        let parsed = try NeighborDiscoveryMessage(parsing: unknownOption, source: src, destination: dst, hopLimit: 255)
        #expect(parsed.linkLayerAddress == nil)
    }
}

/// Frames Wire builds for IPv6 — TCP, UDP, ICMPv6 echo and errors, neighbor discovery — dissected
/// by the real tshark with checksum validation on: no malformed packets, no warnings.
@Suite struct IPv6TsharkTests {
    static func frame(
        from src: (MACAddress, IPAddress), to dst: (MACAddress, IPAddress), nextHeader: UInt8, hopLimit: UInt8 = 64,
        upper: (inout ByteWriter) -> Void
    ) -> [UInt8] {
        let body = render(upper)
        return render { w in
            EthernetHeader(destination: dst.0, source: src.0, etherType: EtherType.ipv6).encode(into: &w)
            IPv6Header(
                payloadLength: UInt16(body.count), nextHeader: nextHeader, hopLimit: hopLimit, source: src.1,
                destination: dst.1
            ).encode(into: &w)
            w.bytes(body)
        }
    }

    @Test func tsharkDissectsWireIPv6() throws {
        let client = (MACAddress(0x02, 0, 0, 0, 0, 0x0a), try #require(IPAddress("2600:1f18:1234:1a00::25")))
        let server = (MACAddress(0x0e, 0, 0, 0, 0, 0x01), try #require(IPAddress("2600:1f18:8000::6")))
        var frames: [[UInt8]] = []
        let nsTarget = server.1
        frames.append(
            Self.frame(
                from: client,
                to: (MACAddress(ipv6Multicast: nsTarget.solicitedNodeMulticast), nsTarget.solicitedNodeMulticast),
                nextHeader: IPProtocol.icmpv6, hopLimit: 255
            ) {
                NeighborDiscoveryMessage.solicitation(for: nsTarget, from: client.0).encode(
                    into: &$0, source: client.1, destination: nsTarget.solicitedNodeMulticast)
            })
        frames.append(
            Self.frame(from: server, to: client, nextHeader: IPProtocol.icmpv6, hopLimit: 255) {
                NeighborDiscoveryMessage.advertisement(of: nsTarget, at: server.0, router: true).encode(
                    into: &$0, source: server.1, destination: client.1)
            })
        let syn = TCPHeader(
            srcPort: 40000, dstPort: 443, seq: 1000, ack: 0, flags: .syn, window: 62727,
            options: TCPOptions(
                mss: 1440, sackPermitted: true, windowScale: 7, timestamps: TCPTimestamps(value: 1, echo: 0)))
        frames.append(
            Self.frame(from: client, to: server, nextHeader: IPProtocol.tcp) { w in
                syn.encode(into: &w)
                TransportChecksum.patch(
                    segment: w.written(from: 0), checksumOffset: TCPHeader.Field.checksum, source: client.1,
                    destination: server.1, protocolNumber: IPProtocol.tcp)
            })
        frames.append(
            Self.frame(from: client, to: server, nextHeader: IPProtocol.udp) { w in
                UDPHeader(srcPort: 50000, dstPort: 50001, payloadLength: 3).encode(into: &w)
                w.bytes([1, 2, 3])
                TransportChecksum.patch(
                    segment: w.written(from: 0), checksumOffset: UDPHeader.Field.checksum, source: client.1,
                    destination: server.1, protocolNumber: IPProtocol.udp)
            })
        let echoData = [UInt8](repeating: 0x61, count: 56)
        for header in [ICMPv6Header.echoRequest(identifier: 7, sequence: 1), .echoReply(identifier: 7, sequence: 1)] {
            let (s, d) = header.type == 128 ? (client, server) : (server, client)
            frames.append(
                Self.frame(from: s, to: d, nextHeader: IPProtocol.icmpv6) { w in
                    echoData.withUnsafeBytes { header.encode(into: &w, source: s.1, destination: d.1, payload: $0) }
                })
        }
        // Packet Too Big from the router, quoting a full-size TCP segment from the client.
        let invoking = Array(
            Self.frame(from: client, to: server, nextHeader: IPProtocol.tcp) { w in
                TCPHeader(srcPort: 40000, dstPort: 443, seq: 1001, ack: 5, flags: [.ack], window: 500).encode(into: &w)
                w.bytes([UInt8](repeating: 0x17, count: 1400))
                TransportChecksum.patch(
                    segment: w.written(from: 0), checksumOffset: TCPHeader.Field.checksum, source: client.1,
                    destination: server.1, protocolNumber: IPProtocol.tcp)
            }.dropFirst(14))
        frames.append(
            Self.frame(from: server, to: client, nextHeader: IPProtocol.icmpv6) { w in
                invoking.prefix(ICMPv6Header.quotedLength(invokingPacketLength: invoking.count)).withUnsafeBytes {
                    ICMPv6Header.packetTooBig(mtu: 1280).encode(
                        into: &w, source: server.1, destination: client.1, payload: $0)
                }
            })
        var pcap = PcapFile()
        for (i, f) in frames.enumerated() {
            pcap.add(frame: f, nanoseconds: 1_700_000_000_000_000_000 + UInt64(i) * 1000)
        }
        let path = temporaryPath("ipv6-wire.pcap")
        try pcap.write(to: path)
        try expectNoExpertWarnings(pcap: path)
        let fields = try tshark([
            "-r", path, "-T", "fields", "-E", "occurrence=f", "-e", "ipv6.src", "-e", "icmpv6.type", "-e",
            "_ws.col.Protocol",
        ])
        #expect(fields.status == 0)
        let rows = fields.stdout.split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false)
        }
        #expect(rows.count == frames.count, "\(fields.stdout)")
        #expect(
            rows.map { String($0[0]) } == [
                "2600:1f18:1234:1a00::25", "2600:1f18:8000::6", "2600:1f18:1234:1a00::25", "2600:1f18:1234:1a00::25",
                "2600:1f18:1234:1a00::25", "2600:1f18:8000::6", "2600:1f18:8000::6",
            ])
        #expect(rows.map { String($0[1]) } == ["135", "136", "", "", "128", "129", "2"])
    }
}
