import Testing
import Foundation
import SimCore
import TestSupport
import Topology
@testable import Experiments

/// A finished run of one of the shipped scenarios, with helpers to look at its outputs.
struct ScenarioRun {
    let summary: RunSummary
    let directory: String
    let scenario: Scenario

    init(_ name: String, duration: SimDuration? = nil, seed: UInt64? = nil) throws {
        scenario = try TopologyLoader.load(
            path: repositoryRoot() + "/Topologies/\(name).yaml",
            overrides: RunOverrides(seed: seed, duration: duration))
        directory = temporaryDirectory(name)
        summary = try Runner.run(scenario, options: RunOptions(outputDirectory: directory))
    }

    /// A run of topology text (a shipped topology edited by a test).
    init(yaml: String, name: String, duration: SimDuration? = nil) throws {
        scenario = try TopologyLoader.load(
            yaml: yaml, file: name + ".yaml", overrides: RunOverrides(seed: nil, duration: duration))
        directory = temporaryDirectory(name)
        summary = try Runner.run(scenario, options: RunOptions(outputDirectory: directory))
    }

    /// check-run's verdict and JSON report.
    func check(_ extra: [String] = []) throws -> (ok: Bool, report: [String: Any], text: String) {
        let tool = try #require(checkRunTool(), "../shared/tools/check-run not found; set VPCSIM_CHECK_RUN")
        let r = runProgram("/usr/bin/env", ["python3", tool, "--json"] + extra + [directory])
        let json = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]) ?? [:]
        return (r.status == 0, json, r.stdout)
    }

    func pcap(_ eniID: String) -> String { directory + "/captures/\(eniID).pcap" }
    func pcap(label: String) -> String? {
        summary.pcaps.first { $0.label == label }.map { directory + "/" + $0.file }
    }

    /// tshark fields of every frame matching `filter`.
    func frames(_ pcap: String, _ filter: String, fields: [String]) throws -> [[String]] {
        let r = runProgram(
            try requireTool("tshark"), ["-r", pcap, "-Y", filter, "-T", "fields"] + fields.flatMap { ["-e", $0] })
        guard r.status == 0 else {
            throw ToolFailure("tshark -r \(pcap) -Y '\(filter)' exited \(r.status): \(r.stderr)")
        }
        return r.stdout.split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// All flow-log records (header-keyed) of all files.
    var flowLogRecords: [[String: String]] {
        var out: [[String: String]] = []
        for f in filesUnder(directory + "/flowlogs") where f.hasSuffix(".log.gz") {
            let lines = gunzipLines(directory + "/flowlogs/" + f)
            guard let header = lines.first?.split(separator: " ").map(String.init) else { continue }
            for l in lines.dropFirst() {
                out.append(Dictionary(uniqueKeysWithValues: zip(header, l.split(separator: " ").map(String.init))))
            }
        }
        return out
    }

    var functionENI: String { summary.functions[0].enis[0] }
    var functionIP: String {
        let eni = scenario.network.enis.first { $0.id == functionENI }!
        return eni.privateIP.description
    }
}

@Suite(.serialized) struct ScenarioTests {
    @Test func lambdaOutsideVPCLeavesNoTraceInTheCustomersVPC() throws {
        let run = try ScenarioRun("lambda-outside-vpc", duration: .seconds(20))
        let f = run.summary.functions[0]
        #expect(f.invocations > 10 && f.succeeded == f.invocations)
        #expect(f.enis.isEmpty, "no Hyperplane ENI")
        #expect(run.summary.pcaps.isEmpty)
        #expect(run.flowLogRecords.isEmpty)
        // DynamoDB saw the Lambda service's own public address, not a VPC address.
        let clients = run.summary.serviceClients["dynamodb"] ?? []
        #expect(!clients.isEmpty && clients.allSatisfy { !$0.hasPrefix("10.") })
        #expect(try run.check().ok)
    }

