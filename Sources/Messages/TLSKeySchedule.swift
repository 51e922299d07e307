import Crypto
import Wire

// TLS's key derivations, composed from swift-crypto's HKDF and HMAC exactly as the RFCs define
// them (no primitive is written here): TLS 1.3's HKDF-Expand-Label and Derive-Secret (RFC 8446
// §7.1) and TLS 1.2's PRF (RFC 5246 §5).

/// The hash of a cipher suite: SHA-256 or SHA-384.
enum TLSHash: Sendable {
    case sha256, sha384

    init(suite: UInt16) { self = TLSCipherSuite.hashLength(suite) == 48 ? .sha384 : .sha256 }

    var length: Int { self == .sha384 ? 48 : 32 }

    func hash(_ data: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: return Array(SHA256.hash(data: data))
        case .sha384: return Array(SHA384.hash(data: data))
        }
    }

    func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        let k = SymmetricKey(data: key)
        switch self {
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: data, using: k))
        case .sha384: return Array(HMAC<SHA384>.authenticationCode(for: data, using: k))
        }
    }

    /// HKDF-Extract (RFC 5869 §2.2).
    func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] {
        let k = SymmetricKey(data: ikm)
        switch self {
        case .sha256: return Array(HKDF<SHA256>.extract(inputKeyMaterial: k, salt: salt))
        case .sha384: return Array(HKDF<SHA384>.extract(inputKeyMaterial: k, salt: salt))
        }
    }

    /// HKDF-Expand (RFC 5869 §2.3).
    func expand(prk: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        let key: SymmetricKey
        switch self {
        case .sha256: key = HKDF<SHA256>.expand(pseudoRandomKey: prk, info: info, outputByteCount: length)
        case .sha384: key = HKDF<SHA384>.expand(pseudoRandomKey: prk, info: info, outputByteCount: length)
        }
        return key.withUnsafeBytes { Array($0) }
    }

    /// HKDF-Expand-Label (RFC 8446 §7.1): HkdfLabel = length (2 bytes), "tls13 " + label
    /// (one-byte length), context (one-byte length).
    func expandLabel(_ secret: [UInt8], _ label: String, _ context: [UInt8], _ length: Int) -> [UInt8] {
        let full = Array(("tls13 " + label).utf8)
        var info: [UInt8] = [UInt8(length >> 8), UInt8(length & 0xFF), UInt8(full.count)]
        info += full
        info.append(UInt8(context.count))
        info += context
        return expand(prk: secret, info: info, length: length)
    }

    /// Derive-Secret (RFC 8446 §7.1): HKDF-Expand-Label(secret, label, Transcript-Hash, Hash.length).
    func deriveSecret(_ secret: [UInt8], _ label: String, transcript: [UInt8]) -> [UInt8] {
        expandLabel(secret, label, hash(transcript), length)
    }

    /// TLS 1.2's PRF (RFC 5246 §5): P_hash(secret, label + seed), HMAC over A(i) + label + seed
    /// with A(0) = label + seed and A(i) = HMAC(secret, A(i-1)).
    func prf(secret: [UInt8], label: String, seed: [UInt8], length: Int) -> [UInt8] {
        let labelSeed = Array(label.utf8) + seed
        var out: [UInt8] = []
        var a = labelSeed
        while out.count < length {
            a = hmac(key: secret, a)
            out += hmac(key: secret, a + labelSeed)
        }
        return Array(out.prefix(length))
    }
}

/// One direction's record protection: an AEAD key and IV, and how nonces and additional data are
/// formed for the record layer of the session's version.
struct TLSTrafficKeys: Sendable {
    var key: SymmetricKey
    /// TLS 1.3 and ChaCha20 in TLS 1.2: the 12-byte IV XORed with the sequence number; AES-GCM in
    /// TLS 1.2: the 4-byte implicit salt (RFC 5288 §3).
    var iv: [UInt8]
    var suite: UInt16
    var tls13: Bool

    /// TLS 1.3 traffic keys from a traffic secret (RFC 8446 §7.3).
    init(tls13Secret secret: [UInt8], suite: UInt16) {
        let h = TLSHash(suite: suite)
        key = SymmetricKey(data: h.expandLabel(secret, "key", [], TLSCipherSuite.keyLength(suite)))
        iv = h.expandLabel(secret, "iv", [], 12)
        self.suite = suite
        tls13 = true
    }

    init(tls12Key key: [UInt8], iv: [UInt8], suite: UInt16) {
        self.key = SymmetricKey(data: key)
        self.iv = iv
        self.suite = suite
        tls13 = false
    }

    /// The per-record nonce: the IV XOR the 64-bit sequence number, left-padded (RFC 8446 §5.3,
    /// RFC 7905 §2); AES-GCM in TLS 1.2 the salt followed by the explicit nonce, which is the
    /// sequence number (RFC 5288 §3), as OpenSSL sends it.
    func nonce(_ sequence: UInt64) -> [UInt8] {
        if !tls13 && !TLSCipherSuite.isChaCha20(suite) {
            return iv + (0..<8).map { UInt8(truncatingIfNeeded: sequence >> (56 - 8 * UInt64($0))) }
        }
        var n = iv
        for k in 0..<8 { n[4 + k] ^= UInt8(truncatingIfNeeded: sequence >> (56 - 8 * UInt64(k))) }
        return n
    }

    /// A whole protected record: header, (TLS 1.2 AES-GCM) explicit nonce, ciphertext, tag.
    /// TLS 1.3 (RFC 8446 §5.2): the inner plaintext is content + the real content type, the record
    /// says application_data, the header is the additional data. TLS 1.2 (RFC 5246 §6.2.3.3): the
    /// record says the real type; the additional data is seq_num + type + version + length.
    func seal(contentType: UInt8, sequence: UInt64, plaintext: [UInt8]) -> [UInt8] {
        let nonce = nonce(sequence)
        let inner = tls13 ? plaintext + [contentType] : plaintext
        let explicit = (!tls13 && !TLSCipherSuite.isChaCha20(suite)) ? 8 : 0
        let fragment = explicit + inner.count + 16
        let header: [UInt8] = [
            tls13 ? TLSContentType.applicationData.rawValue : contentType, 0x03, 0x03, UInt8(fragment >> 8),
            UInt8(fragment & 0xFF),
        ]
        let aad: [UInt8]
        if tls13 {
            aad = header
        } else {
            aad =
                (0..<8).map { UInt8(truncatingIfNeeded: sequence >> (56 - 8 * UInt64($0))) } + [
                    contentType, 0x03, 0x03, UInt8(plaintext.count >> 8), UInt8(plaintext.count & 0xFF),
                ]
        }
        let sealed: (ciphertext: [UInt8], tag: [UInt8])
        do {
            if TLSCipherSuite.isChaCha20(suite) {
                let box = try ChaChaPoly.seal(
                    inner, using: key, nonce: ChaChaPoly.Nonce(data: nonce), authenticating: aad)
                sealed = (Array(box.ciphertext), Array(box.tag))
            } else {
                let box = try AES.GCM.seal(inner, using: key, nonce: AES.GCM.Nonce(data: nonce), authenticating: aad)
                sealed = (Array(box.ciphertext), Array(box.tag))
            }
        } catch {
            preconditionFailure("AEAD sealing failed: \(error)")
        }
        return header + (explicit > 0 ? Array(nonce.suffix(8)) : []) + sealed.ciphertext + sealed.tag
    }
}
