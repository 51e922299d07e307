import Foundation
import Testing
import SimCore
@testable import Messages

/// Each SDK's DynamoDB request: its own header layout and body style, the same call inside.
@Suite struct SDKHTTPDialectTests {
    static func request(_ op: DynamoDBOperation, _ dialect: SDKHTTPDialect, item: Int = 180, consistent: Bool = true)
        -> DynamoDBRequest
    {
        DynamoDBRequest(
            call: DynamoDBCall(operation: op, table: "Orders", itemBytes: item, consistentRead: consistent),
            host: "dynamodb.us-east-1.amazonaws.com", region: "us-east-1",
            credentials: .documentedExample(tokenSeed: 7), userAgent: "agent/1", unixSeconds: 1_795_428_001,
            trace: XRayTraceHeader(unixSeconds: 1_795_428_000, seed: 3), invocationID: 9, attempt: 1, key: 42,
            dialect: dialect, sdkUserAgent: dialect == .awsSDKJSv3 ? "aws-sdk-js/3" : "")
    }

    /// The JSON value of a body (key order and spacing aside).
    static func json(_ bytes: ArraySlice<UInt8>) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
    }

    @Test func sameCallEveryLayout() throws {
        for op in DynamoDBOperation.allCases {
            let reference = Self.request(op, .botocore)
            let referenceBody = try Self.json(reference.encode().dropFirst(reference.sizes.headers))
            var heads: Set<String> = []
            for dialect in SDKHTTPDialect.allCases {
                let r = Self.request(op, dialect)
                let bytes = r.encode()
                #expect(bytes.count == r.sizes.total, "\(dialect) \(op)")
                let head = String(decoding: bytes.prefix(r.sizes.headers), as: UTF8.self)
                heads.insert(head)
                let lines = head.split(separator: "\r\n").map(String.init)
                #expect(lines.first == "POST / HTTP/1.1")
                let names = lines.dropFirst().map { $0.prefix { $0 != ":" }.lowercased() }
                #expect(Set(names).count == names.count, "\(dialect): a header twice")
                #expect(names.contains("content-length") && names.contains("authorization") && names.contains("host"))
                #expect(head.lowercased().contains("content-length: \(r.sizes.body)\r\n"))
                // Every signed header is sent, and the list is sorted.
                let signed = try #require(head.split(separator: "SignedHeaders=").last?.prefix { $0 != "," })
                let list = signed.split(separator: ";").map(String.init)
                #expect(list == list.sorted() && list.allSatisfy(names.contains), "\(dialect): \(list)")
                // Same call inside: the body is the same JSON value.
                let body = bytes.dropFirst(r.sizes.headers)
                #expect(try Self.json(body) == referenceBody, "\(dialect) \(op)")
                if dialect != .botocore {
                    #expect(!body.contains(UInt8(ascii: " ")) || op == .updateItem || op == .query)
                }
            }
            #expect(heads.count == SDKHTTPDialect.allCases.count)
        }
        // Member order: alphabetical for JS and Go, the model's for Java.
        func body(_ d: SDKHTTPDialect) -> String {
            let r = Self.request(.getItem, d)
            return String(decoding: r.encode().dropFirst(r.sizes.headers), as: UTF8.self)
        }
        #expect(
            body(.awsSDKJSv3)
                == #"{"ConsistentRead":true,"Key":{"pk":{"S":"order#000000000042"}},"TableName":"Orders"}"#)
        #expect(
            body(.awsSDKJavaV2)
                == #"{"TableName":"Orders","Key":{"pk":{"S":"order#000000000042"}},"ConsistentRead":true}"#)
    }

    /// The aws-sdk-js v3 request as Wireshark shows it: lowercase names in middleware order,
    /// both user agents, `attempt=1; max=3`, Node's Connection header last.
    @Test func nodeLayout() {
        let r = Self.request(.putItem, .awsSDKJSv3)
        let head = String(decoding: r.encode().prefix(r.sizes.headers), as: UTF8.self)
        let names = head.split(separator: "\r\n").dropFirst().map { String($0.prefix { $0 != ":" }) }
        #expect(
            names == [
                "content-type", "x-amz-target", "content-length", "host", "x-amz-user-agent", "user-agent",
                "X-Amzn-Trace-Id", "amz-sdk-invocation-id", "amz-sdk-request", "x-amz-date", "x-amz-security-token",
                "authorization", "Connection",
            ])
        #expect(head.contains("amz-sdk-request: attempt=1; max=3\r\n"))
        #expect(
            head.contains(
                "SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;"
                    + "x-amz-security-token;x-amz-target;x-amz-user-agent,"))
    }
}
