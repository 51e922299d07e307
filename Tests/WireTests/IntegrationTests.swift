// End to end: a Lambda ENI's HTTPS exchange with DynamoDB, rendered entirely by Wire into a
// hand-written nanosecond pcap, then dissected by the real tshark.
import Testing
import Wire

@Suite struct CaptureIntegrationTests {
    static let sni = "dynamodb.us-east-1.amazonaws.com"

    /// Handshake, ClientHello, server flight, client Finished + PutItem request, ticket +
    /// response, FIN exchange.
    static func putItemConversation() -> Conversation {
        var rng = SeededGenerator(seed: 2024)
        let sessionID = rng.bytes(32)
        let hello = TLSClientHello(
            profile: .boto3OpenSSL3, serverName: sni, random: rng.bytes(32), sessionID: sessionID,
            keyShares: [rng.bytes(32)])
        // The AWS flight's sizes, negotiated with TLS_AES_128_GCM_SHA256 (SHA-256 Finished).
        let serverHello = TLSServerHello(
            random: rng.bytes(32), sessionIDEcho: sessionID, cipherSuite: TLSCipherSuite.aes128GCMSHA256,
            x25519KeyShare: rng.bytes(32))
        let finished = TLSFinished.handshakeLength(verifyDataLength: 32)
        var c = Conversation()
        c.handshake()
        c.send(fromClient: true, stream: [.plain(render { hello.encodeRecord(into: &$0) })])
        c.send(
            fromClient: false,
            stream: [
                .plain(render { serverHello.encodeRecord(into: &$0) }),
                .plain(render { TLSChangeCipherSpec.encodeRecord(into: &$0) }),
                .ciphertext(inner: TLSEncryptedExtensions(alpn: "http/1.1").handshakeLength, seed: 1),
                .ciphertext(
                    inner: TLSCertificateMessage.handshakeLength(derSizes: [1550, 1122], tls13: true), seed: 2),
                .ciphertext(inner: TLSCertificateVerify.handshakeLength(signatureLength: 256), seed: 3),
                .ciphertext(inner: finished, seed: 4),
            ])
        c.send(
            fromClient: true,
            stream: [
                .plain(render { TLSChangeCipherSpec.encodeRecord(into: &$0) }),
                .ciphertext(inner: finished, seed: 5),
                .ciphertext(inner: 1960, seed: 6), // measured PutItem header block
                .ciphertext(inner: 152, seed: 7), // measured PutItem body
            ])
        c.send(
            fromClient: false,
            stream: [
                .ciphertext(inner: TLSServerProfile.awsEndpoint.newSessionTicketLength, seed: 8),
                .ciphertext(inner: 256, seed: 9), // response: 254 header bytes + "{}"
            ])
        c.close()
        return c
    }

    static func writePcap(_ frames: [(UInt64, [UInt8])], name: String) throws -> String {
        var pcap = PcapFile()
        for (t, frame) in frames { pcap.add(frame: frame, nanoseconds: t) }
        let path = temporaryPath(name)
        try pcap.write(to: path)
        return path
    }

    @Test func tsharkAcceptsTheWholeExchange() throws {
        let conversation = Self.putItemConversation()
        let path = try Self.writePcap(conversation.frames, name: "putitem.pcap")
        try expectNoExpertWarnings(pcap: path)

        let checks = ["-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"]
        // Every frame's IPv4 and TCP checksum verified good (status 1), none unverified.
        let bad = try tshark(["-r", path] + checks + ["-Y", "ip.checksum.status != 1 || tcp.checksum.status != 1"])
        #expect(bad.stdout.isEmpty, "frames with unverified or bad checksums:\n\(bad.stdout)")
        // No TCP analysis findings at all (retransmission, lost segment, unseen ACK, ...).
        let analysis = try tshark(["-r", path] + checks + ["-Y", "tcp.analysis.flags"])
        #expect(analysis.stdout.isEmpty, "tcp analysis flagged:\n\(analysis.stdout)")

        let sni = try tshark([
            "-r", path, "-Y", "tls.handshake.type == 1", "-T", "fields", "-e", "tls.handshake.extensions_server_name",
            "-e", "tls.handshake.ja3",
        ])
        #expect(sni.stdout == Self.sni + "\t" + RealJA3.hash + "\n")

        let server = try tshark([
            "-r", path, "-Y", "tls.handshake.type == 2", "-T", "fields", "-e",
            "tls.handshake.extensions.supported_version",
            "-e", "tls.handshake.ciphersuite",
        ])
        #expect(server.stdout == "0x0304\t0x1301\n")

        // Records reassembled across segments, in stream order. tshark reports plaintext records
        // under content_type and TLS 1.3 protected records under opaque_type.
        let records = try tshark([
            "-r", path, "-Y", "tls", "-T", "fields", "-e", "tls.record.content_type",
            "-e", "tls.record.opaque_type", "-e", "tls.record.length",
        ])
        var plainTypes: [String] = [], opaqueTypes: [String] = [], lengths: [String] = []
        for line in records.stdout.split(separator: "\n") {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
            plainTypes += cols[0].split(separator: ",").map(String.init)
            opaqueTypes += cols[1].split(separator: ",").map(String.init)
            lengths += cols[2].split(separator: ",").map(String.init)
        }
        #expect(plainTypes == ["22", "22", "20", "20"])
        #expect(opaqueTypes == [String](repeating: "23", count: 9))
        #expect(lengths == ["512", "122", "1", "38", "2707", "281", "53", "1", "53", "1977", "169", "147", "273"])

        // TCP stream bookkeeping: tshark's relative sequence numbers end where ours do.
        let fin = try tshark(["-r", path, "-Y", "tcp.flags.fin == 1", "-T", "fields", "-e", "tcp.seq", "-e", "tcp.ack"])
        // Client sent 517 + 6 + 58 + 1982 + 174 = 2737 bytes; server 127 + 6 + 43 + 2712 + 286
        // + 58 + 152 + 278 = 3662. Relative numbers start at 1 after the SYN.
        #expect(fin.stdout.split(separator: "\n").map(String.init) == ["2738\t3663", "3663\t2739"])
    }

    @Test func harnessDetectsACorruptedChecksum() throws {
        // Negative control: the same capture with one TCP checksum byte flipped must produce
        // a tshark expert error, proving the assertions above can fail.
        var frames = Self.putItemConversation().frames
        frames[3].1[14 + 20 + 16] ^= 0x01
        let path = try Self.writePcap(frames, name: "corrupted.pcap")
        let result = try tshark(["-r", path, "-o", "tcp.check_checksum:TRUE", "-z", "expert", "-q"])
        #expect(result.stdout.contains("Errors ("))
        #expect(result.stdout.contains("Bad checksum"))
    }
}
