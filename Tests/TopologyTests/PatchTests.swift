import Foundation
import Testing
import TestSupport
import NetModel
import Workloads
@testable import Topology

/// `--set` and experiment patches: the path syntax (by index, by name or id), what set, add and
/// remove do to the document, and errors that point at the patch.
@Suite struct PatchTests {
    static let endpoint = repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml"
    static let experiment = repositoryRoot() + "/Topologies/experiments/nat-vs-endpoint.yaml"

    func load(_ sets: String..., path: String = Self.endpoint) throws -> Scenario {
        try TopologyLoader.load(path: path, patches: sets.map { try TopologyPatch.commandLine($0) })
    }
    func failure(_ sets: String..., path: String = Self.endpoint) -> String {
        do {
            _ = try TopologyLoader.load(path: path, patches: sets.map { try TopologyPatch.commandLine($0) })
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func pathsParseKeysIndicesAndNames() throws {
        let p = try TopologyPath.parse("functions[0].handler[1].item-bytes").get()
        #expect(p.components == [.key("functions"), .index(0), .key("handler"), .index(1), .key("item-bytes")])
        #expect(p.description == "functions[0].handler[1].item-bytes")
        let q = try TopologyPath.parse("route-tables.rtb-0a1b2c3d4e5f60011.routes[0].target").get()
        #expect(q.components[1] == .key("rtb-0a1b2c3d4e5f60011"))
        #expect(try TopologyPath.parse("functions[orders-writer].memory").get().components[1] == .key("orders-writer"))
        for bad in ["", "a..b", "a.", "[0]", "a[", "a[]", "a[0]b", "a b", "a=b"] {
            #expect(throws: PathSyntaxError.self, "'\(bad)'") { try TopologyPath.parse(bad).get() }
        }
    }

    @Test func setByNameAndByIndex() throws {
        let s = try load(
            "functions.orders-writer.invocations.rate=50/s", "functions[0].handler[0].item-bytes=4kB",
            "functions.orders-writer.memory=1024")
        let f = s.world.functions[0]
        #expect(f.arrivals == .poisson(perSecond: 50))
        #expect(f.memoryMB == 1024)
        guard case .dynamodb(let put) = f.program[0], case .dynamodb(let get) = f.program[1] else {
            Issue.record("handler steps are DynamoDB calls"); return
        }
        #expect(put.itemBytes == 4000 && get.itemBytes == 110)
    }

    @Test func setCreatesMissingKeysAndMappings() throws {
        let s = try load("functions.orders-writer.architecture=arm64", "latency.cross-az={median: 1ms, sigma: 0.1}")
        #expect(s.world.functions[0].architecture == .arm64)
        #expect(s.network.latency.crossAZ == HopDelay(median: .milliseconds(1), sigma: 0.1))
    }

    @Test func aPathThatResolvesNowhereIsAnErrorAtTheArgument() {
        #expect(
            failure("functions.orders-writr.memory=1024")
                == "--set functions.orders-writr.memory=1024: functions.orders-writr.memory: no item named "
                + "'orders-writr' (by name or id) (did you mean 'orders-writer'?); it has orders-writer (at functions)")
        #expect(failure("functions[3].memory=1").contains("index 3 is past the end (the list has 1 item)"))
        #expect(failure("run.duration.x=1").contains("'x' is below the value '90s', which has no keys or items"))
        #expect(failure("no-equals-sign").contains("expected path=value"))
    }

    @Test func aBadValueIsTheLoadersErrorAtTheArgument() {
        let e = failure("functions[0].handler[0].item-bytes=4kX")
        #expect(
            e.hasPrefix("--set functions[0].handler[0].item-bytes=4kX: functions[0].handler[0].item-bytes: '4kX'"),
            "\(e)")
        let k = failure("functions[0].memroy=1024")
        #expect(
            k.hasPrefix("--set functions[0].memroy=1024: functions[0]: unknown key 'memroy' (did you mean 'memory'?)"),
            "\(k)")
        // An error in the base file still points at the base file.
        #expect(failure("functions[0].vpc.security-groups=[sg-0a1b2c3d4e5f60099]").contains("no security group"))
    }

    @Test func addAppendsAndRemoveDeletes() throws {
        let base = repositoryRoot() + "/Topologies/lambda-dynamodb-nat-gateway.yaml"
        let yaml = try String(contentsOfFile: base, encoding: .utf8)
        var patches = [
            try TopologyPatch.commandLine("route-tables.rtb-0b1c2d3e4f5a60011.routes=[]"),
            try TopologyPatch.commandLine("captures=[{function: orders-writer}]"),
        ]
        patches.append(
            TopologyPatch(
                operation: .remove, path: try TopologyPath.parse("nat-gateways.nat-0b1c2d3e4f5a60041").get(),
                origin: .argument("remove"), value: nil))
        patches.append(
            TopologyPatch(
                operation: .add, path: try TopologyPath.parse("vpc-endpoints").get(), origin: .argument("add"),
                value: .text(
                    "{id: vpce-0b1c2d3e4f5a60099, vpc: vpc-0b1c2d3e4f5a60718, "
                        + "service: com.amazonaws.us-east-1.dynamodb, "
                        + "type: Gateway, route-tables: [rtb-0b1c2d3e4f5a60011]}")))
        let s = try TopologyLoader.load(yaml: yaml, file: base, patches: patches)
        #expect(s.network.natGateways.isEmpty && s.network.gatewayEndpoints.count == 1)
        // Removing what is not there is an error naming the key.
        let bad = TopologyPatch(
            operation: .remove, path: try TopologyPath.parse("nat-gateway").get(),
            origin: .argument("remove nat-gateway"),
            value: nil)
        #expect(throws: TopologyError.self) { try TopologyLoader.load(yaml: yaml, file: base, patches: [bad]) }
    }

    @Test func canonicalTextFollowsTheValuesNotTheSpelling() throws {
        let a = try TopologyLoader.canonicalText(
            path: Self.endpoint, patches: [try .commandLine("functions[0].memory=1024")])
        let b = try TopologyLoader.canonicalText(
            path: Self.endpoint, patches: [try .commandLine("functions.orders-writer.memory=1024")])
        let c = try TopologyLoader.canonicalText(
            path: Self.endpoint, patches: [try .commandLine("functions[0].memory=2048")])
        #expect(a == b && a != c)
    }

    @Test func theShippedExperimentLoads() throws {
        let spec = try ExperimentLoader.load(path: Self.experiment)
        #expect(spec.variants.map(\.name).count == 7 && spec.points.count == 8 && spec.seeds == [1, 2, 3])
        #expect(
            spec.parameters[0].values.map(\.number) == [1000, 4000, 8000, 16000, 32000, 64000, 128000, 256000])
        let perAZ = spec.variants.firstIndex { $0.name == "nat-gateway-per-az" }!
        let endpoint = spec.variants.firstIndex { $0.name == "gateway-endpoint" }!
        let p = spec.points[2]
        let a = try TopologyLoader.load(
            path: spec.variants[perAZ].topology, patches: spec.patches(variant: perAZ, point: p))
        #expect(a.network.natGateways.count == 2)
        let b = try TopologyLoader.load(
            path: spec.variants[endpoint].topology, patches: spec.patches(variant: endpoint, point: p))
        #expect(b.network.natGateways.isEmpty && b.network.gatewayEndpoints.count == 1 && b.captures.count == 2)
        guard case .dynamodb(let call) = b.world.functions[1].program[1] else { Issue.record("GetItem"); return }
        #expect(call.itemBytes == 8000)
        // The interface endpoint: one ENI in each function's AZ, no NAT gateway, every call at its name.
        for (name, count) in [("interface-endpoint", 1), ("interface-endpoints-five-services", 5)] {
            let v = spec.variants.firstIndex { $0.name == name }!
            let t = try TopologyLoader.load(
                path: spec.variants[v].topology, patches: spec.patches(variant: v, point: p))
            #expect(t.network.natGateways.isEmpty && t.network.gatewayEndpoints.isEmpty)
            #expect(t.network.interfaceEndpoints.count == count)
            #expect(t.network.interfaceEndpoints.allSatisfy { $0.enis.count == 2 })
            #expect(t.network.interfaceEndpoints[0].service == "dynamodb")
            for f in t.world.functions {
                for step in f.program {
                    guard case .dynamodb(let call) = step else { continue }
                    #expect(call.endpointHost.hasPrefix("vpce-0c2d3e4f5a6b70098-"))
                }
            }
        }
    }

    /// An experiment's mistakes point into the experiment file: a path at its key, a value at its line.
    @Test func experimentErrorsPointAtTheExperimentFile() throws {
        let dir = temporaryDirectory("experiment-errors")
        let base = try String(contentsOfFile: Self.experiment, encoding: .utf8)
            .replacingOccurrences(of: "topology: ../", with: "topology: \(repositoryRoot())/Topologies/")
        func error(_ text: String) -> String {
            let file = dir + "/x.yaml"
            try? text.write(toFile: file, atomically: true, encoding: .utf8)
            do { _ = try ExperimentLoader.load(path: file); return "no error" } catch { return "\(error)" }
        }
        func line(_ needle: String, in text: String) -> Int {
            text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) }! + 1
        }
        let badPath = base.replacingOccurrences(
            of: "subnets.subnet-0c2d3e4f5a6b70002.route-table", with: "subnets.subnet-0c2d3e4f5a6b7000x.route-table")
        let e1 = error(badPath)
        #expect(e1.hasPrefix(dir + "/x.yaml:\(line("subnet-0c2d3e4f5a6b7000x", in: badPath)):7: "), "\(e1)")
        #expect(e1.contains("no item named 'subnet-0c2d3e4f5a6b7000x'"))
        let badValue = base.replacingOccurrences(of: "[1kB, 4kB", with: "[1kB, 4kX")
        let e2 = error(badValue)
        #expect(e2.hasPrefix(dir + "/x.yaml:\(line("4kX", in: badValue)):"), "\(e2)")
        #expect(e2.contains("'4kX' is not a size"))
        let badKey = base.replacingOccurrences(
            of: "functions.orders-writer-a.connection-reuse: false\n      functions.orders-writer-b",
            with: "functions.orders-writer-a.connection-reus: false\n      functions.orders-writer-b")
        let e3 = error(badKey)
        #expect(e3.hasPrefix(dir + "/x.yaml:\(line("connection-reus:", in: badKey)):"), "\(e3)")
        #expect(e3.contains("unknown key 'connection-reus' (did you mean 'connection-reuse'?)"))
        let badCall = base.replacingOccurrences(
            of: "calls: [orders-writer-a/PutItem", with: "calls: [orders-writer-a/PutItm")
        #expect(
            error(badCall).contains(
                "no variant makes the call 'orders-writer-a/PutItm' (did you mean 'orders-writer-a/PutItem'?)"))
    }
}
