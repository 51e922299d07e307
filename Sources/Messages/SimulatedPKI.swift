import Foundation
import Crypto
import _CryptoExtras
import SwiftASN1
import X509
import SimCore

/// The certificates a simulated TLS server presents: a chain in the shape of Amazon Trust
/// Services' (https://www.amazontrust.com/repository/) — a self-signed root ("Amazon Root CA
/// 1"-shaped), an intermediate named like "Amazon RSA 2048 M03", and a leaf for the server name —
/// built with swift-certificates and signed with sha256WithRSAEncryption (PKCS #1 v1.5,
/// deterministic) by the fixed keys of ``SimulationKeys``. Serial numbers and the leaf's validity
/// come from the run's seed and start, so a chain is the same for the same topology and seed.
///
/// The leaf mirrors an ACM leaf's extensions (authority and subject key identifiers, the server
/// name as CN and SAN, policy 2.23.140.1.2.1, key usage, EKU, CRL distribution point, AIA,
/// basicConstraints) but carries no embedded SCTs: there are no CT logs to sign them. Its
/// addresses are under `amazontrust.invalid` (RFC 6761 §6.4), and every name says "simulated".
public struct SimulatedPKI: Sendable {
    public let seed: UInt64
    public let runStartUnixSeconds: Int64
    var identities: [String: TLSServerIdentity] = [:]
    var issuer: (root: [UInt8], intermediate: [UInt8], intermediateSKI: ArraySlice<UInt8>)?
    var sizes: [String: [Int]] = [:]
    var placeholderIssuer: (root: [UInt8], intermediate: [UInt8], intermediateSKI: ArraySlice<UInt8>)?

    /// The PKI of a run: `seed` is the run's seed, `runStartUnixSeconds` the simulated start.
    public init(seed: UInt64, runStartUnixSeconds: Int64) {
        self.seed = SplitMix64.mix(seed ^ 0x504B_4921)
        self.runStartUnixSeconds = runStartUnixSeconds
    }

    /// The chain `serverName`'s server presents (generated on first use, then remembered).
    public mutating func identity(serverName: String) -> TLSServerIdentity {
        if let known = identities[serverName] { return known }
        let issuer = self.issuer ?? Self.makeIssuer(seed: seed)
        self.issuer = issuer
        let leaf = Self.makeLeaf(
            serverName: serverName, seed: seed, start: runStartUnixSeconds, issuerSKI: issuer.intermediateSKI)
        let id = TLSServerIdentity(certificates: [leaf, issuer.intermediate], root: issuer.root)
        identities[serverName] = id
        return id
    }

    /// The DER sizes of the chain ``identity(serverName:)`` generates, without its RSA
    /// signatures: the same certificates built with a placeholder signature of a real one's
    /// length (an RSA-2048 signature is always 256 bytes), so the model sizes a handshake without
    /// the cost of signing. Tests compare the two.
    public mutating func derSizes(serverName: String) -> [Int] {
        if let known = sizes[serverName] { return known }
        let issuer = placeholderIssuer ?? Self.makeIssuer(seed: seed, placeholder: true)
        placeholderIssuer = issuer
        let leaf = Self.makeLeaf(
            serverName: serverName, seed: seed, start: runStartUnixSeconds, issuerSKI: issuer.intermediateSKI,
            placeholder: true)
        sizes[serverName] = [leaf.count, issuer.intermediate.count]
        return [leaf.count, issuer.intermediate.count]
    }

    // MARK: Keys

    static let rootKey = try! _RSA.Signing.PrivateKey(pemRepresentation: SimulationKeys.root)
    static let intermediateKey = try! _RSA.Signing.PrivateKey(pemRepresentation: SimulationKeys.intermediate)
    /// The leaf key for TLS 1.2's PKCS #1 v1.5 signatures.
    static let leafKey = try! _RSA.Signing.PrivateKey(pemRepresentation: SimulationKeys.leaf)
    /// The same leaf key for TLS 1.3's deterministic RSA-PSS (RFC 9474's PSSZERO variant).
    static let leafPSSKey = try! _RSA.BlindSigning.PrivateKey<SHA384>(
        pemRepresentation: SimulationKeys.leaf, parameters: .RSABSSA_SHA384_PSSZERO_Deterministic)

    /// Bytes of an RSA-2048 signature.
    public static let signatureLength = 256

    // MARK: Building

    static let organisation = "Amazon (vpcsim simulated PKI)"

    static let rootPublicKey = try! _RSA.Signing.PublicKey(pemRepresentation: SimulationKeys.rootPublic)
    static let intermediatePublicKey = try! _RSA.Signing.PublicKey(pemRepresentation: SimulationKeys.intermediatePublic)
    static let leafPublicKey = try! _RSA.Signing.PublicKey(pemRepresentation: SimulationKeys.leafPublic)

