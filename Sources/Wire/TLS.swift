// TLS records and the handshake messages that travel in clear: RFC 8446 (TLS 1.3) with the
// record/handshake framing it inherits from RFC 5246 (TLS 1.2).

/// ContentType, RFC 8446 §5.1.
public enum TLSContentType: UInt8, Sendable {
    case changeCipherSpec = 20
    case alert = 21
    case handshake = 22
    case applicationData = 23
}

/// HandshakeType, RFC 8446 §4.
public enum TLSHandshakeType {
    public static let clientHello: UInt8 = 1
    public static let serverHello: UInt8 = 2
    public static let newSessionTicket: UInt8 = 4
    public static let encryptedExtensions: UInt8 = 8
    public static let certificate: UInt8 = 11
    public static let certificateVerify: UInt8 = 15
    public static let finished: UInt8 = 20
}

/// ExtensionType values used here, RFC 8446 §4.2 and the IANA registry.
public enum TLSExtensionType {
    public static let serverName: UInt16 = 0                 // RFC 6066
    public static let supportedGroups: UInt16 = 10           // RFC 8422
    public static let ecPointFormats: UInt16 = 11            // RFC 8422
    public static let signatureAlgorithms: UInt16 = 13       // RFC 8446
    public static let alpn: UInt16 = 16                      // RFC 7301
    public static let padding: UInt16 = 21                   // RFC 7685
    public static let encryptThenMAC: UInt16 = 22            // RFC 7366
    public static let extendedMasterSecret: UInt16 = 23      // RFC 7627
    public static let postHandshakeAuth: UInt16 = 49         // RFC 8446
    public static let supportedVersions: UInt16 = 43         // RFC 8446
    public static let pskKeyExchangeModes: UInt16 = 45       // RFC 8446
    public static let keyShare: UInt16 = 51                  // RFC 8446
}

/// The 5-byte TLSPlaintext/TLSCiphertext record header, RFC 8446 §5.1 / §5.2.
public struct TLSRecordHeader: Hashable, Sendable {
    public enum Field {
        public static let contentType = 0
        public static let legacyVersion = 1
        public static let length = 3
    }
    public static let length = 5
    /// RFC 8446 §5.2: a TLSCiphertext fragment must not exceed 2^14 + 256 bytes.
    public static let maximumFragmentLength = 16384 + 256

    public var contentType: UInt8
    public var legacyVersion: UInt16
    /// Length of the fragment that follows the header.
    public var length: UInt16

    @inlinable
    public init(contentType: UInt8, legacyVersion: UInt16 = 0x0303, length: UInt16) {
        self.contentType = contentType
        self.legacyVersion = legacyVersion
        self.length = length
    }

    @inlinable
    public func encode(into writer: inout ByteWriter) {
        writer.require(Self.length)
        writer.u8(contentType)
        writer.u16(legacyVersion)
        writer.u16(length)
    }

    /// Parses a header. Checks: 5 bytes present, content type 20...23, version 0x0301...0x0303,
    /// length <= 2^14 + 256.
    public init(parsing reader: inout ByteReader) throws(WireError) {
        try reader.need(Self.length)
        contentType = try reader.u8()
        legacyVersion = try reader.u16()
        length = try reader.u16()
        guard TLSContentType(rawValue: contentType) != nil else { throw .malformed("TLS content type \(contentType)") }
        guard (0x0301...0x0303).contains(legacyVersion) else { throw .malformed("TLS record version \(legacyVersion)") }
        guard Int(length) <= Self.maximumFragmentLength else { throw .badLength(Int(length)) }
    }

    /// Parses a header and returns it with its whole fragment (throws `.truncated` if the
    /// fragment is not all there). The reader ends after the record.
    public static func parseRecord(_ reader: inout ByteReader) throws(WireError) -> (header: TLSRecordHeader, fragment: UnsafeRawBufferPointer) {
        let header = try TLSRecordHeader(parsing: &reader)
        return (header, try reader.bytes(Int(header.length)))
    }
}

