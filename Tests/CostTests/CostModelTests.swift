import Foundation
import Testing
import Cost
import Topology
import TestSupport

/// Each bill item priced with the shipped us-east-1 catalog against a hand-computed figure. The
/// window is a whole month (730 h), so usage is not scaled unless a test says so.
@Suite struct CostModelTests {
    static let catalog = try! PriceCatalogLoader.load(directory: repositoryRoot() + "/Topologies/prices")
    static let month = 730.0 * 3600
    static let gb = 1_073_741_824.0

    func bill(_ u: MeasuredUsage) -> CostBreakdown {
        CostModel.price(u, catalog: Self.catalog, region: "us-east-1")
    }
    func line(_ b: CostBreakdown, _ id: String) throws -> CostLine {
        try #require(b.lines.first { $0.item == id }, "no line \(id) in \(b.lines.map(\.item))")
    }
    static func near(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-9 * max(1, abs(b)) }

    @Test func natGatewayHoursAreTheSeedsThirtyTwoEightyFive() throws {
        let b = bill(
            MeasuredUsage(
                region: "us-east-1", windowSeconds: 60,
                natGateways: [.init(id: "nat-1", availabilityZone: "us-east-1a", bytes: 0)]))
        let l = try line(b, "nat-gateway-hours")
        #expect(l.kind == .fixed && l.quantity == 730 && l.unitUSD == 0.045)
        #expect(Self.near(l.monthlyUSD, 32.85)) // $0.045/h × 730 h
        #expect(Self.near(b.fixedMonthlyUSD, 32.85) && b.usageMonthlyUSD == 0)
    }

    @Test func natGatewayDataIsPerGBBothDirections() throws {
        // 1 GB (2^30 bytes) in a 1-hour window: 730 GB a month at $0.045.
        let b = bill(
            MeasuredUsage(
                region: "us-east-1", windowSeconds: 3600,
                natGateways: [.init(id: "nat-1", availabilityZone: "us-east-1a", bytes: UInt64(Self.gb))]))
        let l = try line(b, "nat-gateway-data")
        #expect(Self.near(l.quantity, 730) && l.unitUSD == 0.045)
        #expect(Self.near(l.monthlyUSD, 32.85))
        #expect(Self.near(b.usageScale, 730))
    }

    @Test func publicIPv4PerAddressHour() throws {
        let b = bill(MeasuredUsage(region: "us-east-1", windowSeconds: 60, publicIPv4Addresses: 2))
        #expect(Self.near(try line(b, "public-ipv4-hours").monthlyUSD, 7.30)) // 2 × 730 h × $0.005
    }

    @Test func gatewayEndpointIsFree() throws {
        let b = bill(
            MeasuredUsage(
                region: "us-east-1", windowSeconds: Self.month,
                endpoints: [
                    .init(id: "vpce-1", service: "dynamodb", type: "Gateway", availabilityZones: 0, bytes: 5 << 30)
                ]
            ))
        let l = try line(b, "gateway-endpoint-data")
        #expect(Self.near(l.quantity, 5) && l.monthlyUSD == 0 && l.priced)
        #expect(b.monthlyUSD == 0)
    }

    @Test func interfaceEndpointPerAZHourAndTieredData() throws {
        let b = bill(
            MeasuredUsage(
                region: "us-east-1", windowSeconds: Self.month,
                endpoints: [.init(id: "vpce-2", service: "s3", type: "Interface", availabilityZones: 3, bytes: 2 << 30)]
            ))
        #expect(Self.near(try line(b, "interface-endpoint-hours").monthlyUSD, 21.90)) // 3 AZ × 730 h × $0.01
        #expect(Self.near(try line(b, "interface-endpoint-data").monthlyUSD, 0.02)) // 2 GB × $0.01 (first PB)
    }