    /// The issuer's signing key: the real one, or a placeholder for sizes (which needs only the
    /// public keys, cheaper to load than the private ones).
    static func signer(
        _ key: @autoclosure () -> _RSA.Signing.PrivateKey, public: _RSA.Signing.PublicKey, placeholder: Bool
    )
        -> Certificate.PrivateKey
    {
        placeholder
            ? Certificate.PrivateKey(PlaceholderSigner(publicKey: Certificate.PublicKey(`public`)))
            : Certificate.PrivateKey(key())
    }

    static func makeIssuer(seed: UInt64, placeholder: Bool = false) -> (
        root: [UInt8], intermediate: [UInt8], intermediateSKI: ArraySlice<UInt8>
    ) {
        do {
            let rootName = try DistinguishedName {
                CountryName("US")
                OrganizationName(organisation)
                CommonName("Amazon Root CA 1 (simulated)")
            }
            let rootPublic = Certificate.PublicKey(rootPublicKey)
            let rootSKI = SubjectKeyIdentifier(hash: rootPublic)
            // Amazon Root CA 1: 2015-05-26 to 2038-01-17.
            let root = try Certificate(
                version: .v3, serialNumber: serial(seed, 1, bytes: 19), publicKey: rootPublic,
                notValidBefore: date(UTCDateTime.unixSeconds(year: 2015, month: 5, day: 26)),
                notValidAfter: date(UTCDateTime.unixSeconds(year: 2038, month: 1, day: 17)),
                issuer: rootName, subject: rootName, signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: try Certificate.Extensions([
                    try Certificate.Extension(
                        BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true),
                    try Certificate.Extension(
                        KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true), critical: true),
                    try Certificate.Extension(rootSKI, critical: false),
                ]),
                issuerPrivateKey: signer(rootKey, public: rootPublicKey, placeholder: placeholder))
            let intermediatePublic = Certificate.PublicKey(intermediatePublicKey)
            let intermediateSKI = SubjectKeyIdentifier(hash: intermediatePublic)
            // Amazon RSA 2048 M03: 2022-08-23 to 2030-08-23, path length 0, server and client auth.
            let intermediate = try Certificate(
                version: .v3, serialNumber: serial(seed, 2, bytes: 19), publicKey: intermediatePublic,
                notValidBefore: date(UTCDateTime.unixSeconds(year: 2022, month: 8, day: 23, hour: 22, minute: 26)),
                notValidAfter: date(UTCDateTime.unixSeconds(year: 2030, month: 8, day: 23, hour: 22, minute: 26)),
                issuer: rootName,
                subject: try DistinguishedName {
                    CountryName("US")
                    OrganizationName(organisation)
                    CommonName("Amazon RSA 2048 M03 (simulated)")
                },
                signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: try Certificate.Extensions([
                    try Certificate.Extension(
                        BasicConstraints.isCertificateAuthority(maxPathLength: 0), critical: true),
                    try Certificate.Extension(
                        KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true), critical: true),
                    try Certificate.Extension(ExtendedKeyUsage([.serverAuth, .clientAuth]), critical: false),
                    try Certificate.Extension(intermediateSKI, critical: false),
                    try Certificate.Extension(
                        AuthorityKeyIdentifier(keyIdentifier: rootSKI.keyIdentifier), critical: false),
                    try Certificate.Extension(aia("rootca1"), critical: false),
                    crlDistributionPoint("http://crl.rootca1.amazontrust.invalid/rootca1.crl"),
                    serverPolicy,
                ]),
                issuerPrivateKey: signer(rootKey, public: rootPublicKey, placeholder: placeholder))
            return (der(root), der(intermediate), intermediateSKI.keyIdentifier)
        } catch {
            preconditionFailure("building the simulated CA certificates failed: \(error)")
        }
    }

    static func makeLeaf(
        serverName: String, seed: UInt64, start: Int64, issuerSKI: ArraySlice<UInt8>, placeholder: Bool = false
    ) -> [UInt8] {
        let nameSeed = FNV1a64.hash(serverName.utf8) ^ seed
        // Issued 1–200 days before the run, at midnight UTC, for 395 days (ACM renews 13-month
        // certificates: https://docs.aws.amazon.com/acm/latest/userguide/managed-renewal.html).
        let day = Int64(86_400)
        let issued = (start / day - 1 - Int64(SplitMix64.value(seed: nameSeed, index: 0) % 200)) * day
        do {
            let publicKey = Certificate.PublicKey(leafPublicKey)
            let leaf = try Certificate(
                version: .v3, serialNumber: serial(nameSeed, 3, bytes: 16), publicKey: publicKey,
                notValidBefore: date(issued), notValidAfter: date(issued + 395 * day - 1),
                issuer: try DistinguishedName {
                    CountryName("US")
                    OrganizationName(organisation)
                    CommonName("Amazon RSA 2048 M03 (simulated)")
                },
                subject: try DistinguishedName { CommonName(serverName) },
                signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: try Certificate.Extensions([
                    try Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: issuerSKI), critical: false),
                    try Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false),
                    try Certificate.Extension(SubjectAlternativeNames([.dnsName(serverName)]), critical: false),
                    serverPolicy,
                    try Certificate.Extension(KeyUsage(digitalSignature: true, keyEncipherment: true), critical: true),
                    try Certificate.Extension(ExtendedKeyUsage([.serverAuth, .clientAuth]), critical: false),
                    crlDistributionPoint("http://crl.r2m03.amazontrust.invalid/r2m03.crl"),
                    try Certificate.Extension(aia("r2m03"), critical: false),
                    try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true),
                ]),
                issuerPrivateKey: signer(intermediateKey, public: intermediatePublicKey, placeholder: placeholder))
            return der(leaf)
        } catch {
            preconditionFailure("building the simulated certificate for \(serverName) failed: \(error)")
        }
    }

    /// A serial number of exactly `bytes` bytes (first byte 0x01–0x7F: positive, no padding byte).
    static func serial(_ seed: UInt64, _ which: UInt64, bytes: Int) -> Certificate.SerialNumber {
        var b = (0..<bytes).map {
            UInt8(truncatingIfNeeded: SplitMix64.value(seed: seed &+ which << 32, index: UInt64($0)))
        }
        b[0] = b[0] & 0x7F | 0x01
        return Certificate.SerialNumber(bytes: b)
    }

    static func date(_ unixSeconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(unixSeconds)) }

    static func der(_ c: Certificate) -> [UInt8] {
        var s = DER.Serializer()
        try! s.serialize(c)
        return s.serializedBytes
    }

    /// Authority Information Access: the issuer's OCSP responder and its certificate (RFC 5280 §4.2.2.1).
    static func aia(_ ca: String) throws -> AuthorityInformationAccess {
        AuthorityInformationAccess([
            .init(method: .ocspServer, location: .uniformResourceIdentifier("http://ocsp.\(ca).amazontrust.invalid")),
            .init(
                method: .issuingCA,
                location: .uniformResourceIdentifier("http://crt.\(ca).amazontrust.invalid/\(ca).cer")),
        ])
    }

    /// certificatePolicies (RFC 5280 §4.2.1.4) with the CA/Browser Forum's domain-validated policy
    /// 2.23.140.1.2.1, DER written out: SEQUENCE { SEQUENCE { OID } }.
    static let serverPolicy = Certificate.Extension(
        oid: [2, 5, 29, 32], critical: false,
        value: [0x30, 0x0A, 0x30, 0x08, 0x06, 0x06, 0x67, 0x81, 0x0C, 0x01, 0x02, 0x01])

    /// cRLDistributionPoints (RFC 5280 §4.2.1.13) with one full-name URI, DER written out:
    /// SEQUENCE { SEQUENCE { [0] { [0] { [6] uri } } } } (every length below 128 bytes).
    static func crlDistributionPoint(_ uri: String) -> Certificate.Extension {
        let u = Array(uri.utf8)
        precondition(u.count < 100)
        let name: [UInt8] = [0x86, UInt8(u.count)] + u
        let fullName: [UInt8] = [0xA0, UInt8(name.count)] + name
        let point: [UInt8] = [0xA0, UInt8(fullName.count)] + fullName
        let dp: [UInt8] = [0x30, UInt8(point.count)] + point
        return Certificate.Extension(
            oid: [2, 5, 29, 31], critical: false, value: ArraySlice([0x30, UInt8(dp.count)] + dp))
    }
}

