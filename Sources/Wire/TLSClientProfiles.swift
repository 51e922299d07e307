// The TLS client profiles the simulator reproduces, and their registry. Add a client: a
// `static let` with its layout (here for boto3, TLSClientProfiles+SDKs.swift for the other SDKs
// and tools, TLSClientProfiles+Browsers.swift for browsers), a case in TLSClientProfileID, and
// its captured bytes in Tests/WireTests/CapturedClientHellos.swift.

/// The registry of modelled TLS clients. A stream chunk names its ClientHello's profile by this
/// one-byte id, so a capture can render it without the model holding the profile.
public enum TLSClientProfileID: UInt8, CaseIterable, Hashable, Sendable {
    /// ``TLSClientProfile/boto3OpenSSL3``.
    case boto3OpenSSL3 = 0
    /// ``TLSClientProfile/nodeOpenSSL30``: Node.js 18 and 20 (aws-sdk-js v3, node-postgres).
    case nodeOpenSSL30 = 1
    /// ``TLSClientProfile/nodeOpenSSL35``: Node.js 22.20+ and 24.
    case nodeOpenSSL35 = 2
    /// ``TLSClientProfile/java17``: JSSE of OpenJDK 17.0.21 (the SDK v2's Apache client).
    case java17 = 3
    /// ``TLSClientProfile/java21``: JSSE of OpenJDK 21.0.8.
    case java21 = 4
    /// ``TLSClientProfile/goSDKv2``: Go 1.24 crypto/tls under aws-sdk-go-v2's transport.
    case goSDKv2 = 5
    /// ``TLSClientProfile/curlOpenSSL30``: curl 7.88 on OpenSSL 3.0.
    case curlOpenSSL30 = 6
    /// ``TLSClientProfile/chrome``: Chrome 156 (and the Chromium-based Edge, Opera, Samsung Internet).
    case chrome = 7
    /// ``TLSClientProfile/firefox``: Firefox ESR 153.
    case firefox = 8
    /// ``TLSClientProfile/safari``: Safari 26.4 on macOS, iOS and iPadOS.
    case safari = 9
    /// ``TLSClientProfile/libpqOpenSSL30``: libpq 15 (psql, psycopg2) on OpenSSL 3.0.
    case libpqOpenSSL30 = 10
    /// ``TLSClientProfile/goNoALPN``: Go 1.24 crypto/tls without ALPN (pgx to PostgreSQL).
    case goNoALPN = 11

    public var profile: TLSClientProfile {
        switch self {
        case .boto3OpenSSL3: TLSClientProfile.boto3OpenSSL3
        case .nodeOpenSSL30: TLSClientProfile.nodeOpenSSL30
        case .nodeOpenSSL35: TLSClientProfile.nodeOpenSSL35
        case .java17: TLSClientProfile.java17
        case .java21: TLSClientProfile.java21
        case .goSDKv2: TLSClientProfile.goSDKv2
        case .curlOpenSSL30: TLSClientProfile.curlOpenSSL30
        case .chrome: TLSClientProfile.chrome
        case .firefox: TLSClientProfile.firefox
        case .safari: TLSClientProfile.safari
        case .libpqOpenSSL30: TLSClientProfile.libpqOpenSSL30
        case .goNoALPN: TLSClientProfile.goNoALPN
        }
    }

    /// The name a topology gives this client (`tls-clients:` of a generator).
    public var name: String {
        switch self {
        case .boto3OpenSSL3: "boto3"
        case .nodeOpenSSL30: "node20"
        case .nodeOpenSSL35: "node22"
        case .java17: "java17"
        case .java21: "java21"
        case .goSDKv2: "go"
        case .curlOpenSSL30: "curl"
        case .chrome: "chrome"
        case .firefox: "firefox"
        case .safari: "safari"
        case .libpqOpenSSL30: "libpq"
        case .goNoALPN: "go-no-alpn"
        }
    }

    /// The registered profile whose layout `record` (one ClientHello record) follows, if any.
    public static func identify(_ record: UnsafeRawBufferPointer) -> TLSClientProfileID? {
        allCases.first { (try? TLSClientHello(parsingRecord: record, profile: $0.profile)) != nil }
    }
}

