import Testing
import Foundation
import SimCore
import Wire
import TestSupport
@testable import NetModel
import Topology
@testable import Capture

/// Flow-log aggregation rules (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html), checked on
/// records built from synthetic taps.
@Suite struct FlowLogTests {
    let network = TestNetworks.twoSubnets().network
    let epoch: Int64 = 1_795_428_000 * 1_000_000_000 // 2026-11-23T10:00:00Z

    func tap(
        _ t: Double, eni: Int, _ dir: TrafficDirection, _ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16,
        _ flags: TCPFlags, payload: UInt32 = 0, accepted: Bool = true, logged: Bool = true,
        path: EgressPath = .withinVPC
    ) -> TapRecord {
        var p = Packet(
            source: IPAddress(src)!, destination: IPAddress(dst)!, sourcePort: sport, destinationPort: dport,
            protocolNumber: IPProtocol.tcp)
        p.tcpFlags = flags
        p.payloadLength = payload
        return TapRecord(
            time: SimTime(nanoseconds: Int64(t * 1e9)), eni: ENIIndex(eni), direction: dir, accepted: accepted,
            logged: logged, path: dir == .egress ? path : .unknown, packet: p)
    }

    /// Runs taps through an aggregator and returns the records (header first) of every file.
    func records(
        _ taps: [TapRecord], format: FlowLogFormat = .default, interval: Int = 60, traffic: FlowLogTrafficType = .all,
        finishAt: Double? = nil, maxFlows: Int? = nil, resource: FlowLogResource = .vpc(VPCIndex(0)),
        s3: S3DeliveryOptions = S3DeliveryOptions(), network: Network? = nil
    ) throws -> (files: [String], lines: [[String]]) {
        let dir = temporaryDirectory("flowlogs")
        var config = FlowLogConfig(
            id: "fl-0123456789abcdef0", resource: resource, trafficType: traffic,
            maxAggregationInterval: interval, format: format, destination: .s3(s3), accountID: "123456789012")
        config.maxFlowsPerWindow = maxFlows
        let a = FlowLogAggregator(
            config: config, directory: NetworkDirectory(network: network ?? self.network),
            epochNanoseconds: epoch, seed: 1, outputDirectory: dir)
        for t in taps { try a.observe(t) }
        let end = SimTime(nanoseconds: Int64((finishAt ?? ((taps.last?.time.seconds ?? 0) + 1)) * 1e9))
        try a.advance(to: end)
        try a.finish(at: end)
        let s3 = dir + "/" + OutputLayout.flowLogs
        let files = filesUnder(s3)
        var lines: [[String]] = []
        for f in files {
            let l = gunzipLines(s3 + "/" + f)
            #expect(l.first == format.header, "every file starts with the header line")
            lines += l.dropFirst().map { $0.split(separator: " ").map(String.init) }
        }
        return (files, lines)
    }

    /// A short TCP connection as instance A (10.0.1.10) sees it, all within a few ms.
    func shortConnection(at t0: Double) -> [TapRecord] {
        [
            tap(t0, eni: 0, .egress, "10.0.1.10", 40000, "10.0.2.20", 443, .syn),
            tap(t0 + 0.001, eni: 0, .ingress, "10.0.2.20", 443, "10.0.1.10", 40000, [.syn, .ack]),
            tap(t0 + 0.002, eni: 0, .egress, "10.0.1.10", 40000, "10.0.2.20", 443, .ack),
            tap(t0 + 0.003, eni: 0, .egress, "10.0.1.10", 40000, "10.0.2.20", 443, [.ack, .psh], payload: 100),
            tap(t0 + 0.004, eni: 0, .ingress, "10.0.2.20", 443, "10.0.1.10", 40000, [.ack, .psh], payload: 300),
            tap(t0 + 0.005, eni: 0, .egress, "10.0.1.10", 40000, "10.0.2.20", 443, [.fin, .ack]),
            tap(t0 + 0.006, eni: 0, .ingress, "10.0.2.20", 443, "10.0.1.10", 40000, [.fin, .ack]),
            tap(t0 + 0.007, eni: 0, .egress, "10.0.1.10", 40000, "10.0.2.20", 443, .ack),
        ]
    }

