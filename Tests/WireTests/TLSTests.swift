import Testing
import Wire

/// JA3 of the real boto3 ClientHello, as tshark 4.0 computed it from the loopback capture.
enum RealJA3 {
    static let full =
        "771,4866-4867-4865-49196-49200-49195-49199-52393-52392-49188-49192-49187-49191-159-158-107-103-255,"
        + "0-11-10-16-22-23-49-13-43-45-51-21,29-23-30-25-24-256-257-258-259-260,0-1-2"
    static let hash = "a48c0d5f95b1ef98f560f324fd275da1"
}

private let zeros32 = [UInt8](repeating: 0, count: 32)
private let boto3 = TLSClientProfile.boto3OpenSSL3

@Suite struct TLSClientHelloTests {
    @Test(arguments: ClientHelloVectors.all.map { $0.sni })
    func reproducesCapturedClientHello(sni: String) throws {
        let vector = bytes(hex: try #require(ClientHelloVectors.all.first { $0.sni == sni }).hex)
        let hello = TLSClientHello(
            profile: boto3, serverName: sni, random: zeros32, sessionID: zeros32, keyShares: [zeros32])
        #expect(hello.recordLength == vector.count)
        #expect(boto3.clientHelloRecordLength(serverName: sni) == vector.count)
        #expect(hello.handshakeLength == vector.count - 5)
        let encoded = render { hello.encodeRecord(into: &$0) }
        #expect(hexString(encoded) == hexString(vector))
    }

    @Test func dynamoDBClientHelloFacts() {
        let hello = TLSClientHello(
            profile: boto3, serverName: "dynamodb.us-east-1.amazonaws.com", random: zeros32, sessionID: zeros32,
            keyShares: [zeros32])
        #expect(hello.recordLength == 517 && hello.handshakeLength == 512)
        let encoded = render { hello.encodeRecord(into: &$0) }
        #expect(Array(encoded[0..<5]) == [0x16, 0x03, 0x01, 0x02, 0x00]) // record version TLS 1.0, length 512
        #expect(boto3.cipherSuites.count == 18 && TLSClientProfile.openSSL3SignatureAlgorithms.count == 20)
        #expect(boto3.extensions.map(\.type) == [0, 11, 10, 16, 22, 23, 49, 13, 43, 45, 51, 21])
    }

    @Test func paddingFollowsOpenSSLRule() {
        func length(_ n: Int) -> Int {
            TLSClientHello(
                profile: boto3, serverName: String(repeating: "a", count: n), random: zeros32, sessionID: zeros32,
                keyShares: [zeros32]
            ).handshakeLength
        }
        for n in [1, 16, 100, 221] { #expect(length(n) == 512, "SNI \(n)") }
        #expect(length(222) == 513) // gap of 4: padding body forced to 1 byte
        #expect(length(225) == 516) // gap of 1
        #expect(length(226) == 512) // unpadded exactly 512: no padding extension
        #expect(length(240) == 526)
        #expect(length(0) == 512) // no SNI at all
    }

    @Test func parsesCapturedRecordsAndRejectsOthers() throws {
        var rng = SeededGenerator(seed: 8446)
        for (sni, hex) in ClientHelloVectors.all {
            let parsed = try bytes(hex: hex).withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: boto3) }
            #expect(parsed.serverName == sni)
            #expect(bytes(hex: hex).withUnsafeBytes { TLSClientProfileID.identify($0) } == .boto3OpenSSL3)
            let hello = TLSClientHello(
                profile: boto3, serverName: sni, random: rng.bytes(32), sessionID: rng.bytes(32),
                keyShares: [rng.bytes(32)])
            let round = try render { hello.encodeRecord(into: &$0) }.withUnsafeBytes {
                try TLSClientHello(parsingRecord: $0, profile: boto3)
            }
            #expect(round == hello)
        }
        var otherCipher = bytes(hex: ClientHelloVectors.all[0].hex)
        otherCipher[80] ^= 1
        #expect(throws: WireError.self) {
            try otherCipher.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: boto3) }
        }
        #expect(otherCipher.withUnsafeBytes { TLSClientProfileID.identify($0) } == nil)
        let truncated = Array(bytes(hex: ClientHelloVectors.all[0].hex).dropLast())
        #expect(throws: WireError.self) {
            try truncated.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: boto3) }
        }
    }

    @Test func tsharkJA3OfEncoderEqualsRealJA3() throws {
        // The real (zeroed) vector and a fresh encoding with random fields, each in its own
        // handshake so tshark dissects them as TLS on 443.
        var rng = SeededGenerator(seed: 3)
        let fresh = TLSClientHello(
            profile: boto3, serverName: "dynamodb.us-east-1.amazonaws.com", random: rng.bytes(32),
            sessionID: rng.bytes(32), keyShares: [rng.bytes(32)])
        let records = [bytes(hex: ClientHelloVectors.all[0].hex), render { fresh.encodeRecord(into: &$0) }]
        var pcap = PcapFile()
        for (i, record) in records.enumerated() {
            var c = Conversation(clientPort: UInt16(40_000 + i), start: UInt64(i) * 1_000_000_000)
            c.handshake()
            c.send(fromClient: true, stream: [.plain(record)])
            c.close()
            for (t, frame) in c.frames { pcap.add(frame: frame, nanoseconds: t) }
        }
        let path = temporaryPath("ja3.pcap")
        try pcap.write(to: path)
        try expectNoExpertWarnings(pcap: path)
        let out = try tshark([
            "-r", path, "-Y", "tls.handshake.type == 1", "-T", "fields", "-e", "tls.handshake.ja3_full", "-e",
            "tls.handshake.ja3",
        ])
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [RealJA3.full + "\t" + RealJA3.hash, RealJA3.full + "\t" + RealJA3.hash])
    }
}

