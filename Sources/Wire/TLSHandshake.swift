// The handshake messages after the hellos, as values with their lengths and encoders: TLS 1.3's
// EncryptedExtensions, Certificate, CertificateVerify and Finished (RFC 8446 §4.3–4.4) and TLS
// 1.2's Certificate, ServerKeyExchange, ServerHelloDone, ClientKeyExchange and Finished (RFC 5246
// §7.4, RFC 8422 §5.4 and §5.7). Each encodes the whole handshake message: the one-byte type,
// the three-byte length, the body — the bytes the transcript hash covers.

extension TLSHandshakeType {
    public static let serverKeyExchange: UInt8 = 12
    public static let serverHelloDone: UInt8 = 14
    public static let clientKeyExchange: UInt8 = 16
}

/// Which handshake message a record of a flight carries, as a stream chunk names it (a capture
/// rebuilds the bytes from the connection's handshake).
public enum TLSFlightMessage: UInt8, Hashable, Sendable {
    case encryptedExtensions = 0
    case certificate = 1
    case certificateVerify = 2
    case serverFinished = 3
    case clientFinished = 4
    case serverKeyExchange = 5
    case serverHelloDone = 6
    case clientKeyExchange = 7
    /// A TLS 1.3 NewSessionTicket, under the server's application keys (RFC 8446 §4.6.1).
    case newSessionTicket = 8
}

/// EncryptedExtensions (RFC 8446 §4.3.1) with the selected ALPN protocol, if any.
public struct TLSEncryptedExtensions: Hashable, Sendable {
    public var alpn: String?
    public init(alpn: String?) { self.alpn = alpn }

    var extensionsLength: Int { alpn.map { 4 + 2 + 1 + $0.utf8.count } ?? 0 }
    /// 21 with "http/1.1", 6 without.
    public var handshakeLength: Int { 4 + 2 + extensionsLength }

    public func encode(into w: inout ByteWriter) {
        w.require(handshakeLength)
        w.u8(TLSHandshakeType.encryptedExtensions)
        w.u24(UInt32(handshakeLength - 4))
        w.u16(UInt16(extensionsLength))
        if let alpn {
            let n = alpn.utf8.count
            w.u16(TLSExtensionType.alpn)
            w.u16(UInt16(2 + 1 + n))
            w.u16(UInt16(1 + n))
            w.u8(UInt8(n))
            w.bytes(alpn.utf8)
        }
    }
}

/// Certificate: TLS 1.3's (RFC 8446 §4.4.2: empty request context, entries without extensions)
/// or TLS 1.2's (RFC 5246 §7.4.2: a list of ASN.1 certificates), leaf first.
public struct TLSCertificateMessage: Hashable, Sendable {
    public var certificates: [[UInt8]]
    public var tls13: Bool
    public init(certificates: [[UInt8]], tls13: Bool) { self.certificates = certificates; self.tls13 = tls13 }

    /// The message's length for certificates of these DER sizes.
    public static func handshakeLength(derSizes: [Int], tls13: Bool) -> Int {
        let perEntry = tls13 ? 3 + 2 : 3
        return 4 + (tls13 ? 1 : 0) + 3 + derSizes.reduce(0) { $0 + perEntry + $1 }
    }
    public var handshakeLength: Int { Self.handshakeLength(derSizes: certificates.map(\.count), tls13: tls13) }

    public func encode(into w: inout ByteWriter) {
        let total = handshakeLength
        w.require(total)
        w.u8(TLSHandshakeType.certificate)
        w.u24(UInt32(total - 4))
        if tls13 { w.u8(0) }
        w.u24(UInt32(total - 4 - (tls13 ? 1 : 0) - 3))
        for der in certificates {
            w.u24(UInt32(der.count))
            w.bytes(der)
            if tls13 { w.u16(0) }
        }
    }
}

/// CertificateVerify (RFC 8446 §4.4.3): the scheme and the signature.
public struct TLSCertificateVerify: Hashable, Sendable {
    public var scheme: UInt16
    public var signature: [UInt8]
    public init(scheme: UInt16, signature: [UInt8]) { self.scheme = scheme; self.signature = signature }

    /// 264 for an RSA-2048 signature.
    public static func handshakeLength(signatureLength: Int) -> Int { 4 + 2 + 2 + signatureLength }

    public func encode(into w: inout ByteWriter) {
        let total = Self.handshakeLength(signatureLength: signature.count)
        w.require(total)
        w.u8(TLSHandshakeType.certificateVerify)
        w.u24(UInt32(total - 4))
        w.u16(scheme)
        w.u16(UInt16(signature.count))
        w.bytes(signature)
    }
}

/// Finished (RFC 8446 §4.4.4, RFC 5246 §7.4.9): verify_data alone.
public struct TLSFinished: Hashable, Sendable {
    public var verifyData: [UInt8]
    public init(verifyData: [UInt8]) { self.verifyData = verifyData }

    public static func handshakeLength(verifyDataLength: Int) -> Int { 4 + verifyDataLength }

