import Testing
import Foundation
import SimCore
import Wire
import NetModel
import TestSupport
import Topology
@testable import Experiments

/// Topologies/lambda-sqs-secrets-interface-endpoints.yaml: a Lambda with no route out of its VPC
/// calls Secrets Manager (GetSecretValue, at cold start) and SQS (SendMessage, per invocation)
/// through interface endpoints with private DNS on.
@Suite(.serialized) struct SQSSecretsEndpointTests {
    static let name = "lambda-sqs-secrets-interface-endpoints"
    static func yaml() throws -> String {
        try String(contentsOfFile: repositoryRoot() + "/Topologies/\(name).yaml", encoding: .utf8)
    }
    static let sqsName = "sqs.us-east-1.amazonaws.com"
    static let secretsName = "secretsmanager.us-east-1.amazonaws.com"
    static let endpointSG = "sg-0a1b2c3d4e5f60022"

    /// The endpoint ENIs' addresses, per service (sqs, secretsmanager).
    static func endpointAddresses(_ n: Network) -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        for ep in n.interfaceEndpoints {
            out[ep.service, default: []].formUnion(ep.enis.map { n.enis[$0.int].privateIP.description })
        }
        return out
    }

    @Test func functionTalksToTheEndpointsInterfacesOnly() throws {
        let run = try ScenarioRun(Self.name, duration: .seconds(20))
        let check = try run.check()
        #expect(check.ok, "\(check.text.prefix(3000))")
        let f = run.summary.functions[0]
        #expect(f.invocations > 20 && f.succeeded == f.invocations && f.coldStarts > 0)
        #expect(run.summary.packets.dropped == 0)
        // The secret is read once per environment (cold start), the message sent every time.
        let get = try #require(run.summary.calls.first { $0.name == "orders-notifier/GetSecretValue" })
        let send = try #require(run.summary.calls.first { $0.name == "orders-notifier/SendMessage" })
        #expect(get.calls == f.coldStarts && get.errors == 0, "\(get)")
        #expect(send.calls == f.invocations && send.errors == 0, "\(send)")
        // Two endpoints, one ENI per AZ each, both with the endpoints' security group, private DNS on.
        let n = run.scenario.network
        #expect(n.interfaceEndpoints.map(\.service) == ["sqs", "secretsmanager"])
        #expect(n.interfaceEndpoints.allSatisfy { $0.enis.count == 2 && $0.privateDNS })
        let endpointENIs = n.interfaceEndpoints.flatMap(\.enis).map { n.enis[$0.int] }
        #expect(endpointENIs.allSatisfy { n.securityGroups[$0.securityGroups[0].int].id == Self.endpointSG })
        let addresses = Self.endpointAddresses(n)
        let all = addresses.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        #expect(all.count == 4)
        // Each service saw only the function's ENIs.
        let functionIPs = Set(
            f.enis.map { id in n.enis.first { $0.id == id }!.privateIP.description })
        #expect(run.summary.serviceClients["sqs"].map(Set.init) == functionIPs)
        #expect(run.summary.serviceClients["secretsmanager"].map(Set.init) == functionIPs)
        var names: Set<String> = []
        var tcpPeers: Set<String> = []
        for eni in f.enis {
            let pcap = run.pcap(eni)
            // The resolver answers the Regional names (private DNS) with the endpoint ENIs' addresses.
            let answers = try run.frames(
                pcap, "dns.flags.response == 1", fields: ["dns.qry.name", "dns.qry.type", "dns.a"])
            for a in answers {
                names.insert(a[0])
                let service = a[0] == Self.sqsName ? "sqs" : "secretsmanager"
                if a[1] == "1" {
                    // Every endpoint ENI's address, once each.
                    let listed = a[2].split(separator: ",").map(String.init)
                    #expect(
                        Set(listed) == Set(addresses[service]!) && listed.count == addresses[service]!.count,
                        "\(a) \(addresses)")
                } else {
                    #expect(a[2].isEmpty)
                }
            }
            // Every TCP packet is between the function's ENI and an endpoint ENI, port 443.
            let tcp = try run.frames(pcap, "tcp", fields: ["ip.src", "ip.dst", "tcp.srcport", "tcp.dstport"])
            #expect(!tcp.isEmpty)
            for p in tcp {
                let peer = functionIPs.contains(p[0]) ? p[1] : p[0]
                tcpPeers.insert(peer)
                #expect(all.contains(peer) && (p[2] == "443" || p[3] == "443"), "\(p)")
            }
        }
        #expect(names == [Self.sqsName, Self.secretsName])
        #expect(!tcpPeers.isEmpty && tcpPeers.isSubset(of: all))
        // Flow-log records on the endpoints' ENIs: HTTPS in, answers out, accepted, no instance.
        let eniIDs = Set(endpointENIs.map(\.id))
        let onEndpoints = run.flowLogRecords.filter { eniIDs.contains($0["interface-id"] ?? "") }
        #expect(Set(onEndpoints.map { $0["interface-id"]! }).count >= 2)
        #expect(onEndpoints.contains { $0["flow-direction"] == "ingress" && $0["dstport"] == "443" })
        #expect(onEndpoints.contains { $0["flow-direction"] == "egress" && $0["srcport"] == "443" })
        #expect(onEndpoints.allSatisfy { $0["instance-id"] == "-" && $0["action"] == "ACCEPT" })
        // Nothing in the flow logs leaves the VPC's CIDR.
        #expect(run.flowLogRecords.allSatisfy { ($0["dstaddr"] ?? "").hasPrefix("10.0.") })
    }

    /// The endpoints' security group without its 443 rule: the SYNs die at the endpoint ENIs
    /// (REJECT on their flow logs), the function times out (there is no other way out).
    @Test func endpointGroupWithout443TimesOut() throws {
        let y = try Self.yaml()
        let edited = y.replacingOccurrences(
            of: "    ingress:\n      - protocol: tcp\n        ports: 443\n        source: sg-0a1b2c3d4e5f60021\n"
                + "        description: HTTPS from the function\n",
            with: "    ingress: []\n")
        #expect(edited != y)
        let run = try ScenarioRun(yaml: edited, name: "sqs-secrets-endpoint-sg", duration: .seconds(10))
        let f = run.summary.functions[0]
        #expect(f.succeeded == 0 && f.timedOut > 0, "\(f)")
        #expect(f.timeoutMessages.allSatisfy { $0.hasPrefix("Task timed out after 3.0") }, "\(f.timeoutMessages)")
        let n = run.scenario.network
        let eniIDs = n.interfaceEndpoints.flatMap(\.enis).map { n.enis[$0.int].id }
        #expect(run.summary.packets.dropped > 0 && run.summary.packets.drops.keys.sorted() == ["security-group"])
        #expect(
            run.summary.packets.dropDetails.keys.allSatisfy { k in
                eniIDs.contains { k == "security-group \($0) ingress" }
            },
            "\(run.summary.packets.dropDetails)")
        let rejected = run.flowLogRecords.filter {
            eniIDs.contains($0["interface-id"] ?? "") && $0["action"] == "REJECT"
        }
        #expect(
            !rejected.isEmpty && rejected.allSatisfy { $0["dstport"] == "443" && $0["flow-direction"] == "ingress" })
        // reject-reason is written only for Block Public Access
        // (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html): "-" here.
        #expect(rejected.allSatisfy { $0["reject-reason"] == "-" })
        #expect(try run.check().ok)
    }

    /// Private DNS off: the resolver answers the Regional names with the services' public
    /// addresses; the function's group only allows 443 to the endpoints' group, so its SYNs
    /// die on the way out (and the subnet has no route out anyway): nothing reaches AWS.
    @Test func withoutPrivateDNSTheRegionalNamesArePublicAndUnreachable() throws {
        let y = try Self.yaml()
        let edited = y.replacingOccurrences(of: "private-dns: true", with: "private-dns: false")
        #expect(edited != y)
        let run = try ScenarioRun(yaml: edited, name: "sqs-secrets-no-private-dns", duration: .seconds(10))
        let f = run.summary.functions[0]
        #expect(f.succeeded == 0 && f.timedOut > 0, "\(f)")
        #expect(run.summary.packets.drops.keys.sorted() == ["security-group"], "\(run.summary.packets.drops)")
        #expect(
            run.summary.packets.dropDetails.keys.sorted()
                == run.summary.functions[0].enis.filter { eni in
                    run.summary.packets.dropDetails.keys.contains("security-group \(eni) egress")
                }.map { "security-group \($0) egress" }.sorted(), "\(run.summary.packets.dropDetails)")
        #expect(!run.summary.packets.dropDetails.isEmpty)
        let addresses = Self.endpointAddresses(run.scenario.network).values.reduce(into: Set<String>()) {
            $0.formUnion($1)
        }
        let answers = try run.frames(run.pcap(run.functionENI), "dns.a", fields: ["dns.qry.name", "dns.a"])
        #expect(!answers.isEmpty && answers.allSatisfy { !addresses.contains($0[1]) && !$0[1].hasPrefix("10.") })
        #expect(run.summary.serviceClients["secretsmanager"] == nil)
        // With the function's group open to any HTTPS, the route table drops them instead.
        let open = edited.replacingOccurrences(
            of: "        destination: sg-0a1b2c3d4e5f60022\n", with: "        destination: 0.0.0.0/0\n")
        #expect(open != edited)
        let routed = try ScenarioRun(yaml: open, name: "sqs-secrets-no-route", duration: .seconds(10))
        #expect(routed.summary.functions[0].succeeded == 0)
        #expect(routed.summary.packets.drops.keys.sorted() == ["no-route"], "\(routed.summary.packets.drops)")
        #expect(routed.summary.serviceClients["sqs"] == nil && routed.summary.serviceClients["secretsmanager"] == nil)
    }

    /// The SQS endpoint's policy allows SendMessage to `orders` only: another queue is refused.
    @Test func endpointPolicyDeniesOtherQueues() throws {
        let y = try Self.yaml()
        let edited = y.replacingOccurrences(of: "        queue: orders\n", with: "        queue: audit\n")
        #expect(edited != y)
        let run = try ScenarioRun(yaml: edited, name: "sqs-endpoint-policy", duration: .seconds(10))
        let send = try #require(run.summary.calls.first { $0.name == "orders-notifier/SendMessage" })
        #expect(send.calls > 0 && send.errors == send.calls, "\(send)")
        let get = try #require(run.summary.calls.first { $0.name == "orders-notifier/GetSecretValue" })
        #expect(get.errors == 0)
        #expect(run.summary.functions[0].errors.keys.sorted() == ["AccessDeniedException"])
    }

    @Test func runsAreDeterministic() throws {
        let a = try ScenarioRun(Self.name, duration: .seconds(8))
        let b = try ScenarioRun(Self.name, duration: .seconds(8))
        #expect(a.summary.pcaps.count == 2 && a.summary.pcaps.count == b.summary.pcaps.count)
        for p in a.summary.pcaps {
            let x = FileManager.default.contents(atPath: a.directory + "/" + p.file)
            #expect(x != nil && x == FileManager.default.contents(atPath: b.directory + "/" + p.file))
        }
        #expect(!a.flowLogRecords.isEmpty && a.flowLogRecords == b.flowLogRecords)
    }

    /// `--tls decryptable`: tshark decrypts the JSON-protocol requests (X-Amz-Target, content
    /// types of JSON 1.0 and 1.1) and botocore's SigV4Auth re-signs every one identically.
    @Test func decryptableRunShowsTargetsAndBotocoreVerifiesSignatures() throws {
        let root = repositoryRoot()
        let python = root + "/.build/pyenv/bin/python3"
        try #require(
            FileManager.default.isExecutableFile(atPath: python),
            "no Python virtualenv at .build/pyenv (botocore): run Tools/install-deps --test")
        let (summary, dir) = try DecryptableTests.run(Self.name, duration: .seconds(15))
        var targets: [String: Set<String>] = [:]
        for p in filesUnder(dir + "/captures") where p.hasSuffix(".pcapng") {
            let rows = try DecryptableTests.tshark(
                dir + "/captures/" + p, "http.request",
                ["http.host", "http.request.line"])
            for r in rows {
                // tshark writes each header line with its CRLF escaped ("\\r\\n").
                let lines = r[1].split(separator: "|").map { $0.replacingOccurrences(of: "\\r\\n", with: "") }
                let target = lines.first { $0.hasPrefix("X-Amz-Target: ") } ?? ""
                let type = lines.first { $0.hasPrefix("Content-Type: ") } ?? ""
                targets[r[0], default: []].insert(target + " " + type)
            }
        }
        #expect(
            targets == [
                Self.sqsName: ["X-Amz-Target: AmazonSQS.SendMessage Content-Type: application/x-amz-json-1.0"],
                Self.secretsName: [
                    "X-Amz-Target: secretsmanager.GetSecretValue Content-Type: application/x-amz-json-1.1"
                ],
            ], "\(targets)")
        let r = runProgram(python, [root + "/Tools/verify-sigv4", "--json", dir])
        let json = try #require(
            try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
            "verify-sigv4 printed no JSON: \(r.stdout)\(r.stderr)")
        #expect(r.status == 0, "\(r.stdout)")
        let count = Int(summary.requests.count)
        #expect(json["requests"] as? Int == count && json["verified"] as? Int == count && count > 20)
    }

    /// A KMS endpoint and a Decrypt step added: JSON 1.1 with target TrentService.Decrypt, the
    /// base64 ciphertext blob in the body, answered through the KMS endpoint's ENIs and verified by
    /// botocore.
    @Test func kmsDecryptThroughItsEndpoint() throws {
        let root = repositoryRoot()
        let python = root + "/.build/pyenv/bin/python3"
        try #require(
            FileManager.default.isExecutableFile(atPath: python),
            "no Python virtualenv at .build/pyenv (botocore): run Tools/install-deps --test")
        let y = try Self.yaml()
        let kmsEndpoint = """
              - id: vpce-0a1b2c3d4e5f60093
                vpc: vpc-0a1b2c3d4e5f60718
                service: com.amazonaws.us-east-1.kms
                type: Interface
                subnets: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002]
                security-groups: [sg-0a1b2c3d4e5f60022]

            security-groups:

            """
        var edited = y.replacingOccurrences(of: "\nsecurity-groups:\n", with: "\n" + kmsEndpoint)
        edited = edited.replacingOccurrences(
            of: "      - compute: 2ms\n",
            with: "      - kms: Decrypt\n        key: 1234abcd-12ab-34cd-56ef-1234567890ab\n      - compute: 2ms\n")
        #expect(edited.contains("kms: Decrypt") && edited.contains("com.amazonaws.us-east-1.kms"))
        let dir = temporaryDirectory("sqs-secrets-kms")
        let path = dir + "/kms.yaml"
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        let (summary, out) = try DecryptableTests.run(path, duration: .seconds(8), out: dir + "/out")
        let decrypt = try #require(summary.calls.first { $0.name == "orders-notifier/Decrypt" })
        #expect(decrypt.calls > 5 && decrypt.errors == 0, "\(decrypt)")
        #expect(summary.serviceClients["kms"]?.allSatisfy { $0.hasPrefix("10.0.") } == true)
        var bodies: [String] = []
        for p in filesUnder(out + "/captures") where p.hasSuffix(".pcapng") {
            let rows = try DecryptableTests.tshark(
                out + "/captures/" + p, "http.request && http.host == \"kms.us-east-1.amazonaws.com\"",
                ["http.request.line", "http.file_data"])
            for r in rows {
                #expect(r[0].contains("X-Amz-Target: TrentService.Decrypt"), "\(r[0])")
                #expect(r[0].contains("Content-Type: application/x-amz-json-1.1"), "\(r[0])")
                bodies.append(r[1])
            }
        }
        // 32 bytes of plaintext + 152 of overhead = 184 bytes: 248 base64 characters.
        #expect(
            !bodies.isEmpty && bodies.allSatisfy { $0.count == #"{"CiphertextBlob": ""}"#.count + 248 },
            "\(bodies.first ?? "")")
        let r = runProgram(python, [root + "/Tools/verify-sigv4", "--json", out])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }

    /// `vpcsim path` to the Regional names: private DNS answers with the endpoints' ENIs, and the
    /// function's SQS and Secrets Manager calls are evaluated against each endpoint's policy.
    @Test func pathEvaluatesTheCallsAgainstEachEndpointsPolicy() throws {
        let s = try TopologyLoader.load(path: repositoryRoot() + "/Topologies/\(Self.name).yaml")
        let sqs = try PathExplainer.explain(s, from: "orders-notifier", to: Self.sqsName + ":443")
        #expect(sqs.outcome == .reachable, "\(sqs.text)")
        #expect(
            sqs.policy.map { "\($0.action) \($0.resource) \($0.allowed)" } == [
                "sqs:SendMessage arn:aws:sqs:us-east-1:123456789012:orders true"
            ], "\(sqs.policy)")
        let addresses = Self.endpointAddresses(s.network)
        let answer = try #require(sqs.dnsAnswer)
        #expect(addresses["sqs"]!.allSatisfy { answer.contains($0) }, "\(answer)")
        let secrets = try PathExplainer.explain(s, from: "orders-notifier", to: Self.secretsName + ":443")
        #expect(secrets.outcome == .reachable && secrets.policy.count == 1 && secrets.policy[0].allowed)
        #expect(
            secrets.policy[0].resource.hasPrefix(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-api-key-"))
        // Sending to another queue: the path is open, the policy denies every SQS call.
        let y = try Self.yaml().replacingOccurrences(of: "        queue: orders\n", with: "        queue: audit\n")
        let denied = try PathExplainer.explain(
            try TopologyLoader.load(yaml: y, file: "t.yaml"), from: "orders-notifier", to: Self.sqsName + ":443")
        #expect(denied.outcome == .policyDenied && denied.policy.allSatisfy { !$0.allowed }, "\(denied.text)")
    }

    /// ReceiveMessage (allowed by a widened policy): one message back with its receipt handle,
    /// and MD5OfBody is the MD5 of the body (checked with Python's hashlib).
    @Test func receiveMessageReturnsABodyWithItsMD5() throws {
        let y = try Self.yaml()
        var edited = y.replacingOccurrences(
            of: "Action: sqs:SendMessage", with: "Action: [sqs:SendMessage, sqs:ReceiveMessage]")
        edited = edited.replacingOccurrences(
            of: "        message-bytes: 420\n",
            with: "        message-bytes: 420\n      - sqs: ReceiveMessage\n"
                + "        queue: orders\n        message-bytes: 300\n")
        #expect(edited.contains("sqs: ReceiveMessage") && edited.contains("sqs:ReceiveMessage]"))
        let dir = temporaryDirectory("sqs-receive")
        try edited.write(toFile: dir + "/receive.yaml", atomically: true, encoding: .utf8)
        let (summary, out) = try DecryptableTests.run(dir + "/receive.yaml", duration: .seconds(5), out: dir + "/out")
        let receive = try #require(summary.calls.first { $0.name == "orders-notifier/ReceiveMessage" })
        #expect(receive.calls > 3 && receive.errors == 0, "\(receive)")
        var checked = 0
        for p in filesUnder(out + "/captures") where p.hasSuffix(".pcapng") {
            let rows = try DecryptableTests.tshark(
                out + "/captures/" + p, "http.response && http.file_data contains \"ReceiptHandle\"", ["http.file_data"]
            )
            for r in rows {
                let json = try #require(
                    try JSONSerialization.jsonObject(with: Data(r[0].utf8)) as? [String: Any], "\(r[0])")
                let message = try #require((json["Messages"] as? [[String: Any]])?.first)
                let body = try #require(message["Body"] as? String)
                #expect(body.utf8.count == 300 && (message["ReceiptHandle"] as? String)?.count == 180)
                let md5 = runProgram(
                    "/usr/bin/env",
                    ["python3", "-c", "import hashlib,sys; print(hashlib.md5(sys.argv[1].encode()).hexdigest())", body])
                #expect(
                    md5.status == 0
                        && md5.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                            == message["MD5OfBody"] as? String,
                    "\(md5.stdout) \(message)")
                checked += 1
            }
        }
        #expect(checked == Int(receive.calls), "\(checked) of \(receive.calls)")
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
        let op = error("- sqs: SendMessage", "- sqs: Publish")
        #expect(op.contains("'Publish' is not a modelled sqs operation (SendMessage, ReceiveMessage)"), "\(op)")
        #expect(error("        queue: orders\n", "").contains("queue"))
        #expect(error("message-bytes: 420", "message-bytes: 2MB").contains("outside 1…1048576"))
        #expect(
            error("        queue: orders\n", "        queue: orders\n        table: Orders\n")
                .contains("'table' does not apply to a sqs step"))
    }
}
