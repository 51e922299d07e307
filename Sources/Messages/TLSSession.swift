import Crypto
import _CryptoExtras
import Wire
import SimCore

/// One TLS connection's handshake, computed for real from the values a capture finds in its
/// stream chunks: the client and server profiles, the server name and the two hellos' seeds.
/// Key shares are X25519 keys whose private halves come from those seeds; the server signs with
/// the simulation's leaf key; every secret follows RFC 8446 §7 (TLS 1.3) or RFC 5246 §8 with
/// RFC 7627 (TLS 1.2). It holds the bytes of every handshake message, the traffic keys of both
/// directions, and the key-log lines that let Wireshark decrypt the connection.
public final class TLSSession: Sendable {
    public let negotiation: TLSNegotiation
    /// The ClientHello record, with real key shares.
    public let clientHelloRecord: [UInt8]
    /// The ServerHello record.
    public let serverHelloRecord: [UInt8]
    /// Handshake messages (type, length, body) by ``TLSFlightMessage`` raw value.
    let messages: [[UInt8]]
    let clientHandshakeKeys: TLSTrafficKeys?
    let serverHandshakeKeys: TLSTrafficKeys?
    let clientKeys: TLSTrafficKeys
    let serverKeys: TLSTrafficKeys
    /// NSS key-log lines (https://nss-crypto.org/reference/security/nss/legacy/key_log_format/).
    public let keyLog: [String]
    /// The certificate the server presented (for channel binding, RFC 5929 §4).
    public let leafCertificate: [UInt8]
    let tickets: TLSTicketPolicy
    let serverSeed: UInt64
    /// TLS 1.3's resumption_master_secret (RFC 8446 §7.1), from which each ticket's PSK comes.
    let resumptionMasterSecret: [UInt8]
    /// Whether the server resumed with the client's PSK.
    public let resumed: Bool