@Suite struct TLSRecordTests {
    @Test func recordHeaderRoundTripAndRejects() throws {
        let h = TLSRecordHeader(contentType: 23, legacyVersion: 0x0303, length: 1234)
        let b = render { h.encode(into: &$0) }
        #expect(b == [23, 3, 3, 0x04, 0xD2])
        #expect(try parse(b) { (r: inout ByteReader) throws(WireError) in try TLSRecordHeader(parsing: &r) }.0 == h)
        #expect(
            wireError {
                _ = try parse([23, 3, 3, 0]) { (r: inout ByteReader) throws(WireError) in
                    try TLSRecordHeader(parsing: &r)
                }
            }
                == .truncated(needed: 5, available: 4))
        #expect(
            wireError {
                _ = try parse([24, 3, 3, 0, 1]) { (r: inout ByteReader) throws(WireError) in
                    try TLSRecordHeader(parsing: &r)
                }
            }
                == .malformed("TLS content type 24"))
        #expect(
            wireError {
                _ = try parse([23, 3, 3, 0x41, 0x01]) { (r: inout ByteReader) throws(WireError) in
                    try TLSRecordHeader(parsing: &r)
                }
            }
                == .badLength(0x4101))
        #expect(
            wireError {
                _ = try parse([23, 3, 3, 0, 2, 9]) { (r: inout ByteReader) throws(WireError) in
                    _ = try TLSRecordHeader.parseRecord(&r)
                }
            }
                == .truncated(needed: 2, available: 1))
    }

    @Test func serverHelloEncodesAndParses() throws {
        var rng = SeededGenerator(seed: 2)
        let sh = TLSServerHello(
            random: rng.bytes(32), sessionIDEcho: rng.bytes(32), cipherSuite: TLSCipherSuite.aes128GCMSHA256,
            x25519KeyShare: rng.bytes(32))
        let b = render { sh.encodeRecord(into: &$0) }
        #expect(b.count == 127 && sh.recordLength == 127 && sh.handshakeLength == 122)
        #expect(Array(b[0..<11]) == [0x16, 0x03, 0x03, 0x00, 0x7A, 0x02, 0x00, 0x00, 0x76, 0x03, 0x03])
        #expect(hexString(Array(b[76..<89])) == "1301" + "00" + "002e" + "002b00020304" + "0033")
        #expect(try b.withUnsafeBytes { try TLSServerHello(parsingRecord: $0) } == sh)
        for _ in 0..<100 {
            let s = TLSServerHello(
                random: rng.bytes(32), sessionIDEcho: rng.bytes(.random(in: 0...32, using: &rng)),
                cipherSuite: [0x1301, 0x1302, 0x1303].randomElement(using: &rng)!, x25519KeyShare: rng.bytes(32))
            #expect(
                try render { s.encodeRecord(into: &$0) }.withUnsafeBytes { try TLSServerHello(parsingRecord: $0) } == s)
        }
        var tls12 = b; tls12[86] = 0x03 // supported_versions → 0x0303
        #expect(throws: WireError.self) { try tls12.withUnsafeBytes { try TLSServerHello(parsingRecord: $0) } }
        #expect(throws: WireError.self) {
            try Array(b.dropLast()).withUnsafeBytes { try TLSServerHello(parsingRecord: $0) }
        }
    }

    @Test func changeCipherSpec() {
        let b = render { TLSChangeCipherSpec.encodeRecord(into: &$0) }
        #expect(b == [0x14, 0x03, 0x03, 0x00, 0x01, 0x01])
        #expect(b.count == TLSChangeCipherSpec.recordLength)
        #expect(b.withUnsafeBytes { TLSChangeCipherSpec.isValidRecord($0) })
        #expect(![0x14, 0x03, 0x03, 0x00, 0x01, 0x02].withUnsafeBytes { TLSChangeCipherSpec.isValidRecord($0) })
        #expect(![0x14, 0x03, 0x03, 0x00, 0x01].withUnsafeBytes { TLSChangeCipherSpec.isValidRecord($0) })
    }

    /// An AWS flight with certificates of these DER sizes (the model takes them from the
    /// simulated PKI; any sizes frame the same way).
    static let flight: [Int] = [
        TLSEncryptedExtensions(alpn: "http/1.1").handshakeLength,
        TLSCertificateMessage.handshakeLength(derSizes: [1550, 1122], tls13: true),
        TLSCertificateVerify.handshakeLength(signatureLength: 256), TLSFinished.handshakeLength(verifyDataLength: 48),
    ]

    @Test func flightParsesAsWholeRecords() throws {
        var rng = SeededGenerator(seed: 5)
        let sh = TLSServerHello(
            random: rng.bytes(32), sessionIDEcho: rng.bytes(32), cipherSuite: TLSCipherSuite.aes256GCMSHA384,
            x25519KeyShare: rng.bytes(32))
        let inner = Self.flight
        let flight = render { w in
            sh.encodeRecord(into: &w)
            TLSChangeCipherSpec.encodeRecord(into: &w)
            for (i, n) in inner.enumerated() {
                TLSCiphertext.writeHeader(innerPlaintextLength: n, into: &w)
                TLSCiphertext.fillBody(seed: UInt64(i), from: 0, count: n + TLSCiphertext.overhead, into: &w)
            }
        }
        let records = inner.map { TLSCiphertext.recordLength(innerPlaintextLength: $0) }
        #expect(flight.count == 127 + 6 + records.reduce(0, +))
        let (parsed, end) = try parse(flight) { (r: inout ByteReader) throws(WireError) in
            var out: [(UInt8, Int)] = []
            while !r.isAtEnd {
                let (h, fragment) = try TLSRecordHeader.parseRecord(&r)
                out.append((h.contentType, fragment.count))
            }
            return out
        }
        #expect(end == flight.count)
        #expect(parsed.map { $0.0 } == [22, 20, 23, 23, 23, 23])
        #expect(parsed.map { $0.1 } == [122, 1] + inner.map { $0 + 17 })
        #expect(
            wireError {
                _ = try parse(Array(flight.dropLast())) { (r: inout ByteReader) throws(WireError) in
                    while !r.isAtEnd { _ = try TLSRecordHeader.parseRecord(&r) }
                }
            } == .truncated(needed: 52 + 17, available: 52 + 16))
    }
}

