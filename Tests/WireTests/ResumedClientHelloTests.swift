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

/// Node.js 22.20.0's second connection the same way (node22_sdkv3_handler, connection #2): the
/// OpenSSL 3.5 hello with its X25519MLKEM768 share, then pre_shared_key.
let node22ResumedHello = """
                16030107530100074f0303704ee9a414103106ec029c883143e1617bae1787351dd78fabe315ad8316d54420fc75e1cd
                76a79160a288ea7ebf1ac71d65e91fe7b82a309bc6ea239d5ecea4bb0068130213031301c02fc02bc030c02c009ec027
                0067c028006b00a3009fcca9cca8ccaac0adc09fc05dc061c057c05300a2c0acc09ec05cc060c056c052c024006ac023
                0040c00ac01400390038c009c01300330032009dc09dc051009cc09cc050003d003c0035002f0100069eff0100010000
                000025002300002064796e616d6f64622e75732d656173742d312e616d617a6f6e6177732e636f6d000b000403000102
                000a0012001011ec001d0017001e0018001901000101002300000016000000170000000d003600340905090609040403
                0503060308070808081a081b081c0809080a080b080408050806040105010601030303010302040205020602002b0005
                0403040303002d00020101003304ea04e811ec04c0ab356c2689cd3e471eb2b599334ab9effb854a5a5f16c097b614c9
                307aa8d0732df5a461c2528a56a2650f229ad2375e3d64a94cd81630e8ced36913e0db0620275a5a20ad3a3cb3df0196
                6c584ad8fb3bdf16822b804f2a13c477461a14da4c308c8ac7b76ecc3b334285c63cb877653bc0b81a89e8e8b9c2291d
                39989f7a61960f463f7100b28f4a9c3392107d38530b196efb247824d58aebd5366ea156e102c8e8b8944bf55adf09aa
                2776319a068942086d35234ec066432b8499824a188d91b151444e491b7f83dcc75b8b70f415c16e3971c35b1c3cb972
                eba43f8fcb7594157940c66b9954361fc029c6b473b6517118e239bd41ca01638ccde85dc99c758457294189700c14bd
                f3d61a30058d373ab2230a99b66a0618b26166c78c59b13706b8c40b9837e5c5063e794c7615c31f68a3fcd5cdefe820
                92392afd015251496454798613744f4ed04cee44957f61168a81aa71d18eed894b2476140f7a50272694d0162705aa90
                69b273df01ab2d307f7c826a5ec79d99ea486aa9767374463045194815a79a7a185ff0ca8b816879b9101fa66224c149
                52a943c712a32051661b2779221ca70e09d0200c90d1e9ce8075136a95314f501848e9839a45465db7a7ded9b4913114
                f8ac97e6f46e44d46aee610e3128997ee67550f253ea296de5b2888260c5afbb097dc42faac9428af88fd06587edca60
                21085fad59be8a5a84b8a3519c464e2fdaba6c28a084184dad296c6873802749921cca2c4453514aec9d8679873a8511
                df1a858ec1b0cd6b2c0f340e69f72e0905b844a18cb47a44a1996cb2b5339450c66a8c09f411a94da13be8a1b9728971
                f094799768a2e41512ea5b0e79bbcb787b79f4d65b71a01b37b47514961398548c25eb64bbf60155a923c256b10072cc
                443231a2ccab921663f2c1847a5b6adf75a05d03585ae33895696498fc5baf17274e923f53cabdb2051297531e396a25
                742293d33226608aab95f0842d151e2f3a7d284162fdf525967009d7d56bbc3a1bf56c66373c0362c793bbf7bdac053a
                2c0357e571b9cb415c29f1049ef078806797c00254c70b0a23422137bbbb2aa152e9d9a0e00c9877cc4cd7664044d14b
                7336204d8b0130d83542eb26e8928f20152ccda60236ea72b161bfce7175913138b8a7c243759938751c4b66127cf814
                4be90104dc2ecf615afe13643f8c1e657b46aac094526a3c80526447fbc73c580dcea425f2e6af53241b221a91c6e466
                5a9969f412052ee8c0e32b14bc14cf411b7bd5097d535b7526a34a6fd923cc9346f235b2fda9b3789113daf1bfee791e
                20fcac34b33dacb773f3830be8e61e06e358f8996d8d83986a25cf45914396e14391e184ab7aba2f9111d42b552c26c9
                db23344ce82839d49fe8d2424d73b5d4b45c2aa1a6b867516903757a97289a0827b419c63c4a64da8b9f78136209257d
                781cccbfd3804c93b75c75722c462b3bc276023c67be151b9241295c80032d103876a518fc493fd70048e097af6a2087
                e91b1663f66dde69bc03f868dec3671eba53e2bc7b2adc562aca14e18415179c694ec4af592c09f93831ab600826d8c7
                856289d30234f8876243d80c98f6c043067bf2a54c76c740aade1aa3eb84d84838add8aff70ba35a3d3e5a2b69118fe5
                1fb7ed994feff8c2e6fd7a8b514feb11f2deb2a6bb50038a0bb9f8d97e708642af08802b76001d002065877d088dafd4
                9dc1144799468a9d7d814da8a28d24744c0330ee8fb93b0c6a0029010b00d600d059fcd3d861ff8c8edcd82c2fa2aad3
                a8a2484fcafdd1f527e1d775538fb47d2ec578a469730fb73ba10fd6550673ba6fc40ed96930a8199839b2861379105d
                9fa1be1bd457e9171a39d9fd64e518a978c89bf194b6cec0fc27231bbfd6b7b6d60668ecb801d3013554bdc1e10a27c7
                22802dd945207bea0b7b81ad8ac5518ec25ee26570c86673e441508da73dd929f879b5f854b393a9c0f6ecad51fbb58b
                9894f41100f2e8b5e7063c343e3dc040cfb52684377bc90b67b65e256e64ccdaf3f7b3d0e43a80cb2d8b6573d56ac047
                1871dae7b9003130dd0916b352c25c5a9dbaf919b9576af92df4b68f2ba153c72b161070c563bf96d0c82278880aadff
                16eae6e793510f4c
    """

