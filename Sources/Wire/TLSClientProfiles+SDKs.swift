// The TLS clients of the AWS SDKs other than boto3 and of the command-line and database clients,
// each reproduced from a ClientHello captured here with tcpdump on a private loopback (the
// research notes' captures: Node 18.4, 20.20.2, 22.20.0, 24.19.0; OpenJDK 17.0.21.1 and Temurin
// 21.0.8; Go 1.24.11; curl 7.88.1; psql 15.18), against a local OpenSSL 3.0 server presenting a
// certificate for dynamodb.us-east-1.amazonaws.com. The captured records are the test vectors
// of Tests/WireTests/CapturedClientHellos.swift; what each SDK does to its TLS stack is cited
// at each profile.

extension TLSClientProfile {
    /// Node.js 18 and 20 (OpenSSL 3.0.x) as aws-sdk-js v3 and node-postgres drive it.
    ///
    /// aws-sdk-js v3's `NodeHttpHandler` (smithy-typescript packages/node-http-handler/src/
    /// node-http-handler.ts) makes `new https.Agent({ keepAlive: true, maxSockets: 50 })` and
    /// calls `https.request` with no TLS option, so the hello is Node's default (captured: the
    /// handler's options and plain `https.request` give the same bytes, JA3
    /// 0cce74b0d9b7f8528fb2181588d23793, 390 bytes for DynamoDB). node-postgres (pg 8,
    /// packages/pg/lib/stream.js) calls `tls.connect({ socket, servername })` after its
    /// SSLRequest: the same hello with the database's name. Node 18.4 and 20.20.2 send identical
    /// hellos.
    ///
    /// Node's `tls.DEFAULT_CIPHERS` (59 suites), no ALPN, session_ticket offered, no padding
    /// extension (Node does not set SSL_OP_TLSEXT_PADDING), x25519 key share.
    ///
    /// Records: `https.request(...).end(body)` with a string body sends the header block and
    /// the body in one write (Node lib/_http_outgoing.js `_send` prepends the header to the first
    /// chunk), so a request is one record.
    ///
    /// Resumption: the SDK's `https.Agent` keeps a TLS session cache (`maxCachedSessions`, 100
    /// by default, https://nodejs.org/api/https.html#class-httpsagent) holding the newest
    /// session per server and offering it on each new connection (lib/https.js `_cacheSession`,
    /// `_getSession`), so a second connection to DynamoDB resumes (captured: 661-byte hello with
    /// pre_shared_key last, JA3 a685258a6b9efe7d51633cf248ba2c83, `isSessionReused()` true).
    /// node-postgres calls `tls.connect` without a `session` and never resumes; the model gives
    /// database connections no session cache.
    public static let nodeOpenSSL30 = TLSClientProfile(
        name: "Node.js 18/20 https (OpenSSL 3.0): aws-sdk-js v3 NodeHttpHandler, node-postgres",
        recordVersion: 0x0301,
        sessionIDLength: 32,
        cipherSuites: [
            0x1302, 0x1303, 0x1301, 0xC02F, 0xC02B, 0xC030, 0xC02C, 0x009E, 0xC027, 0x0067,
            0xC028, 0x006B, 0x00A3, 0x009F, 0xCCA9, 0xCCA8, 0xCCAA, 0xC0AF, 0xC0AD, 0xC0A3,
            0xC09F, 0xC05D, 0xC061, 0xC057, 0xC053, 0x00A2, 0xC0AE, 0xC0AC, 0xC0A2, 0xC09E,
            0xC05C, 0xC060, 0xC056, 0xC052, 0xC024, 0x006A, 0xC023, 0x0040, 0xC00A, 0xC014,
            0x0039, 0x0038, 0xC009, 0xC013, 0x0033, 0x0032, 0x009D, 0xC0A1, 0xC09D, 0xC051,
            0x009C, 0xC0A0, 0xC09C, 0xC050, 0x003D, 0x003C, 0x0035, 0x002F, 0x00FF,
        ],
        extensions: [
            .serverName, .ecPointFormats([0, 1, 2]), .supportedGroups(openSSL3Groups), .sessionTicket,
            .encryptThenMAC, .extendedMasterSecret, .signatureAlgorithms(openSSL3SignatureAlgorithms),
            .supportedVersions([0x0304, 0x0303]), .pskKeyExchangeModes([1]), .keyShare([TLSNamedGroup.x25519]),
        ],
        padding: .none,
        records: TLSRecordHabits(separateHeaderAndBodyRecords: false), sessionReuse: .latestTicket)

