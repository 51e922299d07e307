import Crypto
import SimCore

/// The calls of AWS services a handler can make (besides DynamoDB, which has its own messages),
/// in their services' protocols (``AWSWireProtocol``; SNS, STS and Lambda in
/// AWSQueryRESTMessages.swift). botocore 1.44.5's service models (botocore/data/<service>/<version>/service-2.json,
/// `metadata`) give each one's protocol: SQS `"protocol": "json"`, `"jsonVersion": "1.0"`,
/// `"targetPrefix": "AmazonSQS"` with `awsQueryCompatible` (botocore then sends and signs
/// `x-amzn-query-mode: true`, botocore/serialize.py); Secrets Manager `"jsonVersion": "1.1"`,
/// `"targetPrefix": "secretsmanager"`; KMS `"jsonVersion": "1.1"`, `"targetPrefix": "TrentService"`.
public enum AWSJSONOperation: String, Sendable, CaseIterable {
    /// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
    case sqsSendMessage = "sqs:SendMessage"
    /// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
    case sqsReceiveMessage = "sqs:ReceiveMessage"
    /// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
    case secretsManagerGetSecretValue = "secretsmanager:GetSecretValue"
    /// https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
    case kmsDecrypt = "kms:Decrypt"
    /// https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (query protocol)
    case snsPublish = "sns:Publish"
    /// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (query protocol)
    case stsAssumeRole = "sts:AssumeRole"
    /// https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (REST-JSON)
    case lambdaInvoke = "lambda:Invoke"
    /// https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
    /// (JSON 1.0, `"targetPrefix": "AWSStepFunctions"`, signing name `states`)
    case statesStartExecution = "states:StartExecution"

    /// The IAM action (what an endpoint policy names): Invoke is authorized as
    /// `lambda:InvokeFunction`
    /// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).
    public var action: String { self == .lambdaInvoke ? "lambda:InvokeFunction" : rawValue }
    /// The service's catalog key and SigV4 signing name: `sqs`, `secretsmanager`.
    public var service: String { String(rawValue.prefix { $0 != ":" }) }
    /// The operation's name: `SendMessage`.
    public var name: String { String(rawValue.drop { $0 != ":" }.dropFirst()) }
    public var targetPrefix: String {
        switch self {
        case .sqsSendMessage, .sqsReceiveMessage: return "AmazonSQS"
        case .secretsManagerGetSecretValue: return "secretsmanager"
        case .kmsDecrypt: return "TrentService"
        case .statesStartExecution: return "AWSStepFunctions"
        case .snsPublish, .stsAssumeRole, .lambdaInvoke: return ""
        }
    }
    /// The request's content type (a JSON protocol's also its response's).
    public var contentType: String {
        switch wireProtocol {
        case .query: return "application/x-www-form-urlencoded; charset=utf-8"
        case .restJSON: return "application/json"
        case .json:
            return service == "sqs" || service == "states" ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1"
        }
    }
    /// botocore adds `x-amzn-query-mode: true` for services with `awsQueryCompatible` (SQS).
    var queryCompatible: Bool { service == "sqs" }

    /// The operation a topology names as `sqs: SendMessage`, or nil.
    public init?(service: String, name: String) {
        guard let o = Self.allCases.first(where: { $0.service == service && $0.name == name }) else { return nil }
        self = o
    }
}

/// One JSON-protocol SDK call as a function's code makes it.
public struct AWSJSONCall: Sendable, Hashable {
    public var operation: AWSJSONOperation
    /// The queue's name (SQS), the secret's name (Secrets Manager), the key's id (KMS), the topic's
    /// name (SNS), the role's name (STS), the function's name (Lambda) or the state machine's (Step
    /// Functions).
    public var resource: String
    /// The message body (SendMessage, and what ReceiveMessage returns), the secret string
    /// (GetSecretValue), the plaintext (Decrypt), the message (Publish), the event payload (Invoke)
    /// or the execution's input (StartExecution), in bytes.
    public var payloadBytes: Int
    /// What an Invoke returns (the function's result payload), in bytes.
    public var resultBytes: Int = 64
    /// Invoke with `InvocationType: Event` (asynchronous: 202, no payload back).
    public var asynchronous = false
    /// AssumeRole's RoleSessionName.
    public var sessionName = ""
    /// Made once per execution environment, on its first (cold) invocation: the handler keeps the
    /// result in a global, as AWS recommends for secrets
    /// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html).
    public var coldStartOnly: Bool
    public init(
        operation: AWSJSONOperation, resource: String, payloadBytes: Int = 256, coldStartOnly: Bool = false,
        resultBytes: Int = 64, asynchronous: Bool = false, sessionName: String = ""
    ) {
        self.operation = operation; self.resource = resource; self.payloadBytes = payloadBytes
        self.coldStartOnly = coldStartOnly; self.resultBytes = resultBytes; self.asynchronous = asynchronous
        self.sessionName = sessionName
    }

