import Foundation
import Testing
import TestSupport

/// `vpcsim import terraform` on `terraform show -json` of a plan and of the state after applying
/// it (hand-written in the documented format by Tools/make-terraform-fixtures: no `terraform`
/// binary installs from Debian or PyPI), then `vpcsim path` and `vpcsim run` on the result.
@Suite struct ImportTerraformTests {
    var binary: String { vpcsimBinary() }
    static let dir = repositoryRoot() + "/Tests/Fixtures/import/terraform"

    static let workload = """
        include: orders.yaml
        run: {duration: 10s, seed: 1}
        functions:
          - name: orders-writer
            invocations: {rate: 2/s}
            handler: [{database: orders-db, query-bytes: 120, result-bytes: 640}, {dynamodb: PutItem, table: Orders}]
          - name: orders-audit
            invocations: {rate: 1/s}
            handler: [{dynamodb: PutItem, table: Audit}]
        captures: [{database: orders-db}]

        """

    @Test func fixturesAreWhatTheirDescriptionWrites() throws {
        let python = try requireTool("python3", package: "python3")
        let r = runProgram(python, [repositoryRoot() + "/Tools/make-terraform-fixtures", "--check", Self.dir])
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// The plan (ids unknown until apply) and the state (ids AWS gave): the writer reaches
    /// DynamoDB through the gateway endpoint and its database on 5432; the audit function's
    /// isolated subnet has no route, so it times out.
    @Test(arguments: ["plan", "state"]) func importsAndGivesThePredictedVerdicts(_ kind: String) throws {
        let dir = temporaryDirectory("import-tf-\(kind)")
        let out = dir + "/orders.yaml"
        let r = runProgram(binary, ["import", "terraform", Self.dir + "/\(kind).json", "--output", out])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        // Origins are resource addresses, child modules included; what is not modelled is listed.
        #expect(text.contains("# orders-private-1 — \(kind).json module.network.aws_subnet.private[1]"))
        #expect(text.contains("#   aws_iam_role: 1"))
        #expect(r.stderr.contains("aws_iam_role: 1") && !r.stderr.contains("egress_only"), "\(r.stderr)")
        // Egress-only gateways, the peering connection, the transit gateway with its default table
        // (both attachments associated and propagating), the inspection table's propagation and
        // blackhole route; the partner table's IPv6 default route and its route over the peering.
        let id = #"[0-9a-f]{17}"#
        #expect(
            text.contains("egress-only-internet-gateways:\n  # partner — \(kind).json aws_egress_only_internet_gateway")
        )
        #expect(
            text.contains(try Regex(#"  - id: pcx-"# + id + #"\n    requester: vpc-"# + id + #"\n    accepter: vpc-"#)))
        #expect(text.contains("allow-dns-resolution-from-remote-vpc: true"))
        #expect(text.contains(try Regex(#"\{destination: "::/0", target: eigw-"# + id + #"\}"#)))
        #expect(text.contains(try Regex(#"\{destination: 10\.30\.0\.0/16, target: pcx-"# + id + #"\}"#)))
        #expect(text.contains(try Regex(#"subnets: \[subnet-"# + id + #"\], appliance-mode: true\}"#)))
        let attach = #"tgw-attach-"# + id
        #expect(
            text.contains(
                try Regex(
                    #"\{id: tgw-rtb-"# + id + #", associations: \["# + attach + ", " + attach + #"\], propagations: \["#
                        + attach + ", " + attach + #"\]\}"#)), "\(text)")
        #expect(
            text.contains(
                try Regex(
                    #"propagations: \["# + attach
                        + #"\], routes: \[\{destination: 10\.99\.0\.0/16, target: blackhole\}\]"#)))
        // The interface endpoint in both private subnets, with the writer's group and private DNS.
        #expect(
            text.contains(
                try Regex(
                    #"service: com\.amazonaws\.us-east-1\.sqs\n    type: Interface\n    subnets: \[subnet-"# + id
                        + ", subnet-" + id + #"\]\n    security-groups: \[sg-"# + id + #"\]\n    private-dns: true"#)),
            "\(text)")
        if kind == "state" {
            #expect(text.contains("ipv6-cidr: \"2600:1f18:6c0:8a00::/56\""))
            #expect(text.contains("ipv6-cidr: \"2600:1f18:6c0:8a01::/64\"\n    enable-dns64: true"))
            #expect(text.contains("{id: tgw-rtb-0c3e5a7b9d1f22799, associations: [tgw-attach-0c3e5a7b9d1f22801, "))
        } else {
            // Amazon assigns the block at apply: a plan does not know it, and the header says so.
            #expect(!text.contains("ipv6-cidr") && text.contains("#   IPv6 CIDR block unknown until apply: 2"))
        }
        // The stand-alone rule, the default group an instance without groups is in, the NACL rule.
        #expect(
            text.contains(
                try Regex(
                    #"ingress:\n      - \{protocol: tcp, ports: 5432, source: sg-[0-9a-f]{17}, "#
                        + #"description: orders-writer\}"#
                )))
        #expect(
            text.contains(
                try Regex(#"name: default\n    vpc: vpc-[0-9a-f]{17}\n    description: "default VPC security group""#)))
        #expect(text.contains("{rule: 90, protocol: tcp, ports: 22, source: 0.0.0.0/0, action: deny}"))
        // A VPC that exists already, read from its data source, and the subnet the plan adds to it.
        #expect(text.contains("# shared — \(kind).json data.aws_vpc.shared\n  - id: vpc-0f1e2d3c4b5a69788\n"))
        let tools = try Regex(
            #"# shared-tools — [a-z]+\.json aws_subnet\.tools\n  - id: subnet-[0-9a-f]{17}\n"#
                + #"    vpc: vpc-0f1e2d3c4b5a69788\n"#)
        #expect(text.contains(tools))
        if kind == "state" {
            #expect(text.contains("- id: vpc-0c3e5a7b9d1f20418")) // ids as AWS gave them
            #expect(text.contains("account: \"210987654321\""))
            #expect(text.contains("elastic-ip: 3.88.14.201"))
        } else {
            #expect(text.contains("(a plan, Terraform 1.9.8)"))
        }

        // The same input gives the same bytes.
        #expect(
            runProgram(binary, ["import", "terraform", Self.dir + "/\(kind).json", "-o", dir + "/b.yaml", "--quiet"])
                .status == 0)
        #expect(try String(contentsOfFile: dir + "/b.yaml", encoding: .utf8) == text)

        try Self.workload.write(toFile: dir + "/workload.yaml", atomically: true, encoding: .utf8)
        func path(_ from: String, _ to: String) -> String {
            let p = runProgram(binary, ["path", dir + "/workload.yaml", "--from", from, "--to", to])
            // Exit status 0 when reachable, 1 when dropped.
            #expect(p.status == (p.stdout.contains("outcome: reachable") ? 0 : 1), "\(p.stderr)")
            return p.stdout
        }
        let writer = path("orders-writer", "dynamodb.us-east-1.amazonaws.com:443")
        #expect(writer.contains("outcome: reachable both ways"), "\(writer)")
        #expect(writer.contains(try Regex(#"pl-02cd2c6b → vpce-[0-9a-f]{17}"#)), "\(writer)")
        #expect(path("orders-audit", "dynamodb.us-east-1.amazonaws.com:443").contains("(no-route: no route in rtb-"))
        #expect(path("orders-writer", "orders-db:5432").contains("outcome: reachable both ways"))

        let run = runProgram(binary, ["run", dir + "/workload.yaml", "--out", dir + "/out"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("orders-audit: Task timed out after 3.00 seconds"), "\(run.stdout)")
        #expect(
            run.stdout.contains(try Regex(#"orders-writer: (\d+) invocations, \d+ cold starts, \1 succeeded\n"#)),
            "\(run.stdout)")
        #expect(filesUnder(dir + "/out").contains { $0.hasPrefix("cloudwatch-logs/_vpc_orders/") })
        let report = try CheckRunReport(dir + "/out")
        #expect(report.ok, "\(report.failures)")
    }

    /// Truncated JSON, a configuration reference to a resource the plan lacks, an id the state
    /// lacks, an unsupported format version: one located error each, nothing written.
    /// `ipv6_native = true` with no cidr_block: the subnet is read as IPv6-only, and the loader's
    /// located error about what cannot be there (the transit gateway attachment of the fixture's
    /// partner subnet needs an IPv4 address) is the one error, naming the state's resource.
    @Test func ipv6NativeSubnetIsReadAsIPv6Only() throws {
        let dir = temporaryDirectory("import-tf-v6")
        var state = try String(contentsOfFile: Self.dir + "/state.json", encoding: .utf8)
        let partner = try #require(state.range(of: "\"cidr_block\": \"10.40.1.0/24\""))
        state.replaceSubrange(partner, with: "\"cidr_block\": \"\", \"ipv6_native\": true")
        try state.write(toFile: dir + "/state.json", atomically: true, encoding: .utf8)
        let r = runProgram(binary, ["import", "terraform", dir + "/state.json", "-o", dir + "/out.yaml"])
        #expect(r.status == 2 && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("subnet subnet-0c3e5a7b9d1f22101 is IPv6-only (ipv6-native)"), "\(r.stderr)")
        #expect(r.stderr.contains("aws_ec2_transit_gateway.hub"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.yaml"))
    }

    @Test func badInputsAreLocatedErrorsAndWriteNothing() throws {
        let dir = temporaryDirectory("import-tf-bad")
        let plan = try String(contentsOfFile: Self.dir + "/plan.json", encoding: .utf8)
        let state = try String(contentsOfFile: Self.dir + "/state.json", encoding: .utf8)
        // The configuration of the isolated subnet, its vpc_id made to refer to a VPC that does not exist.
        var missingReference = plan
        let config = try #require(plan.range(of: "\"address\": \"aws_subnet.isolated\""))
        let refs = try #require(plan.range(of: "\"aws_vpc.this.id\",", range: config.upperBound..<plan.endIndex))
        let bare = try #require(plan.range(of: "\"aws_vpc.this\"", range: refs.upperBound..<plan.endIndex))
        missingReference.replaceSubrange(
            refs.lowerBound..<bare.upperBound, with: "\"aws_vpc.gone.id\", \"aws_vpc.gone\"")
        // The state without its VPC's own id (every reference to it is left as it was).
        var missingVPC = state
        let vpc = try #require(state.range(of: "\"id\": \"vpc-0c3e5a7b9d1f20418\""))
        missingVPC.replaceSubrange(vpc, with: "\"id\": \"vpc-0c3e5a7b9d1f2041f\"")
        let cases: [(String, String, String)] = [
            ("truncated.json", String(plan.prefix(2000)), #"truncated\.json:\d+: not valid JSON \(truncated\?\)"#),
            (
                "missing-reference.json", missingReference,
                #"missing-reference\.json: module\.network\.aws_subnet\.isolated\.vpc_id: "#
                    + #"refers to aws_vpc\.gone\.id, "#
                    + #"and the plan holds no aws_vpc\.gone in module\.network"#
            ),
            (
                "missing-vpc.json",
                missingVPC,
                #"missing-vpc\.json: module\.network\.aws_subnet\.isolated\.vpc_id: no VPC 'vpc-0c3e5a7b9d1f20418' in "#
                    + #"the input \(aws_vpc or data\.aws_vpc\)"#
            ),
            (
                "version.json",
                plan.replacingOccurrences(of: "\"format_version\": \"1.2\"", with: "\"format_version\": \"2.0\""),
                #"version\.json: \$\.format_version: unsupported format_version "2\.0""#
            ),
        ]
        for (name, text, expected) in cases {
            try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
            try text.write(toFile: dir + "/in/" + name, atomically: true, encoding: .utf8)
            let out = dir + "/out.yaml"
            let r = runProgram(binary, ["import", "terraform", dir + "/in/" + name, "-o", out])
            #expect(r.status == 2, "\(name)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.contains(try Regex(expected)), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }
}
