import Testing
import Foundation
import TestSupport
@testable import Experiments

/// An interface endpoint's names answer with every endpoint ENI's address, in an order shuffled
/// per query, and a client connects to the first after getaddrinfo's RFC 6724 sorting: the ENI in
/// its own subnet, else the resolver's first (glibc rule 9, World.sortedFirst).
@Suite(.serialized) struct EndpointDNSAnswerTests {
    static let name = "lambda-dynamodb-interface-endpoint"
    static let ownSubnet = "      subnets: [subnet-0c1d2e3f4a5b60001]\n"

    /// The topology with the function moved to `subnet` (a new subnet if it is not declared).
    static func yaml(functionIn subnet: String, newSubnet: String? = nil) throws -> String {
        var y = try String(
            contentsOfFile: repositoryRoot() + "/Topologies/\(name).yaml", encoding: .utf8)
        #expect(y.contains(ownSubnet))
        y = y.replacingOccurrences(of: ownSubnet, with: "      subnets: [\(subnet)]\n")
        if let newSubnet {
            let anchor = "\nroute-tables:\n"
            #expect(y.contains(anchor))
            y = y.replacingOccurrences(of: anchor, with: "\n" + newSubnet + anchor)
        }
        return y
    }

    /// The SYNs' destinations, and the DNS responses' answer lists, on the function's ENI.
    static func observe(_ run: ScenarioRun) throws -> (syns: [String], answers: [[String]]) {
        let pcap = run.pcap(run.functionENI)
        let syns = try run.frames(pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0", fields: ["ip.dst"]).map { $0[0] }
        let answers = try run.frames(pcap, "dns.flags.response == 1 && dns.qry.type == 1", fields: ["dns.a"])
            .map { $0[0].split(separator: ",").map(String.init) }
        return (syns, answers)
    }

    static func endpointAddresses(_ run: ScenarioRun) throws -> [String] {
        let n = run.scenario.network
        let ep = try #require(n.interfaceEndpoints.first)
        return ep.enis.map { n.enis[$0.int].privateIP.description }
    }

    /// Every A answer lists both ENIs (tshark reads two answer records, no expert warning); a
    /// function in either endpoint subnet connects only to the ENI in its own subnet, whatever the
    /// answers' order.
    @Test func answersListEveryENIAndClientsTakeTheirSubnets() throws {
        for (subnet, prefix) in [("subnet-0c1d2e3f4a5b60001", "10.0.1."), ("subnet-0c1d2e3f4a5b60002", "10.0.2.")] {
            let run = try ScenarioRun(
                yaml: try Self.yaml(functionIn: subnet), name: "endpoint-dns-\(prefix)", duration: .seconds(20))
            let addresses = try Self.endpointAddresses(run)
            #expect(addresses.count == 2)
            let (syns, answers) = try Self.observe(run)
            #expect(!answers.isEmpty && answers.allSatisfy { Set($0) == Set(addresses) && $0.count == 2 }, "\(answers)")
            let pcap = run.pcap(run.functionENI)
            let counts = try run.frames(
                pcap, "dns.flags.response == 1 && dns.qry.type == 1", fields: ["dns.count.answers"])
            #expect(counts.allSatisfy { $0 == ["2"] }, "\(counts)")
            let bad = try run.frames(pcap, "_ws.malformed || _ws.expert.severity >= 6291456", fields: ["frame.number"])
            #expect(bad.isEmpty, "expert warnings in frames \(bad.prefix(5))")
            #expect(!syns.isEmpty && syns.allSatisfy { $0.hasPrefix(prefix) && addresses.contains($0) }, "\(syns)")
            #expect(run.summary.functions[0].succeeded == run.summary.functions[0].invocations)
            let check = try run.check()
            #expect(check.ok, "\(check.text.prefix(3000))")
        }
    }

    /// A function in a subnet with no endpoint ENI connects to the resolver's first answer, which
    /// the shuffle varies between queries: over a run both ENIs (both AZs) are reached, each SYN
    /// to the first address of the answer just before it.
    @Test func clientsOutsideTheEndpointSubnetsFollowTheAnswerOrder() throws {
        let subnet = """
              - id: subnet-0c1d2e3f4a5b60003
                vpc: vpc-0c1d2e3f4a5b60718
                cidr: 10.0.3.0/24
                availability-zone: us-east-1a
                route-table: rtb-0c1d2e3f4a5b60011
            """
        let y = try Self.yaml(functionIn: "subnet-0c1d2e3f4a5b60003", newSubnet: subnet)
        // A new connection per call: a DNS query per call, so many answers to follow.
        let run = try ScenarioRun(
            yaml: y.replacingOccurrences(
                of: "    runtime: python3.12\n", with: "    runtime: python3.12\n    connection-reuse: false\n"),
            name: "endpoint-dns-outside", duration: .seconds(20))
        let addresses = try Self.endpointAddresses(run)
        let (syns, answers) = try Self.observe(run)
        #expect(answers.count >= 8, "\(answers.count)")
        #expect(Set(answers.map { $0[0] }) == Set(addresses), "both orders appear: \(answers)")
        #expect(Set(syns) == Set(addresses), "\(syns)")
        // Frame by frame: each SYN goes to the first address of the latest answer.
        let pcap = run.pcap(run.functionENI)
        var latest: String?
        for f in try run.frames(
            pcap, "dns.flags.response == 1 && dns.qry.type == 1 || tcp.flags.syn == 1 && tcp.flags.ack == 0",
            fields: ["dns.a", "ip.dst"])
        {
            if !f[0].isEmpty {
                latest = String(f[0].split(separator: ",")[0])
            } else if let l = latest {
                #expect(f[1] == l, "SYN to \(f[1]) after an answer led by \(l)")
            }
        }
        #expect(try run.check().ok)
    }

    /// The same seed gives the same answer orders.
    @Test func answerOrdersAreDeterministic() throws {
        let y = try Self.yaml(functionIn: "subnet-0c1d2e3f4a5b60002")
        let a = try ScenarioRun(yaml: y, name: "endpoint-dns-det-a", duration: .seconds(8))
        let b = try ScenarioRun(yaml: y, name: "endpoint-dns-det-b", duration: .seconds(8))
        let pa = FileManager.default.contents(atPath: a.pcap(a.functionENI))
        #expect(pa != nil && pa == FileManager.default.contents(atPath: b.pcap(b.functionENI)))
    }

    /// In the shipped experiment's interface-endpoint variant (ENIs in the functions' subnets) no
    /// byte crosses AZs; with the functions moved to subnets without an ENI, the resolver's
    /// order sends some calls to the other AZ's ENI and the run measures (and bills) AZ transfer.
    @Test func experimentMeasuresCrossAZOnlyWhenClientsLackAnENIInTheirSubnet() throws {
        let dir = temporaryDirectory("endpoint-dns-experiment")
        let endpoint = """
                set:
                  route-tables.rtb-0c2d3e4f5a6b70011.routes: []
                  functions.orders-writer-a.handler[0].endpoint: vpce-0c2d3e4f5a6b70098
                  functions.orders-writer-a.handler[1].endpoint: vpce-0c2d3e4f5a6b70098
                  functions.orders-writer-b.handler[0].endpoint: vpce-0c2d3e4f5a6b70098
                  functions.orders-writer-b.handler[1].endpoint: vpce-0c2d3e4f5a6b70098
                add:
                  security-groups:
                    - {id: sg-0c2d3e4f5a6b70022, name: endpoints, vpc: vpc-0c2d3e4f5a6b70718, egress: [],
                       ingress: [{protocol: tcp, ports: 443, source: sg-0c2d3e4f5a6b70021}]}
                  vpc-endpoints:
                    - {id: vpce-0c2d3e4f5a6b70098, vpc: vpc-0c2d3e4f5a6b70718,
                       service: com.amazonaws.us-east-1.dynamodb, type: Interface,
                       subnets: [subnet-0c2d3e4f5a6b70001, subnet-0c2d3e4f5a6b70002],
                       security-groups: [sg-0c2d3e4f5a6b70022], private-dns: false}
            """
        let text = """
            experiment: endpoint-dns
            description: An interface endpoint, callers in its subnets or in others.
            topology: \(ExperimentTests.base)
            duration: 12s
            warmup: 2s
            seeds: [1]
            variants:
              - name: interface-endpoint
            \(endpoint)
                remove:
                  - captures[2]
                  - nat-gateways.nat-0c2d3e4f5a6b70041
              - name: callers-elsewhere
            \(endpoint)
                  subnets:
                    - {id: subnet-0c2d3e4f5a6b70005, vpc: vpc-0c2d3e4f5a6b70718, cidr: 10.0.5.0/24,
                       availability-zone: "{az1}", route-table: rtb-0c2d3e4f5a6b70011}
                    - {id: subnet-0c2d3e4f5a6b70006, vpc: vpc-0c2d3e4f5a6b70718, cidr: 10.0.6.0/24,
                       availability-zone: "{az2}", route-table: rtb-0c2d3e4f5a6b70011}
                remove:
                  - captures[2]
                  - nat-gateways.nat-0c2d3e4f5a6b70041

            """
        let moved = text.replacingOccurrences(
            of: "  - name: callers-elsewhere\n    set:\n",
            with: "  - name: callers-elsewhere\n    set:\n"
                + "      functions.orders-writer-a.vpc.subnets: [subnet-0c2d3e4f5a6b70005]\n"
                + "      functions.orders-writer-b.vpc.subnets: [subnet-0c2d3e4f5a6b70006]\n"
                + "      functions.orders-writer-a.connection-reuse: false\n"
                + "      functions.orders-writer-b.connection-reuse: false\n")
        #expect(moved != text)
        try moved.write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        let r = runProgram(
            ExperimentTests.binary, ["experiment", dir + "/e.yaml", "--out", dir + "/out", "--no-plots"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        let json = try ExperimentTests.json(dir + "/out/results.json")
        let variants = try #require(json["variants"] as? [[String: Any]])
        func measured(_ name: String) throws -> [String: Any] {
            let v = try #require(variants.first { $0["name"] as? String == name })
            let p = try #require((v["points"] as? [[String: Any]])?.first)
            return try #require(p["measured"] as? [String: Any])
        }
        let own = try measured("interface-endpoint"), elsewhere = try measured("callers-elsewhere")
        #expect((own["endpoint_bytes"] as? Double ?? 0) > 0 && own["cross_az_bytes"] as? Double == 0, "\(own)")
        let crossed = elsewhere["cross_az_bytes"] as? Double ?? 0
        let through = elsewhere["endpoint_bytes"] as? Double ?? 0
        // Two ENIs, a random order per lookup (a lookup per call: no connection reuse): some
        // calls cross, not all.
        #expect(crossed > 0 && crossed < through, "\(elsewhere)")
    }
}
