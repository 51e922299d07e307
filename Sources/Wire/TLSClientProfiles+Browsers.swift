// Browsers' ClientHellos. Chrome and Firefox are reproduced from hellos captured here with
// tcpdump on a private loopback (Chromium 156.0.8078.108, 10 hellos; Firefox ESR 153.8.0, 9
// hellos; both Debian 12 packages, headless); Safari, which does not run here, from the
// Safari 26.4 hellos testssl.sh publishes
// (https://github.com/testssl/testssl.sh/blob/3.3dev/etc/client-simulation.txt). Their bytes are
// the vectors of Tests/WireTests/CapturedClientHellos.swift.

extension TLSClientProfile {
    /// Chrome 156 (Chromium 156.0.8078.108 captured): GREASE (RFC 8701) as the first suite, in
    /// supported_groups and key_share (the same value), supported_versions and, since Chrome 152,
    /// as the first signature algorithm, plus a GREASE extension first (empty) and last (one zero
    /// byte); the extensions between them in a new random order on every connection (Chrome 110+);
    /// a GREASE encrypted_client_hello whose payload is 144, 176, 208 or 240 bytes (so the hello
    /// is 1,940, 1,972, 2,004 or 2,036 bytes for DynamoDB's name); X25519MLKEM768 and x25519 key
    /// shares; ALPS on its 2025 codepoint 17613 for h2; compress_certificate (brotli); the 184-byte
    /// trust_anchors list Chrome sends since 152 (sorted since 154). JA3 differs on every
    /// connection; JA4 t13d1517h2_8daaf6152771_cb7bf5808d99 does not. Edge, Opera and Samsung
    /// Internet are Chromium and send the same hello (testssl.sh's Edge 133 shares Chromium
    /// 137's JA4).
    ///
    /// Resumption: a second connection to a host resumes (captured: 2,323 bytes, 18 extensions
    /// with pre_shared_key last, after the trailing GREASE); Chromium's session cache hands a
    /// TLS 1.3 session out once (net/ssl/ssl_client_session_cache.cc `Lookup`, BoringSSL
    /// `SSL_SESSION_should_be_single_use`).
    public static let chrome = TLSClientProfile(
        name: "Chrome 156 (BoringSSL)",
        recordVersion: 0x0301,
        sessionIDLength: 32,
        cipherSuites: [
            TLSGrease.placeholder, 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8,
            0xC013, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035,
        ],
        extensions: [
            .grease(.extension1, body: []),
            .serverName, .pskKeyExchangeModes([1]), .echGrease(payloadLengths: [144, 176, 208, 240]),
            .alpn(["h2", "http/1.1"]),
            .signatureAlgorithms([
                TLSGrease.placeholder, 0x0904, 0x0905, 0x0906, 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501,
                0x0806, 0x0601,
            ]),
            .extendedMasterSecret, .supportedGroups([TLSGrease.placeholder, 0x11EC, 0x001D, 0x0017, 0x0018]),
            .fixed(type: TLSExtensionType.signedCertificateTimestamp, body: []),
            .supportedVersions([TLSGrease.placeholder, 0x0304, 0x0303]),
            .keyShare([TLSGrease.placeholder, TLSNamedGroup.x25519MLKEM768, TLSNamedGroup.x25519]),
            .renegotiationInfo, .ecPointFormats([0]), .statusRequest,
            .fixed(type: TLSExtensionType.compressCertificate, body: [0x02, 0x00, 0x02]), // brotli
            .sessionTicket,
            .fixed(type: TLSExtensionType.trustAnchors, body: chromeTrustAnchors),
            .fixed(type: TLSExtensionType.applicationSettings, body: [0x00, 0x03, 0x02, 0x68, 0x32]), // "h2"
            .grease(.extension2, body: [0]),
        ],
        padding: .none,
        records: TLSRecordHabits(separateHeaderAndBodyRecords: false),
        permutesExtensions: true, sessionReuse: .singleUse)

    /// Chrome 156's trust_anchors body as captured: a 184-byte list of trust anchor ids.
    static let chromeTrustAnchors: [UInt8] = hexBytes(
        "00b80582df1302010582df1302060582df13020d0582df13020e0582df13020f0582df1302120582df130213"
            + "0582df13021408839a648c9b2d010708839a648c9b2d010808839a648c9b2d010908839a648c9b2d010a"
            + "08839a648c9b2d010b08839a648c9b2d010c08839a648c9b2d010d08839a648c9b2d011208839a648c9b"
            + "2d011304d679090104d679090404d679090504d679090604d679090704d679090804d679090a04d67909"
            + "0b04d679090c04d679090d04d679090f")

