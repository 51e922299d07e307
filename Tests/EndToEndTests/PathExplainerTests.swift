import Testing
import Foundation
import TestSupport
import Topology
@testable import Experiments

/// `vpcsim path`: the simulator's own forwarding, traced, explains both directions of a connection.
@Suite struct PathExplainerTests {
    static let defaultTopology = repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml"

    /// One VPC (10.0.0.0/16) with an internet gateway, a public subnet 10.0.0.0/24 (rtb-…0a:
    /// 0.0.0.0/0 → igw) holding a NAT gateway with an Elastic IP, and a private subnet 10.0.1.0/24
    /// whose route table, network ACL, security groups and extras each test fills in.
    static func topology(
        privateRoutes: String, endpointTables: String = "[]", privateACL: String = "",
        extraACLs: String = "", groups: String, extra: String = "", functionSubnet: String = "subnet-0000000000000000b",
        functionGroups: String = "[sg-0000000000000000a]"
    ) -> String {
        """
        account: "123456789012"
        region: us-east-1
        vpcs:
          - id: vpc-0000000000000000a
            cidr: 10.0.0.0/16
        internet-gateways:
          - id: igw-0000000000000000a
            vpc: vpc-0000000000000000a
        subnets:
          - id: subnet-0000000000000000a
            vpc: vpc-0000000000000000a
            cidr: 10.0.0.0/24
            availability-zone: us-east-1a
            route-table: rtb-0000000000000000a
          - id: subnet-0000000000000000b
            vpc: vpc-0000000000000000a
            cidr: 10.0.1.0/24
            availability-zone: us-east-1a
            route-table: rtb-0000000000000000b
        \(privateACL.isEmpty ? "" : "    network-acl: \(privateACL)")
          - id: subnet-0000000000000000c
            vpc: vpc-0000000000000000a
            cidr: 10.0.2.0/24
            availability-zone: us-east-1b
            route-table: rtb-0000000000000000b
        route-tables:
          - id: rtb-0000000000000000a
            vpc: vpc-0000000000000000a
            routes:
              - destination: 0.0.0.0/0
                target: igw-0000000000000000a
          - id: rtb-0000000000000000b
            vpc: vpc-0000000000000000a
            routes: \(privateRoutes)
        network-acls: \(extraACLs.isEmpty ? "[]" : extraACLs)
        nat-gateways:
          - id: nat-0000000000000000a
            subnet: subnet-0000000000000000a
            elastic-ip: 54.1.2.3
            private-ip: 10.0.0.10
        vpc-endpoints:
          - id: vpce-0000000000000000a
            vpc: vpc-0000000000000000a
            service: com.amazonaws.us-east-1.dynamodb
            route-tables: \(endpointTables)
        security-groups:
        \(groups)
        functions:
          - name: worker
            vpc:
              subnets: [\(functionSubnet)]
              security-groups: \(functionGroups)
            handler:
              - compute: 1ms
        \(extra)
        """
    }

    static let openGroup = """
          - id: sg-0000000000000000a
            name: worker
            vpc: vpc-0000000000000000a
        """

    func explain(_ yaml: String, from: String = "worker", to: String, protocol p: String = "tcp") throws -> PathResult {
        let scenario = try TopologyLoader.load(yaml: yaml, file: "path-test.yaml")
        return try PathExplainer.explain(scenario, from: from, to: to, protocol: p)
    }

    func step(_ steps: [PathStep], _ kind: String, _ n: Int = 0) -> PathStep? {
        let matching = steps.filter { $0.kind == kind }
        return n < matching.count ? matching[n] : nil
    }

    // MARK: Required cases

