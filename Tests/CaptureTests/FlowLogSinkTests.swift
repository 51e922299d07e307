import Testing
import Foundation
import SimCore
import Wire
import TestSupport
@testable import NetModel
@testable import Capture

/// Keeps every batch it is given: what any new destination would receive.
final class RecordingSink: FlowLogSink {
    var batches: [[FlowLogRecord]] = []
    var advancedTo: [Int64] = []
    var finished = 0
    var records: [FlowLogRecord] { batches.flatMap { $0 } }
    func write(_ records: UnsafeBufferPointer<FlowLogRecord>) throws { batches.append(Array(records)) }
    func advance(toUnixSeconds unixSeconds: Int64) throws { advancedTo.append(unixSeconds) }
    func finish() throws { finished += 1 }
    func abandon() {}
    var files: [String] { [] }
}

/// The aggregator's typed records and the sinks behind `FlowLogSink`.
extension FlowLogTests {
    func aggregator(_ sinks: [any FlowLogSink], network: Network? = nil, interval: Int = 60) -> FlowLogAggregator {
        let config = FlowLogConfig(
            id: "fl-0123456789abcdef0", resource: .vpc(VPCIndex(0)), maxAggregationInterval: interval,
            accountID: "123456789012")
        return FlowLogAggregator(
            config: config, directory: NetworkDirectory(network: network ?? self.network),
            epochNanoseconds: epoch, seed: 1, sinks: sinks)
    }

    @Test func sinksReceiveTypedRecordsOneBatchPerWindow() throws {
        let sink = RecordingSink()
        let a = aggregator([sink])
        for t in shortConnection(at: 30) { try a.observe(t) }
        try a.advance(to: SimTime(nanoseconds: 200_000_000_000))
        try a.finish(at: SimTime(nanoseconds: 200_000_000_000))
        #expect(sink.finished == 1)
        #expect(sink.advancedTo == [1_795_428_200], "advance passes Unix seconds")
        let ok = sink.records.filter { $0.logStatus == .ok }
        #expect(
            ok == [
                FlowLogRecord(
                    eni: ENIIndex(0), srcaddr: IPAddress("10.0.1.10")!, dstaddr: IPAddress("10.0.2.20")!,
                    pktSrcaddr: IPAddress("10.0.1.10")!, pktDstaddr: IPAddress("10.0.2.20")!, srcport: 40000,
                    dstport: 443,
                    protocolNumber: 6, tcpFlags: 3, action: .accept, direction: .egress, trafficPath: .withinVPC,
                    packets: 5, bytes: 5 * 40 + 100, start: 1_795_428_030, end: 1_795_428_030),
                FlowLogRecord(
                    eni: ENIIndex(0), srcaddr: IPAddress("10.0.2.20")!, dstaddr: IPAddress("10.0.1.10")!,
                    pktSrcaddr: IPAddress("10.0.2.20")!, pktDstaddr: IPAddress("10.0.1.10")!, srcport: 443,
                    dstport: 40000,
                    protocolNumber: 6, tcpFlags: 19, action: .accept, direction: .ingress, trafficPath: .none,
                    packets: 3, bytes: 3 * 40 + 300, start: 1_795_428_030, end: 1_795_428_030),
            ])
        // The two records of the connection's window come as one batch; each quiet window after
        // it as one NODATA record of 60 s.
        #expect(sink.batches.first?.count == 2)
        let nodata = sink.batches.dropFirst()
        #expect(!nodata.isEmpty)
        #expect(nodata.allSatisfy { $0.count == 1 && $0[0].logStatus == .noData && $0[0].end - $0[0].start == 60 })
    }

    @Test func everySinkGetsTheSameRecords() throws {
        let first = RecordingSink(), second = RecordingSink()
        let a = aggregator([first, second])
        for t in shortConnection(at: 5) + shortConnection(at: 130) { try a.observe(t) }
        try a.finish(at: SimTime(nanoseconds: 300_000_000_000))
        #expect(first.records.count >= 4)
        #expect(first.batches == second.batches)
        #expect(a.records == 4)
    }

    /// srcaddr/dstaddr follow every address of the ENI, in the typed record, the text and the
    /// labels alike: a NAT gateway's ENI sending from its second secondary address shows that
    /// address; forwarding a packet from elsewhere shows its primary.
    @Test func interfaceAddressesAreTheSameInTextAndLabels() throws {
        var net = TestNetworks.natGateway().network
        net.enis[1].secondaryIPs = [IPAddress("10.0.0.11")!, IPAddress("10.0.0.12")!]
        var own = tap(1, eni: 1, .egress, "10.0.0.12", 1024, "10.0.1.10", 40000, .syn)
        var forwarded = tap(1.5, eni: 1, .egress, "52.94.0.1", 443, "10.0.1.10", 40001, [.syn, .ack])
        own.packet.label = 1
        forwarded.packet.label = 1
        let dir = temporaryDirectory("flowlog-sinks")
        let config = FlowLogConfig(
            id: "fl-0123456789abcdef0", resource: .networkInterface(ENIIndex(1)), maxAggregationInterval: 60,
            format: try FlowLogFormat(parsing: "${srcaddr} ${dstaddr} ${pkt-srcaddr}"), accountID: "123456789012")
        let directory = NetworkDirectory(network: net)
        let context = FlowLogSinkContext(config: config, directory: directory, seed: 1, outputDirectory: dir)
        try makeDirectories(dir + "/" + OutputLayout.labels)
        let labels = FlowLogLabelSink(context, labels: ["normal", "scan"])
        let recorded = RecordingSink()
        let a = FlowLogAggregator(
            config: config, directory: directory, epochNanoseconds: epoch, seed: 1,
            sinks: [config.destination.makeSink(context), labels, recorded])
        try a.observe(own)
        try a.observe(forwarded)
        try a.finish(at: SimTime(nanoseconds: 10_000_000_000))
        #expect(recorded.records.map(\.srcaddr) == [IPAddress("10.0.0.12")!, IPAddress("10.0.0.10")!])
        let text = FlowLogTextFormat(format: config.format, directory: directory)
        let line = RecordLine()
        let rendered = recorded.records.map { r -> String in
            text.render(r, into: line)
            return String(decoding: line.bytes, as: UTF8.self)
        }
        #expect(rendered == ["10.0.0.12 10.0.1.10 10.0.0.12\n", "10.0.0.10 10.0.1.10 52.94.0.1\n"])
        let s3 = dir + "/" + OutputLayout.flowLogs
        #expect(
            filesUnder(s3).flatMap { gunzipLines(s3 + "/" + $0).dropFirst() } == rendered.map { String($0.dropLast()) })
        #expect(labels.records == 2)
        #expect(
            gunzipLines(labels.path).dropFirst().map { $0.split(separator: ",").prefix(3).joined(separator: ",") }
                == ["eni-0000000e,10.0.0.12,10.0.1.10", "eni-0000000e,10.0.0.10,10.0.1.10"])
    }
}