    @Test func natGatewayTranslatesAndShowsBothSides() throws {
        let run = try ScenarioRun("lambda-dynamodb-nat-gateway", duration: .seconds(20))
        #expect(try run.check().ok)
        let nat = run.summary.natGateways[0]
        #expect(nat.connectionsEstablished == 2 && nat.bytesProcessed > 100_000 && nat.errorPortAllocation == 0)
        // DynamoDB sees the Elastic IP as the source
        // (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html,
        // https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html).
        #expect(run.summary.serviceClients["dynamodb"] == ["3.213.48.117"])
        // The NAT ENI's capture shows both sides: Lambda → DynamoDB and NAT private IP → DynamoDB.
        let natPcap = run.pcap(label: "NAT gateway nat-0b1c2d3e4f5a60041")!
        let syns = try run.frames(natPcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0", fields: ["ip.src", "ip.dst"])
        #expect(Set(syns.map { $0[0] }) == [run.functionIP, "10.0.0.10"])
        // Lambda's own capture never shows the NAT or the EIP.
        let lambdaHosts = Set(try run.frames(run.pcap(run.functionENI), "tcp", fields: ["ip.src"]).map { $0[0] })
        #expect(!lambdaHosts.contains("10.0.0.10") && !lambdaHosts.contains("3.213.48.117"))
        // The NAT ENI's four records per conversation
        // (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html).
        let natENI = run.summary.natGateways[0].eni
        let recs = run.flowLogRecords.filter { $0["interface-id"] == natENI && $0["log-status"] == "OK" }
        let conv = recs.filter {
            $0["pkt-srcaddr"] == run.functionIP || $0["pkt-dstaddr"] == run.functionIP || $0["srcaddr"] == "10.0.0.10"
                || $0["dstaddr"] == "10.0.0.10"
        }
        let inFromLambda = conv.first { $0["flow-direction"] == "ingress" && $0["srcaddr"] == run.functionIP }
        #expect(inFromLambda?["dstaddr"] == "10.0.0.10" && inFromLambda?["pkt-dstaddr"]?.hasPrefix("10.") == false)
        let outToLambda = conv.first { $0["flow-direction"] == "egress" && $0["dstaddr"] == run.functionIP }
        #expect(outToLambda?["srcaddr"] == "10.0.0.10" && outToLambda?["pkt-srcaddr"] == inFromLambda?["pkt-dstaddr"])
        #expect(outToLambda?["pkt-src-aws-service"] == "DYNAMODB" && outToLambda?["instance-id"] == "-")
        let outToDynamo = conv.first {
            $0["flow-direction"] == "egress" && $0["srcaddr"] == "10.0.0.10" && $0["pkt-srcaddr"] == "10.0.0.10"
        }
        #expect(outToDynamo?["traffic-path"] == "2")
        #expect(
            conv.contains {
                $0["flow-direction"] == "ingress" && $0["dstaddr"] == "10.0.0.10" && $0["pkt-dstaddr"] == "10.0.0.10"
            })
    }

    /// A flow log whose format reaches version 8 (`type`, ECS fields, `reject-reason`) passes
    /// check-run, which knows versions 2–8: every record says version 8, `type` IPv4, and `-` for
    /// the ECS fields and `reject-reason` (no ECS task sent the traffic, no Block Public Access
    /// rejected it).
    @Test func version8FormatPassesCheckRun() throws {
        var yaml = try String(
            contentsOfFile: repositoryRoot() + "/Topologies/lambda-dynamodb-nat-gateway.yaml", encoding: .utf8)
        let last = "${pkt-dst-aws-service} ${flow-direction} ${traffic-path}"
        try #require(yaml.contains(last))
        yaml = yaml.replacingOccurrences(of: last, with: last + " ${ecs-cluster-name} ${ecs-task-id} ${reject-reason}")
        let run = try ScenarioRun(yaml: yaml, name: "flow-log-v8", duration: .seconds(20))
        let check = try run.check()
        #expect(check.ok, "\(check.text.prefix(3000))")
        let recs = run.flowLogRecords
        #expect(recs.count > 10)
        #expect(recs.allSatisfy { $0["version"] == "8" && $0["reject-reason"] == "-" && $0["ecs-task-id"] == "-" })
        #expect(recs.allSatisfy { $0["type"] == "IPv4" && $0["ecs-cluster-name"] == "-" })
    }

