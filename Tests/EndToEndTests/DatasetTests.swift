import Testing
import Foundation
import SimCore
import TestSupport
import Topology
@testable import Experiments

/// The dataset topology, its anomalies moved to the first minutes so a short run has them all.
@Suite(.serialized) struct DatasetTests {
    static func earlyTopology() throws -> String {
        let text = try String(contentsOfFile: repositoryRoot() + "/Topologies/dataset-enterprise.yaml", encoding: .utf8)
            .replacingOccurrences(of: "start: 3h07m", with: "start: 1m")
            .replacingOccurrences(of: "start: 14h21m", with: "start: 90s")
            .replacingOccurrences(of: "start: 9h42m", with: "start: 2m")
            .replacingOccurrences(of: "request-bytes: 400MB", with: "request-bytes: 40MB")
        let path = temporaryDirectory("dataset-topology") + "/dataset-early.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func labelsCoverEveryAnomalyAndMatchRecords() throws {
        let scenario = try TopologyLoader.load(
            path: try Self.earlyTopology(), overrides: RunOverrides(duration: .seconds(240)))
        let dir = temporaryDirectory("dataset")
        var options = RunOptions(outputDirectory: dir)
        options.pcaps = true
        let summary = try Runner.run(scenario, options: options)
        #expect(summary.labels == ["normal", "port-scan", "data-exfiltration", "denied-lateral-movement"])
        #expect(summary.peakMemoryKB > 0)

        // Episodes: one line per anomaly with its real extent.
        let episodes = try String(contentsOfFile: dir + "/labels/episodes.jsonl", encoding: .utf8).split(
            separator: "\n"
        )
        .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(
            Set(episodes.map { $0["label"] as! String }) == [
                "port-scan", "data-exfiltration", "denied-lateral-movement",
            ])
        let scan = episodes.first { $0["label"] as? String == "port-scan" }!
        #expect((scan["sources"] as! [String]) == ["194.26.29.102"])
        // One sweep of 1,024 ports at 200 a second: about 5 s of its 8-second window.
        #expect((4...6).contains((scan["end_unix"] as! Int) - (scan["start_unix"] as! Int)))
        #expect((scan["ports"] as! [Int]) == [1, 1024] && scan["ports_are_range"] as? Bool == true)
        let lateralEpisode = episodes.first { $0["label"] as? String == "denied-lateral-movement" }!
        #expect(
            (lateralEpisode["ports"] as! [Int]) == [22, 445, 3389, 5985]
                && lateralEpisode["ports_are_range"] as? Bool == false)
        #expect(
            episodes.map { $0["start_unix"] as! Int } == episodes.map { $0["start_unix"] as! Int }.sorted(),
            "in order of start")
        let exfil = episodes.first { $0["label"] as? String == "data-exfiltration" }!
        #expect((exfil["end_unix"] as! Int) > (exfil["start_unix"] as! Int), "a 40 MB upload takes a while")

        // Every labelled record exists in the flow logs, with the same fields.
        let run = RecordIndex(directory: dir)
        let labelLines = gunzipLines(dir + "/labels/fl-0d4e5f6a7b8c90031-records.csv.gz")
        #expect(labelLines.first == "interface-id,srcaddr,dstaddr,srcport,dstport,protocol,start,end,action,label")
        var byLabel: [String: [String]] = [:]
        for l in labelLines.dropFirst() {
            let f = l.split(separator: ",").map(String.init)
            #expect(run.contains(f[0...8].joined(separator: " ")), "labelled record missing from the flow logs: \(l)")
            byLabel[f[9], default: []].append(l)
        }
        #expect(UInt64(labelLines.count - 1) == summary.labelledRecords)
        // The scan: rejected at web-2 for closed ports; lateral movement: rejected at the databases,
        // accepted on the way out of app-3; exfiltration: accepted through the NAT gateway.
        #expect((byLabel["port-scan"] ?? []).filter { $0.hasSuffix(",REJECT,port-scan") }.count > 1000)
        // Each port probed once: one record from the scanner per destination port.
        let probed = (byLabel["port-scan"] ?? []).map { $0.split(separator: ",").map(String.init) }.filter {
            $0[1] == "194.26.29.102"
        }.map { Int($0[4])! }
        #expect(probed.sorted() == Array(1...1024))
        let lateral = byLabel["denied-lateral-movement"] ?? []
        #expect(
            lateral.contains { $0.hasSuffix(",REJECT,denied-lateral-movement") }
                && lateral.contains { $0.hasSuffix(",ACCEPT,denied-lateral-movement") })
        let nat = summary.natGateways[0].eni
        #expect((byLabel["data-exfiltration"] ?? []).contains { $0.hasPrefix(nat + ",") })
        #expect((byLabel["data-exfiltration"] ?? []).allSatisfy { $0.contains(",ACCEPT,") })

        // Platform chatter is in the instance's pcap and never in the flow logs
        // (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-limitations.html).
        let pcap = dir + "/" + summary.pcaps.first { $0.label == "instance web-2" }!.file
        let tshark = try requireTool("tshark")
        let platform = runProgram(
            tshark,
            [
                "-r", pcap, "-Y", "ntp || dhcp || (ip.addr == 169.254.169.254 && http)", "-T", "fields", "-e",
                "frame.protocols",
            ])
        #expect(platform.stdout.contains("ntp"))
        #expect(platform.stdout.contains("http"))
        #expect(!run.records.contains { $0.contains(" 169.254.") })
        let check = runProgram("/usr/bin/env", ["python3", try #require(checkRunTool()), "--quiet", dir])
        #expect(check.status == 0, "\(check.stdout)")
    }

    /// The documented ping scenario (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html):
    /// the ACL admits the echo request in but its outbound rules do not allow the reply out — ACCEPT in, REJECT out.
    @Test func pingThroughAStatelessACLIsAcceptedThenRejected() throws {
        let yaml = """
            account: "123456789012"
            region: us-east-1
            run: {duration: 30s, seed: 3}
            vpcs: [{id: vpc-0000000000000000a, cidr: 10.0.0.0/16}]
            subnets:
              - {id: subnet-0000000000000000a, vpc: vpc-0000000000000000a, cidr: 10.0.1.0/24,
                 availability-zone: us-east-1a, route-table: rtb-0000000000000000a, network-acl: acl-0000000000000000a}
            route-tables:
              - {id: rtb-0000000000000000a, vpc: vpc-0000000000000000a,
                 routes: [{destination: 0.0.0.0/0, target: igw-0000000000000000a}]}
            internet-gateways: [{id: igw-0000000000000000a, vpc: vpc-0000000000000000a}]
            network-acls:
              - id: acl-0000000000000000a
                vpc: vpc-0000000000000000a
                inbound: [{rule: 100, protocol: icmp, source: 0.0.0.0/0, action: allow}]
                outbound: [{rule: 100, protocol: tcp, ports: 1024-65535, destination: 0.0.0.0/0, action: allow}]
            security-groups:
              - id: sg-0000000000000000a
                vpc: vpc-0000000000000000a
                ingress: [{protocol: icmp, source: 203.0.113.0/24}]
            instances:
              - {name: host, subnet: subnet-0000000000000000a, security-groups: [sg-0000000000000000a],
                 public-ip: 3.85.10.20, platform-agents: false}
            internet: [{name: home, address: 203.0.113.12}]
            traffic: [{name: ping, ping: {from: "internet:home", to: "instance:host", every: 5s}}]
            flow-logs:
              - {id: fl-0000000000000000a, resource: vpc-0000000000000000a, max-aggregation-interval: 60,
                 log-format: "${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets}
                   ${action} ${flow-direction} ${log-status}"}
            captures: [{instance: host}]
            """
        let scenario = try TopologyLoader.load(yaml: yaml, file: "ping.yaml")
        let dir = temporaryDirectory("ping")
        let summary = try Runner.run(scenario, options: RunOptions(outputDirectory: dir))
        let records = RecordIndex(directory: dir).records.map { $0.split(separator: " ").map(String.init) }.filter {
            $0[9] == "OK"
        }
        let inbound = records.filter { $0[8] == "ingress" }
        let outbound = records.filter { $0[8] == "egress" }
        #expect(
            !inbound.isEmpty
                && inbound.allSatisfy {
                    $0[1] == "203.0.113.12" && $0[3] == "0" && $0[4] == "0" && $0[5] == "1" && $0[7] == "ACCEPT"
                })
        #expect(
            !outbound.isEmpty && outbound.allSatisfy { $0[2] == "203.0.113.12" && $0[5] == "1" && $0[7] == "REJECT" })
        #expect(
            summary.packets.dropDetails.keys.contains {
                $0.hasPrefix("network-acl acl-0000000000000000a outbound rule *")
            })
        let check = runProgram("/usr/bin/env", ["python3", try #require(checkRunTool()), "--quiet", dir])
        #expect(check.status == 0, "\(check.stdout)")
    }

    @Test func cloudWatchLogsStreamsPerENI() throws {
        let text = try String(
            contentsOfFile: repositoryRoot() + "/Topologies/lambda-dynamodb-nat-gateway.yaml", encoding: .utf8
        )
        .replacingOccurrences(
            of: "    max-aggregation-interval: 60\n",
            with: "    max-aggregation-interval: 60\n    destination: cloudwatch-logs\n    log-group: /vpc/flow-logs\n")
        let scenario = try TopologyLoader.load(
            yaml: text, file: "cwl.yaml", overrides: RunOverrides(duration: .seconds(20)))
        let dir = temporaryDirectory("cwl")
        let summary = try Runner.run(scenario, options: RunOptions(outputDirectory: dir))
        let files = filesUnder(dir + "/cloudwatch-logs")
        // One stream per ENI that carried traffic: the function's and the NAT gateway's.
        #expect(
            Set(files) == [
                "_vpc_flow-logs/\(summary.functions[0].enis[0])-all.jsonl",
                "_vpc_flow-logs/\(summary.natGateways[0].eni)-all.jsonl",
            ])
        #expect(filesUnder(dir + "/flowlogs").isEmpty)
        var events = 0
        for f in files {
            let lines = try String(contentsOfFile: dir + "/cloudwatch-logs/" + f, encoding: .utf8).split(
                separator: "\n")
            for l in lines {
                let e = try JSONSerialization.jsonObject(with: Data(l.utf8)) as! [String: Any]
                let message = (e["message"] as! String).split(separator: " ")
                #expect(message.count == scenario.flowLogs[0].format.fields.count)
                // timestamp = the record's start, in ms; ingestion happens after its end.
                #expect((e["timestamp"] as! Int) == Int(message[10])! * 1000)
                #expect((e["ingestionTime"] as! Int) > Int(message[11])! * 1000)
                events += 1
            }
        }
        #expect(UInt64(events) == summary.flowLogs[0].records)
    }
}

/// All flow-log records of a run directory (text lines without the header).
struct RecordIndex {
    let records: [String]
    let keys: Set<String>
    init(directory: String) {
        var out: [String] = []
        var keys = Set<String>()
        for f in filesUnder(directory + "/flowlogs") where f.hasSuffix(".log.gz") {
            let lines = gunzipLines(directory + "/flowlogs/" + f)
            let header = lines.first!.split(separator: " ").map(String.init)
            let want = [
                "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol", "start", "end", "action",
            ]
            let idx = want.compactMap { header.firstIndex(of: $0) }
            for l in lines.dropFirst() {
                out.append(l)
                if idx.count == want.count {
                    let v = l.split(separator: " ").map(String.init)
                    keys.insert(idx.map { v[$0] }.joined(separator: " "))
                }
            }
        }
        records = out
        self.keys = keys
    }
    func contains(_ key: String) -> Bool { keys.contains(key) }
}
