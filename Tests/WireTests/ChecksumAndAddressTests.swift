import Testing
import Wire

/// Straightforward RFC 1071 reference: big-endian 16-bit words, end-around carry.
private func referenceSum(_ b: [UInt8]) -> UInt32 {
    var s: UInt32 = 0
    var i = 0
    while i + 1 < b.count { s += UInt32(b[i]) << 8 | UInt32(b[i + 1]); i += 2 }
    if i < b.count { s += UInt32(b[i]) << 8 }
    while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
    return s
}

@Suite struct InternetChecksumTests {
    @Test func rfc1071WorkedExample() {
        // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2; the checksum is its complement.
        let b = bytes(hex: "0001f203f4f5f6f7")
        #expect(InternetChecksum.sum(b) == 0xDDF2)
        #expect(InternetChecksum.finish(InternetChecksum.sum(b)) == 0x220D)
    }

    @Test func rfc1071ExampleSplitAtEvenBoundaryComposes() {
        let b = bytes(hex: "0001f203f4f5f6f7")
        let first = InternetChecksum.sum(Array(b[0..<4]))
        #expect(InternetChecksum.sum(Array(b[4...]), initial: first) == 0xDDF2)
    }

    @Test func realIPv4HeaderSumsToFFFF() {
        // The IPv4 header of a Linux SYN captured on lo (checksum 3c20 as sent by the kernel).
        let header = bytes(hex: "4500003c009a400040063c207f0000017f000001")
        #expect(InternetChecksum.sum(header) == 0xFFFF)
        #expect(InternetChecksum.finish(InternetChecksum.sum(header)) == 0)
    }

    @Test func matchesReferenceForEveryLengthAndAlignment() {
        var rng = SeededGenerator(seed: 1071)
        for length in 0..<200 {
            let data = rng.bytes(length + 7)
            for shift in 0..<8 where shift <= 7 {
                let slice = Array(data[shift..<shift + length])
                let fast = data.withUnsafeBytes { raw in
                    InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: raw[shift..<shift + length]))
                }
                #expect(fast == referenceSum(slice), "length \(length) shift \(shift)")
            }
        }
        // Long buffers of 0xFF exercise carries in the 64-bit accumulator.
        let ones = [UInt8](repeating: 0xFF, count: 65_535)
        #expect(InternetChecksum.sum(ones) == referenceSum(ones))
    }

    @Test func initialValueIsAddedOnesComplement() {
        let b = bytes(hex: "ffff0001")
        #expect(InternetChecksum.sum(b, initial: 0xFFFF) == referenceSum(bytes(hex: "ffff0001ffff")))
    }

    @Test func pseudoHeaderMatchesLinuxPartialChecksum() {
        // On lo, Linux leaves CHECKSUM_PARTIAL segments with the folded pseudo-header sum in the
        // checksum field: the captured SYN (60-byte IP datagram, 40-byte TCP segment) had 0xfe30
        // and the captured DNS query (UDP length 58) had 0xfe4d.
        let lo = IPv4Address(127, 0, 0, 1)
        #expect(
            InternetChecksum.pseudoHeaderSum(source: lo, destination: lo, protocol: IPProtocol.tcp, length: 40)
                == 0xFE30)
        #expect(
            InternetChecksum.pseudoHeaderSum(source: lo, destination: lo, protocol: IPProtocol.udp, length: 58)
                == 0xFE4D)
    }

    @Test func transportVerifyDetectsEverySingleBitFlip() {
        let src = IPv4Address(10, 0, 1, 25), dst = IPv4Address(3, 218, 182, 212)
        var segment = render { w in
            TCPHeader(
                srcPort: 40000, dstPort: 443, seq: 1, ack: 2, flags: [.ack, .psh], window: 500,
                options: TCPOptions(timestamps: TCPTimestamps(value: 5, echo: 6))
            ).encode(into: &w)
            w.bytes(Array("hello, checksum".utf8))
        }
        segment.withUnsafeMutableBytes {
            TransportChecksum.patch(segment: $0, checksumOffset: 16, source: src, destination: dst, protocolNumber: 6)
        }
        #expect(
            segment.withUnsafeBytes {
                TransportChecksum.verify(segment: $0, source: src, destination: dst, protocolNumber: 6)
            })
        // Wrong pseudo-header is detected too.
        #expect(
            !segment.withUnsafeBytes {
                TransportChecksum.verify(
                    segment: $0, source: src, destination: IPv4Address(3, 218, 182, 213), protocolNumber: 6)
            })
        for bit in 0..<(segment.count * 8) {
            var corrupted = segment
            corrupted[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(
                !corrupted.withUnsafeBytes {
                    TransportChecksum.verify(segment: $0, source: src, destination: dst, protocolNumber: 6)
                },
                "bit \(bit)")
        }
    }

    @Test func udpZeroChecksumIsSentAsFFFF() {
        // Find a payload whose checksum computes to zero, then check patch writes 0xFFFF.
        let src = IPv4Address(10, 0, 0, 1), dst = IPv4Address(10, 0, 0, 2)
        var segment = render { w in
            UDPHeader(srcPort: 1, dstPort: 2, payloadLength: 2).encode(into: &w); w.u16(0)
        }
        let c = segment.withUnsafeBytes {
            TransportChecksum.compute(segment: $0, source: src, destination: dst, protocolNumber: 17)
        }
        // Adjust the payload word so that the sum becomes 0xFFFF (checksum 0).
        let adjust = c // adding the missing amount completes the sum
        segment[8] = UInt8(adjust >> 8); segment[9] = UInt8(adjust & 0xFF)
        #expect(
            segment.withUnsafeBytes {
                TransportChecksum.compute(segment: $0, source: src, destination: dst, protocolNumber: 17)
            } == 0)
        segment.withUnsafeMutableBytes {
            TransportChecksum.patch(segment: $0, checksumOffset: 6, source: src, destination: dst, protocolNumber: 17)
        }
        #expect(segment[6] == 0xFF && segment[7] == 0xFF)
        #expect(
            segment.withUnsafeBytes {
                TransportChecksum.verify(segment: $0, source: src, destination: dst, protocolNumber: 17)
            })
    }
}

