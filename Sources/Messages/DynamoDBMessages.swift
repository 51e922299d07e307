import SimCore

/// The DynamoDB operations a handler can call.
public enum DynamoDBOperation: String, Sendable, CaseIterable {
    case putItem = "PutItem"
    case getItem = "GetItem"
    case updateItem = "UpdateItem"
    case deleteItem = "DeleteItem"
    case query = "Query"

    public var action: String { "dynamodb:" + rawValue }
    public var isWrite: Bool { self == .putItem || self == .updateItem || self == .deleteItem }
}

/// One SDK call as a function's code makes it.
public struct DynamoDBCall: Sendable, Hashable {
    public var operation: DynamoDBOperation
    public var table: String
    /// Bytes of the item's attributes as DynamoDB JSON (names, type descriptors and values); at
    /// least the size of an item with just its key and an empty `data` attribute.
    /// This call's: drawn from `itemSize` each time the function makes the call.
    public var itemBytes: Int
    /// How the step's item sizes vary from call to call (constant: every call `itemBytes`).
    public var itemSize: SizeDistribution
    /// For Query: how many items come back.
    public var resultItems: Int
    /// GetItem and Query: `"ConsistentRead": true` (a strongly consistent read costs a full read
    /// request unit per 4 KB instead of a half).
    public var consistentRead: Bool
    /// The table's Region when it is not the caller's (a cross-Region call: the client signs for
    /// and connects to that Region's endpoint); empty for the caller's own.
    public var region: String
    /// The SDK client's `endpoint_url` host when it is set (an interface endpoint's
    /// `vpce-….dynamodb.<region>.vpce.amazonaws.com`): the name resolved, connected to and
    /// signed as `Host`; empty for the Regional name.
    public var endpointHost: String
    public init(
        operation: DynamoDBOperation, table: String, itemBytes: Int = 180, itemSize: SizeDistribution? = nil,
        resultItems: Int = 1, consistentRead: Bool = false, region: String = "", endpointHost: String = ""
    ) {
        self.operation = operation; self.table = table; self.resultItems = resultItems
        self.itemSize = itemSize ?? .constant(itemBytes)
        self.itemBytes = itemSize?.nominal ?? itemBytes
        self.consistentRead = consistentRead; self.region = region; self.endpointHost = endpointHost
    }

    /// The item sizes a step may write or read: DynamoDB's item size limit is 400 KB
    /// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).
    public static let itemBytesRange = 2...409_600

    /// This call made once: its item's size drawn from `itemSize`.
    public func drawn(_ random: inout RandomStream) -> DynamoDBCall {
        guard case .constant = itemSize else {
            var c = self
            c.itemBytes = itemSize.draw(&random, within: Self.itemBytesRange)
            return c
        }
        return self
    }

    /// On-demand request units of one successful call, in halves (an eventually consistent read
    /// of up to 4 KB is half a unit). Reads: 1 unit per 4 KB of the items returned, rounded up,
    /// ½ when eventually consistent; writes: 1 unit per 1 KB of the item, rounded up (UpdateItem
    /// and DeleteItem meter the larger of the item before and after, here the item)
    /// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).
    /// The item's size is `itemBytes`, taken as DynamoDB meters it (names and values); the JSON
    /// on the wire is somewhat larger, which the model ignores.
    public var requestUnitHalves: (read: UInt64, write: UInt64) {
        let size = UInt64(max(itemBytes, 1))
        switch operation {
        case .putItem, .updateItem, .deleteItem:
            return (0, 2 * ((size + 1023) / 1024))
        case .getItem:
            let units = (size + 4095) / 4096
            return (consistentRead ? 2 * units : units, 0)
        case .query:
            let total = size * UInt64(max(resultItems, 0))
            let units = max((total + 4095) / 4096, 1)
            return (consistentRead ? 2 * units : units, 0)
        }
    }
}

/// Sizes of one HTTP message: its header block (with the blank line) and its body.
public struct HTTPMessageSize: Sendable, Hashable {
    public var headers: Int
    public var body: Int
    public init(headers: Int, body: Int) { self.headers = headers; self.body = body }
    public var total: Int { headers + body }
}