    @Test func defaultFormatRecordsOneLinePerDirection() throws {
        let (files, lines) = try records(shortConnection(at: 30))
        #expect(files.count == 1)
        #expect(
            files[0].hasPrefix(
                "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/23/"
                    + "123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261123T1000Z_"
            ))
        #expect(files[0].hasSuffix(".log.gz"))
        #expect(lines.count == 2)
        let out = lines[0], back = lines[1]
        #expect(
            out == [
                "2", "123456789012", "eni-0000000a", "10.0.1.10", "10.0.2.20", "40000", "443", "6", "5",
                "\(5 * 40 + 100)", "1795428030", "1795428030", "ACCEPT", "OK",
            ])
        #expect(back[3] == "10.0.2.20" && back[4] == "10.0.1.10" && back[8] == "3" && back[9] == "\(3 * 40 + 300)")
    }

    /// tcp-flags OR-ed over the window: client side of a short connection 3, server side 19,
    /// ACK-only 0, FIN-only in a later window 1, SYN-ACK alone 18
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html,
    /// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html).
    @Test func tcpFlagsFollowAWSRules() throws {
        let fmt = try FlowLogFormat(parsing: "${srcport} ${dstport} ${tcp-flags} ${start} ${end}")
        let short = try records(shortConnection(at: 10), format: fmt).lines
        #expect(short.map { $0[2] } == ["3", "19"])
        // A long connection: SYN/SYN-ACK in one window, only ACKs in the next, FIN in a third.
        var taps = [
            tap(1, eni: 0, .egress, "10.0.1.10", 40001, "10.0.2.20", 443, .syn),
            tap(1.001, eni: 0, .ingress, "10.0.2.20", 443, "10.0.1.10", 40001, [.syn, .ack]),
        ]
        taps += [
            tap(100, eni: 0, .egress, "10.0.1.10", 40001, "10.0.2.20", 443, [.ack, .psh], payload: 10),
            tap(100.001, eni: 0, .ingress, "10.0.2.20", 443, "10.0.1.10", 40001, .ack),
        ]
        taps += [tap(200, eni: 0, .egress, "10.0.1.10", 40001, "10.0.2.20", 443, [.fin, .ack])]
        let withStatus = try FlowLogFormat(parsing: "${srcport} ${dstport} ${tcp-flags} ${log-status}")
        let long = try records(taps, format: withStatus).lines.filter { $0[3] == "OK" }
        #expect(long.map { $0[2] } == ["2", "18", "0", "0", "1"])
    }

    @Test func windowsSplitALongFlowWithoutOverlap() throws {
        let fmt = try FlowLogFormat(parsing: "${packets} ${start} ${end} ${log-status}")
        var taps: [TapRecord] = []
        for k in 0..<300 {
            taps.append(tap(Double(k), eni: 0, .egress, "10.0.1.10", 40002, "10.0.2.20", 443, .ack, payload: 1))
        }
        let lines = try records(taps, format: fmt, finishAt: 300).lines.filter { $0[3] == "OK" }
        // 300 packets, at most 60 per 60-second window, windows back to back.
        #expect(lines.reduce(0) { $0 + Int($1[0])! } == 300)
        #expect(lines.allSatisfy { Int($0[0])! <= 60 })
        #expect(lines.count >= 5 && lines.count <= 6)
        for (a, b) in zip(lines, lines.dropFirst()) { #expect(Int(a[2])! < Int(b[1])!) }
        // start/end are the first and last packet seen in the window, not its bounds.
        #expect(lines.first![1] == "1795428000")
        #expect(lines.last![2] == "1795428299")
    }

    @Test func customFormatFieldsInAnyOrderAndHighestVersion() throws {
        let fmt = try FlowLogFormat(
            parsing:
                "${flow-direction} ${traffic-path} ${pkt-dstaddr} ${vpc-id} ${instance-id} ${version} ${az-id} ${type} "
                + "${subnet-id}"
        )
        #expect(fmt.version == 5)
        #expect(fmt.header == "flow-direction traffic-path pkt-dstaddr vpc-id instance-id version az-id type subnet-id")
        let lines = try records(Array(shortConnection(at: 5).prefix(2)), format: fmt).lines
        #expect(
            lines[0] == [
                "egress", "1", "10.0.2.20", "vpc-00000001", "i-0000000a", "5", "use1-az1", "IPv4", "subnet-0000000a",
            ])
        #expect(
            lines[1] == [
                "ingress", "-", "10.0.1.10", "vpc-00000001", "i-0000000a", "5", "use1-az1", "IPv4", "subnet-0000000a",
            ])
        #expect(throws: FlowLogFormat.ParseError.unknownField("srcip")) {
            try FlowLogFormat(parsing: "${version} ${srcip}")
        }
        #expect(throws: FlowLogFormat.ParseError.malformed("version")) { try FlowLogFormat(parsing: "version") }
    }

    /// An intermediate ENI (a NAT gateway's) shows its own primary address where the packet's
    /// address is not its own; pkt-srcaddr/pkt-dstaddr keep the packet's
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-limitations.html,
    /// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html).
    @Test func intermediateENIAddresses() throws {
        let fmt = try FlowLogFormat(parsing: "${flow-direction} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr}")
        let taps = [
            tap(1, eni: 1, .ingress, "10.0.1.10", 40000, "52.94.0.1", 443, .syn), // inside → NAT
            tap(1.0001, eni: 1, .egress, "52.94.0.1", 443, "10.0.1.10", 40000, [.syn, .ack]), // NAT → inside
        ]
        let lines = try records(taps, format: fmt).lines
        #expect(lines[0] == ["ingress", "10.0.1.10", "10.0.2.20", "10.0.1.10", "52.94.0.1"])
        #expect(lines[1] == ["egress", "10.0.2.20", "10.0.1.10", "52.94.0.1", "10.0.1.10"])
    }

    @Test func rejectsTrafficTypeFilterAndUnloggedTraffic() throws {
        let fmt = try FlowLogFormat(parsing: "${srcport} ${action}")
        let taps = [
            tap(1, eni: 0, .ingress, "10.0.2.20", 50000, "10.0.1.10", 22, .syn, accepted: false),
            tap(2, eni: 0, .egress, "10.0.1.10", 40000, "10.0.2.20", 443, .syn),
            tap(3, eni: 0, .egress, "10.0.1.10", 40000, "10.0.0.2", 53, [], logged: false),
        ]
        #expect(try records(taps, format: fmt).lines == [["50000", "REJECT"], ["40000", "ACCEPT"]])
        #expect(try records(taps, format: fmt, traffic: .accept).lines == [["40000", "ACCEPT"]])
        #expect(try records(taps, format: fmt, traffic: .reject).lines == [["50000", "REJECT"]])
    }

    /// NODATA once an ENI has carried traffic, for windows without any; the traffic fields are "-".
    @Test func nodataForQuietWindows() throws {
        let taps = [tap(10, eni: 0, .egress, "10.0.1.10", 40000, "10.0.2.20", 443, .syn)]
        let lines = try records(taps, finishAt: 250).lines
        let nodata = lines.filter { $0[13] == "NODATA" }
        #expect(nodata.count >= 2)
        #expect(nodata.allSatisfy { $0[3...9].allSatisfy { $0 == "-" } && $0[12] == "-" })
        for r in nodata { #expect(Int(r[11])! - Int(r[10])! == 60) }
        // ENI 1 never carried traffic: no record at all.
        #expect(!lines.contains { $0[2] == "eni-0000000b" })
    }

    @Test func skipdataWhenCapacityIsExceeded() throws {
        var taps: [TapRecord] = []
        for k in 0..<5 {
            taps.append(
                tap(1 + Double(k) * 0.01, eni: 0, .egress, "10.0.1.10", UInt16(40000 + k), "10.0.2.20", 443, .syn))
        }
        let lines = try records(taps, maxFlows: 3).lines
        #expect(lines.filter { $0[13] == "OK" }.count == 3)
        let skip = lines.filter { $0[13] == "SKIPDATA" }
        #expect(skip.count == 1 && skip[0][3] == "-")
    }

    @Test func filesFollowFiveMinutePeriodsOfRecordEnds() throws {
        var taps: [TapRecord] = []
        for m in [1.0, 4.0, 6.0, 11.0] {
            taps.append(tap(m * 60, eni: 0, .egress, "10.0.1.10", 40000, "10.0.2.20", 443, .ack))
        }
        let files = try records(taps).files
        #expect(
            files.map { String($0.split(separator: "_")[4]) } == ["20261123T1000Z", "20261123T1005Z", "20261123T1010Z"])
    }

    /// A 600-second maximum aggregation interval holds a flow's packets in one record, except on a
    /// Nitro instance's ENI, whose records cover at most 60 s whatever the setting
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).
    @Test func aggregationIntervalIs600SecondsExceptOnNitro() throws {
        var net = network
        net.enis[1].nitro = false
        let fmt = try FlowLogFormat(parsing: "${interface-id} ${packets} ${start} ${end} ${log-status}")
        let taps = [
            tap(10, eni: 0, .egress, "10.0.1.10", 40000, "10.0.2.20", 443, .ack),
            tap(10.001, eni: 1, .ingress, "10.0.1.10", 40000, "10.0.2.20", 443, .ack),
            tap(200, eni: 0, .egress, "10.0.1.10", 40000, "10.0.2.20", 443, .ack),
            tap(200.001, eni: 1, .ingress, "10.0.1.10", 40000, "10.0.2.20", 443, .ack),
        ]
        let lines = try records(taps, format: fmt, interval: 600, finishAt: 700, network: net).lines.filter {
            $0[4] == "OK"
        }
        let nitro = lines.filter { $0[0] == "eni-0000000a" }, other = lines.filter { $0[0] == "eni-0000000b" }
        #expect(nitro.map { $0[1] } == ["1", "1"], "two 60-second windows on the Nitro ENI")
        #expect(other.map { [$0[1], $0[2], $0[3]] } == [["2", "1795428010", "1795428200"]], "one 600-second window")
    }

    /// A flow log on a subnet covers that subnet's ENIs; one on an ENI covers only it.
    @Test func subnetAndInterfaceFlowLogsCoverOnlyTheirENIs() throws {
        let fmt = try FlowLogFormat(parsing: "${interface-id} ${srcport}")
        let taps = [
            tap(1, eni: 0, .egress, "10.0.1.10", 40000, "10.0.2.20", 443, .syn),
            tap(1.001, eni: 1, .ingress, "10.0.1.10", 40000, "10.0.2.20", 443, .syn),
        ]
        #expect(try records(taps, format: fmt).lines.map { $0[0] } == ["eni-0000000a", "eni-0000000b"])
        #expect(
            try records(taps, format: fmt, resource: .subnet(SubnetIndex(0))).lines.map { $0[0] } == ["eni-0000000a"])
        #expect(
            try records(taps, format: fmt, resource: .networkInterface(ENIIndex(1))).lines.map { $0[0] } == [
                "eni-0000000b"
            ])
    }

    /// S3 prefixes: Hive-compatible partitions and per-hour folders
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html).
    @Test func hiveCompatibleAndPerHourPrefixes() throws {
        let taps = shortConnection(at: 30)
        let plain = try records(taps, s3: S3DeliveryOptions(perHourPartition: true)).files
        #expect(
            plain.count == 1
                && plain[0].hasPrefix(
                    "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/23/10/123456789012_vpcflowlogs_")
        )
        let hive = try records(taps, s3: S3DeliveryOptions(hiveCompatiblePartitions: true, perHourPartition: true))
            .files
        #expect(
            hive.count == 1
                && hive[0].hasPrefix(
                    "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/"
                        + "year=2026/month=11/day=23/hour=10/123456789012_vpcflowlogs_"
                ))
        let daily = try records(taps, s3: S3DeliveryOptions(hiveCompatiblePartitions: true)).files
        #expect(
            daily.count == 1
                && daily[0].contains("/day=23/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261123T1000Z_"))
    }
}

