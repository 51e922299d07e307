// The server's side of a TLS handshake: the ServerHello in clear (RFC 8446 §4.1.3 for TLS 1.3,
// RFC 5246 §7.4.1.3 for TLS 1.2) and a TLSServerProfile saying how a server answers — the
// versions, suites, groups and ALPN protocols it prefers. What it negotiates with a client
// profile is ``TLSNegotiation``; the messages of its flights are in TLSHandshake.swift.

/// A TLS 1.3 ServerHello (RFC 8446 §4.1.3) as an AWS endpoint answers boto3's ClientHello:
/// record version 0x0303, legacy_version 0x0303, the client's session id echoed, null
/// compression, extensions supported_versions (0x0304) then key_share (x25519), then on a
/// resumption pre_shared_key with the selected identity (OpenSSL's order, captured: JA3S
/// extensions 43-51-41).
public struct TLSServerHello: Hashable, Sendable {
    public var random: [UInt8]
    public var sessionIDEcho: [UInt8]
    public var cipherSuite: UInt16
    public var x25519KeyShare: [UInt8]
    /// The client's PSK identity the server resumes with (RFC 8446 §4.2.11), nil on a full handshake.
    public var selectedIdentity: UInt16?

    public init(
        random: [UInt8], sessionIDEcho: [UInt8], cipherSuite: UInt16, x25519KeyShare: [UInt8],
        selectedIdentity: UInt16? = nil
    ) {
        precondition(random.count == 32, "random must be 32 bytes")
        precondition(sessionIDEcho.count <= 32, "session id at most 32 bytes")
        precondition(x25519KeyShare.count == 32, "x25519 key share must be 32 bytes")
        self.random = random
        self.sessionIDEcho = sessionIDEcho
        self.cipherSuite = cipherSuite
        self.x25519KeyShare = x25519KeyShare
        self.selectedIdentity = selectedIdentity
    }

    static func extensionsLength(psk: Bool) -> Int { (4 + 2) + (4 + 2 + 2 + 32) + (psk ? 4 + 2 : 0) }
    /// type+length 4, version 2, random 32, session id 1+n, suite 2, compression 1, ext length 2.
    public var handshakeLength: Int {
        Self.handshakeLength(sessionIDEchoLength: sessionIDEcho.count, psk: selectedIdentity != nil)
    }
    /// 127 with a 32-byte session id (133 resuming).
    public var recordLength: Int { TLSRecordHeader.length + handshakeLength }

    public static func handshakeLength(sessionIDEchoLength n: Int, psk: Bool = false) -> Int {
        4 + 2 + 32 + 1 + n + 2 + 1 + 2 + extensionsLength(psk: psk)
    }
    /// The record's length for a client whose legacy_session_id is `n` bytes long.
    public static func recordLength(sessionIDEchoLength n: Int, psk: Bool = false) -> Int {
        TLSRecordHeader.length + handshakeLength(sessionIDEchoLength: n, psk: psk)
    }

    /// Writes the record: the 5-byte header, then the handshake message.
    public func encodeRecord(into writer: inout ByteWriter) {
        writer.require(recordLength)
        TLSRecordHeader(contentType: TLSContentType.handshake.rawValue, length: UInt16(handshakeLength)).encode(
            into: &writer)
        encodeHandshake(into: &writer)
    }

