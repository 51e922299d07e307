import Foundation
import Crypto
import _CryptoExtras
import SwiftASN1
import X509
import SimCore
import Wire

/// The certificates simulated TLS servers present, one chain shape per server type
/// (``Wire/TLSCertificateChain``), built with swift-certificates and signed with
/// sha256WithRSAEncryption (PKCS #1 v1.5, deterministic) by the fixed keys of ``SimulationKeys``
/// and ``SimulationCAKeys``. Serial numbers and the leaves' validity come from the run's seed and
/// start, so a chain is the same for the same topology and seed. Every CA name says "simulated",
/// every URL is under an `.invalid` domain (RFC 6761 §6.4), and no leaf carries embedded SCTs
/// (there are no CT logs to sign them); every server uses the same leaf key.
///
/// - ``Wire/TLSCertificateChain/amazonTrust`` (AWS front ends): Amazon Trust Services' shape
///   (https://www.amazontrust.com/repository/): a leaf under an "Amazon RSA 2048 M03"-shaped
///   intermediate under "Amazon Root CA 1". The server sends the leaf, the intermediate and Amazon
///   Root CA 1 cross-signed by "Starfield Services Root Certificate Authority - G2" — the chain
///   public `openssl s_client -showcerts` transcripts of ACM-certified AWS endpoints show, and the
///   one that lets a client trusting only Starfield Services Root G2 validate, as the DynamoDB ATS
///   page says clients may
///   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ats-certs.html). Whether
///   DynamoDB/S3/STS/SQS themselves also send Starfield Services Root G2 cross-signed by
///   Starfield Class 2 (a fourth certificate some ACM endpoints send) is not determined: assumed not.
/// - ``Wire/TLSCertificateChain/rdsRegional`` (RDS): the Region's rds-ca-rsa2048-g1 CA
///   (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html): a leaf named
///   for the endpoint (CN and SAN), issued by "Amazon RDS <Region> Subordinate CA RSA2048 G1.A.n"
///   under "Amazon RDS <Region> Root CA RSA2048 G1", with the distinguished names
///   `openssl s_client -starttls postgres` prints against RDS. The server sends the leaf, the
///   subordinate and the self-signed Region root (hence node-postgres's well-known
///   "self-signed certificate in certificate chain" against RDS without the bundle:
///   https://github.com/NangoHQ/nango/issues/2694). See `SimulatedPKI+Chains.swift`.
/// - ``Wire/TLSCertificateChain/publicWebPKI`` (nginx: internet and partner servers): Let's
///   Encrypt's shape (https://letsencrypt.org/certificates/): a 90-day leaf under the RSA
///   intermediate "R10" under the RSA-4096 "ISRG Root X1"; the server sends the leaf and R10 (the
///   default chain since the cross-signed X1 was retired:
///   https://letsencrypt.org/2023/07/10/cross-sign-expiration/). Real Let's Encrypt servers often
///   have ECDSA leaves under E5–E9, but swift-crypto's ECDSA signatures are randomised, which
///   would break byte-identical outputs, so the simulated one is RSA (the R10/R11 kind).
public struct SimulatedPKI: Sendable {
    public let seed: UInt64
    public let runStartUnixSeconds: Int64
    var identities: [ChainKey: TLSServerIdentity] = [:]
    var sizes: [ChainKey: [Int]] = [:]
    var issuers: [IssuerKey: Issuer] = [:]
    var placeholderIssuers: [IssuerKey: Issuer] = [:]

    struct ChainKey: Hashable, Sendable {
        var chain: TLSCertificateChain
        var serverName: String
    }

    /// An issuer hierarchy: per chain shape, and per Region for RDS.
    struct IssuerKey: Hashable, Sendable {
        var chain: TLSCertificateChain
        var region: String
    }

    /// The CA side of a chain: the certificates sent after the leaf, the trust anchor, and the
    /// name and key identifier the leaf's issuer fields carry.
    struct Issuer: Sendable {
        var sent: [[UInt8]]
        var root: [UInt8]
        var name: DistinguishedName
        var keyIdentifier: ArraySlice<UInt8>
    }

    /// The PKI of a run: `seed` is the run's seed, `runStartUnixSeconds` the simulated start.
    public init(seed: UInt64, runStartUnixSeconds: Int64) {
        self.seed = SplitMix64.mix(seed ^ 0x504B_4921)
        self.runStartUnixSeconds = runStartUnixSeconds
    }

    /// The chain of shape `chain` that `serverName`'s server presents (generated on first use,
    /// then remembered).
    public mutating func identity(serverName: String, chain: TLSCertificateChain) -> TLSServerIdentity {
        let key = ChainKey(chain: chain, serverName: serverName)
        if let known = identities[key] { return known }
        let issuer = self.issuer(chain, serverName: serverName, placeholder: false)
        let leaf = Self.makeLeaf(
            chain, serverName: serverName, seed: seed, start: runStartUnixSeconds, issuer: issuer, placeholder: false)
        let id = TLSServerIdentity(certificates: [leaf] + issuer.sent, root: issuer.root)
        identities[key] = id
        return id
    }

