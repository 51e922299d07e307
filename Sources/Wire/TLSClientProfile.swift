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
/// Adding a client (aws-sdk-js v3 over Node 20's OpenSSL, the Java SDK v2, the Go SDK v2, …):
/// write its profile as a `static let` in TLSClientProfiles.swift from a capture, give it a
/// case in ``TLSClientProfileID`` (the registry captures use to render it), and map the Lambda
/// runtimes that send it in Workloads' `LambdaRuntime.modelled`. Byte vectors from the capture go
/// in Tests/WireTests, as ClientHelloVectors.swift does for boto3. An extension whose body is
/// fixed is a ``TLSClientExtension/fixed(type:body:)``; one whose body changes per connection
/// needs a case here and a field in ``TLSClientHello``. Browsers add two things of that kind:
/// GREASE values (RFC 8701), picked per connection from the hello's seed, and Chrome's
/// per-connection extension order, a permutation drawn from the same seed — both belong in
/// ``TLSClientHello`` as per-connection inputs, with the profile saying where GREASE goes and
/// which extensions may move.
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

    public init(
        name: String, recordVersion: UInt16, legacyVersion: UInt16 = 0x0303, sessionIDLength: Int,
        cipherSuites: [UInt16], compressionMethods: [UInt8] = [0], extensions: [TLSClientExtension],
        padding: TLSPaddingRule, records: TLSRecordHabits
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
    }

    /// The groups the client sends key shares for, in order (empty without a key_share extension).
    public var keyShareGroups: [UInt16] {
        for case .keyShare(let groups) in extensions { return groups }
        return []
    }

    /// Whether the client runs in middlebox compatibility mode (RFC 8446 §D.4): a non-empty
    /// legacy_session_id, and a ChangeCipherSpec record before its second flight.
    public var middleboxCompatibility: Bool { sessionIDLength > 0 }

    /// Length of the record carrying this client's ClientHello for `serverName` (the only
    /// per-connection input that changes it). Computed by laying the hello out, as the encoder
    /// does.
    public func clientHelloRecordLength(serverName: String) -> Int {
        let shares = keyShareGroups.map { TLSClientHello.zeros(TLSNamedGroup.keyExchangeLength($0)!) }
        return TLSClientHello(
            profile: self, serverName: serverName, random: TLSClientHello.zeros(32),
            sessionID: TLSClientHello.zeros(sessionIDLength), keyShares: shares
        ).recordLength
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

    public init(maximumPlaintext: Int = TLSCiphertext.maximumInnerPlaintextLength, separateHeaderAndBodyRecords: Bool) {
        precondition(maximumPlaintext > 0 && maximumPlaintext <= TLSCiphertext.maximumInnerPlaintextLength)
        self.maximumPlaintext = maximumPlaintext
        self.separateHeaderAndBodyRecords = separateHeaderAndBodyRecords
    }
}
