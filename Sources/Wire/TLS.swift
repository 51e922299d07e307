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
    public static let serverName: UInt16 = 0 // RFC 6066
    public static let statusRequest: UInt16 = 5 // RFC 6066
    public static let supportedGroups: UInt16 = 10 // RFC 8422
    public static let ecPointFormats: UInt16 = 11 // RFC 8422
    public static let signatureAlgorithms: UInt16 = 13 // RFC 8446
    public static let alpn: UInt16 = 16 // RFC 7301
    public static let padding: UInt16 = 21 // RFC 7685
    public static let encryptThenMAC: UInt16 = 22 // RFC 7366
    public static let extendedMasterSecret: UInt16 = 23 // RFC 7627
    public static let sessionTicket: UInt16 = 35 // RFC 5077
    public static let postHandshakeAuth: UInt16 = 49 // RFC 8446
    public static let supportedVersions: UInt16 = 43 // RFC 8446
    public static let pskKeyExchangeModes: UInt16 = 45 // RFC 8446
    public static let keyShare: UInt16 = 51 // RFC 8446
    public static let renegotiationInfo: UInt16 = 0xFF01 // RFC 5746
    public static let statusRequestV2: UInt16 = 17 // RFC 6961
    public static let signedCertificateTimestamp: UInt16 = 18 // RFC 6962
    public static let compressCertificate: UInt16 = 27 // RFC 8879
    public static let recordSizeLimit: UInt16 = 28 // RFC 8449
    public static let delegatedCredentials: UInt16 = 34 // RFC 9345
    public static let preSharedKey: UInt16 = 41 // RFC 8446
    public static let signatureAlgorithmsCert: UInt16 = 50 // RFC 8446
    /// encrypted_client_hello (draft-ietf-tls-esni-22 §11.1); browsers send a GREASE one.
    public static let encryptedClientHello: UInt16 = 0xFE0D
    /// application_settings (ALPS), the codepoint Chrome uses since 2025.
    public static let applicationSettings: UInt16 = 0x44CD
    /// trust_anchors (draft-ietf-tls-trust-anchor-ids), as Chrome sends it.
    public static let trustAnchors: UInt16 = 0xCA34
}

/// GREASE (RFC 8701): reserved values of the form 0x?A?A that a client sprinkles through its
/// ClientHello so that servers keep tolerating unknown values. A profile marks where GREASE goes
/// with ``placeholder``; each connection's ``TLSHelloVariation`` says which value it drew.
public enum TLSGrease {
    /// In a profile's lists (suites, groups, versions, signature algorithms, key shares): a GREASE
    /// value drawn per connection. (0x0A0A is itself a GREASE value; profiles list no other.)
    public static let placeholder: UInt16 = 0x0A0A
    /// Whether `v` is one of the sixteen GREASE values (RFC 8701 §2).
    @inlinable public static func isGrease(_ v: UInt16) -> Bool { v & 0x0F0F == 0x0A0A && v >> 8 == v & 0xFF }
}

/// NamedGroup values (RFC 8446 §4.2.7) and the size of a key share for each (§4.2.8).
public enum TLSNamedGroup {
    public static let secp256r1: UInt16 = 0x0017
    public static let secp384r1: UInt16 = 0x0018
    public static let secp521r1: UInt16 = 0x0019
    public static let x25519: UInt16 = 0x001D
    public static let x448: UInt16 = 0x001E
    /// The hybrid post-quantum group X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem-00 §3): the
    /// client's share is an ML-KEM-768 encapsulation key (1184) then an X25519 key (32).
    public static let x25519MLKEM768: UInt16 = 0x11EC

    /// Bytes of KeyShareEntry.key_exchange: X25519 32 and X448 56 (RFC 7748 §6), an uncompressed
    /// NIST point 1 + 2 × the coordinate size (RFC 8446 §4.2.8.2), X25519MLKEM768 1216, and a
    /// GREASE share a single zero byte (as BoringSSL writes it); nil for groups not modelled.
    public static func keyExchangeLength(_ group: UInt16) -> Int? {
        switch group {
        case x25519: 32
        case x448: 56
        case secp256r1: 65
        case secp384r1: 97
        case secp521r1: 133
        case x25519MLKEM768: 1216
        case _ where TLSGrease.isGrease(group): 1
        default: nil
        }
    }
}

/// Cipher suites: TLS 1.3's (RFC 8446 §B.4) and the TLS 1.2 ECDHE-RSA suites with an AEAD
/// (RFC 5289 §3, RFC 7905 §2).
public enum TLSCipherSuite {
    public static let aes128GCMSHA256: UInt16 = 0x1301
    public static let aes256GCMSHA384: UInt16 = 0x1302
    public static let chacha20Poly1305SHA256: UInt16 = 0x1303
    /// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (TLS 1.2).
    public static let ecdheRSAAES128GCMSHA256: UInt16 = 0xC02F
    /// TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (TLS 1.2).
    public static let ecdheRSAAES256GCMSHA384: UInt16 = 0xC030
    /// TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (TLS 1.2).
    public static let ecdheRSAChaCha20Poly1305: UInt16 = 0xCCA8

    /// Output length of the suite's hash: the size of a TLS 1.3 Finished.verify_data (§4.4.4), and
    /// of the TLS 1.2 PRF's hash (RFC 5246 §5).
    public static func hashLength(_ suite: UInt16) -> Int {
        switch suite {
        case aes256GCMSHA384, ecdheRSAAES256GCMSHA384: return 48
        case aes128GCMSHA256, chacha20Poly1305SHA256, ecdheRSAAES128GCMSHA256, ecdheRSAChaCha20Poly1305: return 32
        default: preconditionFailure("cipher suite \(suite) is not a modelled suite")
        }
    }

    /// Bytes of the AEAD key: 16 for AES-128-GCM, 32 for AES-256-GCM and ChaCha20-Poly1305.
    public static func keyLength(_ suite: UInt16) -> Int {
        switch suite {
        case aes128GCMSHA256, ecdheRSAAES128GCMSHA256: return 16
        default: return 32
        }
    }

    /// ChaCha20-Poly1305 rather than AES-GCM.
    public static func isChaCha20(_ suite: UInt16) -> Bool {
        suite == chacha20Poly1305SHA256 || suite == ecdheRSAChaCha20Poly1305
    }
}

/// SignatureScheme values (RFC 8446 §4.2.3), also TLS 1.2's SignatureAndHashAlgorithm pairs.
public enum TLSSignatureScheme {
    public static let rsaPKCS1SHA256: UInt16 = 0x0401
    public static let rsaPSSRSAESHA256: UInt16 = 0x0804
    public static let rsaPSSRSAESHA384: UInt16 = 0x0805
}

/// Alert (RFC 8446 §6): level and description, two bytes of inner plaintext.
public enum TLSAlert {
    public static let length = 2
    public static let closeNotify: UInt8 = 0
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
    public static func parseRecord(_ reader: inout ByteReader) throws(WireError) -> (
        header: TLSRecordHeader, fragment: UnsafeRawBufferPointer
    ) {
        let header = try TLSRecordHeader(parsing: &reader)
        return (header, try reader.bytes(Int(header.length)))
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
        precondition(
            innerPlaintextLength >= 0 && innerPlaintextLength <= maximumInnerPlaintextLength,
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
    public static func writeRecordSlice(
        innerPlaintextLength: Int, seed: UInt64, from offset: Int,
        count: Int, into writer: inout ByteWriter
    ) {
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
