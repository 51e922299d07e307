import SimCore
import NetModel
import Messages

// SQS, Secrets Manager and KMS calls (AWS JSON 1.0 / 1.1 protocols): messages built in Messages
// (AWSJSONRequest, AWSJSONResponse), the names below keep Workloads' vocabulary.

public typealias AWSJSONOperation = Messages.AWSJSONOperation
public typealias AWSJSONCall = Messages.AWSJSONCall

extension AWSJSONOperation {
    /// Server-side latency median. SQS: "typical latencies for SendMessage, ReceiveMessage, and
    /// DeleteMessage API requests are in the tens or low hundreds of milliseconds"
    /// (https://aws.amazon.com/sqs/faqs/); ASSUMED 12 ms and 10 ms at the median. Secrets
    /// Manager and KMS publish no figure: ASSUMED 15 ms and 8 ms.
    var serverMedian: SimDuration {
        switch self {
        case .sqsSendMessage: return .milliseconds(12)
        case .sqsReceiveMessage: return .milliseconds(10)
        case .secretsManagerGetSecretValue: return .milliseconds(15)
        case .kmsDecrypt: return .milliseconds(8)
        }
    }
}

extension World {
    /// The front end a JSON-protocol call names: the service's Regional front end (its public
    /// addresses). The client resolves its Regional name; with an interface endpoint's private
    /// DNS on, the VPC's resolver answers that name with the endpoint's ENI addresses
    /// (``service(answering:in:)``), so the connection goes to the endpoint.
    func jsonService(_ c: AWSJSONCall) -> Int {
        let key = c.operation.service
        return services.firstIndex { $0.name == key && $0.interfaceEndpoint == nil && $0.region == network.region }
            ?? services.firstIndex { $0.name == key } ?? 0
    }

    func jsonRequest(_ env: Int, _ call: AWSJSONCall, target: Target, _ now: SimTime) -> AWSJSONRequest {
        let fn = functions[Int(environments[env].function)]
        let inv = invocations[Int(environments[env].invocation)]
        let identity = SplitMix64.mix(FNV1a64.hash(fn.name.utf8) ^ inv.number)
        return AWSJSONRequest(
            call: call, host: hostname(target, function: Int(environments[env].function)), region: fn.region,
            account: fn.accountID,
            credentials: fn.credentials, userAgent: DynamoDBWire.userAgent,
            unixSeconds: (epochNanoseconds + now.nanoseconds) / 1_000_000_000,
            trace: XRayTraceHeader(
                unixSeconds: (epochNanoseconds + inv.start.nanoseconds) / 1_000_000_000, seed: identity),
            invocationID: SplitMix64.mix(identity &+ UInt64(environments[env].pc)),
            attempt: environments[env].attempt, key: inv.number)
    }

    /// The answer of front end `svc` to `call`: the endpoint policy of the interface endpoint
    /// it came through, if any, is evaluated first
    /// (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
    func jsonResponse(
        _ call: AWSJSONCall, function f: Int, service svc: ServiceEndpoint, connection c: UInt32, key: UInt64,
        _ now: SimTime
    ) -> AWSJSONResponse {
        var response = AWSJSONResponse(
            call: call, region: svc.region, account: functions[f].accountID,
            unixSeconds: (epochNanoseconds + now.nanoseconds) / 1_000_000_000,
            requestID: SplitMix64.mix(UInt64(c) << 32 ^ UInt64(bitPattern: now.nanoseconds)), key: key)
        if let i = svc.interfaceEndpoint {
            let resource = call.resourceARN(region: svc.region, account: functions[f].accountID)
            let decision = network.interfaceEndpoints[i.int].policy.evaluate(
                principal: functions[f].principal, action: call.operation.action, resource: resource)
            if !decision.isAllowed {
                var explicit = false
                if case .explicitlyDenied = decision { explicit = true }
                response.error = DynamoDBError(
                    name: "AccessDeniedException",
                    message: DynamoDBWire.endpointPolicyDenial(
                        principal: functions[f].principal, action: call.operation.action, resource: resource,
                        explicit: explicit))
            }
        }
        return response
    }
}