/// The ClientHello that boto3 1.43 (botocore → urllib3 2.7 → Python 3.11 `ssl` → OpenSSL 3.0)
/// sends, reproduced byte for byte from a loopback capture of `put_item` to
/// dynamodb.us-east-1.amazonaws.com (see /work/notes/wire-findings.md). Only `random`,
/// `sessionID` and the x25519 key share differ between connections; the SNI changes the
/// server_name and padding extensions.
///
/// Layout (RFC 8446 §4.1.2): record version 0x0301 (OpenSSL's first-flight record version),
/// legacy_version 0x0303, 32-byte random, 32-byte legacy_session_id (middlebox compatibility
/// mode, RFC 8446 D.4), 18 cipher suites, null compression, then extensions in this order:
/// server_name, ec_point_formats, supported_groups, ALPN "http/1.1", encrypt_then_mac,
/// extended_master_secret, post_handshake_auth, signature_algorithms, supported_versions,
/// psk_key_exchange_modes, key_share (x25519 only), padding. No session_ticket extension
/// (urllib3 sets OP_NO_TICKET) and no status_request.
///
/// Padding (RFC 7685) follows OpenSSL's F5 workaround: when the handshake message without
/// padding is longer than 255 and shorter than 512 bytes, a padding extension brings it to 512
/// bytes (its body is `512 - length - 4` zero bytes, but at least 1).
public struct TLSClientHello: Hashable, Sendable {
    /// Cipher suites in the order OpenSSL 3.0 offers them under Python's default context.
    public static let cipherSuites: [UInt16] = [
        0x1302, 0x1303, 0x1301,                 // TLS 1.3: AES-256-GCM, ChaCha20-Poly1305, AES-128-GCM
        0xC02C, 0xC030, 0xC02B, 0xC02F,         // ECDHE-{ECDSA,RSA}-AES{256,128}-GCM
        0xCCA9, 0xCCA8,                         // ECDHE-{ECDSA,RSA}-CHACHA20-POLY1305
        0xC024, 0xC028, 0xC023, 0xC027,         // ECDHE-{ECDSA,RSA}-AES{256,128}-CBC-SHA{384,256}
        0x009F, 0x009E, 0x006B, 0x0067,         // DHE-RSA-AES{256,128}-GCM, DHE-RSA-AES{256,128}-SHA256
        0x00FF,                                 // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
    ]
    /// x25519, secp256r1, x448, secp521r1, secp384r1, ffdhe2048 … ffdhe8192.
    public static let supportedGroups: [UInt16] = [
        0x001D, 0x0017, 0x001E, 0x0019, 0x0018, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104,
    ]
    public static let ecPointFormats: [UInt8] = [0, 1, 2]
    /// ecdsa P-256/384/521, ed25519, ed448, rsa_pss_pss ×3, rsa_pss_rsae ×3, rsa_pkcs1 ×3,
    /// SHA224-ECDSA/RSA/DSA, SHA256/384/512-DSA.
    public static let signatureAlgorithms: [UInt16] = [
        0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080A, 0x080B, 0x0804, 0x0805,
        0x0806, 0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602,
    ]
    public static let supportedVersions: [UInt16] = [0x0304, 0x0303]
    public static let alpnProtocol: StaticString = "http/1.1"
    /// psk_dhe_ke.
    public static let pskKeyExchangeModes: [UInt8] = [1]
    /// Extension types in the order written (padding last, only when the rule calls for it).
    public static let extensionOrder: [UInt16] = [0, 11, 10, 16, 22, 23, 49, 13, 43, 45, 51, 21]
    static let paddingMinimum = 0xFF     // OpenSSL F5_WORKAROUND_MIN_MSG_LEN
    static let paddingTarget = 0x200     // OpenSSL F5_WORKAROUND_MAX_MSG_LEN
    /// Handshake bytes excluding extensions: type+length 4, version 2, random 32,
    /// session id 1+32, cipher suites 2+36, compression 1+1, extensions length 2.
    static let fixedLength = 4 + 2 + 32 + 1 + 32 + 2 + 2 * 18 + 1 + 1 + 2
    /// All extensions except server_name and padding.
    static let fixedExtensionsLength =
        (4 + 1 + 3)            // ec_point_formats
        + (4 + 2 + 2 * 10)     // supported_groups
        + (4 + 2 + 1 + 8)      // ALPN
        + 4 + 4 + 4            // encrypt_then_mac, extended_master_secret, post_handshake_auth
        + (4 + 2 + 2 * 20)     // signature_algorithms
        + (4 + 1 + 2 * 2)      // supported_versions
        + (4 + 1 + 1)          // psk_key_exchange_modes
        + (4 + 2 + 2 + 2 + 32) // key_share: one x25519 entry

