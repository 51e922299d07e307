import SimCore

/// The protocol a service's API speaks, as botocore 1.44.5's service models give it
/// (botocore/data/<service>/<version>/service-2.json, `metadata.protocol`): `json` (SQS, Secrets
/// Manager, KMS, Step Functions), `query` (SNS `"apiVersion": "2010-03-31"`, STS
/// `"apiVersion": "2011-06-15"`), `rest-json` (Lambda `"apiVersion": "2015-03-31"`).
public enum AWSWireProtocol: Sendable, Hashable {
    case json, query, restJSON
}

/// Why the function a synchronous Invoke ran failed.
public enum InvokedFunctionError: Sendable, Hashable {
    /// Its timeout (`"2.00"`: the seconds as Lambda's message writes them).
    case timedOut(seconds: String)
    /// An error its handler raised (the name of the AWS error its call got).
    case failed(error: String)
}

extension AWSJSONOperation {
    public var wireProtocol: AWSWireProtocol {
        switch self {
        case .snsPublish, .stsAssumeRole: return .query
        case .lambdaInvoke: return .restJSON
        case .sqsSendMessage, .sqsReceiveMessage, .secretsManagerGetSecretValue, .kmsDecrypt, .statesStartExecution:
            return .json
        }
    }

    /// A query-protocol service's API version (the `Version` parameter and its XML namespace).
    var apiVersion: String { self == .snsPublish ? "2010-03-31" : "2011-06-15" }

    /// The error code a service answers with when a VPC endpoint policy denies the call. SNS:
    /// `AuthorizationError` (403, API_Publish.html "Errors"); STS: `AccessDenied` (403, what the
    /// service writes for an IAM denial: ASSUMED the same for an endpoint policy's); the JSON and
    /// REST-JSON services: `AccessDeniedException`.
    public var accessDeniedCode: String {
        switch self {
        case .snsPublish: return "AuthorizationError"
        case .stsAssumeRole: return "AccessDenied"
        default: return "AccessDeniedException"
        }
    }
}

/// SNS Publish and STS AssumeRole as botocore's QuerySerializer writes them (HTTP POST `/`, a
/// form-urlencoded body `Action=…&Version=…&<members in the caller's order>`, `Content-Type:
/// application/x-www-form-urlencoded; charset=utf-8`), and Lambda Invoke as its RestJSONSerializer
/// does (POST `/2015-03-31/functions/<name>/invocations`, the payload as the body, the invocation
/// type in `X-Amz-Invocation-Type`, no Content-Type): headers, order and signed set observed from
/// botocore 1.44.5 with a `before-send` hook (sns.publish, sts.assume_role, lambda.invoke,
/// stepfunctions.start_execution).
extension AWSJSONRequest {
    /// The request target: Invoke's URI (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html), else `/`.
    var path: String {
        call.operation == .lambdaInvoke ? "/2015-03-31/functions/\(call.resource)/invocations" : "/"
    }

    /// The headers the serializer sets for the operation, in botocore's order; all are signed.
    var operationHeaders: [SigV4.Header] {
        switch call.operation.wireProtocol {
        case .json:
            var h: [SigV4.Header] = [("X-Amz-Target", target), ("Content-Type", call.operation.contentType)]
            if call.operation.queryCompatible { h.append(("x-amzn-query-mode", "true")) }
            return h
        case .query: return [("Content-Type", call.operation.contentType)]
        case .restJSON: return [("X-Amz-Invocation-Type", call.asynchronous ? "Event" : "RequestResponse")]
        }
    }

    func writeQueryOrRESTBody<S: MessageSink>(_ s: inout S) {
        switch call.operation {
        case .snsPublish:
            s.utf8("Action=Publish&Version=2010-03-31&TopicArn=")
            AWSJSONBodies.formEncoded(call.resourceARN(region: region, account: account), into: &s)
            s.utf8("&Message=")
            var message = ByteSink()
            AWSJSONBodies.payload(call, key: key, into: &message)
            AWSJSONBodies.formEncoded(message.bytes, into: &s)
        case .stsAssumeRole:
            s.utf8("Action=AssumeRole&Version=2011-06-15&RoleArn=")
            AWSJSONBodies.formEncoded(call.resourceARN(region: region, account: account), into: &s)
            s.utf8("&RoleSessionName=")
            AWSJSONBodies.formEncoded(call.sessionName, into: &s)
        case .lambdaInvoke:
            AWSJSONBodies.document(call, bytes: call.payloadBytes, key: key, escaped: false, into: &s)
        default:
            break
        }
    }
}

