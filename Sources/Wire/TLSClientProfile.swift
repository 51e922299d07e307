// What makes one TLS client stack recognisable on the wire, as a value: its ClientHello layout
// (RFC 8446 §4.1.2) and its record habits. The ClientHello encoder and parser
// (TLSClientHello.swift) are driven by it; the instances and their registry are in
// TLSClientProfiles.swift.

/// How a TLS client stack writes its first flight and its records.
///
/// Everything a fingerprint (JA3, JA4) reads is here: the cipher suites, the extensions in the
/// order written with their contents, the padding rule and the key shares offered. What varies
/// per connection (random, legacy_session_id, key-share bytes, the server name) lives in
/// ``TLSClientHello``.
///
/// Adding a client: write its profile as a `static let` (TLSClientProfiles+SDKs.swift for
/// libraries, TLSClientProfiles+Browsers.swift for browsers) from a capture, give it a case in
/// ``TLSClientProfileID`` (the registry captures use to render it), and map the Lambda runtimes
/// or dataset clients that send it in Workloads (`LambdaRuntime.modelled`, `TLSClientMix`).
/// Its captured ClientHello goes in Tests/WireTests/CapturedClientHellos.swift, where a test
/// parses it with the profile and requires the same bytes back. An extension whose body is
/// fixed is a ``TLSClientExtension/fixed(type:body:)``; one whose body changes per connection
/// needs a case here and a field in ``TLSHelloVariation``. Browsers have three of that kind:
/// GREASE values (RFC 8701) where the profile has ``TLSGrease/placeholder`` or a
/// ``TLSClientExtension/grease(_:body:)`` slot, Chrome's per-connection extension order
/// (``permutesExtensions``), and a GREASE encrypted_client_hello
/// (``TLSClientExtension/echGrease(payloadLengths:)``) — all drawn per connection from the
/// hello's seed by ``TLSHelloVariation/draw(profile:seed:)``, as the browser draws them.
///
/// A server's side follows the same pattern in ``TLSServerProfile``.
public struct TLSClientProfile: Hashable, Sendable {
    /// Who sends it: library, HTTP client and TLS library with versions.
    public var name: String
    /// legacy_record_version of the record that carries the ClientHello (OpenSSL writes 0x0301
    /// in its first flight; RFC 8446 §5.1 allows either).
    public var recordVersion: UInt16
    /// ClientHello.legacy_version: 0x0303 for every TLS 1.3 client (RFC 8446 §4.1.2).
    public var legacyVersion: UInt16
    /// Bytes of legacy_session_id: 32 in middlebox compatibility mode (RFC 8446 §D.4), else 0.
    public var sessionIDLength: Int
    /// cipher_suites in the order offered.
    public var cipherSuites: [UInt16]
    /// legacy_compression_methods ([0], null, for any TLS 1.3 client).
    public var compressionMethods: [UInt8]
    /// Extensions in the order written.
    public var extensions: [TLSClientExtension]
    /// When the ``TLSClientExtension/padding`` slot is filled, and with how much.
    public var padding: TLSPaddingRule
    /// How the client cuts its application data into records.
    public var records: TLSRecordHabits
    /// Whether the extensions other than GREASE are written in a new random order on every
    /// connection, as Chrome does since version 110 (BoringSSL `SSL_set_permute_extensions`,
    /// ssl/extensions.cc `ssl_setup_extension_permutation`).
    public var permutesExtensions: Bool
    /// Whether the client keeps the server's session tickets and resumes with them
    /// (``TLSSessionReuse``); set on each profile from its library's and application's source.
    public var sessionReuse: TLSSessionReuse