    @Test func interfaceEndpointDataSpansItsTiers() throws {
        // One endpoint with an ENI in each of two AZs, 1,200,000 GB processed in a month:
        // 2 × 730 h × $0.01 = $14.60 fixed; the first PB (1,048,576 GB) at $0.01, the remaining
        // 151,424 GB at $0.006 (https://aws.amazon.com/privatelink/pricing/ tiers).
        let b = bill(
            MeasuredUsage(
                region: "us-east-1", windowSeconds: Self.month,
                endpoints: [
                    .init(
                        id: "vpce-3", service: "dynamodb", type: "Interface", availabilityZones: 2,
                        bytes: UInt64(1_200_000 * Self.gb))
                ]))
        let hours = try line(b, "interface-endpoint-hours")
        #expect(hours.quantity == 1460 && hours.unitUSD == 0.01 && Self.near(hours.monthlyUSD, 14.60))
        let data = try line(b, "interface-endpoint-data")
        #expect(data.tiers.count == 2)
        #expect(Self.near(data.monthlyUSD, 10_485.76 + 908.544)) // 1,048,576 × 0.01 + 151,424 × 0.006
        #expect(Self.near(b.fixedMonthlyUSD, 14.60) && Self.near(b.usageMonthlyUSD, 11_394.304))
    }

