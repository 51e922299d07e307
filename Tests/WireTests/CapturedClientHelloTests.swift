import Testing
import Wire

/// The profile a vector names (``TLSClientProfileID``'s case name).
private func profileID(_ v: CapturedClientHellos.Vector) throws -> TLSClientProfileID {
    try #require(TLSClientProfileID.allCases.first { "\($0)" == v.profile }, "no profile \(v.profile)")
}

/// A fresh hello of `profile` for `serverName`: new random, session id and key shares, and the
/// variation (GREASE, extension order, ECH GREASE) the profile draws for `seed`.
private func fresh(_ profile: TLSClientProfile, _ serverName: String, seed: UInt64) -> TLSClientHello {
    var rng = SeededGenerator(seed: seed)
    return TLSClientHello(
        profile: profile, serverName: serverName, random: rng.bytes(32), sessionID: rng.bytes(profile.sessionIDLength),
        keyShares: profile.keyShareGroups.map { rng.bytes(TLSNamedGroup.keyExchangeLength($0)!) },
        variation: TLSHelloVariation.draw(profile: profile, seed: seed))
}

/// One pcap with each record in its own TCP connection to 443, as tshark dissects it.
private func pcapOf(_ records: [[UInt8]], _ name: String) throws -> String {
    var pcap = PcapFile()
    for (i, record) in records.enumerated() {
        var c = Conversation(clientPort: UInt16(40_000 + i), start: UInt64(i) * 1_000_000_000)
        c.handshake()
        c.send(fromClient: true, stream: [.plain(record)])
        c.close()
        for (t, frame) in c.frames { pcap.add(frame: frame, nanoseconds: t) }
    }
    let path = temporaryPath(name)
    try pcap.write(to: path)
    try expectNoExpertWarnings(pcap: path)
    return path
}