    public init(
        name: String, recordVersion: UInt16, legacyVersion: UInt16 = 0x0303, sessionIDLength: Int,
        cipherSuites: [UInt16], compressionMethods: [UInt8] = [0], extensions: [TLSClientExtension],
        padding: TLSPaddingRule, records: TLSRecordHabits, permutesExtensions: Bool = false,
        sessionReuse: TLSSessionReuse = .never
    ) {
        precondition(sessionIDLength == 0 || sessionIDLength == 32, "legacy_session_id is empty or 32 bytes")
        for case .keyShare(let groups) in extensions {
            for g in groups {
                precondition(TLSNamedGroup.keyExchangeLength(g) != nil, "no key share size for group \(g)")
            }
        }
        self.name = name
        self.recordVersion = recordVersion
        self.legacyVersion = legacyVersion
        self.sessionIDLength = sessionIDLength
        self.cipherSuites = cipherSuites
        self.compressionMethods = compressionMethods
        self.extensions = extensions
        self.padding = padding
        self.records = records
        self.permutesExtensions = permutesExtensions
        self.sessionReuse = sessionReuse
    }

    /// The groups the client sends key shares for, in order (empty without a key_share extension).
    public var keyShareGroups: [UInt16] {
        for case .keyShare(let groups) in extensions { return groups }
        return []
    }

    /// Whether the client runs in middlebox compatibility mode (RFC 8446 §D.4): a non-empty
    /// legacy_session_id, and a ChangeCipherSpec record before its second flight.
    public var middleboxCompatibility: Bool { sessionIDLength > 0 }

    /// Whether the profile draws anything per connection that changes the hello's length (a
    /// GREASE encrypted_client_hello's payload): then ``clientHelloRecordLength(serverName:seed:)``
    /// depends on the seed.
    public var hasVariableLength: Bool {
        extensions.contains { if case .echGrease(let lengths) = $0 { lengths.count > 1 } else { false } }
    }

    /// Whether any list or extension of the profile carries GREASE.
    public var usesGrease: Bool {
        cipherSuites.contains(TLSGrease.placeholder)
            || extensions.contains { e in
                switch e {
                case .grease: true
                case .supportedGroups(let v), .signatureAlgorithms(let v), .supportedVersions(let v), .keyShare(let v):
                    v.contains(TLSGrease.placeholder)
                default: false
                }
            }
    }

    /// Length of the record carrying this client's ClientHello for `serverName` on a connection
    /// whose hello draws its variation from `seed` (only the server name and, for a browser, the
    /// GREASE ECH payload change it). Computed by laying the hello out, as the encoder does.
    /// With `psk`, the hello offers a ticket of `identity` bytes with a `binder`-byte binder.
    public func clientHelloRecordLength(
        serverName: String, seed: UInt64 = 0, psk: (identity: Int, binder: Int)? = nil
    ) -> Int {
        let shares = keyShareGroups.map { TLSClientHello.zeros(TLSNamedGroup.keyExchangeLength($0)!) }
        return TLSClientHello(
            profile: self, serverName: serverName, random: TLSClientHello.zeros(32),
            sessionID: TLSClientHello.zeros(sessionIDLength), keyShares: shares,
            variation: TLSHelloVariation.draw(profile: self, seed: seed),
            psk: psk.map {
                TLSOfferedPSK(
                    identity: TLSClientHello.zeros($0.identity), obfuscatedTicketAge: 0,
                    binder: TLSClientHello.zeros($0.binder))
            }
        ).recordLength
    }
}

/// Which GREASE value of a hello (RFC 8701 §3): BoringSSL draws one per slot and connection
/// (ssl/internal.h `ssl_grease_index_t`); the key share's GREASE group is the supported_groups one.
public enum TLSGreaseSlot: Int, Hashable, Sendable, CaseIterable {
    case cipher = 0
    case group = 1
    case extension1 = 2
    case extension2 = 3
    case version = 4
    case signatureAlgorithm = 5
}

