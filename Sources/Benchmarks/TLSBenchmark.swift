import Foundation
import SimCore
import Topology
import Experiments

/// `vpcsim bench tls`: what real TLS costs. Runs the default scenario with pcaps, in both TLS
/// modes, and a bulk variant of it whose items are 64 KiB (so protected application data
/// dominates): runs per second of wall clock and megabytes per second of application bytes
/// (HTTP requests and responses) carried through TLS, best of `repeats` each.
public enum TLSBenchmark {
    public struct Mode: Codable, Sendable {
        public var tls: String
        public var wallSeconds: Double
        public var runsPerSecond: Double
        public var packets: UInt64
        public var applicationBytes: UInt64
        public var applicationMBPerSecond: Double
        public var pcapBytes: UInt64
    }
    public struct Row: Codable, Sendable {
        public var scenario: String
        public var simulatedSeconds: Double
        public var sizeOnly: Mode
        public var decryptable: Mode
        /// decryptable wall time / size-only wall time.
        public var slowdown: Double
    }
    public struct Report: Codable, Sendable {
        public var benchmark = "tls"
        public var build: String
        public var repeats: Int
        public var rows: [Row]
    }

    public static func run(topology: String, repeats: Int, scratch: String) throws -> Report {
        let text = try String(contentsOfFile: topology, encoding: .utf8)
        let bulk = text.replacingOccurrences(of: "item-bytes: 110", with: "item-bytes: 65536")
        var rows: [Row] = []
        for (name, yaml) in [("default scenario", text), ("bulk: 64 KiB items", bulk)] {
            let scenario = try TopologyLoader.load(yaml: yaml, file: topology)
            let a = try measure(scenario, .sizeOnly, repeats: repeats, scratch: scratch + "/a")
            let b = try measure(scenario, .decryptable, repeats: repeats, scratch: scratch + "/b")
            rows.append(
                Row(
                    scenario: name, simulatedSeconds: scenario.duration.seconds, sizeOnly: a, decryptable: b,
                    slowdown: b.wallSeconds / a.wallSeconds))
        }
        #if DEBUG
            let build = "debug"
        #else
            let build = "release"
        #endif
        return Report(build: build, repeats: repeats, rows: rows)
    }

    static func measure(_ scenario: Scenario, _ tls: TLSMode, repeats: Int, scratch: String) throws -> Mode {
        var options = RunOptions(outputDirectory: scratch)
        options.tls = tls
        var best: RunSummary?
        for _ in 0..<max(repeats, 1) {
            let s = try Runner.run(scenario, options: options)
            if best == nil || s.wallSeconds < best!.wallSeconds { best = s }
        }
        let s = best!
        let app = s.calls.reduce(UInt64(0)) { $0 + $1.requestBytes + $1.responseBytes }
        let pcapBytes = s.pcaps.reduce(UInt64(0)) {
            $0 + ((try? FileManager.default.attributesOfItem(atPath: scratch + "/" + $1.file)[.size] as? UInt64) ?? 0)
        }
        return Mode(
            tls: tls.rawValue, wallSeconds: s.wallSeconds, runsPerSecond: 1 / s.wallSeconds, packets: s.packets.sent,
            applicationBytes: app, applicationMBPerSecond: Double(app) / 1e6 / s.wallSeconds, pcapBytes: pcapBytes)
    }

    public static func json(_ r: Report) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try enc.encode(r), as: UTF8.self)
    }
}
