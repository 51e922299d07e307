import Testing
import Foundation
import SimCore
import Wire
import TestSupport
@testable import NetModel
@testable import Capture

/// Every write, flush and close of an output is checked (issue 10: libpcap's errors were
/// ignored, and truncated files were renamed to their final names). `/dev/full` fails every
/// write with ENOSPC, as a full disk does: the writers' temporary files are pointed at it.
@Suite struct OutputFaultTests {
    /// A writer's temporary file, made a link to /dev/full.
    func fullDisk(_ path: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path + ".partial", withDestinationPath: "/dev/full")
    }

    @Test func aPcapThatCannotBeWrittenFailsAndIsNotRenamed() throws {
        let dir = temporaryDirectory("full-pcap")
        let path = dir + "/eni-0000000a.pcap"
        try fullDisk(path)
        let w = try PcapWriter(path: path)
        let frame = [UInt8](repeating: 0xAB, count: 1_400)
        // Enough frames to pass stdio's buffer, so the failure shows while writing.
        for i in 0..<64 { frame.withUnsafeBytes { w.write(unixNanoseconds: Int64(i), frame: $0) } }
        #expect(throws: OutputError.self) { try w.checkErrors() }
        do {
            try w.finish()
            Issue.record("finish() succeeded on a full disk")
        } catch {
            #expect("\(error)".contains("No space left on device"), "\(error)")
            #expect("\(error)".contains(path), "names the file: \(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: path), "no file under the final name")
    }

    @Test func aPcapWhoseOnlyPacketsFailAtTheFlushFails() throws {
        let dir = temporaryDirectory("full-pcap-flush")
        let path = dir + "/eni-0000000b.pcap"
        try fullDisk(path)
        let w = try PcapWriter(path: path)
        let frame = [UInt8](repeating: 1, count: 60)
        frame.withUnsafeBytes { w.write(unixNanoseconds: 1, frame: $0) } // stays in stdio's buffer
        #expect(throws: OutputError.self) { try w.finish() }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test(arguments: [true, false]) func aCompressedFileThatCannotBeWrittenFailsWithTheReason(gzip: Bool) throws {
        let dir = temporaryDirectory("full-gzip")
        let path = dir + (gzip ? "/x.log.gz" : "/x.jsonl")
        try fullDisk(path)
        let w = try CompressedFileWriter(path: path, gzip: gzip)
        var failed: Error?
        do {
            // Pseudo-random text (incompressible enough) in many writes: several chunks go to the queue.
            var x: UInt64 = 1
            for _ in 0..<2_000 {
                let line = (0..<200).map { _ -> UInt8 in
                    x = x &* 6364136223846793005 &+ 1442695040888963407
                    return UInt8(0x21 + (x >> 58))
                }
                try w.write(line)
            }
            try w.finish()
        } catch {
            failed = error
        }
        let e = try #require(failed, "writing to a full disk did not fail")
        #expect("\(e)".contains("No space left on device"), "\(e)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// A drain of days used to roll every window at once, with every 5-minute file open together
    /// (memory and open files grew with the drain; `drain: 1000d` aborted).
    @Test func aLongQuietStretchKeepsOnlyAFewFilesOpen() throws {
        let dir = temporaryDirectory("long-drain")
        let network = TestNetworks.twoSubnets().network
        let config = FlowLogConfig(
            id: "fl-0123456789abcdef0", resource: .vpc(VPCIndex(0)), maxAggregationInterval: 60,
            accountID: "123456789012")
        let directory = NetworkDirectory(network: network)
        let sink = S3FlowLogSink(
            FlowLogSinkContext(config: config, directory: directory, seed: 1, outputDirectory: dir),
            options: S3DeliveryOptions())
        // Called after the S3 sink with every batch: the most files it ever had open at once.
        final class Probe: FlowLogSink {
            let s3: S3FlowLogSink
            var most = 0
            init(_ s3: S3FlowLogSink) { self.s3 = s3 }
            func write(_ records: UnsafeBufferPointer<FlowLogRecord>) throws {
                most = max(most, s3.openFiles.open.count)
            }
            func finish() throws {}
            func abandon() {}
            var files: [String] { [] }
        }
        let probe = Probe(sink)
        let a = FlowLogAggregator(
            config: config, directory: directory, epochNanoseconds: 1_795_428_000 * 1_000_000_000, seed: 1,
            sinks: [sink, probe])
        var p = Packet(
            source: IPAddress("10.0.1.10")!, destination: IPAddress("10.0.2.20")!, sourcePort: 40000,
            destinationPort: 443, protocolNumber: IPProtocol.tcp)
        p.tcpFlags = .syn
        try a.observe(
            TapRecord(
                time: SimTime(nanoseconds: 1_000_000_000), eni: ENIIndex(0), direction: .egress, accepted: true,
                logged: true, path: .withinVPC, packet: p))
        // Two days of NODATA, 576 files of 5 minutes, in one call.
        try a.advance(to: SimTime.zero + .seconds(2 * 86_400))
        #expect(probe.most <= 16, "\(probe.most) files open at once")
        try a.finish(at: SimTime.zero + .seconds(2 * 86_400))
        #expect(sink.files.count >= 575)
    }
}
