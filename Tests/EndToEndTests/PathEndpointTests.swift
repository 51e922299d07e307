import Testing
import Foundation
import TestSupport
import Topology
@testable import Experiments

/// `vpcsim path` through interface endpoints (their DNS answer), endpoint policies on the path,
/// internet hosts and instance names as ends, and the exit status scripts branch on.
@Suite struct PathEndpointTests {
    static let interface = repositoryRoot() + "/Topologies/lambda-dynamodb-interface-endpoint.yaml"
    static let dnsName = "vpce-0c1d2e3f4a5b60099-kf7pac2a.dynamodb.us-east-1.vpce.amazonaws.com"
    var binary: String { vpcsimBinary() }

    @Test func interfaceEndpointNameIsAnsweredWithItsInterfaces() throws {
        let s = try TopologyLoader.load(path: Self.interface)
        let r = try PathExplainer.explain(s, from: "orders-writer", to: Self.dnsName + ":443")
        #expect(r.outcome == .reachable, "\(r.text)")
        let n = s.network
        let enis = n.interfaceEndpoints[0].enis.map { n.enis[$0.int] }
        // The answer lists both ENIs; the probe goes to the one in the function's AZ (us-east-1a).
        let answer = try #require(r.dnsAnswer)
        #expect(enis.allSatisfy { answer.contains($0.privateIP.description) }, "\(answer)")
        #expect(answer.contains("the own name of interface endpoint vpce-0c1d2e3f4a5b60099"))
        let local = try #require(enis.first { n.subnets[$0.subnet.int].id == "subnet-0c1d2e3f4a5b60001" })
        #expect(r.destinationAddress == "\(local.privateIP):443")
        #expect(
            r.forward.contains { $0.text.contains("security group sg-0c1d2e3f4a5b60022 (dynamodb-endpoint) ingress") })
        #expect(r.policy.count == 2 && r.policy.allSatisfy(\.allowed), "\(r.policy)")
        #expect(r.text.contains("dns: \(Self.dnsName) → "))
    }

    /// An SQS endpoint with private DNS: the Regional name is answered inside the VPC with its ENI.
    @Test func privateDNSAnswersTheRegionalName() throws {
        var y = try String(contentsOfFile: Self.interface, encoding: .utf8)
        let anchor = "security-groups:\n  - id: sg-0c1d2e3f4a5b60021\n"
        try #require(y.contains(anchor))
        y = y.replacingOccurrences(
            of: anchor,
            with: """
                  - id: vpce-0c1d2e3f4a5b600aa
                    vpc: vpc-0c1d2e3f4a5b60718
                    service: com.amazonaws.us-east-1.sqs
                    type: Interface
                    subnets: [subnet-0c1d2e3f4a5b60002]
                    security-groups: [sg-0c1d2e3f4a5b60022]

                """ + anchor)
        let s = try TopologyLoader.load(yaml: y, file: "sqs.yaml")
        #expect(s.network.interfaceEndpoints.count == 2 && s.network.interfaceEndpoints[1].privateDNS)
        let r = try PathExplainer.explain(s, from: "orders-writer", to: "sqs.us-east-1.amazonaws.com:443")
        #expect(r.outcome == .reachable, "\(r.text)")
        #expect(r.dnsAnswer?.contains("private DNS of interface endpoint vpce-0c1d2e3f4a5b600aa") == true)
        let eni = s.network.enis[s.network.interfaceEndpoints[1].enis[0].int]
        #expect(r.destinationAddress == "\(eni.privateIP):443")
        #expect(r.policy.isEmpty, "no SQS calls are modelled to check")
    }

    /// The gateway endpoint's policy on the path: a function whose every call is denied is not
    /// "reachable" (exit 3); one with some denied calls is, with the denials named.
    @Test func endpointPolicyOnThePath() throws {
        let t = repositoryRoot() + "/Topologies/endpoint-policy-deny.yaml"
        let s = try TopologyLoader.load(path: t)
        let mixed = try PathExplainer.explain(s, from: "orders-auditor", to: "dynamodb.us-east-1.amazonaws.com:443")
        #expect(mixed.outcome == .reachable && mixed.exitStatus == 0)
        #expect(
            mixed.policy.contains {
                !$0.allowed && $0.resource.hasSuffix("table/Audit") && $0.decision.hasPrefix("implicitly denied")
            })
        #expect(
            mixed.outcomeText.contains("denies dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/Audit")
        )
        var y = try String(contentsOfFile: t, encoding: .utf8)
        let before = y
        y = y.replacingOccurrences(of: "table: Orders", with: "table: Audit")
        #expect(y != before)
        let denied = try PathExplainer.explain(
            try TopologyLoader.load(yaml: y, file: "deny.yaml"), from: "orders-auditor",
            to: "dynamodb.us-east-1.amazonaws.com:443")
        #expect(
            denied.outcome == .policyDenied && denied.reason == "endpoint-policy" && denied.exitStatus == 3,
            "\(denied.text)")
        let cli = runProgram(
            binary, ["path", t, "--from", "orders-auditor", "--to", "dynamodb.us-east-1.amazonaws.com:443"])
        #expect(cli.status == 0 && cli.stdout.contains("endpoint policy (vpce-"), "\(cli.stdout)\(cli.stderr)")
    }

    @Test func exitStatusIsNonZeroWhenDropped() throws {
        let dropped = runProgram(
            binary,
            [
                "path", repositoryRoot() + "/Topologies/lambda-public-subnet.yaml", "--from", "orders-writer", "--to",
                "dynamodb.us-east-1.amazonaws.com:443",
            ])
        #expect(dropped.status == 1, "\(dropped.stdout)")
        #expect(dropped.stdout.contains("outcome: dropped on the way (igw-no-public-ip"), "\(dropped.stdout)")
        let ok = runProgram(binary, ["path", Self.interface, "--from", "orders-writer", "--to", Self.dnsName + ":443"])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
    }

    /// From an internet address to an instance by name (its public IP, through the internet
    /// gateway's 1:1 NAT), and from an instance by name.
    @Test func internetHostsAndInstanceNames() throws {
        let s = try TopologyLoader.load(path: repositoryRoot() + "/Topologies/dataset-enterprise.yaml")
        let web = try #require(s.instances.first { $0.name == "web-1" })
        let publicIP = try #require(s.network.enis[web.eni.int].publicIP)
        let r = try PathExplainer.explain(s, from: "81.2.64.9", to: "web-1:443")
        #expect(r.outcome == .reachable, "\(r.text)")
        #expect(r.source.hasPrefix("internet host 81.2.64.9") && r.destinationAddress == "\(publicIP):443")
        #expect(r.forward.contains { $0.text.contains("internet gateway") && $0.text.contains("1:1 NAT") })
        // An address no population holds is an internet host all the same.
        let lone = try PathExplainer.explain(s, from: "203.0.113.77", to: "web-1:443")
        #expect(lone.outcome == .reachable && lone.source.contains("not in the topology's populations"))
        // The web tier's security group admits 443 only: 22 is dropped.
        let ssh = try PathExplainer.explain(s, from: "81.2.64.9", to: "web-1:22")
        #expect(ssh.outcome == .dropped && ssh.exitStatus == 1, "\(ssh.text)")
        let fromInstance = try PathExplainer.explain(s, from: "web-1", to: "151.101.65.140:443")
        #expect(fromInstance.source.hasPrefix("instance web-1 (eni-"), "\(fromInstance.text)")
        do {
            _ = try PathExplainer.explain(s, from: "10.20.0.56", to: "web-1:443")
            Issue.record("a VPC address is not an internet host")
        } catch { #expect(error.message.contains("is inside a VPC")) }
    }
}
