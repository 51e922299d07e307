import Testing
import Wire

@Suite struct DNSTests {
    @Test func deconstructCapturedMessages() throws {
        let query = Array(bytes(hex: DNSCapture.queryFrame)[42...])
        let response = Array(bytes(hex: DNSCapture.responseFrame)[42...])
        let q = try DNSMessage(parsing: query)
        #expect(q == DNSCapture.query)
        #expect(q.flags.rawValue == 0x0100 && q.flags.recursionDesired && !q.flags.isResponse)
        let r = try DNSMessage(parsing: response)
        #expect(r == DNSCapture.response)
        #expect(r.flags.isResponse && r.flags.recursionAvailable && r.flags.rcode == 0 && r.id == 0x8FED)
        #expect(r.answers.first?.data == .a(IPv4Address(3, 218, 182, 212)))
        #expect(r.answers.first?.ttl == 5)
        // The answer owner is the compression pointer C0 0C, as resolvers write it.
        #expect(Array(response[50...51]) == [0xC0, 0x0C])
        #expect(DNSCapture.response.encodedLength == response.count)
    }

    @Test func compressesCNAMEChains() throws {
        let query = DNSMessage.query(id: 0x1234, name: "www.example.com")
        let message = DNSMessage.response(
            to: query,
            answers: [
                DNSRecord(name: "www.example.com", ttl: 60, data: .cname("example.com")),
                DNSRecord(name: "example.com", ttl: 60, data: .cname("edge.example.com")),
                DNSRecord(name: "edge.example.com.", ttl: 5, data: .a(IPv4Address(192, 0, 2, 7))),
            ])
        // qname at 12: 03www(12) 07example(16) 03com(24) 00(28)
        let expected =
            "1234818000010003" + "00000000"
            + "03777777076578616d706c6503636f6d00" + "00010001"
            + "c00c" + "00050001" + "0000003c" + "0002" + "c010" // www → example.com (pointer)
            + "c010" + "00050001" + "0000003c" + "0007" + "0465646765c010" // example.com → edge + pointer
            + "c03b" + "00010001" + "00000005" + "0004" + "c0000207" // edge.example.com at offset 59
        let encoded = render { message.encode(into: &$0) }
        #expect(hexString(encoded) == expected)
        #expect(message.encodedLength == encoded.count)
        #expect(try DNSMessage(parsing: encoded) == message)
    }

