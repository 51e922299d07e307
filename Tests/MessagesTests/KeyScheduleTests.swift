import Testing
import Crypto
import Wire
@testable import Messages

/// The key schedules against published known answers, and every modelled suite's record
/// protection opened again by swift-crypto with the nonce and additional data the RFCs define.
@Suite struct KeyScheduleTests {
    static func h(_ s: String) -> [UInt8] {
        let digits = s.filter { !$0.isWhitespace }
        var out: [UInt8] = []
        var i = digits.startIndex
        while i < digits.endIndex {
            let j = digits.index(i, offsetBy: 2)
            out.append(UInt8(digits[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    /// RFC 8448 §3 ("Simple 1-RTT Handshake", TLS_AES_128_GCM_SHA256): every secret from the
    /// ECDHE shared secret and the transcript hashes the RFC gives.
    @Test func tls13MatchesRFC8448() {
        let h = TLSHash.sha256
        let zeros = [UInt8](repeating: 0, count: 32)
        let early = h.extract(salt: [], ikm: zeros)
        #expect(early == Self.h("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a"))
        let derived = h.deriveSecret(early, "derived", transcript: [])
        #expect(derived == Self.h("6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba"))
        let handshake = h.extract(
            salt: derived, ikm: Self.h("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d"))
        #expect(handshake == Self.h("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac"))
        let helloHash = Self.h("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8")
        let cHS = h.expandLabel(handshake, "c hs traffic", helloHash, 32)
        let sHS = h.expandLabel(handshake, "s hs traffic", helloHash, 32)
        #expect(cHS == Self.h("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"))
        #expect(sHS == Self.h("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"))
        let server = TLSTrafficKeys(tls13Secret: sHS, suite: TLSCipherSuite.aes128GCMSHA256)
        #expect(server.key.withUnsafeBytes { Array($0) } == Self.h("3fce516009c21727d0f2e4e86ee403bc"))
        #expect(server.iv == Self.h("5d313eb2671276ee13000b30"))
        let client = TLSTrafficKeys(tls13Secret: cHS, suite: TLSCipherSuite.aes128GCMSHA256)
        #expect(client.key.withUnsafeBytes { Array($0) } == Self.h("dbfaa693d1762c5b666af5d950258d01"))
        #expect(client.iv == Self.h("5bd3c71b836e0b76bb73265f"))
        let masterDerived = h.deriveSecret(handshake, "derived", transcript: [])
        #expect(masterDerived == Self.h("43de77e0c77713859a944db9db2590b53190a65b3ee2e4f12dd7a0bb7ce254b4"))
        let master = h.extract(salt: masterDerived, ikm: zeros)
        #expect(master == Self.h("18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919"))
        let finishedHash = Self.h("9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13")
        #expect(
            h.expandLabel(master, "c ap traffic", finishedHash, 32)
                == Self.h("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5"))
        #expect(
            h.expandLabel(master, "s ap traffic", finishedHash, 32)
                == Self.h("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"))
    }

    /// The TLS 1.2 PRF (P_SHA256) test vector published for the IETF TLS working group.
    @Test func tls12PRFMatchesThePublishedVector() {
        let out = TLSHash.sha256.prf(
            secret: Self.h("9bbe436ba940f017b17652849a71db35"), label: "test label",
            seed: Self.h("a0ba9f936cda311827a6f796ffd5198c"), length: 100)
        let expected =
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af"
            + "0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
            + "87347b66"
        #expect(out == Self.h(expected))
    }

    /// Each suite's record opens again: TLS 1.3 with the header as additional data and the
    /// content type inside (RFC 8446 §5.2), TLS 1.2 AES-GCM with an explicit nonce (RFC 5288 §3)
    /// and ChaCha20 without one (RFC 7905 §2), additional data seq + type + version + length.
    @Test(arguments: [
        TLSCipherSuite.aes128GCMSHA256, TLSCipherSuite.aes256GCMSHA384, TLSCipherSuite.chacha20Poly1305SHA256,
        TLSCipherSuite.ecdheRSAAES128GCMSHA256, TLSCipherSuite.ecdheRSAAES256GCMSHA384,
        TLSCipherSuite.ecdheRSAChaCha20Poly1305,
    ])
    func recordsOpenAgain(_ suite: UInt16) throws {
        let tls13 = suite >> 8 == 0x13
        let keyLength = TLSCipherSuite.keyLength(suite)
        let keys =
            tls13
            ? TLSTrafficKeys(tls13Secret: [UInt8](repeating: 7, count: TLSCipherSuite.hashLength(suite)), suite: suite)
            : TLSTrafficKeys(
                tls12Key: [UInt8](repeating: 5, count: keyLength),
                iv: [UInt8](repeating: 9, count: TLSCipherSuite.isChaCha20(suite) ? 12 : 4), suite: suite)
        let plaintext = Array("GET / HTTP/1.1\r\n\r\n".utf8)
        let sequence: UInt64 = 0x0102
        let record = keys.seal(contentType: 23, sequence: sequence, plaintext: plaintext)
        let explicit = !tls13 && !TLSCipherSuite.isChaCha20(suite) ? 8 : 0
        #expect(record.count == 5 + explicit + plaintext.count + (tls13 ? 1 : 0) + 16)
        let header = Array(record[0..<5])
        let body = Array(record[(5 + explicit)...])
        let ciphertext = Array(body.dropLast(16)), tag = Array(body.suffix(16))
        let seq: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: sequence >> (56 - 8 * UInt64($0))) }
        var nonce = keys.iv + (explicit > 0 ? Array(record[5..<13]) : [])
        if explicit == 0 { for k in 0..<8 { nonce[4 + k] ^= seq[k] } }
        let aad = tls13 ? header : seq + [23, 3, 3, 0, UInt8(plaintext.count)]
        let opened: [UInt8]
        if TLSCipherSuite.isChaCha20(suite) {
            let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: nonce), ciphertext: ciphertext, tag: tag)
            opened = Array(try ChaChaPoly.open(box, using: keys.key, authenticating: aad))
        } else {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: ciphertext, tag: tag)
            opened = Array(try AES.GCM.open(box, using: keys.key, authenticating: aad))
        }
        #expect(opened == plaintext + (tls13 ? [23] : []))
        if explicit > 0 { #expect(Array(record[5..<13]) == seq, "OpenSSL's explicit nonce is the sequence number") }
        #expect(header[0] == 23 && header[1] == 3 && header[2] == 3)
    }
}