    /// Firefox ESR 153 (NSS; 153.8.0 captured): no GREASE and a fixed order; delegated
    /// credentials, record_size_limit 16385, compress_certificate (zlib, brotli, zstd), three key
    /// shares (X25519MLKEM768, x25519, secp256r1) and a GREASE encrypted_client_hello with a
    /// 239-byte payload; 1,915 bytes for DynamoDB's name, JA3 6447ab086255d194909d4013b1a89e87.
    /// Resumes with each ticket once (assumed, as RFC 8446 Appendix C.4 recommends; NSS's
    /// client cache was not read).
    public static let firefox = TLSClientProfile(
        name: "Firefox ESR 153 (NSS)",
        recordVersion: 0x0301,
        sessionIDLength: 32,
        cipherSuites: [
            0x1301, 0x1303, 0x1302, 0xC02B, 0xC02F, 0xCCA9, 0xCCA8, 0xC02C, 0xC030, 0xC00A,
            0xC013, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035,
        ],
        extensions: [
            .serverName, .extendedMasterSecret, .renegotiationInfo,
            .supportedGroups([0x11EC, 0x001D, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101]), .ecPointFormats([0]),
            .sessionTicket, .alpn(["h2", "http/1.1"]), .statusRequest,
            .fixed(
                type: TLSExtensionType.delegatedCredentials,
                body: [0x00, 0x08, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x02, 0x03]),
            .fixed(type: TLSExtensionType.signedCertificateTimestamp, body: []),
            .keyShare([TLSNamedGroup.x25519MLKEM768, TLSNamedGroup.x25519, TLSNamedGroup.secp256r1]),
            .supportedVersions([0x0304, 0x0303]),
            .signatureAlgorithms([
                0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201,
            ]),
            .pskKeyExchangeModes([1]),
            .fixed(type: TLSExtensionType.recordSizeLimit, body: [0x40, 0x01]),
            .fixed(type: TLSExtensionType.compressCertificate, body: [0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03]),
            .echGrease(payloadLengths: [239]),
        ],
        padding: .none,
        records: TLSRecordHabits(separateHeaderAndBodyRecords: false), sessionReuse: .singleUse)

    /// Safari 26.4 on macOS, iOS and iPadOS 26.4 (testssl.sh's two published hellos): GREASE as
    /// the first suite, in supported_groups, key_share and supported_versions, and as a first
    /// extension (empty); the last extension is 0xFAFA with one zero byte in both published
    /// hellos, so it is kept fixed here; 20 suites including TLS_RSA and 3DES; X25519MLKEM768
    /// and x25519 key shares since iOS/macOS 26 (https://support.apple.com/en-us/122756);
    /// compress_certificate zlib; rsa_pss_rsae_sha384 listed twice, as sent. No extension
    /// permutation. JA3 ecdf4f49dd59effc439639da29186671, JA4 t13d2013h2_a09f3c656075_7f0f34a4126d.
    /// Resumes with each ticket once (assumed, as RFC 8446 Appendix C.4 recommends).
    public static let safari = TLSClientProfile(
        name: "Safari 26.4 (macOS/iOS 26.4)",
        recordVersion: 0x0301,
        sessionIDLength: 32,
        cipherSuites: [
            TLSGrease.placeholder, 0x1302, 0x1303, 0x1301, 0xC02C, 0xC02B, 0xCCA9, 0xC030, 0xC02F, 0xCCA8,
            0xC00A, 0xC009, 0xC014, 0xC013, 0x009D, 0x009C, 0x0035, 0x002F, 0xC008, 0xC012,
            0x000A,
        ],
        extensions: [
            .grease(.extension1, body: []),
            .serverName, .extendedMasterSecret, .renegotiationInfo,
            .supportedGroups([TLSGrease.placeholder, 0x11EC, 0x001D, 0x0017, 0x0018, 0x0019]), .ecPointFormats([0]),
            .alpn(["h2", "http/1.1"]), .statusRequest,
            .signatureAlgorithms([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201]),
            .fixed(type: TLSExtensionType.signedCertificateTimestamp, body: []),
            .keyShare([TLSGrease.placeholder, TLSNamedGroup.x25519MLKEM768, TLSNamedGroup.x25519]),
            .pskKeyExchangeModes([1]), .supportedVersions([TLSGrease.placeholder, 0x0304, 0x0303]),
            .fixed(type: TLSExtensionType.compressCertificate, body: [0x02, 0x00, 0x01]), // zlib
            .fixed(type: 0xFAFA, body: [0]),
        ],
        padding: .none,
        records: TLSRecordHabits(separateHeaderAndBodyRecords: false), sessionReuse: .singleUse)
}

/// Bytes from hexadecimal text (profile constants, test vectors): digits of either case, with
/// spaces, newlines, tabs and colons between them ignored; anything else is a programming error.
public func hexBytes(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var high: UInt8? = nil
    for c in text.utf8 {
        let v: UInt8
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
        case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: ":"): continue
        default: preconditionFailure("bad hex character \(c)")
        }
        if let h = high {
            out.append(h << 4 | v)
            high = nil
        } else {
            high = v
        }
    }
    precondition(high == nil, "odd number of hex digits")
    return out
}