    /// The resource's ARN, as endpoint policies name it. A secret's ARN ends with `-` and six
    /// characters Secrets Manager adds (here derived from the name).
    public func resourceARN(region: String, account: String) -> String {
        switch operation.service {
        case "sqs": return "arn:aws:sqs:\(region):\(account):\(resource)"
        case "kms": return "arn:aws:kms:\(region):\(account):key/\(resource)"
        case "sns": return "arn:aws:sns:\(region):\(account):\(resource)"
        case "sts": return "arn:aws:iam::\(account):role/\(resource)"
        case "lambda": return "arn:aws:lambda:\(region):\(account):function:\(resource)"
        case "states": return "arn:aws:states:\(region):\(account):stateMachine:\(resource)"
        default: return "arn:aws:secretsmanager:\(region):\(account):secret:\(resource)-" + secretSuffix
        }
    }

    var secretSuffix: String {
        var s = ByteSink()
        s.letters(6, seed: FNV1a64.hash(resource.utf8))
        return String(decoding: s.bytes, as: UTF8.self)
    }

    /// The queue's URL as SDKs send it: the Regional name, even when private DNS sends the
    /// connection to an interface endpoint
    /// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-queue-message-identifiers.html).
    func queueURL(region: String, account: String) -> String {
        "https://sqs.\(region).amazonaws.com/\(account)/\(resource)"
    }
}

/// One request as boto3 writes it: HTTP/1.1 POST `/` with `X-Amz-Target: <prefix>.<Operation>`
/// and the JSON body botocore's serializer writes (`json.dumps`, ", " and ": " separators).
/// The headers, their order and the signed set are those botocore 1.44.5 builds for
/// `sqs.send_message` and `secretsmanager.get_secret_value` (observed with a `before-send` hook),
/// Host first as urllib3 writes it; the retry header as DynamoDB's (legacy retry mode in Lambda).
public struct AWSJSONRequest: Sendable, Hashable {
    public var call: AWSJSONCall
    /// The name the client connected to (`sqs.us-east-1.amazonaws.com`).
    public var host: String
    public var region: String
    public var account: String
    public var credentials: AWSCredentials
    public var userAgent: String
    public var unixSeconds: Int64
    public var trace: XRayTraceHeader
    public var invocationID: UInt64
    public var attempt: Int
    /// The invocation's order number (in the message body).
    public var key: UInt64

    public init(
        call: AWSJSONCall, host: String, region: String, account: String, credentials: AWSCredentials,
        userAgent: String, unixSeconds: Int64, trace: XRayTraceHeader, invocationID: UInt64, attempt: Int, key: UInt64
    ) {
        self.call = call; self.host = host; self.region = region; self.account = account
        self.credentials = credentials; self.userAgent = userAgent; self.unixSeconds = unixSeconds
        self.trace = trace; self.invocationID = invocationID; self.attempt = attempt; self.key = key
    }

    public var sizes: HTTPMessageSize {
        var body = CountingSink()
        writeBody(&body)
        var headers = CountingSink()
        writeHeaders(&headers, bodyLength: body.count, body: { [] })
        return HTTPMessageSize(headers: headers.count, body: body.count)
    }

    public func encode() -> [UInt8] {
        var body = ByteSink()
        writeBody(&body)
        var out = ByteSink(reserving: 2048 + body.bytes.count)
        writeHeaders(&out, bodyLength: body.bytes.count, body: { body.bytes })
        out.bytes(body.bytes)
        return out.bytes
    }

