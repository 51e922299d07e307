import Foundation
import SimCore
import Topology
import Capture

/// `vpcsim bench core`: the hold model through the bare queue and through the dispatch loop.
public enum CoreBenchmark {
    public struct Report: Codable, Sendable {
        public struct Row: Codable, Sendable {
            public var pending: Int
            public var path: String
            public var events: Int
            public var seconds: Double
            public var eventsPerSecond: Double
        }
        public var benchmark = "core"
        public var method = "hold model: K pending events, each fired event schedules one at now + d, d cycled from 2^20 precomputed exponential samples (mean 1 s, in ns)"
        public var build: String
        public var rows: [Row]
    }

    public static func run(pending: [Int] = [1_000, 100_000, 1_000_000], repeats: Int = 3) -> Report {
        var rows: [Report.Row] = []
        for k in pending {
            for scheduler in [false, true] {
                let events = max(10_000_000, 10 * k)
                var best: HoldModelResult?
                for r in 0..<repeats {
                    let res = HoldModel.run(pending: k, events: events, throughScheduler: scheduler, seed: UInt64(r + 1))
                    if best == nil || res.eventsPerSecond > best!.eventsPerSecond { best = res }
                }
                rows.append(.init(pending: k, path: best!.path, events: best!.events, seconds: best!.seconds,
                                  eventsPerSecond: best!.eventsPerSecond))
            }
        }
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        return Report(build: build, rows: rows)
    }

    public static func json(_ r: Report) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try enc.encode(r), as: UTF8.self)
    }
}

/// `vpcsim bench flowlogs`: flow-log formatting throughput, and the end-to-end simulator with flow
/// logs on and pcaps off.
public enum FlowLogBenchmark {
    public struct Report: Codable, Sendable {
        public var benchmark = "flowlogs"
        public var build: String
        public var format: String
        public var records: Int
        public var textRecordsPerSecond: Double
        public var gzipRecordsPerSecond: Double
        public var textBytesPerRecord: Double
        public var topology: String
        public var simulatedSeconds: Double
        public var wallSeconds: Double
        public var packets: UInt64
        public var packetsPerSecond: Double
        public var events: UInt64
        public var eventsPerSecond: Double
        public var flowLogRecords: UInt64
        public var peakMemoryKB: Int
    }

    public static func run(topology: String, duration: SimDuration, records: Int, scratch: String) throws -> Report {
        let scenario = try TopologyLoader.load(path: topology, overrides: RunOverrides(duration: duration))
        let directory = NetworkDirectory(network: scenario.network, epochNanoseconds: scenario.world.epochNanoseconds)
        let format = scenario.flowLogs.first?.format ?? .default
        try makeDirectories(scratch)
        // Formatting best of five, gzip once; the end-to-end run once.
        let b = try FlowLogFormattingBenchmark.run(directory: directory, format: format, records: records, scratchPath: scratch)
        var options = RunOptions(outputDirectory: scratch + "/run")
        options.pcaps = false
        let s = try Runner.run(scenario, options: options)
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        return Report(build: build, format: format.logFormatString, records: records,
                      textRecordsPerSecond: Double(records) / b.textSeconds, gzipRecordsPerSecond: Double(b.gzipRecords) / b.gzipSeconds,
                      textBytesPerRecord: Double(b.bytes) / Double(records), topology: topology,
                      simulatedSeconds: s.simulatedSeconds, wallSeconds: s.wallSeconds, packets: s.packets.sent,
                      packetsPerSecond: Double(s.packets.sent) / s.wallSeconds, events: s.events, eventsPerSecond: s.eventsPerSecond,
                      flowLogRecords: s.flowLogs.reduce(0) { $0 + $1.records }, peakMemoryKB: s.peakMemoryKB)
    }

    public static func json(_ r: Report) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try enc.encode(r), as: UTF8.self)
    }
}
