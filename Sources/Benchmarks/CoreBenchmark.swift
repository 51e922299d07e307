import Foundation
import SimCore

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
        public var method =
            "hold model: K pending events, each fired event schedules one at now + d, d cycled from 2^20 precomputed "
            + "exponential samples (mean 1 s, in ns)"
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
                    let res = HoldModel.run(
                        pending: k, events: events, throughScheduler: scheduler, seed: UInt64(r + 1))
                    if best == nil || res.eventsPerSecond > best!.eventsPerSecond { best = res }
                }
                rows.append(
                    .init(
                        pending: k, path: best!.path, events: best!.events, seconds: best!.seconds,
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
