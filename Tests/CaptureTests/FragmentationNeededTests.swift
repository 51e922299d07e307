import Testing
import Foundation
import SimCore
import Wire
import TestSupport
@testable import NetModel
@testable import Capture

/// The internet gateway's ICMP "fragmentation needed" (Network+PathMTU) as Wireshark reads it.
@Suite struct FragmentationNeededTests {
    /// A 9001-byte data segment (`headers`: its IP and TCP headers with timestamps) to port 443.
    static func jumboSegment(from: IPAddress, to: IPAddress, ipID: UInt16, headers: Int) -> Packet {
        var data = Packet(
            source: from, destination: to, sourcePort: 40001, destinationPort: 443, protocolNumber: IPProtocol.tcp,
            ttl: 64, ipID: ipID)
        data.tcpFlags = [.ack, .psh]
        data.seq = 0x0102_0304
        data.ack = 77
        data.window = 500
        data.tcpOptions = [.timestamps]
        data.tsValue = 5
        data.payload = .opaque(seed: 9)
        data.payloadLength = UInt32(9001 - headers)
        return data
    }

    /// The segment leaving the ENI and the gateway's error coming back, 1 ms apart, rendered and
    /// written through libpcap (each frame exactly Ethernet + IP long).
    static func write(_ packets: [Packet], to path: String) throws {
        let w = try PcapWriter(path: path)
        let (network, _, _) = TestNetworks.twoSubnets()
        var renderer = FrameRenderer(directory: NetworkDirectory(network: network))
        var streams = StreamStore()
        var buf = [UInt8](repeating: 0, count: FrameRenderer.maxFrame)
        for (i, p) in packets.enumerated() {
            let t = TapRecord(
                time: SimTime(nanoseconds: Int64(i) * 1_000_000), eni: ENIIndex(0),
                direction: i == 0 ? .egress : .ingress, accepted: true, logged: true, path: .internetGateway, packet: p)
            let n = buf.withUnsafeMutableBytes { renderer.render(t, streams: &streams, into: $0) }
            #expect(n == 14 + p.ipTotalLength)
            buf.withUnsafeBytes {
                w.write(
                    unixNanoseconds: 1_795_428_000_000_000_000 + Int64(i) * 1_000_000,
                    frame: UnsafeRawBufferPointer(rebasing: $0[0..<n]))
            }
        }
        try w.finish()
    }

    /// A 9001-byte segment and the error answering it, rendered and written through libpcap:
    /// tshark dissects type 3 code 4 with the next-hop MTU, the quoted IPv4 header (addresses
    /// reversed, total length 9001, DF) and the quoted ports and sequence number, verifies every
    /// checksum, and its expert info has no warnings or errors.
    @Test func tsharkReadsTheErrorAndItsQuote() throws {
        let dir = temporaryDirectory("frag-needed")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/eni-0000000a.pcap"
        let data = Self.jumboSegment(
            from: IPAddress("10.0.1.10")!, to: IPAddress("93.184.216.34")!, ipID: 0x4321, headers: 52)
        #expect(data.ipTotalLength == 9001)
        let error = Network.fragmentationNeeded(answering: data, nextHopMTU: 1500)
        #expect(error.ipTotalLength == 20 + 8 + 28)
        try Self.write([data, error], to: path)
        let tshark = try requireTool("tshark")
        let checks = [
            "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
        ]
        let expert = runProgram(tshark, ["-r", path] + checks + ["-z", "expert,note", "-q"])
        #expect(expert.status == 0, "\(expert.stderr)")
        #expect(!expert.stdout.contains("Warns") && !expert.stdout.contains("Errors"), "\(expert.stdout)")
        let fields = runProgram(
            tshark,
            ["-r", path, "-Y", "icmp"] + checks + [
                "-T", "fields", "-E", "separator=|", "-e", "ip.flags.df", "-e", "icmp.type", "-e", "icmp.code",
                "-e", "icmp.mtu", "-e", "icmp.checksum.status", "-e", "ip.src", "-e", "ip.dst", "-e", "ip.len",
                "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.seq",
            ])
        #expect(fields.status == 0, "\(fields.stderr)")
        let row = fields.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Outer then quoted values where a field occurs twice (tshark joins them with commas).
        #expect(
            row
                == "0,1|3|4|1500|1|93.184.216.34,10.0.1.10|10.0.1.10,93.184.216.34|56,9001|40001|443|16909060",
            "\(row)")
    }

    /// The IPv6 twin: a 9001-byte IPv6 segment and the gateway's ICMPv6 Packet Too Big. tshark
    /// dissects type 2 with MTU 1500, the quoted IPv6 header (addresses reversed, payload length
    /// 8961) and the quoted ports, verifies the ICMPv6 checksum, and reports no warning or error.
    @Test func tsharkReadsPacketTooBig() throws {
        let dir = temporaryDirectory("packet-too-big")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/eni-0000000a.pcap"
        let data = Self.jumboSegment(
            from: IPAddress("2600:1f18:4a3:6f01::10")!, to: IPAddress("2001:db8:4860::8888")!, ipID: 0, headers: 72)
        #expect(data.ipTotalLength == 9001)
        let error = Network.packetTooBig(answering: data, mtu: 1500)
        #expect(error.ipTotalLength == 40 + 8 + 48)
        try Self.write([data, error], to: path)
        let tshark = try requireTool("tshark")
        let checks = ["-o", "tcp.check_checksum:TRUE"]
        let expert = runProgram(tshark, ["-r", path] + checks + ["-z", "expert,note", "-q"])
        #expect(expert.status == 0, "\(expert.stderr)")
        #expect(!expert.stdout.contains("Warns") && !expert.stdout.contains("Errors"), "\(expert.stdout)")
        let fields = runProgram(
            tshark,
            ["-r", path, "-Y", "icmpv6"] + checks + [
                "-T", "fields", "-E", "separator=|", "-e", "icmpv6.type", "-e", "icmpv6.code", "-e", "icmpv6.mtu",
                "-e", "icmpv6.checksum.status", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "ipv6.plen",
                "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "ipv6.flow",
            ])
        #expect(fields.status == 0, "\(fields.stderr)")
        let row = fields.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // (tshark shows only the ports of an 8-byte TCP quote under ICMPv6.) The quoted header
        // carries the flow label the segment went out with.
        let original = runProgram(tshark, ["-r", path, "-Y", "tcp && !icmpv6", "-T", "fields", "-e", "ipv6.flow"])
        let label = original.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(label.hasPrefix("0x"))
        let columns = row.split(separator: "|").map(String.init)
        #expect(
            columns.dropLast().joined(separator: "|")
                == "2|0|1500|1|2001:db8:4860::8888,2600:1f18:4a3:6f01::10|2600:1f18:4a3:6f01::10,2001:db8:4860::8888"
                + "|56,8961|40001|443",
            "\(row)")
        #expect(columns.last?.split(separator: ",").last.map(String.init) == label, "\(row)")
    }
}