/// What a client draws anew for each ClientHello beyond its random, session id and key shares:
/// GREASE values, the extension order, a GREASE ECH extension. Empty for clients that draw none.
public struct TLSHelloVariation: Hashable, Sendable {
    /// One value per ``TLSGreaseSlot`` (empty when the profile has no GREASE).
    public var grease: [UInt16]
    /// The profile's extension indices in wire order (empty: the profile's order).
    public var order: [UInt8]
    /// The body of the GREASE encrypted_client_hello extension (empty when the profile has none).
    public var ech: [UInt8]

    public init(grease: [UInt16] = [], order: [UInt8] = [], ech: [UInt8] = []) {
        self.grease = grease; self.order = order; self.ech = ech
    }

    public static let none = TLSHelloVariation()

    /// The value of GREASE slot `slot`.
    @inlinable public func value(_ slot: TLSGreaseSlot) -> UInt16 {
        slot.rawValue < grease.count ? grease[slot.rawValue] : TLSGrease.placeholder
    }

    /// The variation a client of `profile` draws for the hello of seed `seed`, as BoringSSL
    /// draws it: each GREASE value `(byte & 0xF0) | 0x0A` doubled, the second GREASE extension
    /// flipped by 0x1010 when it equals the first (ssl/handshake.cc `ssl_get_grease_value`; also
    /// kept off any GREASE type the profile writes as a fixed extension, since an extension type
    /// may not repeat); a Fisher–Yates permutation of the permutable extensions; an ECH GREASE body
    /// (draft-ietf-tls-esni-22 §6.2: outer type, HKDF-SHA256 / AES-128-GCM, a random config id, a
    /// 32-byte X25519-sized `enc`, a random payload of one of the profile's lengths).
    public static func draw(profile: TLSClientProfile, seed: UInt64) -> TLSHelloVariation {
        var v = TLSHelloVariation()
        var k: UInt64 = 0
        func next() -> UInt64 {
            k += 1
            return TLSCiphertext.mix(seed ^ 0x6EA5_E0F1_D3A1_7C55, k)
        }
        if profile.usesGrease {
            let fixedTypes = profile.extensions.compactMap { e -> UInt16? in
                if case .fixed(let t, _) = e, TLSGrease.isGrease(t) { return t } else { return nil }
            }
            v.grease = TLSGreaseSlot.allCases.map { _ in
                let b = UInt16(truncatingIfNeeded: next()) & 0xF0 | 0x0A
                return b << 8 | b
            }
            let e1 = TLSGreaseSlot.extension1.rawValue, e2 = TLSGreaseSlot.extension2.rawValue
            if v.grease[e2] == v.grease[e1] { v.grease[e2] ^= 0x1010 }
            for slot in [e1, e2] where fixedTypes.contains(v.grease[slot]) { v.grease[slot] ^= 0x1010 }
        }
        if profile.permutesExtensions {
            var order = profile.extensions.indices.map { UInt8($0) }
            let movable = order.indices.filter { i in
                switch profile.extensions[i] {
                case .grease: false
                default: true
                }
            }
            var pool = movable.map { order[$0] }
            var i = pool.count - 1
            while i > 0 {
                let j = Int(next() % UInt64(i + 1))
                pool.swapAt(i, j)
                i -= 1
            }
            for (slot, value) in zip(movable, pool) { order[slot] = value }
            v.order = order
        }
        for case .echGrease(let lengths) in profile.extensions {
            let payload = lengths[Int(next() % UInt64(lengths.count))]
            var body: [UInt8] = [0x00, 0x00, 0x01, 0x00, 0x01, UInt8(truncatingIfNeeded: next()), 0x00, 0x20]
            body.reserveCapacity(body.count + 32 + 2 + payload)
            var word: UInt64 = 0
            for n in 0..<32 {
                if n & 7 == 0 { word = next() }
                body.append(UInt8(truncatingIfNeeded: word >> UInt64((n & 7) * 8)))
            }
            body.append(UInt8(payload >> 8))
            body.append(UInt8(payload & 0xFF))
            for n in 0..<payload {
                if n & 7 == 0 { word = next() }
                body.append(UInt8(truncatingIfNeeded: word >> UInt64((n & 7) * 8)))
            }
            v.ech = body
        }
        return v
    }
}