/// One DynamoDB request as an SDK writes it: HTTP/1.1 POST with the low-level JSON protocol
/// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html),
/// headers in the order and form of its ``SDKHTTPDialect`` (boto3's captured from boto3 1.44.5,
/// README "What is modelled"), signed with SigV4 over its real canonical request. boto3's body
/// is `json.dumps` of the parameters (", " and ": " separators); the other SDKs' are compact.
public struct DynamoDBRequest: Sendable, Hashable {
    public var call: DynamoDBCall
    /// The endpoint's host name (`dynamodb.us-east-1.amazonaws.com`).
    public var host: String
    public var region: String
    public var credentials: AWSCredentials
    public var userAgent: String
    /// When botocore signs (X-Amz-Date), Unix seconds.
    public var unixSeconds: Int64
    /// The X-Ray trace header Lambda gives the invocation (botocore forwards `_X_AMZN_TRACE_ID`).
    public var trace: XRayTraceHeader
    /// Seed of the call's `amz-sdk-invocation-id` (a UUID, the same on every attempt).
    public var invocationID: UInt64
    /// 1 for the first try; botocore's legacy retries count up to 10.
    public var attempt: Int
    /// The order number in the item's key (`order#000000000042`).
    public var key: UInt64
    /// The SDK's header layout and body style.
    public var dialect: SDKHTTPDialect
    /// aws-sdk-js v3's short `x-amz-user-agent` (empty: the SDK sends none).
    public var sdkUserAgent: String

    public init(
        call: DynamoDBCall, host: String, region: String, credentials: AWSCredentials, userAgent: String,
        unixSeconds: Int64, trace: XRayTraceHeader, invocationID: UInt64, attempt: Int, key: UInt64,
        dialect: SDKHTTPDialect = .botocore, sdkUserAgent: String = ""
    ) {
        self.call = call; self.host = host; self.region = region; self.credentials = credentials
        self.userAgent = userAgent; self.unixSeconds = unixSeconds; self.trace = trace
        self.invocationID = invocationID; self.attempt = attempt; self.key = key
        self.dialect = dialect; self.sdkUserAgent = sdkUserAgent
    }

    /// The header block's and the body's lengths (botocore sends them with separate `send()`s).
    public var sizes: HTTPMessageSize {
        var body = CountingSink()
        DynamoDBJSON.requestBody(call, key: key, dialect: dialect, into: &body)
        var headers = CountingSink()
        writeHeaders(&headers, bodyLength: body.count, body: { [] })
        return HTTPMessageSize(headers: headers.count, body: body.count)
    }

    /// The whole request: header block, then body.
    public func encode() -> [UInt8] {
        var body = ByteSink()
        DynamoDBJSON.requestBody(call, key: key, dialect: dialect, into: &body)
        var out = ByteSink(reserving: 2048 + body.bytes.count)
        writeHeaders(&out, bodyLength: body.bytes.count, body: { body.bytes })
        out.bytes(body.bytes)
        return out.bytes
    }

    static let target = "DynamoDB_20120810."
    static let contentType = "application/x-amz-json-1.0"

    func writeHeaders<S: MessageSink>(_ s: inout S, bodyLength: Int, body: () -> [UInt8]) {
        s.utf8("POST / HTTP/1.1")
        s.crlf()
        let token = !credentials.sessionToken.isEmpty
        for (name, field) in dialect.headers {
            if field == .token && !token { continue }
            if field == .sdkUserAgent && sdkUserAgent.isEmpty { continue }
            s.utf8(name)
            s.utf8(": ")
            switch field {
            case .authorization:
                s.utf8("AWS4-HMAC-SHA256 Credential=")
                s.utf8(credentials.accessKeyID)
                s.byte(UInt8(ascii: "/"))
                HTTPDates.amzDate(unixSeconds, &s, dateOnly: true)
                s.byte(UInt8(ascii: "/"))
                s.utf8(region)
                s.utf8("/dynamodb/aws4_request, SignedHeaders=")
                s.utf8(dialect.signedHeaderList(token: token))
                s.utf8(", Signature=")
                s.computed(64) { Array(signature(body: body(), bodyLength: bodyLength).utf8) }
            default:
                writeValue(field, bodyLength: bodyLength, &s)
            }
            s.crlf()
        }
        s.crlf()
    }

    /// The value of a header other than Authorization.
    func writeValue<S: MessageSink>(_ field: SDKHTTPDialect.Field, bodyLength: Int, _ s: inout S) {
        switch field {
        case .host: s.utf8(host)
        case .acceptEncoding: s.utf8("identity")
        case .target:
            s.utf8(Self.target)
            s.utf8(call.operation.rawValue)
        case .contentType: s.utf8(Self.contentType)
        case .userAgent: s.utf8(userAgent)
        case .sdkUserAgent: s.utf8(sdkUserAgent)
        case .trace: trace.write(&s)
        case .amzDate: HTTPDates.amzDate(unixSeconds, &s)
        case .token: s.utf8(credentials.sessionToken)
        case .invocationID: UUIDText.write(invocationID, &s)
        case .sdkRequest:
            s.utf8("attempt=")
            s.decimal(attempt)
            if dialect.writesMaxAttempts { s.utf8("; max=3") }
        case .contentLength: s.decimal(bodyLength)
        case .connection: s.utf8(dialect.connectionValue)
        case .authorization: break
        }
    }

