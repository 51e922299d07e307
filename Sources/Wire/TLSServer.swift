// The server's side of a TLS 1.3 handshake: the ServerHello in clear (RFC 8446 §4.1.3) and a
// TLSServerProfile saying how a server answers — the suite it picks, and the sizes of the
// messages it encrypts.

/// A TLS 1.3 ServerHello (RFC 8446 §4.1.3) as an AWS endpoint answers boto3's ClientHello:
/// record version 0x0303, legacy_version 0x0303, the client's session id echoed, null
/// compression, extensions supported_versions (0x0304) then key_share (x25519).
public struct TLSServerHello: Hashable, Sendable {
    public var random: [UInt8]
    public var sessionIDEcho: [UInt8]
    public var cipherSuite: UInt16
    public var x25519KeyShare: [UInt8]

    public init(random: [UInt8], sessionIDEcho: [UInt8], cipherSuite: UInt16, x25519KeyShare: [UInt8]) {
        precondition(random.count == 32, "random must be 32 bytes")
        precondition(sessionIDEcho.count <= 32, "session id at most 32 bytes")
        precondition(x25519KeyShare.count == 32, "x25519 key share must be 32 bytes")
        self.random = random
        self.sessionIDEcho = sessionIDEcho
        self.cipherSuite = cipherSuite
        self.x25519KeyShare = x25519KeyShare
    }

    static let extensionsLength = (4 + 2) + (4 + 2 + 2 + 32)
    /// type+length 4, version 2, random 32, session id 1+n, suite 2, compression 1, ext length 2.
    public var handshakeLength: Int { Self.handshakeLength(sessionIDEchoLength: sessionIDEcho.count) }
    /// 127 with a 32-byte session id.
    public var recordLength: Int { Self.recordLength(sessionIDEchoLength: sessionIDEcho.count) }

    public static func handshakeLength(sessionIDEchoLength n: Int) -> Int {
        4 + 2 + 32 + 1 + n + 2 + 1 + 2 + extensionsLength
    }
    /// The record's length for a client whose legacy_session_id is `n` bytes long.
    public static func recordLength(sessionIDEchoLength n: Int) -> Int {
        TLSRecordHeader.length + handshakeLength(sessionIDEchoLength: n)
    }

    public func encodeRecord(into writer: inout ByteWriter) {
        let handshake = handshakeLength
        writer.require(TLSRecordHeader.length + handshake)
        TLSRecordHeader(contentType: TLSContentType.handshake.rawValue, length: UInt16(handshake)).encode(into: &writer)
        writer.u8(TLSHandshakeType.serverHello)
        writer.u24(UInt32(handshake - 4))
        writer.u16(0x0303)
        writer.bytes(random)
        writer.u8(UInt8(sessionIDEcho.count))
        writer.bytes(sessionIDEcho)
        writer.u16(cipherSuite)
        writer.u8(0)
        writer.u16(UInt16(Self.extensionsLength))
        writer.u16(TLSExtensionType.supportedVersions)
        writer.u16(2)
        writer.u16(0x0304)
        writer.u16(TLSExtensionType.keyShare)
        writer.u16(2 + 2 + 32)
        writer.u16(0x001D)
        writer.u16(32)
        writer.bytes(x25519KeyShare)
    }