    @Test func aaaaAndOpaqueRecords() throws {
        let v6: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]
        let message = DNSMessage(
            id: 9, flags: .response(rcode: 0), question: DNSQuestion(name: "a.example", type: DNSType.aaaa),
            answers: [DNSRecord(name: "a.example", ttl: 30, data: .aaaa(v6))],
            additionals: [DNSRecord(name: "", rrClass: 1232, ttl: 0, data: .other(type: DNSType.opt, rdata: []))])
        let encoded = render { message.encode(into: &$0) }
        #expect(try DNSMessage(parsing: encoded) == message)
        // OPT pseudo-record: root name (single zero byte), type 41, class = UDP payload size.
        #expect(hexString(Array(encoded.suffix(11))) == "00" + "0029" + "04d0" + "00000000" + "0000")
    }

    @Test func flagsAccessors() {
        var f = DNSFlags(rawValue: 0)
        f.isResponse = true; f.opcode = 2; f.authoritative = true; f.truncated = true
        f.recursionDesired = true; f.recursionAvailable = true; f.authenticData = true; f.checkingDisabled = true;
        f.rcode = 3
        #expect(f.rawValue == 0x8000 | 2 << 11 | 0x0400 | 0x0200 | 0x0100 | 0x0080 | 0x0020 | 0x0010 | 3)
        f.opcode = 0; f.rcode = 0; f.truncated = false
        #expect(f.rawValue == 0x8000 | 0x0400 | 0x0100 | 0x0080 | 0x0020 | 0x0010)
        #expect(DNSFlags.response(rcode: 3).rawValue == 0x8183)
    }

    @Test func roundTripRandomMessages() throws {
        var rng = SeededGenerator(seed: 1035)
        let labels = ["dynamodb", "us-east-1", "amazonaws", "com", "s3", "api", "aws", "x", "edge-7", "r53"]
        func name() -> String {
            (0..<Int.random(in: 1...5, using: &rng)).map { _ in labels.randomElement(using: &rng)! }.joined(
                separator: ".")
        }
        func record() -> DNSRecord {
            let data: DNSRecordData
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: data = .a(IPv4Address(raw: rng.next32()))
            case 1: data = .aaaa(rng.bytes(16))
            case 2: data = .cname(name())
            default: data = .other(type: DNSType.txt, rdata: rng.bytes(.random(in: 0...20, using: &rng)))
            }
            return DNSRecord(name: name(), ttl: rng.next32(), data: data)
        }
        for _ in 0..<400 {
            let m = DNSMessage(
                id: .random(in: 0...UInt16.max, using: &rng),
                flags: DNSFlags(rawValue: .random(in: 0...UInt16.max, using: &rng)),
                question: Bool.random(using: &rng) ? DNSQuestion(name: name()) : nil,
                answers: (0..<Int.random(in: 0...4, using: &rng)).map { _ in record() },
                authorities: (0..<Int.random(in: 0...1, using: &rng)).map { _ in record() },
                additionals: (0..<Int.random(in: 0...2, using: &rng)).map { _ in record() })
            let encoded = render { m.encode(into: &$0) }
            #expect(encoded.count == m.encodedLength)
            #expect(try DNSMessage(parsing: encoded) == m)
        }
    }

    @Test func rejectsMalformedMessages() {
        let good = Array(bytes(hex: DNSCapture.responseFrame)[42...])
        for cut in [5, 11, 12, 30, 49, 51, 60, good.count - 1] {
            guard case .truncated? = wireError({ _ = try DNSMessage(parsing: Array(good.prefix(cut))) }) else {
                Issue.record("cut at \(cut) not reported as truncated"); continue
            }
        }
        #expect(wireError { _ = try DNSMessage(parsing: good + [0]) } == .badLength(good.count + 1))
        var selfPointer = good; selfPointer[50] = 0xC0; selfPointer[51] = 50 // answer name points at itself
        #expect(
            wireError { _ = try DNSMessage(parsing: selfPointer) }
                == .malformed("DNS compression pointer to 50 from 50"))
        var forward = good; forward[51] = 60 // forward pointer
        #expect(wireError { _ = try DNSMessage(parsing: forward) } != nil)
        var twoQuestions = good; twoQuestions[5] = 2
        #expect(wireError { _ = try DNSMessage(parsing: twoQuestions) } != nil)
        var labelType = good; labelType[12] = 0x48 // 01xxxxxx label type
        #expect(wireError { _ = try DNSMessage(parsing: labelType) } == .malformed("DNS label type 1"))
        var aLength = good; aLength[61] = 5 // A RDLENGTH 5
        #expect(wireError { _ = try DNSMessage(parsing: aLength + [0]) } == .malformed("A RDATA length 5"))
        // A pointer chain that loops (B → A → B) is rejected rather than followed forever.
        let loop: [UInt8] = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0] + [0xC0, 14, 0xC0, 12] + [0, 1, 0, 1]
        #expect(wireError { _ = try DNSMessage(parsing: loop) } != nil)
    }

    @Test func tsharkDecodesBuiltDNSExchange() throws {
        var pcap = PcapFile()
        let q = render { DNSCapture.query.encode(into: &$0) }
        let a = render { DNSCapture.response.encode(into: &$0) }
        pcap.add(
            frame: udpFrame(from: DNSCapture.client, to: DNSCapture.server, ipID: 1, dontFragment: false, payload: q),
            nanoseconds: 1_000)
        pcap.add(
            frame: udpFrame(from: DNSCapture.server, to: DNSCapture.client, ipID: 2, dontFragment: true, payload: a),
            nanoseconds: 900_000)
        let path = temporaryPath("dns.pcap")
        try pcap.write(to: path)
        try expectNoExpertWarnings(pcap: path)
        let fields = try tshark([
            "-r", path, "-d", "udp.port==5353,dns", "-o", "udp.check_checksum:TRUE", "-T", "fields",
            "-e", "udp.checksum.status", "-e", "dns.qry.name", "-e", "dns.a", "-e", "dns.flags.response",
        ])
        let lines = fields.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "1\tdynamodb.us-east-1.amazonaws.com\t\t0", "1\tdynamodb.us-east-1.amazonaws.com\t3.218.182.212\t1",
            ])
    }
}