    public var serverName: String
    public var random: [UInt8]
    public var sessionID: [UInt8]
    public var x25519KeyShare: [UInt8]

    /// An empty `serverName` omits the server_name extension (as OpenSSL does for IP literals).
    public init(serverName: String, random: [UInt8], sessionID: [UInt8], x25519KeyShare: [UInt8]) {
        precondition(random.count == 32, "random must be 32 bytes")
        precondition(sessionID.count == 32, "session id must be 32 bytes (OpenSSL compatibility mode)")
        precondition(x25519KeyShare.count == 32, "x25519 key share must be 32 bytes")
        precondition(serverName.utf8.count <= 0xFFFF - 9, "server name too long")
        self.serverName = serverName
        self.random = random
        self.sessionID = sessionID
        self.x25519KeyShare = x25519KeyShare
    }

    var serverNameExtensionLength: Int {
        let n = serverName.utf8.count
        return n == 0 ? 0 : 4 + 2 + 1 + 2 + n
    }

    /// Bytes of the padding extension body, or nil when no padding extension is written.
    var paddingBodyLength: Int? {
        let unpadded = Self.fixedLength + Self.fixedExtensionsLength + serverNameExtensionLength
        guard unpadded > Self.paddingMinimum && unpadded < Self.paddingTarget else { return nil }
        let gap = Self.paddingTarget - unpadded
        return gap > 4 ? gap - 4 : 1
    }

    var extensionsLength: Int {
        Self.fixedExtensionsLength + serverNameExtensionLength + (paddingBodyLength.map { 4 + $0 } ?? 0)
    }

    /// Length of the Handshake message (type + 3-byte length + body). 512 for any SNI up to
    /// 225 bytes.
    public var handshakeLength: Int { Self.fixedLength + extensionsLength }
    /// The whole TLSPlaintext record: 5 + handshakeLength (517 for dynamodb.us-east-1).
    public var recordLength: Int { TLSRecordHeader.length + handshakeLength }

