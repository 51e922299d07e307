import SimCore
import NetModel
import Messages

extension World {
    /// The front end a DynamoDB call connects to: the one named by the client's endpoint_url (an
    /// interface endpoint's vpce-… name, or its zonal name: that zone's ENI), else the Region's
    /// endpoint (the caller's, or the call's for a cross-Region call).
    func dynamoDBService(_ c: DynamoDBCall) -> Int {
        let region = c.region.isEmpty ? network.region : c.region
        let i = services.firstIndex {
            c.endpointHost.isEmpty
                ? $0.name == "dynamodb" && $0.region == region
                : $0.hostname == c.endpointHost || $0.zonalHostname == c.endpointHost
        }
        return i ?? 0
    }

    /// The service whose addresses the resolver of `vpc` answers `name` with: an interface
    /// endpoint's private DNS in that VPC first, then any service's own name (vpce-… names
    /// resolve anywhere)
    /// (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html).
    func service(answering name: String, in vpc: VPCIndex) -> ServiceEndpoint? {
        services.first { $0.vpc == vpc && $0.privateDNSName == name }
            ?? services.first { $0.hostname == name || $0.dualStackHostname == name }
    }

    /// The name function `f`'s SDK calls for service `i`: its dual-stack name when the function
    /// has `use-dualstack-endpoint` and the service has one (an endpoint-specific vpce-… front
    /// end has none), else its Regional name. An interface endpoint's private DNS answers the
    /// Regional name only (assumed: with it, the dual-stack name goes to the public front end).
    func serviceName(_ i: Int, function f: Int) -> String {
        functions[f].useDualStackEndpoint ? services[i].dualStackHostname ?? services[i].hostname : services[i].hostname
    }

    /// The step's call with this invocation's item size drawn: from a stream of its own per
    /// run seed, function, invocation and step, so a retry sends the same item and drawing
    /// moves no other random value.
    func itemDrawn(_ call: DynamoDBCall, env: Int) -> DynamoDBCall {
        if case .constant = call.itemSize { return call }
        let f = Int(environments[env].function)
        let inv = invocations[Int(environments[env].invocation)]
        var random = RandomStream(
            seed: SplitMix64.mix(
                seeds.seed ^ SplitMix64.mix(FNV1a64.hash(functions[f].name.utf8) ^ inv.number)
                    &+ UInt64(environments[env].pc)))
        return call.drawn(&random)
    }

    /// The request botocore builds for `call` now: the function's credentials, the invocation's
    /// trace header and order number, the attempt.
    func dynamoDBRequest(_ env: Int, _ call: DynamoDBCall, target: Target, _ now: SimTime) -> DynamoDBRequest {
        let f = Int(environments[env].function)
        let fn = functions[f]
        let inv = invocations[Int(environments[env].invocation)]
        let seconds = (epochNanoseconds + now.nanoseconds) / 1_000_000_000
        let identity = SplitMix64.mix(FNV1a64.hash(fn.name.utf8) ^ inv.number)
        return DynamoDBRequest(
            call: call, host: hostname(target, function: f), region: call.region.isEmpty ? fn.region : call.region,
            credentials: fn.credentials, userAgent: fn.runtime.http.userAgent, unixSeconds: seconds,
            trace: XRayTraceHeader(
                unixSeconds: (epochNanoseconds + inv.start.nanoseconds) / 1_000_000_000, seed: identity),
            invocationID: SplitMix64.mix(identity &+ UInt64(environments[env].pc)),
            attempt: environments[env].attempt, key: inv.number, dialect: fn.runtime.http.dialect,
            sdkUserAgent: fn.runtime.http.sdkUserAgent)
    }
}
