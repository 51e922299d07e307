import Testing
import TestSupport
import NetModel
import Workloads
@testable import Topology

@Suite struct LoaderTests {
    static let minimal = """
        account: "123456789012"
        region: us-east-1
        vpcs:
          - id: vpc-0000000000000000a
            cidr: 10.0.0.0/16
        subnets:
          - id: subnet-0000000000000000a
            vpc: vpc-0000000000000000a
            cidr: 10.0.1.0/24
            availability-zone: us-east-1a
            route-table: rtb-0000000000000000a
        route-tables:
          - id: rtb-0000000000000000a
            vpc: vpc-0000000000000000a
        security-groups:
          - id: sg-0000000000000000a
            vpc: vpc-0000000000000000a
        """

    func load(_ yaml: String) throws(TopologyError) -> Scenario {
        try TopologyLoader.load(yaml: yaml, file: "test.yaml")
    }

    /// The error for `yaml`, which must fail.
    func failure(_ yaml: String) -> TopologyError? {
        do { _ = try load(yaml); return nil } catch { return error }
    }

    @Test func defaultScenarioLoads() throws {
        let s = try TopologyLoader.load(path: repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml")
        let n = s.network
        #expect(s.name == "lambda-dynamodb-gateway-endpoint")
        #expect(s.duration == .seconds(90) && s.seed == 1)
        #expect(n.vpcs.count == 1 && n.subnets.count == 1)
        // The endpoint's route was added to its route table
        // (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html).
        let rt = n.routeTables.first { $0.id == "rtb-0a1b2c3d4e5f60011" }!
        #expect(
            rt.routes.contains {
                $0.destination == .prefixList(PrefixListIndex(0))
                    && $0.target == .gatewayEndpoint(GatewayEndpointIndex(0))
            })
        #expect(n.prefixLists[0].id == "pl-02cd2c6b")
        // One Hyperplane ENI for the function's (subnet, security-group set), with a host behind it.
        let lambdaENIs = n.enis.filter { $0.kind == .lambda }
        #expect(lambdaENIs.count == 1)
        #expect(lambdaENIs[0].host != nil && lambdaENIs[0].id.count == 21)
        #expect(s.captures.count == 1 && s.flowLogs.count == 1)
        #expect(s.flowLogs[0].maxAggregationInterval == 60)
        #expect(s.world.functions[0].program.count == 2)
    }

    @Test func minimalFileGetsDefaults() throws {
        let s = try load(Self.minimal)
        let n = s.network
        // A main route table and a default ACL (rule 100 allows all) are created.
        #expect(n.routeTables.count == 2 && n.routeTables.contains { $0.isMain })
        #expect(n.networkACLs.count == 1 && n.networkACLs[0].inbound.first?.ruleNumber == 100)
        // A security group without egress rules allows all outbound
        // (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html).
        #expect(n.securityGroups[0].egress.count == 1 && n.securityGroups[0].ingress.isEmpty)
    }

