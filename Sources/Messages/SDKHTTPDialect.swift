import SimCore

/// How an AWS SDK lays out a DynamoDB request: which headers, in which order and spelling, which
/// of them it signs, and how it serializes the JSON body. A runtime's SDK picks one
/// (`LambdaRuntime` in Workloads); each layout below cites where it comes from.
///
/// Adding an SDK: a case, its header list, its signed set and its body style.
public enum SDKHTTPDialect: UInt8, Sendable, Hashable, CaseIterable {
    /// botocore (boto3): measured from boto3 1.43/1.44 writing to a local socket (README, "What is
    /// modelled"); `json.dumps` bodies with ", " and ": ".
    case botocore = 0
    /// aws-sdk-js v3 on Node's `http`: lowercase names in the order the middleware stack sets
    /// them — the serializer's content-type and x-amz-target, then the build step's
    /// content-length, host, x-amz-user-agent and user-agent (middleware-user-agent sets both on
    /// Node), X-Amzn-Trace-Id (middleware-recursion-detection, Lambda's `_X_AMZN_TRACE_ID`), the
    /// retry middleware's amz-sdk-invocation-id and amz-sdk-request (`attempt=1; max=3`,
    /// middleware-retry), then the signer's x-amz-date, x-amz-security-token and authorization;
    /// Node's http client appends `Connection: keep-alive` for a keep-alive agent. Signed: every
    /// header but signature-v4's ALWAYS_UNSIGNABLE_HEADERS (authorization, connection,
    /// user-agent, x-amzn-trace-id, …). Body: `JSON.stringify` (compact) of the serializer's
    /// `take()` object, members in alphabetical order (the generated `se_*Input` functions);
    /// the item keeps the handler's attribute order. (From the SDK's source, not captured here:
    /// npm is unreachable from this machine. The position of the build-step headers among
    /// themselves is ASSUMED from the middleware priorities.)
    case awsSDKJSv3 = 1
    /// aws-sdk-go-v2 on net/http: the request line, then `Host`, `User-Agent`, `Content-Length`
    /// as net/http writes them first (net/http request.go `write`), then the other headers in
    /// sorted canonical form (`Header.Write` sorts keys): `Accept-Encoding: identity` (the
    /// DynamoDB client turns gzip off, service/dynamodb `EnableAcceptEncodingGzip` false),
    /// Amz-Sdk-Invocation-Id, Amz-Sdk-Request (`attempt=1; max=3`), Authorization, Content-Type,
    /// X-Amz-Date, X-Amz-Security-Token, X-Amz-Target, X-Amzn-Trace-Id (the spelling and order
    /// the SDK's own request debug logging prints, `ClientLogMode` `LogRequest`).
    /// Signed: all but the v4 signer's ignored headers (Authorization, User-Agent,
    /// X-Amzn-Trace-Id). Body: `encoding/json`-style compact, members in alphabetical order
    /// (the generated serializers), the item's attributes sorted (Go map marshalling sorts keys).
    case awsSDKGoV2 = 2
    /// AWS SDK for Java v2 with the Apache client: `Host`, then the SDK's headers in its
    /// case-insensitive sorted map (amz-sdk-invocation-id, amz-sdk-request, Authorization,
    /// Content-Type, User-Agent, X-Amz-Date, X-Amz-Security-Token, X-Amz-Target,
    /// X-Amzn-Trace-Id), then Apache's `Content-Length` and `Connection: Keep-Alive` (HttpCore's
    /// RequestContent and RequestClientConnControl interceptors). ASSUMED from the SDK's sorted
    /// header map; public Apache-client wire logs of the SDK v2 (hadoop-aws S3A debug logs) show
    /// the same Host, amz-sdk-invocation-id, amz-sdk-request, Authorization order.
    /// Signed: all but Connection, User-Agent and X-Amzn-Trace-Id, Content-Length included.
    /// Body: compact JSON in the model's member order (TableName first); the item, a
    /// `HashMap<String, AttributeValue>`, comes out in hash order (`data` before `pk`).
    case awsSDKJavaV2 = 3

    /// What a header carries.
    enum Field: UInt8 {
        case host, acceptEncoding, target, contentType, userAgent, sdkUserAgent, trace, amzDate, token
        case authorization, invocationID, sdkRequest, contentLength, connection
    }