    @Test func defaultScenarioReachesDynamoDBThroughTheGatewayEndpoint() throws {
        let scenario = try TopologyLoader.load(path: Self.defaultTopology)
        let r = try PathExplainer.explain(scenario, from: "orders-writer", to: "dynamodb.us-east-1.amazonaws.com:443")
        #expect(r.outcome == .reachable, "\(r.text)")
        #expect(r.reason == nil)
        let sg = try #require(step(r.forward, "security-group"))
        #expect(sg.resource == "sg-0a1b2c3d4e5f60021" && sg.rule == "egress rule 1" && sg.verdict == "allowed")
        #expect(sg.text.contains("tcp 443 → pl-02cd2c6b (allowed)"))
        let acl = try #require(step(r.forward, "network-acl"))
        #expect(acl.rule == "outbound rule 100" && acl.verdict == "allowed")
        let route = try #require(step(r.forward, "route"))
        #expect(route.resource == "rtb-0a1b2c3d4e5f60011")
        #expect(route.target == "vpce-0a1b2c3d4e5f60099")
        #expect(route.rule?.hasSuffix("via pl-02cd2c6b") == true)
        #expect(step(r.forward, "gateway-endpoint")?.resource == "vpce-0a1b2c3d4e5f60099")
        #expect(r.forward.last?.kind == "delivered")
        #expect(r.forward.last?.resource.contains("dynamodb.us-east-1.amazonaws.com") == true)
        // Back: sent by DynamoDB, through the endpoint, the inbound ACL, the security group's tracked connection.
        #expect(r.return.first?.kind == "sent" && r.return.first?.resource.contains("dynamodb") == true)
        #expect(r.return.dropFirst().first?.kind == "gateway-endpoint")
        #expect(step(r.return, "network-acl")?.rule == "inbound rule 100")
        let back = try #require(step(r.return, "security-group"))
        #expect(back.rule == "tracked connection" && back.verdict == "allowed")
        #expect(r.return.last?.kind == "delivered" && r.return.last?.packet?.hasSuffix("tcp S.") == true)
        #expect(r.text.contains("outcome: reachable both ways"))
        #expect(!r.returnSynthesised)
    }