@Suite struct TLSCiphertextTests {
    @Test func headerAndLengths() {
        #expect(TLSCiphertext.recordLength(innerPlaintextLength: 1960) == 1982)
        #expect(
            render { TLSCiphertext.writeHeader(innerPlaintextLength: 1960, into: &$0) } == [
                0x17, 0x03, 0x03, 0x07, 0xB9,
            ])
        #expect(
            render { TLSCiphertext.writeHeader(innerPlaintextLength: 16384, into: &$0) } == [
                0x17, 0x03, 0x03, 0x40, 0x11,
            ])
    }

    @Test func bodyIsAStatelessFunctionOfSeedAndIndex() {
        let seed: UInt64 = 0xD1A0
        let whole = render { TLSCiphertext.fillBody(seed: seed, from: 0, count: 4096, into: &$0) }
        // Byte i is byte i%8 (little endian) of mix(seed, i/8).
        for i in [0, 1, 7, 8, 9, 1000, 4095] {
            #expect(
                whole[i] == UInt8(truncatingIfNeeded: TLSCiphertext.mix(seed, UInt64(i / 8)) >> UInt64(8 * (i % 8))))
        }
        var rng = SeededGenerator(seed: 77)
        for _ in 0..<3000 {
            let a = Int.random(in: 0..<4096, using: &rng)
            let b = Int.random(in: a...4096, using: &rng)
            let c = Int.random(in: b...4096, using: &rng)
            let split = render { w in
                TLSCiphertext.fillBody(seed: seed, from: a, count: b - a, into: &w)
                TLSCiphertext.fillBody(seed: seed, from: b, count: c - b, into: &w)
            }
            let joined = render { TLSCiphertext.fillBody(seed: seed, from: a, count: c - a, into: &$0) }
            #expect(split == joined)
            #expect(joined == Array(whole[a..<c]))
        }
        let other = render { TLSCiphertext.fillBody(seed: seed + 1, from: 0, count: 4096, into: &$0) }
        #expect(zip(whole, other).filter { $0 == $1 }.count < 64) // ~16 expected by chance
        // Roughly uniform bytes: every value appears in 4 KiB, none absurdly often.
        var histogram = [Int](repeating: 0, count: 256)
        for x in whole { histogram[Int(x)] += 1 }
        #expect(histogram.max()! < 45 && histogram.filter { $0 == 0 }.count < 4)
    }

    @Test func recordSlicesIncludingTheHeader() {
        let inner = 300
        let total = TLSCiphertext.recordLength(innerPlaintextLength: inner)
        let whole = render { w in
            TLSCiphertext.writeHeader(innerPlaintextLength: inner, into: &w)
            TLSCiphertext.fillBody(seed: 42, from: 0, count: inner + 17, into: &w)
        }
        #expect(whole.count == total)
        #expect(
            render {
                TLSCiphertext.writeRecordSlice(innerPlaintextLength: inner, seed: 42, from: 0, count: total, into: &$0)
            } == whole)
        for a in 0..<12 {
            for b in [a, a + 1, 5, 6, 13, total] where b >= a && b <= total {
                let slice = render {
                    TLSCiphertext.writeRecordSlice(
                        innerPlaintextLength: inner, seed: 42, from: a, count: b - a, into: &$0)
                }
                #expect(slice == Array(whole[a..<b]), "[\(a), \(b))")
            }
        }
    }

    @Test func sizeConstants() {
        // RFC 8446 §4.3.1, §4.4.2, §4.4.3, §4.4.4 and RFC 7301 §3.1.
        #expect(TLSEncryptedExtensions(alpn: "http/1.1").handshakeLength == 21)
        #expect(TLSEncryptedExtensions(alpn: nil).handshakeLength == 6)
        #expect(TLSCertificateMessage.handshakeLength(derSizes: [1550, 1122], tls13: true) == 2690)
        #expect(TLSCertificateMessage.handshakeLength(derSizes: [1550, 1122], tls13: false) == 2685)
        #expect(TLSCertificateVerify.handshakeLength(signatureLength: 256) == 264)
        #expect(TLSFinished.handshakeLength(verifyDataLength: 48) == 52)
        // RFC 8422 §5.4 and §5.7 with an X25519 point and an RSA-2048 signature.
        #expect(TLSServerKeyExchange.handshakeLength(publicKeyLength: 32, signatureLength: 256) == 300)
        #expect(TLSClientKeyExchange.handshakeLength(publicKeyLength: 32) == 37)
        #expect(TLSServerProfile.awsEndpoint.newSessionTicketLength == 130)
        #expect(
            TLSServerHello.recordLength(sessionIDEchoLength: 32) == 127
                && TLSServerHello.recordLength(sessionIDEchoLength: 0) == 95)
    }

    /// boto3 against each server: TLS 1.3 with AES-256-GCM (observed against DynamoDB), ALPN
    /// http/1.1 where the server speaks it; TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384 with extended
    /// master secret when the server stops at 1.2.
    @Test func negotiation() throws {
        let aws = try TLSNegotiation.negotiate(client: .boto3OpenSSL3, server: .awsEndpoint).get()
        #expect(aws.version == 0x0304 && aws.cipherSuite == 0x1302 && aws.group == TLSNamedGroup.x25519)
        #expect(aws.alpn == "http/1.1" && aws.signatureScheme == TLSSignatureScheme.rsaPSSRSAESHA384)
        #expect(aws.recordOverhead == 17 && aws.verifyDataLength == 48)
        let pg = try TLSNegotiation.negotiate(client: .boto3OpenSSL3, server: .postgreSQL).get()
        #expect(pg.isTLS13 && pg.alpn == nil)
        let tls12 = try TLSNegotiation.negotiate(client: .boto3OpenSSL3, server: .postgreSQLTLS12).get()
        #expect(tls12.version == 0x0303 && tls12.cipherSuite == TLSCipherSuite.ecdheRSAAES256GCMSHA384)
        #expect(tls12.extendedMasterSecret && tls12.renegotiationInfo && tls12.ecPointFormats)
        #expect(tls12.signatureScheme == TLSSignatureScheme.rsaPKCS1SHA256)
        #expect(tls12.recordOverhead == 24 && tls12.verifyDataLength == 12)
        // A server whose suites the client does not offer cannot complete.
        var odd = TLSServerProfile.awsEndpoint
        odd.tls13CipherSuites = [0x1304]
        #expect(TLSNegotiation.negotiate(client: .boto3OpenSSL3, server: odd) == .failure(.noCommonSuite))
    }

    /// RFC 5246 §7.4.1.3 with OpenSSL's extension order; JA3S "771,49200,65281-11-16-23".
    @Test func tls12ServerHello() {
        let sh = TLS12ServerHello(
            random: [UInt8](repeating: 1, count: 32), sessionID: [UInt8](repeating: 2, count: 32),
            cipherSuite: TLSCipherSuite.ecdheRSAAES256GCMSHA384, renegotiationInfo: true, ecPointFormats: [0, 1, 2],
            alpn: "http/1.1", extendedMasterSecret: true)
        let b = render { sh.encodeRecord(into: &$0) }
        // Extensions: renegotiation_info 5, ec_point_formats 8, ALPN 15, extended_master_secret 4.
        #expect(b.count == sh.recordLength && sh.recordLength == 5 + 4 + 2 + 32 + 33 + 2 + 1 + 2 + 32)
        #expect(hexString(Array(b[76..<84])) == "c030" + "00" + "0020" + "ff01" + "00")
    }
}
