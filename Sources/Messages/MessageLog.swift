import SimCore

/// A plaintext the application wrote inside TLS: what a decryptable capture encrypts into the
/// records that carry it. The model logs these values (a few plain fields each) and sizes its
/// records from them; a capture builds the bytes.
public enum AppMessage: Sendable, Hashable {
    case dynamoDBRequest(DynamoDBRequest)
    case dynamoDBResponse(DynamoDBResponse)
    /// A JSON-protocol call of SQS or Secrets Manager, and its answer.
    case awsJSONRequest(AWSJSONRequest)
    case awsJSONResponse(AWSJSONResponse)
    case postgres(PostgresMessage)
    /// A generated session's request or response.
    case http(SyntheticHTTPMessage)

    /// The message's length in bytes (counted, not built).
    public var length: Int {
        switch self {
        case .dynamoDBRequest(let r): return r.sizes.total
        case .dynamoDBResponse(let r): return r.sizes.total
        case .awsJSONRequest(let r): return r.sizes.total
        case .awsJSONResponse(let r): return r.sizes.total
        case .postgres(let m): return m.length
        case .http(let m): return m.length
        }
    }

    /// The whole message. `session` is the connection's TLS session (PostgreSQL's channel binding
    /// hashes its certificate). A generated session's HTTP message is better built in slices
    /// (``SyntheticHTTPMessage/bytes(from:count:)``): it may be hundreds of megabytes.
    public func encode(session: TLSSession?) -> [UInt8] {
        switch self {
        case .dynamoDBRequest(let r): return r.encode()
        case .dynamoDBResponse(let r): return r.encode()
        case .awsJSONRequest(let r): return r.encode()
        case .awsJSONResponse(let r): return r.encode()
        case .postgres(let m): return m.encode(certificate: session?.leafCertificate ?? [])
        case .http(let m): return m.bytes(from: 0, count: m.length)
        }
    }
}

/// The plaintexts the model has logged since a capture last drained them. Indices are global
/// and dense: entry `k` is message `base + k`.
public struct MessageLog: Sendable {
    public private(set) var entries = ContiguousArray<AppMessage>()
    /// The index of `entries[0]`.
    public private(set) var base: UInt32 = 0
    public init() {}

    /// Logs `m`; returns its index.
    public mutating func append(_ m: AppMessage) -> UInt32 {
        entries.append(m)
        return base &+ UInt32(entries.count - 1)
    }

    /// Forgets the drained entries (indices keep counting).
    public mutating func removeAll() {
        base &+= UInt32(entries.count)
        entries.removeAll(keepingCapacity: true)
    }
}

/// A generated session's HTTP/1.1 message of exactly `length` bytes: a POST (request) or a 200
/// (response) whose body of letters fills the size. A size too small for the header block is
/// letters alone. Any slice can be built without the rest, so large transfers stay cheap.
public struct SyntheticHTTPMessage: Sendable, Hashable {
    public var isRequest: Bool
    /// The Host header (requests).
    public var host: String
    public var length: Int
    public var seed: UInt64

    public init(isRequest: Bool, host: String, length: Int, seed: UInt64) {
        self.isRequest = isRequest; self.host = host; self.length = length; self.seed = seed
    }

    /// The header block for a body of `body` bytes.
    func writeHeader<S: MessageSink>(_ s: inout S, body: Int) {
        if isRequest {
            s.utf8("POST / HTTP/1.1")
            s.crlf()
            s.utf8("Host: ")
            s.utf8(host)
            s.crlf()
        } else {
            s.utf8("HTTP/1.1 200 OK")
            s.crlf()
        }
        s.utf8("Content-Type: text/plain")
        s.crlf()
        s.utf8("Content-Length: ")
        s.decimal(body)
        s.crlf()
        s.crlf()
    }

    /// The header's length, or nil when no header fits in `length`.
    var headerLength: Int? {
        for digits in 1...10 {
            var s = CountingSink()
            writeHeader(&s, body: 0)
            let header = s.count - 1 + digits
            let body = length - header
            if body >= 0 && String(body).utf8.count == digits { return header }
        }
        return nil
    }

    public func bytes(from offset: Int, count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count)
        var start = offset
        if let h = headerLength, offset < h {
            var s = ByteSink()
            writeHeader(&s, body: length - h)
            out += s.bytes[offset..<min(h, offset + count)]
            start = h
        }
        var i = start
        var word = SplitMix64.value(seed: seed, index: UInt64(i / 8))
        while i < offset + count {
            if i % 8 == 0 { word = SplitMix64.value(seed: seed, index: UInt64(i / 8)) }
            out.append(UInt8(ascii: "a") + UInt8(word >> UInt64(8 * (i % 8)) & 0xFF) % 26)
            i += 1
        }
        return out
    }
}