/// One ClientHello extension and its contents (RFC 8446 §4.2; the IANA TLS ExtensionType
/// registry names the others).
public enum TLSClientExtension: Hashable, Sendable {
    /// server_name (RFC 6066 §3) with one host_name; left out when the hello has no name, as
    /// OpenSSL does for an IP literal.
    case serverName
    /// ec_point_formats (RFC 8422 §5.1.2).
    case ecPointFormats([UInt8])
    /// supported_groups (RFC 8446 §4.2.7).
    case supportedGroups([UInt16])
    /// application_layer_protocol_negotiation (RFC 7301 §3.1), protocol names in order.
    case alpn([String])
    /// encrypt_then_mac (RFC 7366), empty.
    case encryptThenMAC
    /// extended_master_secret (RFC 7627), empty.
    case extendedMasterSecret
    /// post_handshake_auth (RFC 8446 §4.2.6), empty.
    case postHandshakeAuth
    /// session_ticket (RFC 5077 §3.2), empty: the client takes tickets.
    case sessionTicket
    /// status_request (RFC 6066 §8): OCSP, no responder ids, no request extensions.
    case statusRequest
    /// signature_algorithms (RFC 8446 §4.2.3).
    case signatureAlgorithms([UInt16])
    /// supported_versions (RFC 8446 §4.2.1).
    case supportedVersions([UInt16])
    /// psk_key_exchange_modes (RFC 8446 §4.2.9).
    case pskKeyExchangeModes([UInt8])
    /// key_share (RFC 8446 §4.2.8): one KeyShareEntry per group, in this order; the key bytes
    /// are per connection (``TLSClientHello/keyShares``).
    case keyShare([UInt16])
    /// renegotiation_info (RFC 5746 §3.2) with an empty renegotiated_connection.
    case renegotiationInfo
    /// padding (RFC 7685): where the padding rule's extension goes when the rule writes one.
    case padding
    /// A GREASE extension (RFC 8701 §3.1): its type is the hello's value for `slot`
    /// (``TLSGreaseSlot/extension1`` or ``TLSGreaseSlot/extension2``), its body as given.
    case grease(TLSGreaseSlot, body: [UInt8])
    /// A GREASE encrypted_client_hello (draft-ietf-tls-esni-22 §6.2) whose payload has one of
    /// `payloadLengths` bytes, drawn per connection (``TLSHelloVariation/ech``).
    case echGrease(payloadLengths: [Int])
    /// Any other extension whose body is the same on every connection, written as given.
    case fixed(type: UInt16, body: [UInt8])

    /// The ExtensionType written on the wire.
    public var type: UInt16 {
        switch self {
        case .serverName: TLSExtensionType.serverName
        case .ecPointFormats: TLSExtensionType.ecPointFormats
        case .supportedGroups: TLSExtensionType.supportedGroups
        case .alpn: TLSExtensionType.alpn
        case .encryptThenMAC: TLSExtensionType.encryptThenMAC
        case .extendedMasterSecret: TLSExtensionType.extendedMasterSecret
        case .postHandshakeAuth: TLSExtensionType.postHandshakeAuth
        case .sessionTicket: TLSExtensionType.sessionTicket
        case .statusRequest: TLSExtensionType.statusRequest
        case .signatureAlgorithms: TLSExtensionType.signatureAlgorithms
        case .supportedVersions: TLSExtensionType.supportedVersions
        case .pskKeyExchangeModes: TLSExtensionType.pskKeyExchangeModes
        case .keyShare: TLSExtensionType.keyShare
        case .renegotiationInfo: TLSExtensionType.renegotiationInfo
        case .padding: TLSExtensionType.padding
        case .grease: TLSGrease.placeholder
        case .echGrease: TLSExtensionType.encryptedClientHello
        case .fixed(let type, _): type
        }
    }
}

