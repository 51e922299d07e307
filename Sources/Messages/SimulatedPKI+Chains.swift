import Foundation
import Crypto
import _CryptoExtras
import SwiftASN1
import X509
import SimCore
import Wire

/// The chains other than the Amazon Trust Services leaf and intermediate (see ``SimulatedPKI``
/// for each shape's sources): Amazon Root CA 1's Starfield cross-certificate, the RDS Region CAs
/// and leaves, and the Let's-Encrypt-shaped public web PKI. Validity periods and serial lengths
/// of the CA certificates follow the real ones where their pages give them; where not, "assumed".
extension SimulatedPKI {
    // MARK: Keys

    static let starfieldKey = try! _RSA.Signing.PrivateKey(pemRepresentation: SimulationCAKeys.starfield)
    static let starfieldPublicKey = try! _RSA.Signing.PublicKey(pemRepresentation: SimulationCAKeys.starfieldPublic)
    static let rdsRootKey = try! _RSA.Signing.PrivateKey(pemRepresentation: SimulationCAKeys.rdsRoot)
    static let rdsRootPublicKey = try! _RSA.Signing.PublicKey(pemRepresentation: SimulationCAKeys.rdsRootPublic)
    static let rdsSubordinateKey = try! _RSA.Signing.PrivateKey(pemRepresentation: SimulationCAKeys.rdsSubordinate)
    static let rdsSubordinatePublicKey = try! _RSA.Signing.PublicKey(
        pemRepresentation: SimulationCAKeys.rdsSubordinatePublic)
    static let isrgRootKey = try! _RSA.Signing.PrivateKey(pemRepresentation: SimulationCAKeys.isrgRoot)
    static let isrgRootPublicKey = try! _RSA.Signing.PublicKey(pemRepresentation: SimulationCAKeys.isrgRootPublic)
    static let letsEncryptKey = try! _RSA.Signing.PrivateKey(pemRepresentation: SimulationCAKeys.letsEncrypt)
    static let letsEncryptPublicKey = try! _RSA.Signing.PublicKey(pemRepresentation: SimulationCAKeys.letsEncryptPublic)

    // MARK: Amazon Root CA 1, cross-signed