    public func encodeRecord(into writer: inout ByteWriter) {
        let handshake = handshakeLength
        writer.require(TLSRecordHeader.length + handshake)
        TLSRecordHeader(contentType: TLSContentType.handshake.rawValue, legacyVersion: 0x0301,
                        length: UInt16(handshake)).encode(into: &writer)
        writer.u8(TLSHandshakeType.clientHello)
        writer.u24(UInt32(handshake - 4))
        writer.u16(0x0303)
        writer.bytes(random)
        writer.u8(UInt8(sessionID.count))
        writer.bytes(sessionID)
        writer.u16(UInt16(2 * Self.cipherSuites.count))
        for suite in Self.cipherSuites { writer.u16(suite) }
        writer.u8(1)            // one compression method
        writer.u8(0)            // null
        writer.u16(UInt16(extensionsLength))

        let nameLength = serverName.utf8.count
        if nameLength > 0 {
            writer.u16(TLSExtensionType.serverName)
            writer.u16(UInt16(nameLength + 5))
            writer.u16(UInt16(nameLength + 3))      // server_name_list length
            writer.u8(0)                            // host_name
            writer.u16(UInt16(nameLength))
            writer.bytes(serverName.utf8)
        }
        writer.u16(TLSExtensionType.ecPointFormats)
        writer.u16(UInt16(1 + Self.ecPointFormats.count))
        writer.u8(UInt8(Self.ecPointFormats.count))
        writer.bytes(Self.ecPointFormats)

        writer.u16(TLSExtensionType.supportedGroups)
        writer.u16(UInt16(2 + 2 * Self.supportedGroups.count))
        writer.u16(UInt16(2 * Self.supportedGroups.count))
        for group in Self.supportedGroups { writer.u16(group) }

        let alpn = Self.alpnProtocol
        writer.u16(TLSExtensionType.alpn)
        writer.u16(UInt16(2 + 1 + alpn.utf8CodeUnitCount))
        writer.u16(UInt16(1 + alpn.utf8CodeUnitCount))
        writer.u8(UInt8(alpn.utf8CodeUnitCount))
        alpn.withUTF8Buffer { writer.bytes(UnsafeRawBufferPointer($0)) }

        writer.u32(UInt32(TLSExtensionType.encryptThenMAC) << 16)          // empty extensions
        writer.u32(UInt32(TLSExtensionType.extendedMasterSecret) << 16)
        writer.u32(UInt32(TLSExtensionType.postHandshakeAuth) << 16)

        writer.u16(TLSExtensionType.signatureAlgorithms)
        writer.u16(UInt16(2 + 2 * Self.signatureAlgorithms.count))
        writer.u16(UInt16(2 * Self.signatureAlgorithms.count))
        for scheme in Self.signatureAlgorithms { writer.u16(scheme) }

        writer.u16(TLSExtensionType.supportedVersions)
        writer.u16(UInt16(1 + 2 * Self.supportedVersions.count))
        writer.u8(UInt8(2 * Self.supportedVersions.count))
        for version in Self.supportedVersions { writer.u16(version) }

        writer.u16(TLSExtensionType.pskKeyExchangeModes)
        writer.u16(UInt16(1 + Self.pskKeyExchangeModes.count))
        writer.u8(UInt8(Self.pskKeyExchangeModes.count))
        writer.bytes(Self.pskKeyExchangeModes)

        writer.u16(TLSExtensionType.keyShare)
        writer.u16(2 + 2 + 2 + 32)
        writer.u16(2 + 2 + 32)                      // client_shares length
        writer.u16(0x001D)                          // x25519
        writer.u16(32)
        writer.bytes(x25519KeyShare)

        if let padding = paddingBodyLength {
            writer.u16(TLSExtensionType.padding)
            writer.u16(UInt16(padding))
            writer.zeros(padding)
        }
    }