    /// Node.js 22.20+ and 24 (OpenSSL 3.5), as the Lambda `nodejs22.x` and `nodejs24.x` runtimes
    /// ship them in 2026: renegotiation_info first, 52 suites, X25519MLKEM768 first in
    /// supported_groups with its 1,216-byte key share beside x25519's, ML-DSA first in
    /// signature_algorithms (captured from Node 22.20.0 and 24.19.0: JA3
    /// 944d1e1858cd278718f8a46b65d3212f, 1,609 bytes for DynamoDB). Node 22 before 22.20 bundled
    /// OpenSSL 3.0 and would send ``nodeOpenSSL30``'s hello (not captured). Resumes as
    /// ``nodeOpenSSL30`` does (captured: 1,609 → 1,880 bytes with pre_shared_key).
    public static let nodeOpenSSL35 = TLSClientProfile(
        name: "Node.js 22.20+/24 https (OpenSSL 3.5): aws-sdk-js v3 NodeHttpHandler, node-postgres",
        recordVersion: 0x0301,
        sessionIDLength: 32,
        cipherSuites: [
            0x1302, 0x1303, 0x1301, 0xC02F, 0xC02B, 0xC030, 0xC02C, 0x009E, 0xC027, 0x0067,
            0xC028, 0x006B, 0x00A3, 0x009F, 0xCCA9, 0xCCA8, 0xCCAA, 0xC0AD, 0xC09F, 0xC05D,
            0xC061, 0xC057, 0xC053, 0x00A2, 0xC0AC, 0xC09E, 0xC05C, 0xC060, 0xC056, 0xC052,
            0xC024, 0x006A, 0xC023, 0x0040, 0xC00A, 0xC014, 0x0039, 0x0038, 0xC009, 0xC013,
            0x0033, 0x0032, 0x009D, 0xC09D, 0xC051, 0x009C, 0xC09C, 0xC050, 0x003D, 0x003C,
            0x0035, 0x002F,
        ],
        extensions: [
            .renegotiationInfo, .serverName, .ecPointFormats([0, 1, 2]),
            .supportedGroups([0x11EC, 0x001D, 0x0017, 0x001E, 0x0018, 0x0019, 0x0100, 0x0101]), .sessionTicket,
            .encryptThenMAC, .extendedMasterSecret,
            .signatureAlgorithms([
                0x0905, 0x0906, 0x0904, 0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x081A, 0x081B,
                0x081C, 0x0809, 0x080A, 0x080B, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
                0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602,
            ]),
            .supportedVersions([0x0304, 0x0303]), .pskKeyExchangeModes([1]),
            .keyShare([TLSNamedGroup.x25519MLKEM768, TLSNamedGroup.x25519]),
        ],
        padding: .none,
        records: TLSRecordHabits(separateHeaderAndBodyRecords: false), sessionReuse: .latestTicket)

