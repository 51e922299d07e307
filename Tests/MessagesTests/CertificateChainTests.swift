import Testing
import Foundation
import Crypto
import X509
import SwiftASN1
import Wire
import TestSupport
@testable import Messages

/// Issue 11: each server type presents its own certificate chain (sources in ``SimulatedPKI``):
/// AWS front ends an Amazon Trust Services chain with Amazon Root CA 1's Starfield
/// cross-certificate, RDS its Region's rds-ca-rsa2048-g1 subordinate and root, nginx a
/// Let's-Encrypt-shaped R10 chain that names no Amazon CA.
@Suite struct CertificateChainTests {
    struct Case: Sendable, CustomStringConvertible {
        var server: TLSServerProfileID
        var name: String
        /// Subject common names of the certificates sent after the leaf.
        var sent: [String]
        /// The root's common name.
        var root: String
        /// The Certificate handshake message's length in TLS 1.3 (seed 1, TLSSessionTests.start).
        var tls13Length: Int
        var description: String { "\(server)" }
    }

    static let cases = [
        Case(
            server: .awsEndpoint, name: "dynamodb.us-east-1.amazonaws.com",
            sent: ["Amazon RSA 2048 M03 (simulated)", "Amazon Root CA 1 (simulated)"],
            root: "Amazon Root CA 1 (simulated)", tls13Length: 3666),
        Case(
            server: .postgreSQL, name: "orders-db.c9akciq32ab1.eu-west-1.rds.amazonaws.com",
            sent: [
                "Amazon RDS eu-west-1 Subordinate CA RSA2048 G1.A.",
                "Amazon RDS eu-west-1 Root CA RSA2048 G1 (simulated)",
            ],
            root: "Amazon RDS eu-west-1 Root CA RSA2048 G1 (simulated)", tls13Length: 3454),
        Case(
            server: .nginxOpenSSL3, name: "partner-api.example.com", sent: ["R10 (simulated)"],
            root: "ISRG Root X1 (simulated)", tls13Length: 2450),
    ]