/// Chromium 156's resumed hello (research capture chromium, connection #6): its permuted
/// extensions, the trailing GREASE, then pre_shared_key.
let chromeResumedHello = """
                160301090e0100090a0303b499cc78c5d2e43f7b20e54f2ddef7e87466b268c4471b5c95034fdd073de3b02001292b50
                2665c5b04422daac387a1656ea9e134aca7927eecaa36fe7250148630020caca130113021303c02bc02fc02cc030cca9
                cca8c013c014009c009d002f0035010008a1baba0000ff0100010044cd000500030268320010000e000c026832086874
                74702f312e31002d0002010100050005010000000000170000001b0003020002ca3400ba00b80582df1302010582df13
                02060582df13020d0582df13020e0582df13020f0582df1302120582df1302130582df13021408839a648c9b2d010708
                839a648c9b2d010808839a648c9b2d010908839a648c9b2d010a08839a648c9b2d010b08839a648c9b2d010c08839a64
                8c9b2d010d08839a648c9b2d011208839a648c9b2d011304d679090104d679090404d679090504d679090604d6790907
                04d679090804d679090a04d679090b04d679090c04d679090d04d679090f00000025002300002064796e616d6f64622e
                75732d656173742d312e616d617a6f6e6177732e636f6d00120000000b0002010000230000fe0d011a0000010001c900
                204c060453c6d712278a3fe4131ef6bb5fe74fd2159b45cb8256e88d2f1c93e84d00f06b251e52c6c9a8a086df784e07
                eafb499f4a7e43bcafd88e46dd94236ed7643a6359fb3a5888d3dcf3c16b46b90fb19c8bab5bfec6f1ae6fbb2d7e886a
                d199b573d9fecd8932919f654a64e04acfbe9061461a84ee6ce7ba77dcc8a5c240b95999afbd44aa64504248fe2e2292
                1b036f4e5f3b4d6a16e321f881e3684348f151bc45b5e2bbdd4c13c82543c42dc5649283d483aec64875a062d1fe5825
                bed8109a18f4516a790d976173e93b86c55a02bee88a6d597c9869bda75fd039e43c957b64191872e7da1d2a3b62e60a
                b21e64f5e595cf5dd214a1ab5380904e83ca160beb800afbe75ef99a8c59fbbde7f3c2003304ef04ed0a0a00010011ec
                04c02fac3fc0950b7816858d9653dad2496642ce6bd58f360985fdd2ae02acace3b1514966617ea11650c04b4ee7a697
                142df516844ba56db12448efea7009b25120f33dc16b8064c60b44fb0aa5b66dc3d522c98686879bc0bd260b0b59bdbe
                1a0882b92dbb9a73aa32a2d14a0b83fca502e04d902a0d21c53da7028003d66517113413ac2341875791f1129e5902c7
                1a9c4838a32ae69f5e0465fe290b709545db9885178c2e19282aa6e78917313179759010ba898aca070dc5bb61a6cdff
                f1923b366241030bbe286b32c9ba87651daa4344705c8a3517194cbc92b596983d5942f97543c0b43ea6408535e0cc87
                d31af03129f8e9a7fcd42ada0363973616485a0ef6018e4f545bdfb3af43a3cf1a2c296cd29390e2a31be7cf61909a20
                1b93dff079737358c3f020a6ea7f212b3bbda52955d11a46e37f9c46b8edd33001d84fe2a62b7492286a448b5e96ce68
                180c90271647cbad56f7299f7aa8831919a6265ff665717fb4bf4e132af6e615b353b55054b3f7fc7092f7532afcb7ad
                b86a4ed00a00f85384c7ca2077589852854940a0455219de03ba5f2626e10495e0550291021de33b181e306ea56a16b7
                1a014aa05e026852d142ae003b08bea4232e47496da9317dd57819d27c403c585162678e9b98aac66779371f6eac40ee
                3b80da1a79069ab4a69087f1cc8f7bbc8d50d5ba126171c11cbe583015ae627d473b9638d175c790781e73516b0a2138
                6054132212363cc557ea418074c6a183c9c74c2ef12b9431a038eb4ca033aab2c7aa3469d158a8940c3f4b538fdcba93
                f36145846d3c00c7763b011074c29828921e77315b7095e2c05bdba4bad848c7b3ec0167f4b09754a390051bc3b663ca
                b32c4799acba2a5ceedb45f1260a792598d2134e48774efbd7a3c4f931615724d96b3909f32bf1a1c5c8c87e3a75aabe
                37618131ad383cb8aa6581ff293e04323c9d8c9985d01c7746988dfa7f2f59ce68dbc3c3e00a59b5769c7153e5392313
                9c98e6bb9968a75bb3e8cbe68111ea1c4adfa88c1314565207a1ec9779fd621fdde1c528228a94e218929696f183935a
                e6409915955dd0358ac8795a067f37053f92716dbad63bf2c635605760445714567c78412964db34b133f3844515339b
                0167cca68a431058bdea7653b7467ccb6aafc7b5baf25c30a1b21867415f684d338b07b800bc3044ae254b1566c39e36
                4a3a88ba1658f47f708350c2953327269d74958060675929f5a7fb919f127a928f23424da67d54f2881c08207fcc804b
                4453d8228b095b627fb20b45239bcf29cc23380ff1472a1d609cbd6288301c47f5408e312099e99887717596283598eb
                18c93aa0ba009450f3d477dbe60adca517d13591e4fb4d8c8c0084432529120cf4537143b116a3bb47e237baf4f757e5
                3b644517b8c1a492f93a7977b71d44a78701b25257c62056b84048766c492b233a125842e3b467824571987ab1870057
                655a56b398aed144a2c3904e8c2b4c4b8661607df97abfb0b929b7141b554bb85d29a499165b9518357ae50c7d354449
                6a4f3a34201739002a5341ffab8369d84797699c5e0a7e2d61053a0c9ccd86b328a26dcc5590b2482e041aaf7da06e22
                191c889c19494695bad265e50bf4ee6de26066b9a5d775474e9cf07f03c785fc1bf0f7ad7b74fb935676f2de4159234e
                39c4eef74425ebd413d61d175920dce9cd33001d0020e2eb3f4c3d0d24fa3c961f67ce85605148b5f5ff35443ade8bbe
                f8c867ab6900000a000c000a0a0a11ec001d00170018002b000706eaea03040303000d001a00180a0a09040905090604
                030804040105030805050108060601aaaa0001000029011b00e600e013e392eb75bcdfdec4d9dbfbac349611a8bf2802
                1dd7673679408b78f9075148dfbaeb2100bd1f2c5855d2964e9f843ecb5abc715090bd0e00afadb396618fefd8f0cc6b
                f271e738273ae7619c0123b2fcc6253ec3bcf20286c114b9f1854b18341ae42e08d06a2b214e088cd41308bfe832c982
                9939e8c969dd37f089390101915156a53c5c4f3425f7445eae79590159ebd483ee6ba986f60fe8e1fe0dc1d0814f26b4
                7a0b3610eac775292d7fc31c4fb0f0a74096a19ebd55cedf5f91827731a27333bd495d0e6deccb52bab569bc45a100f7
                b15e1e4173afa2d9fb1d29815d8156720031304eff48b4e4ab3289d05d577508b0cc7d8258274aa8caa1af252b5d9645
                dca27e8580d258eb16719ad3835ce7e9856a87
    """

