import Testing
import Wire

/// A made-up client that exercises what boto3's profile does not: no compatibility mode, two key
/// shares, no padding, extensions boto3 leaves out, and a fixed-body extension.
private let synthetic = TLSClientProfile(
    name: "test client",
    recordVersion: 0x0303,
    sessionIDLength: 0,
    cipherSuites: [0x1301, 0x1302, 0x1303, 0xC02B],
    extensions: [
        .serverName, .statusRequest, .supportedGroups([0x001D, 0x0017]), .ecPointFormats([0]),
        .signatureAlgorithms([0x0403, 0x0804]), .renegotiationInfo, .sessionTicket, .alpn(["h2", "http/1.1"]),
        .supportedVersions([0x0304]), .keyShare([TLSNamedGroup.x25519, TLSNamedGroup.secp256r1]),
        .pskKeyExchangeModes([1]), .fixed(type: 28, body: [0x40, 0x01]), // record_size_limit 16385
    ],
    padding: .none,
    records: TLSRecordHabits(maximumPlaintext: 4096, separateHeaderAndBodyRecords: false))

private func hello(_ profile: TLSClientProfile, _ name: String, _ rng: inout SeededGenerator) -> TLSClientHello {
    TLSClientHello(
        profile: profile, serverName: name, random: rng.bytes(32), sessionID: rng.bytes(profile.sessionIDLength),
        keyShares: profile.keyShareGroups.map { rng.bytes(TLSNamedGroup.keyExchangeLength($0)!) })
}

@Suite struct TLSClientProfileTests {
    @Test func encoderFollowsTheProfileAndParserRoundTrips() throws {
        var rng = SeededGenerator(seed: 8701)
        for name in ["", "a.example", "dynamodb.eu-west-1.amazonaws.com", String(repeating: "b", count: 300)] {
            let h = hello(synthetic, name, &rng)
            let record = render { h.encodeRecord(into: &$0) }
            #expect(
                record.count == h.recordLength && record.count == synthetic.clientHelloRecordLength(serverName: name))
            #expect(Array(record[0..<3]) == [0x16, 0x03, 0x03])
            #expect(record[5] == 1 && record[5 + 4 + 2 + 32] == 0) // ClientHello, empty session id
            let parsed = try record.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: synthetic) }
            #expect(parsed == h)
            #expect(parsed.keyShares.map(\.count) == [32, 65])
            // Not boto3's layout, and not a registered client.
            #expect(throws: WireError.self) {
                try record.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: .boto3OpenSSL3) }
            }
            #expect(record.withUnsafeBytes { TLSClientProfileID.identify($0) } == nil)
        }
        let h = hello(synthetic, "a.example", &rng)
        let hex = hexString(render { h.encodeRecord(into: &$0) })
        #expect(hex.contains("000500050100000000")) // status_request: OCSP, empty lists
        #expect(hex.contains("ff01000100")) // renegotiation_info, empty
        #expect(hex.contains("002300000010000e000c02683208687474702f312e31")) // session_ticket, then ALPN h2, http/1.1
        #expect(hex.contains("0033006b0069001d0020")) // key_share: 2 + (4 + 32) + (4 + 65)
        #expect(hex.hasSuffix("001c00024001")) // the fixed extension, last
        #expect(!hex.contains("0015")) // no padding
    }

    @Test func anotherOrderIsAnotherProfile() throws {
        var rng = SeededGenerator(seed: 1)
        var reordered = synthetic
        reordered.extensions.swapAt(1, 2)
        let record = render { hello(reordered, "a.example", &rng).encodeRecord(into: &$0) }
        #expect(throws: WireError.self) {
            try record.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: synthetic) }
        }
        #expect(
            try record.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: reordered) }.serverName
                == "a.example")
        var oneShare = synthetic
        oneShare.extensions[9] = .keyShare([TLSNamedGroup.x25519])
        #expect(
            wireError {
                _ = try render { hello(synthetic, "a.example", &rng).encodeRecord(into: &$0) }
                    .withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: oneShare) }
            } != nil)
    }

    @Test func paddingRuleAndSlot() {
        let rule = TLSPaddingRule.openSSL(above: 0xFF, target: 0x200)
        #expect(rule.bodyLength(unpaddedHandshakeLength: 255) == nil)
        #expect(rule.bodyLength(unpaddedHandshakeLength: 256) == 252)
        #expect(rule.bodyLength(unpaddedHandshakeLength: 318) == 190)
        #expect(rule.bodyLength(unpaddedHandshakeLength: 508) == 1)
        #expect(rule.bodyLength(unpaddedHandshakeLength: 511) == 1)
        #expect(rule.bodyLength(unpaddedHandshakeLength: 512) == nil)
        #expect(TLSPaddingRule.none.bodyLength(unpaddedHandshakeLength: 300) == nil)
        // boto3's hello for DynamoDB is 318 bytes before padding; without the padding slot the
        // rule has nowhere to write.
        let name = "dynamodb.us-east-1.amazonaws.com"
        var unpadded = TLSClientProfile.boto3OpenSSL3
        unpadded.extensions.removeAll { $0 == .padding }
        #expect(unpadded.clientHelloRecordLength(serverName: name) == 5 + 318)
        #expect(TLSClientProfile.boto3OpenSSL3.clientHelloRecordLength(serverName: name) == 5 + 512)
    }

    @Test func tsharkReadsTheProfileFromTheBytes() throws {
        var rng = SeededGenerator(seed: 9)
        let record = render { hello(synthetic, "a.example", &rng).encodeRecord(into: &$0) }
        var pcap = PcapFile()
        var c = Conversation(clientPort: 41_000, start: 0)
        c.handshake()
        c.send(fromClient: true, stream: [.plain(record)])
        c.close()
        for (t, frame) in c.frames { pcap.add(frame: frame, nanoseconds: t) }
        let path = temporaryPath("synthetic-hello.pcap")
        try pcap.write(to: path)
        try expectNoExpertWarnings(pcap: path)
        let out = try tshark([
            "-r", path, "-Y", "tls.handshake.type == 1", "-T", "fields", "-e", "tls.handshake.ja3_full",
            "-e", "tls.handshake.extensions_server_name",
        ])
        // JA3: version, suites, extension types in order, groups, point formats (all from the profile).
        #expect(out.stdout == "771,4865-4866-4867-49195,0-5-10-11-13-65281-35-16-43-51-45-28,29-23,0\ta.example\n")
    }
}