@Suite struct AddressTests {
    @Test func ipv4ParsesStrictDottedQuads() {
        #expect(IPv4Address("10.0.1.25") == IPv4Address(10, 0, 1, 25))
        #expect(IPv4Address("0.0.0.0")?.raw == 0)
        #expect(IPv4Address("255.255.255.255")?.raw == 0xFFFF_FFFF)
        #expect(IPv4Address("192.168.0.1"[...]) == IPv4Address(192, 168, 0, 1))
        for bad in [
            "", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "1.2.3.00", "256.0.0.1", "1.2.3.4 ",
            " 1.2.3.4", "1..2.3", "1.2.3.", ".1.2.3", "a.b.c.d", "1.2.3.+4", "1.2.3.1000", "1.2.3.-1",
            "0x1.2.3.4",
        ] {
            #expect(IPv4Address(bad) == nil, "\(bad) should be rejected")
        }
    }

    @Test func ipv4DescriptionRoundTrips() {
        #expect(IPv4Address(10, 0, 1, 25).description == "10.0.1.25")
        #expect(IPv4Address(0, 0, 0, 0).description == "0.0.0.0")
        #expect(IPv4Address(255, 255, 255, 255).description == "255.255.255.255")
        var rng = SeededGenerator(seed: 4)
        for _ in 0..<2000 {
            let a = IPv4Address(raw: UInt32.random(in: 0...UInt32.max, using: &rng))
            #expect(IPv4Address(a.description) == a)
        }
        var s = ""
        IPv4Address(172, 31, 0, 2).write(to: &s)
        #expect(s == "172.31.0.2")
        #expect(IPv4Address(10, 0, 0, 1) < IPv4Address(10, 0, 0, 2))
        #expect(IPv4Address(9, 255, 255, 255) < IPv4Address(10, 0, 0, 0))
    }

    @Test func cidrParsesAndCanonicalises() throws {
        let vpc = try #require(CIDR("10.0.0.0/16"))
        #expect(vpc.base == IPAddress(10, 0, 0, 0) && vpc.prefixLength == 16)
        #expect(vpc.description == "10.0.0.0/16")
        let loose = try #require(CIDR.parse("10.0.0.5/16"))
        #expect(loose.cidr == vpc && !loose.wasCanonical)
        #expect(CIDR.parse("10.0.0.0/16")?.wasCanonical == true)
        #expect(CIDR("0.0.0.0/0")?.size == 1 << 32)
        #expect(CIDR("10.1.2.3/32")?.size == 1)
        for bad in [
            "10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/016", "10.0.0/16", "10.0.0.0/1 6",
            "10.0.0.0//16", "/16", "10.0.0.0/-1", "10.0.0.0/16 ",
        ] {
            #expect(CIDR(bad) == nil, "\(bad) should be rejected")
        }
        #expect(CIDR("10.0.0.0/0")?.base == IPAddress(0, 0, 0, 0))
    }

