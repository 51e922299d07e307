import Testing
import SimCore
@testable import Messages

/// One source of sizes: the length the model uses (a counting pass of a layout) is the length of
/// the bytes a capture builds (a writing pass of the same layout), for every message kind and
/// across the inputs that change lengths.
@Suite struct MessageSizeTests {
    static let credentials = AWSCredentials.documentedExample(tokenSeed: 7)

    static func request(_ op: DynamoDBOperation, item: Int, attempt: Int = 1, token: Bool = true, items: Int = 1)
        -> DynamoDBRequest
    {
        var c = credentials
        if !token { c.sessionToken = "" }
        return DynamoDBRequest(
            call: DynamoDBCall(operation: op, table: "Orders", itemBytes: item, resultItems: items),
            host: "dynamodb.us-east-1.amazonaws.com", region: "us-east-1", credentials: c, userAgent: "Boto3/1.44.5",
            unixSeconds: 1_795_428_001, trace: XRayTraceHeader(unixSeconds: 1_795_428_000, seed: 3),
            invocationID: 9, attempt: attempt, key: 42)
    }

    @Test func dynamoDBRequestsAreAsLongAsTheirSizesSay() {
        for op in DynamoDBOperation.allCases {
            for item in [2, 54, 55, 110, 1_000, 16_500] {
                for attempt in [1, 9, 10] {
                    for token in [true, false] {
                        let r = Self.request(op, item: item, attempt: attempt, token: token)
                        let bytes = r.encode()
                        #expect(bytes.count == r.sizes.total, "\(op) item \(item) attempt \(attempt) token \(token)")
                        let head = String(decoding: bytes.prefix(r.sizes.headers), as: UTF8.self)
                        #expect(head.hasSuffix("\r\n\r\n") && head.contains("Content-Length: \(r.sizes.body)\r\n"))
                        #expect(head.contains("X-Amz-Target: DynamoDB_20120810.\(op.rawValue)\r\n"))
                        #expect(head.contains("X-Amz-Security-Token") == token)
                    }
                }
            }
        }
    }

    /// item-bytes is the size of the Item's JSON (never below the bare item); the measured boto3
    /// PutItem body for the default 110-byte item is 143 bytes, GetItem's 67.
    @Test func itemJSONHasTheConfiguredSize() {
        for item in [54, 110, 400] {
            var s = ByteSink()
            DynamoDBJSON.item(item, key: 1, compact: false, into: &s)
            #expect(s.bytes.count == item)
            var c = ByteSink()
            DynamoDBJSON.item(item, key: 1, compact: true, into: &c)
            #expect(c.bytes.count == item)
        }
        var small = ByteSink()
        DynamoDBJSON.item(2, key: 1, compact: false, into: &small)
        #expect(small.bytes.count == DynamoDBJSON.minimumItem(compact: false))
        #expect(Self.request(.putItem, item: 110).sizes.body == 143)
        #expect(Self.request(.getItem, item: 110).sizes.body == 67)
    }

    @Test func dynamoDBResponsesCarryTheCRCOfTheirBody() throws {
        for op in DynamoDBOperation.allCases {
            for item in [2, 110, 5_000] {
                for error in [nil, DynamoDBError(name: "AccessDeniedException", message: "User: x is not authorized")] {
                    let call = DynamoDBCall(operation: op, table: "Orders", itemBytes: item, resultItems: 3)
                    let r = DynamoDBResponse(
                        call: call, unixSeconds: 1_795_428_001, requestID: 5, key: 42, error: error)
                    let bytes = r.encode()
                    #expect(bytes.count == r.sizes.total)
                    let body = Array(bytes[r.sizes.headers...])
                    var crc = CRC32Sink()
                    crc.bytes(body)
                    let head = String(decoding: bytes.prefix(r.sizes.headers), as: UTF8.self)
                    #expect(head.contains("x-amz-crc32: \(crc.value())\r\n"))
                    #expect(head.hasPrefix(error == nil ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 400 Bad Request\r\n"))
                    #expect(head.contains("Date: Mon, 23 Nov 2026 10:00:01 GMT\r\n"))
                }
            }
        }
        // zlib's CRC-32 of "{}" (what botocore checks: zlib.crc32(b"{}")).
        var crc = CRC32Sink()
        crc.utf8("{}")
        #expect(crc.value() == 2_745_614_147)
    }

    @Test func syntheticHTTPMessagesAreExactlyTheirLengthAndSliceConsistently() {
        for length in [1, 40, 63, 64, 65, 100, 700, 9_999, 10_000, 40_000] {
            for isRequest in [true, false] {
                let m = SyntheticHTTPMessage(isRequest: isRequest, host: "shop.example.com", length: length, seed: 11)
                let whole = m.bytes(from: 0, count: length)
                #expect(whole.count == length)
                if let h = m.headerLength {
                    let text = String(decoding: whole.prefix(h), as: UTF8.self)
                    #expect(text.hasSuffix("Content-Length: \(length - h)\r\n\r\n"), "\(length)")
                }
                for cut in [0, 1, length / 3, length - 1] where cut < length {
                    #expect(m.bytes(from: 0, count: cut) + m.bytes(from: cut, count: length - cut) == whole)
                }
            }
        }
    }

    @Test func postgresMessagesAreAsLongAsTheirSizesSay() {
        let login = PostgresConnection(user: "app", database: "orders", password: "pw", seed: 1, databaseSeed: 2)
        let certificate = [UInt8](repeating: 7, count: 1_000)
        let kinds: [PostgresMessage.Kind] = [
            .startup, .authenticationSASL, .saslInitialResponse, .saslContinue, .saslResponse, .authenticationDone,
        ]
        for k in kinds {
            let m = PostgresMessage(k, connection: login)
            #expect(m.encode(certificate: certificate).count == m.length, "\(k)")
        }
        for bytes in [1, 68, 69, 72, 73, 96, 120, 5_000] {
            let q = PostgresMessage(.query(bytes: bytes, key: 3), connection: login)
            #expect(q.length == max(bytes, 68) && q.encode(certificate: []).count == q.length, "query \(bytes)")
        }
        for bytes in [1, 133, 134, 420, 640, 100_000] {
            let r = PostgresMessage(.result(bytes: bytes, key: 3), connection: login)
            #expect(r.length == max(bytes, 133) && r.encode(certificate: []).count == r.length, "result \(bytes)")
        }
    }
}
