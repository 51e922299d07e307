import SimCore
import NetModel
import Messages

// SQS, Secrets Manager, KMS and Step Functions calls (AWS JSON 1.0 / 1.1 protocols), SNS and STS
// (query), Lambda (REST-JSON): messages built in Messages
// (AWSJSONRequest, AWSJSONResponse), the names below keep Workloads' vocabulary.

public typealias AWSJSONOperation = Messages.AWSJSONOperation
public typealias AWSJSONCall = Messages.AWSJSONCall
public typealias InvokedFunctionError = Messages.InvokedFunctionError

extension AWSJSONOperation {
    /// Server-side latency median. SQS: "typical latencies for SendMessage, ReceiveMessage, and
    /// DeleteMessage API requests are in the tens or low hundreds of milliseconds"
    /// (https://aws.amazon.com/sqs/faqs/); ASSUMED 12 ms and 10 ms at the median. Secrets
    /// Manager and KMS publish no figure: ASSUMED 15 ms and 8 ms. Nor do SNS, STS, Lambda and Step
    /// Functions: ASSUMED 20 ms for Publish, 30 ms for AssumeRole (it mints credentials), 25 ms for
    /// StartExecution (it returns once the execution is recorded, before any state runs), and for
    /// an Invoke of a function outside the topology 15 ms when asynchronous (queued) and 30 ms
    /// otherwise (a warm function with a short handler).
    func serverMedian(asynchronous: Bool) -> SimDuration {
        switch self {
        case .sqsSendMessage: return .milliseconds(12)
        case .sqsReceiveMessage: return .milliseconds(10)
        case .secretsManagerGetSecretValue: return .milliseconds(15)
        case .kmsDecrypt: return .milliseconds(8)
        case .snsPublish: return .milliseconds(20)
        case .stsAssumeRole: return .milliseconds(30)
        case .statesStartExecution: return .milliseconds(25)
        case .lambdaInvoke: return asynchronous ? .milliseconds(15) : .milliseconds(30)
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
        response.milliseconds = (epochNanoseconds + now.nanoseconds) / 1_000_000 % 1_000
        if let i = svc.interfaceEndpoint {
            let resource = call.resourceARN(region: svc.region, account: functions[f].accountID)
            let decision = network.interfaceEndpoints[i.int].policy.evaluate(
                principal: functions[f].principal, action: call.operation.action, resource: resource)
            if !decision.isAllowed {
                var explicit = false
                if case .explicitlyDenied = decision { explicit = true }
                response.error = DynamoDBError(
                    name: call.operation.accessDeniedCode,
                    message: DynamoDBWire.endpointPolicyDenial(
                        principal: functions[f].principal, action: call.operation.action, resource: resource,
                        explicit: explicit))
            }
        }
        return response
    }
}

// The AWS-side hop of Invoke and StartExecution naming a function or state machine of the
// topology: the service runs it, service to service, so no packet of that hop crosses the
// caller's VPC (only the caller's own call does); the invoked function's own calls leave from its
// own network (its Hyperplane ENIs, or Lambda's network outside any VPC)
// (https://docs.aws.amazon.com/lambda/latest/dg/foundation-networking.html).
extension World {
    /// The function (Invoke) or state machine (StartExecution) of the topology `call` names, or nil.
    func callTarget(_ call: AWSJSONCall) -> Int? {
        switch call.operation {
        case .lambdaInvoke: return functions.firstIndex { $0.name == call.resource }
        case .statesStartExecution: return stateMachines.firstIndex { $0.name == call.resource }
        default: return nil
        }
    }

    /// A call the front end accepted: an asynchronous Invoke of a topology function invokes it
    /// (ASSUMED: at once; Lambda's internal queue delay is not modelled), a StartExecution of a
    /// topology state machine starts an execution.
    /// An asynchronous Invoke that closes a recursive loop is accepted (202) but its event is
    /// dropped when Lambda would run it (RecursionGuard).
    mutating func callAccepted(_ call: AWSJSONCall, environment env: Int32, _ now: SimTime, _ s: inout Scheduler) {
        guard !workloadEnded, let t = callTarget(call) else { return }
        if call.operation == .statesStartExecution {
            startExecution(machine: t, now, &s)
        } else if call.asynchronous {
            guard let lineage = invokeLineage(of: t, callerEnvironment: env) else { return }
            invoke(function: t, caller: .arrival, lineage: lineage, now, &s)
        }
    }

    /// A synchronous Invoke of a topology function the endpoint policy (if any) allows: the
    /// function runs, and the front end answers on connection `c` once it finishes
    /// (``invokedFunctionFinished``) instead of after a drawn service time. Returns false when
    /// the call is not one.
    mutating func invokesSynchronously(
        _ call: AWSJSONCall, request req: Request, service svc: ServiceEndpoint, connection c: UInt32, _ now: SimTime,
        _ s: inout Scheduler
    ) -> Bool {
        guard call.operation == .lambdaInvoke, !call.asynchronous, !workloadEnded, let t = callTarget(call),
            jsonResponse(call, function: Int(req.function), service: svc, connection: c, key: req.key, now).error
                == nil
        else { return false }
        // A loop Lambda stops: answered after the service time, with RecursiveInvocationException.
        guard let lineage = invokeLineage(of: t, callerEnvironment: req.environment) else {
            requestsStoppedAsRecursive.insert(c)
            return false
        }
        invoke(function: t, caller: .synchronous(c), lineage: lineage, now, &s)
        return true
    }

    /// The function a synchronous Invoke ran has finished: the front end answers after ASSUMED 1 ms
    /// (AWS publishes no figure), with the function's error if it failed (still 200: boto3 returns
    /// it as `FunctionError`, the handler's step does not fail).
    mutating func invokedFunctionFinished(connection c: UInt32, _ failure: InvokedFunctionError?, _ s: inout Scheduler)
    {
        if let failure, case .request(let r)? = channels.read(c, { $0.pending }) {
            requests[Int(r)].functionError = failure
        }
        s.schedule(after: .milliseconds(1), .serverWork(c, .respond))
    }
}