    /// Parses a record produced by `encodeRecord` (or by boto3): extracts SNI, random, session
    /// id and key share, then re-encodes and requires the bytes to match exactly, so anything
    /// that is not this ClientHello shape is rejected as malformed.
    public init(parsingRecord record: UnsafeRawBufferPointer) throws(WireError) {
        var r = ByteReader(record)
        let (header, fragment) = try TLSRecordHeader.parseRecord(&r)
        guard header.contentType == TLSContentType.handshake.rawValue else { throw .malformed("not a handshake record") }
        var h = ByteReader(fragment)
        guard try h.u8() == TLSHandshakeType.clientHello else { throw .malformed("not a ClientHello") }
        guard Int(try h.u24()) == fragment.count - 4 else { throw .badLength(fragment.count) }
        try h.skip(2)
        let random = try h.array(32)
        guard try h.u8() == 32 else { throw .malformed("session id length") }
        let sessionID = try h.array(32)
        try h.skip(Int(try h.u16()))                // cipher suites
        try h.skip(Int(try h.u8()))                 // compression methods
        let extensionsEnd = Int(try h.u16()) + h.offset
        var serverName = ""
        var keyShare: [UInt8]? = nil
        while h.offset < extensionsEnd {
            let type = try h.u16()
            let length = Int(try h.u16())
            var e = ByteReader(try h.bytes(length))
            if type == TLSExtensionType.serverName {
                try e.skip(3)
                serverName = String(decoding: try e.bytes(Int(try e.u16())), as: UTF8.self)
            } else if type == TLSExtensionType.keyShare {
                try e.skip(2)
                guard try e.u16() == 0x001D, try e.u16() == 32 else { throw .malformed("key share is not x25519") }
                keyShare = try e.array(32)
            }
        }
        guard let keyShare else { throw .malformed("no key_share") }
        let candidate = TLSClientHello(serverName: serverName, random: random, sessionID: sessionID, x25519KeyShare: keyShare)
        guard candidate.recordLength == r.offset else { throw .badLength(r.offset) }
        let same = withUnsafeTemporaryAllocation(byteCount: candidate.recordLength, alignment: 8) { scratch in
            var w = ByteWriter(scratch)
            candidate.encodeRecord(into: &w)
            return scratch.elementsEqual(UnsafeRawBufferPointer(rebasing: record[0..<candidate.recordLength]))
        }
        guard same else { throw .malformed("ClientHello differs from the boto3/OpenSSL layout") }
        self = candidate
    }
}

/// A TLS 1.3 ServerHello (RFC 8446 §4.1.3) as an AWS endpoint answers the ClientHello above:
/// record version 0x0303, legacy_version 0x0303, the client's session id echoed, null
/// compression, extensions supported_versions (0x0304) then key_share (x25519).
public struct TLSServerHello: Hashable, Sendable {
    public var random: [UInt8]
    public var sessionIDEcho: [UInt8]
    public var cipherSuite: UInt16
    public var x25519KeyShare: [UInt8]