    /// The crossover the shipped experiment plots, by hand: one NAT gateway with its Elastic IP
    /// ($32.85 + $3.65 fixed, $0.045/GB) against five interface endpoints in two AZs (10 × 730 h ×
    /// $0.01 = $73 fixed, $0.01/GB). Alone, even is (73 − 36.50) / 0.035 ≈ 1,043 GB a month; in
    /// the experiment half the gateway's bytes also cross AZs ($0.02/GB) while the endpoints'
    /// never do (each client takes its own subnet's ENI), so even is 36.50 / 0.045 ≈ 811 GB. A
    /// single endpoint in two AZs ($14.60) is cheaper than the NAT gateway at every volume.
    @Test func interfaceEndpointsCrossANATGatewayAsTrafficGrows() throws {
        func nat(_ gb: Double) -> CostBreakdown {
            bill(
                MeasuredUsage(
                    region: "us-east-1", windowSeconds: Self.month,
                    natGateways: [.init(id: "nat-1", availabilityZone: "us-east-1a", bytes: UInt64(gb * Self.gb))],
                    publicIPv4Addresses: 1))
        }
        func endpoints(_ count: Int, _ gb: Double) -> CostBreakdown {
            bill(
                MeasuredUsage(
                    region: "us-east-1", windowSeconds: Self.month,
                    endpoints: (0..<count).map {
                        .init(
                            id: "vpce-\($0)", service: "s\($0)", type: "Interface", availabilityZones: 2,
                            bytes: $0 == 0 ? UInt64(gb * Self.gb) : 0)
                    }))
        }
        #expect(Self.near(nat(1000).monthlyUSD, 36.50 + 45)) // $32.85 + $3.65 + 1,000 GB × $0.045
        #expect(Self.near(endpoints(5, 1000).monthlyUSD, 73 + 10)) // 10 ENI-AZs × $7.30 + 1,000 GB × $0.01
        #expect(Self.near(nat(1000).monthlyUSD, 81.50) && Self.near(endpoints(5, 1000).monthlyUSD, 83))
        #expect(Self.near(nat(1100).monthlyUSD, 36.50 + 49.5) && Self.near(endpoints(5, 1100).monthlyUSD, 84))
        #expect(nat(1000).monthlyUSD < endpoints(5, 1000).monthlyUSD)
        #expect(nat(1100).monthlyUSD > endpoints(5, 1100).monthlyUSD)
        for gb in [0.0, 100, 10_000] { #expect(endpoints(1, gb).monthlyUSD < nat(gb).monthlyUSD) }
        // With half the gateway's traffic crossing AZs (a quarter each way).
        func sharedNAT(_ gb: Double) -> Double {
            let quarter = UInt64(gb / 4 * Self.gb)
            return nat(gb).monthlyUSD
                + bill(
                    MeasuredUsage(
                        region: "us-east-1", windowSeconds: Self.month,
                        crossAZ: [
                            .init(from: "us-east-1a", to: "us-east-1b", bytes: quarter),
                            .init(from: "us-east-1b", to: "us-east-1a", bytes: quarter),
                        ])
                ).monthlyUSD
        }
        #expect(Self.near(sharedNAT(1000), 36.50 + 45 + 10))
        #expect(sharedNAT(790) < endpoints(5, 790).monthlyUSD && sharedNAT(830) > endpoints(5, 830).monthlyUSD)
    }

    @Test func crossAZIsChargedOutAndIn() throws {
        let b = bill(
            MeasuredUsage(
                region: "us-east-1", windowSeconds: Self.month,
                crossAZ: [
                    .init(from: "us-east-1a", to: "us-east-1b", bytes: 6 << 30),
                    .init(from: "us-east-1b", to: "us-east-1a", bytes: 4 << 30),
                ]))
        #expect(Self.near(try line(b, "cross-az-out").monthlyUSD, 0.10)) // 10 GB × $0.01 leaving
        #expect(Self.near(try line(b, "cross-az-in").monthlyUSD, 0.10)) // and again entering
    }

    @Test func interRegionIsBilledInTheRegionTheBytesLeave() throws {
        // A month of calls to eu-west-1 (10 GB of requests out, 30 GB of responses back) and to
        // us-east-2 (5 GB out): each direction at the rate of the Region the bytes leave, to the
        // Region they enter (https://aws.amazon.com/ec2/pricing/on-demand/, "Data Transfer").
        let b = bill(
            MeasuredUsage(
                region: "us-east-1", windowSeconds: Self.month,
                interRegion: [
                    .init(from: "us-east-1", to: "eu-west-1", bytes: 10 << 30),
                    .init(from: "eu-west-1", to: "us-east-1", bytes: 30 << 30),
                    .init(from: "us-east-1", to: "us-east-2", bytes: 5 << 30),
                ]))
        let out = try line(b, "inter-region-us-east-1-to-eu-west-1")
        #expect(out.priced && out.unitUSD == 0.02 && Self.near(out.monthlyUSD, 0.20), "\(out)")
        let back = try line(b, "inter-region-eu-west-1-to-us-east-1")
        #expect(back.priced && back.unitUSD == 0.02 && Self.near(back.monthlyUSD, 0.60), "\(back)")
        // us-east-1 to us-east-2 has a price of its own ($0.01/GB), not the Region's default.
        let east = try line(b, "inter-region-us-east-1-to-us-east-2")
        #expect(east.unitUSD == 0.01 && Self.near(east.monthlyUSD, 0.05), "\(east)")
        #expect(Self.near(b.usageMonthlyUSD, 0.85) && b.unpriced.isEmpty)
        // `vpcsim cost` text: every item's quantity starts in one column, long titles included.
        let columns = Set(
            b.text.split(separator: "\n").filter { $0.hasPrefix("    ") }.compactMap { l -> Int? in
                guard let title = b.lines.first(where: { l.hasPrefix("    " + $0.title + " ") })?.title else {
                    return nil
                }
                return l.dropFirst(4 + title.count).prefix { $0 == " " }.count + title.count
            })
        #expect(b.lines.contains { $0.title.count > 52 }) // "Data transfer between Regions, us-east-1 to eu-west-1"
        #expect(columns.count == 1, "\(b.text)")
        // An APAC Region's bytes are priced at its own (higher) rate, wherever the bill is.
        let apac = bill(
            MeasuredUsage(
                region: "us-east-1", windowSeconds: Self.month,
                interRegion: [.init(from: "ap-southeast-2", to: "us-east-1", bytes: 1 << 30)]))
        #expect(try line(apac, "inter-region-ap-southeast-2-to-us-east-1").unitUSD == 0.098)
        // A summary without the section (every run before, or without cross-Region calls) decodes.
        let json =
            #"{"region":"us-east-1","window_seconds":60,"warmup_seconds":0,"flow_log_window_seconds":60,"#
            + #""nat_gateways":[],"public_ipv4_addresses":0,"endpoints":[],"cross_az":[],"internet_egress_bytes":0,"#
            + #""functions":[],"dynamodb":[],"state_machines":[],"flow_logs":[]}"#
        let plain = try JSONDecoder().decode(MeasuredUsage.self, from: Data(json.utf8))
        #expect(plain.interRegion == nil && plain.interRegionBillItems.isEmpty)
    }

    @Test func aDestinationPriceNamesAnotherCatalogRegion() throws {
        let dir = temporaryDirectory("prices-to")
        try
            ("region: us-east-1\nprices:\n  - item: data_transfer.inter_region_out\n    to: mars-east-1\n"
            + "    unit: GB\n    usd: 0.02\n    date-read: '2026'\n    verified: false\n    basis: recall\n")
            .write(toFile: dir + "/us-east-1.yaml", atomically: true, encoding: .utf8)
        do {
            _ = try PriceCatalogLoader.load(directory: dir)
            Issue.record("a destination outside the catalog was accepted")
        } catch {
            #expect(error.description.hasPrefix(dir + "/us-east-1.yaml:4:"), "\(error)")
            #expect(error.description.contains("'mars-east-1' is not another Region"), "\(error)")
        }
    }

    @Test func internetEgressSpansItsTiers() throws {
        // 15,000 GB: 10,240 GB at $0.09 and 4,760 GB at $0.085.
        let b = bill(
            MeasuredUsage(region: "us-east-1", windowSeconds: Self.month, internetEgressBytes: UInt64(15_000 * Self.gb))
        )
        let l = try line(b, "internet-egress")
        #expect(Self.near(l.monthlyUSD, 10_240 * 0.09 + 4_760 * 0.085))
        #expect(l.tiers.count == 2)
    }

    @Test func lambdaRequestsAndGBSecondsPerArchitecture() throws {
        let b = bill(
            MeasuredUsage(
                region: "us-east-1", windowSeconds: Self.month,
                functions: [
                    .init(
                        name: "f", architecture: "x86_64", memoryMB: 1024, invocations: 1_500_000,
                        billedMilliseconds: 1_000_000, initMilliseconds: 0),
                    .init(
                        name: "g", architecture: "arm64", memoryMB: 512, invocations: 500_000,
                        billedMilliseconds: 4_000_000, initMilliseconds: 300),
                ]))
        #expect(Self.near(try line(b, "lambda-requests").monthlyUSD, 0.40)) // 2 M × $0.20 per million
        #expect(Self.near(try line(b, "lambda-duration-x86").monthlyUSD, 1000 * 0.0000166667)) // 1 GB × 1,000 s
        #expect(Self.near(try line(b, "lambda-duration-arm64").monthlyUSD, 2000 * 0.0000133334)) // ½ GB × 4,000 s
    }

    @Test func dynamoDBRequestUnits() throws {
        let b = bill(
            MeasuredUsage(
                region: "us-east-1", windowSeconds: Self.month,
                dynamodb: [.init(call: "f/GetItem", readRequestUnits: 4_000_000, writeRequestUnits: 2_000_000)]))
        #expect(Self.near(try line(b, "dynamodb-reads").monthlyUSD, 0.50)) // 4 M × $0.125 per million
        #expect(Self.near(try line(b, "dynamodb-writes").monthlyUSD, 1.25)) // 2 M × $0.625 per million
    }

    @Test func stepFunctionsTransitions() throws {
        let b = bill(
            MeasuredUsage(
                region: "us-east-1", windowSeconds: Self.month,
                stateMachines: [.init(name: "m", stateTransitions: 10_000)]))
        #expect(Self.near(try line(b, "step-functions-transitions").monthlyUSD, 0.25)) // × $0.000025
    }

    @Test func flowLogsDeliveryPerDestinationScaledFromTheWholeWorkload() throws {
        // Record bytes count over the whole workload (the flow-log window), not the measured one.
        let b = bill(
            MeasuredUsage(
                region: "us-east-1", windowSeconds: Self.month / 2, warmupSeconds: 0, flowLogWindowSeconds: Self.month,
                flowLogs: [
                    .init(id: "fl-1", destination: "s3", bytes: 2 << 30, records: 1),
                    .init(id: "fl-2", destination: "cloudwatch-logs", bytes: 2 << 30, records: 1),
                ]))
        #expect(Self.near(try line(b, "flow-logs-s3").monthlyUSD, 0.50)) // 2 GB × $0.25
        #expect(Self.near(try line(b, "flow-logs-cloudwatch-logs").monthlyUSD, 1.00)) // 2 GB × $0.50
    }

    @Test func aShortWindowIsScaledToAMonth() throws {
        // 1 MB of NAT traffic in 60 s: × 43,800 to a month.
        let b = bill(
            MeasuredUsage(
                region: "us-east-1", windowSeconds: 60,
                natGateways: [.init(id: "nat-1", availabilityZone: "us-east-1a", bytes: 1 << 20)]))
        #expect(Self.near(b.usageScale, 43_800))
        #expect(Self.near(try line(b, "nat-gateway-data").quantity, 43_800.0 / 1024))
        #expect(Self.near(b.monthlyUSD, 32.85 + 43_800.0 / 1024 * 0.045))
    }

    @Test func aRegionWithoutAPriceSaysSo() throws {
        // The catalog has no flow-log delivery prices for us-east-2 (none were found).
        let b = CostModel.price(
            MeasuredUsage(
                region: "us-east-2", windowSeconds: 60,
                flowLogs: [.init(id: "fl", destination: "s3", bytes: 1, records: 1)]),
            catalog: Self.catalog, region: "us-east-2")
        #expect(b.unpriced == ["flow-logs-s3"])
        #expect(b.text.contains("not priced: flow-logs-s3"))
    }

    @Test func everyShippedPriceKeepsItsProvenance() throws {
        #expect(Self.catalog.regions.count == 8)
        for e in Self.catalog.entries {
            #expect(!e.dateRead.isEmpty && !e.basis.isEmpty, "\(e.item) \(e.region)")
            // Verified means seen on an AWS page, doc or blog, or in an AWS Price List reading.
            #expect(!e.verified || ["aws-page", "aws-doc", "aws-blog", "aws-price-list-3p"].contains(e.basis))
        }
        // Every bill item has a us-east-1 price.
        for item in BillItem.standard {
            #expect(!Self.catalog.tiers(item.price, region: "us-east-1").isEmpty, "\(item.id)")
        }
    }

    @Test func badCatalogEntriesAreLocated() throws {
        let dir = temporaryDirectory("prices")
        try
            ("region: us-east-1\nprices:\n  - item: x\n    unit: GB\n    usd: -1\n    date-read: '2026'\n"
            + "    verified: false\n    basis: recall\n")
            .write(toFile: dir + "/us-east-1.yaml", atomically: true, encoding: .utf8)
        #expect(throws: TopologyError.self) { try PriceCatalogLoader.load(directory: dir) }
        do {
            _ = try PriceCatalogLoader.load(directory: dir)
        } catch {
            #expect(error.description.hasPrefix(dir + "/us-east-1.yaml:5:"), "\(error)")
            #expect(error.description.contains("cannot be negative"))
        }
    }
}

/// An Application Load Balancer's LCUs: the highest of its dimensions
/// (https://aws.amazon.com/elasticloadbalancing/pricing/: 25 new connections/s, 3,000 active
/// connections, 1 GB/h processed), billed with its hours.
@Suite struct LoadBalancerCostTests {
    @Test func lcusAreTheHighestDimension() {
        typealias LB = MeasuredUsage.LoadBalancer
        // 50 new connections a second for 60 s: 2 LCUs.
        #expect(
            LB(name: "a", newConnections: 3_000, peakActiveConnections: 10, processedBytes: 0)
                .capacityUnits(windowSeconds: 60) == 2)
        // 6,000 open at once: 2 LCUs.
        #expect(
            LB(name: "a", newConnections: 0, peakActiveConnections: 6_000, processedBytes: 0)
                .capacityUnits(windowSeconds: 60) == 2)
        // 1 GB in 30 minutes: 2 GB an hour, 2 LCUs.
        #expect(
            LB(name: "a", newConnections: 0, peakActiveConnections: 0, processedBytes: 1 << 30)
                .capacityUnits(windowSeconds: 1_800) == 2)
        let usage = MeasuredUsage(
            region: "us-east-1", windowSeconds: 60,
            loadBalancers: [LB(name: "a", newConnections: 3_000, peakActiveConnections: 0, processedBytes: 0)])
        #expect(usage.quantities["alb_count"] == 1 && usage.quantities["alb_lcu"] == 2)
        #expect(MeasuredUsage(region: "us-east-1", windowSeconds: 60).quantities["alb_count"] == 0)
    }
}