@Suite struct ResumedClientHelloTests {
    /// Chrome's captured resumed hello is ``TLSClientProfile/chrome`` (GREASE and order read from
    /// it) plus a PSK after the last GREASE extension.
    @Test func chromeResumedHelloIsTheProfileWithAPSK() throws {
        let record = bytes(hex: chromeResumedHello)
        #expect(record.count == 2323)
        let parsed = try record.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: .chrome) }
        #expect(parsed.psk != nil)
        #expect(render { parsed.encodeRecord(into: &$0) } == record)
    }

    /// Node 22's captured resumed hello is ``TLSClientProfile/nodeOpenSSL35`` plus a PSK.
    @Test func node22ResumedHelloIsTheProfileWithAPSK() throws {
        let record = bytes(hex: node22ResumedHello)
        #expect(record.count == 1880)
        let parsed = try record.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: .nodeOpenSSL35) }
        #expect(parsed.psk?.identity.count == 208)
        #expect(render { parsed.encodeRecord(into: &$0) } == record)
        #expect(TLSClientProfile.nodeOpenSSL35.sessionReuse == .latestTicket)
        #expect(TLSClientProfile.nodeOpenSSL30.sessionReuse == .latestTicket)
        #expect(
            TLSClientProfile.boto3OpenSSL3.sessionReuse == .never && TLSClientProfile.goSDKv2.sessionReuse == .never)
    }

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