/// When a ClientHello gets a padding extension (RFC 7685) and how long its body is.
public enum TLSPaddingRule: Hashable, Sendable {
    /// Never.
    case none
    /// OpenSSL's F5 workaround (ssl/statem/extensions_clnt.c, `tls_construct_ctos_padding`):
    /// when the handshake message without padding is longer than `above` and shorter than
    /// `target` bytes, a padding extension brings it to `target` (its body is
    /// `target - length - 4` zero bytes, but at least 1). OpenSSL uses 0xFF and 0x200.
    case openSSL(above: Int, target: Int)

    /// Bytes of the padding extension's body for a handshake message of `unpadded` bytes, or nil
    /// when no padding extension is written.
    public func bodyLength(unpaddedHandshakeLength unpadded: Int) -> Int? {
        switch self {
        case .none:
            return nil
        case .openSSL(let above, let target):
            guard unpadded > above && unpadded < target else { return nil }
            let gap = target - unpadded
            return gap > 4 ? gap - 4 : 1
        }
    }
}

/// How a client stack cuts application data into TLS records.
public struct TLSRecordHabits: Hashable, Sendable {
    /// Largest inner plaintext per record (RFC 8446 §5.1 allows 2^14; OpenSSL fills records).
    public var maximumPlaintext: Int
    /// Whether the HTTP client hands a request's header block and body to TLS in separate
    /// writes, so that they travel in separate records.
    public var separateHeaderAndBodyRecords: Bool
    /// The most bytes the HTTP client hands TLS in one write (its output buffer), nil when it
    /// writes a whole message at once; each write becomes its own records.
    public var writeBuffer: Int?
    /// Go's crypto/tls dynamic record sizing (conn.go `maxPayloadSizeForWrite`): until 128 KiB
    /// have been sent, application-data record n (from 0) carries at most (n + 1) × the payload
    /// that fits one 1208-byte TCP segment (`tcpMSSEstimate`), up to 2^14.
    public var dynamicRecordSizing: Bool

    public init(
        maximumPlaintext: Int = TLSCiphertext.maximumInnerPlaintextLength, separateHeaderAndBodyRecords: Bool,
        writeBuffer: Int? = nil, dynamicRecordSizing: Bool = false
    ) {
        precondition(maximumPlaintext > 0 && maximumPlaintext <= TLSCiphertext.maximumInnerPlaintextLength)
        precondition(writeBuffer.map { $0 > 0 } ?? true)
        self.maximumPlaintext = maximumPlaintext
        self.separateHeaderAndBodyRecords = separateHeaderAndBodyRecords
        self.writeBuffer = writeBuffer
        self.dynamicRecordSizing = dynamicRecordSizing
    }

    /// The most plaintext one application write puts in a record: the record limit, or the
    /// client's output buffer when it has one (Apache's 8 KiB, net/http's 4 KiB `bufio.Writer`:
    /// each full buffer is one write to TLS, hence one record).
    public var writeLimit: Int { min(maximumPlaintext, writeBuffer ?? maximumPlaintext) }

    /// Go's `tcpMSSEstimate` and `recordSizeBoostThreshold` (crypto/tls/conn.go).
    public static let goMSSEstimate = 1208
    public static let goBoostThreshold = 128 * 1024

    /// The most plaintext the next application-data record may carry: `recordsSent` records and
    /// `bytesSent` bytes already sent on the connection, `overhead` bytes of header, tag and
    /// content type per record.
    @inlinable
    public func recordLimit(recordsSent: Int, bytesSent: Int, overhead: Int) -> Int {
        guard dynamicRecordSizing, bytesSent < Self.goBoostThreshold, recordsSent <= 1000 else {
            return maximumPlaintext
        }
        let payload = Self.goMSSEstimate - TLSRecordHeader.length - overhead
        return min(maximumPlaintext, payload * (recordsSent + 1))
    }
}