/// The session: what it observes, what it writes, and its summary figures.
@Suite struct CaptureSessionTests {
    let network = TestNetworks.twoSubnets().network

    func tap(_ t: Double, eni: Int, _ dir: TrafficDirection, _ src: String, _ dst: String) -> TapRecord {
        var p = Packet(
            source: IPAddress(src)!, destination: IPAddress(dst)!, sourcePort: 40000, destinationPort: 443,
            protocolNumber: IPProtocol.tcp)
        p.tcpFlags = .syn
        return TapRecord(
            time: SimTime(nanoseconds: Int64(t * 1e9)), eni: ENIIndex(eni), direction: dir, accepted: true,
            logged: true, path: dir == .egress ? .withinVPC : .unknown, packet: p)
    }

    func session(captures: [CaptureSpec], flowLogs: [FlowLogConfig], labels: [String] = ["normal"], out: String) throws
        -> CaptureSession
    {
        try makeDirectories(out + "/" + OutputLayout.captures)
        return try CaptureSession(
            network: network, epochNanoseconds: 1_795_428_000 * 1_000_000_000, seed: 1,
            captures: captures, flowLogs: flowLogs, labels: labels, outputDirectory: out)
    }

    @Test func observesCapturedAndCoveredENIsOnly() throws {
        let out = temporaryDirectory("session")
        let onB = FlowLogConfig(id: "fl-1", resource: .networkInterface(ENIIndex(1)), accountID: "123456789012")
        let s = try session(captures: [], flowLogs: [onB], out: out)
        #expect(s.observed == [false, true])
        #expect(!s.needsStreamContents)
        s.abandon()
        let a = CaptureSpec(eni: ENIIndex(0), label: "instance a")
        let t = try session(captures: [a, a], flowLogs: [], out: out)
        #expect(t.observed == [true, false])
        #expect(t.pcaps.count == 1, "a twice-captured ENI has one pcap")
        #expect(t.needsStreamContents)
        t.abandon()
    }