    func writeBody<S: MessageSink>(_ s: inout S) {
        switch call.operation {
        case .sqsSendMessage:
            s.utf8(#"{"QueueUrl": ""#)
            s.utf8(call.queueURL(region: region, account: account))
            s.utf8(#"", "MessageBody": ""#)
            AWSJSONBodies.payload(call, key: key, into: &s)
            s.utf8(#""}"#)
        case .sqsReceiveMessage:
            // Short polling, one message (WaitTimeSeconds 0; long polling would hold the
            // response up to 20 s).
            s.utf8(#"{"QueueUrl": ""#)
            s.utf8(call.queueURL(region: region, account: account))
            s.utf8(#"", "MaxNumberOfMessages": 1, "WaitTimeSeconds": 0}"#)
        case .secretsManagerGetSecretValue:
            s.utf8(#"{"SecretId": ""#)
            s.utf8(call.resource)
            s.utf8(#""}"#)
        case .kmsDecrypt:
            // botocore writes a blob member in base64. ASSUMED: a symmetric key's ciphertext
            // blob is the plaintext plus 152 bytes (a 32-byte data key's blob is 184 bytes in
            // GenerateDataKey answers; AWS does not publish the format).
            s.utf8(#"{"CiphertextBlob": ""#)
            AWSJSONBodies.base64(of: call.payloadBytes + 152, seed: FNV1a64.hash(call.resource.utf8) ^ key, into: &s)
            s.utf8(#""}"#)
        case .statesStartExecution:
            // `input` is a JSON document in a JSON string: its quotes escaped (no `name`: Step
            // Functions then names the execution with a UUID).
            s.utf8(#"{"stateMachineArn": ""#)
            s.utf8(call.resourceARN(region: region, account: account))
            s.utf8(#"", "input": ""#)
            AWSJSONBodies.document(call, bytes: call.payloadBytes, key: key, escaped: true, into: &s)
            s.utf8(#""}"#)
        case .snsPublish, .stsAssumeRole, .lambdaInvoke:
            writeQueryOrRESTBody(&s)
        }
    }

    var target: String { call.operation.targetPrefix + "." + call.operation.name }

    func writeHeaders<S: MessageSink>(_ s: inout S, bodyLength: Int, body: () -> [UInt8]) {
        s.utf8("POST ")
        s.utf8(path)
        s.utf8(" HTTP/1.1")
        s.crlf()
        s.utf8("Host: ")
        s.utf8(host)
        s.crlf()
        s.utf8("Accept-Encoding: identity")
        s.crlf()
        let own = operationHeaders
        for h in own {
            s.utf8(h.name)
            s.utf8(": ")
            s.utf8(h.value)
            s.crlf()
        }
        s.utf8("User-Agent: ")
        s.utf8(userAgent)
        s.crlf()
        s.utf8("X-Amzn-Trace-Id: ")
        trace.write(&s)
        s.crlf()
        s.utf8("X-Amz-Date: ")
        HTTPDates.amzDate(unixSeconds, &s)
        s.crlf()
        let token = !credentials.sessionToken.isEmpty
        if token {
            s.utf8("X-Amz-Security-Token: ")
            s.utf8(credentials.sessionToken)
            s.crlf()
        }
        s.utf8("Authorization: AWS4-HMAC-SHA256 Credential=")
        s.utf8(credentials.accessKeyID)
        s.byte(UInt8(ascii: "/"))
        HTTPDates.amzDate(unixSeconds, &s, dateOnly: true)
        s.byte(UInt8(ascii: "/"))
        s.utf8(region)
        s.byte(UInt8(ascii: "/"))
        s.utf8(call.operation.service)
        s.utf8("/aws4_request, SignedHeaders=")
        s.utf8(signedHeaderNames(own).joined(separator: ";"))
        s.utf8(", Signature=")
        s.computed(64) { Array(signature(body: body()).utf8) }
        s.crlf()
        s.utf8("amz-sdk-invocation-id: ")
        UUIDText.write(invocationID, &s)
        s.crlf()
        s.utf8("amz-sdk-request: attempt=")
        s.decimal(attempt)
        s.crlf()
        s.utf8("Content-Length: ")
        s.decimal(bodyLength)
        s.crlf()
        s.crlf()
    }

    /// The names of the headers botocore signs (all it has set but User-Agent and
    /// X-Amzn-Trace-Id), lowercase and sorted.
    func signedHeaderNames(_ own: [SigV4.Header]) -> [String] {
        var names = own.map { $0.name.lowercased() } + ["host", "x-amz-date"]
        if !credentials.sessionToken.isEmpty { names.append("x-amz-security-token") }
        return names.sorted()
    }

    /// SigV4 over the headers botocore signs.
    func signature(body: [UInt8]) -> String {
        var date = ByteSink()
        HTTPDates.amzDate(unixSeconds, &date)
        let amzDate = String(decoding: date.bytes, as: UTF8.self)
        var headers: [SigV4.Header] = operationHeaders.map { ($0.name.lowercased(), $0.value) }
        headers += [("host", host), ("x-amz-date", amzDate)]
        if !credentials.sessionToken.isEmpty { headers.append(("x-amz-security-token", credentials.sessionToken)) }
        let canonical = SigV4.canonicalRequest(method: "POST", path: path, headers: headers, body: body)
        return SigV4.signature(
            credentials: credentials, amzDate: amzDate, region: region, service: call.operation.service,
            canonicalRequest: canonical)
    }
}

/// The service's answer. Bodies carry the members the API references list for each response
/// (compact JSON, as the services write it); ASSUMED headers (no published list): the status
/// line, `x-amzn-RequestId` (a UUID), `Date`, `Content-Type` (the request's), `Content-Length`,
/// `Connection: keep-alive`.
public struct AWSJSONResponse: Sendable, Hashable {
    public var call: AWSJSONCall
    public var region: String
    public var account: String
    public var unixSeconds: Int64
    /// The milliseconds past `unixSeconds` (StartExecution's startDate carries them).
    public var milliseconds: Int64 = 0
    var unixMilliseconds: Int64 { unixSeconds * 1000 + milliseconds }
    public var requestID: UInt64
    public var key: UInt64
    /// An error instead of a result: HTTP 400 with `__type` and `message`
    /// (https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html, "Operation error serialization").
    public var error: DynamoDBError?
    /// An Invoke whose function failed (AWSQueryRESTMessages.swift).
    public var functionError: InvokedFunctionError?

    public init(
        call: AWSJSONCall, region: String, account: String, unixSeconds: Int64, requestID: UInt64, key: UInt64,
        error: DynamoDBError? = nil
    ) {
        self.call = call; self.region = region; self.account = account; self.unixSeconds = unixSeconds
        self.requestID = requestID; self.key = key; self.error = error
    }

    public var sizes: HTTPMessageSize {
        var body = CountingSink()
        writeBody(&body)
        var headers = CountingSink()
        writeHeaders(&headers, bodyLength: body.count)
        return HTTPMessageSize(headers: headers.count, body: body.count)
    }

    public func encode() -> [UInt8] {
        var body = ByteSink()
        writeBody(&body)
        var out = ByteSink(reserving: 300 + body.bytes.count)
        writeHeaders(&out, bodyLength: body.bytes.count)
        out.bytes(body.bytes)
        return out.bytes
    }

    func writeBody<S: MessageSink>(_ s: inout S) {
        if call.operation.wireProtocol != .json {
            writeQueryOrRESTBody(&s)
            return
        }
        if let error {
            s.utf8(#"{"__type":""#)
            s.utf8(error.name)
            s.utf8(#"","message":""#)
            s.utf8(error.message)
            s.utf8(#""}"#)
            return
        }
        switch call.operation {
        case .sqsSendMessage:
            // MD5OfMessageBody: the MD5 digest of the body as sent (API_SendMessage.html).
            s.utf8(#"{"MD5OfMessageBody":""#)
            s.computed(32) { md5Hex() }
            s.utf8(#"","MessageId":""#)
            UUIDText.write(requestID ^ 0x5151, &s)
            s.utf8(#""}"#)
        case .sqsReceiveMessage:
            // One message: its body, MD5OfBody, MessageId and a receipt handle (ASSUMED: 180
            // characters, the length of the handles in AWS's examples).
            s.utf8(#"{"Messages":[{"Body":""#)
            AWSJSONBodies.payload(call, key: key, into: &s)
            s.utf8(#"","MD5OfBody":""#)
            s.computed(32) { md5Hex() }
            s.utf8(#"","MessageId":""#)
            UUIDText.write(requestID ^ 0x5152, &s)
            s.utf8(#"","ReceiptHandle":""#)
            s.letters(180, seed: requestID ^ 0x5153)
            s.utf8(#""}]}"#)
        case .secretsManagerGetSecretValue:
            s.utf8(#"{"ARN":""#)
            s.utf8(call.resourceARN(region: region, account: account))
            s.utf8(#"","CreatedDate":1.7e9,"Name":""#)
            s.utf8(call.resource)
            s.utf8(#"","SecretString":""#)
            AWSJSONBodies.payload(call, key: 0, into: &s)
            s.utf8(#"","VersionId":""#)
            UUIDText.write(FNV1a64.hash(call.resource.utf8), &s)
            s.utf8(#"","VersionStages":["AWSCURRENT"]}"#)
        case .kmsDecrypt:
            s.utf8(#"{"EncryptionAlgorithm":"SYMMETRIC_DEFAULT","KeyId":""#)
            s.utf8(call.resourceARN(region: region, account: account))
            s.utf8(#"","Plaintext":""#)
            AWSJSONBodies.base64(of: call.payloadBytes, seed: key ^ 0x4B4D53, into: &s)
            s.utf8(#""}"#)
        case .statesStartExecution:
            // The execution's ARN (its name a UUID) and startDate in epoch seconds, as AWS's JSON
            // writes a timestamp: a double in scientific notation (`1.764468000123E9`).
            s.utf8(#"{"executionArn":"arn:aws:states:"#)
            s.utf8(region)
            s.byte(UInt8(ascii: ":"))
            s.utf8(account)
            s.utf8(":execution:")
            s.utf8(call.resource)
            s.byte(UInt8(ascii: ":"))
            UUIDText.write(requestID ^ 0x5354, &s)
            s.utf8(#"","startDate":"#)
            AWSJSONBodies.epochDouble(milliseconds: unixMilliseconds, into: &s)
            s.byte(UInt8(ascii: "}"))
        case .snsPublish, .stsAssumeRole, .lambdaInvoke:
            break
        }
    }

    func md5Hex() -> [UInt8] {
        var p = ByteSink()
        AWSJSONBodies.payload(call, key: key, into: &p)
        var out: [UInt8] = []
        for b in Insecure.MD5.hash(data: p.bytes) {
            out.append(ByteSink.hexDigit(b >> 4))
            out.append(ByteSink.hexDigit(b & 15))
        }
        return out
    }

    func writeHeaders<S: MessageSink>(_ s: inout S, bodyLength: Int) {
        if call.operation.wireProtocol != .json {
            writeQueryOrRESTHeaders(&s, bodyLength: bodyLength)
            return
        }
        s.utf8(error == nil ? "HTTP/1.1 200 OK" : "HTTP/1.1 400 Bad Request")
        s.crlf()
        s.utf8("x-amzn-RequestId: ")
        UUIDText.write(requestID, &s)
        s.crlf()
        s.utf8("Date: ")
        HTTPDates.imfDate(unixSeconds, &s)
        s.crlf()
        s.utf8("Content-Type: ")
        s.utf8(call.operation.contentType)
        s.crlf()
        s.utf8("Content-Length: ")
        s.decimal(bodyLength)
        s.crlf()
        s.utf8("Connection: keep-alive")
        s.crlf()
        s.crlf()
    }
}

enum AWSJSONBodies {
    /// The base64 text of `n` bytes (RFC 4648 §4, padded): its characters drawn from `seed`.
    static func base64<S: MessageSink>(of n: Int, seed: UInt64, into s: inout S) {
        let padding = (3 - n % 3) % 3
        s.letters((n + 2) / 3 * 4 - padding, seed: seed)
        for _ in 0..<padding { s.byte(UInt8(ascii: "=")) }
    }

    /// A message body or secret string of exactly `payloadBytes` JSON-safe characters:
    /// `order#<12 digits>:` then filler letters (a secret: letters only).
    static func payload<S: MessageSink>(_ c: AWSJSONCall, key: UInt64, into s: inout S) {
        let n = max(c.payloadBytes, 1)
        if c.operation == .secretsManagerGetSecretValue || n < 19 {
            s.letters(n, seed: FNV1a64.hash(c.resource.utf8) ^ key)
            return
        }
        s.utf8("order#")
        s.decimal(key % 1_000_000_000_000, width: 12)
        s.byte(UInt8(ascii: ":"))
        s.letters(n - 19, seed: key)
    }
}
