import Foundation
import Testing
import TestSupport

/// `vpcsim import cloudformation` on a template in the shape of AWS's VPC samples (checked with
/// cfn-lint, the linter AWS publishes), then runs of the imported stacks.
@Suite struct ImportCloudFormationTests {
    var binary: String { vpcsimBinary() }
    static let template = repositoryRoot() + "/Tests/Fixtures/import/vpc-lambda-dynamodb.yaml"

    @Test func fixtureIsAValidTemplateForCfnLint() throws {
        let lint = repositoryRoot() + "/.build/pyenv/bin/cfn-lint"
        guard FileManager.default.isExecutableFile(atPath: lint) else {
            throw ToolFailure("\(lint) is missing: run Tools/install-deps --test")
        }
        let r = runProgram(lint, [Self.template])
        #expect(r.status == 0, "cfn-lint: \(r.stdout)\(r.stderr)")
    }

    /// EgressPath=endpoint: the function reaches DynamoDB through the gateway endpoint; nat:
    /// through the NAT gateway; none: every invocation times out. The database is reachable in all.
    @Test(arguments: ["endpoint", "nat", "none"]) func stackRunsAsAHumanWouldPredict(_ egress: String) throws {
        let dir = temporaryDirectory("import-cfn")
        let out = dir + "/stack.yaml"
        let r = runProgram(
            binary, ["import", "cloudformation", Self.template, "--parameters", "EgressPath=\(egress)", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains("#   AWS::IAM::Role: 1"))
        #expect(text.contains("# orders Public Subnet (AZ1) — vpc-lambda-dynamodb.yaml Resources.PublicSubnet1"))
        #expect(text.contains("cidr: 10.192.2.0/24")) // Fn::Select [2, Fn::Cidr [10.192.0.0/16, 4, 8]]
        #expect(text.contains("availability-zone: us-east-1b")) // Fn::Select [1, Fn::GetAZs ""]
        #expect(text.contains("- name: orders-writer")) // Fn::Sub ${EnvironmentName}-writer
        #expect(text.contains("- name: orders-db")) // Fn::Join
        #expect(text.contains("vpce-") == (egress == "endpoint"))
        #expect(text.contains("nat-") == (egress == "nat"))
        // The VPC's default group, as AWS creates it, holds the bastion launched without groups.
        let defaultGroup = String(
            try #require(
                text.firstMatch(of: try Regex(#"- id: (sg-[0-9a-f]{17})\n    name: default\n"#))?.output[1].substring))
        #expect(text.contains("  - {protocol: all, source: \(defaultGroup)}"))
        let bastion = try #require(
            text.firstMatch(
                of: try Regex(
                    #"name: orders-bastion\n.*\n    security-groups: \[(sg-[0-9a-f]{17})\]\n"#
                        + #"    private-ip: ([0-9.]+)\n"#
                        + #"    public-ip: [0-9.]+\n    eni: (eni-[0-9a-f]{17})"#))?.output)
        #expect(bastion[1].substring.map(String.init) == defaultGroup)
        // Fn::GetAtt Bastion.PrivateIp and ReportsInterface.PrimaryPrivateIpAddress are the addresses
        // the instances get.
        let bastionIP = try #require(bastion[2].substring.map(String.init))
        #expect(text.contains("source: \(bastionIP)/32, description: \"psql from the bastion\""))
        let reportsIP = String(
            try #require(
                text.firstMatch(of: try Regex(#"name: orders-reports\n(?:.*\n){2}    private-ip: ([0-9.]+)"#))?
                    .output[1].substring))
        #expect(text.contains("source: \(reportsIP)/32, description: \"the reports host\""))
        let again = runProgram(
            binary,
            ["import", "cloudformation", Self.template, "--parameters", "EgressPath=\(egress)", "-o", dir + "/b.yaml"])
        #expect(again.status == 0)
        #expect(try String(contentsOfFile: dir + "/b.yaml", encoding: .utf8) == text)

        try """
        include: stack.yaml
        run: {duration: 10s}
        functions:
          - name: orders-writer
            invocations: {rate: 2/s}
            handler: [{database: orders-db}, {dynamodb: PutItem, table: Orders}]
        captures: [{function: orders-writer}]

        """.write(toFile: dir + "/workload.yaml", atomically: true, encoding: .utf8)
        let db = runProgram(
            binary, ["path", dir + "/workload.yaml", "--from", "orders-writer", "--to", "orders-db:5432"])
        #expect(db.stdout.contains("outcome: reachable both ways"), "\(db.stdout)\(db.stderr)")
        // The bastion reaches the database through its /32 rule (its default group allows all out).
        let psql = runProgram(
            binary,
            [
                "path", dir + "/workload.yaml", "--from", try #require(bastion[3].substring.map(String.init)), "--to",
                "orders-db:5432",
            ])
        #expect(psql.stdout.contains("outcome: reachable both ways"), "\(psql.stdout)\(psql.stderr)")
        let run = runProgram(binary, ["run", dir + "/workload.yaml", "--out", dir + "/out"])
        #expect(run.status == 0, "\(run.stderr)")
        // The flow log of the NAT gateway's interface (Fn::GetAtt NatGateway.EniId) has records.
        #expect(filesUnder(dir + "/out").contains { $0.hasPrefix("cloudwatch-logs/_orders_nat/") } == (egress == "nat"))
        if egress == "none" {
            #expect(run.stdout.contains("orders-writer: Task timed out after 3.00 seconds"))
        } else {
            #expect(
                run.stdout.contains(try Regex(#"orders-writer: (\d+) invocations, \d+ cold starts, \1 succeeded\n"#)))
        }
    }

    /// An IPv6-only subnet (`Ipv6Native: true` with its Ipv6CidrBlock written, the template
    /// checked by cfn-lint): imported as `ipv6-native: true`, its instance with an IPv6 address
    /// only, and the instance's path out through the egress-only gateway reachable.
    @Test func ipv6OnlySubnetImports() throws {
        let template = repositoryRoot() + "/Tests/Fixtures/import/ipv6-only-subnet.yaml"
        let lint = runProgram(repositoryRoot() + "/.build/pyenv/bin/cfn-lint", [template])
        #expect(lint.status == 0, "cfn-lint: \(lint.stdout)\(lint.stderr)")
        let dir = temporaryDirectory("import-cfn-v6")
        let r = runProgram(binary, ["import", "cloudformation", template, "-o", dir + "/stack.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: dir + "/stack.yaml", encoding: .utf8)
        let subnet = try #require(text.range(of: "Resources.OnlySubnet\n").map { String(text[$0.upperBound...]) })
        let block = String(subnet.prefix { $0 != "#" })
        #expect(block.contains("    ipv6-native: true\n") && !block.contains("cidr: 10."), "\(block)")
        #expect(block.contains("ipv6-cidr: \"2600:1f18:4a3:7401::/64\"") && block.contains("enable-dns64: true"))
        try """
        include: stack.yaml
        run: {duration: 5s, seed: 1}
        internet: [{name: v6, address: "2001:db8::1"}]

        """.write(toFile: dir + "/workload.yaml", atomically: true, encoding: .utf8)
        let p = runProgram(
            binary, ["path", dir + "/workload.yaml", "--from", "v6only-app", "--to", "[2001:db8::1]:443"])
        #expect(p.status == 0 && p.stdout.contains("outcome: reachable both ways"), "\(p.stdout)\(p.stderr)")
        #expect(p.stdout.contains("[2600:1f18:4a3:7401:") && p.stdout.contains("→ eigw-"), "\(p.stdout)")
    }

    @Test func cycleOfRefsIsOneLocatedErrorAndWritesNothing() throws {
        let dir = temporaryDirectory("import-cfn-cycle")
        try """
        Resources:
          VPC:
            Type: AWS::EC2::VPC
            Properties: {CidrBlock: 10.0.0.0/16}
          GroupA:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: a
              VpcId: !Ref VPC
              SecurityGroupIngress:
                - {IpProtocol: tcp, FromPort: 80, ToPort: 80, SourceSecurityGroupId: !Ref GroupB}
          GroupB:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: b
              VpcId: !Ref VPC
              SecurityGroupIngress:
                - {IpProtocol: tcp, FromPort: 80, ToPort: 80, SourceSecurityGroupId: !GetAtt GroupA.GroupId}

        """.write(toFile: dir + "/cycle.yaml", atomically: true, encoding: .utf8)
        let r = runProgram(binary, ["import", "cloudformation", dir + "/cycle.yaml", "-o", dir + "/out.yaml"])
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(
            r.stderr.contains(
                "cycle.yaml:11: Resources.GroupA: circular dependency between resources: GroupA → GroupB → GroupA"),
            "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.yaml"))
    }

    @Test func parameterWithoutValueAndUnknownParameterAreLocatedErrors() throws {
        let dir = temporaryDirectory("import-cfn-params")
        let r = runProgram(
            binary,
            ["import", "cloudformation", Self.template, "--parameters", "EgressPath=vpn", "-o", dir + "/o.yaml"])
        #expect(r.status == 2)
        #expect(
            r.stderr.contains(
                "vpc-lambda-dynamodb.yaml:15: Parameters.EgressPath: 'vpn' is not one of the AllowedValues"),
            "\(r.stderr)")
        let u = runProgram(
            binary, ["import", "cloudformation", Self.template, "--parameters", "Nope=1", "-o", dir + "/o.yaml"])
        #expect(u.status == 2)
        #expect(
            u.stderr.contains(
                "vpc-lambda-dynamodb.yaml:8: Parameters: --parameters Nope: the template has no such parameter"))
        #expect(filesUnder(dir).isEmpty)
    }
}