    /// Writes the handshake message alone (what the transcript hash covers, RFC 8446 §4.4.1).
    public func encodeHandshake(into writer: inout ByteWriter) {
        let handshake = handshakeLength
        writer.require(handshake)
        writer.u8(TLSHandshakeType.serverHello)
        writer.u24(UInt32(handshake - 4))
        writer.u16(0x0303)
        writer.bytes(random)
        writer.u8(UInt8(sessionIDEcho.count))
        writer.bytes(sessionIDEcho)
        writer.u16(cipherSuite)
        writer.u8(0)
        writer.u16(UInt16(Self.extensionsLength(psk: selectedIdentity != nil)))
        writer.u16(TLSExtensionType.supportedVersions)
        writer.u16(2)
        writer.u16(0x0304)
        writer.u16(TLSExtensionType.keyShare)
        writer.u16(2 + 2 + 32)
        writer.u16(0x001D)
        writer.u16(32)
        writer.bytes(x25519KeyShare)
        if let selectedIdentity {
            writer.u16(TLSExtensionType.preSharedKey)
            writer.u16(2)
            writer.u16(selectedIdentity)
        }
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
        var selected: UInt16? = nil
        while !h.isAtEnd {
            let type = try h.u16()
            var e = ByteReader(try h.bytes(Int(try h.u16())))
            if type == TLSExtensionType.supportedVersions {
                version = try e.u16()
            } else if type == TLSExtensionType.keyShare {
                guard try e.u16() == 0x001D, try e.u16() == 32 else { throw .malformed("key share is not x25519") }
                share = try e.array(32)
            } else if type == TLSExtensionType.preSharedKey {
                selected = try e.u16()
            }
        }
        guard version == 0x0304 else { throw .malformed("supported_versions is not TLS 1.3") }
        guard let share else { throw .malformed("no key_share") }
        self.init(
            random: random, sessionIDEcho: sid, cipherSuite: suite, x25519KeyShare: share, selectedIdentity: selected)
    }
}

/// A TLS 1.2 ServerHello (RFC 5246 §7.4.1.3) as an OpenSSL 3.0 server writes it: a new 32-byte
/// session id, the suite, null compression, then the extensions it answers, in OpenSSL's order
/// (ssl/statem/extensions.c, `ext_defs`): renegotiation_info (RFC 5746), ec_point_formats
/// (RFC 8422 §5.2), ALPN (RFC 7301), extended_master_secret (RFC 7627).
public struct TLS12ServerHello: Hashable, Sendable {
    public var random: [UInt8]
    public var sessionID: [UInt8]
    public var cipherSuite: UInt16
    public var renegotiationInfo: Bool
    public var ecPointFormats: [UInt8]?
    public var alpn: String?
    public var extendedMasterSecret: Bool

    public init(
        random: [UInt8], sessionID: [UInt8], cipherSuite: UInt16, renegotiationInfo: Bool, ecPointFormats: [UInt8]?,
        alpn: String?, extendedMasterSecret: Bool
    ) {
        precondition(random.count == 32 && sessionID.count <= 32)
        self.random = random
        self.sessionID = sessionID
        self.cipherSuite = cipherSuite
        self.renegotiationInfo = renegotiationInfo
        self.ecPointFormats = ecPointFormats
        self.alpn = alpn
        self.extendedMasterSecret = extendedMasterSecret
    }

    var extensionsLength: Int {
        (renegotiationInfo ? 5 : 0) + (ecPointFormats.map { 5 + $0.count } ?? 0)
            + (alpn.map { 4 + 2 + 1 + $0.utf8.count } ?? 0) + (extendedMasterSecret ? 4 : 0)
    }
    public var handshakeLength: Int { 4 + 2 + 32 + 1 + sessionID.count + 2 + 1 + 2 + extensionsLength }
    public var recordLength: Int { TLSRecordHeader.length + handshakeLength }

    public func encodeRecord(into writer: inout ByteWriter) {
        writer.require(recordLength)
        TLSRecordHeader(contentType: TLSContentType.handshake.rawValue, length: UInt16(handshakeLength)).encode(
            into: &writer)
        encodeHandshake(into: &writer)
    }