    /// OpenJDK 17.0.21's JSSE as the AWS SDK for Java v2's Apache client drives it
    /// (http-clients/apache-client: `SSLContext.getInstance("TLS")` with default parameters;
    /// `SdkTlsSocketFactory.prepareSocket` reorders the enabled protocols, and JSSE still offers
    /// only TLS 1.3 and 1.2). Captured from Debian's OpenJDK 17.0.21.1 (the update Amazon
    /// Corretto 17 ships in October 2026, what the Lambda `java17` runtime runs at the
    /// simulated date): record version 0x0303, 31 suites without TLS_RSA_*, status_request and
    /// status_request_v2, ec_point_formats [uncompressed], signature_algorithms_cert, key shares
    /// x25519 and secp256r1; JA3 adbab9d5752f7c834ec405ec92e46415, 463 bytes. The SDK-style
    /// client and `HttpsURLConnection` give the same bytes.
    ///
    /// Records: Apache HttpCore 4.4 writes through an 8 KiB session output buffer
    /// (`SessionOutputBufferImpl`), so headers and body leave together, 8 KiB at a time.
    ///
    /// Resumption: the SDK's `SSLContext` keeps JSSE's client session cache (by host and port),
    /// and JSSE uses a TLS 1.3 ticket's PSK once (OpenJDK sun/security/ssl/SSLSessionImpl.java
    /// `consumePreSharedKey` clears it), so each ticket serves one connection.
    public static let java17 = TLSClientProfile(
        name: "AWS SDK for Java v2 (Apache client) on OpenJDK 17.0.21 JSSE",
        recordVersion: 0x0303,
        sessionIDLength: 32,
        cipherSuites: [
            0x1302, 0x1301, 0x1303, 0xC02C, 0xC02B, 0xCCA9, 0xC030, 0xCCA8, 0xC02F, 0x009F,
            0xCCAA, 0x00A3, 0x009E, 0x00A2, 0xC024, 0xC028, 0xC023, 0xC027, 0x006B, 0x006A,
            0x0067, 0x0040, 0xC00A, 0xC014, 0xC009, 0xC013, 0x0039, 0x0038, 0x0033, 0x0032,
            0x00FF,
        ],
        extensions: jsseExtensions(
            signatureAlgorithms: [
                0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080A,
                0x080B, 0x0401, 0x0501, 0x0601, 0x0402, 0x0303, 0x0301, 0x0302,
            ]),
        padding: .none,
        records: TLSRecordHabits(separateHeaderAndBodyRecords: false, writeBuffer: 8192), sessionReuse: .singleUse)

    /// OpenJDK 21.0.8's JSSE (captured from Temurin 21.0.8; Amazon Corretto 21.0.8 is the same
    /// OpenJDK update), as the AWS SDK for Java v2's Apache client drives it in the Lambda
    /// `java21` runtime: 37 suites, the six TLS_RSA_* among them, and SHA-1/SHA-224 schemes
    /// still in signature_algorithms; JA3 0a0d72200639a7a39887b9d81a247310, 481 bytes. Later 21
    /// updates were not captured.
    public static let java21 = TLSClientProfile(
        name: "AWS SDK for Java v2 (Apache client) on OpenJDK 21.0.8 JSSE",
        recordVersion: 0x0303,
        sessionIDLength: 32,
        cipherSuites: [
            0x1302, 0x1301, 0x1303, 0xC02C, 0xC02B, 0xCCA9, 0xC030, 0xCCA8, 0xC02F, 0x009F,
            0xCCAA, 0x00A3, 0x009E, 0x00A2, 0xC024, 0xC028, 0xC023, 0xC027, 0x006B, 0x006A,
            0x0067, 0x0040, 0xC00A, 0xC014, 0xC009, 0xC013, 0x0039, 0x0038, 0x0033, 0x0032,
            0x009D, 0x009C, 0x003D, 0x003C, 0x0035, 0x002F, 0x00FF,
        ],
        extensions: jsseExtensions(signatureAlgorithms: jsseCertificateSignatureAlgorithms),
        padding: .none,
        records: TLSRecordHabits(separateHeaderAndBodyRecords: false, writeBuffer: 8192), sessionReuse: .singleUse)

    /// JSSE's signature_algorithms_cert (both captured updates), with SHA-1 and SHA-224 last.
    static let jsseCertificateSignatureAlgorithms: [UInt16] = [
        0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080A,
        0x080B, 0x0401, 0x0501, 0x0601, 0x0402, 0x0303, 0x0301, 0x0302, 0x0203, 0x0201,
        0x0202,
    ]

