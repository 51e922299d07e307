// Lambda's recursive loop detection for Invoke calls between the topology's functions.

import SimCore
import Messages

/// One invocation in a chain of Invoke calls: its function and the invocation that invoked it
/// (an index into `World.lineage`, -1 for the chain's first).
struct LineageNode: Sendable {
    var function: Int32
    var parent: Int32
}

extension World {
    /// "Lambda now detects functions that appear to be running in a recursive loop and drops
    /// requests after exceeding 16 invocations", for SQS, SNS "or when invoking functions
    /// directly using the Lambda invoke API"
    /// (https://aws.amazon.com/blogs/compute/detecting-and-stopping-recursive-loops-in-aws-lambda-functions/;
    /// https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html). Lambda counts the
    /// times one triggering event has invoked each function (the X-Ray trace header's Lineage);
    /// here a chain of Invoke calls started by one invocation is that event.
    static let recursionLimit = 16

    /// The lineage node an Invoke of function `t` by the invocation running in `env` starts, or
    /// nil when that would be `t`'s 17th invocation in the chain: Lambda stops it (counted in
    /// `recursionStopped`). Only Invoke calls build chains (SNS and SQS do not trigger
    /// functions here; Step Functions is not among the services Lambda tracks).
    mutating func invokeLineage(of t: Int, callerEnvironment env: Int32) -> Int32? {
        var parent: Int32 = -1
        if env >= 0, Int(env) < environments.count, case let k = environments[Int(env)].invocation, k >= 0 {
            if invocations[Int(k)].lineage < 0 {
                lineage.append(LineageNode(function: invocations[Int(k)].function, parent: -1))
                invocations[Int(k)].lineage = Int32(lineage.count - 1)
            }
            parent = invocations[Int(k)].lineage
        }
        var count = 1
        var n = parent
        while n >= 0 {
            if lineage[Int(n)].function == Int32(t) { count += 1 }
            n = lineage[Int(n)].parent
        }
        guard count <= Self.recursionLimit else {
            metrics.functions[t].recursionStopped += 1
            return nil
        }
        lineage.append(LineageNode(function: Int32(t), parent: parent))
        return Int32(lineage.count - 1)
    }

    /// A synchronous Invoke Lambda stopped: `RecursiveInvocationException`, HTTP 400, with the
    /// exception's description from the API reference as its message
    /// (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html, "Errors").
    static var recursiveInvocation: DynamoDBError {
        DynamoDBError(
            name: AWSJSONResponse.recursiveInvocationException,
            message: "Lambda has detected your function being invoked in a recursive loop with other AWS resources "
                + "and stopped your function's invocation.")
    }
}