    public func encodeHandshake(into w: inout ByteWriter) {
        w.require(handshakeLength)
        w.u8(TLSHandshakeType.serverHello)
        w.u24(UInt32(handshakeLength - 4))
        w.u16(0x0303)
        w.bytes(random)
        w.u8(UInt8(sessionID.count))
        w.bytes(sessionID)
        w.u16(cipherSuite)
        w.u8(0)
        w.u16(UInt16(extensionsLength))
        if renegotiationInfo {
            w.u16(TLSExtensionType.renegotiationInfo)
            w.u16(1)
            w.u8(0)
        }
        if let ecPointFormats {
            w.u16(TLSExtensionType.ecPointFormats)
            w.u16(UInt16(1 + ecPointFormats.count))
            w.u8(UInt8(ecPointFormats.count))
            w.bytes(ecPointFormats)
        }
        if let alpn {
            let n = alpn.utf8.count
            w.u16(TLSExtensionType.alpn)
            w.u16(UInt16(2 + 1 + n))
            w.u16(UInt16(1 + n))
            w.u8(UInt8(n))
            w.bytes(alpn.utf8)
        }
        if extendedMasterSecret {
            w.u16(TLSExtensionType.extendedMasterSecret)
            w.u16(0)
        }
    }
}

/// How a TLS server answers: the versions, suites and groups it accepts, in its order of
/// preference (it picks the first the client offers, as OpenSSL does with
/// `SSL_OP_CIPHER_SERVER_PREFERENCE`), and the ALPN protocols it speaks. Its certificate chain is
/// generated by the simulation's PKI (Messages' `SimulatedPKI`) in the shape its
/// ``TLSServerProfileID/certificateChain`` names: an RSA-2048 leaf for the server name under the
/// issuer of that server type, so the sizes of the Certificate and CertificateVerify messages
/// come from real DER and real signatures. Each handshake message
/// travels in its own record, as OpenSSL-style servers write them.
///
/// Adding a server (another AWS front end, an RDS engine, a dataset server): a `static let` below,
/// a case in ``TLSServerProfileID``, and the servers that use it chosen in Workloads.
public struct TLSServerProfile: Hashable, Sendable {
    public var name: String
    /// Protocol versions accepted, best first (0x0304 TLS 1.3, 0x0303 TLS 1.2).
    public var versions: [UInt16]
    /// TLS 1.3 suites, in the server's order of preference.
    public var tls13CipherSuites: [UInt16]
    /// TLS 1.2 suites (ECDHE-RSA with an AEAD), in the server's order of preference.
    public var tls12CipherSuites: [UInt16]
    /// Key-exchange groups, in order of preference (only x25519 is modelled).
    public var groups: [UInt16]
    /// ALPN protocols the server speaks; it selects the first of the client's list it knows.
    public var alpnProtocols: [String]
    /// The NewSessionTickets it sends after a full TLS 1.3 handshake (RFC 8446 §4.6.1).
    public var tickets: TLSTicketPolicy
    /// One NewSessionTicket's handshake length when an ALPN protocol was selected.
    public var newSessionTicketLength: Int { tickets.handshakeLength(alpn: true) }
    /// Whether the server takes the first suite of the client's list it supports (OpenSSL
    /// without SSL_OP_CIPHER_SERVER_PREFERENCE), rather than the first of its own it shares.
    public var choosesClientOrder = false

    /// The suite the server selects among `supported` when the client offers `offered`.
    public func choose(_ supported: [UInt16], from offered: [UInt16]) -> UInt16? {
        choosesClientOrder ? offered.first(where: supported.contains) : supported.first(where: offered.contains)
    }

    public init(
        name: String, versions: [UInt16], tls13CipherSuites: [UInt16], tls12CipherSuites: [UInt16],
        groups: [UInt16] = [TLSNamedGroup.x25519], alpnProtocols: [String], tickets: TLSTicketPolicy
    ) {
        precondition(!versions.isEmpty && versions.allSatisfy { $0 == 0x0304 || $0 == 0x0303 })
        precondition(groups == [TLSNamedGroup.x25519], "only x25519 key exchange is modelled")
        self.name = name
        self.versions = versions
        self.tls13CipherSuites = tls13CipherSuites
        self.tls12CipherSuites = tls12CipherSuites
        self.groups = groups
        self.alpnProtocols = alpnProtocols
        self.tickets = tickets
    }