    @Test func drainWritesFramesAndRecordsAndFinishCloses() throws {
        let out = temporaryDirectory("session")
        let subnetB = FlowLogConfig(
            id: "fl-1", resource: .subnet(SubnetIndex(1)), maxAggregationInterval: 60, accountID: "123456789012")
        let s = try session(
            captures: [CaptureSpec(eni: ENIIndex(0), label: "instance a")], flowLogs: [subnetB],
            labels: ["normal", "scan"], out: out)
        var log = ObservationLog()
        log.taps = [
            tap(1, eni: 0, .egress, "10.0.1.10", "10.0.2.20"), tap(1.001, eni: 1, .ingress, "10.0.1.10", "10.0.2.20"),
        ]
        try s.drain(&log, now: SimTime(nanoseconds: 2_000_000_000))
        #expect(log.taps.isEmpty, "drained")
        log.taps = [tap(3, eni: 0, .egress, "10.0.1.10", "10.0.2.20")]
        try s.drain(&log, now: SimTime(nanoseconds: 4_000_000_000))
        try s.finish(at: SimTime(nanoseconds: 5_000_000_000), episodes: [])
        #expect(s.pcaps.map(\.writer.packets) == [2])
        #expect(FileManager.default.fileExists(atPath: out + "/captures/eni-0000000a.pcap"))
        let fl = s.flowLogs[0]
        #expect(fl.aggregator.records == 1, "only ENI 1 is in subnet B")
        #expect(fl.destination.files.count == 1 && fl.destination.files[0].hasPrefix(out + "/flowlogs/AWSLogs/"))
        #expect(fl.labels?.records == 0)
        #expect(s.labelFiles == [out + "/labels/episodes.jsonl"], "no labelled record, so no records file")
        #expect(s.missingStreamBytes == 0)
    }
}

/// The episodes file is written without Foundation; these lines must be the bytes JSONEncoder
/// wrote for it (sorted keys, snake_case, slashes unescaped), escapes included.
@Suite struct EpisodeLogTests {
    struct EpisodeRecord: Codable {
        var label: String
        var generator: String
        var start: String
        var end: String
        var startUnix: Int64
        var endUnix: Int64
        var sources: [String]
        var destinations: [String]
        var ports: [UInt16]
        var portsAreRange: Bool
        var privateAddresses: [String: String]
        var truncated: Bool
    }

    func encoderLine(_ e: LabelledEpisode, epoch: Int64) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        enc.keyEncodingStrategy = .convertToSnakeCase
        let ports = Array(Set(e.ports)).sorted()
        let isRange = ports.count > 2 && Int(ports.last!) - Int(ports.first!) + 1 == ports.count
        let start = epoch / 1_000_000_000 + e.start.nanoseconds / 1_000_000_000
        let end = epoch / 1_000_000_000 + e.end.nanoseconds / 1_000_000_000
        let r = EpisodeRecord(
            label: e.label, generator: e.generator, start: UTCDateTime(unixSeconds: start).iso8601,
            end: UTCDateTime(unixSeconds: end).iso8601, startUnix: start, endUnix: end,
            sources: Array(e.sources.prefix(64)), destinations: Array(e.destinations.prefix(64)),
            ports: isRange ? [ports.first!, ports.last!] : Array(ports.prefix(64)), portsAreRange: isRange,
            privateAddresses: Dictionary(
                e.privateAddresses.prefix(64).map { ($0.outside, $0.inside) }, uniquingKeysWith: { a, _ in a }),
            truncated: e.sources.count > 64 || e.destinations.count > 64 || (!isRange && ports.count > 64))
        return String(decoding: try enc.encode(r), as: UTF8.self) + "\n"
    }

    @Test func linesMatchJSONEncoder() throws {
        let epoch: Int64 = 1_795_428_000 * 1_000_000_000
        let awkward = "q\"b\\s/t\tn\nr\rb\u{8}f\u{C}z\u{0}\u{1F}\u{7F} é ✓ 😀"
        let episodes = [
            LabelledEpisode(
                label: "port-scan", generator: "scan/1", start: SimTime(nanoseconds: 11_223_000_000_000),
                end: SimTime(nanoseconds: 11_400_500_000_000), sources: ["10.0.1.10"], destinations: ["10.0.2.20"],
                ports: Array(1...1024)),
            LabelledEpisode(
                label: "port-scan", generator: "scan/2", start: .zero, end: .zero, sources: ["194.26.29.102"],
                destinations: ["54.80.1.10", "3.86.101.166"], ports: [22],
                privateAddresses: [
                    TranslatedAddress(outside: "54.80.1.10", inside: "10.0.1.10"),
                    TranslatedAddress(outside: "3.86.101.166", inside: "10.0.1.11"),
                ]),
            LabelledEpisode(
                label: awkward, generator: awkward, start: .zero, end: SimTime(nanoseconds: 1),
                sources: (0..<70).map { "10.0.0.\($0)" }, destinations: [], ports: [443, 22, 443]),
            LabelledEpisode(
                label: "ping", generator: "sweep", start: .zero, end: .zero, sources: [awkward],
                destinations: (0..<64).map { "h\($0)" }, ports: (0..<70).map { UInt16($0 * 3) }),
            LabelledEpisode(
                label: "", generator: "", start: .zero, end: .zero, sources: [], destinations: [], ports: [1, 2]),
        ]
        for e in episodes {
            var t = TextBuffer()
            EpisodeLog.line(e, epochNanoseconds: epoch, into: &t)
            #expect(String(decoding: t.bytes, as: UTF8.self) == (try encoderLine(e, epoch: epoch)))
        }
    }
}