/// One server's certificate chain as it sends it (leaf, then the intermediate), and the root
/// that anchors it.
public struct TLSServerIdentity: Sendable, Hashable {
    /// DER of the certificates a server sends, leaf first.
    public var certificates: [[UInt8]]
    /// DER of the self-signed root (not sent; for verifying a chain).
    public var root: [UInt8]
    public var derSizes: [Int] { certificates.map(\.count) }
}

/// A signer that writes a zero-filled signature as long as an RSA-2048 one: certificates it
/// "signs" have the DER length of the real ones, for sizing only (never written to an output).
struct PlaceholderSigner: CustomPrivateKey {
    let publicKey: Certificate.PublicKey
    var defaultSignatureAlgorithm: Certificate.SignatureAlgorithm { .sha256WithRSAEncryption }
    var supportedSignatureAlgorithms: [Certificate.SignatureAlgorithm] { [.sha256WithRSAEncryption] }

    func signSynchronously(bytes: some DataProtocol, signatureAlgorithm: Certificate.SignatureAlgorithm) throws
        -> Certificate.Signature
    {
        try Certificate.Signature(
            signatureAlgorithm: signatureAlgorithm,
            signatureBytes: ASN1BitString(bytes: ArraySlice(repeating: 0, count: SimulatedPKI.signatureLength)))
    }

    static var defaultPEMDiscriminator: String { "PRIVATE KEY" }
    func serialize(into coder: inout DER.Serializer) throws {
        throw ASN1Error.invalidASN1Object(reason: "a placeholder signer has no key to serialize")
    }
}