    /// SigV4 over the headers the SDK signs (``SDKHTTPDialect/signed``; botocore signs every
    /// header it has set when it signs but User-Agent and X-Amzn-Trace-Id: Content-Type, Host,
    /// X-Amz-Date, X-Amz-Security-Token, X-Amz-Target).
    func signature(body: [UInt8], bodyLength: Int) -> String {
        var headers: [SigV4.Header] = dialect.signed.map { field in
            var value = ByteSink()
            writeValue(field, bodyLength: bodyLength, &value)
            return (SDKHTTPDialect.lowercaseName(field), String(decoding: value.bytes, as: UTF8.self))
        }
        if !credentials.sessionToken.isEmpty { headers.append(("x-amz-security-token", credentials.sessionToken)) }
        var date = ByteSink()
        HTTPDates.amzDate(unixSeconds, &date)
        let amzDate = String(decoding: date.bytes, as: UTF8.self)
        let canonical = SigV4.canonicalRequest(method: "POST", path: "/", headers: headers, body: body)
        return SigV4.signature(
            credentials: credentials, amzDate: amzDate, region: region, service: "dynamodb", canonicalRequest: canonical
        )
    }
}

/// DynamoDB's answer to one request (response headers as DynamoDB sends them:
/// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html;
/// `x-amz-crc32` is the CRC-32 of the body, which botocore checks). Assumed: `Server: Server` and
/// `Connection: keep-alive`, in the order boto3's ResponseMetadata.HTTPHeaders lists them.
public struct DynamoDBResponse: Sendable, Hashable {
    public var call: DynamoDBCall
    /// When the response is sent (the Date header), Unix seconds.
    public var unixSeconds: Int64
    /// Seed of the 52-character x-amzn-RequestId.
    public var requestID: UInt64
    /// The key of the item a GetItem returns (and of the first item of a Query).
    public var key: UInt64
    /// An error instead of a result: HTTP 400 with DynamoDB's `__type` and `message`.
    public var error: DynamoDBError?

    public init(call: DynamoDBCall, unixSeconds: Int64, requestID: UInt64, key: UInt64, error: DynamoDBError? = nil) {
        self.call = call; self.unixSeconds = unixSeconds; self.requestID = requestID; self.key = key
        self.error = error
    }

    /// Header block and body lengths (the body is laid out once to take its CRC-32).
    public var sizes: HTTPMessageSize {
        var body = CRC32Sink()
        writeBody(&body)
        let crc = body.value()
        var headers = CountingSink()
        writeHeaders(&headers, bodyLength: body.count, crc: crc)
        return HTTPMessageSize(headers: headers.count, body: body.count)
    }

    public func encode() -> [UInt8] {
        var body = ByteSink()
        writeBody(&body)
        var crcSink = CRC32Sink()
        crcSink.bytes(body.bytes)
        var out = ByteSink(reserving: 300 + body.bytes.count)
        writeHeaders(&out, bodyLength: body.bytes.count, crc: crcSink.value())
        out.bytes(body.bytes)
        return out.bytes
    }

    func writeBody<S: MessageSink>(_ s: inout S) {
        if let error {
            DynamoDBJSON.error(error, into: &s)
        } else {
            DynamoDBJSON.responseBody(call, key: key, into: &s)
        }
    }

    func writeHeaders<S: MessageSink>(_ s: inout S, bodyLength: Int, crc: UInt32) {
        s.utf8(error == nil ? "HTTP/1.1 200 OK" : "HTTP/1.1 400 Bad Request")
        s.crlf()
        s.utf8("Server: Server")
        s.crlf()
        s.utf8("Date: ")
        HTTPDates.imfDate(unixSeconds, &s)
        s.crlf()
        s.utf8("Content-Type: application/x-amz-json-1.0")
        s.crlf()
        s.utf8("Content-Length: ")
        s.decimal(bodyLength)
        s.crlf()
        s.utf8("Connection: keep-alive")
        s.crlf()
        s.utf8("x-amzn-RequestId: ")
        for k in 0..<52 {
            let v = SplitMix64.value(seed: requestID, index: UInt64(k)) % 36
            s.byte(v < 26 ? UInt8(ascii: "A") + UInt8(v) : UInt8(ascii: "0") + UInt8(v - 26))
        }
        s.crlf()
        s.utf8("x-amz-crc32: ")
        s.decimal(crc)
        s.crlf()
        s.crlf()
    }
}