    /// An AWS service endpoint such as dynamodb.us-east-1.amazonaws.com, assumed to terminate
    /// TLS with s2n-tls (AWS's TLS library) under its `default_tls13` policy: TLS 1.3 suites in
    /// s2n's order AES-256-GCM, AES-128-GCM, ChaCha20 (`S2N_TLS13_CIPHER_SUITES_20190801`), TLS 1.2
    /// ECDHE-RSA AES-128-GCM, AES-256-GCM, ChaCha20 (`cipher_suites_20190801`), both in
    /// https://github.com/aws/s2n-tls/blob/main/tls/s2n_cipher_preferences.c, server order. No
    /// public capture of a DynamoDB ServerHello was found, so the policy itself is assumed. ALPN
    /// http/1.1 (EncryptedExtensions of 21 bytes). TLS 1.2 is the minimum on every AWS API
    /// endpoint (https://aws.amazon.com/blogs/security/tls-1-2-required-for-aws-endpoints/).
    ///
    /// Tickets: one NewSessionTicket, s2n-tls's `initial_tickets_to_send` default once tickets
    /// are on (tls/s2n_config.c, `s2n_config_set_session_tickets_onoff`); whether AWS turns them
    /// on is not documented (assumed on). Its 105-byte ticket is the size seen in a public
    /// `openssl s_client` transcript against a CloudFront (s2n-tls) endpoint; the 8-byte nonce
    /// and the 6-hour lifetime (s2n's `S2N_TLS_SESSION_CACHE_TTL`) are assumed.
    public static let awsEndpoint = TLSServerProfile(
        name: "AWS service endpoint (TLS 1.3, RSA-2048 under an Amazon RSA 2048 M0x-shaped CA)",
        versions: [0x0304, 0x0303],
        tls13CipherSuites: [
            TLSCipherSuite.aes256GCMSHA384, TLSCipherSuite.aes128GCMSHA256, TLSCipherSuite.chacha20Poly1305SHA256,
        ],
        tls12CipherSuites: [
            TLSCipherSuite.ecdheRSAAES128GCMSHA256, TLSCipherSuite.ecdheRSAAES256GCMSHA384,
            TLSCipherSuite.ecdheRSAChaCha20Poly1305,
        ],
        alpnProtocols: ["http/1.1"],
        tickets: TLSTicketPolicy(count: 1, lifetime: 21600, nonceLength: 8, ticketLength: 105, withoutALPN: 105))

    /// PostgreSQL (RDS) after an SSLRequest: OpenSSL with the engine's defaults, no ALPN selected
    /// (PostgreSQL 16 sets no ALPN callback; 17 accepts only "postgresql", which a client
    /// negotiating through SSLRequest need not offer:
    /// https://www.postgresql.org/docs/17/protocol-flow.html#PROTOCOL-FLOW-SSL), so
    /// EncryptedExtensions is empty (6 bytes). RDS for PostgreSQL accepts TLS 1.2 and 1.3
    /// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html).
    /// No session tickets and no resumption: the server calls `SSL_CTX_set_num_tickets(context,
    /// 0)`, sets `SSL_OP_NO_TICKET` and turns the session cache off
    /// (https://github.com/postgres/postgres/blob/master/src/backend/libpq/be-secure-openssl.c).
    /// Suites in OpenSSL's server order (assumed: RDS's `ssl_ciphers` parameter is not published
    /// per version), which the awsEndpoint list shares for TLS 1.3.
    public static let postgreSQL: TLSServerProfile = {
        var p = awsEndpoint
        p.name = "RDS for PostgreSQL (TLS 1.3, RSA-2048)"
        p.alpnProtocols = []
        p.tls12CipherSuites = [
            TLSCipherSuite.ecdheRSAAES256GCMSHA384, TLSCipherSuite.ecdheRSAAES128GCMSHA256,
            TLSCipherSuite.ecdheRSAChaCha20Poly1305,
        ]
        p.tickets = .none
        return p
    }()

