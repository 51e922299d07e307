import Testing
import TestSupport
import NetModel
import Workloads
import Messages
@testable import Topology

/// The topology keys behind latency, cost and the SDK's behaviour.
@Suite struct ModelKeysTests {
    static let endpoint = repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml"

    func load(_ sets: String...) throws -> Scenario {
        try TopologyLoader.load(path: Self.endpoint, patches: sets.map { try TopologyPatch.commandLine($0) })
    }

    @Test func latencyHopsTakeAConstantOrADistribution() throws {
        let s = try load(
            "latency={intra-az: 50us, cross-az: {median: 500us, sigma: 0.2}, "
                + "cross-az-pairs: [{zones: [us-east-1a, us-east-1c], median: 300us}]}")
        let l = s.network.latency
        #expect(l.intraAZ == .constant(.microseconds(50)))
        #expect(l.crossAZ == HopDelay(median: .microseconds(500), sigma: 0.2))
        // The default hops keep their sourced or assumed distributions.
        #expect(l.regional == LatencyModel().regional && l.regional.sigma > 0)
        #expect(throws: TopologyError.self) { try load("latency.cross-az={median: 1ms, sigma: 5}") }
        #expect(throws: TopologyError.self) { try load("latency.cross-az-pairs=[{zones: [us-east-1a], median: 1ms}]") }
        #expect(throws: TopologyError.self) {
            try load("latency.cross-az-pairs=[{zones: [eu-west-1a, us-east-1b], median: 1ms}]")
        }
    }

    @Test func theCatalogsAZPairDistancesApplyToTheZonesInUse() throws {
        let s = try TopologyLoader.load(path: repositoryRoot() + "/Topologies/lambda-dynamodb-two-az-nat.yaml")
        let a = AvailabilityZoneIndex(0), b = AvailabilityZoneIndex(1)
        #expect(s.network.zones.map(\.name) == ["us-east-1a", "us-east-1b"])
        // us-east-1a ↔ us-east-1b: 0.807 ms average RTT in the 2019 measurement, half each way.
        #expect(s.network.latency.median(from: a, to: b) == .nanoseconds(403_500))
    }

    @Test func functionsCostKeys() throws {
        let s = try load(
            "functions[0].memory=1769", "functions[0].architecture=arm64", "functions[0].connection-reuse=false",
            "functions[0].tcp-nodelay=false", "functions[0].handler[1].consistent-read=true")
        let f = s.world.functions[0]
        #expect(f.memoryMB == 1769 && f.architecture == .arm64 && !f.connectionReuse && !f.tcpNoDelay)
        guard case .dynamodb(let get) = f.program[1] else { Issue.record("GetItem"); return }
        #expect(get.consistentRead)
        #expect(throws: TopologyError.self) { try load("functions[0].architecture=sparc") }
        #expect(throws: TopologyError.self) { try load("functions[0].handler[0].consistent-read=true") } // PutItem
        #expect(throws: TopologyError.self) { try load("functions[0].handler[0].item-bytes=500kB") }
    }

    /// Issue 11: a step's item size is a size, a log-normal `{median, sigma}` (the spelling of hop
    /// latencies) or a uniform range; bad ones are located errors naming the value.
    @Test func itemBytesTakeADistribution() throws {
        func item(_ value: String, step: Int = 0) throws -> DynamoDBCall {
            let s = try load("functions[0].handler[\(step)].item-bytes=\(value)")
            guard case .dynamodb(let c) = s.world.functions[0].program[step] else {
                throw TopologyError(file: "", line: 0, column: 0, message: "no call")
            }
            return c
        }
        #expect(try item("4kB").itemSize == .constant(4_000))
        #expect(try item("{median: 2kB, sigma: 0.4}").itemSize == .logNormal(median: 2_000, sigma: 0.4))
        #expect(try item("1kB-4kB").itemSize == .uniform(1_000, 4_000))
        #expect(try item("1kB-4kB").itemBytes == 2_500)
        #expect(try item("{median: 2kB, sigma: 0}").itemSize == .constant(2_000))
        for (bad, says) in [
            ("4kB-1kB", "'4kB-1kB' runs backwards"), ("1kB-500kB", "500000 bytes is outside 2…409600"),
            ("1kB-x", "'1kB-x' is not a size range"), ("{median: 2kB}", "'sigma'"),
            ("{median: 2kB, sigma: 3}", "3 is outside 0 … 2"), ("{median: 2kB, sigma: 0.4, p99: 9kB}", "'p99'"),
            ("{median: 1MB, sigma: 0.4}", "larger than"), ("lots", "'lots' is not a size"),
        ] {
            do {
                _ = try item(bad)
                Issue.record("\(bad) loaded")
            } catch {
                let text = "\(error)"
                #expect(text.contains("functions[0].handler[0].item-bytes") && text.contains(says), "\(bad): \(text)")
            }
        }
    }

    /// Issue 11: a session's `request-bytes` and `response-bytes` given as one size are the median
    /// of a log-normal spread (sigma 0.3 and 0.6); `{median, sigma}` and ranges are as written.
    @Test func sessionSizesTakeADistribution() throws {
        let dataset = repositoryRoot() + "/Topologies/dataset-enterprise.yaml"
        func spec(_ sets: String...) throws -> SessionSpec {
            let s = try TopologyLoader.load(path: dataset, patches: sets.map { try TopologyPatch.commandLine($0) })
            guard case .sessions(let spec) = s.world.traffic[0] else {
                throw TopologyError(file: "", line: 0, column: 0, message: "no sessions")
            }
            return spec
        }
        let web = try spec()
        #expect(web.requestSize == .logNormal(median: 700, sigma: SessionSpec.requestSigma))
        #expect(web.responseSize == .logNormal(median: 24_000, sigma: SessionSpec.responseSigma))
        #expect(web.requestBytes == 700 && web.responseBytes == 24_000)
        let given = try spec(
            "traffic[0].sessions.request-bytes={median: 900, sigma: 0.1}",
            "traffic[0].sessions.response-bytes=2kB-30kB")
        #expect(given.requestSize == .logNormal(median: 900, sigma: 0.1))
        #expect(given.responseSize == .uniform(2_000, 30_000))
        let fixed = try spec("traffic[0].sessions.request-bytes={median: 700, sigma: 0}")
        #expect(fixed.requestSize == .constant(700))
        do {
            _ = try spec("traffic[0].sessions.request-bytes=9kB-1kB")
            Issue.record("a backwards range loaded")
        } catch {
            let text = "\(error)"
            #expect(text.contains("traffic[0].sessions.request-bytes") && text.contains("runs backwards"), "\(text)")
        }
    }
}
