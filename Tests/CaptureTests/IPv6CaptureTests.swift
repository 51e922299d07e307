import Testing
import Foundation
import SimCore
import Wire
import TestSupport
@testable import NetModel
import Topology
@testable import Capture

/// IPv6 packet descriptors rendered to Ethernet frames (checked by tshark) and aggregated into
/// flow-log records; the flow-log vocabulary up to version 8.
@Suite struct IPv6CaptureTests {
    static let a6 = TestNetworks.dualStackA
    static let b6 = TestNetworks.dualStackB
    /// Subnet A's router (base + 1), the usual neighbor-discovery target.
    static let router6 = IPAddress("2600:1f18:aa:bb01::1")!

    static func packet(_ src: IPAddress, _ sport: UInt16, _ dst: IPAddress, _ dport: UInt16, _ proto: UInt8) -> Packet {
        Packet(source: src, destination: dst, sourcePort: sport, destinationPort: dport, protocolNumber: proto)
    }

    /// Every kind of IPv6 packet the renderer knows — TCP with options, TCP data, UDP, ICMPv6
    /// echo request and reply, and a neighbor solicitation and advertisement — through the real
    /// pcap writer (libpcap) into tshark, checksums validated: no warnings, the fields as sent.
    @Test func tsharkDissectsRenderedIPv6() throws {
        var (network, _, _) = TestNetworks.twoSubnetsDualStack()
        let target = network.catalog.intern(address: Self.router6)
        var renderer = FrameRenderer(directory: NetworkDirectory(network: network))
        var streams = StreamStore()
        var syn = Self.packet(Self.a6, 40000, Self.b6, 443, IPProtocol.tcp)
        syn.tcpFlags = .syn
        syn.seq = 1000
        syn.window = 62727
        syn.tcpOptions = [.mss, .sackPermitted, .timestamps, .windowScale]
        syn.mss = 8941 // 9001-byte MTU minus 40 + 20 (IPv6 and TCP headers)
        syn.windowScale = 7
        syn.tsValue = 99
        var data = Self.packet(Self.a6, 40000, Self.b6, 443, IPProtocol.tcp)
        data.tcpFlags = [.ack, .psh]
        data.seq = 1001
        data.ack = 5001
        data.window = 491
        data.payloadLength = 300
        var datagram = Self.packet(Self.a6, 50000, Self.b6, 50001, IPProtocol.udp)
        datagram.payload = .opaque(seed: 3)
        datagram.payloadLength = 20
        var echo = Self.packet(
            Self.a6, 77, Self.b6, UInt16(ICMPv6Header.MessageType.echoRequest) << 8, IPProtocol.icmpv6)
        echo.seq = 1
        echo.payload = .icmpEcho(seed: 9)
        echo.payloadLength = 56
        var reply = Self.packet(
            Self.b6, 77, Self.a6, UInt16(ICMPv6Header.MessageType.echoReply) << 8, IPProtocol.icmpv6)
        reply.seq = 1
        reply.payload = .icmpEcho(seed: 9)
        reply.payloadLength = 56
        let solicited = Self.router6.solicitedNodeMulticast
        var ns = Self.packet(Self.a6, 0, solicited, UInt16(ICMPv6Header.MessageType.neighborSolicitation) << 8, 58)
        ns.ttl = NeighborDiscoveryMessage.hopLimit
        ns.payload = .neighborDiscovery(target: target, advertisement: false, router: false)
        ns.payloadLength = UInt32(
            NeighborDiscoveryMessage.solicitation(for: Self.router6, from: .zero).encodedLength - 8)
        var na = Self.packet(Self.router6, 0, Self.a6, UInt16(ICMPv6Header.MessageType.neighborAdvertisement) << 8, 58)
        na.ttl = NeighborDiscoveryMessage.hopLimit
        na.payload = .neighborDiscovery(target: target, advertisement: true, router: true)
        na.payloadLength = ns.payloadLength
        let sent: [(Packet, TrafficDirection, Int)] = [
            (syn, .egress, 0), (data, .egress, 0), (datagram, .egress, 0), (echo, .egress, 0), (reply, .ingress, 0),
            (ns, .egress, 0), (na, .ingress, 0), (syn, .ingress, 1),
        ]
        let path = temporaryDirectory("pcap6") + "/eni-0000000a.pcap"
        let w = try PcapWriter(path: path)
        var buf = [UInt8](repeating: 0, count: FrameRenderer.maxFrame)
        for (i, (p, dir, eni)) in sent.enumerated() {
            let t = TapRecord(
                time: SimTime(nanoseconds: Int64(i) * 1_000), eni: ENIIndex(eni), direction: dir, accepted: true,
                logged: true, path: .withinVPC, packet: p)
            let n = buf.withUnsafeMutableBytes { renderer.render(t, streams: &streams, into: $0) }
            #expect(n == 14 + p.ipTotalLength)
            let ip = try IPv6Header(parsing: Array(buf[14..<n]))
            #expect(ip.source == p.source && ip.destination == p.destination && ip.totalLength == p.ipTotalLength)
            buf.withUnsafeBytes {
                w.write(
                    unixNanoseconds: 1_795_428_000_000_000_000 + Int64(i) * 1_000,
                    frame: UnsafeRawBufferPointer(rebasing: $0[0..<n]))
            }
        }
        try w.finish()
        let tshark = try requireTool("tshark")
        let checks = ["-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"]
        let expert = runProgram(tshark, ["-r", path] + checks + ["-z", "expert,note", "-q"])
        #expect(expert.status == 0, "\(expert.stderr)")
        #expect(!expert.stdout.contains("Warns") && !expert.stdout.contains("Errors"), "\(expert.stdout)")
        let r = runProgram(
            tshark,
            ["-r", path] + checks + [
                "-T", "fields", "-E", "occurrence=f", "-e", "eth.type", "-e", "eth.dst", "-e", "ipv6.plen",
                "-e", "ipv6.hlim", "-e", "tcp.checksum.status", "-e", "udp.checksum.status", "-e",
                "icmpv6.checksum.status",
                "-e", "icmpv6.type", "-e", "icmpv6.nd.ns.target_address", "-e", "icmpv6.opt.linkaddr", "-e",
                "tcp.options.mss_val",
            ])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        #expect(rows.count == sent.count)
        guard rows.count == sent.count else { return }
        #expect(rows.allSatisfy { $0[0] == "0x86dd" })
        #expect(rows.map { $0[2] } == sent.map { String($0.0.ipTotalLength - 40) })
        #expect(rows[0][4] == "1" && rows[1][4] == "1" && rows[7][4] == "1", "TCP checksums good")
        #expect(rows[2][5] == "1", "UDP checksum good")
        #expect(rows[3...6].allSatisfy { $0[6] == "1" }, "ICMPv6 checksums good")
        #expect(rows.map { $0[7] } == ["", "", "", "128", "129", "135", "136", ""])
        #expect(rows[0][10] == "8941")
        // The solicitation goes to the solicited-node group's MAC, asks for the router, and carries
        // the ENI's MAC; the advertisement carries the router's (RFC 4861 §4.3-4.4, RFC 2464 §7).
        #expect(rows[5][1] == "33:33:ff:00:00:01" && rows[5][3] == "255" && rows[5][8] == "2600:1f18:aa:bb01::1")
        #expect(rows[5][9] == network.enis[0].mac.description)
        #expect(rows[6][9] == NetworkDirectory(network: network).routerMAC(SubnetIndex(0)).description)
        _ = network.catalog.intern(address: Self.router6) // interning is idempotent
        #expect(network.catalog.addresses.count == 1)
    }