    /// ``postgreSQL`` with `ssl_max_protocol_version = 'TLSv1.2'`: every modelled client then
    /// negotiates TLS 1.2 with ECDHE-RSA-AES256-GCM-SHA384.
    public static let postgreSQLTLS12: TLSServerProfile = {
        var p = postgreSQL
        p.name = "RDS for PostgreSQL with ssl_max_protocol_version TLSv1.2 (ECDHE-RSA, AES-GCM)"
        p.versions = [0x0303]
        return p
    }()
}

extension TLSServerProfile {
    /// nginx on OpenSSL 3 with its defaults, the web, application and partner servers of a
    /// dataset: TLS 1.3 and 1.2 (`ssl_protocols TLSv1.2 TLSv1.3`), and the client's suite order
    /// (`ssl_prefer_server_ciphers off`; both defaults,
    /// https://nginx.org/en/docs/http/ngx_http_ssl_module.html), so Chrome, Firefox and the Go
    /// SDK get TLS_AES_128_GCM_SHA256 while OpenSSL-based clients (boto3, curl, Node), JSSE and
    /// Safari get TLS_AES_256_GCM_SHA384 — one server, several JA3S. ALPN http/1.1
    /// (HTTP/2 is not modelled). TLS 1.2 suites in OpenSSL's order.
    ///
    /// Tickets: two NewSessionTickets after every full TLS 1.3 handshake, OpenSSL's `num_tickets`
    /// default (https://docs.openssl.org/3.0/man3/SSL_CTX_set_num_tickets/), sent even to
    /// clients that set SSL_OP_NO_TICKET (boto3): an OpenSSL 3.0.19 server captured for this
    /// project sent both to every client, 266-byte records after an ALPN answer and 250 without
    /// (tickets of 224 and 208 bytes: OpenSSL's encrypted session state grows with the ALPN
    /// protocol it keeps). Lifetime 300 s, nginx's `ssl_session_timeout` default of 5 minutes,
    /// which OpenSSL sends as the ticket lifetime; 8-byte nonces (OpenSSL's ticket counter).
    public static let nginxOpenSSL3: TLSServerProfile = {
        var p = awsEndpoint
        p.name = "nginx / OpenSSL 3 (client's suite order)"
        p.choosesClientOrder = true
        p.tls12CipherSuites = [
            TLSCipherSuite.ecdheRSAAES256GCMSHA384, TLSCipherSuite.ecdheRSAAES128GCMSHA256,
            TLSCipherSuite.ecdheRSAChaCha20Poly1305,
        ]
        p.tickets = TLSTicketPolicy(count: 2, lifetime: 300, nonceLength: 8, ticketLength: 224, withoutALPN: 208)
        return p
    }()
}

/// The NewSessionTickets a TLS 1.3 server sends after a full handshake (RFC 8446 §4.6.1): how
/// many, their lifetime hint, and the sizes of their nonce and opaque ticket (which depend on
/// the session state the server encrypts into it, here on whether it keeps an ALPN protocol).
/// Tickets go out as soon as the server has the client's Finished, before any response
/// (OpenSSL writes them in the same handshake step). Clients that keep them resume with them
/// (``TLSClientProfile/sessionReuse``); after a resumption a server sends
/// ``countAfterResumption``.
public struct TLSTicketPolicy: Hashable, Sendable {
    public var count: Int
    /// Tickets after a resumed handshake: OpenSSL "will never" issue more than one following a
    /// resumption (https://docs.openssl.org/3.0/man3/SSL_CTX_set_num_tickets/; captured: one
    /// 250-byte ticket record after each resumed handshake); s2n-tls sends its
    /// `initial_tickets_to_send` (1) again (assumed from tls/s2n_config.c).
    public var countAfterResumption: Int { min(count, 1) }
    public var lifetime: UInt32
    public var nonceLength: Int
    public var ticketLength: Int
    public var ticketLengthWithoutALPN: Int