    public func encode(into w: inout ByteWriter) {
        w.require(4 + verifyData.count)
        w.u8(TLSHandshakeType.finished)
        w.u24(UInt32(verifyData.count))
        w.bytes(verifyData)
    }
}

/// NewSessionTicket (RFC 8446 §4.6.1): ticket_lifetime, ticket_age_add, the nonce and the
/// opaque ticket, each with its length, and no extensions (no early_data offered).
public struct TLSNewSessionTicket: Hashable, Sendable {
    public var lifetime: UInt32
    public var ageAdd: UInt32
    public var nonce: [UInt8]
    public var ticket: [UInt8]
    public init(lifetime: UInt32, ageAdd: UInt32, nonce: [UInt8], ticket: [UInt8]) {
        precondition(nonce.count <= 255 && !ticket.isEmpty && ticket.count < 65536)
        self.lifetime = lifetime; self.ageAdd = ageAdd; self.nonce = nonce; self.ticket = ticket
    }

    /// type+length 4, lifetime 4, age_add 4, nonce 1+n, ticket 2+t, extensions 2.
    public static func handshakeLength(nonceLength n: Int, ticketLength t: Int) -> Int { 4 + 4 + 4 + 1 + n + 2 + t + 2 }

    public func encode(into w: inout ByteWriter) {
        let length = Self.handshakeLength(nonceLength: nonce.count, ticketLength: ticket.count)
        w.require(length)
        w.u8(TLSHandshakeType.newSessionTicket)
        w.u24(UInt32(length - 4))
        w.u32(lifetime)
        w.u32(ageAdd)
        w.u8(UInt8(nonce.count))
        w.bytes(nonce)
        w.u16(UInt16(ticket.count))
        w.bytes(ticket)
        w.u16(0)
    }
}

/// ServerKeyExchange for ECDHE (RFC 8422 §5.4): ServerECDHParams (named_curve, the group, the
/// public point) and its digitally-signed form (RFC 5246 §4.7: the scheme, then the signature).
public struct TLSServerKeyExchange: Hashable, Sendable {
    public var group: UInt16
    public var publicKey: [UInt8]
    public var scheme: UInt16
    public var signature: [UInt8]
    public init(group: UInt16, publicKey: [UInt8], scheme: UInt16, signature: [UInt8]) {
        self.group = group; self.publicKey = publicKey; self.scheme = scheme; self.signature = signature
    }

    /// ServerECDHParams: curve_type named_curve (3), the group, the point with a one-byte length.
    public static func paramsLength(publicKeyLength: Int) -> Int { 1 + 2 + 1 + publicKeyLength }
    public static func handshakeLength(publicKeyLength: Int, signatureLength: Int) -> Int {
        4 + paramsLength(publicKeyLength: publicKeyLength) + 2 + 2 + signatureLength
    }

    /// The params alone: what the signature covers after the two randoms.
    public static func encodeParams(group: UInt16, publicKey: [UInt8], into w: inout ByteWriter) {
        w.require(paramsLength(publicKeyLength: publicKey.count))
        w.u8(3) // ECCurveType named_curve
        w.u16(group)
        w.u8(UInt8(publicKey.count))
        w.bytes(publicKey)
    }

    public func encode(into w: inout ByteWriter) {
        let total = Self.handshakeLength(publicKeyLength: publicKey.count, signatureLength: signature.count)
        w.require(total)
        w.u8(TLSHandshakeType.serverKeyExchange)
        w.u24(UInt32(total - 4))
        Self.encodeParams(group: group, publicKey: publicKey, into: &w)
        w.u16(scheme)
        w.u16(UInt16(signature.count))
        w.bytes(signature)
    }
}

/// ServerHelloDone (RFC 5246 §7.4.5): an empty body.
public enum TLSServerHelloDone {
    public static let handshakeLength = 4
    public static func encode(into w: inout ByteWriter) {
        w.require(4)
        w.u8(TLSHandshakeType.serverHelloDone)
        w.u24(0)
    }
}

/// ClientKeyExchange for ECDHE (RFC 8422 §5.7): the client's public point with a one-byte length.
public struct TLSClientKeyExchange: Hashable, Sendable {
    public var publicKey: [UInt8]
    public init(publicKey: [UInt8]) { self.publicKey = publicKey }

    public static func handshakeLength(publicKeyLength: Int) -> Int { 4 + 1 + publicKeyLength }

    public func encode(into w: inout ByteWriter) {
        let total = Self.handshakeLength(publicKeyLength: publicKey.count)
        w.require(total)
        w.u8(TLSHandshakeType.clientKeyExchange)
        w.u24(UInt32(total - 4))
        w.u8(UInt8(publicKey.count))
        w.bytes(publicKey)
    }
}

/// A TLSPlaintext record carrying one handshake message (RFC 5246 §6.2.1), as TLS 1.2 sends its
/// Certificate, ServerKeyExchange, ServerHelloDone and ClientKeyExchange.
public enum TLSHandshakeRecord {
    public static func recordLength(handshakeLength: Int) -> Int { TLSRecordHeader.length + handshakeLength }
}