    /// Header names as written, in order.
    var headers: [(name: String, field: Field)] {
        switch self {
        case .botocore:
            [
                ("Host", .host), ("Accept-Encoding", .acceptEncoding), ("X-Amz-Target", .target),
                ("Content-Type", .contentType), ("User-Agent", .userAgent), ("X-Amzn-Trace-Id", .trace),
                ("X-Amz-Date", .amzDate), ("X-Amz-Security-Token", .token), ("Authorization", .authorization),
                ("amz-sdk-invocation-id", .invocationID), ("amz-sdk-request", .sdkRequest),
                ("Content-Length", .contentLength),
            ]
        case .awsSDKJSv3:
            [
                ("content-type", .contentType), ("x-amz-target", .target), ("content-length", .contentLength),
                ("host", .host), ("x-amz-user-agent", .sdkUserAgent), ("user-agent", .userAgent),
                ("X-Amzn-Trace-Id", .trace), ("amz-sdk-invocation-id", .invocationID),
                ("amz-sdk-request", .sdkRequest), ("x-amz-date", .amzDate), ("x-amz-security-token", .token),
                ("authorization", .authorization), ("Connection", .connection),
            ]
        case .awsSDKGoV2:
            [
                ("Host", .host), ("User-Agent", .userAgent), ("Content-Length", .contentLength),
                ("Accept-Encoding", .acceptEncoding), ("Amz-Sdk-Invocation-Id", .invocationID),
                ("Amz-Sdk-Request", .sdkRequest), ("Authorization", .authorization), ("Content-Type", .contentType),
                ("X-Amz-Date", .amzDate), ("X-Amz-Security-Token", .token), ("X-Amz-Target", .target),
                ("X-Amzn-Trace-Id", .trace),
            ]
        case .awsSDKJavaV2:
            [
                ("Host", .host), ("amz-sdk-invocation-id", .invocationID), ("amz-sdk-request", .sdkRequest),
                ("Authorization", .authorization), ("Content-Type", .contentType), ("User-Agent", .userAgent),
                ("X-Amz-Date", .amzDate), ("X-Amz-Security-Token", .token), ("X-Amz-Target", .target),
                ("X-Amzn-Trace-Id", .trace), ("Content-Length", .contentLength), ("Connection", .connection),
            ]
        }
    }

    /// The headers the SDK signs (without the security token, added when there is one).
    var signed: [Field] {
        switch self {
        case .botocore: [.contentType, .host, .amzDate, .target]
        case .awsSDKJSv3:
            [.invocationID, .sdkRequest, .contentLength, .contentType, .host, .amzDate, .target, .sdkUserAgent]
        case .awsSDKGoV2:
            [.acceptEncoding, .invocationID, .sdkRequest, .contentLength, .contentType, .host, .amzDate, .target]
        case .awsSDKJavaV2: [.invocationID, .sdkRequest, .contentLength, .contentType, .host, .amzDate, .target]
        }
    }

    /// The SignedHeaders list (lowercase, sorted), with or without the security token.
    func signedHeaderList(token: Bool) -> String {
        var names = signed.map { Self.lowercaseName($0) }
        if token { names.append("x-amz-security-token") }
        return names.sorted().joined(separator: ";")
    }

    static func lowercaseName(_ f: Field) -> String {
        switch f {
        case .host: "host"
        case .acceptEncoding: "accept-encoding"
        case .target: "x-amz-target"
        case .contentType: "content-type"
        case .userAgent: "user-agent"
        case .sdkUserAgent: "x-amz-user-agent"
        case .trace: "x-amzn-trace-id"
        case .amzDate: "x-amz-date"
        case .token: "x-amz-security-token"
        case .authorization: "authorization"
        case .invocationID: "amz-sdk-invocation-id"
        case .sdkRequest: "amz-sdk-request"
        case .contentLength: "content-length"
        case .connection: "connection"
        }
    }

    /// botocore's legacy retry mode writes `attempt=N`; the others their standard mode's
    /// `attempt=N; max=3`.
    var writesMaxAttempts: Bool { self != .botocore }

    var connectionValue: String { self == .awsSDKJavaV2 ? "Keep-Alive" : "keep-alive" }

    /// Body style: compact separators, members alphabetical, item attributes key first.
    var compactBody: Bool { self != .botocore }
    var alphabeticalMembers: Bool { self == .awsSDKJSv3 || self == .awsSDKGoV2 }
    /// Whether the item's key attribute comes before its data (the handler's order in JS, Go's
    /// sorted map keys put `data` first, Java's HashMap puts `data` first).
    var itemKeyFirst: Bool { self == .botocore || self == .awsSDKJSv3 }
}