    /// `resumption`: the ticket the client offers and its PSK (from the issuing connection's
    /// ``ticketPSK(index:)``); when `accepted` the handshake is a PSK-DHE resumption (RFC 8446
    /// §2.2), else the server ignores the PSK and makes a full handshake.
    public init(
        client: TLSClientProfile, server: TLSServerProfile, serverName: String, clientSeed: UInt64,
        serverSeed: UInt64, sessionID: [UInt8], identity: TLSServerIdentity, resumption: TLSResumptionInput? = nil
    ) {
        guard case .success(let n) = TLSNegotiation.negotiate(client: client, server: server) else {
            preconditionFailure("\(client.name) and \(server.name) cannot complete a handshake")
        }
        negotiation = n
        leafCertificate = identity.certificates[0]
        tickets = server.tickets
        self.serverSeed = serverSeed
        let h = TLSHash(suite: n.cipherSuite)
        let hello = TLSKeyShares.clientHello(
            profile: client, serverName: serverName, seed: clientSeed, sessionID: sessionID,
            resumption: resumption, suite: n.cipherSuite)
        clientHelloRecord = hello.record
        let resumed = n.isTLS13 && resumption?.accepted == true
        self.resumed = resumed
        let serverRandom = TLSSeeds.fill(32, serverSeed, TLSSeeds.serverRandom)
        let serverPrivate = try! Curve25519.KeyAgreement.PrivateKey(
            rawRepresentation: TLSSeeds.fill(32, serverSeed, TLSSeeds.serverKeyShare))
        let serverPublic = Array(serverPrivate.publicKey.rawRepresentation)
        var messages = [[UInt8]](repeating: [], count: 8)
        let clientRandom = hello.random
        let ch = Array(hello.record.dropFirst(TLSRecordHeader.length))
        if n.isTLS13 {
            let sh = TLSServerHello(
                random: serverRandom, sessionIDEcho: sessionID, cipherSuite: n.cipherSuite,
                x25519KeyShare: serverPublic, selectedIdentity: resumed ? 0 : nil)
            serverHelloRecord = encoded(sh.recordLength) { sh.encodeRecord(into: &$0) }
            let shared = try! serverPrivate.sharedSecretFromKeyAgreement(
                with: Curve25519.KeyAgreement.PublicKey(rawRepresentation: hello.x25519Public!))
            let ecdhe = shared.withUnsafeBytes { Array($0) }
            let zeros = [UInt8](repeating: 0, count: h.length)
            // RFC 8446 §7.1: the early secret is HKDF-Extract(0, PSK), with zeros when there is none.
            let early = h.extract(salt: [], ikm: resumed ? resumption!.psk : zeros)
            let handshakeSecret = h.extract(salt: h.deriveSecret(early, "derived", transcript: []), ikm: ecdhe)
            var transcript = ch + Array(serverHelloRecord.dropFirst(TLSRecordHeader.length))
            let cHS = h.deriveSecret(handshakeSecret, "c hs traffic", transcript: transcript)
            let sHS = h.deriveSecret(handshakeSecret, "s hs traffic", transcript: transcript)
            let ee = TLSEncryptedExtensions(alpn: n.alpn)
            messages[Int(TLSFlightMessage.encryptedExtensions.rawValue)] = encoded(ee.handshakeLength) {
                ee.encode(into: &$0)
            }
            transcript += messages[0]
            if !resumed {
                // A resumption authenticates with the PSK: no Certificate, no CertificateVerify.
                let cert = TLSCertificateMessage(certificates: identity.certificates, tls13: true)
                messages[Int(TLSFlightMessage.certificate.rawValue)] = encoded(cert.handshakeLength) {
                    cert.encode(into: &$0)
                }
                transcript += messages[1]
                // RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.
                let signed =
                    [UInt8](repeating: 0x20, count: 64) + Array("TLS 1.3, server CertificateVerify".utf8) + [0]
                    + h.hash(transcript)
                let cv = TLSCertificateVerify(scheme: n.signatureScheme, signature: Self.pssZeroSignature(signed))
                messages[Int(TLSFlightMessage.certificateVerify.rawValue)] = encoded(
                    TLSCertificateVerify.handshakeLength(signatureLength: cv.signature.count)
                ) { cv.encode(into: &$0) }
                transcript += messages[2]
            }
            let serverFinished = TLSFinished(
                verifyData: h.hmac(key: h.expandLabel(sHS, "finished", [], h.length), h.hash(transcript)))
            messages[Int(TLSFlightMessage.serverFinished.rawValue)] = encoded(4 + h.length) {
                serverFinished.encode(into: &$0)
            }
            transcript += messages[3]
            let master = h.extract(salt: h.deriveSecret(handshakeSecret, "derived", transcript: []), ikm: zeros)
            let cAP = h.deriveSecret(master, "c ap traffic", transcript: transcript)
            let sAP = h.deriveSecret(master, "s ap traffic", transcript: transcript)
            let clientFinished = TLSFinished(
                verifyData: h.hmac(key: h.expandLabel(cHS, "finished", [], h.length), h.hash(transcript)))
            messages[Int(TLSFlightMessage.clientFinished.rawValue)] = encoded(4 + h.length) {
                clientFinished.encode(into: &$0)
            }
            transcript += messages[4]
            resumptionMasterSecret = h.deriveSecret(master, "res master", transcript: transcript)
            clientHandshakeKeys = TLSTrafficKeys(tls13Secret: cHS, suite: n.cipherSuite)
            serverHandshakeKeys = TLSTrafficKeys(tls13Secret: sHS, suite: n.cipherSuite)
            clientKeys = TLSTrafficKeys(tls13Secret: cAP, suite: n.cipherSuite)
            serverKeys = TLSTrafficKeys(tls13Secret: sAP, suite: n.cipherSuite)
            let cr = hex(clientRandom)
            keyLog = [
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET \(cr) \(hex(cHS))",
                "SERVER_HANDSHAKE_TRAFFIC_SECRET \(cr) \(hex(sHS))",
                "CLIENT_TRAFFIC_SECRET_0 \(cr) \(hex(cAP))", "SERVER_TRAFFIC_SECRET_0 \(cr) \(hex(sAP))",
            ]
        } else {
            let sh = TLS12ServerHello(
                random: serverRandom, sessionID: TLSSeeds.fill(32, serverSeed, TLSSeeds.serverSessionID),
                cipherSuite: n.cipherSuite, renegotiationInfo: n.renegotiationInfo,
                ecPointFormats: n.ecPointFormats ? [0, 1, 2] : nil, alpn: n.alpn,
                extendedMasterSecret: n.extendedMasterSecret)
            serverHelloRecord = encoded(sh.recordLength) { sh.encodeRecord(into: &$0) }
            var transcript = ch + Array(serverHelloRecord.dropFirst(TLSRecordHeader.length))
            let cert = TLSCertificateMessage(certificates: identity.certificates, tls13: false)
            messages[Int(TLSFlightMessage.certificate.rawValue)] = encoded(cert.handshakeLength) {
                cert.encode(into: &$0)
            }
            // RFC 8422 §5.4: the signature covers client_random + server_random + ServerECDHParams.
            let params = encoded(TLSServerKeyExchange.paramsLength(publicKeyLength: 32)) {
                TLSServerKeyExchange.encodeParams(group: n.group, publicKey: serverPublic, into: &$0)
            }
            let signature = try! SimulatedPKI.leafKey.signature(
                for: SHA256.hash(data: clientRandom + serverRandom + params), padding: .insecurePKCS1v1_5)
            let ske = TLSServerKeyExchange(
                group: n.group, publicKey: serverPublic, scheme: n.signatureScheme,
                signature: Array(signature.rawRepresentation))
            messages[Int(TLSFlightMessage.serverKeyExchange.rawValue)] = encoded(
                TLSServerKeyExchange.handshakeLength(publicKeyLength: 32, signatureLength: ske.signature.count)
            ) { ske.encode(into: &$0) }
            messages[Int(TLSFlightMessage.serverHelloDone.rawValue)] = encoded(4) {
                TLSServerHelloDone.encode(into: &$0)
            }
            let clientPrivate = try! Curve25519.KeyAgreement.PrivateKey(
                rawRepresentation: TLSSeeds.fill(32, clientSeed, TLSSeeds.clientKeyExchange))
            let cke = TLSClientKeyExchange(publicKey: Array(clientPrivate.publicKey.rawRepresentation))
            messages[Int(TLSFlightMessage.clientKeyExchange.rawValue)] = encoded(
                TLSClientKeyExchange.handshakeLength(publicKeyLength: 32)
            ) { cke.encode(into: &$0) }
            for m in [TLSFlightMessage.certificate, .serverKeyExchange, .serverHelloDone, .clientKeyExchange] {
                transcript += messages[Int(m.rawValue)]
            }
            let shared = try! clientPrivate.sharedSecretFromKeyAgreement(with: serverPrivate.publicKey)
            let preMaster = shared.withUnsafeBytes { Array($0) }
            // RFC 7627 §4: with extended_master_secret the seed is the session hash.
            let master =
                n.extendedMasterSecret
                ? h.prf(secret: preMaster, label: "extended master secret", seed: h.hash(transcript), length: 48)
                : h.prf(secret: preMaster, label: "master secret", seed: clientRandom + serverRandom, length: 48)
            let keyLength = TLSCipherSuite.keyLength(n.cipherSuite)
            let ivLength = TLSCipherSuite.isChaCha20(n.cipherSuite) ? 12 : 4
            let block = h.prf(
                secret: master, label: "key expansion", seed: serverRandom + clientRandom,
                length: 2 * keyLength + 2 * ivLength)
            clientKeys = TLSTrafficKeys(
                tls12Key: Array(block[0..<keyLength]),
                iv: Array(block[(2 * keyLength)..<(2 * keyLength + ivLength)]), suite: n.cipherSuite)
            serverKeys = TLSTrafficKeys(
                tls12Key: Array(block[keyLength..<(2 * keyLength)]),
                iv: Array(block[(2 * keyLength + ivLength)...]), suite: n.cipherSuite)
            clientHandshakeKeys = nil
            serverHandshakeKeys = nil
            resumptionMasterSecret = []
            let clientVerify = h.prf(secret: master, label: "client finished", seed: h.hash(transcript), length: 12)
            messages[Int(TLSFlightMessage.clientFinished.rawValue)] = encoded(16) {
                TLSFinished(verifyData: clientVerify).encode(into: &$0)
            }
            transcript += messages[Int(TLSFlightMessage.clientFinished.rawValue)]
            let serverVerify = h.prf(secret: master, label: "server finished", seed: h.hash(transcript), length: 12)
            messages[Int(TLSFlightMessage.serverFinished.rawValue)] = encoded(16) {
                TLSFinished(verifyData: serverVerify).encode(into: &$0)
            }
            keyLog = ["CLIENT_RANDOM \(hex(clientRandom)) \(hex(master))"]
        }
        self.messages = messages
    }