    /// JSSE's extension order (sun.security.ssl.SSLExtension): server_name, status_request,
    /// supported_groups, ec_point_formats, status_request_v2, extended_master_secret,
    /// session_ticket, signature_algorithms, supported_versions, psk_key_exchange_modes,
    /// signature_algorithms_cert, key_share (x25519, secp256r1).
    static func jsseExtensions(signatureAlgorithms: [UInt16]) -> [TLSClientExtension] {
        [
            .serverName, .statusRequest,
            .supportedGroups([0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104]),
            .ecPointFormats([0]),
            // status_request_v2 (RFC 6961): one ocsp_multi request, no responders or extensions.
            .fixed(
                type: TLSExtensionType.statusRequestV2, body: [0x00, 0x07, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00]),
            .extendedMasterSecret, .sessionTicket, .signatureAlgorithms(signatureAlgorithms),
            .supportedVersions([0x0304, 0x0303]), .pskKeyExchangeModes([1]),
            .fixed(
                type: TLSExtensionType.signatureAlgorithmsCert,
                body: [
                    UInt8(2 * jsseCertificateSignatureAlgorithms.count >> 8),
                    UInt8(2 * jsseCertificateSignatureAlgorithms.count & 0xFF),
                ]
                    + jsseCertificateSignatureAlgorithms.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }),
            .keyShare([TLSNamedGroup.x25519, TLSNamedGroup.secp256r1]),
        ]
    }

    /// Go 1.24 crypto/tls as aws-sdk-go-v2's default transport drives it
    /// (aws/transport/http/client.go: `tls.Config{MinVersion: tls.VersionTLS12}` and
    /// `ForceAttemptHTTP2`, hence ALPN h2, http/1.1), built with `go 1.24` in go.mod, as a
    /// `provided.al2023` function built today is: X25519MLKEM768 and x25519 key shares (the
    /// GODEBUG default of Go ≥ 1.24), no psk_key_exchange_modes; JA3
    /// ceb419f4203d3159e7a7cb3aa7efd5bd, 1,512 bytes. The SDK transport and the default
    /// `http.Client` give the same bytes; the same compiler with `go 1.19` in go.mod sends a
    /// 302-byte classic hello instead (captured, not modelled).
    ///
    /// Records: net/http writes a request through a 4 KiB `bufio.Writer`, and crypto/tls sizes
    /// records dynamically (see ``TLSRecordHabits/dynamicRecordSizing``).
    ///
    /// No resumption: crypto/tls resumes only with a `tls.Config.ClientSessionCache`
    /// (https://pkg.go.dev/crypto/tls#Config), which the SDK's `defaultHTTPTransport` does not
    /// set (aws/transport/http/client.go).
    public static let goSDKv2 = TLSClientProfile(
        name: "aws-sdk-go-v2 on Go 1.24 crypto/tls",
        recordVersion: 0x0301,
        sessionIDLength: 32,
        cipherSuites: [
            0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC009, 0xC013, 0xC00A, 0xC014,
            0x1301, 0x1302, 0x1303,
        ],
        extensions: goExtensions(alpn: ["h2", "http/1.1"]),
        padding: .none,
        records: TLSRecordHabits(separateHeaderAndBodyRecords: false, writeBuffer: 4096, dynamicRecordSizing: true))

    /// ``goSDKv2``'s stack without ALPN: what a Go PostgreSQL driver (pgx) sends after its
    /// SSLRequest, with `tls.Config{ServerName: host}` and no NextProtos. Inferred from the Go
    /// capture (crypto/tls leaves the ALPN extension out when NextProtos is empty); not captured.
    public static let goNoALPN = TLSClientProfile(
        name: "Go 1.24 crypto/tls without ALPN (pgx)",
        recordVersion: 0x0301,
        sessionIDLength: 32,
        cipherSuites: goSDKv2.cipherSuites,
        extensions: goExtensions(alpn: nil),
        padding: .none,
        records: TLSRecordHabits(separateHeaderAndBodyRecords: false, dynamicRecordSizing: true))

    /// Go 1.24's extension order (crypto/tls handshake_messages.go `clientHelloMsg.marshal`).
    static func goExtensions(alpn: [String]?) -> [TLSClientExtension] {
        [
            .serverName, .ecPointFormats([0]), .renegotiationInfo, .extendedMasterSecret,
            .fixed(type: TLSExtensionType.signedCertificateTimestamp, body: []), .statusRequest,
            .supportedGroups([0x11EC, 0x001D, 0x0017, 0x0018, 0x0019]),
            .signatureAlgorithms([
                0x0804, 0x0403, 0x0807, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0503, 0x0603,
                0x0201, 0x0203,
            ]),
        ] + (alpn.map { [TLSClientExtension.alpn($0)] } ?? []) + [
            .supportedVersions([0x0304, 0x0303]),
            .keyShare([TLSNamedGroup.x25519MLKEM768, TLSNamedGroup.x25519]),
        ]
    }

    /// curl 7.88.1 (Debian 12) on OpenSSL 3.0: OpenSSL's default suite list, ALPN h2 and
    /// http/1.1, post_handshake_auth, supported_versions 1.3 down to 1.0, and the RFC 7685
    /// padding to 512 bytes that curl's SSL_OP_ALL turns on; JA3
    /// 0149f47eabf9a20d0893e2a44e5a6323, 517 bytes. The partner-API clients of a dataset.
    /// No resumption across sessions: curl's session cache lives in its process (its share
    /// handle, https://curl.se/libcurl/c/CURLOPT_SSL_SESSIONID_CACHE.html), and each dataset
    /// session is a new invocation.
    public static let curlOpenSSL30 = TLSClientProfile(
        name: "curl 7.88 / OpenSSL 3.0",
        recordVersion: 0x0301,
        sessionIDLength: 32,
        cipherSuites: openSSLDefaultCipherSuites,
        extensions: [
            .serverName, .ecPointFormats([0, 1, 2]), .supportedGroups(openSSL3Groups), .alpn(["h2", "http/1.1"]),
            .encryptThenMAC, .extendedMasterSecret, .postHandshakeAuth,
            .signatureAlgorithms(openSSL3SignatureAlgorithms), .supportedVersions([0x0304, 0x0303, 0x0302, 0x0301]),
            .pskKeyExchangeModes([1]), .keyShare([TLSNamedGroup.x25519]), .padding,
        ],
        padding: .openSSL(above: 0xFF, target: 0x200),
        records: TLSRecordHabits(separateHeaderAndBodyRecords: false))

    /// libpq 15 on OpenSSL 3.0 after its SSLRequest (captured from psql 15.18, Debian 12, to a
    /// local server on 5432 with `sslmode=require`): OpenSSL's default suites, session_ticket,
    /// no ALPN (libpq before 17 sets none), no padding, x25519; JA3
    /// a3afc2c46ba4a7d7fbe1cfb7a3031c2f, 346 bytes for a 45-character RDS endpoint. What a
    /// Python function's psycopg2 sends to RDS (psycopg2 drives libpq; the libpq and OpenSSL its
    /// wheel bundles may be newer). No resumption: libpq keeps no session between connections.
    public static let libpqOpenSSL30 = TLSClientProfile(
        name: "libpq 15 / OpenSSL 3.0 (psql, psycopg2)",
        recordVersion: 0x0301,
        sessionIDLength: 32,
        cipherSuites: openSSLDefaultCipherSuites,
        extensions: [
            .serverName, .ecPointFormats([0, 1, 2]), .supportedGroups(openSSL3Groups), .sessionTicket,
            .encryptThenMAC, .extendedMasterSecret, .signatureAlgorithms(openSSL3SignatureAlgorithms),
            .supportedVersions([0x0304, 0x0303]), .pskKeyExchangeModes([1]), .keyShare([TLSNamedGroup.x25519]),
        ],
        padding: .none,
        records: TLSRecordHabits(separateHeaderAndBodyRecords: false))

    /// OpenSSL 3.0's default client suite list (`DEFAULT` with TLS 1.3's three first), as curl
    /// and libpq offer it.
    public static let openSSLDefaultCipherSuites: [UInt16] = [
        0x1302, 0x1303, 0x1301, 0xC02C, 0xC030, 0x009F, 0xCCA9, 0xCCA8, 0xCCAA, 0xC02B,
        0xC02F, 0x009E, 0xC024, 0xC028, 0x006B, 0xC023, 0xC027, 0x0067, 0xC00A, 0xC014,
        0x0039, 0xC009, 0xC013, 0x0033, 0x009D, 0x009C, 0x003D, 0x003C, 0x0035, 0x002F,
        0x00FF,
    ]
}