    static func commonName(_ n: DistinguishedName) -> String {
        n.lazy.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }.map { "\($0.value)" } ?? ""
    }

    /// Shapes, names and the sizes the model plans with, per server type.
    @Test(arguments: cases) func chainHasItsServerTypesShape(_ c: Case) throws {
        var pki = SimulatedPKI(seed: 1, runStartUnixSeconds: TLSSessionTests.start)
        let id = pki.identity(serverName: c.name, chain: c.server.certificateChain)
        let certs = try id.certificates.map { try Certificate(derEncoded: $0) }
        #expect(certs.count == 1 + c.sent.count)
        #expect(Self.commonName(certs[0].subject) == c.name)
        #expect(try certs[0].extensions.subjectAlternativeNames == SubjectAlternativeNames([.dnsName(c.name)]))
        for (cert, cn) in zip(certs.dropFirst(), c.sent) { #expect(Self.commonName(cert.subject).hasPrefix(cn)) }
        // Each certificate is issued by the next one's subject (the cross-certificate's subject
        // is the root's name: it is the root, signed by another CA).
        for k in 0..<(certs.count - 1) { #expect(certs[k].issuer == certs[k + 1].subject, "\(c) \(k)") }
        #expect(Self.commonName(try Certificate(derEncoded: id.root).subject) == c.root)
        #expect(certs[0].notValidBefore < Date(timeIntervalSince1970: TimeInterval(TLSSessionTests.start)))
        #expect(certs[0].notValidAfter > Date(timeIntervalSince1970: TimeInterval(TLSSessionTests.start)))
        // The model's placeholder-signed sizes are the real ones; the Certificate message follows.
        let sizes = pki.derSizes(serverName: c.name, chain: c.server.certificateChain)
        #expect(sizes == id.derSizes)
        #expect(TLSCertificateMessage.handshakeLength(derSizes: sizes, tls13: true) == c.tls13Length, "\(sizes)")
    }

    /// Only the AWS and RDS chains name Amazon; the public web chain names none of Amazon's CAs.
    @Test func publicWebChainClaimsNoAmazonName() throws {
        var pki = SimulatedPKI(seed: 1, runStartUnixSeconds: TLSSessionTests.start)
        let id = pki.identity(serverName: "shop.example.com", chain: .publicWebPKI)
        for der in id.certificates + [id.root] {
            let cert = try Certificate(derEncoded: der)
            #expect(!cert.subject.description.contains("Amazon") && !cert.issuer.description.contains("Amazon"))
            #expect(!cert.subject.description.contains("Starfield"))
        }
        // Let's Encrypt's root is RSA-4096, as the real ISRG Root X1.
        #expect(SimulatedPKI.isrgRootPublicKey.keySizeInBits == 4096)
    }

    /// Each Region's RDS endpoints get that Region's CA; other names fall back to us-east-1.
    @Test func rdsRegionComesFromTheEndpoint() {
        #expect(SimulatedPKI.rdsRegion("orders-db.c9akciq32ab1.eu-west-1.rds.amazonaws.com") == "eu-west-1")
        #expect(SimulatedPKI.rdsRegion("db.internal") == "us-east-1")
        var pki = SimulatedPKI(seed: 1, runStartUnixSeconds: TLSSessionTests.start)
        let a = pki.identity(serverName: "a.x.us-west-2.rds.amazonaws.com", chain: .rdsRegional)
        let b = pki.identity(serverName: "b.x.us-west-2.rds.amazonaws.com", chain: .rdsRegional)
        let c = pki.identity(serverName: "c.x.ap-south-1.rds.amazonaws.com", chain: .rdsRegional)
        #expect(a.certificates[1] == b.certificates[1] && a.root == b.root && a.root != c.root)
    }

    /// OpenSSL verifies every chain as a TLS server chain for its name at the run's time, from
    /// its root, with the certificates the server sends as the untrusted intermediates.
    @Test(arguments: cases) func chainVerifiesWithOpenSSL(_ c: Case) throws {
        let openssl = try requireTool("openssl")
        let dir = temporaryDirectory("pki")
        var pki = SimulatedPKI(seed: 1, runStartUnixSeconds: TLSSessionTests.start)
        let id = pki.identity(serverName: c.name, chain: c.server.certificateChain)
        try TLSSessionTests.pem(id.root).write(toFile: dir + "/root.pem", atomically: true, encoding: .utf8)
        try id.certificates.dropFirst().map(TLSSessionTests.pem).joined()
            .write(toFile: dir + "/untrusted.pem", atomically: true, encoding: .utf8)
        try TLSSessionTests.pem(id.certificates[0]).write(toFile: dir + "/leaf.pem", atomically: true, encoding: .utf8)
        let r = runProgram(
            openssl,
            [
                "verify", "-attime", String(TLSSessionTests.start), "-purpose", "sslserver", "-verify_hostname",
                c.name, "-CAfile", dir + "/root.pem", "-untrusted", dir + "/untrusted.pem", dir + "/leaf.pem",
            ])
        #expect(r.status == 0 && r.stdout.contains("OK"), "\(r.stdout)\(r.stderr)")
    }

    /// Amazon Root CA 1's cross-certificate is really signed by the Starfield-shaped key and
    /// carries the root's own key.
    @Test func crossCertificateIsSignedByStarfield() throws {
        var pki = SimulatedPKI(seed: 1, runStartUnixSeconds: TLSSessionTests.start)
        let id = pki.identity(serverName: "s3.us-east-1.amazonaws.com", chain: .amazonTrust)
        let cross = try Certificate(derEncoded: id.certificates[2])
        let root = try Certificate(derEncoded: id.root)
        #expect(cross.publicKey == root.publicKey && cross.subject == root.subject)
        #expect(Self.commonName(cross.issuer) == "Starfield Services Root Certificate Authority - G2 (simulated)")
        #expect(Certificate.PublicKey(SimulatedPKI.starfieldPublicKey).isValidSignature(cross.signature, for: cross))
        #expect(!Certificate.PublicKey(SimulatedPKI.rootPublicKey).isValidSignature(cross.signature, for: cross))
    }

    /// The committed public halves of the CA keys are those of the committed private keys.
    @Test func caPublicKeyFixturesMatchThePrivateKeys() {
        let pairs = [
            (SimulatedPKI.starfieldKey.publicKey.derRepresentation, SimulatedPKI.starfieldPublicKey.derRepresentation),
            (SimulatedPKI.rdsRootKey.publicKey.derRepresentation, SimulatedPKI.rdsRootPublicKey.derRepresentation),
            (
                SimulatedPKI.rdsSubordinateKey.publicKey.derRepresentation,
                SimulatedPKI.rdsSubordinatePublicKey.derRepresentation
            ),
            (SimulatedPKI.isrgRootKey.publicKey.derRepresentation, SimulatedPKI.isrgRootPublicKey.derRepresentation),
            (
                SimulatedPKI.letsEncryptKey.publicKey.derRepresentation,
                SimulatedPKI.letsEncryptPublicKey.derRepresentation
            ),
        ]
        for (k, p) in pairs { #expect(k == p) }
    }
}