    /// Amazon Root CA 1 (same name and key as the self-signed one) issued by "Starfield Services
    /// Root Certificate Authority - G2": validity 2015-05-25 12:00 to 2037-12-31 01:00 and a
    /// 19-byte serial, as the real cross-certificate (https://www.amazontrust.com/repository/).
    static func amazonRootCrossCertificate(
        rootName: DistinguishedName, rootSKI: SubjectKeyIdentifier, seed: UInt64, placeholder: Bool
    ) throws -> [UInt8] {
        let starfieldName = try DistinguishedName {
            CountryName("US")
            StateOrProvinceName("Arizona")
            LocalityName("Scottsdale")
            OrganizationName("Starfield Technologies, Inc. (vpcsim simulated PKI)")
            CommonName("Starfield Services Root Certificate Authority - G2 (simulated)")
        }
        let starfieldSKI = SubjectKeyIdentifier(hash: Certificate.PublicKey(starfieldPublicKey))
        let cross = try Certificate(
            version: .v3, serialNumber: serial(seed, 4, bytes: 19), publicKey: Certificate.PublicKey(rootPublicKey),
            notValidBefore: date(UTCDateTime.unixSeconds(year: 2015, month: 5, day: 25, hour: 12, minute: 0)),
            notValidAfter: date(UTCDateTime.unixSeconds(year: 2037, month: 12, day: 31, hour: 1, minute: 0)),
            issuer: starfieldName, subject: rootName, signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions([
                try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true),
                try Certificate.Extension(
                    KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true), critical: true),
                try Certificate.Extension(rootSKI, critical: false),
                try Certificate.Extension(
                    AuthorityKeyIdentifier(keyIdentifier: starfieldSKI.keyIdentifier), critical: false),
                try Certificate.Extension(aia("rootg2"), critical: false),
                crlDistributionPoint("http://crl.rootg2.amazontrust.invalid/rootg2.crl"),
                anyPolicy,
            ]),
            issuerPrivateKey: signer(starfieldKey, public: starfieldPublicKey, placeholder: placeholder))
        return der(cross)
    }

    // MARK: RDS

    /// The Region in an RDS endpoint name (`<id>.<suffix>.<region>.rds.amazonaws.com`);
    /// us-east-1 for names of another form (assumed: a database known by another name).
    static func rdsRegion(_ serverName: String) -> String {
        let labels = serverName.split(separator: ".")
        guard labels.count >= 5, labels[labels.count - 3] == "rds", labels[labels.count - 2] == "amazonaws"
        else { return "us-east-1" }
        return String(labels[labels.count - 4])
    }

    /// Names as RDS prints them: C, O, OU, ST, CN, L (the order `openssl s_client` shows).
    static func rdsCAName(_ commonName: String) throws -> DistinguishedName {
        try DistinguishedName {
            CountryName("US")
            OrganizationName("Amazon Web Services, Inc. (vpcsim simulated PKI)")
            OrganizationalUnitName("Amazon RDS")
            StateOrProvinceName("WA")
            CommonName(commonName)
            LocalityName("Seattle")
        }
    }

    /// The Region's rds-ca-rsa2048-g1 root and subordinate. The root's validity (2021-05-25 for
    /// 40 years) and the subordinate's ("G1.A.n", n per Region, valid 2021-05-25 to 2061-05-25)
    /// are assumed; both are RSA-2048 with SHA-256 signatures, as the RDS page says.
    static func rdsIssuer(region: String, seed: UInt64, placeholder: Bool) -> Issuer {
        do {
            let regionSeed = seed ^ FNV1a64.hash(region.utf8)
            let rootName = try rdsCAName("Amazon RDS \(region) Root CA RSA2048 G1 (simulated)")
            let subordinateName = try rdsCAName(
                "Amazon RDS \(region) Subordinate CA RSA2048 G1.A.\(1 + regionSeed % 10) (simulated)")
            let rootPublic = Certificate.PublicKey(rdsRootPublicKey)
            let rootSKI = SubjectKeyIdentifier(hash: rootPublic)
            let start = UTCDateTime.unixSeconds(year: 2021, month: 5, day: 25)
            let end = UTCDateTime.unixSeconds(year: 2061, month: 5, day: 25)
            let root = try Certificate(
                version: .v3, serialNumber: serial(regionSeed, 5, bytes: 16), publicKey: rootPublic,
                notValidBefore: date(start), notValidAfter: date(end), issuer: rootName, subject: rootName,
                signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: try Certificate.Extensions([
                    try Certificate.Extension(
                        BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true),
                    try Certificate.Extension(rootSKI, critical: false),
                    try Certificate.Extension(
                        KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true), critical: true),
                ]),
                issuerPrivateKey: signer(rdsRootKey, public: rdsRootPublicKey, placeholder: placeholder))
            let subPublic = Certificate.PublicKey(rdsSubordinatePublicKey)
            let subSKI = SubjectKeyIdentifier(hash: subPublic)
            let subordinate = try Certificate(
                version: .v3, serialNumber: serial(regionSeed, 6, bytes: 16), publicKey: subPublic,
                notValidBefore: date(start), notValidAfter: date(end), issuer: rootName, subject: subordinateName,
                signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: try Certificate.Extensions([
                    try Certificate.Extension(
                        BasicConstraints.isCertificateAuthority(maxPathLength: 0), critical: true),
                    try Certificate.Extension(
                        AuthorityKeyIdentifier(keyIdentifier: rootSKI.keyIdentifier), critical: false),
                    try Certificate.Extension(subSKI, critical: false),
                    try Certificate.Extension(
                        KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true), critical: true),
                ]),
                issuerPrivateKey: signer(rdsRootKey, public: rdsRootPublicKey, placeholder: placeholder))
            return Issuer(
                sent: [der(subordinate), der(root)], root: der(root), name: subordinateName,
                keyIdentifier: subSKI.keyIdentifier)
        } catch {
            preconditionFailure("building the simulated RDS CA certificates for \(region) failed: \(error)")
        }
    }

    /// An RDS server certificate: subject CN=<endpoint>, OU=RDS, O=Amazon.com, L=Seattle,
    /// ST=Washington, C=US (as RDS names it), the endpoint also as SAN, issued 1–200 days before
    /// the run for one year (assumed: RDS rotates it before expiry).
    static func rdsLeaf(serverName: String, seed: UInt64, start: Int64, issuer: Issuer, placeholder: Bool)
        -> [UInt8]
    {
        let nameSeed = FNV1a64.hash(serverName.utf8) ^ seed
        let day = Int64(86_400)
        let issued = (start / day - 1 - Int64(SplitMix64.value(seed: nameSeed, index: 1) % 200)) * day
        do {
            let publicKey = Certificate.PublicKey(leafPublicKey)
            let leaf = try Certificate(
                version: .v3, serialNumber: serial(nameSeed, 9, bytes: 16), publicKey: publicKey,
                notValidBefore: date(issued), notValidAfter: date(issued + 365 * day - 1), issuer: issuer.name,
                subject: try DistinguishedName {
                    CommonName(serverName)
                    OrganizationalUnitName("RDS")
                    OrganizationName("Amazon.com (vpcsim simulated PKI)")
                    LocalityName("Seattle")
                    StateOrProvinceName("Washington")
                    CountryName("US")
                },
                signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: try Certificate.Extensions([
                    try Certificate.Extension(SubjectAlternativeNames([.dnsName(serverName)]), critical: false),
                    try Certificate.Extension(
                        AuthorityKeyIdentifier(keyIdentifier: issuer.keyIdentifier), critical: false),
                    try Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false),
                    try Certificate.Extension(KeyUsage(digitalSignature: true, keyEncipherment: true), critical: true),
                    try Certificate.Extension(ExtendedKeyUsage([.serverAuth]), critical: false),
                ]),
                issuerPrivateKey: signer(rdsSubordinateKey, public: rdsSubordinatePublicKey, placeholder: placeholder))
            return der(leaf)
        } catch {
            preconditionFailure("building the simulated RDS certificate for \(serverName) failed: \(error)")
        }
    }

    // MARK: Public web PKI (Let's Encrypt's shape)

    /// "ISRG Root X1" (RSA-4096, 2015-06-04 11:04:38 for 20 years; not sent) and "R10"
    /// (2024-03-13 to 2027-03-12 23:59:59, path length 0), as on https://letsencrypt.org/certificates/.
    static func publicWebIssuer(seed: UInt64, placeholder: Bool) -> Issuer {
        do {
            let rootName = try DistinguishedName {
                CountryName("US")
                OrganizationName("Internet Security Research Group (vpcsim simulated PKI)")
                CommonName("ISRG Root X1 (simulated)")
            }
            let intermediateName = try DistinguishedName {
                CountryName("US")
                OrganizationName("Let's Encrypt (vpcsim simulated PKI)")
                CommonName("R10 (simulated)")
            }
            let rootPublic = Certificate.PublicKey(isrgRootPublicKey)
            let rootSKI = SubjectKeyIdentifier(hash: rootPublic)
            let root = try Certificate(
                version: .v3, serialNumber: serial(seed, 7, bytes: 16), publicKey: rootPublic,
                notValidBefore: date(UTCDateTime.unixSeconds(year: 2015, month: 6, day: 4, hour: 11, minute: 4) + 38),
                notValidAfter: date(UTCDateTime.unixSeconds(year: 2035, month: 6, day: 4, hour: 11, minute: 4) + 38),
                issuer: rootName, subject: rootName, signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: try Certificate.Extensions([
                    try Certificate.Extension(KeyUsage(keyCertSign: true, cRLSign: true), critical: true),
                    try Certificate.Extension(
                        BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true),
                    try Certificate.Extension(rootSKI, critical: false),
                ]),
                issuerPrivateKey: signer(isrgRootKey, public: isrgRootPublicKey, placeholder: placeholder))
            let intermediatePublic = Certificate.PublicKey(letsEncryptPublicKey)
            let intermediateSKI = SubjectKeyIdentifier(hash: intermediatePublic)
            let intermediate = try Certificate(
                version: .v3, serialNumber: serial(seed, 8, bytes: 16), publicKey: intermediatePublic,
                notValidBefore: date(UTCDateTime.unixSeconds(year: 2024, month: 3, day: 13)),
                notValidAfter: date(UTCDateTime.unixSeconds(year: 2027, month: 3, day: 13) - 1),
                issuer: rootName, subject: intermediateName, signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: try Certificate.Extensions([
                    try Certificate.Extension(
                        KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true), critical: true),
                    try Certificate.Extension(ExtendedKeyUsage([.clientAuth, .serverAuth]), critical: false),
                    try Certificate.Extension(
                        BasicConstraints.isCertificateAuthority(maxPathLength: 0), critical: true),
                    try Certificate.Extension(intermediateSKI, critical: false),
                    try Certificate.Extension(
                        AuthorityKeyIdentifier(keyIdentifier: rootSKI.keyIdentifier), critical: false),
                    try Certificate.Extension(issuerOnlyAIA("http://x1.i.lencr.invalid/"), critical: false),
                    serverPolicy,
                    crlDistributionPoint("http://x1.c.lencr.invalid/"),
                ]),
                issuerPrivateKey: signer(isrgRootKey, public: isrgRootPublicKey, placeholder: placeholder))
            return Issuer(
                sent: [der(intermediate)], root: der(root), name: intermediateName,
                keyIdentifier: intermediateSKI.keyIdentifier)
        } catch {
            preconditionFailure("building the simulated public CA certificates failed: \(error)")
        }
    }

    /// A Let's-Encrypt-shaped leaf: subject CN only, 90 days (https://letsencrypt.org/docs/faq/),
    /// issued 1–60 days before the run (renewed when 30 days remain, as certbot does), an 18-byte
    /// serial, server authentication only (Let's Encrypt dropped clientAuth in 2026:
    /// https://letsencrypt.org/2025/05/14/ending-tls-client-authentication/), no OCSP URL (ended
    /// 2025: https://letsencrypt.org/2024/12/05/ending-ocsp/), a CRL distribution point.
    static func publicWebLeaf(serverName: String, seed: UInt64, start: Int64, issuer: Issuer, placeholder: Bool)
        -> [UInt8]
    {
        let nameSeed = FNV1a64.hash(serverName.utf8) ^ seed
        let day = Int64(86_400)
        let issued = (start / day - 1 - Int64(SplitMix64.value(seed: nameSeed, index: 2) % 60)) * day
        do {
            let publicKey = Certificate.PublicKey(leafPublicKey)
            let leaf = try Certificate(
                version: .v3, serialNumber: serial(nameSeed, 10, bytes: 18), publicKey: publicKey,
                notValidBefore: date(issued), notValidAfter: date(issued + 90 * day - 1), issuer: issuer.name,
                subject: try DistinguishedName { CommonName(serverName) },
                signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: try Certificate.Extensions([
                    try Certificate.Extension(KeyUsage(digitalSignature: true, keyEncipherment: true), critical: true),
                    try Certificate.Extension(ExtendedKeyUsage([.serverAuth]), critical: false),
                    try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true),
                    try Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false),
                    try Certificate.Extension(
                        AuthorityKeyIdentifier(keyIdentifier: issuer.keyIdentifier), critical: false),
                    try Certificate.Extension(issuerOnlyAIA("http://r10.i.lencr.invalid/"), critical: false),
                    try Certificate.Extension(SubjectAlternativeNames([.dnsName(serverName)]), critical: false),
                    serverPolicy,
                    crlDistributionPoint("http://r10.c.lencr.invalid/\(nameSeed % 128).crl"),
                ]),
                issuerPrivateKey: signer(letsEncryptKey, public: letsEncryptPublicKey, placeholder: placeholder))
            return der(leaf)
        } catch {
            preconditionFailure("building the simulated public certificate for \(serverName) failed: \(error)")
        }
    }

    // MARK: Extensions

    /// Authority Information Access with the issuer's certificate only (RFC 5280 §4.2.2.1).
    static func issuerOnlyAIA(_ uri: String) -> AuthorityInformationAccess {
        AuthorityInformationAccess([.init(method: .issuingCA, location: .uniformResourceIdentifier(uri))])
    }

    /// certificatePolicies with anyPolicy (2.5.29.32.0), DER written out: SEQUENCE { SEQUENCE { OID } }.
    static let anyPolicy = Certificate.Extension(
        oid: [2, 5, 29, 32], critical: false, value: [0x30, 0x08, 0x30, 0x06, 0x06, 0x04, 0x55, 0x1D, 0x20, 0x00])
}