    /// The handshake message `m` (type, length, body).
    public func message(_ m: TLSFlightMessage) -> [UInt8] {
        m == .newSessionTicket ? newSessionTicket(index: 0) : messages[Int(m.rawValue)]
    }

    /// The server's `index`-th NewSessionTicket (RFC 8446 §4.6.1): the server's lifetime, a
    /// seeded age_add, the nonce counting tickets from 0 as OpenSSL's does, and a seeded opaque
    /// ticket of the server's size (the ticket is the server's own encrypted state; nothing
    /// outside it reads its bytes).
    public func newSessionTicket(index: Int) -> [UInt8] {
        let t = TLSNewSessionTicket(
            lifetime: tickets.lifetime, ageAdd: TLSSeeds.ticketAgeAdd(serverSeed: serverSeed, index: index),
            nonce: TLSSeeds.ticketNonce(index: index, length: tickets.nonceLength),
            ticket: TLSSeeds.ticket(
                serverSeed: serverSeed, index: index, length: tickets.ticketLength(alpn: negotiation.alpn != nil)))
        return encoded(TLSNewSessionTicket.handshakeLength(nonceLength: t.nonce.count, ticketLength: t.ticket.count)) {
            t.encode(into: &$0)
        }
    }

    /// The PSK of the server's `index`-th ticket (RFC 8446 §4.6.1): HKDF-Expand-Label(
    /// resumption_master_secret, "resumption", ticket_nonce, Hash.length).
    public func ticketPSK(index: Int) -> [UInt8] {
        let h = TLSHash(suite: negotiation.cipherSuite)
        return h.expandLabel(
            resumptionMasterSecret, "resumption", TLSSeeds.ticketNonce(index: index, length: tickets.nonceLength),
            h.length)
    }