    @Test func cidrArithmetic() throws {
        let vpc = try #require(CIDR("10.0.0.0/16"))
        let subnet = try #require(CIDR("10.0.1.0/24"))
        #expect(vpc.ipv4Netmask == 0xFFFF_0000)
        #expect(CIDR(base: IPv4Address.any, prefixLength: 0).ipv4Netmask == 0)
        #expect(CIDR(base: IPv4Address.any, prefixLength: 32).ipv4Netmask == 0xFFFF_FFFF)
        #expect(vpc.first == IPAddress(10, 0, 0, 0) && vpc.last == IPAddress(10, 0, 255, 255))
        #expect(vpc.size == 65_536)
        #expect(vpc.address(at: 2) == IPAddress(10, 0, 0, 2))
        #expect(subnet.address(at: 255) == IPAddress(10, 0, 1, 255))
        #expect(vpc.contains(IPAddress(10, 0, 200, 7)))
        #expect(!vpc.contains(IPAddress(10, 1, 0, 0)))
        #expect(vpc.contains(subnet) && !subnet.contains(vpc))
        #expect(vpc.overlaps(subnet) && subnet.overlaps(vpc))
        #expect(!subnet.overlaps(try #require(CIDR("10.0.2.0/24"))))
        #expect(try #require(CIDR("0.0.0.0/0")).contains(IPAddress(203, 0, 113, 9)))
        #expect(try #require(CIDR("0.0.0.0/0")).last == IPAddress(IPv4Address.broadcast))
        // Randomised: contains(address) agrees with first...last.
        var rng = SeededGenerator(seed: 16)
        for _ in 0..<2000 {
            let c = CIDR(
                base: IPAddress(ipv4: .random(in: 0...UInt32.max, using: &rng)),
                prefixLength: .random(in: 0...32, using: &rng))
            let a = IPAddress(ipv4: .random(in: 0...UInt32.max, using: &rng))
            #expect(c.contains(a) == (c.first <= a && a <= c.last))
            #expect(c.base.ipv4Raw & ~c.ipv4Netmask == 0)
            #expect(UInt64(c.last.ipv4Raw - c.first.ipv4Raw) + 1 == c.size)
        }
    }

    @Test func macAddress() {
        let mac = MACAddress(0x02, 0x00, 0x0A, 0x00, 0x01, 0x19)
        #expect(mac.raw == 0x0200_0A00_0119)
        #expect(mac.description == "02:00:0a:00:01:19")
        #expect(MACAddress.broadcast.description == "ff:ff:ff:ff:ff:ff")
        #expect(render { mac.encode(into: &$0) } == [0x02, 0x00, 0x0A, 0x00, 0x01, 0x19])
    }

    @Test func byteWriterWritesBigEndianAndPatches() {
        let out = render { w in
            w.u8(1); w.u16(0x0203); w.u24(0x040506); w.u32(0x0708090A); w.u64(0x0B0C0D0E0F101112)
            w.bytes([0x13, 0x14]); w.zeros(2)
            w.patch16(at: 1, 0xBEEF)
            w.patch24(at: 3, 0xA1A2A3)
            w.u64LittleEndian(0x0102030405060708)
        }
        #expect(
            out == [
                1, 0xBE, 0xEF, 0xA1, 0xA2, 0xA3, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 0x13, 0x14, 0, 0,
                8, 7, 6, 5, 4, 3, 2, 1,
            ])
    }

    @Test func byteReaderRejectsTruncation() throws {
        let b: [UInt8] = [1, 2, 3]
        #expect(
            wireError { _ = try parse(b) { (r: inout ByteReader) throws(WireError) in try r.u32() } }
                == .truncated(needed: 4, available: 3))
        let (v, end) = try parse(b) { (r: inout ByteReader) throws(WireError) in (try r.u8(), try r.u16()) }
        #expect(v.0 == 1 && v.1 == 0x0203 && end == 3)
    }
}
