import Testing
import Foundation
import SimCore
import TestSupport
import Topology
@testable import Experiments

/// Lambda's recursive loop detection: a chain of Invoke calls runs a function at most 16 times;
/// the 17th Invoke is stopped — a synchronous one answered 400 RecursiveInvocationException, an
/// asynchronous one accepted (202) and its event dropped
/// (https://aws.amazon.com/blogs/compute/detecting-and-stopping-recursive-loops-in-aws-lambda-functions/).
@Suite(.serialized) struct RecursionGuardTests {
    static func topology(_ edit: (String) -> String, _ name: String) throws -> String {
        let original = try SNSSTSStatesEndpointTests.yaml()
        let edited = edit(original)
        #expect(edited != original)
        let path = temporaryDirectory("recursion-\(name)") + "/t.yaml"
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func function(_ s: RunSummary, _ name: String) throws -> RunSummary.Function {
        try #require(s.functions.first { $0.name == name })
    }

    /// order-enricher (outside any VPC) invokes itself asynchronously: every order-intake call
    /// starts a chain that stops at 16 runs of order-enricher, none unbounded.
    @Test func asynchronousSelfInvokeStopsAtSixteen() throws {
        let path = try Self.topology(
            {
                $0.replacingOccurrences(
                    of: "    memory: 256\n    handler:\n      - compute: 6ms\n",
                    with: "    memory: 256\n    timeout: 900s\n    handler:\n      - compute: 6ms\n"
                        + "      - lambda: Invoke\n        function: order-enricher\n        payload-bytes: 240\n"
                        + "        invocation-type: Event\n")
            }, "async")
        let (summary, _) = try DecryptableTests.run(path, tls: .sizeOnly, duration: .seconds(10))
        let intake = try Self.function(summary, "order-intake")
        let enricher = try Self.function(summary, "order-enricher")
        let stopped = try #require(enricher.recursionStopped, "no loop was stopped")
        #expect(stopped >= 5 && stopped <= intake.invocations, "\(stopped) of \(intake.invocations) chains")
        #expect(enricher.invocations >= 16 * stopped, "\(enricher.invocations)")
        #expect(enricher.invocations <= 16 * intake.invocations, "\(enricher.invocations)")
        #expect(enricher.failed == 0)
    }

    /// order-intake (in the VPC, captured) invokes itself synchronously: the 17th Invoke of a
    /// chain gets HTTP 400 with `x-amzn-ErrorType: RecursiveInvocationException`, which botocore
    /// parses as that error; the invocation that made it fails, and its callers get the 200 with
    /// X-Amz-Function-Error that a failed function's Invoke answers with.
    @Test func synchronousSelfInvokeIsAnsweredWithRecursiveInvocationException() throws {
        let path = try Self.topology(
            {
                $0.replacingOccurrences(of: "    timeout: 3s\n", with: "    timeout: 900s\n")
                    .replacingOccurrences(of: "      rate: 2/s\n", with: "      rate: 0.2/s\n")
                    .replacingOccurrences(
                        of: "      - lambda: Invoke\n        function: order-enricher\n",
                        with: "      - lambda: Invoke\n        function: order-intake\n")
            }, "sync")
        // A chain of 16 cold starts takes ~10 s; the workload window must hold one.
        let (summary, dir) = try DecryptableTests.run(path, duration: .seconds(20))
        let intake = try Self.function(summary, "order-intake")
        let stopped = try #require(intake.recursionStopped, "no loop was stopped")
        #expect(stopped >= 1)
        #expect(intake.errors["RecursiveInvocationException"] == stopped, "\(intake.errors)")
        let invoke = try SNSSTSStatesEndpointTests.call(summary, "order-intake/Invoke")
        #expect(invoke.errors == stopped, "\(invoke)")
        let answers = try SNSSTSStatesEndpointTests.parsedAnswers(dir).filter { $0["operation"] as? String == "Invoke" }
        let refused = answers.filter { $0["status"] as? Int == 400 }
        #expect(refused.count == Int(stopped), "\(refused.count) answers of 400")
        for a in refused {
            let error = (a["parsed"] as? [String: Any])?["Error"] as? [String: Any]
            #expect(error?["Code"] as? String == "RecursiveInvocationException", "\(a)")
        }
        #expect(answers.contains { $0["status"] as? Int == 200 }, "the chain's other Invokes answer 200")
    }
}
