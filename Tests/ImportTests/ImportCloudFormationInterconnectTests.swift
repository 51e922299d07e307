import Foundation
import Testing
import TestSupport

/// `vpcsim import cloudformation` of a template (checked with cfn-lint) with peering, a transit
/// gateway, an egress-only gateway, an IPv6 rule and an interface endpoint.
@Suite struct ImportCloudFormationInterconnectTests {
    var binary: String { vpcsimBinary() }
    static let template = repositoryRoot() + "/Tests/Fixtures/import/vpc-peering-transit-gateway.yaml"

    @Test func templateIsValidForCfnLint() throws {
        let lint = repositoryRoot() + "/.build/pyenv/bin/cfn-lint"
        guard FileManager.default.isExecutableFile(atPath: lint) else {
            throw ToolFailure("\(lint) is missing: run Tools/install-deps --test")
        }
        let r = runProgram(lint, [Self.template])
        #expect(r.status == 0, "cfn-lint: \(r.stdout)\(r.stderr)")
    }

    @Test func peeringTransitGatewayAndEndpointsImport() throws {
        let dir = temporaryDirectory("import-cfn-interconnect")
        let r = runProgram(binary, ["import", "cloudformation", Self.template, "-o", dir + "/stack.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: dir + "/stack.yaml", encoding: .utf8)
        let id = #"[0-9a-f]{17}"#
        // Amazon's IPv6 block is chosen when the stack exists: said, not invented.
        #expect(r.stderr.contains("IPv6 CIDR block unknown until the stack exists: 1"), "\(r.stderr)")
        #expect(!text.contains("ipv6-cidr"))
        #expect(text.contains(try Regex(#"egress-only-internet-gateways:\n  # AppEgressOnly — "#)))
        #expect(
            text.contains(try Regex(#"- id: pcx-"# + id + #"\n    requester: vpc-"# + id + #"\n    accepter: vpc-"#)))
        // The default table holds the app attachment (the shared one is explicitly associated with
        // the inspection table, which the app attachment propagates to).
        let attach = "tgw-attach-" + id
        #expect(text.contains(try Regex(#"\{id: tgw-rtb-"# + id + ", associations: \\[" + attach + #"\]\}"#)))
        #expect(
            text.contains(
                try Regex(
                    #"\{id: tgw-rtb-"# + id + ", associations: \\[" + attach + "\\], propagations: \\[" + attach
                        + #"\], routes: \[\{destination: 10\.99\.0\.0/16, target: blackhole\}\]\}"#)))
        #expect(text.contains("appliance-mode: true}"))
        #expect(text.contains(try Regex(#"\{destination: "::/0", target: eigw-"# + id + #"\}"#)))
        #expect(text.contains(try Regex(#"\{destination: 10\.60\.0\.0/16, target: pcx-"# + id + #"\}"#)))
        #expect(text.contains(try Regex(#"\{destination: 10\.0\.0\.0/8, target: tgw-"# + id + #"\}"#)))
        #expect(text.contains(#"{protocol: tcp, ports: 443, source: "::/0"}"#))
        #expect(text.contains("type: Interface\n    subnets: [subnet-"))
        #expect(text.contains("private-dns: true"))
    }
}