    /// A protected record of `plaintext`: in TLS 1.3 under the handshake keys when
    /// `handshakeKeys`, else the application keys; in TLS 1.2 under the one key of each direction.
    public func seal(
        fromClient: Bool, handshakeKeys: Bool, sequence: UInt64, contentType: UInt8, plaintext: [UInt8]
    ) -> [UInt8] {
        let keys: TLSTrafficKeys
        if handshakeKeys, negotiation.isTLS13 {
            keys = fromClient ? clientHandshakeKeys! : serverHandshakeKeys!
        } else {
            keys = fromClient ? clientKeys : serverKeys
        }
        return keys.seal(contentType: contentType, sequence: sequence, plaintext: plaintext)
    }

    /// RSASSA-PSS with SHA-384, MGF1-SHA-384 and a zero-length salt over `message`, deterministic:
    /// RFC 9474's RSABSSA-SHA384-PSSZERO-Deterministic, whose finalized signature is a standard
    /// RSASSA-PSS signature (RFC 9474 §4.5), computed with swift-crypto's blind-signing API (the
    /// blinding is random; the signature it unblinds to is not). See ``TLSNegotiation/signatureScheme``.
    static func pssZeroSignature(_ message: [UInt8]) -> [UInt8] {
        let key = SimulatedPKI.leafPSSKey
        do {
            let prepared = key.publicKey.prepare(message)
            let blinded = try key.publicKey.blind(prepared)
            let blindSignature = try key.blindSignature(for: blinded.blindedMessage)
            let signature = try key.publicKey.finalize(blindSignature, for: prepared, blindingInverse: blinded.inverse)
            return Array(signature.rawRepresentation)
        } catch {
            preconditionFailure("RSA-PSS signing failed: \(error)")
        }
    }
}

/// The ticket a resuming ClientHello offers, with the PSK the issuing connection derived for it.
public struct TLSResumptionInput: Sendable {
    public var psk: [UInt8]
    public var identity: [UInt8]
    public var obfuscatedAge: UInt32
    /// Whether the server resumes with it.
    public var accepted: Bool
    public init(psk: [UInt8], identity: [UInt8], obfuscatedAge: UInt32, accepted: Bool) {
        self.psk = psk; self.identity = identity; self.obfuscatedAge = obfuscatedAge; self.accepted = accepted
    }
}

/// Deterministic bytes derived from a connection's seeds, shared by the renderers of both modes.
public enum TLSSeeds {
    public static let clientRandom: UInt64 = 0xC11E
    public static let serverRandom: UInt64 = 0x5E4E
    public static let serverKeyShare: UInt64 = 0x4B53
    public static let serverSessionID: UInt64 = 0x5E55
    public static let clientKeyExchange: UInt64 = 0xC4E1
    public static let ticketAgeAdd: UInt64 = 0x7A6E
    public static let ticket: UInt64 = 0x71C7
    /// Salt of the `k`-th key share of a ClientHello.
    public static func clientKeyShare(_ k: Int) -> UInt64 { 0x4B45 &+ UInt64(k) << 16 }
    /// Salt of a connection's legacy_session_id (keyed by the connection).
    public static let sessionID: UInt64 = 0x5E55_1011
    /// Salt of a PSK binder's filler when the run is not decryptable.
    public static let binder: UInt64 = 0xB1DE

    /// The `index`-th ticket's opaque bytes from a server whose hello seed is `serverSeed`:
    /// the same in its NewSessionTicket and in the ClientHello that offers it back.
    public static func ticket(serverSeed: UInt64, index: Int, length: Int) -> [UInt8] {
        fill(length, serverSeed ^ UInt64(index) << 48, ticket)
    }

