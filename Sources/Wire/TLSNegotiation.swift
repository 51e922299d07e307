// What a client profile and a server profile agree on: the version, suite, group, signature
// scheme and ALPN protocol of every connection between them. Both are values, so the outcome is
// the same on every connection; the model sizes flights from it and captures render them.

/// The parameters a TLS handshake between a ``TLSClientProfile`` and a ``TLSServerProfile``
/// settles on (RFC 8446 §4.1.1 for TLS 1.3, RFC 5246 §7.4.1 for TLS 1.2), the server choosing by
/// its own preference among what the client offers.
public struct TLSNegotiation: Hashable, Sendable {
    /// 0x0304 (TLS 1.3) or 0x0303 (TLS 1.2).
    public var version: UInt16
    public var cipherSuite: UInt16
    /// The key-exchange group (x25519).
    public var group: UInt16
    /// The scheme of the server's signature: CertificateVerify in TLS 1.3, ServerKeyExchange in
    /// TLS 1.2.
    ///
    /// Deterministic outputs rule out randomised signatures (swift-crypto's RSA-PSS draws a random
    /// salt). TLS 1.2 therefore signs with rsa_pkcs1_sha256, which TLS 1.2 allows (RFC 5246
    /// §7.4.1.4.1; an OpenSSL server would pick rsa_pss_rsae_sha256). TLS 1.3 requires RSA-PSS
    /// (RFC 8446 §4.4.3): the simulation signs rsa_pss_rsae_sha384 with a zero-length salt, the
    /// deterministic RSASSA-PSS of RFC 9474 (RSABSSA-SHA384-PSSZERO-Deterministic). RFC 8446
    /// §4.2.3 asks for a salt as long as the digest, so a strict verifier (OpenSSL, BoringSSL)
    /// would refuse that CertificateVerify; Wireshark does not verify it (see README).
    public var signatureScheme: UInt16
    /// The ALPN protocol selected, if the client offered one the server speaks (RFC 7301 §3.2).
    public var alpn: String?
    /// TLS 1.2: the client offered extended_master_secret (RFC 7627), so the session uses it.
    public var extendedMasterSecret: Bool
    /// TLS 1.2: the client signalled secure renegotiation (the extension or the SCSV, RFC 5746 §3.4).
    public var renegotiationInfo: Bool
    /// TLS 1.2: the client sent ec_point_formats, so the server answers with its own (RFC 8422 §5.2).
    public var ecPointFormats: Bool

    public var isTLS13: Bool { version == 0x0304 }

    /// The outcome for `client` against `server`, or a reason they cannot agree (no common
    /// version, suite or key share; the server cannot send HelloRetryRequest here).
    public static func negotiate(client: TLSClientProfile, server: TLSServerProfile) -> Result<
        TLSNegotiation, TLSNegotiationError
    > {
        var offered: [UInt16] = []
        var groups: [UInt16] = []
        var schemes: [UInt16] = []
        var alpn: [String] = []
        var ems = false, reneg = client.cipherSuites.contains(0x00FF), points = false
        for e in client.extensions {
            switch e {
            case .supportedVersions(let v): offered = v
            case .supportedGroups(let g): groups = g
            case .signatureAlgorithms(let s): schemes = s
            case .alpn(let p): alpn = p
            case .extendedMasterSecret: ems = true
            case .renegotiationInfo: reneg = true
            case .ecPointFormats: points = true
            default: break
            }
        }
        if offered.isEmpty { offered = client.legacyVersion >= 0x0303 ? [0x0303] : [] }
        guard let version = server.versions.first(where: offered.contains) else {
            return .failure(.noCommonVersion)
        }
        let selectedALPN = alpn.first(where: server.alpnProtocols.contains)
        if version == 0x0304 {
            guard let suite = server.choose(server.tls13CipherSuites, from: client.cipherSuites) else {
                return .failure(.noCommonSuite)
            }
            guard let group = server.groups.first(where: client.keyShareGroups.contains) else {
                return .failure(.noKeyShare)
            }
            guard schemes.contains(TLSSignatureScheme.rsaPSSRSAESHA384) else { return .failure(.noSignatureScheme) }
            return .success(
                TLSNegotiation(
                    version: version, cipherSuite: suite, group: group,
                    signatureScheme: TLSSignatureScheme.rsaPSSRSAESHA384, alpn: selectedALPN,
                    extendedMasterSecret: false, renegotiationInfo: false, ecPointFormats: false))
        }
        guard let suite = server.choose(server.tls12CipherSuites, from: client.cipherSuites) else {
            return .failure(.noCommonSuite)
        }
        guard let group = server.groups.first(where: groups.contains) else { return .failure(.noKeyShare) }
        guard schemes.isEmpty || schemes.contains(TLSSignatureScheme.rsaPKCS1SHA256) else {
            return .failure(.noSignatureScheme)
        }
        return .success(
            TLSNegotiation(
                version: version, cipherSuite: suite, group: group, signatureScheme: TLSSignatureScheme.rsaPKCS1SHA256,
                alpn: selectedALPN, extendedMasterSecret: ems, renegotiationInfo: reneg, ecPointFormats: points))
    }

    /// Bytes a protected record adds to its plaintext: TLS 1.3 one content-type byte and the
    /// 16-byte tag (RFC 8446 §5.2); TLS 1.2 AES-GCM an 8-byte explicit nonce and the tag (RFC 5288
    /// §3), ChaCha20-Poly1305 the tag only (RFC 7905 §2).
    public var recordOverhead: Int {
        if isTLS13 { return 1 + 16 }
        return TLSCipherSuite.isChaCha20(cipherSuite) ? 16 : 8 + 16
    }

    /// The length of a protected record (header included) carrying `plaintext` bytes.
    public func protectedRecordLength(plaintext: Int) -> Int { TLSRecordHeader.length + plaintext + recordOverhead }

    /// Finished.verify_data: the suite's hash length in TLS 1.3, 12 bytes in TLS 1.2 (RFC 5246 §7.4.9).
    public var verifyDataLength: Int { isTLS13 ? TLSCipherSuite.hashLength(cipherSuite) : 12 }
}

/// Why a client and a server profile cannot complete a handshake.
public enum TLSNegotiationError: Error, Hashable, Sendable {
    case noCommonVersion
    case noCommonSuite
    case noKeyShare
    case noSignatureScheme
}