/// `pkt-*-aws-service`: the interval table answers as a scan of the ranges would — the most
/// specific range containing the address, AMAZON losing a tie
/// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).
@Suite struct ServiceIntervalTests {
    @Test func intervalsAgreeWithAScanOfTheRanges() {
        var ranges = RegionCatalog.usEast1.ipRanges
        // Nested and adjacent ranges across octet boundaries, to exercise the per-octet index.
        ranges += [
            (CIDR("3.0.0.0/7")!, "AMAZON"), (CIDR("3.255.255.0/24")!, "EC2"), (CIDR("4.0.0.0/24")!, "S3"),
            (CIDR("200.0.0.0/8")!, "AMAZON"), (CIDR("200.1.0.0/16")!, "DYNAMODB"), (CIDR("255.255.255.0/24")!, "EC2"),
        ]
        let table = ServiceIntervals(ranges)
        let ordered = ranges.sorted {
            ($0.range.prefixLength, $0.service == "AMAZON" ? 0 : 1) < (
                $1.range.prefixLength, $1.service == "AMAZON" ? 0 : 1
            )
        }
        func scan(_ a: IPAddress) -> String? { ordered.last { $0.range.contains(a) }?.service }
        var probes: [UInt32] = [0, 1, 0xFFFF_FFFF, 0x0A00_0001]
        for r in ranges {
            for d: Int64 in [-1, 0, 1] {
                for edge in [Int64(r.range.base.ipv4Raw), Int64(r.range.last.ipv4Raw)]
                where (0...Int64(UInt32.max)).contains(edge + d) {
                    probes.append(UInt32(edge + d))
                }
            }
        }
        var random = RandomStream(seed: 7)
        for _ in 0..<20_000 { probes.append(UInt32(truncatingIfNeeded: random.next())) }
        for a in probes.map({ IPAddress(ipv4: $0) }) {
            #expect(table.lookup(a).map { table.names[$0] } == scan(a), "\(a)")
        }
    }
}