    @Test func moreSpecificCIDRRouteOverridesThePrefixListAndDefaultRoutes() throws {
        // 52.94.0.0/24 → NAT is more specific than the endpoint's 52.94.0.0/22 (pl-02cd2c6b) and 0.0.0.0/0.
        let yaml = Self.topology(
            privateRoutes: """

                      - destination: 0.0.0.0/0
                        target: igw-0000000000000000a
                      - destination: 52.94.0.0/24
                        target: nat-0000000000000000a
                """, endpointTables: "[rtb-0000000000000000b]", groups: Self.openGroup)
        let r = try explain(yaml, to: "52.94.0.74:443")
        #expect(r.outcome == .reachable, "\(r.text)")
        let route = try #require(step(r.forward, "route"))
        #expect(
            route.resource == "rtb-0000000000000000b" && route.rule == "52.94.0.0/24"
                && route.target == "nat-0000000000000000a")
        #expect(route.text.contains("overrides"))
        #expect(route.text.contains("pl-02cd2c6b (52.94.0.0/22) → vpce-0000000000000000a"))
        #expect(route.text.contains("0.0.0.0/0 → igw-0000000000000000a"))
        #expect(step(r.forward, "nat-gateway")?.resource == "nat-0000000000000000a")
        #expect(step(r.forward, "gateway-endpoint") == nil)
        // An address outside the /24 still takes the endpoint (longest match among the rest).
        let other = try explain(yaml, to: "52.94.2.80:443")
        let r2 = try #require(step(other.forward, "route"))
        #expect(r2.rule == "52.94.0.0/22 via pl-02cd2c6b" && r2.target == "vpce-0000000000000000a")
        #expect(other.outcome == .reachable)
    }

    static let databaseGroups = """
          - id: sg-0000000000000000a
            name: worker
            vpc: vpc-0000000000000000a
          - id: sg-0000000000000000b
            name: orders-db
            vpc: vpc-0000000000000000a
            ingress:
              - protocol: tcp
                ports: 5432
                source: sg-0000000000000000a
                description: from the worker function
        """
    static let database = """
        databases:
          - name: orders-db
            subnet: subnet-0000000000000000c
            security-groups: [sg-0000000000000000b]
            private-ip: 10.0.2.20
            port: 5432
        """

    @Test func securityGroupReferencingAnotherGroup() throws {
        let yaml = Self.topology(privateRoutes: "[]", groups: Self.databaseGroups, extra: Self.database)
        let ok = try explain(yaml, to: "orders-db:5432")
        #expect(ok.outcome == .reachable, "\(ok.text)")
        #expect(step(ok.forward, "route")?.target == "local")
        let ingress = try #require(
            ok.forward.first { $0.kind == "security-group" && $0.resource == "sg-0000000000000000b" })
        #expect(ingress.rule == "ingress rule 1" && ingress.verdict == "allowed")
        #expect(ingress.text.contains("tcp 5432 ← sg-0000000000000000a (worker;"))
        #expect(ok.forward.last?.resource.contains("database orders-db") == true)
        // The database's answer leaves through its group as a tracked connection.
        #expect(step(ok.return, "security-group")?.rule == "tracked connection")

        let denied = try explain(yaml, to: "orders-db:5433")
        #expect(denied.outcome == .dropped)
        #expect(denied.reason == "security-group")
        let d = try #require(denied.forward.last { $0.kind == "security-group" })
        #expect(d.resource == "sg-0000000000000000b" && d.verdict == "denied" && d.rule == "no ingress rule matches")
        #expect(denied.forward.last?.kind == "dropped")
        #expect(denied.return.isEmpty)
    }

    @Test func natGatewayPathTranslatesBothWays() throws {
        let yaml = Self.topology(
            privateRoutes: """

                      - destination: 0.0.0.0/0
                        target: nat-0000000000000000a
                """, groups: Self.openGroup)
        let r = try explain(yaml, to: "dynamodb.us-east-1.amazonaws.com:443")
        #expect(r.outcome == .reachable, "\(r.text)")
        let routes = r.forward.filter { $0.kind == "route" }
        #expect(routes.map(\.resource) == ["rtb-0000000000000000b", "rtb-0000000000000000a"])
        #expect(routes.map { $0.target ?? "" } == ["nat-0000000000000000a", "igw-0000000000000000a"])
        let nat = try #require(step(r.forward, "nat-gateway"))
        #expect(nat.resource == "nat-0000000000000000a")
        #expect(nat.rule?.hasPrefix("source 10.0.1.") == true && nat.rule?.contains(" → 10.0.0.10:") == true)
        let igw = try #require(step(r.forward, "internet-gateway"))
        #expect(igw.resource == "igw-0000000000000000a" && igw.rule == "source 10.0.0.10 → 54.1.2.3")
        #expect(r.forward.last?.packet?.hasPrefix("54.1.2.3:") == true)
        // The NAT gateway's ENI has no security groups.
        #expect(r.forward.contains { $0.kind == "security-group" && $0.rule == "none" })
        // Return: the IGW maps the EIP back, the NAT gateway translates back to the function.
        #expect(step(r.return, "internet-gateway")?.rule == "destination 54.1.2.3 → 10.0.0.10")
        let back = try #require(step(r.return, "nat-gateway"))
        #expect(back.resource == "nat-0000000000000000a" && back.rule?.hasPrefix("destination 10.0.0.10:") == true)
        #expect(step(r.return, "route")?.target == "local")
        #expect(r.return.last?.kind == "delivered" && r.return.last?.resource.contains("function worker") == true)
        // ICMP is translated by echo identifier; the reply is synthesised and finds its way back.
        let ping = try explain(yaml, to: "dynamodb.us-east-1.amazonaws.com", protocol: "icmp")
        #expect(ping.outcome == .reachable && ping.returnSynthesised, "\(ping.text)")
        #expect(step(ping.return, "nat-gateway")?.rule?.contains("echo identifier") == true)
    }

    @Test func lambdaInAPublicSubnetHasNoPublicAddress() throws {
        let yaml = Self.topology(
            privateRoutes: "[]", groups: Self.openGroup, functionSubnet: "subnet-0000000000000000a")
        let r = try explain(yaml, to: "dynamodb.us-east-1.amazonaws.com:443")
        #expect(r.outcome == .dropped)
        #expect(r.reason == "igw-no-public-ip")
        #expect(step(r.forward, "route")?.target == "igw-0000000000000000a")
        let drop = try #require(r.forward.last)
        #expect(drop.kind == "dropped" && drop.resource == "igw-0000000000000000a")
        #expect(r.outcomeText.hasPrefix("dropped on the way (igw-no-public-ip"))
    }

    @Test func privateSubnetWithoutARouteNamesTheRouteTable() throws {
        let yaml = Self.topology(privateRoutes: "[]", groups: Self.openGroup)
        let r = try explain(yaml, to: "dynamodb.us-east-1.amazonaws.com:443")
        #expect(r.outcome == .dropped)
        #expect(r.reason == "no-route")
        let drop = try #require(r.forward.last)
        #expect(drop.kind == "dropped" && drop.resource == "rtb-0000000000000000b")
        #expect(drop.text.contains("no route in rtb-0000000000000000b"))
        #expect(r.text.contains("outcome: dropped on the way (no-route"))
    }

    @Test func networkACLDeniesTheReturnPath() throws {
        // Outbound allows everything; inbound only SSH: the SYN-ACK to an ephemeral port hits `*`.
        let acl = """

              - id: acl-0000000000000000b
                vpc: vpc-0000000000000000a
                outbound:
                  - rule: 100
                    protocol: all
                    destination: 0.0.0.0/0
                    action: allow
                inbound:
                  - rule: 100
                    protocol: tcp
                    ports: 22
                    source: 0.0.0.0/0
                    action: allow
            """
        let yaml = Self.topology(
            privateRoutes: "[]", endpointTables: "[rtb-0000000000000000b]", privateACL: "acl-0000000000000000b",
            extraACLs: acl, groups: Self.openGroup)
        let r = try explain(yaml, to: "dynamodb.us-east-1.amazonaws.com:443")
        #expect(r.outcome == .returnDropped, "\(r.text)")
        #expect(r.reason == "network-acl")
        #expect(step(r.forward, "network-acl")?.rule == "outbound rule 100")
        #expect(r.forward.last?.kind == "delivered")
        let deny = try #require(step(r.return, "network-acl"))
        #expect(deny.resource == "acl-0000000000000000b" && deny.rule == "inbound rule *" && deny.verdict == "denied")
        #expect(r.return.last?.kind == "dropped" && r.return.last?.resource == "acl-0000000000000000b")
        #expect(r.outcomeText.hasPrefix("forward delivered but the return is dropped (network-acl"))
        #expect(r.text.contains("rule * (deny)"))
    }

    // MARK: More

    @Test func udpReturnIsSynthesisedAndClosedTCPPortAnswersWithRST() throws {
        let yaml = Self.topology(
            privateRoutes: "[]",
            groups: Self.databaseGroups.replacingOccurrences(
                of: "protocol: tcp\n        ports: 5432", with: "protocol: all"),
            extra: Self.database)
        let udp = try explain(yaml, to: "10.0.2.20:5432", protocol: "udp")
        #expect(udp.returnSynthesised)
        #expect(udp.outcome == .reachable, "\(udp.text)")
        #expect(udp.text.contains("synthesised"))
        // Nothing listens on 5433: Linux answers the SYN with a RST, which proves the way back.
        let rst = try explain(yaml, to: "orders-db:5433")
        #expect(rst.outcome == .reachable, "\(rst.text)")
        #expect(rst.return.last?.packet?.contains("tcp R") == true)
        #expect(rst.outcomeText.contains("RST"))
    }

    @Test func badInputIsOneClearError() throws {
        let scenario = try TopologyLoader.load(path: Self.defaultTopology)
        func message(_ from: String, _ to: String, _ p: String = "tcp") -> String? {
            do { _ = try PathExplainer.explain(scenario, from: from, to: to, protocol: p); return nil } catch {
                return error.message
            }
        }
        #expect(
            message("orders-writr", "dynamodb.us-east-1.amazonaws.com:443")?.contains("did you mean 'orders-writer'")
                == true)
        #expect(
            message("eni-0000000000000000f", "dynamodb.us-east-1.amazonaws.com:443")?.contains("no network interface")
                == true)
        #expect(message("orders-writer", "dynamodb.us-east-1.amazonaws.com")?.contains("needs a port") == true)
        #expect(message("orders-writer", "nowhere:443")?.contains("unknown destination 'nowhere'") == true)
        #expect(
            message("orders-writer", "dynamodb.us-east-1.amazonaws.com:443", "sctp")?.contains("not tcp, udp or icmp")
                == true)
        let nat = try TopologyLoader.load(
            yaml: Self.topology(privateRoutes: "[]", groups: Self.openGroup), file: "t.yaml")
        let natENI = nat.network.enis[nat.network.natGateways[0].eni.int].id
        do {
            _ = try PathExplainer.explain(nat, from: natENI, to: "10.0.1.9:443")
            Issue.record("a NAT gateway's ENI is not a source")
        } catch {
            #expect(error.message.contains("NAT gateway nat-0000000000000000a") && error.message.contains("behind it"))
        }
    }

    @Test func jsonHasBothDirectionsAndTheOutcome() throws {
        let scenario = try TopologyLoader.load(path: Self.defaultTopology)
        let r = try PathExplainer.explain(scenario, from: "orders-writer", to: "dynamodb.us-east-1.amazonaws.com:443")
        let json = try JSONSerialization.jsonObject(with: Data(r.json().utf8)) as! [String: Any]
        #expect(json["outcome"] as? String == "reachable")
        #expect((json["forward"] as? [[String: Any]])?.count == r.forward.count)
        #expect((json["return"] as? [[String: Any]])?.last?["kind"] as? String == "delivered")
        #expect(json["return_synthesised"] as? Bool == false)
    }

    // MARK: Command line

    var binary: String { vpcsimBinary() }

    @Test func commandLineNamesTheHopsAndRejectsAnUnknownSource() throws {
        let ok = runProgram(
            binary,
            ["path", Self.defaultTopology, "--from", "orders-writer", "--to", "dynamodb.us-east-1.amazonaws.com:443"])
        #expect(ok.status == 0, "\(ok.stderr)")
        for hop in [
            "eni-",
            "security group sg-0a1b2c3d4e5f60021 (orders-lambda) egress rule 1: tcp 443 → pl-02cd2c6b (allowed)",
            "network ACL acl-", "outbound rule 100 (allow)",
            "route table rtb-0a1b2c3d4e5f60011: ", "via pl-02cd2c6b → vpce-0a1b2c3d4e5f60099 (longest match)",
            "gateway endpoint vpce-0a1b2c3d4e5f60099", "delivered to DynamoDB (dynamodb.us-east-1.amazonaws.com)",
            "return:", "tracked connection", "outcome: reachable both ways",
        ] {
            #expect(ok.stdout.contains(hop), "missing '\(hop)' in:\n\(ok.stdout)")
        }
        let json = runProgram(
            binary,
            [
                "path", Self.defaultTopology, "--from", "orders-writer", "--to", "dynamodb.us-east-1.amazonaws.com:443",
                "--json",
            ])
        #expect(json.status == 0)
        #expect((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) != nil)

        let bad = runProgram(
            binary,
            [
                "path", Self.defaultTopology, "--from", "eni-0123456789abcdef0", "--to",
                "dynamodb.us-east-1.amazonaws.com:443",
            ])
        #expect(bad.status == 2)
        #expect(bad.stderr.split(separator: "\n").count == 1)
        #expect(bad.stderr.hasPrefix("vpcsim: error: no network interface 'eni-0123456789abcdef0'"))
        #expect(bad.stdout.isEmpty)
    }
}