    /// Parses one whole ServerHello record. Requires handshake type 2, consistent lengths,
    /// null compression, supported_versions = TLS 1.3 and an x25519 key share; other
    /// extensions are skipped.
    public init(parsingRecord record: UnsafeRawBufferPointer) throws(WireError) {
        var r = ByteReader(record)
        let (header, fragment) = try TLSRecordHeader.parseRecord(&r)
        guard header.contentType == TLSContentType.handshake.rawValue else {
            throw .malformed("not a handshake record")
        }
        var h = ByteReader(fragment)
        guard try h.u8() == TLSHandshakeType.serverHello else { throw .malformed("not a ServerHello") }
        guard Int(try h.u24()) == fragment.count - 4 else { throw .badLength(fragment.count) }
        guard try h.u16() == 0x0303 else { throw .malformed("legacy_version") }
        let random = try h.array(32)
        let sidLength = Int(try h.u8())
        guard sidLength <= 32 else { throw .malformed("session id length \(sidLength)") }
        let sid = try h.array(sidLength)
        let suite = try h.u16()
        guard try h.u8() == 0 else { throw .malformed("compression") }
        let extensionsLength = Int(try h.u16())
        guard extensionsLength == h.remaining else { throw .badLength(extensionsLength) }
        var version: UInt16? = nil
        var share: [UInt8]? = nil
        while !h.isAtEnd {
            let type = try h.u16()
            var e = ByteReader(try h.bytes(Int(try h.u16())))
            if type == TLSExtensionType.supportedVersions {
                version = try e.u16()
            } else if type == TLSExtensionType.keyShare {
                guard try e.u16() == 0x001D, try e.u16() == 32 else { throw .malformed("key share is not x25519") }
                share = try e.array(32)
            }
        }
        guard version == 0x0304 else { throw .malformed("supported_versions is not TLS 1.3") }
        guard let share else { throw .malformed("no key_share") }
        self.init(random: random, sessionIDEcho: sid, cipherSuite: suite, x25519KeyShare: share)
    }
}

/// How a TLS 1.3 server answers: the suite it selects, and the sizes of the handshake messages it
/// encrypts (inner plaintext bytes, before TLSCiphertext adds 1 + 16). Each handshake message
/// travels in its own record, as OpenSSL-style servers write them. The ServerHello itself is
/// ``TLSServerHello``.
///
/// Adding a server (another AWS front end, an RDS engine, a dataset server): a `static let` below
/// with its sizes, a case in ``TLSServerProfileID``, and the servers that use it chosen in
/// Workloads (today every server answers as ``awsEndpoint``). A server whose ServerHello differs
/// in layout (extensions, HelloRetryRequest) would move the fields of ``TLSServerHello`` here, as
/// ``TLSClientProfile`` does for the ClientHello.
public struct TLSServerProfile: Hashable, Sendable {
    public var name: String
    /// The TLS 1.3 suite the server selects from the client's offer.
    public var cipherSuite: UInt16
    /// EncryptedExtensions (RFC 8446 §4.3.1).
    public var encryptedExtensionsLength: Int
    /// DER sizes of the certificates sent, leaf first.
    public var certificateChainDER: [Int]
    /// CertificateVerify (RFC 8446 §4.4.3).
    public var certificateVerifyLength: Int
    /// One NewSessionTicket (RFC 8446 §4.6.1).
    public var newSessionTicketLength: Int

    public init(
        name: String, cipherSuite: UInt16, encryptedExtensionsLength: Int, certificateChainDER: [Int],
        certificateVerifyLength: Int, newSessionTicketLength: Int
    ) {
        self.name = name
        self.cipherSuite = cipherSuite
        self.encryptedExtensionsLength = encryptedExtensionsLength
        self.certificateChainDER = certificateChainDER
        self.certificateVerifyLength = certificateVerifyLength
        self.newSessionTicketLength = newSessionTicketLength
    }

    /// Finished (RFC 8446 §4.4.4), either side's: 4 + the suite's hash length.
    public var finishedLength: Int { 4 + TLSCipherSuite.hashLength(cipherSuite) }

    /// Certificate message (RFC 8446 §4.4.2): 4 + 1 (empty context) + 3 (list length) + per
    /// entry 3 + DER + 2 (no entry extensions; the client sent no status_request).
    public var certificateLength: Int { 4 + 1 + 3 + certificateChainDER.reduce(0) { $0 + 3 + $1 + 2 } }

    /// The encrypted part of the server's flight, after ServerHello and ChangeCipherSpec:
    /// EncryptedExtensions, Certificate, CertificateVerify, Finished.
    public var encryptedFlight: [Int] {
        [encryptedExtensionsLength, certificateLength, certificateVerifyLength, finishedLength]
    }