    /// Every host's TCP profile comes from what it is, through the world's one table.
    @Test func everyHostRunsTheProfileOfItsRole() throws {
        let y =
            Self.minimal + """

                  - id: sg-0000000000000000b
                    vpc: vpc-0000000000000000a
                internet-gateways:
                  - id: igw-0000000000000000a
                    vpc: vpc-0000000000000000a
                instances:
                  - {name: web, subnet: subnet-0000000000000000a, security-groups: [sg-0000000000000000a],
                     public-ip: auto}
                databases:
                  - {name: orders-db, subnet: subnet-0000000000000000a, security-groups: [sg-0000000000000000b]}
                functions:
                  - name: inside
                    vpc: {subnets: [subnet-0000000000000000a], security-groups: [sg-0000000000000000a]}
                    handler: [{compute: 5ms}]
                  - name: outside
                    handler: [{compute: 5ms}]
                internet:
                  - {name: clients, cidr: 81.2.64.0/24}
                  - {name: partner, address: 151.101.65.140}
                """
        let w = try load(y).world
        let n = w.network
        var seen: [HostRole: Int] = [:]
        for (i, attachment) in n.hosts.enumerated() {
            let role: HostRole
            switch attachment {
            case .eni(let e):
                switch n.enis[e.int].kind {
                case .lambda: role = .lambdaEnvironment
                case .instance: role = .instance
                case .rds: role = .database
                default: Issue.record("host \(i) behind \(n.enis[e.int].id)"); continue
                }
            case .publicAddress(_, let internet): role = internet ? .internet : .lambdaEnvironment
            case .publicRange: role = .internet
            case .awsService: role = .awsFrontEnd
            case .platform: role = .platform
            }
            seen[role, default: 0] += 1
            #expect(w.tcp.profile(of: HostIndex(i)) == w.hostProfiles[role], "host \(i): \(attachment)")
        }
        // Two Lambda hosts (inside and outside the VPC), two AWS front ends (DynamoDB, S3), two internet hosts.
        #expect(
            seen == [
                .lambdaEnvironment: 2, .instance: 1, .database: 1, .awsFrontEnd: 2, .platform: 1,
                .internet: 2,
            ])
        // The roles' profiles differ where AWS's hosts differ (ephemeral ports, MSS toward the internet).
        #expect(w.hostProfiles.lambdaEnvironment != w.hostProfiles.instance)
        #expect(w.hostProfiles.awsFrontEnd != w.hostProfiles.instance)
    }

    @Test func unknownReferenceNamesFileLineAndId() {
        let e = failure(
            Self.minimal.replacingOccurrences(
                of: "route-table: rtb-0000000000000000a", with: "route-table: rtb-0000000000000000b"))
        #expect(e?.file == "test.yaml")
        #expect(e?.line == 11)
        #expect(e?.message.contains("no route table with id 'rtb-0000000000000000b'") == true)
        #expect(e?.message.contains("did you mean 'rtb-0000000000000000a'") == true)
        #expect(e?.description.hasPrefix("test.yaml:11:") == true)
    }

    @Test func overlappingSubnets() {
        let y =
            Self.minimal + """

                subnets_extra: []
                """
        _ = y
        let twoSubnets = Self.minimal.replacingOccurrences(
            of: "route-tables:",
            with: """
                  - id: subnet-0000000000000000b
                    vpc: vpc-0000000000000000a
                    cidr: 10.0.1.128/25
                    availability-zone: us-east-1b
                route-tables:
                """)
        let e = failure(twoSubnets)
        #expect(e?.line == 14)
        #expect(e?.message.contains("overlaps subnet subnet-0000000000000000a (10.0.1.0/24)") == true)
    }

    @Test func subnetOutsideItsVPC() {
        let e = failure(Self.minimal.replacingOccurrences(of: "cidr: 10.0.1.0/24", with: "cidr: 10.1.1.0/24"))
        #expect(e?.line == 9)
        #expect(e?.message.contains("is not inside vpc-0000000000000000a") == true)
    }

    @Test func startTimestampMustBeARealUTCDate() throws {
        let ok = try load("run: {start: 2028-02-29T23:59:59Z}\n" + Self.minimal)
        #expect(ok.startUnixSeconds == 1_835_481_599)
        let e = failure("run: {start: 2026-02-29T10:00:00Z}\n" + Self.minimal)
        #expect(e?.line == 1)
        #expect(e?.message.contains("2026-2 has no day 29") == true, "\(String(describing: e))")
        #expect(
            failure("run: {start: 2026-11-23 10:00}\n" + Self.minimal)?.message.contains("is not a UTC timestamp")
                == true)
    }

    @Test func invalidCIDR() {
        let e = failure(Self.minimal.replacingOccurrences(of: "cidr: 10.0.1.0/24", with: "cidr: 10.0.1.0/33"))
        #expect(e?.line == 9)
        #expect(e?.message.contains("subnets[0].cidr: '10.0.1.0/33' is not a valid IPv4 CIDR block") == true)
    }

    /// CIDR parses both families; a key that takes an IPv4 block still refuses an IPv6 one, at its
    /// line (IPv6 blocks come with their own keys).
    @Test func ipv6BlockWhereIPv4IsExpected() {
        let e = failure(
            Self.minimal.replacingOccurrences(of: "cidr: 10.0.1.0/24", with: "cidr: 2600:1f18:aa:bb01::/64"))
        #expect(e?.line == 9)
        #expect(
            e?.message.contains("subnets[0].cidr: '2600:1f18:aa:bb01::/64' is not a valid IPv4 CIDR block") == true,
            "\(String(describing: e))")
    }

    /// A transit gateway field in a VPC flow log's format is one located error naming the field.
    @Test func transitGatewayFieldInAVPCFlowLog() {
        let yaml =
            Self.minimal + """

                flow-logs:
                  - id: fl-0000000000000000a
                    resource: vpc-0000000000000000a
                    log-format: "${version} ${srcaddr} ${tgw-id}"
                """
        let e = failure(yaml)
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let line = lines.firstIndex { $0.contains("log-format") }
        #expect(e?.line == line.map { $0 + 1 }, "\(String(describing: e))")
        #expect(
            e?.message.contains("field 'tgw-id' belongs to transit gateway flow logs, not VPC flow logs") == true,
            "\(String(describing: e))")
        // The version-7 and -8 fields are VPC fields.
        let ok = yaml.replacingOccurrences(of: "${tgw-id}", with: "${ecs-task-id} ${reject-reason}")
        #expect((try? load(ok))?.flowLogs.first?.format.version == 8)
    }

    @Test func routeToATargetInAnotherVPC() {
        let y = Self.minimal.replacingOccurrences(
            of: "security-groups:",
            with: """
                  - id: rtb-0000000000000000c
                    vpc: vpc-0000000000000000a
                    routes:
                      - destination: 0.0.0.0/0
                        target: igw-0000000000000000b
                internet-gateways:
                  - id: igw-0000000000000000b
                    vpc: vpc-0000000000000000b
                security-groups:
                """
        ).replacingOccurrences(
            of: "subnets:",
            with: """
                  - id: vpc-0000000000000000b
                    cidr: 172.16.0.0/16
                subnets:
                """)
        let e = failure(y)
        #expect(
            e?.message.contains("igw-0000000000000000b is attached to another VPC, not vpc-0000000000000000a") == true)
        #expect(e?.line == 21)
    }

    /// `minimal` with `routes` in its route table (and an internet gateway to route to).
    static func withRoutes(_ routes: [String]) -> String {
        let table = "route-tables:\n  - id: rtb-0000000000000000a\n    vpc: vpc-0000000000000000a"
        return minimal.replacingOccurrences(
            of: table,
            with: """
                internet-gateways:
                  - id: igw-0000000000000000a
                    vpc: vpc-0000000000000000a
                route-tables:
                  - id: rtb-0000000000000000a
                    vpc: vpc-0000000000000000a
                    routes:
                """ + routes.map { "\n      - {destination: \($0), target: igw-0000000000000000a}" }.joined())
    }

    @Test func aDestinationIsRoutedOncePerTable() throws {
        let e = failure(Self.withRoutes(["0.0.0.0/0", "198.51.100.0/24", "0.0.0.0/0"]))
        #expect(
            e?.message == "route-tables[0].routes[2].destination: "
                + "route table rtb-0000000000000000a already has a route for 0.0.0.0/0")
        #expect(e?.line == 21)
        #expect(e?.column == 23)
        // The VPC's own CIDR is the local route's.
        let local = failure(Self.withRoutes(["10.0.1.0/24", "10.0.0.0/16"]))
        #expect(local?.message.contains("routes[1].destination: 10.0.0.0/16 overlaps the VPC's local route") == true)
        #expect(local?.line == 20)
    }

    /// Inside the VPC's CIDR, only a subnet's exact CIDR may be routed
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html).
    @Test func aRouteInsideTheVPCMustMatchASubnet() throws {
        let s = try load(Self.withRoutes(["10.0.1.0/24"]))
        let cidrs = s.network.routeTables[0].routes.map { r -> String in
            if case .cidr(let c) = r.destination { return c.description } else { return "\(r.destination)" }
        }
        #expect(cidrs == ["10.0.0.0/16", "10.0.1.0/24"])
        let e = failure(Self.withRoutes(["10.0.2.0/24"]))
        #expect(
            e?.message == "route-tables[0].routes[0].destination: 10.0.2.0/24 overlaps the VPC's local route; "
                + "a more specific route must match a subnet's CIDR exactly "
                + "(see https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html)")
        #expect(e?.line == 19)
    }

    /// Checking each route against the table's earlier ones is a set lookup, not a scan.
    @Test func aTableOfTwentyThousandRoutesLoads() throws {
        let routes = (0..<20_000).map { "100.64.\($0 / 256).\($0 % 256)/32" }
        let clock = ContinuousClock()
        let start = clock.now
        let s = try load(Self.withRoutes(routes))
        let took = clock.now - start
        #expect(s.network.routeTables[0].routes.count == 20_001)
        #expect(took < .seconds(8), "\(took): quadratic again? (a scan of earlier routes took 21 s in a debug build)")
    }

    @Test func unknownKeySuggestsTheRightOne() {
        let e = failure(Self.minimal.replacingOccurrences(of: "availability-zone:", with: "availabilty-zone:"))
        #expect(e?.line == 10)
        #expect(e?.message.contains("unknown key 'availabilty-zone' (did you mean 'availability-zone'?)") == true)
    }

    @Test func duplicateAndMalformedIds() {
        let dup = Self.minimal.replacingOccurrences(
            of: "security-groups:\n  - id: sg-0000000000000000a",
            with: "security-groups:\n  - id: subnet-0000000000000000a")
        #expect(failure(dup)?.message.contains("is not a security group id") == true)
        let bad = Self.minimal.replacingOccurrences(
            of: "  - id: vpc-0000000000000000a\n    cidr", with: "  - id: vpc-main\n    cidr")
        let e = failure(bad)
        #expect(e?.line == 4)
        #expect(e?.message.contains("'vpc-main' is not a vpc id") == true)
    }

    /// A function outside any VPC with the given `runtime:` line (or none).
    static func function(runtime: String?) -> String {
        minimal + "\nfunctions:\n  - name: f\n" + (runtime.map { "    runtime: \($0)\n" } ?? "")
            + "    handler:\n      - compute: 1ms\n"
    }

    @Test func runtimeSelectsTheTLSClientProfile() throws {
        let s = try load(Self.function(runtime: "python3.13"))
        #expect(s.world.functions[0].runtime.name == "python3.13")
        #expect(s.world.functions[0].runtime.tlsClient == .boto3OpenSSL3)
        #expect(s.world.functions[0].runtime.databaseTLSClient == .libpqOpenSSL30)
        let unspecified = try load(Self.function(runtime: nil))
        #expect(unspecified.world.functions[0].runtime == .python312)
        let node20 = try load(Self.function(runtime: "nodejs20.x")).world.functions[0].runtime
        #expect(node20.tlsClient == .nodeOpenSSL30 && node20.databaseTLSClient == .nodeOpenSSL30)
        let node22 = try load(Self.function(runtime: "nodejs22.x")).world.functions[0].runtime
        #expect(node22.tlsClient == .nodeOpenSSL35 && node22.databaseTLSClient == .nodeOpenSSL35)
        let java21 = try load(Self.function(runtime: "java21")).world.functions[0].runtime
        #expect(java21.tlsClient == .java21 && java21.databaseTLSClient == .java21)
        let go = try load(Self.function(runtime: "provided.al2023")).world.functions[0].runtime
        #expect(go.tlsClient == .goSDKv2 && go.databaseTLSClient == .goNoALPN)
    }

    @Test func unknownRuntimeIsALocatedErrorNamingTheModelledOnes() {
        let e = failure(Self.function(runtime: "ruby3.3"))
        #expect(e?.file == "test.yaml")
        #expect(e?.line == 20, "\(String(describing: e))")
        #expect(
            e?.message.contains("functions[0].runtime: runtime 'ruby3.3' is not modelled") == true,
            "\(String(describing: e))")
        #expect(
            e?.message.contains("(modelled: python3.9, python3.10, python3.11, python3.12, python3.13, nodejs18.x")
                == true)
    }

    @Test func yamlSyntaxErrorHasAPosition() {
        let e = failure("vpcs:\n  - id: [unclosed\n")
        #expect(e?.line ?? 0 >= 2)
        #expect(e?.message.hasPrefix("YAML syntax") == true)
    }

    @Test func gatewayEndpointRoutesComeFromTheEndpoint() {
        let y = Self.minimal.replacingOccurrences(
            of: "route-tables:\n  - id: rtb-0000000000000000a\n    vpc: vpc-0000000000000000a",
            with: """
                route-tables:
                  - id: rtb-0000000000000000a
                    vpc: vpc-0000000000000000a
                    routes:
                      - destination: pl-02cd2c6b
                        target: vpce-0000000000000000a
                vpc-endpoints:
                  - id: vpce-0000000000000000a
                    vpc: vpc-0000000000000000a
                    service: com.amazonaws.us-east-1.dynamodb
                """)
        #expect(failure(y)?.message.contains("list rtb-0000000000000000a in the endpoint's 'route-tables'") == true)
    }

    /// The credentials a function's SDK signs with: AWS's documented example pair by default, any
    /// key replaced from the topology.
    @Test func functionCredentials() throws {
        let plain = try load(Self.function(runtime: nil))
        #expect(plain.world.functions[0].credentials.accessKeyID == "AKIAIOSFODNN7EXAMPLE")
        #expect(plain.world.functions[0].credentials.sessionToken.count == 1_040)
        let y = Self.function(runtime: nil).replacingOccurrences(
            of: "  - name: f\n",
            with: "  - name: f\n    credentials: {access-key-id: ASIAEXAMPLE0000000001, session-token: \"\"}\n")
        let custom = try load(y)
        #expect(custom.world.functions[0].credentials.accessKeyID == "ASIAEXAMPLE0000000001")
        #expect(custom.world.functions[0].credentials.sessionToken.isEmpty)
        #expect(custom.world.functions[0].credentials.secretAccessKey == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        let bad = failure(y.replacingOccurrences(of: "access-key-id: ASIAEXAMPLE0000000001", with: "access-key: x"))
        #expect(bad?.message.contains("functions[0].credentials") == true, "\(String(describing: bad))")
    }

    @Test func databaseTLSVersionIsAPostgreSQLParameter() throws {
        let base = try String(
            contentsOfFile: repositoryRoot() + "/Topologies/lambda-rds-dynamodb.yaml", encoding: .utf8)
        let tls12 = try load(
            base.replacingOccurrences(
                of: "    engine: postgres\n", with: "    engine: postgres\n    ssl-max-protocol-version: TLSv1.2\n"))
        #expect(tls12.world.databases[0].tlsServer == .postgreSQLTLS12)
        #expect(try load(base).world.databases[0].tlsServer == .postgreSQL)
        let e = failure(
            base.replacingOccurrences(
                of: "    engine: postgres\n", with: "    engine: postgres\n    ssl-max-protocol-version: TLSv1.1\n"))
        #expect(e?.message.contains("'TLSv1.1' must be TLSv1.2 or TLSv1.3") == true, "\(String(describing: e))")
    }
}
