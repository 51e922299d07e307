import Foundation
import Crypto
import _CryptoExtras
import SimCore

/// One PostgreSQL connection's fixed values: who logs in, the SCRAM-SHA-256 parameters, the
/// server's process. Nonces and the backend key come from the connection's seed; the salt from
/// the database's.
public struct PostgresConnection: Sendable, Hashable {
    public var user: String
    public var database: String
    /// The password SCRAM proves knowledge of (a simulation value, never sent).
    public var password: String
    public var seed: UInt64
    public var databaseSeed: UInt64
    /// The server's `server_version` ParameterStatus.
    public var serverVersion: String

    public init(
        user: String, database: String, password: String, seed: UInt64, databaseSeed: UInt64,
        serverVersion: String = "16.4"
    ) {
        self.user = user; self.database = database; self.password = password; self.seed = seed
        self.databaseSeed = databaseSeed; self.serverVersion = serverVersion
    }

    /// PostgreSQL's SCRAM iteration count (`scram_iterations`, default 4096).
    static let iterations = 4096
}

/// A PostgreSQL protocol 3.0 message, or one write of several, inside TLS
/// (https://www.postgresql.org/docs/16/protocol-flow.html, message layouts in
/// https://www.postgresql.org/docs/16/protocol-message-formats.html): startup, SCRAM-SHA-256-PLUS
/// authentication with tls-server-end-point channel binding (RFC 5802, RFC 7677, RFC 5929 §4 —
/// what libpq's default `channel_binding=prefer` chooses over TLS), then simple queries.
public struct PostgresMessage: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// StartupMessage (user, database).
        case startup
        /// AuthenticationSASL: the server's mechanisms.
        case authenticationSASL
        /// SASLInitialResponse: client-first-message.
        case saslInitialResponse
        /// AuthenticationSASLContinue: server-first-message.
        case saslContinue
        /// SASLResponse: client-final-message with the proof.
        case saslResponse
        /// AuthenticationSASLFinal, AuthenticationOk, the ParameterStatus set, BackendKeyData and
        /// ReadyForQuery, as the server sends them in one write.
        case authenticationDone
        /// Query ('Q') of exactly `bytes` bytes (at least the bare statement).
        case query(bytes: Int, key: UInt64)
        /// RowDescription, DataRows, CommandComplete and ReadyForQuery of exactly `bytes` bytes
        /// (at least one row).
        case result(bytes: Int, key: UInt64)
    }

    public var kind: Kind
    public var connection: PostgresConnection
    public init(_ kind: Kind, connection: PostgresConnection) { self.kind = kind; self.connection = connection }

    /// The message's length (the values that only a capture computes — nonces, proofs — have
    /// fixed lengths).
    public var length: Int {
        var s = CountingSink()
        write(&s, certificate: [])
        return s.count
    }

    /// The bytes; `certificate` is the server's leaf (DER), which channel binding hashes.
    public func encode(certificate: [UInt8]) -> [UInt8] {
        var s = ByteSink()
        write(&s, certificate: certificate)
        return s.bytes
    }

    // MARK: Layout

    static let mechanisms = ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]
    static let gs2Header = "p=tls-server-end-point,,"

    func write<S: MessageSink>(_ s: inout S, certificate: [UInt8]) {
        let c = connection
        switch kind {
        case .startup:
            let params = ["user", c.user, "database", c.database]
            let n = 4 + 4 + params.reduce(0) { $0 + $1.utf8.count + 1 } + 1
            s.int32(n)
            s.int32(196_608) // protocol 3.0
            for p in params { s.cString(p) }
            s.byte(0)
        case .authenticationSASL:
            s.byte(UInt8(ascii: "R"))
            s.int32(4 + 4 + Self.mechanisms.reduce(0) { $0 + $1.utf8.count + 1 } + 1)
            s.int32(10)
            for m in Self.mechanisms { s.cString(m) }
            s.byte(0)
        case .saslInitialResponse:
            let first = Self.gs2Header.utf8.count + clientFirstBareLength
            s.byte(UInt8(ascii: "p"))
            s.int32(4 + Self.mechanisms[0].utf8.count + 1 + 4 + first)
            s.cString(Self.mechanisms[0])
            s.int32(first)
            s.utf8(Self.gs2Header)
            writeClientFirstBare(&s)
        case .saslContinue:
            s.byte(UInt8(ascii: "R"))
            s.int32(4 + 4 + serverFirstLength)
            s.int32(11)
            writeServerFirst(&s)
        case .saslResponse:
            let final = 2 + 76 + 3 + 48 + 3 + 44
            s.byte(UInt8(ascii: "p"))
            s.int32(4 + final)
            s.computed(final) { Array(self.scram(certificate: certificate).clientFinal.utf8) }
        case .authenticationDone:
            s.byte(UInt8(ascii: "R"))
            s.int32(4 + 4 + 2 + 44)
            s.int32(12)
            s.utf8("v=")
            s.computed(44) { Array(self.scram(certificate: certificate).serverSignature.utf8) }
            s.byte(UInt8(ascii: "R"))
            s.int32(8)
            s.int32(0)
            for (name, value) in parameterStatus {
                s.byte(UInt8(ascii: "S"))
                s.int32(4 + name.utf8.count + 1 + value.utf8.count + 1)
                s.cString(name)
                s.cString(value)
            }
            s.byte(UInt8(ascii: "K"))
            s.int32(12)
            s.int32(Int(1_000 + SplitMix64.value(seed: c.seed, index: 7) % 60_000))
            s.int32(Int(SplitMix64.value(seed: c.seed, index: 8) & 0x7FFF_FFFF))
            s.readyForQuery()
        case .query(let bytes, let key):
            PostgresQueries.query(bytes: bytes, key: key, into: &s)
        case .result(let bytes, let key):
            PostgresQueries.result(bytes: bytes, key: key, into: &s)
        }
    }

    /// The ParameterStatus messages PostgreSQL 16 reports at startup (protocol-flow.html,
    /// "Asynchronous Operations": the hard-wired set), with RDS's defaults.
    var parameterStatus: [(String, String)] {
        [
            ("application_name", ""), ("client_encoding", "UTF8"), ("DateStyle", "ISO, MDY"),
            ("default_transaction_read_only", "off"), ("in_hot_standby", "off"), ("integer_datetimes", "on"),
            ("IntervalStyle", "postgres"), ("is_superuser", "off"), ("server_encoding", "UTF8"),
            ("server_version", connection.serverVersion), ("session_authorization", connection.user),
            ("standard_conforming_strings", "on"), ("TimeZone", "UTC"),
        ]
    }

    // MARK: SCRAM (RFC 5802 §3, RFC 7677)

    /// libpq and PostgreSQL draw 18-byte nonces (SCRAM_RAW_NONCE_LEN), 24 base64 characters; the
    /// salt is 16 bytes.
    static func base64(_ b: [UInt8]) -> String { Data(b).base64EncodedString() }
    func clientNonce() -> String { Self.base64(bytes(18, connection.seed, 1)) }
    func serverNonce() -> String { Self.base64(bytes(18, connection.seed, 2)) }
    func salt() -> [UInt8] { bytes(16, connection.databaseSeed, 3) }

    func bytes(_ n: Int, _ seed: UInt64, _ salt: UInt64) -> [UInt8] {
        (0..<n).map { UInt8(truncatingIfNeeded: SplitMix64.value(seed: seed ^ salt << 56, index: UInt64($0))) }
    }

    /// "n=,r=" + the client nonce (libpq leaves the user name empty: the server uses the startup's).
    var clientFirstBareLength: Int { 5 + 24 }
    func writeClientFirstBare<S: MessageSink>(_ s: inout S) {
        s.utf8("n=,r=")
        s.computed(24) { Array(self.clientNonce().utf8) }
    }

    var serverFirstLength: Int { 2 + 48 + 3 + 24 + 3 + String(PostgresConnection.iterations).utf8.count }
    func writeServerFirst<S: MessageSink>(_ s: inout S) {
        s.utf8("r=")
        s.computed(48) { Array((self.clientNonce() + self.serverNonce()).utf8) }
        s.utf8(",s=")
        s.computed(24) { Array(Self.base64(self.salt()).utf8) }
        s.utf8(",i=")
        s.decimal(PostgresConnection.iterations)
    }

    /// client-final-message and the server's signature, from the password, salt and nonces, with
    /// channel binding data = SHA-256 of the server certificate (RFC 5929 §4.1: its signature
    /// uses SHA-256).
    func scram(certificate: [UInt8]) -> (clientFinal: String, serverSignature: String) {
        let nonce = clientNonce() + serverNonce()
        let bind = Array(Self.gs2Header.utf8) + Array(SHA256.hash(data: certificate))
        let withoutProof = "c=" + Self.base64(bind) + ",r=" + nonce
        var first = ByteSink()
        writeServerFirst(&first)
        let authMessage =
            "n=,r=" + clientNonce() + "," + String(decoding: first.bytes, as: UTF8.self) + "," + withoutProof
        let salted = try! KDF.Insecure.PBKDF2.deriveKey(
            from: Array(connection.password.utf8), salt: salt(), using: .sha256, outputByteCount: 32,
            unsafeUncheckedRounds: PostgresConnection.iterations)
        let clientKey = Array(HMAC<SHA256>.authenticationCode(for: Array("Client Key".utf8), using: salted))
        let storedKey = SymmetricKey(data: Array(SHA256.hash(data: clientKey)))
        let signature = Array(HMAC<SHA256>.authenticationCode(for: Array(authMessage.utf8), using: storedKey))
        let proof = zip(clientKey, signature).map { $0 ^ $1 }
        let serverKey = SymmetricKey(
            data: Array(HMAC<SHA256>.authenticationCode(for: Array("Server Key".utf8), using: salted)))
        let serverSignature = Array(HMAC<SHA256>.authenticationCode(for: Array(authMessage.utf8), using: serverKey))
        return (withoutProof + ",p=" + Self.base64(proof), Self.base64(serverSignature))
    }
}

extension MessageSink {
    mutating func int32(_ v: Int) {
        let u = UInt32(truncatingIfNeeded: v)
        byte(UInt8(u >> 24))
        byte(UInt8(u >> 16 & 0xFF))
        byte(UInt8(u >> 8 & 0xFF))
        byte(UInt8(u & 0xFF))
    }
    mutating func int16(_ v: Int) {
        byte(UInt8(truncatingIfNeeded: v >> 8))
        byte(UInt8(truncatingIfNeeded: v))
    }
    mutating func cString(_ s: String) {
        utf8(s)
        byte(0)
    }
    /// ReadyForQuery, idle.
    mutating func readyForQuery() {
        byte(UInt8(ascii: "Z"))
        int32(5)
        byte(UInt8(ascii: "I"))
    }
}