    /// The server's ServerHello: its suite, the client's session id echoed.
    public func serverHello(random: [UInt8], sessionIDEcho: [UInt8], x25519KeyShare: [UInt8]) -> TLSServerHello {
        TLSServerHello(
            random: random, sessionIDEcho: sessionIDEcho, cipherSuite: cipherSuite,
            x25519KeyShare: x25519KeyShare)
    }

    /// The flight between boto3 and an AWS endpoint such as dynamodb.us-east-1.amazonaws.com:
    /// TLS_AES_256_GCM_SHA384 (observed against dynamodb.us-east-1), ALPN http/1.1, an RSA-2048
    /// leaf under Amazon RSA 2048 M02/M03.
    ///
    /// - EncryptedExtensions carrying ALPN "http/1.1": 4 (header) + 2 (extensions length) +
    ///   2 + 2 + 2 + 1 + 8 (ALPN) = 21, as an OpenSSL 3.0 server sends it. (A server that also
    ///   acknowledges SNI with an empty server_name extension would send 25.)
    /// - Leaf for dynamodb.us-east-1.amazonaws.com: 1550 bytes of DER. Not measured on the real
    ///   endpoint; estimated by generating, with openssl, a certificate that mirrors a real ACM
    ///   leaf issued by Amazon RSA 2048 M03 (RSA-2048 key, SHA-256 signature, AKI, SKI, SAN,
    ///   policy 2.23.140.1.2.1, KU, EKU, CRL DP, AIA OCSP+caIssuers, basicConstraints, three
    ///   embedded SCTs): the generator reproduces that real leaf's 1495 bytes exactly when given
    ///   its single 20-byte name, and gives 1550 for CN=dynamodb.us-east-1.amazonaws.com with
    ///   SANs dynamodb.us-east-1.amazonaws.com and *.ddb.us-east-1.amazonaws.com (the second SAN
    ///   is an assumption; without it: 1519).
    /// - Intermediate "Amazon RSA 2048 M02"/"M03" (issued by Amazon Root CA 1, 2022-08-23): 1122
    ///   bytes, read from the DER length prefix (30 82 04 5E) of the real certificates in public
    ///   PEM bundles (https://www.amazontrust.com/repository/).
    /// - CertificateVerify with rsa_pss_rsae_sha256 and a 2048-bit key: 4 + 2 (scheme) +
    ///   2 (length) + 256 = 264.
    /// - Finished: 4 + 48 (HMAC-SHA384 verify_data) = 52.
    /// - NewSessionTicket: 4 + 4 (lifetime) + 4 (age_add) + 1 + 8 (nonce) + 2 + 105 (ticket) +
    ///   2 (no extensions) = 130. Estimate: the 105-byte ticket is the size seen in a public
    ///   `openssl s_client` transcript against a CloudFront (s2n-tls) endpoint; the 8-byte nonce
    ///   is assumed. (The OpenSSL 3.0 server of the loopback capture sent two tickets of 249
    ///   bytes each instead.) The model does not write tickets yet.
    public static let awsEndpoint = TLSServerProfile(
        name: "AWS service endpoint (TLS 1.3, RSA-2048 under Amazon RSA 2048 M02/M03)",
        cipherSuite: TLSCipherSuite.aes256GCMSHA384,
        encryptedExtensionsLength: 4 + 2 + (2 + 2 + 2 + 1 + 8),
        certificateChainDER: [1550, 1122],
        certificateVerifyLength: 4 + 2 + 2 + 256,
        newSessionTicketLength: 4 + 4 + 4 + 1 + 8 + 2 + 105 + 2)
}

/// The registry of modelled TLS servers (a ServerHello chunk names its server by this id).
public enum TLSServerProfileID: UInt8, CaseIterable, Hashable, Sendable {
    /// ``TLSServerProfile/awsEndpoint``.
    case awsEndpoint = 0

    public var profile: TLSServerProfile {
        switch self {
        case .awsEndpoint: TLSServerProfile.awsEndpoint
        }
    }
}
