import Testing
import Wire

/// Node.js 20.20.2's second connection through aws-sdk-js v3's `https.Agent` (research capture
/// node20_sdkv3_handler, connection #2): the same hello as the first plus pre_shared_key, last,
/// offering the ticket a local OpenSSL 3.0.19 server sent (208 bytes, no ALPN) with a SHA-384
/// binder; tshark's JA3 a685258a6b9efe7d51633cf248ba2c83.
let node20ResumedHello = """
                16030102900100028c0303ef4b383e0008d8f1e47b93fc1c9faff0b7f4d95aa1ea88c019b8db4dab82234c208df37470
                088a4947e4540c60b6e9b6f5b89d783cf407abf46b3b8187073d5d8f0076130213031301c02fc02bc030c02c009ec027
                0067c028006b00a3009fcca9cca8ccaac0afc0adc0a3c09fc05dc061c057c05300a2c0aec0acc0a2c09ec05cc060c056
                c052c024006ac0230040c00ac01400390038c009c01300330032009dc0a1c09dc051009cc0a0c09cc050003d003c0035
                002f00ff010001cd00000025002300002064796e616d6f64622e75732d656173742d312e616d617a6f6e6177732e636f
                6d000b000403000102000a00160014001d0017001e001900180100010101020103010400230000001600000017000000
                0d002a0028040305030603080708080809080a080b080408050806040105010601030303010302040205020602002b00
                050403040303002d00020101003300260024001d00201fd80ed959071f4dd996a1f5ff0643c486460006df09864aaa9a
                cb1a3ed6e86f0029010b00d600d059fcd3d861ff8c8edcd82c2fa2aad3a85e648484ee95fa88f0a3b880efc98073f050
                9da529a68730c0ea74bc644738e7360beca7d5cf4bb1185d066ad1d565358aff9656decf807a42df272bf24d21dfa2f7
                9fe1b06a61335da30bd27dcd65fc0ee85fce6984fda84653f11fd2e0bd1705b0cee76731e3eb882f49f88fda9cc7be88
                5a9b8989211264a0a6881d0173587532133d46b974a14aace5cffe2aba3471d46763e38a59996885b17bbb2722199a46
                b2b4f098e19de704ce6ed0675d82c97803b84308e0ee31efe4cc9a738f1ed79c3a3e0031308370d9a358b6c5875863bf
                445ed1029e3a7c96587ca27d6aa30a1a083c8d73440de82e02f441ca879d115092bc53e864
    """

@Suite struct ResumedClientHelloTests {
    /// The capture is the Node profile plus one PSK extension, byte for byte.
    @Test func node20ResumedHelloIsTheProfileWithAPSK() throws {
        let record = bytes(hex: node20ResumedHello)
        #expect(record.count == 661)
        let parsed = try record.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: .nodeOpenSSL30) }
        let psk = try #require(parsed.psk)
        #expect(psk.identity.count == 208 && psk.binder.count == 48)
        #expect(psk.extensionLength == 4 + 267)
        #expect(render { parsed.encodeRecord(into: &$0) } == record)
        // Without the PSK the same values give the first connection's 390-byte layout.
        var full = parsed
        full.psk = nil
        #expect(full.recordLength == 390)
        // The binder covers the hello up to the identities: all but the binders list (RFC 8446 §4.2.11.2).
        let truncated = parsed.truncatedHandshake(record: record)?.count ?? 0
        #expect(truncated == 605)
        #expect(record.withUnsafeBytes { TLSClientProfileID.identify($0) } == .nodeOpenSSL30)
    }

    /// tshark reads it as the real client's resumed hello: JA3 with extension 41 last, and the
    /// PSK identity and binder fields.
    @Test func tsharkReadsTheResumedHello() throws {
        var hello = try bytes(hex: node20ResumedHello).withUnsafeBytes {
            try TLSClientHello(parsingRecord: $0, profile: .nodeOpenSSL30)
        }
        let captured = render { hello.encodeRecord(into: &$0) }
        hello.random = [UInt8](repeating: 7, count: 32)
        hello.psk?.obfuscatedTicketAge = 0x1234_5678
        let ours = render { hello.encodeRecord(into: &$0) }
        var pcap = PcapFile()
        for (i, record) in [captured, ours].enumerated() {
            var c = Conversation(clientPort: UInt16(41_000 + i), start: UInt64(i) * 1_000_000_000)
            c.handshake()
            c.send(fromClient: true, stream: [.plain(record)])
            c.close()
            for (t, frame) in c.frames { pcap.add(frame: frame, nanoseconds: t) }
        }
        let path = temporaryPath("resumed-hello.pcap")
        try pcap.write(to: path)
        try expectNoExpertWarnings(pcap: path)
        let out = try tshark([
            "-r", path, "-Y", "tls.handshake.type == 1", "-T", "fields", "-e", "tls.handshake.ja3", "-e",
            "tls.handshake.extensions.psk.identity.identity_length", "-e",
            "tls.handshake.extensions.psk.identity.obfuscated_ticket_age", "-e",
            "tls.handshake.extensions.psk.binders_len",
        ])
        let lines = out.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        try #require(lines.count == 2, "tshark: \(out.stdout)\(out.stderr)")
        for l in lines {
            #expect(l.count == 4, "\(l)")
            #expect(l.first == "a685258a6b9efe7d51633cf248ba2c83")
            #expect(l.dropFirst().first == "208")
            #expect(l.last == "49") // one 48-byte binder with its length byte
        }
        #expect(lines[1][2] == "\(0x1234_5678)")
    }

    /// A resumed ServerHello carries pre_shared_key after key_share (133 bytes with a 32-byte
    /// session id, as captured from OpenSSL 3.0.19) and parses back.
    @Test func resumedServerHello() throws {
        let sh = TLSServerHello(
            random: [UInt8](repeating: 1, count: 32), sessionIDEcho: [UInt8](repeating: 2, count: 32),
            cipherSuite: TLSCipherSuite.aes256GCMSHA384, x25519KeyShare: [UInt8](repeating: 3, count: 32),
            selectedIdentity: 0)
        let record = render { sh.encodeRecord(into: &$0) }
        #expect(record.count == 133 && TLSServerHello.recordLength(sessionIDEchoLength: 32, psk: true) == 133)
        #expect(Array(record.suffix(6)) == [0x00, 0x29, 0x00, 0x02, 0x00, 0x00])
        #expect(try record.withUnsafeBytes { try TLSServerHello(parsingRecord: $0) } == sh)
    }
}
