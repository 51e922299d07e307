import Testing
import Foundation
import Crypto
import X509
import SwiftASN1
import Wire
import TestSupport
@testable import Messages

/// The real handshakes: the plan the model sizes from matches the session a capture builds, the
/// outputs are reproducible, and outside tools (OpenSSL's command line) accept the certificates
/// and the signatures — with the one documented deviation of TLS 1.3's zero-length PSS salt.
@Suite struct TLSSessionTests {
    static let start: Int64 = 1_795_428_000 // 2026-11-23T10:00:00Z
    static let names = [
        "dynamodb.us-east-1.amazonaws.com", "orders-db.c9akciq32ab1.us-east-1.rds.amazonaws.com", "x.io",
        "partner-api.example.com", String(repeating: "long-label.", count: 9) + "example.com",
    ]
    static let servers: [TLSServerProfileID] = TLSServerProfileID.allCases

    static func session(_ server: TLSServerProfileID, name: String, seed: UInt64 = 1) -> TLSSession {
        var pki = SimulatedPKI(seed: seed, runStartUnixSeconds: start)
        return TLSSession(
            client: .boto3OpenSSL3, server: server.profile, serverName: name, clientSeed: 7, serverSeed: 8,
            sessionID: TLSSeeds.fill(32, 9, TLSSeeds.sessionID),
            identity: pki.identity(serverName: name, chain: server.certificateChain))
    }

