import Testing
import SimCore
@testable import Messages

/// Every AWS call's request and answer (JSON, query and REST-JSON protocols, errors included) is
/// exactly as long as its counted size, and the protocol-specific pieces are written as botocore
/// and the services write them.
@Suite struct AWSCallMessageTests {
    static func request(_ call: AWSJSONCall, token: Bool = true) -> AWSJSONRequest {
        var c = AWSCredentials.documentedExample(tokenSeed: 7)
        if !token { c.sessionToken = "" }
        return AWSJSONRequest(
            call: call, host: "\(call.operation.service).us-east-1.amazonaws.com", region: "us-east-1",
            account: "123456789012", credentials: c, userAgent: "Boto3/1.44.5", unixSeconds: 1_795_428_001,
            trace: XRayTraceHeader(unixSeconds: 1_795_428_000, seed: 3), invocationID: 9, attempt: 1, key: 42)
    }

    static var calls: [AWSJSONCall] {
        var out: [AWSJSONCall] = []
        for op in AWSJSONOperation.allCases {
            for size in [16, 19, 300, 5_000] {
                out.append(AWSJSONCall(operation: op, resource: "orders", payloadBytes: size, sessionName: "fn"))
            }
        }
        out.append(AWSJSONCall(operation: .lambdaInvoke, resource: "f", payloadBytes: 40, asynchronous: true))
        out.append(AWSJSONCall(operation: .lambdaInvoke, resource: "f", payloadBytes: 40, resultBytes: 4_000))
        return out
    }

    @Test(arguments: calls) func requestsAndAnswersAreAsLongAsTheirSizesSay(_ call: AWSJSONCall) {
        for token in [true, false] {
            let r = Self.request(call, token: token)
            let bytes = r.encode()
            #expect(bytes.count == r.sizes.total, "\(call)")
            let head = String(decoding: bytes.prefix(r.sizes.headers), as: UTF8.self)
            #expect(head.hasSuffix("\r\n\r\n") && head.contains("Content-Length: \(r.sizes.body)\r\n"))
            #expect(head.contains("X-Amz-Security-Token: ") == token)
        }
        for error in [nil, DynamoDBError(name: call.operation.accessDeniedCode, message: "User: a is not <ok> & b")] {
            var a = AWSJSONResponse(
                call: call, region: "us-east-1", account: "123456789012", unixSeconds: 1_795_428_001, requestID: 5,
                key: 42, error: error)
            a.milliseconds = 120
            if call.operation == .lambdaInvoke && !call.asynchronous && error == nil {
                var failed = a
                failed.functionError = .timedOut(seconds: "3.00")
                #expect(failed.encode().count == failed.sizes.total)
                failed.functionError = .failed(error: "AccessDeniedException")
                #expect(failed.encode().count == failed.sizes.total)
            }
            let bytes = a.encode()
            #expect(bytes.count == a.sizes.total, "\(call) \(String(describing: error))")
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains("Content-Length: \(a.sizes.body)\r\n"))
            if error != nil && call.operation.wireProtocol == .query {
                #expect(text.contains("HTTP/1.1 403 Forbidden") && text.contains("is not &lt;ok&gt; &amp; b"))
            }
        }
    }

    @Test func requestLinesAndBodiesFollowEachProtocol() {
        let publish = Self.request(AWSJSONCall(operation: .snsPublish, resource: "order-events", payloadBytes: 20))
        var body = ByteSink()
        publish.writeBody(&body)
        let form = String(decoding: body.bytes, as: UTF8.self)
        // The 20-byte message `order#000000000042:x`: '#' and ':' percent-encoded.
        #expect(
            form.hasPrefix(
                "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Aorder-events"
                    + "&Message=order%23000000000042%3A") && form.count == 133, "\(form)")
        let invoke = Self.request(AWSJSONCall(operation: .lambdaInvoke, resource: "enricher", payloadBytes: 30))
        let head = String(decoding: invoke.encode().prefix(invoke.sizes.headers), as: UTF8.self)
        #expect(head.hasPrefix("POST /2015-03-31/functions/enricher/invocations HTTP/1.1\r\n"))
        #expect(head.contains("SignedHeaders=host;x-amz-date;x-amz-invocation-type;x-amz-security-token, "))
        #expect(!head.contains("Content-Type") && invoke.sizes.body == 30)
        let start = Self.request(AWSJSONCall(operation: .statesStartExecution, resource: "m", payloadBytes: 20))
        var s = ByteSink()
        start.writeBody(&s)
        let json = String(decoding: s.bytes, as: UTF8.self)
        // The 20-byte input document `{"detail": "xxxxxx"}` inside a JSON string (4 quotes escaped).
        let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
        #expect(
            json.hasPrefix(#"{"stateMachineArn": ""# + arn + #"", "input": "{\"detail\": \""#)
                && json.hasSuffix(#"\"}"}"#) && json.count == 112, "\(json)")
    }

    @Test func timestampsAsAWSJSONWritesThem() {
        func text(_ ms: Int64) -> String {
            var s = ByteSink()
            AWSJSONBodies.epochDouble(milliseconds: ms, into: &s)
            return String(decoding: s.bytes, as: UTF8.self)
        }
        #expect(text(1_764_468_000_123) == "1.764468000123E9")
        #expect(text(1_764_468_000_000) == "1.764468E9")
        #expect(text(1_000_000_000_000) == "1.0E9")
        #expect(text(1_764_468_000_100) == "1.7644680001E9")
        var s = ByteSink()
        AWSJSONBodies.iso8601(1_795_428_001, into: &s)
        #expect(String(decoding: s.bytes, as: UTF8.self) == "2026-11-23T10:00:01Z")
    }
}
