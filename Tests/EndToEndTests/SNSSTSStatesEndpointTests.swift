import Testing
import Foundation
import SimCore
import Wire
import NetModel
import TestSupport
import Topology
@testable import Experiments

/// Topologies/lambda-sns-sts-states-interface-endpoints.yaml: a Lambda with no route out of its
/// VPC calls STS AssumeRole (cold start), SNS Publish, Lambda Invoke and Step Functions
/// StartExecution through interface endpoints with private DNS on; the invoked function and the
/// execution's task function run on AWS's side.
@Suite(.serialized) struct SNSSTSStatesEndpointTests {
    static let name = "lambda-sns-sts-states-interface-endpoints"
    static func yaml() throws -> String {
        try String(contentsOfFile: repositoryRoot() + "/Topologies/\(name).yaml", encoding: .utf8)
    }
    static let services = ["sts", "sns", "lambda", "states"]
    static func host(_ service: String) -> String { "\(service).us-east-1.amazonaws.com" }
    static var python: String { repositoryRoot() + "/.build/pyenv/bin/python3" }

    /// The endpoint ENIs' addresses, per service.
    static func endpointAddresses(_ n: Network) -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        for ep in n.interfaceEndpoints {
            out[ep.service, default: []].formUnion(ep.enis.map { n.enis[$0.int].privateIP.description })
        }
        return out
    }

    static func function(_ run: ScenarioRun, _ name: String) throws -> RunSummary.Function {
        try #require(run.summary.functions.first { $0.name == name })
    }

    static func call(_ summary: RunSummary, _ name: String) throws -> RunSummary.Call {
        try #require(summary.calls.first { $0.name == name }, "\(summary.calls.map(\.name))")
    }

    @Test func functionsTalkToTheEndpointsOnlyAndTheAWSSideHopsLeaveNoPackets() throws {
        let run = try ScenarioRun(Self.name, duration: .seconds(20))
        let check = try run.check()
        #expect(check.ok, "\(check.text.prefix(3000))")
        #expect(run.summary.packets.dropped == 0)
        let intake = try Self.function(run, "order-intake")
        #expect(intake.invocations > 20 && intake.succeeded == intake.invocations && intake.coldStarts > 0)
        // AssumeRole once per environment, the other three calls every invocation, no errors.
        let assume = try Self.call(run.summary, "order-intake/AssumeRole")
        #expect(assume.calls == intake.coldStarts && assume.errors == 0, "\(assume)")
        for op in ["Publish", "Invoke", "StartExecution"] {
            let c = try Self.call(run.summary, "order-intake/\(op)")
            #expect(c.calls == intake.invocations && c.errors == 0, "\(c)")
        }
        // Each Invoke ran order-enricher (it has no schedule of its own), each StartExecution an
        // execution whose task ran order-fulfiller, which published once per run.
        let enricher = try Self.function(run, "order-enricher")
        #expect(enricher.invocations == intake.invocations && enricher.succeeded == enricher.invocations)
        let machine = try #require(run.summary.stateMachines.first)
        #expect(machine.executions == intake.invocations && machine.succeeded + 2 >= machine.executions, "\(machine)")
        let fulfiller = try Self.function(run, "order-fulfiller")
        #expect(fulfiller.invocations == machine.executions && fulfiller.succeeded + 2 >= fulfiller.invocations)
        let shipped = try Self.call(run.summary, "order-fulfiller/Publish")
        #expect(shipped.calls == fulfiller.succeeded && shipped.errors == 0, "\(shipped)")

        // Four endpoints, one ENI per AZ each, private DNS on.
        let n = run.scenario.network
        #expect(n.interfaceEndpoints.map(\.service) == Self.services)
        #expect(n.interfaceEndpoints.allSatisfy { $0.enis.count == 2 && $0.privateDNS })
        let addresses = Self.endpointAddresses(n)
        let all = addresses.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        #expect(all.count == 8)
        func ips(_ f: RunSummary.Function) -> Set<String> {
            Set(f.enis.map { id in n.enis.first { $0.id == id }!.privateIP.description })
        }
        let intakeIPs = ips(intake), fulfillerIPs = ips(fulfiller)
        #expect(intakeIPs.isDisjoint(with: fulfillerIPs) && !fulfillerIPs.isEmpty)
        for s in ["sts", "lambda", "states"] {
            #expect(run.summary.serviceClients[s].map(Set.init) == intakeIPs, "\(s)")
        }
        #expect(run.summary.serviceClients["sns"].map(Set.init) == intakeIPs.union(fulfillerIPs))

        // What each function's ENIs show: DNS answers for the services it calls, with that
        // endpoint's addresses; TCP only with those addresses on 443.
        func look(_ f: RunSummary.Function, fnIPs: Set<String>) throws -> (names: Set<String>, peers: Set<String>) {
            var names: Set<String> = [], peers: Set<String> = []
            for eni in f.enis {
                let pcap = run.pcap(eni)
                let answers = try run.frames(
                    pcap, "dns.flags.response == 1 && dns.qry.type == 1", fields: ["dns.qry.name", "dns.a"])
                for a in answers {
                    names.insert(a[0])
                    let service = String(a[0].prefix { $0 != "." })
                    // Every endpoint ENI's address, once each.
                    let listed = a[1].split(separator: ",").map(String.init)
                    #expect(
                        addresses[service].map { Set(listed) == Set($0) && listed.count == $0.count } == true,
                        "\(a) \(addresses)")
                }
                for p in try run.frames(pcap, "tcp", fields: ["ip.src", "ip.dst", "tcp.srcport", "tcp.dstport"]) {
                    let peer = fnIPs.contains(p[0]) ? p[1] : p[0]
                    peers.insert(peer)
                    #expect(p[2] == "443" || p[3] == "443", "\(p)")
                }
            }
            return (names, peers)
        }
        let i = try look(intake, fnIPs: intakeIPs)
        #expect(i.names == Set(Self.services.map(Self.host)), "\(i.names)")
        #expect(!i.peers.isEmpty && i.peers.isSubset(of: all))
        // order-fulfiller's ENIs carry its own SNS Publish only: nothing of the invocation Step
        // Functions made, nothing from the Lambda service.
        let f = try look(fulfiller, fnIPs: fulfillerIPs)
        #expect(f.names == [Self.host("sns")], "\(f.names)")
        #expect(!f.peers.isEmpty && f.peers.isSubset(of: addresses["sns"]!), "\(f.peers)")
        // Nothing in the flow logs leaves the VPC's CIDR; the endpoints' ENIs log HTTPS in.
        #expect(run.flowLogRecords.allSatisfy { ($0["dstaddr"] ?? "").hasPrefix("10.1.") })
        let eniIDs = Set(n.interfaceEndpoints.flatMap(\.enis).map { n.enis[$0.int].id })
        let onEndpoints = run.flowLogRecords.filter { eniIDs.contains($0["interface-id"] ?? "") }
        #expect(Set(onEndpoints.map { $0["interface-id"]! }).count >= 4)
        #expect(onEndpoints.allSatisfy { $0["action"] == "ACCEPT" && $0["instance-id"] == "-" })
    }

    /// Decrypted: each request is its protocol's (form-urlencoded query, REST-JSON path and
    /// invocation type, JSON 1.0 target), botocore re-signs every one identically, and botocore's
    /// parsers read every answer (XML credentials, the Invoke payload, the execution ARN and date).
    @Test func decryptedRequestsVerifyAndBotocoreParsesEveryAnswer() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.python),
            "no Python virtualenv at .build/pyenv (botocore): run Tools/install-deps --test")
        let (summary, dir) = try DecryptableTests.run(Self.name, duration: .seconds(12))
        var requests: [String: Set<String>] = [:]
        var snsBodies: [String] = []
        var stsBodies: [String] = []
        for p in filesUnder(dir + "/captures") where p.hasSuffix(".pcapng") {
            let rows = try DecryptableTests.tshark(
                dir + "/captures/" + p, "http.request",
                ["http.host", "http.request.uri", "http.request.line", "http.file_data"])
            for r in rows {
                let lines = r[2].split(separator: "|").map { $0.replacingOccurrences(of: "\\r\\n", with: "") }
                let own = lines.filter {
                    $0.hasPrefix("X-Amz-Target: ") || $0.hasPrefix("Content-Type: ")
                        || $0.hasPrefix("X-Amz-Invocation-Type: ")
                }
                requests[r[0], default: []].insert(([r[1]] + own).joined(separator: " "))
                if r[0] == Self.host("sns") { snsBodies.append(r[3]) }
                if r[0] == Self.host("sts") { stsBodies.append(r[3]) }
            }
        }
        let form = "Content-Type: application/x-www-form-urlencoded; charset=utf-8"
        #expect(
            requests == [
                Self.host("sts"): ["/ " + form], Self.host("sns"): ["/ " + form],
                Self.host("lambda"): [
                    "/2015-03-31/functions/order-enricher/invocations X-Amz-Invocation-Type: RequestResponse"
                ],
                Self.host("states"): [
                    "/ X-Amz-Target: AWSStepFunctions.StartExecution Content-Type: application/x-amz-json-1.0"
                ],
            ], "\(requests)")
        // botocore's own query serializer writes the same bodies for the same parameters.
        let snsBody = try #require(snsBodies.first { $0.contains("order-events") })
        let stsBody = try #require(stsBodies.first)
        let reserialize = """
            import sys, urllib.parse, botocore.session
            from botocore.awsrequest import AWSRequest
            from botocore.serialize import create_serializer
            s = botocore.session.get_session()
            for service, body in (("sns", sys.argv[1]), ("sts", sys.argv[2])):
                fields = urllib.parse.parse_qsl(body, keep_blank_values=True)
                action = dict(fields)["Action"]
                model = s.get_service_model(service).operation_model(action)
                params = {k: v for k, v in fields if k not in ("Action", "Version")}
                req = create_serializer("query").serialize_to_request(params, model)
                print(AWSRequest(method="POST", url="https://x/", data=req["body"]).prepare().body == body)
            """
        let same = runProgram(Self.python, ["-c", reserialize, snsBody, stsBody])
        #expect(same.status == 0 && same.stdout == "True\nTrue\n", "\(same.stdout)\(same.stderr)")
        #expect(snsBody.hasPrefix("Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A"))

        let v = runProgram(Self.python, [repositoryRoot() + "/Tools/verify-sigv4", "--json", dir])
        let signed = try #require(
            try? JSONSerialization.jsonObject(with: Data(v.stdout.utf8)) as? [String: Any], "\(v.stdout)\(v.stderr)")
        let count = Int(summary.requests.count)
        #expect(v.status == 0 && signed["verified"] as? Int == count && count > 20, "\(v.stdout)")

        let parsed = try Self.parsedAnswers(dir)
        #expect(parsed.count == count)
        var seen: [String: Int] = [:]
        for p in parsed {
            let op = p["operation"] as! String
            let body = try #require(p["parsed"] as? [String: Any])
            let meta = try #require(body["ResponseMetadata"] as? [String: Any])
            #expect(p["status"] as? Int == 200 && (meta["RequestId"] as? String)?.count == 36, "\(p)")
            seen[op, default: 0] += 1
            switch op {
            case "AssumeRole":
                let c = try #require(body["Credentials"] as? [String: Any])
                let key = try #require(c["AccessKeyId"] as? String)
                #expect(key.hasPrefix("ASIA") && key.count == 20)
                #expect((c["SecretAccessKey"] as? String)?.count == 40)
                #expect((c["SessionToken"] as? String)?.count == 1_040)
                #expect((c["Expiration"] as? String)?.hasPrefix("2026-11-23T11:00:") == true, "\(c)")
                let user = try #require(body["AssumedRoleUser"] as? [String: Any])
                #expect(
                    user["Arn"] as? String
                        == "arn:aws:sts::123456789012:assumed-role/order-events-publisher/order-intake")
            case "Publish":
                #expect((body["MessageId"] as? String)?.count == 36)
            case "Invoke":
                #expect(body["StatusCode"] as? Int == 200 && body["ExecutedVersion"] as? String == "$LATEST")
                #expect(body["FunctionError"] == nil)
                let payload = try #require(body["Payload"] as? String)
                #expect(payload.utf8.count == 180)
                let json = try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any]
                #expect(json?["statusCode"] as? Int == 200)
            case "StartExecution":
                let arn = try #require(body["executionArn"] as? String)
                #expect(arn.hasPrefix("arn:aws:states:us-east-1:123456789012:execution:order-fulfilment:"))
                #expect((body["startDate"] as? String)?.hasPrefix("2026-11-23T10:00:") == true, "\(body)")
            default:
                Issue.record("unexpected operation \(op)")
            }
        }
        #expect(Set(seen.keys) == ["AssumeRole", "Publish", "Invoke", "StartExecution"], "\(seen)")
    }

    /// Tools/parse-aws-responses' parsed answers (it exits non-zero when botocore fails on one).
    static func parsedAnswers(_ dir: String) throws -> [[String: Any]] {
        let r = runProgram(python, [repositoryRoot() + "/Tools/parse-aws-responses", "--json", dir])
        let report = try #require(
            try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)\(r.stderr)")
        #expect(r.status == 0 && (report["failures"] as? [Any])?.isEmpty == true, "\(r.stdout.prefix(2000))")
        return try #require(report["parsed"] as? [[String: Any]])
    }

    /// `invocation-type: Event`: 202 with no payload (botocore: StatusCode 202, empty Payload),
    /// and the invoked function still runs, once per call.
    @Test func eventInvocationsAnswer202AndStillRunTheFunction() throws {
        let y = try Self.yaml()
        let edited = y.replacingOccurrences(
            of: "        payload-bytes: 240\n        result-bytes: 180\n",
            with: "        payload-bytes: 240\n        invocation-type: Event\n")
        #expect(edited != y)
        let dir = temporaryDirectory("sns-sts-event")
        try edited.write(toFile: dir + "/event.yaml", atomically: true, encoding: .utf8)
        let (summary, out) = try DecryptableTests.run(dir + "/event.yaml", duration: .seconds(6), out: dir + "/out")
        let invoke = try Self.call(summary, "order-intake/Invoke")
        let enricher = try #require(summary.functions.first { $0.name == "order-enricher" })
        #expect(invoke.calls > 5 && invoke.errors == 0 && enricher.invocations == invoke.calls, "\(invoke)")
        let invokes = try Self.parsedAnswers(out).filter { $0["operation"] as? String == "Invoke" }
        #expect(invokes.count == Int(invoke.calls))
        for p in invokes {
            let body = p["parsed"] as? [String: Any]
            #expect(
                p["status"] as? Int == 202 && body?["StatusCode"] as? Int == 202 && body?["Payload"] as? String == "")
        }
    }

    /// order-enricher timing out (1 s timeout, 1.5 s of work): each synchronous Invoke is still
    /// answered 200, after the timeout, with `X-Amz-Function-Error: Unhandled` and Lambda's timeout
    /// message as the payload (botocore: FunctionError); the caller's step does not fail.
    @Test func aTimedOutInvokedFunctionAnswersWithItsFunctionError() throws {
        let y = try Self.yaml()
        let edited = y.replacingOccurrences(
            of: "    memory: 256\n    handler:\n      - compute: 6ms\n",
            with: "    memory: 256\n    timeout: 1s\n    handler:\n      - compute: 1500ms\n")
        #expect(edited != y)
        let dir = temporaryDirectory("sns-sts-function-error")
        try edited.write(toFile: dir + "/timeout.yaml", atomically: true, encoding: .utf8)
        let (summary, out) = try DecryptableTests.run(dir + "/timeout.yaml", duration: .seconds(6), out: dir + "/out")
        let enricher = try #require(summary.functions.first { $0.name == "order-enricher" })
        #expect(enricher.invocations > 3 && enricher.timedOut == enricher.invocations, "\(enricher)")
        let invoke = try Self.call(summary, "order-intake/Invoke")
        #expect(invoke.errors == 0 && invoke.latency.p50 > 1_000, "\(invoke)")
        let invokes = try Self.parsedAnswers(out).filter { $0["operation"] as? String == "Invoke" }
        #expect(!invokes.isEmpty)
        for p in invokes {
            let body = try #require(p["parsed"] as? [String: Any])
            #expect(body["StatusCode"] as? Int == 200 && body["FunctionError"] as? String == "Unhandled", "\(body)")
            let payload = try #require(body["Payload"] as? String)
            let json = try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any]
            let message = try #require(json?["errorMessage"] as? String)
            #expect(message.hasPrefix("2026-11-23T10:00:") && message.hasSuffix(" Task timed out after 1.00 seconds"))
        }
    }

    /// The SNS endpoint's policy allows Publish to `order-*` topics only: another topic gets
    /// 403 AuthorizationError in the query protocol's XML, as botocore reads it; the caller fails.
    @Test func snsEndpointPolicyDeniesOtherTopics() throws {
        let y = try Self.yaml()
        let edited = y.replacingOccurrences(of: "        topic: order-events\n", with: "        topic: audit-events\n")
        #expect(edited != y)
        let dir = temporaryDirectory("sns-policy")
        try edited.write(toFile: dir + "/policy.yaml", atomically: true, encoding: .utf8)
        let (summary, out) = try DecryptableTests.run(dir + "/policy.yaml", duration: .seconds(5), out: dir + "/out")
        let publish = try Self.call(summary, "order-intake/Publish")
        #expect(publish.calls > 3 && publish.errors == publish.calls, "\(publish)")
        let intake = try #require(summary.functions.first { $0.name == "order-intake" })
        #expect(intake.errors.keys.sorted() == ["AuthorizationError"], "\(intake.errors)")
        // The handler stopped at Publish: nothing invoked, no execution.
        #expect(summary.functions.first { $0.name == "order-enricher" }?.invocations == 0)
        #expect(summary.stateMachines.first?.executions == 0)
        let denied = try Self.parsedAnswers(out).filter { $0["operation"] as? String == "Publish" }
        #expect(denied.count == Int(publish.calls))
        for p in denied {
            let error = (p["parsed"] as? [String: Any])?["Error"] as? [String: Any]
            #expect(p["status"] as? Int == 403 && error?["Code"] as? String == "AuthorizationError", "\(p)")
            #expect((error?["Message"] as? String)?.contains("sns:Publish on resource: arn:aws:sns:") == true)
        }
    }

    /// No Step Functions endpoint: the Regional name resolves to public addresses, the function's
    /// group admits 443 only to the endpoints' group, so StartExecution never leaves and no
    /// execution starts (the AWS-side hop needs the call).
    @Test func withoutTheStatesEndpointNoExecutionStarts() throws {
        let y = try Self.yaml()
        let block = """
              - id: vpce-0b1c2d3e4f5a60094
                vpc: vpc-0b1c2d3e4f5a60718
                service: com.amazonaws.us-east-1.states
                type: Interface
                subnets: [subnet-0b1c2d3e4f5a60001, subnet-0b1c2d3e4f5a60002]
                security-groups: [sg-0b1c2d3e4f5a60022]
                private-dns: true

            """
        let edited = y.replacingOccurrences(of: block, with: "\n")
        #expect(edited != y)
        let run = try ScenarioRun(yaml: edited, name: "sns-sts-no-states-endpoint", duration: .seconds(8))
        let intake = try Self.function(run, "order-intake")
        #expect(intake.succeeded == 0 && intake.timedOut > 0, "\(intake)")
        #expect(run.summary.stateMachines.first?.executions == 0)
        #expect(try Self.function(run, "order-fulfiller").invocations == 0)
        #expect(run.summary.serviceClients["states"] == nil)
        // The SYNs to the public addresses die at the function's group. (After each timeout,
        // Lambda resets the environment: its open connections to the other endpoints are gone,
        // and what those endpoints still send them is dropped as no-socket.)
        #expect((run.summary.packets.drops["security-group"] ?? 0) > 0, "\(run.summary.packets.drops)")
        #expect(Set(run.summary.packets.drops.keys).isSubset(of: ["security-group", "no-socket"]))
        #expect(
            run.summary.packets.dropDetails.keys.filter { $0.hasPrefix("security-group") }.allSatisfy { k in
                intake.enis.contains { k == "security-group \($0) egress" }
            }, "\(run.summary.packets.dropDetails)")
        let answers = try run.frames(
            run.pcap(intake.enis[0]), "dns.a && dns.qry.name == \"states.us-east-1.amazonaws.com\"",
            fields: ["dns.a"])
        #expect(!answers.isEmpty && answers.allSatisfy { !$0[0].hasPrefix("10.") }, "\(answers)")
        // order-fulfiller never ran: its captures are empty.
        let fulfiller = try Self.function(run, "order-fulfiller")
        #expect(run.summary.pcaps.filter { fulfiller.enis.contains($0.eni) }.allSatisfy { $0.packets == 0 })
    }

    /// Through a NAT gateway instead (lambda-dynamodb-nat-gateway with SNS and STS steps added):
    /// the calls reach the services' public front ends, translated to the NAT gateway's address.
    @Test func throughANATGatewayTheServicesSeeTheNATAddress() throws {
        let y = try String(
            contentsOfFile: repositoryRoot() + "/Topologies/lambda-dynamodb-nat-gateway.yaml", encoding: .utf8)
        let edited = y.replacingOccurrences(
            of: "      - dynamodb: GetItem\n        table: Orders\n",
            with: "      - dynamodb: GetItem\n        table: Orders\n      - sts: AssumeRole\n        role: reader\n"
                + "      - sns: Publish\n        topic: order-events\n      - states: StartExecution\n"
                + "        state-machine: elsewhere\n")
        #expect(edited != y)
        let run = try ScenarioRun(yaml: edited, name: "sns-sts-nat", duration: .seconds(8))
        #expect(run.summary.functions[0].succeeded == run.summary.functions[0].invocations)
        let nat = run.summary.natGateways[0]
        let natIP = try #require(run.scenario.network.natGateways.first?.elasticIPs.first?.description)
        let fn = run.summary.functions[0].name
        for (s, op) in [("sts", "AssumeRole"), ("sns", "Publish"), ("states", "StartExecution")] {
            #expect(run.summary.serviceClients[s] == [natIP], "\(s): \(run.summary.serviceClients)")
            #expect(try Self.call(run.summary, "\(fn)/\(op)").errors == 0)
        }
        #expect(nat.bytesProcessed > 0)
        #expect(try run.check().ok)
    }

    /// `vpcsim path` to the Regional names: private DNS answers with the endpoints' ENIs, and the
    /// calls are evaluated against each endpoint's policy with their IAM actions
    /// (Invoke is `lambda:InvokeFunction`).
    @Test func pathEvaluatesEachCallsActionAgainstItsEndpointsPolicy() throws {
        let s = try TopologyLoader.load(path: repositoryRoot() + "/Topologies/\(Self.name).yaml")
        let expected = [
            "sts": "sts:AssumeRole arn:aws:iam::123456789012:role/order-events-publisher",
            "sns": "sns:Publish arn:aws:sns:us-east-1:123456789012:order-events",
            "lambda": "lambda:InvokeFunction arn:aws:lambda:us-east-1:123456789012:function:order-enricher",
            "states": "states:StartExecution arn:aws:states:us-east-1:123456789012:stateMachine:order-fulfilment",
        ]
        let addresses = Self.endpointAddresses(s.network)
        for service in Self.services {
            let p = try PathExplainer.explain(s, from: "order-intake", to: Self.host(service) + ":443")
            #expect(p.outcome == .reachable, "\(p.text)")
            #expect(p.policy.map { "\($0.action) \($0.resource)" } == [expected[service]!], "\(p.policy)")
            #expect(!p.policy.contains { !$0.allowed })
            let answer = try #require(p.dnsAnswer)
            #expect(addresses[service]!.allSatisfy { answer.contains($0) }, "\(answer)")
        }
        let y = try Self.yaml().replacingOccurrences(
            of: "        topic: order-events\n", with: "        topic: audit\n")
        let denied = try PathExplainer.explain(
            try TopologyLoader.load(yaml: y, file: "t.yaml"), from: "order-intake", to: Self.host("sns") + ":443")
        #expect(denied.outcome == .policyDenied, "\(denied.text)")
    }

    @Test func runsAreDeterministic() throws {
        let a = try ScenarioRun(Self.name, duration: .seconds(6))
        let b = try ScenarioRun(Self.name, duration: .seconds(6))
        #expect(a.summary.pcaps.count == 4 && a.summary.pcaps.count == b.summary.pcaps.count)
        for p in a.summary.pcaps {
            let x = FileManager.default.contents(atPath: a.directory + "/" + p.file)
            #expect(x != nil && x == FileManager.default.contents(atPath: b.directory + "/" + p.file))
        }
        #expect(!a.flowLogRecords.isEmpty && a.flowLogRecords == b.flowLogRecords)
    }

    @Test func badStepsAreLocatedErrors() throws {
        let y = try Self.yaml()
        func error(_ old: String, _ new: String) -> String {
            #expect(y.contains(old), "\(old)")
            do {
                _ = try TopologyLoader.load(yaml: y.replacingOccurrences(of: old, with: new), file: "t.yaml")
                return ""
            } catch { return "\(error.line): \(error.message)" }
        }
        let op = error("- sns: Publish", "- sns: Subscribe")
        #expect(op.contains("'Subscribe' is not a modelled sns operation (Publish)"), "\(op)")
        #expect(error("        function: order-enricher\n", "").contains("'function'"))
        let type = error("        result-bytes: 180\n", "        invocation-type: DryRun\n")
        #expect(type.contains("'DryRun' is not a modelled invocation type (RequestResponse, Event)"), "\(type)")
        let event = error("        result-bytes: 180\n", "        result-bytes: 180\n        invocation-type: Event\n")
        #expect(event.contains("an Event invocation returns no payload"), "\(event)")
        #expect(error("input-bytes: 300", "input-bytes: 300KB").contains("outside 16…262144"))
        let session = error("        cold-start-only: true\n", "        session-name: a b\n")
        #expect(session.contains("'a b' is not a role session name"), "\(session)")
        let other = error("        topic: order-events\n", "        topic: order-events\n        role: x\n")
        #expect(other.contains("'role' does not apply to a sns step"), "\(other)")
        let steps = error("      - compute: 2ms\n", "      - sqs-fifo: SendMessage\n")
        #expect(steps.contains("'sqs-fifo'") || steps.contains("'sns', 'sts', 'lambda', 'states'"), "\(steps)")
    }
}