    @Test func planSizesAreTheSessionsSizes() throws {
        for server in Self.servers {
            for name in Self.names {
                // The model sizes from placeholder-signed certificates; they have the real ones' sizes.
                var pki = SimulatedPKI(seed: 1, runStartUnixSeconds: Self.start)
                let sizes = pki.derSizes(serverName: name, chain: server.certificateChain)
                #expect(sizes == pki.identity(serverName: name, chain: server.certificateChain).derSizes)
                let plan = try TLSFlightPlan(client: .boto3OpenSSL3, server: server.profile, derSizes: sizes)
                let s = Self.session(server, name: name)
                #expect(s.negotiation == plan.negotiation)
                #expect(s.serverHelloRecord.count == plan.serverHelloLength, "\(server) \(name)")
                #expect(
                    s.clientHelloRecord.count
                        == TLSClientProfile.boto3OpenSSL3.clientHelloRecordLength(serverName: name))
                for r in plan.serverFlight + plan.clientFinish + plan.serverFinish {
                    switch r {
                    case .changeCipherSpec: break
                    case .plain(let m, let n), .sealed(let m, let n):
                        #expect(s.message(m).count == n, "\(server) \(m)")
                    }
                    if case .sealed(let m, _) = r {
                        let sealed = s.seal(
                            fromClient: m == .clientFinished, handshakeKeys: true, sequence: 0, contentType: 22,
                            plaintext: s.message(m))
                        #expect(sealed.count == plan.length(of: r))
                    }
                }
                // TLS 1.2: CCS and Finished; TLS 1.3: the server's NewSessionTickets (boto3 lists
                // a PSK mode), none from PostgreSQL.
                #expect(
                    plan.serverFinish.count == (s.negotiation.isTLS13 ? server.profile.tickets.count : 2),
                    "\(server)")
            }
        }
    }

    /// The committed public keys are the halves of the committed private keys.
    @Test func publicKeyFixturesMatchThePrivateKeys() {
        #expect(SimulatedPKI.rootKey.publicKey.derRepresentation == SimulatedPKI.rootPublicKey.derRepresentation)
        #expect(
            SimulatedPKI.intermediateKey.publicKey.derRepresentation
                == SimulatedPKI.intermediatePublicKey.derRepresentation)
        #expect(SimulatedPKI.leafKey.publicKey.derRepresentation == SimulatedPKI.leafPublicKey.derRepresentation)
    }

    @Test func sessionsAreReproducibleAndSeedsMatter() {
        for server in Self.servers {
            let a = Self.session(server, name: Self.names[0]), b = Self.session(server, name: Self.names[0])
            #expect(a.clientHelloRecord == b.clientHelloRecord && a.serverHelloRecord == b.serverHelloRecord)
            #expect(a.keyLog == b.keyLog)
            for m in [TLSFlightMessage.certificate, .certificateVerify, .serverKeyExchange, .serverFinished] {
                #expect(a.message(m) == b.message(m))
            }
            let other = Self.session(server, name: Self.names[0], seed: 2)
            #expect(other.message(.certificate) != a.message(.certificate), "serial numbers and dates follow the seed")
        }
        // The ClientHello keeps boto3's layout with a real X25519 share.
        let hello = Self.session(.awsEndpoint, name: Self.names[0]).clientHelloRecord
        #expect(hello.count == 517)
        #expect((try? hello.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: .boto3OpenSSL3) }) != nil)
    }

    /// NSS key-log lines (https://nss-crypto.org/reference/security/nss/legacy/key_log_format/):
    /// the four TLS 1.3 traffic secrets (48 bytes for SHA-384), or TLS 1.2's master secret.
    @Test func keyLogLines() {
        let tls13 = Self.session(.awsEndpoint, name: Self.names[0]).keyLog
        #expect(
            tls13.map { $0.split(separator: " ")[0] } == [
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                "SERVER_TRAFFIC_SECRET_0",
            ])
        #expect(tls13.allSatisfy { $0.split(separator: " ")[1].count == 64 && $0.split(separator: " ")[2].count == 96 })
        let tls12 = Self.session(.postgreSQLTLS12, name: Self.names[1]).keyLog
        #expect(
            tls12.count == 1 && tls12[0].hasPrefix("CLIENT_RANDOM ") && tls12[0].split(separator: " ")[2].count == 96)
    }

    // MARK: Outside checks (OpenSSL's command line)

    static func write(_ bytes: [UInt8], _ path: String) {
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    static func pem(_ der: [UInt8]) -> String {
        let b64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CERTIFICATE-----\n\(b64)\n-----END CERTIFICATE-----\n"
    }

    /// TLS 1.3's CertificateVerify is RSASSA-PSS/SHA-384 with a zero-length salt: OpenSSL verifies
    /// it with that salt length and refuses it with RFC 8446's (the digest's length) — the one
    /// deviation README documents. TLS 1.2's ServerKeyExchange (PKCS #1 v1.5) verifies as is.
    @Test func signaturesVerifyWithOpenSSL() throws {
        let openssl = try requireTool("openssl")
        let dir = temporaryDirectory("sig")
        var pki = SimulatedPKI(seed: 1, runStartUnixSeconds: Self.start)
        let id = pki.identity(serverName: Self.names[0], chain: .amazonTrust)
        try Self.pem(id.certificates[0]).write(toFile: dir + "/leaf.pem", atomically: true, encoding: .utf8)
        let key = runProgram(
            openssl, ["x509", "-in", dir + "/leaf.pem", "-pubkey", "-noout", "-out", dir + "/pub.pem"])
        #expect(key.status == 0, "\(key.stderr)")

        let s = Self.session(.awsEndpoint, name: Self.names[0])
        let cv = s.message(.certificateVerify)
        #expect(Array(cv[4..<6]) == [0x08, 0x05] && cv.count == 264, "rsa_pss_rsae_sha384, 256-byte signature")
        let ch = Array(s.clientHelloRecord.dropFirst(5)), sh = Array(s.serverHelloRecord.dropFirst(5))
        let transcript = ch + sh + s.message(.encryptedExtensions) + s.message(.certificate)
        let signed =
            [UInt8](repeating: 0x20, count: 64) + Array("TLS 1.3, server CertificateVerify".utf8) + [0]
            + Array(SHA384.hash(data: transcript))
        Self.write(signed, dir + "/cv.msg")
        Self.write(Array(cv[8...]), dir + "/cv.sig")
        func verifyPSS(_ salt: String) -> Int32 {
            runProgram(
                openssl,
                [
                    "dgst", "-sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:\(salt)",
                    "-verify", dir + "/pub.pem", "-signature", dir + "/cv.sig", dir + "/cv.msg",
                ]
            ).status
        }
        #expect(verifyPSS("0") == 0, "RSASSA-PSS with a zero-length salt verifies")
        #expect(verifyPSS("48") != 0, "a strict TLS 1.3 verifier (salt = digest length) refuses it")

        let t12 = Self.session(.postgreSQLTLS12, name: Self.names[0])
        let ske = t12.message(.serverKeyExchange)
        let clientRandom = Array(t12.clientHelloRecord[11..<43]), serverRandom = Array(t12.serverHelloRecord[11..<43])
        Self.write(clientRandom + serverRandom + Array(ske[4..<40]), dir + "/ske.msg")
        #expect(Array(ske[40..<42]) == [0x04, 0x01], "rsa_pkcs1_sha256")
        Self.write(Array(ske[44...]), dir + "/ske.sig")
        let v = runProgram(
            openssl, ["dgst", "-sha256", "-verify", dir + "/pub.pem", "-signature", dir + "/ske.sig", dir + "/ske.msg"])
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
    }
}