@Suite struct CapturedClientHelloTests {
    /// Every captured hello is its profile's layout byte for byte: the parser reads the
    /// per-connection values (random, session id, key shares, GREASE, extension order, ECH
    /// GREASE), lays the hello out again and requires the same bytes; re-encoding the parsed
    /// hello gives the capture back; and the record is recognised as that client.
    @Test(arguments: CapturedClientHellos.all.indices)
    func captureIsTheProfileByteForByte(_ index: Int) throws {
        let v = CapturedClientHellos.all[index]
        let id = try profileID(v)
        let record = bytes(hex: v.hex)
        let parsed = try record.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: id.profile) }
        #expect(parsed.serverName == v.serverName)
        #expect(render { parsed.encodeRecord(into: &$0) } == record, "\(v.source)")
        #expect(
            record.withUnsafeBytes { TLSClientProfileID.identify($0) }.map { $0 == id || $0.profile == id.profile }
                == true)
        if !id.profile.hasVariableLength {
            #expect(id.profile.clientHelloRecordLength(serverName: v.serverName) == record.count)
        }
    }

    /// No other profile reads another client's capture (each layout is its own).
    @Test func profilesDoNotReadEachOthersCaptures() throws {
        for v in CapturedClientHellos.all {
            let id = try profileID(v)
            let record = bytes(hex: v.hex)
            for other in TLSClientProfileID.allCases
            where other != id && other.profile.cipherSuites != id.profile.cipherSuites {
                #expect(
                    (try? record.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: other.profile) })
                        == nil,
                    "\(other) reads \(v.source)")
            }
        }
    }

    /// The JA3 tshark computes for a fresh hello of each profile is the real client's (the
    /// issue: a `nodejs20.x` function's ClientHello has the JA3 of the real Node 20 `https`
    /// client). Chrome permutes its extensions per connection, so its JA3 changes every hello;
    /// there the extension set must be the captured one.
    @Test func tsharkJA3OfEachProfileIsTheCapturedOne() throws {
        let vectors = CapturedClientHellos.all.filter { !$0.ja3.isEmpty }
        var records: [[UInt8]] = []
        for (i, v) in vectors.enumerated() {
            let id = try profileID(v)
            records.append(bytes(hex: v.hex))
            records.append(render { fresh(id.profile, v.serverName, seed: UInt64(i) + 11).encodeRecord(into: &$0) })
        }
        let path = try pcapOf(records, "captured-ja3.pcap")
        let out = try tshark([
            "-r", path, "-Y", "tls.handshake.type == 1", "-T", "fields", "-e", "tls.handshake.ja3_full", "-e",
            "tls.handshake.ja3",
        ])
        let lines = out.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        try #require(lines.count == records.count, "tshark printed \(lines.count) hellos: \(out.stderr)")
        for (i, v) in vectors.enumerated() {
            let real = lines[2 * i], ours = lines[2 * i + 1]
            #expect(real[1] == v.ja3, "tshark's JA3 of the capture \(v.source)")
            if try profileID(v).profile.permutesExtensions {
                let set = { (full: String) in
                    Set(full.split(separator: ",", omittingEmptySubsequences: false)[2].split(separator: "-"))
                }
                #expect(set(ours[0]) == set(real[0]), "\(v.source)")
                #expect(ours[0].split(separator: ",")[1] == real[0].split(separator: ",")[1])
            } else {
                #expect(ours == real, "\(v.source)")
            }
        }
    }

    /// libpq's JA3, computed from the capture (md5 of the JA3 string) — the capture carries no
    /// pcap of its own, so tshark reads it here.
    @Test func libpqJA3() throws {
        let v = try #require(CapturedClientHellos.all.first { $0.profile == "libpqOpenSSL30" })
        let path = try pcapOf([bytes(hex: v.hex)], "libpq-ja3.pcap")
        let out = try tshark(["-r", path, "-Y", "tls.handshake.type == 1", "-T", "fields", "-e", "tls.handshake.ja3"])
        #expect(out.stdout == "a3afc2c46ba4a7d7fbe1cfb7a3031c2f\n")
    }

    /// Chrome draws GREASE and the extension order per connection (RFC 8701; BoringSSL
    /// `SSL_set_permute_extensions`), and the draw is a function of the seed.
    @Test func chromeVariesPerConnectionAndSeedDecides() {
        let name = "www.example.com"
        let a = render { fresh(.chrome, name, seed: 1).encodeRecord(into: &$0) }
        let b = render { fresh(.chrome, name, seed: 2).encodeRecord(into: &$0) }
        #expect(a != b)
        #expect(a == render { fresh(.chrome, name, seed: 1).encodeRecord(into: &$0) })
        let orders = Set((0..<20).map { TLSHelloVariation.draw(profile: .chrome, seed: UInt64($0)).order })
        #expect(orders.count > 15)
        for s in 0..<20 {
            let g = TLSHelloVariation.draw(profile: .chrome, seed: UInt64(s)).grease
            #expect(g.allSatisfy(TLSGrease.isGrease))
            #expect(g[TLSGreaseSlot.extension1.rawValue] != g[TLSGreaseSlot.extension2.rawValue])
        }
        #expect(TLSHelloVariation.draw(profile: .nodeOpenSSL30, seed: 5) == .none)
    }
}

@Suite struct ClientServerPairTests {
    /// Every modelled client negotiates with every modelled server (a run may pair any of them),
    /// and the suite each server picks follows its preference rule.
    @Test func everyClientMeetsEveryServer() throws {
        for client in TLSClientProfileID.allCases {
            for server in TLSServerProfileID.allCases {
                let n = try TLSNegotiation.negotiate(client: client.profile, server: server.profile).get()
                #expect(n.group == TLSNamedGroup.x25519, "\(client) → \(server)")
                let offered = client.profile.cipherSuites
                if server.profile.choosesClientOrder {
                    let supported = n.isTLS13 ? server.profile.tls13CipherSuites : server.profile.tls12CipherSuites
                    #expect(n.cipherSuite == offered.first(where: supported.contains), "\(client) → \(server)")
                }
            }
        }
        let nginx = TLSServerProfile.nginxOpenSSL3
        let suite = { (c: TLSClientProfile) in try TLSNegotiation.negotiate(client: c, server: nginx).get().cipherSuite
        }
        #expect(try suite(.chrome) == TLSCipherSuite.aes128GCMSHA256)
        #expect(try suite(.firefox) == TLSCipherSuite.aes128GCMSHA256)
        #expect(try suite(.java21) == TLSCipherSuite.aes256GCMSHA384)
        #expect(try suite(.goSDKv2) == TLSCipherSuite.aes128GCMSHA256)
        #expect(try suite(.boto3OpenSSL3) == TLSCipherSuite.aes256GCMSHA384)
        #expect(
            try TLSNegotiation.negotiate(client: .chrome, server: .awsEndpoint).get().cipherSuite
                == TLSCipherSuite.aes256GCMSHA384)
    }
}