    /// The `index`-th ticket's ticket_age_add.
    public static func ticketAgeAdd(serverSeed: UInt64, index: Int) -> UInt32 {
        let age = fill(4, serverSeed ^ UInt64(index) << 48, ticketAgeAdd)
        return UInt32(age[0]) << 24 | UInt32(age[1]) << 16 | UInt32(age[2]) << 8 | UInt32(age[3])
    }

    /// The `index`-th ticket's nonce: the count of tickets sent before it, big-endian, as OpenSSL's.
    public static func ticketNonce(index: Int, length: Int) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: length)
        for k in 0..<min(8, length) { nonce[length - 1 - k] = UInt8(truncatingIfNeeded: index >> (8 * k)) }
        return nonce
    }

    /// Byte `k` is byte `k % 8` (little endian) of SplitMix64(seed ^ salt, k / 8).
    public static func fill(_ n: Int, _ seed: UInt64, _ salt: UInt64) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: n)
        var word: UInt64 = 0
        for k in 0..<n {
            if k & 7 == 0 { word = TLSCiphertext.mix(seed ^ salt, UInt64(k >> 3)) }
            out[k] = UInt8(truncatingIfNeeded: word >> UInt64((k & 7) * 8))
        }
        return out
    }
}

/// A ClientHello whose key shares are real public keys: X25519 and P-256 from private keys drawn
/// from the hello's seed; other groups (X448, P-384, P-521, hybrid post-quantum shares) keep
/// seed-derived filler of the right size, as the server never selects them.
public enum TLSKeyShares {
    /// With `resumption`, the hello offers its ticket, and its binder is real: HMAC over the
    /// hello truncated before the binders, keyed from the PSK (RFC 8446 §4.2.11.2, §7.1).
    /// `suite` is the ticket's cipher suite (its hash sizes the binder).
    public static func clientHello(
        profile: TLSClientProfile, serverName: String, seed: UInt64, sessionID: [UInt8],
        resumption: TLSResumptionInput? = nil, suite: UInt16 = TLSCipherSuite.aes256GCMSHA384
    ) -> (record: [UInt8], random: [UInt8], x25519Public: [UInt8]?) {
        let h = TLSHash(suite: suite)
        var x25519: [UInt8]?
        let shares = profile.keyShareGroups.enumerated().map { k, group -> [UInt8] in
            let length = TLSNamedGroup.keyExchangeLength(group) ?? 32
            let secret = TLSSeeds.fill(max(length, 32), seed, TLSSeeds.clientKeyShare(k))
            switch group {
            case TLSNamedGroup.x25519:
                let key = try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: secret.prefix(32))
                let p = Array(key.publicKey.rawRepresentation)
                if x25519 == nil { x25519 = p }
                return p
            case TLSNamedGroup.secp256r1:
                if let key = try? P256.KeyAgreement.PrivateKey(rawRepresentation: secret.prefix(32)) {
                    return Array(key.publicKey.x963Representation)
                }
                return Array(secret.prefix(length))
            case _ where TLSGrease.isGrease(group):
                return [0] // a GREASE share is one zero byte, as BoringSSL writes it
            default:
                return Array(secret.prefix(length))
            }
        }
        let random = TLSSeeds.fill(32, seed, TLSSeeds.clientRandom)
        var hello = TLSClientHello(
            profile: profile, serverName: serverName, random: random, sessionID: sessionID, keyShares: shares,
            variation: TLSHelloVariation.draw(profile: profile, seed: seed),
            psk: resumption.map { r in
                TLSOfferedPSK(
                    identity: r.identity, obfuscatedTicketAge: r.obfuscatedAge,
                    binder: [UInt8](repeating: 0, count: h.length))
            })
        if let r = resumption {
            let unbound = encoded(hello.recordLength) { hello.encodeRecord(into: &$0) }
            let early = h.extract(salt: [], ikm: r.psk)
            let binderKey = h.deriveSecret(early, "res binder", transcript: [])
            let binder = h.hmac(
                key: h.expandLabel(binderKey, "finished", [], h.length),
                h.hash(Array(hello.truncatedHandshake(record: unbound)!)))
            hello.psk?.binder = binder
        }
        return (encoded(hello.recordLength) { hello.encodeRecord(into: &$0) }, random, x25519)
    }
}

/// Bytes written by a Wire encoder into an array of exactly `length` bytes.
func encoded(_ length: Int, _ body: (inout ByteWriter) -> Void) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: length)
    out.withUnsafeMutableBytes { buf in
        var w = ByteWriter(buf)
        body(&w)
        precondition(w.offset == length, "an encoder wrote \(w.offset) bytes, its length says \(length)")
    }
    return out
}

/// Lowercase hexadecimal.
func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}