/// The answers. Query protocol: XML as the API references' examples show it (two-space indents,
/// `<OperationResponse xmlns="https://<service>.amazonaws.com/doc/<version>/">`, the result, then
/// `ResponseMetadata/RequestId`), `Content-Type: text/xml`; errors 403 with `ErrorResponse/Error`
/// (`Type`, `Code`, `Message`) and `RequestId`
/// (https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html). Invoke: 200 with the function's
/// result as the body, `X-Amz-Executed-Version: $LATEST`, or 202 and no body for `Event`
/// (API_Invoke.html "Response Syntax"); errors with `x-amzn-ErrorType` and `{"Message": …}`
/// (https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html). ASSUMED header order and the
/// headers no reference lists, as for the JSON services.
extension AWSJSONResponse {
    /// Lambda's answer to an Invoke its recursive loop detection stopped (HTTP 400,
    /// https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html, "Errors"); the endpoint
    /// policy denials are 403.
    public static let recursiveInvocationException = "RecursiveInvocationException"

    var statusLine: String {
        if let error {
            return error.name == Self.recursiveInvocationException
                ? "HTTP/1.1 400 Bad Request" : "HTTP/1.1 403 Forbidden"
        }
        return call.operation == .lambdaInvoke && call.asynchronous ? "HTTP/1.1 202 Accepted" : "HTTP/1.1 200 OK"
    }

    func writeQueryOrRESTHeaders<S: MessageSink>(_ s: inout S, bodyLength: Int) {
        s.utf8(statusLine)
        s.crlf()
        let query = call.operation.wireProtocol == .query
        if query {
            s.utf8("x-amzn-RequestId: ")
            UUIDText.write(requestID, &s)
            s.crlf()
        }
        s.utf8("Date: ")
        HTTPDates.imfDate(unixSeconds, &s)
        s.crlf()
        if bodyLength > 0 {
            s.utf8(query ? "Content-Type: text/xml" : "Content-Type: application/json")
            s.crlf()
        }
        s.utf8("Content-Length: ")
        s.decimal(bodyLength)
        s.crlf()
        s.utf8("Connection: keep-alive")
        s.crlf()
        if !query {
            s.utf8("x-amzn-RequestId: ")
            UUIDText.write(requestID, &s)
            s.crlf()
            if let error {
                s.utf8("x-amzn-ErrorType: ")
                s.utf8(error.name)
                s.crlf()
            } else if !call.asynchronous {
                if functionError != nil {
                    s.utf8("X-Amz-Function-Error: Unhandled")
                    s.crlf()
                }
                s.utf8("x-amzn-Remapped-Content-Length: 0")
                s.crlf()
                s.utf8("X-Amz-Executed-Version: $LATEST")
                s.crlf()
            }
        }
        s.crlf()
    }

