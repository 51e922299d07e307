import Workloads
import Messages

/// Handler steps that call an AWS service's API other than DynamoDB: SQS, Secrets Manager, KMS,
/// SNS, STS, Lambda and Step Functions.
extension Builder {
    /// The step keys naming a service (each the service's IAM prefix and catalog key).
    static let callServices = ["sqs", "secretsmanager", "kms", "sns", "sts", "lambda", "states"]

    /// Each service's resource key, size key ("" when the call sends no sized payload), largest
    /// and default size. An SQS message body is at most 1 MiB since August 2025, 256 KiB before
    /// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html);
    /// a secret's value at most 65,536 bytes
    /// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html); KMS
    /// encrypts at most 4,096 bytes (https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html);
    /// an SNS message at most 256 KB (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html);
    /// a synchronous Invoke's payload at most 6 MB each way
    /// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); an execution's
    /// input at most 256 KiB (https://docs.aws.amazon.com/step-functions/latest/dg/limits-overview.html).
    static let callKeys: [String: (resource: String, size: String, limit: Int, defaultSize: Int)] = [
        "sqs": ("queue", "message-bytes", 1_048_576, 256),
        "secretsmanager": ("secret", "secret-bytes", 65_536, 256),
        "kms": ("key", "plaintext-bytes", 4_096, 32),
        "sns": ("topic", "message-bytes", 262_144, 256),
        "sts": ("role", "", 0, 0),
        "lambda": ("function", "payload-bytes", 6_291_456, 64),
        "states": ("state-machine", "input-bytes", 262_144, 64),
    ]

    /// Keys only one service's steps take.
    static let callOptions: [String: [String]] = [
        "sts": ["session-name"], "lambda": ["result-bytes", "invocation-type"],
    ]

    /// `{sqs: SendMessage, queue: orders, message-bytes: 512}`, `{sqs: ReceiveMessage, queue: orders}`,
    /// `{secretsmanager: GetSecretValue, secret: prod/orders-db, secret-bytes: 180, cold-start-only: true}`,
    /// `{kms: Decrypt, key: 1234abcd-12ab-34cd-56ef-1234567890ab, plaintext-bytes: 32}`,
    /// `{sns: Publish, topic: order-events, message-bytes: 300}`,
    /// `{sts: AssumeRole, role: orders-reader, session-name: orders}` (the session name defaults to
    /// the calling function's name), `{lambda: Invoke, function: orders-enricher, payload-bytes: 200,
    /// result-bytes: 120, invocation-type: RequestResponse | Event}`,
    /// `{states: StartExecution, state-machine: orders-workflow, input-bytes: 300}`.
    mutating func jsonStep(_ m: YMap, service: String, _ op: YNode, function: String) throws -> Step {
        let name = try op.string()
        guard let o = AWSJSONOperation(service: service, name: name) else {
            let names = AWSJSONOperation.allCases.filter { $0.service == service }.map(\.name).joined(separator: ", ")
            throw op.fail("'\(name)' is not a modelled \(service) operation (\(names))")
        }
        let mine = Self.callKeys[service]!
        var others = [
            "table", "item-bytes", "items", "consistent-read", "database", "region", "endpoint", "endpoint-zone",
        ]
        for (k, v) in Self.callKeys.sorted(by: { $0.key < $1.key }) where k != service {
            others.append(v.resource)
            if !v.size.isEmpty && v.size != mine.size { others.append(v.size) }
            others += Self.callOptions[k] ?? []
        }
        for other in others where other != mine.resource {
            if let x = m[other] { throw x.fail("'\(other)' does not apply to a \(service) step") }
        }
        let resource = try (try m.required(mine.resource)).string()
        var payload = mine.defaultSize
        let asynchronous: Bool
        switch try m["invocation-type"]?.string() {
        case nil, "RequestResponse": asynchronous = false
        case "Event": asynchronous = true
        case let other?:
            throw m["invocation-type"]!.fail("'\(other)' is not a modelled invocation type (RequestResponse, Event)")
        }
        // Lambda and Step Functions bodies are JSON documents: 16 bytes at the least.
        let smallest = service == "lambda" || service == "states" ? 16 : 1
        if !mine.size.isEmpty, let b = m[mine.size] {
            // An asynchronous invocation's payload: at most 1 MB (gettingstarted-limits.html).
            let limit = asynchronous ? 1_048_576 : mine.limit
            payload = try b.size()
            guard (smallest...limit).contains(payload) else {
                throw b.fail("\(payload) bytes is outside \(smallest)…\(limit)")
            }
        }
        var result = 64
        if let r = m["result-bytes"] {
            guard !asynchronous else { throw r.fail("an Event invocation returns no payload ('result-bytes')") }
            result = try r.size()
            guard (32...6_291_456).contains(result) else { throw r.fail("\(result) bytes is outside 32…6291456") }
        }
        // RoleSessionName: 2–64 characters of [\w+=,.@-] (API_AssumeRole.html).
        let session = try m["session-name"]?.string() ?? (function.isEmpty ? "vpcsim" : function)
        if let s = m["session-name"] {
            let allowed = session.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_+=,.@-".unicodeScalars.contains($0))
            }
            guard (2...64).contains(session.count), allowed else {
                throw s.fail("'\(session)' is not a role session name (2–64 of letters, digits and _+=,.@-)")
            }
        }
        let once = try m["cold-start-only"]?.bool() ?? false
        guard catalog.service(endpointServiceName: "com.amazonaws.\(catalog.name).\(service)") != nil else {
            throw op.fail("\(catalog.name)'s catalog has no \(service) endpoint")
        }
        if !jsonServicesCalled.contains(service) { jsonServicesCalled.append(service) }
        return .call(
            AWSJSONCall(
                operation: o, resource: resource, payloadBytes: payload, coldStartOnly: once, resultBytes: result,
                asynchronous: asynchronous, sessionName: service == "sts" ? String(session.prefix(64)) : ""))
    }
}