    /// Lambda has no public IP: the IGW drops every SYN; the function retries on Linux's schedule
    /// until the 3 s timeout (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html).
    @Test func publicSubnetTimesOutAtTheInternetGateway() throws {
        let run = try ScenarioRun("lambda-public-subnet", duration: .seconds(20))
        #expect(try run.check().ok)
        let f = run.summary.functions[0]
        #expect(f.invocations > 3 && f.timedOut == f.invocations && f.succeeded == 0)
        #expect(f.timeoutMessages.allSatisfy { $0 == "Task timed out after 3.00 seconds" })
        #expect(run.summary.packets.drops.keys.sorted() == ["igw-no-public-ip"])
        #expect(
            run.summary.packets.dropDetails["igw-no-public-ip igw-0c1d2e3f4a5b60051"] == run.summary.packets.dropped)
        let syns = try run.frames(
            run.pcap(run.functionENI), "tcp.flags.syn == 1",
            fields: ["tcp.srcport", "frame.time_epoch", "tcp.flags.ack"])
        #expect(syns.allSatisfy { $0[2] == "0" }, "no SYN-ACK ever arrives")
        // Per connection: the SYN and its retransmission one second later, nothing more.
        let byPort = Dictionary(grouping: syns, by: { $0[0] })
        for (_, s) in byPort {
            #expect(s.count == 2)
            let gap = Double(s[1][1])! - Double(s[0][1])!
            #expect(abs(gap - 1.0) < 0.001)
        }
        // Flow logs: the SYNs were accepted outbound; nothing came back.
        let recs = run.flowLogRecords.filter { $0["log-status"] == "OK" }
        #expect(
            !recs.isEmpty
                && recs.allSatisfy {
                    $0["srcaddr"] == run.functionIP && $0["dstport"] == "443" && $0["action"] == "ACCEPT"
                })
    }

    @Test func privateSubnetWithoutARouteDropsAtTheRouter() throws {
        let run = try ScenarioRun("lambda-private-no-route", duration: .seconds(20))
        #expect(try run.check().ok)
        let f = run.summary.functions[0]
        #expect(f.timedOut == f.invocations && f.timeoutMessages.first == "Task timed out after 3.00 seconds")
        #expect(run.summary.packets.drops == ["no-route": run.summary.packets.dropped])
        #expect(run.summary.packets.dropDetails.keys.contains("no-route rtb-0d1e2f3a4b5c60011"))
        // DNS still works (the resolver is inside the VPC): the pcap shows the answers.
        #expect(
            try !run.frames(run.pcap(run.functionENI), "dns.flags.response == 1 && dns.a", fields: ["dns.a"]).isEmpty)
    }

    @Test func rdsThroughASecurityGroupReferenceAndDynamoDBThroughTheEndpoint() throws {
        let run = try ScenarioRun("lambda-rds-dynamodb", duration: .seconds(20))
        #expect(try run.check().ok)
        #expect(run.summary.functions[0].succeeded == run.summary.functions[0].invocations)
        let lambda = run.pcap(run.functionENI)
        let ports = Set(
            try run.frames(lambda, "tcp.flags.syn == 1 && tcp.flags.ack == 0", fields: ["tcp.dstport"]).map { $0[0] })
        #expect(ports == ["5432", "443"])
        // libpq's SSLRequest, then TLS on 5432 with the RDS endpoint as SNI.
        let db = run.pcap(label: "database orders-db")!
        #expect(try !run.frames(db, "pgsql", fields: ["frame.number"]).isEmpty)
        let sni = try run.frames(db, "tls.handshake.type == 1", fields: ["tls.handshake.extensions_server_name"])
        #expect(
            sni.first?.first?.hasPrefix("orders-db.") == true
                && sni.first?.first?.hasSuffix(".us-east-1.rds.amazonaws.com") == true)
        // The database's capture shows the function as the only client.
        #expect(Set(try run.frames(db, "tcp.dstport == 5432", fields: ["ip.src"]).map { $0[0] }) == [run.functionIP])
        #expect(run.summary.packets.dropped == 0)
        #expect(
            run.flowLogRecords.contains {
                $0["dstport"] == "5432" && $0["action"] == "ACCEPT" && $0["interface-id"] == run.functionENI
            })
    }

    @Test func stepFunctionsInvokeStaysOutOfTheVPC() throws {
        let run = try ScenarioRun("stepfunctions-lambda-dynamodb", duration: .seconds(20))
        #expect(try run.check().ok)
        let m = run.summary.stateMachines[0]
        #expect(m.executions > 10 && m.succeeded == m.executions)
        #expect(run.summary.functions[0].invocations == m.executions)
        // Only DNS and DynamoDB (443 to its ranges) cross the function's ENI: no Lambda or
        // Step Functions API traffic.
        let recs = run.flowLogRecords.filter { $0["log-status"] == "OK" }
        let dynamo = ["52.94.", "52.119.", "3.218.", "35.71."]
        #expect(!recs.isEmpty)
        #expect(recs.allSatisfy { r in dynamo.contains { r["srcaddr"]!.hasPrefix($0) || r["dstaddr"]!.hasPrefix($0) } })
    }

    @Test func endpointPolicyDeniesOneTableOverAnAcceptedTLSConnection() throws {
        let run = try ScenarioRun("endpoint-policy-deny", duration: .seconds(20))
        let (ok, report, _) = try run.check()
        #expect(ok)
        let f = run.summary.functions[0]
        #expect(f.failed == f.invocations && f.errors == ["AccessDeniedException": f.invocations])
        let orders = run.summary.calls.first { $0.name == "orders-auditor/PutItem" }!
        #expect(orders.calls == 2 * f.invocations && orders.errors == f.invocations)
        // The TLS sessions are complete and in use; every flow-log record is an ACCEPT.
        let streams = report["streams"] as! [[String: Any]]
        #expect(!streams.isEmpty && streams.allSatisfy { ($0["appdata_records_s2c"] as! Int) > 5 })
        #expect(run.flowLogRecords.allSatisfy { $0["action"] == "ACCEPT" || $0["log-status"] == "NODATA" })
    }

    /// Stateless ACL without the ephemeral range inbound: ACCEPT out, REJECT in
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html,
    /// https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html).
    @Test func naclBlocksTheReturnPath() throws {
        let run = try ScenarioRun("nacl-blocks-return", duration: .seconds(20))
        #expect(try run.check().ok)
        #expect(run.summary.functions[0].timedOut == run.summary.functions[0].invocations)
        #expect(
            run.summary.packets.dropDetails.keys.allSatisfy { $0 == "network-acl acl-0f1a2b3c4d5e60061 inbound rule *" }
        )
        let recs = run.flowLogRecords.filter { $0["log-status"] == "OK" }
        let out = recs.filter { $0["srcaddr"] == run.functionIP }
        let back = recs.filter { $0["dstaddr"] == run.functionIP }
        #expect(!out.isEmpty && out.allSatisfy { $0["action"] == "ACCEPT" && $0["dstport"] == "443" })
        #expect(!back.isEmpty && back.allSatisfy { $0["action"] == "REJECT" && $0["srcport"] == "443" })
        // The SYN-ACKs reached the ENI's capture (then were rejected).
        #expect(
            try !run.frames(run.pcap(run.functionENI), "tcp.flags.syn == 1 && tcp.flags.ack == 1", fields: ["ip.src"])
                .isEmpty)
    }
}
