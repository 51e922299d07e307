import Wire

/// DynamoDB's low-level HTTP/1.1 JSON protocol, sized as boto3 sends it and DynamoDB answers
/// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html; request header set
/// measured from a real boto3 1.43 request, see README).
///
/// The model needs message *sizes*: each call's request and response are built once as text with
/// placeholder values of the right lengths, and their byte counts reused for every call.
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
    /// Bytes of the item's attributes as DynamoDB JSON (names, type descriptors and values).
    public var itemBytes: Int
    /// For Query: how many items come back.
    public var resultItems: Int
    /// GetItem and Query: `"ConsistentRead": true` (a strongly consistent read costs a full read
    /// request unit per 4 KB instead of a half).
    public var consistentRead: Bool
    public init(
        operation: DynamoDBOperation, table: String, itemBytes: Int = 180, resultItems: Int = 1,
        consistentRead: Bool = false
    ) {
        self.operation = operation; self.table = table; self.itemBytes = itemBytes; self.resultItems = resultItems
        self.consistentRead = consistentRead
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

/// Sizes of one HTTP message.
public struct HTTPMessageSize: Sendable, Hashable {
    public var headers: Int
    public var body: Int
    public var total: Int { headers + body }
}

public enum DynamoDBWire {
    /// `User-Agent` of boto3 1.43 in a Python 3.12 Lambda (shape measured from boto3 1.43.11 with
    /// `AWS_EXECUTION_ENV=AWS_Lambda_python3.12`; the kernel and Python versions are Lambda's).
    public static let userAgent =
        "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#5.10.240-257.962.amzn2.x86_64 md/arch#x86_64 "
        + "lang/python#3.12.11 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 m/P,e,Z,b,D cfg/retry-mode#legacy "
        + "Botocore/1.43.11"
    /// Length of the execution role's session token (`AWS_SESSION_TOKEN`); real Lambda tokens run
    /// ~1,000–1,300 characters (measured request used 1,040).
    public static let sessionTokenLength = 1_040
    /// `X-Amzn-Trace-Id` value: Lambda sets `_X_AMZN_TRACE_ID` per invocation and botocore forwards it.
    static let traceID =
        "Root=1-6650a2f1-3c1e8b9d4f7a2e6b1d0c9a8f;Parent=5e7d3c2b1a0f9e8d;Sampled=0;Lineage=1:8f2c4a6e:0"

    static func pad(_ n: Int) -> String { String(repeating: "x", count: max(n, 0)) }

    /// The JSON body of a request.
    public static func requestBody(_ c: DynamoDBCall) -> Int {
        let key = #"{"pk":{"S":"order#000000000000"}}"#.utf8.count
        switch c.operation {
        case .putItem:
            return #"{"TableName": "", "Item": }"#.utf8.count + c.table.utf8.count + c.itemBytes
        case .getItem:
            return #"{"TableName": "", "Key": }"#.utf8.count + c.table.utf8.count + key
                + (c.consistentRead ? #", "ConsistentRead": true"#.utf8.count : 0)
        case .deleteItem:
            return #"{"TableName": "", "Key": }"#.utf8.count + c.table.utf8.count + key
        case .updateItem:
            return
                (##"{"TableName": "", "Key": , "UpdateExpression": "SET #s = :s", "##
                + ##""ExpressionAttributeNames": {"#s": "status"}, "##
                + ##""ExpressionAttributeValues": {":s": {"S": "SHIPPED"}}}"##).utf8.count
                + c.table.utf8.count + key
        case .query:
            return
                (#"{"TableName": "", "KeyConditionExpression": "pk = :pk", "#
                + #""ExpressionAttributeValues": {":pk": {"S": "customer#000000000000"}}}"#).utf8.count
                + c.table.utf8.count + (c.consistentRead ? #", "ConsistentRead": true"#.utf8.count : 0)
        }
    }

    /// The request as boto3 writes it: header block (with CRLFs and the blank line) and body.
    /// botocore sends the two with separate `send()` calls, so they become two TLS records
    /// (measured: PutItem 1960 + 152 bytes, GetItem 1959 + 66, with a 1,040-character token).
    public static func request(_ c: DynamoDBCall, region: String) -> HTTPMessageSize {
        let body = requestBody(c)
        let host = "dynamodb.\(region).amazonaws.com"
        let lines = [
            "POST / HTTP/1.1",
            "Host: \(host)",
            "Accept-Encoding: identity",
            "X-Amz-Target: DynamoDB_20120810.\(c.operation.rawValue)",
            "Content-Type: application/x-amz-json-1.0",
            "User-Agent: \(userAgent)",
            "X-Amzn-Trace-Id: \(traceID)",
            "X-Amz-Date: 20261123T100000Z",
            "X-Amz-Security-Token: \(pad(sessionTokenLength))",
            "Authorization: AWS4-HMAC-SHA256 Credential=ASIA\(pad(16))/20261123/\(region)/dynamodb/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=\(pad(64))",
            "amz-sdk-invocation-id: \(pad(36))",
            "amz-sdk-request: attempt=1",
            "Content-Length: \(body)",
        ]
        let headers = lines.reduce(0) { $0 + $1.utf8.count + 2 } + 2
        return HTTPMessageSize(headers: headers, body: body)
    }

    /// The success response DynamoDB sends (headers:
    /// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html). Assumed:
    /// `Server: Server` and `Connection: keep-alive`, in the order boto3's ResponseMetadata.HTTPHeaders lists them.
    public static func response(_ c: DynamoDBCall) -> HTTPMessageSize {
        let body: Int
        switch c.operation {
        case .putItem, .deleteItem, .updateItem: body = 2 // {}
        case .getItem: body = #"{"Item":}"#.utf8.count + c.itemBytes
        case .query:
            body =
                #"{"Count":,"Items":[],"ScannedCount":}"#.utf8.count + 2 * String(c.resultItems).utf8.count
                + c.resultItems * (c.itemBytes + 1)
        }
        return HTTPMessageSize(headers: responseHeaders(body: body), body: body)
    }

    /// An error response: HTTP 400 with `{"__type":"com.amazonaws.dynamodb.v20120810#<Name>","message":"…"}`.
    public static func errorResponse(name: String, message: String) -> HTTPMessageSize {
        let body =
            #"{"__type":"com.amazonaws.dynamodb.v20120810#","message":""}"#.utf8.count + name.utf8.count
            + message.utf8.count
        return HTTPMessageSize(headers: responseHeaders(body: body, status: "400 Bad Request"), body: body)
    }

    static func responseHeaders(body: Int, status: String = "200 OK") -> Int {
        let lines = [
            "HTTP/1.1 \(status)",
            "Server: Server",
            "Date: Mon, 23 Nov 2026 10:00:00 GMT",
            "Content-Type: application/x-amz-json-1.0",
            "Content-Length: \(body)",
            "Connection: keep-alive",
            "x-amzn-RequestId: \(pad(52))",
            "x-amz-crc32: 3128867991",
        ]
        return lines.reduce(0) { $0 + $1.utf8.count + 2 } + 2
    }

    /// The message DynamoDB returns when a gateway endpoint's policy denies the call.
    public static func endpointPolicyDenial(principal: String, action: String, resource: String, explicit: Bool)
        -> String
    {
        "User: \(principal) is not authorized to perform: \(action) on resource: \(resource) "
            + (explicit
                ? "with an explicit deny in a VPC endpoint policy"
                : "because no VPC endpoint policy allows the \(action) action")
    }
}