/// A DynamoDB error: the exception name and its message.
public struct DynamoDBError: Sendable, Hashable {
    public var name: String
    public var message: String
    public init(name: String, message: String) { self.name = name; self.message = message }
}

/// The X-Ray trace header of a Lambda invocation (`_X_AMZN_TRACE_ID`,
/// https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader):
/// `Root=1-<epoch seconds, 8 hex>-<96 bits, 24 hex>;Parent=<64 bits>;Sampled=0;Lineage=…`.
public struct XRayTraceHeader: Sendable, Hashable {
    public var unixSeconds: Int64
    public var seed: UInt64
    public init(unixSeconds: Int64, seed: UInt64) { self.unixSeconds = unixSeconds; self.seed = seed }

    func write<S: MessageSink>(_ s: inout S) {
        s.utf8("Root=1-")
        s.hex(UInt64(truncatingIfNeeded: unixSeconds), digits: 8)
        s.byte(UInt8(ascii: "-"))
        s.hex(SplitMix64.value(seed: seed, index: 0), digits: 8)
        s.hex(SplitMix64.value(seed: seed, index: 1), digits: 16)
        s.utf8(";Parent=")
        s.hex(SplitMix64.value(seed: seed, index: 2), digits: 16)
        s.utf8(";Sampled=0;Lineage=1:")
        s.hex(SplitMix64.value(seed: seed, index: 3), digits: 8)
        s.utf8(":0")
    }
}

/// A version-4 UUID in its 36-character text form (RFC 9562 §5.4), from a seed.
enum UUIDText {
    static func write<S: MessageSink>(_ seed: UInt64, _ s: inout S) {
        let a = SplitMix64.value(seed: seed, index: 0), b = SplitMix64.value(seed: seed, index: 1)
        s.hex(a >> 32, digits: 8)
        s.byte(UInt8(ascii: "-"))
        s.hex(a >> 16 & 0xFFFF, digits: 4)
        s.byte(UInt8(ascii: "-"))
        s.hex(0x4000 | a & 0x0FFF, digits: 4)
        s.byte(UInt8(ascii: "-"))
        s.hex(0x8000 | b >> 48 & 0x3FFF, digits: 4)
        s.byte(UInt8(ascii: "-"))
        s.hex(b & 0xFFFF_FFFF_FFFF, digits: 12)
    }
}

/// Dates as HTTP and SigV4 write them.
enum HTTPDates {
    /// `20261123T100000Z` (ISO 8601 basic, UTC), or `20261123` with `dateOnly`.
    static func amzDate<S: MessageSink>(_ t: Int64, _ s: inout S, dateOnly: Bool = false) {
        let d = UTCDateTime(unixSeconds: t)
        s.decimal(d.year, width: 4)
        s.decimal(d.month, width: 2)
        s.decimal(d.day, width: 2)
        guard !dateOnly else { return }
        s.byte(UInt8(ascii: "T"))
        s.decimal(d.hour, width: 2)
        s.decimal(d.minute, width: 2)
        s.decimal(d.second, width: 2)
        s.byte(UInt8(ascii: "Z"))
    }

    static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"] // 1970-01-01 was a Thursday
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Mon, 23 Nov 2026 10:00:00 GMT` (IMF-fixdate, RFC 9110 §5.6.7).
    static func imfDate<S: MessageSink>(_ t: Int64, _ s: inout S) {
        let d = UTCDateTime(unixSeconds: t)
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        s.utf8(weekdays[Int(((days % 7) + 7) % 7)])
        s.utf8(", ")
        s.decimal(d.day, width: 2)
        s.byte(UInt8(ascii: " "))
        s.utf8(months[d.month - 1])
        s.byte(UInt8(ascii: " "))
        s.decimal(d.year, width: 4)
        s.byte(UInt8(ascii: " "))
        clock(d, &s)
        s.utf8(" GMT")
    }

    /// `10:00:00`, as both IMF-fixdate and ISO 8601's extended format write the time of day.
    static func clock<S: MessageSink>(_ d: UTCDateTime, _ s: inout S) {
        s.decimal(d.hour, width: 2)
        s.byte(UInt8(ascii: ":"))
        s.decimal(d.minute, width: 2)
        s.byte(UInt8(ascii: ":"))
        s.decimal(d.second, width: 2)
    }
}