extension TLSClientProfile {
    /// The ClientHello that boto3 1.43 (botocore → urllib3 2.7 → Python 3.11 `ssl` → OpenSSL 3.0)
    /// sends, reproduced byte for byte from a loopback capture of `put_item` to
    /// dynamodb.us-east-1.amazonaws.com (the vectors in Tests/WireTests/ClientHelloVectors.swift).
    /// Only `random`, `sessionID` and the x25519 key share differ between connections; the SNI
    /// changes the server_name and padding extensions.
    ///
    /// Layout (RFC 8446 §4.1.2): record version 0x0301 (OpenSSL's first-flight record version),
    /// legacy_version 0x0303, 32-byte random, 32-byte legacy_session_id (middlebox compatibility
    /// mode, RFC 8446 §D.4), 18 cipher suites, null compression, then extensions in this order:
    /// server_name, ec_point_formats, supported_groups, ALPN "http/1.1", encrypt_then_mac,
    /// extended_master_secret, post_handshake_auth, signature_algorithms, supported_versions,
    /// psk_key_exchange_modes, key_share (x25519 only), padding. No session_ticket extension
    /// (urllib3 sets OP_NO_TICKET) and no status_request. Padding follows OpenSSL's rule (to 512
    /// bytes for any SNI up to 225 bytes).
    ///
    /// Records: OpenSSL fills records to 2^14 bytes of plaintext, and botocore sends a request's
    /// header block and body with separate `send()` calls, hence separate records (measured:
    /// PutItem 1960 + 152 bytes).
    ///
    /// No resumption: urllib3 wraps every new socket without a `session=` (Python's ssl resumes
    /// only a session passed in) and sets OP_NO_TICKET (src/urllib3/util/ssl_.py
    /// `create_urllib3_context`), so every connection is a full handshake.
    public static let boto3OpenSSL3 = TLSClientProfile(
        name: "boto3 1.43 / urllib3 2.7 / Python 3.11 ssl / OpenSSL 3.0",
        recordVersion: 0x0301,
        sessionIDLength: 32,
        cipherSuites: openSSL3CipherSuites,
        extensions: [
            .serverName,
            .ecPointFormats([0, 1, 2]), // uncompressed, ansiX962 prime and char2
            .supportedGroups(openSSL3Groups),
            .alpn(["http/1.1"]),
            .encryptThenMAC,
            .extendedMasterSecret,
            .postHandshakeAuth,
            .signatureAlgorithms(openSSL3SignatureAlgorithms),
            .supportedVersions([0x0304, 0x0303]),
            .pskKeyExchangeModes([1]), // psk_dhe_ke
            .keyShare([TLSNamedGroup.x25519]),
            .padding,
        ],
        padding: .openSSL(above: 0xFF, target: 0x200), // F5_WORKAROUND_MIN/MAX_MSG_LEN
        records: TLSRecordHabits(separateHeaderAndBodyRecords: true))

    /// Cipher suites in the order OpenSSL 3.0 offers them under Python's default context.
    public static let openSSL3CipherSuites: [UInt16] = [
        0x1302, 0x1303, 0x1301, // TLS 1.3: AES-256-GCM, ChaCha20-Poly1305, AES-128-GCM
        0xC02C, 0xC030, 0xC02B, 0xC02F, // ECDHE-{ECDSA,RSA}-AES{256,128}-GCM
        0xCCA9, 0xCCA8, // ECDHE-{ECDSA,RSA}-CHACHA20-POLY1305
        0xC024, 0xC028, 0xC023, 0xC027, // ECDHE-{ECDSA,RSA}-AES{256,128}-CBC-SHA{384,256}
        0x009F, 0x009E, 0x006B, 0x0067, // DHE-RSA-AES{256,128}-GCM, DHE-RSA-AES{256,128}-SHA256
        0x00FF, // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
    ]
    /// x25519, secp256r1, x448, secp521r1, secp384r1, ffdhe2048 … ffdhe8192.
    public static let openSSL3Groups: [UInt16] = [
        0x001D, 0x0017, 0x001E, 0x0019, 0x0018, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104,
    ]
    /// ecdsa P-256/384/521, ed25519, ed448, rsa_pss_pss ×3, rsa_pss_rsae ×3, rsa_pkcs1 ×3,
    /// SHA224-ECDSA/RSA/DSA, SHA256/384/512-DSA.
    public static let openSSL3SignatureAlgorithms: [UInt16] = [
        0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080A, 0x080B, 0x0804, 0x0805,
        0x0806, 0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602,
    ]
}