    public init(random: [UInt8], sessionIDEcho: [UInt8], cipherSuite: UInt16 = 0x1301, x25519KeyShare: [UInt8]) {
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
    public var handshakeLength: Int { 4 + 2 + 32 + 1 + sessionIDEcho.count + 2 + 1 + 2 + Self.extensionsLength }
    /// 127 with a 32-byte session id.
    public var recordLength: Int { TLSRecordHeader.length + handshakeLength }

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
        guard header.contentType == TLSContentType.handshake.rawValue else { throw .malformed("not a handshake record") }
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

/// The dummy ChangeCipherSpec record of TLS 1.3 middlebox compatibility mode
/// (RFC 8446 §5 and D.4): 14 03 03 00 01 01.
public enum TLSChangeCipherSpec {
    public static let recordLength = 6

    @inlinable
    public static func encodeRecord(into writer: inout ByteWriter) {
        writer.require(recordLength)
        writer.u32(0x1403_0300)
        writer.u16(0x0101)
    }

    /// True when `record` is exactly the 6-byte compatibility CCS.
    public static func isValidRecord(_ record: UnsafeRawBufferPointer) -> Bool {
        var r = ByteReader(record)
        guard let parsed = try? TLSRecordHeader.parseRecord(&r) else { return false }
        return r.isAtEnd && parsed.header.contentType == TLSContentType.changeCipherSpec.rawValue
            && parsed.header.legacyVersion == 0x0303 && parsed.fragment.count == 1 && parsed.fragment[0] == 1
    }
}

/// TLS 1.3 protected records (RFC 8446 §5.2): opaque_type 23, legacy_record_version 0x0303,
/// length = inner plaintext + 1 (the real content type) + 16 (AEAD tag of AES-GCM /
/// ChaCha20-Poly1305). No padding is modelled.
///
/// The body is pseudo-random and stateless: byte `i` of a record body is byte `i % 8` (little
/// endian) of `mix(seed, i / 8)`, where `mix` is the SplitMix64 output function. Any slice of
/// any record can therefore be rendered alone, in any order, as TCP segments are.
public enum TLSCiphertext {
    public static let overhead = 1 + 16
    /// Largest inner plaintext (RFC 8446 §5.1: 2^14).
    public static let maximumInnerPlaintextLength = 16384

    @inlinable
    public static func recordLength(innerPlaintextLength: Int) -> Int {
        TLSRecordHeader.length + innerPlaintextLength + overhead
    }

    @inlinable
    public static func writeHeader(innerPlaintextLength: Int, into writer: inout ByteWriter) {
        precondition(innerPlaintextLength >= 0 && innerPlaintextLength <= maximumInnerPlaintextLength,
                     "inner plaintext length \(innerPlaintextLength) outside 0...16384")
        writer.require(TLSRecordHeader.length)
        writer.u8(TLSContentType.applicationData.rawValue)
        writer.u16(0x0303)
        writer.u16(UInt16(innerPlaintextLength + overhead))
    }

    /// SplitMix64's finaliser over (seed, word index).
    @inlinable
    public static func mix(_ seed: UInt64, _ word: UInt64) -> UInt64 {
        var z = seed &+ (word &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Writes body bytes `offset ..< offset + count` of the record body for `seed`.
    @inlinable
    public static func fillBody(seed: UInt64, from offset: Int, count: Int, into writer: inout ByteWriter) {
        precondition(offset >= 0 && count >= 0, "negative body range")
        writer.require(count)
        var i = offset
        let end = offset + count
        // Leading bytes up to a word boundary.
        if i & 7 != 0 {
            let word = mix(seed, UInt64(i >> 3))
            while i < end && i & 7 != 0 {
                writer.u8(UInt8(truncatingIfNeeded: word >> UInt64((i & 7) * 8)))
                i += 1
            }
        }
        // Whole words.
        while i + 8 <= end {
            writer.u64LittleEndian(mix(seed, UInt64(i >> 3)))
            i += 8
        }
        // Trailing bytes.
        if i < end {
            let word = mix(seed, UInt64(i >> 3))
            while i < end {
                writer.u8(UInt8(truncatingIfNeeded: word >> UInt64((i & 7) * 8)))
                i += 1
            }
        }
    }

    /// Writes bytes `offset ..< offset + count` of a whole record (5-byte header followed by
    /// the body), for segments that cut a record anywhere, including inside its header.
    @inlinable
    public static func writeRecordSlice(innerPlaintextLength: Int, seed: UInt64, from offset: Int,
                                        count: Int, into writer: inout ByteWriter) {
        let total = recordLength(innerPlaintextLength: innerPlaintextLength)
        precondition(offset >= 0 && count >= 0 && offset + count <= total, "slice outside record")
        writer.require(count)
        var i = offset
        let end = offset + count
        if i < TLSRecordHeader.length {
            let length = UInt16(innerPlaintextLength + overhead)
            let header: (UInt8, UInt8, UInt8, UInt8, UInt8) =
                (TLSContentType.applicationData.rawValue, 0x03, 0x03, UInt8(length >> 8), UInt8(length & 0xFF))
            while i < end && i < TLSRecordHeader.length {
                let byte: UInt8
                switch i {
                case 0: byte = header.0
                case 1: byte = header.1
                case 2: byte = header.2
                case 3: byte = header.3
                default: byte = header.4
                }
                writer.u8(byte)
                i += 1
            }
        }
        if i < end {
            fillBody(seed: seed, from: i - TLSRecordHeader.length, count: end - i, into: &writer)
        }
    }
}

/// Inner plaintext lengths (handshake message bytes, before TLSCiphertext adds 1 + 16) of the
/// TLS 1.3 flight between boto3 and an AWS endpoint such as dynamodb.us-east-1.amazonaws.com,
/// with TLS_AES_128_GCM_SHA256 (SHA-256 transcript) and an RSA-2048 certificate. Each handshake
/// message is assumed to travel in its own record, as OpenSSL sends them.
/// Sources are given per value; see /work/notes/wire-findings.md.
public enum TLS13Sizes {
    /// EncryptedExtensions carrying ALPN "http/1.1": 4 (header) + 2 (extensions length) +
    /// 2 + 2 + 2 + 1 + 8 (ALPN) = 21. Matches the 21 measured from an OpenSSL 3.0 server in the
    /// loopback capture. (An AWS server that also acknowledges SNI with an empty server_name
    /// extension would send 25; not observed.)
    public static let encryptedExtensions = 21

    /// DER size of the intermediate "Amazon RSA 2048 M02"/"M03" (issued by Amazon Root CA 1,
    /// 2022-08-23): 1122 bytes, read from the DER length prefix (30 82 04 5E) of the real
    /// certificates in public PEM bundles. Measured (real certificate), not estimated.
    public static let intermediateCertificateDER = 1122

    /// DER size of a leaf for dynamodb.us-east-1.amazonaws.com: 1550 bytes. Not measured on the
    /// real endpoint (no Internet here). Estimated by generating, with openssl, a certificate
    /// that mirrors a real ACM leaf issued by Amazon RSA 2048 M03 (RSA-2048 key, SHA-256
    /// signature, AKI, SKI, SAN, policy 2.23.140.1.2.1, KU, EKU, CRL DP, AIA OCSP+caIssuers,
    /// basicConstraints, three embedded SCTs): the generator reproduces that real leaf's
    /// 1495 bytes exactly when given its single 20-byte name, and gives 1550 for
    /// CN=dynamodb.us-east-1.amazonaws.com with SANs dynamodb.us-east-1.amazonaws.com and
    /// *.ddb.us-east-1.amazonaws.com (the second SAN is an assumption; without it: 1519).
    public static let leafCertificateDER = 1550

    /// Certificate message (RFC 8446 §4.4.2): 4 + 1 (empty context) + 3 (list length) +
    /// per entry 3 + DER + 2 (no entry extensions; the client sent no status_request) =
    /// 8 + (5 + 1550) + (5 + 1122) = 2690.
    public static let certificate = 4 + 1 + 3 + (3 + leafCertificateDER + 2) + (3 + intermediateCertificateDER + 2)

    /// CertificateVerify with rsa_pss_rsae_sha256 and a 2048-bit key: 4 + 2 (scheme) +
    /// 2 (length) + 256 = 264 (RFC 8446 §4.4.3). Matches the 264 measured on loopback.
    public static let certificateVerify = 4 + 2 + 2 + 256

    /// Server Finished: 4 + 32 (HMAC-SHA256 verify_data, RFC 8446 §4.4.4) = 36.
    public static let serverFinished = 4 + 32

    /// Client Finished: 4 + 32 = 36.
    public static let clientFinished = 4 + 32

    /// One NewSessionTicket (RFC 8446 §4.6.1): 4 + 4 (lifetime) + 4 (age_add) + 1 + 8 (nonce)
    /// + 2 + 105 (ticket) + 2 (no extensions) = 130. Estimate: the 105-byte ticket is the size
    /// seen in a public `openssl s_client` transcript against a CloudFront (s2n-tls) endpoint
    /// with TLS_AES_128_GCM_SHA256; the 8-byte nonce is assumed. The OpenSSL 3.0 server in the
    /// loopback capture sent two tickets of 249 bytes each instead.
    public static let newSessionTicket = 4 + 4 + 4 + 1 + 8 + 2 + 105 + 2

    /// Server flight after ServerHello + CCS, as TLSCiphertext record lengths (5 + inner + 17).
    public static var serverFlightRecordLengths: [Int] {
        [encryptedExtensions, certificate, certificateVerify, serverFinished].map {
            TLSCiphertext.recordLength(innerPlaintextLength: $0)
        }
    }
}
