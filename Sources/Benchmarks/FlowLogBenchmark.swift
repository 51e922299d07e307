import Foundation
import SimCore
import Wire
import NetModel
import Capture
import Topology
import Experiments

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
        let directory = NetworkDirectory(
            network: scenario.network,
            epochNanoseconds: scenario.world.epochNanoseconds)
        let format = scenario.flowLogs.first?.format ?? .default
        try makeDirectories(scratch)
        // Formatting best of five, gzip once; the end-to-end run once.
        let b = try FlowLogFormattingBenchmark.run(
            directory: directory, format: format, records: records, scratchPath: scratch)
        var options = RunOptions(outputDirectory: scratch + "/run")
        options.pcaps = false
        let s = try Runner.run(scenario, options: options)
        #if DEBUG
            let build = "debug"
        #else
            let build = "release"
        #endif
        return Report(
            build: build, format: format.logFormatString, records: records,
            textRecordsPerSecond: Double(records) / b.textSeconds,
            gzipRecordsPerSecond: Double(b.gzipRecords) / b.gzipSeconds,
            textBytesPerRecord: Double(b.bytes) / Double(records), topology: topology,
            simulatedSeconds: s.simulatedSeconds, wallSeconds: s.wallSeconds, packets: s.packets.sent,
            packetsPerSecond: Double(s.packets.sent) / s.wallSeconds, events: s.events,
            eventsPerSecond: s.eventsPerSecond,
            flowLogRecords: s.flowLogs.reduce(0) { $0 + $1.records }, peakMemoryKB: s.peakMemoryKB)
    }

    public static func json(_ r: Report) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try enc.encode(r), as: UTF8.self)
    }
}

/// `vpcsim bench flowlogs`: how fast records are formatted, as text and through gzip.
public enum FlowLogFormattingBenchmark {
    public struct Result: Sendable {
        public var records: Int
        public var textSeconds: Double
        public var gzipRecords: Int
        public var gzipSeconds: Double
        public var bytes: Int
    }

    /// Formats `records` synthetic records (varied addresses, ports, counters, directions) of the
    /// ENIs of `directory` with `format` into memory, best of `rounds`; then `gzipRecords` of them
    /// into a gzip file at `scratchPath`, once (compression dominates and varies little).
    public static func run(
        directory: NetworkDirectory, format: FlowLogFormat, records: Int, rounds: Int = 5,
        gzipRecords: Int = 1_000_000, scratchPath: String
    ) throws -> Result {
        let text = FlowLogTextFormat(format: format, directory: directory)
        let line = RecordLine()
        let table = syntheticRecords(directory)
        // Records accumulate in a 4 MiB block, as a file writer's buffer would hold them.
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 22, alignment: 8)
        defer { block.deallocate() }
        var used = 0
        var bytes = 0
        let clock = ContinuousClock()
        var textSeconds = Double.infinity
        for _ in 0..<max(rounds, 1) {
            used = 0
            bytes = 0
            let t0 = clock.now
            for k in 0..<records {
                text.render(table[k & 4095], into: line)
                if used + line.count > block.count { bytes += used; used = 0 }
                UnsafeMutableRawBufferPointer(rebasing: block[used..<(used + line.count)]).copyMemory(from: line.view)
                used += line.count
            }
            bytes += used
            textSeconds = min(textSeconds, (clock.now - t0).seconds)
        }
        let gz = try CompressedFileWriter(path: scratchPath + "/bench.log.gz")
        used = 0
        let zipped = min(gzipRecords, records)
        let t1 = clock.now
        for k in 0..<zipped {
            text.render(table[k & 4095], into: line)
            if used + line.count > block.count {
                try gz.write(UnsafeRawBufferPointer(rebasing: block[0..<used])); used = 0
            }
            UnsafeMutableRawBufferPointer(rebasing: block[used..<(used + line.count)]).copyMemory(from: line.view)
            used += line.count
        }
        try gz.write(UnsafeRawBufferPointer(rebasing: block[0..<used]))
        try gz.finish()
        let gzipSeconds = (clock.now - t1).seconds
        return Result(
            records: records, textSeconds: textSeconds, gzipRecords: zipped, gzipSeconds: gzipSeconds, bytes: bytes)
    }

    /// 4096 records spread over the ENIs: random 10.20.x.x clients and any peer, four services,
    /// one in 17 UDP, one in 13 rejected, egress and ingress alternating, 1–500 packets.
    static func syntheticRecords(_ directory: NetworkDirectory) -> [FlowLogRecord] {
        let epochSeconds: Int64 = 1_795_392_000
        let enis = max(directory.enis.count, 1)
        var r = RandomStream(seed: 99)
        return (0..<4096).map { k in
            let e = k % enis
            let own = directory.enis.isEmpty ? IPAddress(ipv4: 0) : directory.enis[e].privateIP
            let source = IPAddress(ipv4: 0x0A14_0000 | UInt32(r.bounded(65536)))
            let destination = IPAddress(ipv4: UInt32(truncatingIfNeeded: r.next()))
            let sourcePort = UInt16(truncatingIfNeeded: r.next())
            let egress = k & 1 == 0
            let packets = 1 + r.bounded(500)
            let bytes = 40 + r.bounded(1_000_000)
            return FlowLogRecord(
                eni: ENIIndex(e), srcaddr: egress ? own : source, dstaddr: egress ? destination : own,
                pktSrcaddr: source, pktDstaddr: destination, srcport: sourcePort, dstport: [443, 80, 22, 6432][k & 3],
                protocolNumber: k % 17 == 0 ? IPProtocol.udp : IPProtocol.tcp, tcpFlags: UInt8(k & 0x17),
                action: k % 13 != 0 ? .accept : .reject, direction: egress ? .egress : .ingress,
                trafficPath: egress ? .withinVPC : .none, packets: packets, bytes: bytes,
                start: epochSeconds + Int64(k), end: epochSeconds + Int64(k) + 5)
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