    func writeQueryOrRESTBody<S: MessageSink>(_ s: inout S) {
        if call.operation == .lambdaInvoke {
            if let error {
                s.utf8(#"{"Message":""#)
                s.utf8(error.message)
                s.utf8(#""}"#)
            } else if let functionError {
                writeFunctionError(functionError, &s)
            } else if !call.asynchronous {
                AWSJSONBodies.result(call, key: key, into: &s)
            }
            return
        }
        let service = call.operation.service
        if let error {
            s.utf8("<ErrorResponse xmlns=\"https://\(service).amazonaws.com/doc/\(call.operation.apiVersion)/\">\n")
            s.utf8("  <Error>\n    <Type>Sender</Type>\n    <Code>")
            s.utf8(error.name)
            s.utf8("</Code>\n    <Message>")
            AWSJSONBodies.xmlEscaped(error.message, into: &s)
            s.utf8("</Message>\n  </Error>\n  <RequestId>")
            UUIDText.write(requestID, &s)
            s.utf8("</RequestId>\n</ErrorResponse>\n")
            return
        }
        let name = call.operation.name
        s.utf8("<\(name)Response xmlns=\"https://\(service).amazonaws.com/doc/\(call.operation.apiVersion)/\">\n")
        s.utf8("  <\(name)Result>\n")
        if call.operation == .snsPublish {
            s.utf8("    <MessageId>")
            UUIDText.write(requestID ^ 0x534E53, &s)
            s.utf8("</MessageId>\n")
        } else {
            writeAssumeRoleResult(&s)
        }
        s.utf8("  </\(name)Result>\n  <ResponseMetadata>\n    <RequestId>")
        UUIDText.write(requestID, &s)
        s.utf8("</RequestId>\n  </ResponseMetadata>\n</\(name)Response>\n")
    }

    /// The payload of an Invoke whose function failed, 200 with `X-Amz-Function-Error: Unhandled`
    /// (API_Invoke.html "FunctionError"). A timeout as Lambda reports it:
    /// `{"errorMessage":"<time> <request id> Task timed out after 3.00 seconds"}`
    /// (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html); an error the
    /// Python handler raised as the runtime serializes it (errorMessage, errorType; ASSUMED
    /// botocore's ClientError text, no stack trace).
    func writeFunctionError<S: MessageSink>(_ e: InvokedFunctionError, _ s: inout S) {
        switch e {
        case .timedOut(let seconds):
            s.utf8(#"{"errorMessage":""#)
            AWSJSONBodies.iso8601(unixSeconds, milliseconds: milliseconds, into: &s)
            s.byte(UInt8(ascii: " "))
            UUIDText.write(requestID ^ 0x4C46, &s)
            s.utf8(" Task timed out after ")
            s.utf8(seconds)
            s.utf8(#" seconds"}"#)
        case .failed(let error):
            s.utf8(#"{"errorMessage": "An error occurred ("#)
            s.utf8(error)
            s.utf8(#")", "errorType": "ClientError"}"#)
        }
    }

    /// AssumeRole's result (API_AssumeRole.html "Response Elements"): the assumed-role user
    /// (`AROA` + 17 characters, the form of IAM's role unique ids,
    /// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids)
    /// and temporary credentials: an `ASIA` access key id of 20 characters, a 40-character secret
    /// key, a session token as long as the one Lambda hands a function (``AWSCredentials``), and an
    /// expiry one hour on (DurationSeconds' default, 3,600).
    func writeAssumeRoleResult<S: MessageSink>(_ s: inout S) {
        let seed = requestID ^ 0x535453
        s.utf8("    <AssumedRoleUser>\n      <AssumedRoleId>AROA")
        AWSJSONBodies.upperAlphanumerics(17, seed: FNV1a64.hash(call.resource.utf8), into: &s)
        s.byte(UInt8(ascii: ":"))
        s.utf8(call.sessionName)
        s.utf8("</AssumedRoleId>\n      <Arn>arn:aws:sts::")
        s.utf8(account)
        s.utf8(":assumed-role/")
        s.utf8(call.resource)
        s.byte(UInt8(ascii: "/"))
        s.utf8(call.sessionName)
        s.utf8("</Arn>\n    </AssumedRoleUser>\n    <Credentials>\n      <AccessKeyId>ASIA")
        AWSJSONBodies.upperAlphanumerics(16, seed: seed, into: &s)
        s.utf8("</AccessKeyId>\n      <SecretAccessKey>")
        let secret = AWSCredentials.documentedExample(tokenSeed: ~seed, tokenLength: 56).sessionToken
        s.utf8(String(secret.suffix(40)))
        s.utf8("</SecretAccessKey>\n      <SessionToken>")
        s.utf8(AWSCredentials.documentedExample(tokenSeed: seed).sessionToken)
        s.utf8("</SessionToken>\n      <Expiration>")
        AWSJSONBodies.iso8601(unixSeconds + 3_600, into: &s)
        s.utf8("</Expiration>\n    </Credentials>\n")
    }
}

extension AWSJSONBodies {
    /// A JSON document of exactly `bytes` characters (at least 15): `{"detail": "<payload>"}`, with
    /// its quotes escaped when it travels inside a JSON string (`escaped`, 4 more characters).
    static func document<S: MessageSink>(_ c: AWSJSONCall, bytes: Int, key: UInt64, escaped: Bool, into s: inout S) {
        s.utf8(escaped ? #"{\"detail\": \""# : #"{"detail": ""#)
        var inner = c
        inner.payloadBytes = max(bytes - 14, 1)
        payload(inner, key: key, into: &s)
        s.utf8(escaped ? #"\"}"# : #""}"#)
    }

    /// An Invoke's result of exactly `resultBytes` characters (at least 32) as the Python runtime
    /// serializes a handler's dict (json.dumps): `{"statusCode": 200, "body": "<letters>"}`.
    static func result<S: MessageSink>(_ c: AWSJSONCall, key: UInt64, into s: inout S) {
        s.utf8(#"{"statusCode": 200, "body": ""#)
        s.letters(max(c.resultBytes - 31, 1), seed: key ^ 0x4C414D)
        s.utf8(#""}"#)
    }

    /// application/x-www-form-urlencoded as Python's urlencode writes it (botocore's query bodies):
    /// ALPHA, DIGIT and `-_.~` as they are, space as `+`, every other byte as `%XX` (upper case).
    static func formEncoded<S: MessageSink, C: Collection>(_ text: C, into s: inout S) where C.Element == UInt8 {
        for b in text {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                s.byte(b)
            case UInt8(ascii: " "): s.byte(UInt8(ascii: "+"))
            default:
                s.byte(UInt8(ascii: "%"))
                s.byte(upperHex(b >> 4))
                s.byte(upperHex(b & 15))
            }
        }
    }

    static func upperHex(_ d: UInt8) -> UInt8 { d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "A") + d - 10 }

    static func formEncoded<S: MessageSink>(_ text: String, into s: inout S) { formEncoded(text.utf8, into: &s) }

    static func xmlEscaped<S: MessageSink>(_ text: String, into s: inout S) {
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "&"): s.utf8("&amp;")
            case UInt8(ascii: "<"): s.utf8("&lt;")
            case UInt8(ascii: ">"): s.utf8("&gt;")
            default: s.byte(b)
            }
        }
    }

    /// `n` characters of A–Z and 2–7 (the alphabet of AWS access key ids after their prefix).
    static func upperAlphanumerics<S: MessageSink>(_ n: Int, seed: UInt64, into s: inout S) {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
        for i in 0..<n {
            s.byte(alphabet[Int(SplitMix64.value(seed: seed, index: UInt64(i)) & 31)])
        }
    }

    /// `2026-11-23T11:00:00Z` (ISO 8601 extended, UTC: the query protocol's timestamps), or with
    /// `milliseconds` `2026-11-23T11:00:00.123Z`.
    static func iso8601<S: MessageSink>(_ t: Int64, milliseconds: Int64? = nil, into s: inout S) {
        let d = UTCDateTime(unixSeconds: t)
        s.decimal(d.year, width: 4)
        s.byte(UInt8(ascii: "-"))
        s.decimal(d.month, width: 2)
        s.byte(UInt8(ascii: "-"))
        s.decimal(d.day, width: 2)
        s.byte(UInt8(ascii: "T"))
        HTTPDates.clock(d, &s)
        if let milliseconds {
            s.byte(UInt8(ascii: "."))
            s.decimal(milliseconds, width: 3)
        }
        s.byte(UInt8(ascii: "Z"))
    }

    /// Epoch seconds with milliseconds as a double in Java's scientific notation, the form AWS's
    /// JSON services write timestamps in: 1764468000123 ms → `1.764468000123E9`, 1764468000000 →
    /// `1.764468E9` (trailing zeros dropped, at least one fraction digit). For times after 1970.
    static func epochDouble<S: MessageSink>(milliseconds: Int64, into s: inout S) {
        var digits: [UInt8] = []
        var v = max(milliseconds, 1)
        while v > 0 {
            digits.append(UInt8(ascii: "0") + UInt8(v % 10))
            v /= 10
        }
        digits.reverse()
        var fraction = digits.dropFirst()
        while fraction.count > 1 && fraction.last == UInt8(ascii: "0") { fraction = fraction.dropLast() }
        if fraction.isEmpty { fraction = [UInt8(ascii: "0")][...] }
        s.byte(digits[0])
        s.byte(UInt8(ascii: "."))
        s.bytes(fraction)
        s.byte(UInt8(ascii: "E"))
        s.decimal(digits.count - 4)
    }
}
