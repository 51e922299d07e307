import Foundation
import Testing
import Topology
import TestSupport

/// `include:` in topology files: a workload laid over an imported network.
@Suite struct IncludeTests {
    static let network = """
        account: "123456789012"
        region: us-east-1
        vpcs: [{id: vpc-0a1b2c3d4e5f60718, cidr: 10.0.0.0/16}]
        subnets:
          - {id: subnet-0a1b2c3d4e5f60001, vpc: vpc-0a1b2c3d4e5f60718, cidr: 10.0.1.0/24, availability-zone: us-east-1a,
             route-table: rtb-0a1b2c3d4e5f60011}
        route-tables: [{id: rtb-0a1b2c3d4e5f60011, vpc: vpc-0a1b2c3d4e5f60718}]
        vpc-endpoints:
          - {id: vpce-0a1b2c3d4e5f60099, vpc: vpc-0a1b2c3d4e5f60718, service: com.amazonaws.us-east-1.dynamodb,
             route-tables: [rtb-0a1b2c3d4e5f60011]}
        security-groups:
          - id: sg-0a1b2c3d4e5f60021
            vpc: vpc-0a1b2c3d4e5f60718
            ingress: []
        functions:
          - name: orders-writer
            runtime: python3.12
            timeout: 3s
            vpc: {subnets: [subnet-0a1b2c3d4e5f60001], security-groups: [sg-0a1b2c3d4e5f60021]}

        """

    func write(_ files: [String: String]) throws -> String {
        let dir = temporaryDirectory("include")
        for (name, text) in files {
            let path = dir + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return dir
    }

    func load(_ path: String) -> Result<Scenario, TopologyError> {
        do { return .success(try TopologyLoader.load(path: path)) } catch { return .failure(error) }
    }

    @Test func workloadAddsToAnIncludedFunctionAndTheNetwork() throws {
        let dir = try write([
            "net/imported.yaml": Self.network,
            "workload.yaml": """
            include: net/imported.yaml
            scenario: orders
            functions:
              - name: orders-writer
                invocations: {rate: 2/s}
                handler: [{dynamodb: PutItem, table: Orders}]
            captures: [{function: orders-writer}]

            """,
        ])
        let s = try load(dir + "/workload.yaml").get()
        #expect(s.name == "orders")
        #expect(s.world.functions.count == 1)
        #expect(s.world.functions[0].program.count == 1)
        #expect(s.world.functions[0].enis.count == 1)
        #expect(s.captures.count == 1)
        // The network alone loads too: the function exists and runs nothing.
        let alone = try load(dir + "/net/imported.yaml").get()
        #expect(alone.world.functions[0].program.isEmpty)
    }

    @Test func conflictingDefinitionNamesBothFilesAndLines() throws {
        let dir = try write([
            "imported.yaml": Self.network,
            "workload.yaml": """
            include: imported.yaml
            functions:
              - name: orders-writer
                timeout: 10s

            """,
        ])
        guard case .failure(let e) = load(dir + "/workload.yaml") else {
            Issue.record("a conflicting timeout loaded")
            return
        }
        #expect(e.file == dir + "/workload.yaml")
        #expect(e.line == 4)
        #expect(e.message.contains("functions[0].timeout: conflicts with its definition at \(dir)/imported.yaml:18"))
        #expect(e.message.contains("('3s' there, '10s' here)"))
    }

    @Test func errorsInIncludedContentNameTheIncludedFileAndLine() throws {
        let broken = Self.network.replacingOccurrences(
            of: "security-groups: [sg-0a1b2c3d4e5f60021]}", with: "security-groups: [sg-0a1b2c3d4e5f60022]}")
        let dir = try write([
            "imported.yaml": broken,
            "workload.yaml": "include: imported.yaml\nfunctions:\n  - name: orders-writer\n    bogus: 1\n",
        ])
        // An unknown key in the including file: that file, its line.
        guard case .failure(let e1) = load(dir + "/workload.yaml") else {
            Issue.record("loaded")
            return
        }
        #expect(e1.file == dir + "/workload.yaml" && e1.line == 4, "\(e1)")
        #expect(e1.message.contains("unknown key 'bogus'"))
        // A bad reference in the included file: that file, its line.
        try "include: imported.yaml\n".write(toFile: dir + "/workload.yaml", atomically: true, encoding: .utf8)
        guard case .failure(let e2) = load(dir + "/workload.yaml") else {
            Issue.record("loaded")
            return
        }
        #expect(e2.file == dir + "/imported.yaml" && e2.line == 19, "\(e2)")
        #expect(e2.message.contains("no security group with id 'sg-0a1b2c3d4e5f60022'"))
    }

    @Test func includeCycleAndMissingFileAreLocatedErrors() throws {
        let dir = try write([
            "a.yaml": "include: b.yaml\n", "b.yaml": "include: [a.yaml]\n", "c.yaml": "include: nope.yaml\n",
        ])
        guard case .failure(let e) = load(dir + "/a.yaml") else {
            Issue.record("loaded")
            return
        }
        #expect(e.file == dir + "/b.yaml" && e.line == 1)
        #expect(e.message.contains("include cycle"))
        guard case .failure(let m) = load(dir + "/c.yaml") else {
            Issue.record("loaded")
            return
        }
        #expect(m.file == dir + "/c.yaml" && m.message.contains("cannot read 'nope.yaml'"))
    }
}