    public init(count: Int, lifetime: UInt32, nonceLength: Int, ticketLength: Int, withoutALPN: Int) {
        precondition(count >= 0 && nonceLength <= 255 && ticketLength > 0 && withoutALPN > 0)
        self.count = count; self.lifetime = lifetime; self.nonceLength = nonceLength
        self.ticketLength = ticketLength; self.ticketLengthWithoutALPN = withoutALPN
    }

    /// No tickets.
    public static let none = TLSTicketPolicy(count: 0, lifetime: 0, nonceLength: 0, ticketLength: 1, withoutALPN: 1)

    /// The opaque ticket's length for a session with or without an ALPN protocol.
    public func ticketLength(alpn: Bool) -> Int { alpn ? ticketLength : ticketLengthWithoutALPN }

    /// One NewSessionTicket's handshake length.
    public func handshakeLength(alpn: Bool) -> Int {
        TLSNewSessionTicket.handshakeLength(nonceLength: nonceLength, ticketLength: ticketLength(alpn: alpn))
    }
}

/// The registry of modelled TLS servers (a ServerHello chunk names its server by this id).
public enum TLSServerProfileID: UInt8, CaseIterable, Hashable, Sendable {
    /// ``TLSServerProfile/awsEndpoint``.
    case awsEndpoint = 0
    /// ``TLSServerProfile/postgreSQL``.
    case postgreSQL = 1
    /// ``TLSServerProfile/postgreSQLTLS12``.
    case postgreSQLTLS12 = 2
    /// ``TLSServerProfile/nginxOpenSSL3``.
    case nginxOpenSSL3 = 3
    /// ``TLSServerProfile/elbTLS13_1_2_2021_06`` (TLSServerProfiles+ELB.swift).
    case elbTLS13_1_2_2021_06 = 4
    /// ``TLSServerProfile/elbTLS13_1_3_2021_06``.
    case elbTLS13_1_3_2021_06 = 5
    /// ``TLSServerProfile/elb2016_08``.
    case elb2016_08 = 6

    public var profile: TLSServerProfile {
        switch self {
        case .awsEndpoint: TLSServerProfile.awsEndpoint
        case .postgreSQL: TLSServerProfile.postgreSQL
        case .postgreSQLTLS12: TLSServerProfile.postgreSQLTLS12
        case .nginxOpenSSL3: TLSServerProfile.nginxOpenSSL3
        case .elbTLS13_1_2_2021_06: TLSServerProfile.elbTLS13_1_2_2021_06
        case .elbTLS13_1_3_2021_06: TLSServerProfile.elbTLS13_1_3_2021_06
        case .elb2016_08: TLSServerProfile.elb2016_08
        }
    }

    /// The certificate chain a server of this type presents.
    public var certificateChain: TLSCertificateChain {
        switch self {
        case .awsEndpoint: .amazonTrust
        case .postgreSQL, .postgreSQLTLS12: .rdsRegional
        case .nginxOpenSSL3: .publicWebPKI
        // An ACM public certificate chains to an "Amazon RSA 2048 M0x" intermediate of Amazon
        // Trust Services (https://www.amazontrust.com/repository/), which a load balancer sends
        // with the leaf: the AWS front ends' shape.
        case .elbTLS13_1_2_2021_06, .elbTLS13_1_3_2021_06, .elb2016_08: .amazonTrust
        }
    }
}

/// The shapes of certificate chain a simulated server presents (built by Messages'
/// `SimulatedPKI`, which documents each one's sources).
public enum TLSCertificateChain: UInt8, CaseIterable, Hashable, Sendable {
    /// AWS service front ends: a leaf under an "Amazon RSA 2048 M0x" intermediate of Amazon Trust
    /// Services, sent with the intermediate and Amazon Root CA 1's Starfield cross-certificate.
    case amazonTrust = 0
    /// RDS database servers: a leaf under the Region's rds-ca-rsa2048-g1 subordinate CA, sent
    /// with that subordinate.
    case rdsRegional = 1
    /// Internet and partner servers (nginx): a leaf under a Let's Encrypt "R1x"-shaped
    /// intermediate, sent with that intermediate.
    case publicWebPKI = 2
}