    /// The same IPv6 taps into a pcap and a flow log, read by check-run: the capture passes tshark,
    /// and per 5-tuple the flow log's packets and bytes equal the pcap's (check-run sums IPv6
    /// packets as 40 + Payload Length, the flow log counts `ipTotalLength`).
    @Test func checkRunAgreesOnIPv6Captures() throws {
        let (network, _, _) = TestNetworks.twoSubnetsDualStack()
        let out = temporaryDirectory("ipv6-run")
        let epoch: Int64 = 1_795_428_000 * 1_000_000_000
        let format = try FlowLogFormat(
            parsing: "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
                + "${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${type} ${pkt-srcaddr} ${pkt-dstaddr} "
                + "${flow-direction} ${reject-reason}")
        let config = FlowLogConfig(
            id: "fl-0123456789abcdef0", resource: .networkInterface(ENIIndex(0)), maxAggregationInterval: 60,
            format: format, accountID: "123456789012")
        let directory = NetworkDirectory(network: network)
        let aggregator = FlowLogAggregator(
            config: config, directory: directory, epochNanoseconds: epoch, seed: 3, outputDirectory: out)
        try FileManager.default.createDirectory(atPath: out + "/captures", withIntermediateDirectories: true)
        let pcap = try PcapWriter(path: out + "/captures/eni-0000000a.pcap")
        var renderer = FrameRenderer(directory: directory)
        var streams = StreamStore()
        func segment(_ out: Bool, _ flags: TCPFlags, seq: UInt32, ack: UInt32, bytes: UInt32 = 0) -> Packet {
            var p = out ? Self.packet(Self.a6, 40000, Self.b6, 8080, 6) : Self.packet(Self.b6, 8080, Self.a6, 40000, 6)
            p.tcpFlags = flags
            p.seq = seq
            p.ack = ack
            p.window = 500
            p.payloadLength = bytes
            return p
        }
        var taps: [(TrafficDirection, Packet)] = [
            (.egress, segment(true, .syn, seq: 1000, ack: 0)),
            (.ingress, segment(false, [.syn, .ack], seq: 5000, ack: 1001)),
            (.egress, segment(true, .ack, seq: 1001, ack: 5001)),
            (.egress, segment(true, [.psh, .ack], seq: 1001, ack: 5001, bytes: 700)),
            (.ingress, segment(false, .ack, seq: 5001, ack: 1701)),
        ]
        var udp = Self.packet(Self.a6, 50000, Self.b6, 50001, 17)
        udp.payload = .opaque(seed: 5)
        udp.payloadLength = 120
        taps.append((.egress, udp))
        for (type, src, dst) in [(UInt16(128), Self.a6, Self.b6), (129, Self.b6, Self.a6)] {
            var echo = Self.packet(src, 9, dst, type << 8, IPProtocol.icmpv6)
            echo.seq = 1
            echo.payload = .icmpEcho(seed: 1)
            echo.payloadLength = 56
            taps.append((type == 128 ? .egress : .ingress, echo))
        }
        var buf = [UInt8](repeating: 0, count: FrameRenderer.maxFrame)
        for (i, (dir, p)) in taps.enumerated() {
            let t = TapRecord(
                time: SimTime(nanoseconds: 5_000_000_000 + Int64(i) * 1_000_000), eni: ENIIndex(0), direction: dir,
                accepted: true, logged: true, path: dir == .egress ? .withinVPC : .unknown, packet: p)
            try aggregator.observe(t)
            let n = buf.withUnsafeMutableBytes { renderer.render(t, streams: &streams, into: $0) }
            buf.withUnsafeBytes {
                pcap.write(
                    unixNanoseconds: epoch + t.time.nanoseconds, frame: UnsafeRawBufferPointer(rebasing: $0[0..<n]))
            }
        }
        try pcap.finish()
        try aggregator.finish(at: SimTime(nanoseconds: 70_000_000_000))
        try Data("{}".utf8).write(to: URL(fileURLWithPath: out + "/summary.json"))
        let report = try CheckRunReport(out)
        #expect(report.ok, "\(report.failures)")
        let conservation = try report.check(5)
        #expect(conservation.status == "pass" && conservation.errors.isEmpty, "\(conservation.info)")
        #expect(
            conservation.info.contains { $0.hasSuffix("5 5-tuple(s), \(taps.count) packets matched") },
            "\(conservation.info)")
        #expect(try report.check(4).info.contains { $0.contains("valid records") })
    }

    /// AWS's documented IPv6 record ("Flow log record examples", IPv6 traffic), rendered from a
    /// record with its values: the same line, byte for byte.
    @Test func awsIPv6ExampleRecord() throws {
        var (network, _, _) = TestNetworks.twoSubnetsDualStack()
        network.enis[0].id = "eni-1235b8ca123456789"
        network.enis[0].accountID = "123456789010"
        let text = FlowLogTextFormat(format: .default, directory: NetworkDirectory(network: network))
        let src = try #require(IPAddress("2001:db8:1234:a100:8d6e:3477:df66:f105"))
        let dst = try #require(IPAddress("2001:db8:1234:a102:3304:8879:34cf:4071"))
        let r = FlowLogRecord(
            eni: ENIIndex(0), srcaddr: src, dstaddr: dst, pktSrcaddr: src, pktDstaddr: dst, srcport: 34892, dstport: 22,
            protocolNumber: 6, tcpFlags: 0, action: .accept, direction: .ingress, trafficPath: .none, packets: 54,
            bytes: 8855, start: 1_477_913_708, end: 1_477_913_820)
        let line = RecordLine()
        text.render(r, into: line)
        #expect(
            String(decoding: line.bytes, as: UTF8.self)
                == "2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 "
                + "2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK\n")
        #expect(r.family == .ipv6)
    }

    /// Records of IPv6 traffic: `type` IPv6 from the packet, addresses in RFC 5952 text, the ENI's
    /// primary IPv6 address where the interface reports its own, and `bytes` = 40-byte header +
    /// payload per packet.
    @Test func aggregatedIPv6Records() throws {
        let (network, _, _) = TestNetworks.twoSubnetsDualStack()
        let dir = temporaryDirectory("flowlogs6")
        let format = try FlowLogFormat(
            parsing:
                "${version} ${interface-id} ${type} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr} ${srcport} "
                + "${dstport} ${protocol} ${packets} ${bytes} ${flow-direction} ${reject-reason}")
        let config = FlowLogConfig(
            id: "fl-0123456789abcdef0", resource: .vpc(VPCIndex(0)), maxAggregationInterval: 60, format: format,
            accountID: "123456789012")
        let a = FlowLogAggregator(
            config: config, directory: NetworkDirectory(network: network), epochNanoseconds: 1_795_428_000_000_000_000,
            seed: 1, outputDirectory: dir)
        func tap(_ t: Int64, _ dir: TrafficDirection, _ p: Packet) -> TapRecord {
            TapRecord(
                time: SimTime(nanoseconds: t * 1_000_000), eni: ENIIndex(0), direction: dir, accepted: true,
                logged: true,
                path: dir == .egress ? .withinVPC : .unknown, packet: p)
        }
        var out = Self.packet(Self.a6, 40000, Self.b6, 443, IPProtocol.tcp)
        out.payloadLength = 100
        var forwarded = Self.packet(IPAddress("2600:1f18:aa:bb09::9")!, 5, Self.b6, 6, IPProtocol.udp) // not A's own
        forwarded.payloadLength = 12
        var echo = Self.packet(Self.b6, 77, Self.a6, 129 << 8, IPProtocol.icmpv6)
        echo.payloadLength = 56
        var v4 = Self.packet(IPAddress(10, 0, 1, 10), 40001, IPAddress(10, 0, 2, 20), 443, IPProtocol.tcp)
        v4.payloadLength = 100
        for (i, t) in [
            tap(1, .egress, out), tap(2, .egress, out), tap(3, .egress, forwarded), tap(4, .ingress, echo),
            tap(5, .egress, v4),
        ].enumerated() {
            _ = i
            try a.observe(t)
        }
        try a.finish(at: SimTime(nanoseconds: 10_000_000_000))
        let files = filesUnder(dir + "/" + OutputLayout.flowLogs)
        let lines = files.flatMap { gunzipLines(dir + "/" + OutputLayout.flowLogs + "/" + $0).dropFirst() }
        #expect(lines.count == 4)
        #expect(
            lines.contains(
                "8 eni-0000000a IPv6 2600:1f18:aa:bb01::10 2600:1f18:aa:bb02::20 2600:1f18:aa:bb01::10 "
                    + "2600:1f18:aa:bb02::20 40000 443 6 2 \(2 * (40 + 20 + 100)) egress -"))
        #expect(
            lines.contains(
                "8 eni-0000000a IPv6 2600:1f18:aa:bb01::10 2600:1f18:aa:bb02::20 2600:1f18:aa:bb09::9 "
                    + "2600:1f18:aa:bb02::20 5 6 17 1 \(40 + 8 + 12) egress -"),
            "a source not the ENI's shows its primary IPv6 address")
        #expect(
            lines.contains(
                "8 eni-0000000a IPv6 2600:1f18:aa:bb02::20 2600:1f18:aa:bb01::10 2600:1f18:aa:bb02::20 "
                    + "2600:1f18:aa:bb01::10 0 0 58 1 \(40 + 8 + 56) ingress -"),
            "ICMPv6 ports are written 0, like ICMP's")
        #expect(
            lines.contains(
                "8 eni-0000000a IPv4 10.0.1.10 10.0.2.20 10.0.1.10 10.0.2.20 40001 443 6 1 \(20 + 20 + 100) egress -"))
    }

    /// Versions 6–8 in the vocabulary: VPC flow logs take the ECS fields (7, written `-` as AWS
    /// writes them for traffic that is not an ECS task's) and `reject-reason` (8, `-` unless Block
    /// Public Access rejected the traffic); the transit gateway fields (6) belong to transit gateway
    /// flow logs only, and that kind has no ENI ids or `action`.
    @Test func fieldsUpToVersion8() throws {
        let vpc = try FlowLogFormat(
            parsing: "${version} ${type} ${ecs-cluster-arn} ${ecs-cluster-name} ${ecs-container-instance-arn} "
                + "${ecs-container-instance-id} ${ecs-container-id} ${ecs-second-container-id} ${ecs-service-name} "
                + "${ecs-task-definition-arn} ${ecs-task-arn} ${ecs-task-id} ${reject-reason} ${srcaddr}")
        #expect(vpc.version == 8)
        #expect(try FlowLogFormat(parsing: "${ecs-task-id} ${srcaddr}").version == 7)
        let (network, _, _) = TestNetworks.twoSubnetsDualStack()
        let text = FlowLogTextFormat(format: vpc, directory: NetworkDirectory(network: network))
        let r = FlowLogRecord(
            eni: ENIIndex(1), srcaddr: Self.a6, dstaddr: Self.b6, pktSrcaddr: Self.a6, pktDstaddr: Self.b6, srcport: 1,
            dstport: 2, protocolNumber: 6, tcpFlags: 2, action: .reject, direction: .ingress, trafficPath: .none,
            packets: 1, bytes: 60, start: 1, end: 1)
        let line = RecordLine()
        text.render(r, into: line)
        #expect(String(decoding: line.bytes, as: UTF8.self) == "8 IPv6 - - - - - - - - - - - 2600:1f18:aa:bb01::10\n")
        text.render(FlowLogRecord(status: .noData, eni: ENIIndex(1), start: 1, end: 2), into: line)
        #expect(String(decoding: line.bytes, as: UTF8.self) == "8 IPv4 - - - - - - - - - - - -\n")

        // Transit gateway flow logs: the default format is every v2–v6 field of their table.
        let tgw = FlowLogFormat.transitGatewayDefault
        #expect(tgw.version == 6 && tgw.fields.count == 36)
        #expect(try FlowLogFormat(parsing: tgw.logFormatString, kind: .transitGateway) == tgw)
        #expect(tgw.fields.allSatisfy { $0.kinds.contains(.transitGateway) })
        #expect(
            tgw.header.hasPrefix("version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id"))
        #expect(throws: FlowLogFormat.ParseError.wrongKind("tgw-id", .vpc)) {
            try FlowLogFormat(parsing: "${version} ${tgw-id}")
        }
        #expect(throws: FlowLogFormat.ParseError.wrongKind("action", .transitGateway)) {
            try FlowLogFormat(parsing: "${version} ${action}", kind: .transitGateway)
        }
        #expect(
            FlowLogFormat.ParseError.wrongKind("packets-lost-blackhole", .vpc).description
                == "field 'packets-lost-blackhole' belongs to transit gateway flow logs, not VPC flow logs")
        // Every field belongs to at least one kind, and the version-6 fields only to transit gateways.
        for f in FlowLogField.allCases {
            #expect(!f.kinds.isEmpty)
            if f.version == 6 { #expect(f.kinds == [.transitGateway], "\(f.rawValue)") }
        }
    }

    /// `pkt-*-aws-service` for IPv6 ranges (ip-ranges.json's `ipv6_prefixes`) beside IPv4 ones:
    /// the flattened intervals agree with a scan, most specific subset first.
    @Test func serviceIntervalsOfBothFamilies() throws {
        var ranges = RegionCatalog.usEast1.ipRanges
        ranges += [
            (CIDR("2600:1f18::/33")!, "EC2"), (CIDR("2600:1f00::/24")!, "AMAZON"),
            (CIDR("2600:1f18:7fff:f800::/53")!, "DYNAMODB"), (CIDR("2600:1fff:ffff:ffff::/64")!, "S3"),
            (CIDR("ffff:ffff:ffff:ffff::/64")!, "EC2"),
        ]
        let table = ServiceIntervals(ranges)
        let ordered = ranges.sorted {
            ($0.range.prefixLength, $0.service == "AMAZON" ? 0 : 1) < (
                $1.range.prefixLength, $1.service == "AMAZON" ? 0 : 1
            )
        }
        func scan(_ a: IPAddress) -> String? { ordered.last { $0.range.contains(a) }?.service }
        var probes: [IPAddress] = [
            .anyIPv6, IPAddress(high: ~0, low: ~0), IPAddress(3, 218, 181, 1), IPAddress(8, 8, 8, 8),
        ]
        for r in ranges where !r.range.isIPv4 {
            for a in [r.range.first, r.range.last] {
                probes += [a, a.adding(1), IPAddress(high: a.low == 0 ? a.high &- 1 : a.high, low: a.low &- 1)]
            }
        }
        var random = RandomStream(seed: 11)
        for _ in 0..<5_000 {
            probes.append(IPAddress(high: 0x2600_1F18_0000_0000 | random.next() >> 20, low: random.next()))
        }
        for a in probes {
            #expect(table.lookup(a).map { table.names[$0] } == scan(a), "\(a)")
        }
        #expect(table.lookup(IPAddress("2600:1f18:7fff:f8ff::1")!).map { table.names[$0] } == "DYNAMODB")
    }
}