    /// The DER sizes of the chain ``identity(serverName:chain:)`` generates, without its RSA
    /// signatures: the same certificates built with a placeholder signature of a real one's
    /// length (an RSA signature is as long as its key's modulus), so the model sizes a handshake
    /// without the cost of signing. Tests compare the two.
    public mutating func derSizes(serverName: String, chain: TLSCertificateChain) -> [Int] {
        let key = ChainKey(chain: chain, serverName: serverName)
        if let known = sizes[key] { return known }
        let issuer = self.issuer(chain, serverName: serverName, placeholder: true)
        let leaf = Self.makeLeaf(
            chain, serverName: serverName, seed: seed, start: runStartUnixSeconds, issuer: issuer, placeholder: true)
        let result = [leaf.count] + issuer.sent.map(\.count)
        sizes[key] = result
        return result
    }

    mutating func issuer(_ chain: TLSCertificateChain, serverName: String, placeholder: Bool) -> Issuer {
        let key = IssuerKey(chain: chain, region: chain == .rdsRegional ? Self.rdsRegion(serverName) : "")
        if let known = (placeholder ? placeholderIssuers : issuers)[key] { return known }
        let made: Issuer
        switch chain {
        case .amazonTrust: made = Self.makeIssuer(seed: seed, placeholder: placeholder)
        case .rdsRegional: made = Self.rdsIssuer(region: key.region, seed: seed, placeholder: placeholder)
        case .publicWebPKI: made = Self.publicWebIssuer(seed: seed, placeholder: placeholder)
        }
        if placeholder { placeholderIssuers[key] = made } else { issuers[key] = made }
        return made
    }

    static func makeLeaf(
        _ chain: TLSCertificateChain, serverName: String, seed: UInt64, start: Int64, issuer: Issuer, placeholder: Bool
    ) -> [UInt8] {
        switch chain {
        case .amazonTrust:
            makeLeaf(
                serverName: serverName, seed: seed, start: start, issuerSKI: issuer.keyIdentifier,
                placeholder: placeholder)
        case .rdsRegional:
            rdsLeaf(serverName: serverName, seed: seed, start: start, issuer: issuer, placeholder: placeholder)
        case .publicWebPKI:
            publicWebLeaf(serverName: serverName, seed: seed, start: start, issuer: issuer, placeholder: placeholder)
        }
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
            ? Certificate.PrivateKey(
                PlaceholderSigner(
                    publicKey: Certificate.PublicKey(`public`), signatureLength: `public`.keySizeInBits / 8))
            : Certificate.PrivateKey(key())
    }

    static func makeIssuer(seed: UInt64, placeholder: Bool) -> Issuer {
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
            let intermediateName = try DistinguishedName {
                CountryName("US")
                OrganizationName(organisation)
                CommonName("Amazon RSA 2048 M03 (simulated)")
            }
            let intermediate = try Certificate(
                version: .v3, serialNumber: serial(seed, 2, bytes: 19), publicKey: intermediatePublic,
                notValidBefore: date(UTCDateTime.unixSeconds(year: 2022, month: 8, day: 23, hour: 22, minute: 26)),
                notValidAfter: date(UTCDateTime.unixSeconds(year: 2030, month: 8, day: 23, hour: 22, minute: 26)),
                issuer: rootName, subject: intermediateName,
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
            let cross = try amazonRootCrossCertificate(
                rootName: rootName, rootSKI: rootSKI, seed: seed, placeholder: placeholder)
            return Issuer(
                sent: [der(intermediate), cross], root: der(root), name: intermediateName,
                keyIdentifier: intermediateSKI.keyIdentifier)
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

/// One server's certificate chain as it sends it (leaf first, then its issuers), and the
/// self-signed root that anchors it.
public struct TLSServerIdentity: Sendable, Hashable {
    /// DER of the certificates a server sends, leaf first.
    public var certificates: [[UInt8]]
    /// DER of the self-signed root (not sent; for verifying a chain).
    public var root: [UInt8]
    public var derSizes: [Int] { certificates.map(\.count) }
}

/// A signer that writes a zero-filled signature as long as its RSA key's real one: certificates
/// it "signs" have the DER length of the real ones, for sizing only (never written to an output).
struct PlaceholderSigner: CustomPrivateKey {
    let publicKey: Certificate.PublicKey
    let signatureLength: Int
    var defaultSignatureAlgorithm: Certificate.SignatureAlgorithm { .sha256WithRSAEncryption }
    var supportedSignatureAlgorithms: [Certificate.SignatureAlgorithm] { [.sha256WithRSAEncryption] }

    func signSynchronously(bytes: some DataProtocol, signatureAlgorithm: Certificate.SignatureAlgorithm) throws
        -> Certificate.Signature
    {
        try Certificate.Signature(
            signatureAlgorithm: signatureAlgorithm,
            signatureBytes: ASN1BitString(bytes: ArraySlice(repeating: 0, count: signatureLength)))
    }

    static var defaultPEMDiscriminator: String { "PRIVATE KEY" }
    func serialize(into coder: inout DER.Serializer) throws {
        throw ASN1Error.invalidASN1Object(reason: "a placeholder signer has no key to serialize")
    }
}
