import Foundation
import Testing
import TestSupport

/// `vpcsim import aws` on describe-* JSON that moto (AWS's API emulated by moto 5, driven by the
/// real boto3) produced in this test run, then `vpcsim path` and `vpcsim run` on the result.
@Suite(.serialized) struct ImportAWSTests {
    static let python = repositoryRoot() + "/.build/pyenv/bin/python3"
    var binary: String { vpcsimBinary() }

    /// Runs Tools/make-import-fixtures; fails (not skips) when the virtualenv or moto is missing.
    static func fixtures(_ extra: [String] = []) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ToolFailure("\(python) is missing: run Tools/install-deps --test")
        }
        let dir = temporaryDirectory("import-fixtures")
        let r = runProgram(python, [repositoryRoot() + "/Tools/make-import-fixtures", dir] + extra)
        guard r.status == 0 else {
            throw ToolFailure("make-import-fixtures exited \(r.status):\n\(r.stderr.suffix(3000))")
        }
        guard !filesUnder(dir).isEmpty else { throw ToolFailure("make-import-fixtures wrote nothing") }
        return dir
    }

    static let workload = """
        include: shop.yaml
        scenario: my-account
        run: {duration: 15s, seed: 1}
        functions:
          - name: orders-writer
            invocations: {rate: 2/s}
            handler: [{dynamodb: PutItem, table: Orders, item-bytes: 110}]
          - name: legacy-writer
            invocations: {rate: 1/s}
            handler: [{dynamodb: PutItem, table: Orders}]
          - name: shop-api
            invocations: {rate: 1/s}
            handler: [{database: shop-db, query-bytes: 120, result-bytes: 640}, {dynamodb: GetItem, table: Orders}]
        captures: [{function: orders-writer}]

        """

    /// An IPv6-only subnet as moto describes it (Ipv6Native, no CidrBlock): imported as
    /// `ipv6-native: true` with its /64, its instance with only an IPv6 address, and the paths out
    /// through the egress-only gateway and through NAT64 reachable.
    @Test func ipv6OnlySubnetImports() throws {
        let fx = try Self.fixtures(["--scenario", "ipv6-only"])
        let dir = temporaryDirectory("import-aws-v6")
        let r = runProgram(binary, ["import", "aws", fx + "/ipv6-only", "--output", dir + "/ipv6-only.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: dir + "/ipv6-only.yaml", encoding: .utf8)
        let described =
            try JSONSerialization.jsonObject(
                with: Data(
                    contentsOf: URL(
                        fileURLWithPath: fx + "/ipv6-only/123456789012/us-east-1/describe-subnets.json")))
            as! [String: Any]
        let native = try #require(
            (described["Subnets"] as! [[String: Any]]).first { $0["Ipv6Native"] as? Bool == true })
        #expect(native["CidrBlock"] == nil)
        let id = native["SubnetId"] as! String, vpc = native["VpcId"] as! String
        #expect(text.contains("- id: \(id)\n    vpc: \(vpc)\n    ipv6-native: true\n"), "\(text)")
        #expect(text.contains("    subnet: \(id)\n"))
        let instance = try #require(text.range(of: "name: v6-app-1\n").map { String(text[$0.upperBound...]) })
        #expect(!instance.prefix(200).contains("private-ip") && instance.prefix(200).contains("ipv6-address: \""))

        try """
        include: ipv6-only.yaml
        run: {duration: 5s, seed: 1}
        internet: [{name: partner, address: 203.0.113.20}, {name: v6, address: "2001:db8::1"}]

        """.write(toFile: dir + "/workload.yaml", atomically: true, encoding: .utf8)
        for (to, via) in [("[2001:db8::1]:443", "eigw-"), ("[64:ff9b::cb00:7114]:443", "nat-")] {
            let p = runProgram(binary, ["path", dir + "/workload.yaml", "--from", "v6-app-1", "--to", to])
            #expect(p.status == 0 && p.stdout.contains("outcome: reachable both ways"), "\(p.stdout)\(p.stderr)")
            #expect(p.stdout.contains("(longest match") && p.stdout.contains("→ \(via)"), "\(p.stdout)")
        }
    }

    @Test func mockedAccountImportsAndGivesThePredictedVerdicts() throws {
        let fx = try Self.fixtures(["--scenario", "shop"])
        let dir = temporaryDirectory("import-aws")
        let out = dir + "/shop.yaml"
        let r = runProgram(binary, ["import", "aws", fx + "/shop", "--output", out])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        // Ids preserved, origins in comments, the one summary of what is not modelled.
        let vpcs =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: fx + "/shop/123456789012/us-east-1/describe-vpcs.json")))
            as! [String: Any]
        for v in vpcs["Vpcs"] as! [[String: Any]] { #expect(text.contains("- id: \(v["VpcId"] as! String)")) }
        #expect(text.contains("# shop-private — 123456789012/us-east-1/describe-route-tables.json $.RouteTables["))
        // The egress-only internet gateway and the private table's IPv6 default route to it.
        #expect(text.contains("egress-only-internet-gateways:\n"))
        #expect(text.contains("{destination: \"::/0\", target: eigw-"))
        #expect(!r.stderr.contains("EgressOnlyInternetGateway") && !r.stderr.contains("IPv6 route"), "\(r.stderr)")
        #expect(r.stderr.contains("IPv6 prefix list: 1"), "\(r.stderr)")

        // Importing the same input again gives the same bytes; so does the merged layout.
        let again = dir + "/again.yaml"
        #expect(runProgram(binary, ["import", "aws", fx + "/shop", "-o", again, "--quiet"]).status == 0)
        #expect(try String(contentsOfFile: again, encoding: .utf8) == text)

        try Self.workload.write(toFile: dir + "/workload.yaml", atomically: true, encoding: .utf8)
        func path(_ from: String, _ to: String) -> String {
            let p = runProgram(binary, ["path", dir + "/workload.yaml", "--from", from, "--to", to])
            // Exit status 0 when reachable, 1 when dropped.
            #expect(p.status == (p.stdout.contains("outcome: reachable") ? 0 : 1), "\(p.stderr)")
            return p.stdout
        }
        // A gateway endpoint: DynamoDB is reachable. No NAT, no endpoint: no route. Through the NAT
        // gateway: reachable; and the database admits the function's group on 5432.
        #expect(path("orders-writer", "dynamodb.us-east-1.amazonaws.com:443").contains("outcome: reachable both ways"))
        #expect(path("legacy-writer", "dynamodb.us-east-1.amazonaws.com:443").contains("no-route"))
        #expect(path("shop-api", "dynamodb.us-east-1.amazonaws.com:443").contains("outcome: reachable both ways"))
        #expect(path("shop-api", "shop-db:5432").contains("outcome: reachable both ways"))

        let run = runProgram(binary, ["run", dir + "/workload.yaml", "--out", dir + "/out"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("legacy-writer: Task timed out after 3.00 seconds"))
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/summary.json")))
            as! [String: Any]
        let functions = summary["functions"] as? [[String: Any]] ?? []
        let byName = Dictionary(
            uniqueKeysWithValues: functions.compactMap { f in (f["name"] as? String).map { ($0, f) } })
        #expect((byName["orders-writer"]?["timed_out"] as? Int) == 0)
        #expect((byName["orders-writer"]?["succeeded"] as? Int ?? 0) > 0)
        #expect((byName["shop-api"]?["timed_out"] as? Int) == 0)
        #expect((byName["shop-api"]?["succeeded"] as? Int ?? 0) > 0)
        #expect((byName["legacy-writer"]?["succeeded"] as? Int) == 0)
        #expect((byName["legacy-writer"]?["timed_out"] as? Int ?? 0) > 0)
        #expect(filesUnder(dir + "/out").contains { $0.hasPrefix("captures/eni-") && $0.hasSuffix(".pcap") })
        #expect(filesUnder(dir + "/out").contains { $0.hasPrefix("cloudwatch-logs/_vpc_shop/") })
    }

    @Test func mergedSnapshotImportsToTheSameTopology() throws {
        let perCall = try Self.fixtures(["--scenario", "shop"])
        let merged = try Self.fixtures(["--scenario", "shop", "--merged"])
        let dir = temporaryDirectory("import-merged")
        #expect(runProgram(binary, ["import", "aws", perCall + "/shop", "-o", dir + "/a.yaml", "--quiet"]).status == 0)
        #expect(runProgram(binary, ["import", "aws", merged + "/shop", "-o", dir + "/b.yaml", "--quiet"]).status == 0)
        // The same resources in the same order; only the origins in the comments differ.
        func uncommented(_ p: String) throws -> [String] {
            try String(contentsOfFile: p, encoding: .utf8).split(separator: "\n").filter {
                !$0.hasPrefix("  #") && !$0.hasPrefix("#")
            }
            .map(String.init)
        }
        #expect(try uncommented(dir + "/a.yaml") == uncommented(dir + "/b.yaml"))
    }

    /// The same account as an AWS Config snapshot (gzipped, in Config's S3 layout, configuration
    /// items with Config's key spelling) imports to the same topology as its describe-* files;
    /// the IAM role Config also recorded is listed as not modelled.
    @Test func configSnapshotImportsToTheSameTopology() throws {
        let perCall = try Self.fixtures(["--scenario", "shop"])
        let config = try Self.fixtures(["--scenario", "shop", "--config-snapshot"])
        #expect(
            filesUnder(config + "/shop").allSatisfy {
                $0.hasPrefix("AWSLogs/123456789012/Config/us-east-1/") && $0.hasSuffix(".json.gz")
            })
        let dir = temporaryDirectory("import-config")
        #expect(runProgram(binary, ["import", "aws", perCall + "/shop", "-o", dir + "/a.yaml", "--quiet"]).status == 0)
        let r = runProgram(binary, ["import", "aws", config + "/shop", "-o", dir + "/b.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("AWS::IAM::Role: 1"))
        func uncommented(_ p: String) throws -> [String] {
            try String(contentsOfFile: p, encoding: .utf8).split(separator: "\n").filter {
                !$0.hasPrefix("  #") && !$0.hasPrefix("#")
            }
            .map(String.init)
        }
        #expect(try uncommented(dir + "/a.yaml") == uncommented(dir + "/b.yaml"))
        #expect(try String(contentsOfFile: dir + "/b.yaml", encoding: .utf8).contains(".json.gz $.configurationItems["))

        // A rule naming a group the snapshot lacks: located at the item's key as Config spells it.
        let broken = try Self.fixtures(["--scenario", "broken-sg", "--config-snapshot"])
        let e = runProgram(binary, ["import", "aws", broken + "/broken-sg", "-o", dir + "/c.yaml"])
        #expect(e.status == 2)
        #expect(
            e.stderr.contains(
                try Regex(
                    #"ConfigSnapshot_[^:]*\.json\.gz: \$\.configurationItems\[\d+\]\.configuration\.ipPermissions\[0\]"#
                        + #"\.userIdGroupPairs\[0\]\.groupId: no security group 'sg-[0-9a-f]+' in the input"#)),
            "\(e.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/c.yaml"))
    }

    /// A route to a NAT gateway the snapshot lacks, and a rule naming a group it lacks: one located
    /// error each, nothing written.
    @Test func missingReferencesAreLocatedErrorsAndWriteNothing() throws {
        let fx = try Self.fixtures(["--scenario", "broken-nat", "--scenario", "broken-sg"])
        let dir = temporaryDirectory("import-broken")
        for (scenario, expected) in [
            (
                "broken-nat",
                #"describe-route-tables\.json: \$\.RouteTables\[\d+\]\.Routes\[\d+\]\.NatGatewayId: "#
                    + #"no NAT gateway 'nat-[0-9a-f]+' in the input"#
            ),
            (
                "broken-sg",
                #"describe-security-groups\.json: \$\.SecurityGroups\[\d+\]\.IpPermissions\[0\]"#
                    + #"\.UserIdGroupPairs\[0\]\.GroupId: no security group 'sg-[0-9a-f]+' in the input"#
            ),
        ] {
            let out = dir + "/\(scenario).yaml"
            let r = runProgram(binary, ["import", "aws", fx + "/" + scenario, "-o", out])
            #expect(r.status == 2)
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.contains(try Regex(expected)), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
            #expect(filesUnder(dir).isEmpty)
        }
    }

    @Test func truncatedJSONIsALocatedErrorAndWritesNothing() throws {
        let dir = temporaryDirectory("import-truncated")
        try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
        let full =
            #"{"Vpcs": [{"VpcId": "vpc-0a1b2c3d4e5f60718", "CidrBlock": "10.0.0.0/16", "OwnerId": "123456789012"}]}"#
        try String(full.prefix(60)).write(toFile: dir + "/in/describe-vpcs.json", atomically: true, encoding: .utf8)
        // An existing output is left as it was.
        try "previous\n".write(toFile: dir + "/out.yaml", atomically: true, encoding: .utf8)
        let r = runProgram(binary, ["import", "aws", dir + "/in", "--region", "us-east-1", "-o", dir + "/out.yaml"])
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(
            r.stderr.hasPrefix("vpcsim: error: \(dir)/in/describe-vpcs.json:1: not valid JSON (truncated?)"),
            "\(r.stderr)")
        #expect(try String(contentsOfFile: dir + "/out.yaml", encoding: .utf8) == "previous\n")
        #expect(filesUnder(dir).sorted() == ["in/describe-vpcs.json", "out.yaml"])
    }
}
