import Testing
import Foundation
import SimCore
import Wire
import TestSupport
@testable import NetModel
@testable import Capture

@Suite struct PcapTests {
    @Test func libpcapFileWithNanosecondTimestampsOpensInTshark() throws {
        let dir = temporaryDirectory("pcap")
        let path = dir + "/eni-0000000a.pcap"
        let w = try PcapWriter(path: path)
        #expect(!FileManager.default.fileExists(atPath: path), "written under a temporary name until finished")
        var (network, _, _) = TestNetworks.twoSubnets()
        let name = network.catalog.intern(name: "dynamodb.us-east-1.amazonaws.com")
        var renderer = FrameRenderer(directory: NetworkDirectory(network: network))
        var streams = StreamStore()
        var syn = Packet(
            source: IPAddress("10.0.1.10")!, destination: IPAddress("10.0.2.20")!, sourcePort: 40000,
            destinationPort: 443, protocolNumber: IPProtocol.tcp, ttl: 64, ipID: 0x1234)
        syn.tcpFlags = .syn
        syn.seq = 1000
        syn.window = 62727
        syn.tcpOptions = [.mss, .sackPermitted, .timestamps, .windowScale]
        syn.mss = 8961
        syn.windowScale = 7
        syn.tsValue = 99
        var query = Packet(
            source: IPAddress("10.0.1.10")!, destination: IPAddress("10.0.0.2")!, sourcePort: 3333,
            destinationPort: 53, protocolNumber: IPProtocol.udp)
        query.payload = .dnsQuery(id: 0xBEEF, name: name, type: DNSType.a)
        query.payloadLength = UInt32(
            PlatformMessages.dnsQuery(id: 0xBEEF, name: "dynamodb.us-east-1.amazonaws.com", type: DNSType.a)
                .encodedLength)
        #expect(query.payloadLength == 12 + 34 + 4)
        var buf = [UInt8](repeating: 0, count: FrameRenderer.maxFrame)
        for (i, p) in [syn, query].enumerated() {
            let t = TapRecord(
                time: SimTime(nanoseconds: Int64(i) * 1_500), eni: ENIIndex(0), direction: .egress, accepted: true,
                logged: true, path: .withinVPC, packet: p)
            let n = buf.withUnsafeMutableBytes { renderer.render(t, streams: &streams, into: $0) }
            #expect(n == 14 + p.ipTotalLength)
            // The rendered IPv4 header parses (its checksum included) and the TCP/UDP checksum verifies.
            let ip = try IPv4Header(parsing: Array(buf[14..<n]))
            #expect(IPAddress(ip.source) == p.source && Int(ip.totalLength) == p.ipTotalLength && ip.dontFragment)
            buf.withUnsafeBytes { b in
                #expect(
                    TransportChecksum.verify(
                        segment: UnsafeRawBufferPointer(rebasing: b[34..<n]), source: p.source,
                        destination: p.destination, protocolNumber: p.protocolNumber))
            }
            buf.withUnsafeBytes {
                w.write(
                    unixNanoseconds: 1_795_428_000_000_000_123 + Int64(i) * 1_500,
                    frame: UnsafeRawBufferPointer(rebasing: $0[0..<n]))
            }
        }
        try w.finish()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(Array(bytes.prefix(4)) == [0x4D, 0x3C, 0xB2, 0xA1], "nanosecond pcap magic, little endian")
        let tshark = try #require(which("tshark"), "tshark must be installed (apt-get install tshark)")
        let r = runProgram(
            tshark,
            [
                "-r", path, "-T", "fields", "-e", "frame.time_epoch", "-e", "tcp.options.mss_val",
                "-e", "dns.qry.name", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-z",
                "expert,warn", "-q",
            ])
        #expect(r.status == 0)
        let rows = runProgram(
            tshark,
            ["-r", path, "-T", "fields", "-e", "frame.time_epoch", "-e", "tcp.options.mss_val", "-e", "dns.qry.name"]
        )
        .stdout.split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        #expect(rows.count == 2)
        #expect(rows[0][0] == "1795428000.000000123" && rows[0][1] == "8961")
        #expect(rows[1][0] == "1795428000.000001623" && rows[1][2] == "dynamodb.us-east-1.amazonaws.com")
        #expect(!r.stdout.contains("Warning") && !r.stdout.contains("Error"), "\(r.stdout)")
    }

    @Test func abandonedWriterLeavesNothing() throws {
        let dir = temporaryDirectory("pcap")
        let w = try PcapWriter(path: dir + "/x.pcap")
        w.abandon()
        #expect(filesUnder(dir).isEmpty)
    }
}
