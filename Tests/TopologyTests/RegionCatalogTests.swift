import Testing
import TestSupport
import NetModel
import Wire
import Workloads
@testable import Topology

/// The Region catalog (Sources/Topology/Catalog: regions.yaml and the pinned, trimmed
/// ip-ranges.json) and what `region:` brings into a topology.
@Suite struct RegionCatalogTests {
    static let regions = [
        "ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "eu-central-1", "eu-west-1", "us-east-1", "us-east-2",
        "us-west-2",
    ]

    func load(_ yaml: String) throws(TopologyError) -> Scenario {
        try TopologyLoader.load(yaml: yaml, file: "test.yaml")
    }
    func failure(_ yaml: String) -> TopologyError? {
        do { _ = try load(yaml); return nil } catch { return error }
    }
    /// LoaderTests' minimal file in `region`, its subnet in `zone`.
    func minimal(region: String, zone: String) -> String {
        LoaderTests.minimal.replacingOccurrences(of: "region: us-east-1", with: "region: \(region)")
            .replacingOccurrences(of: "availability-zone: us-east-1a", with: "availability-zone: \(zone)")
    }

    @Test func everyRegionHasItsZonesPrefixListsServicesAndRanges() throws {
        #expect(RegionCatalog.names == Self.regions)
        for r in Self.regions {
            let c = try #require(RegionCatalog.named(r))
            #expect(c.zoneNames.count >= 3 && c.zoneNames.allSatisfy { $0.hasPrefix(r) }, "\(r)")
            #expect(c.zoneIDs.values.allSatisfy { $0.contains("-az") }, "\(r)")
            // DHCP option set's domain (https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSet.html).
            #expect(c.dhcpDomain == (r == "us-east-1" ? "ec2.internal" : "\(r).compute.internal"))
            for service in ["dynamodb", "s3"] {
                let pl = try #require(c.prefixList(forService: service), "\(r) \(service)")
                #expect(pl.id.hasPrefix("pl-") && pl.name == "com.amazonaws.\(r).\(service)")
                #expect(!pl.cidrs.isEmpty && pl.cidrs.allSatisfy(\.isIPv4))
                // Every prefix-list range is one of the Region's ip-ranges.json entries of the service.
                let code = service.uppercased()
                for cidr in pl.cidrs {
                    #expect(c.ipRanges.contains { $0.service == code && $0.range.overlaps(cidr) }, "\(r) \(cidr)")
                }
            }
            #expect(c.services.count == 10)
            for s in c.services {
                #expect(
                    s.hostname == "\(s.key).\(r).amazonaws.com"
                        && s.endpointServiceName == "com.amazonaws.\(r).\(s.key)")
                let addresses = try #require(c.serviceAddresses[s.key], "\(r) \(s.key)")
                #expect(addresses.count >= 4 && Set(addresses).count == addresses.count)
                // Inside the Region's published ranges: the prefix list's for DynamoDB and S3.
                let ranges = c.prefixList(forService: s.key)?.cidrs ?? c.ipRanges.map(\.range)
                #expect(addresses.allSatisfy { a in ranges.contains { $0.contains(a) } }, "\(r) \(s.key)")
            }
            #expect(c.lambdaServiceAddresses.count >= 3)
            #expect(c.ipRanges.contains { $0.service == "EC2" && $0.range.contains(c.publicIPPool.base) })
            #expect(c.ipRanges.contains { !$0.range.isIPv4 }, "IPv6 prefixes of \(r)")
        }
        // eu-west-1's lists as AWS's own example shows them
        // (https://docs.aws.amazon.com/ec2/latest/devguide/example_ec2_DescribePrefixLists_section.html).
        #expect(RegionCatalog.named("eu-west-1")?.prefixList(forService: "dynamodb")?.id == "pl-6fa54006")
        #expect(RegionCatalog.named("eu-west-1")?.prefixList(forService: "s3")?.id == "pl-6da54004")
        // DynamoDB's interface endpoints have no private DNS for the regional name
        // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/privatelink-interface-endpoints.html).
        #expect(RegionCatalog.usEast1.service("dynamodb")?.privateDNS == false)
        #expect(RegionCatalog.usEast1.service("sqs")?.privateDNS == true)
    }

    /// The shipped ip-ranges.json is pinned: its createDate and syncToken are the copy's.
    @Test func ipRangesArePinned() {
        #expect(RegionCatalog.ipRangesVersion.createDate == "2026-08-22-21-17-05")
        #expect(RegionCatalog.ipRangesVersion.syncToken == "1787433425")
    }

    /// Trimming the pinned file again gives it back (the refresh tool is idempotent on its output).
    @Test func refreshToolReproducesThePinnedFile() throws {
        let root = repositoryRoot()
        let r = runProgram(
            "/usr/bin/env",
            [
                "python3", root + "/Tools/refresh-region-catalog", "--check",
                root + "/Sources/Topology/Catalog/ip-ranges.json",
            ])
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// us-east-1 keeps the addresses and prefix-list ids the shipped scenarios have always used.
    @Test func usEast1KeepsItsAddresses() {
        let c = RegionCatalog.usEast1
        #expect(c.prefixList(forService: "dynamodb")?.id == "pl-02cd2c6b")
        #expect(c.prefixList(forService: "s3")?.id == "pl-63a5400a")
        #expect(c.serviceAddresses["dynamodb"]?.first == IPAddress("3.218.182.212"))
        #expect(c.publicIPPool == CIDR("3.80.0.0/12"))
        #expect(c.zoneIDs["us-east-1c"] == "use1-az4")
    }

    @Test func aTopologyInAnotherRegionTakesThatRegionsCatalog() throws {
        let s = try load(minimal(region: "eu-west-1", zone: "eu-west-1a"))
        let n = s.network
        #expect(n.region == "eu-west-1" && n.dhcpDomainName == "eu-west-1.compute.internal")
        #expect(n.zones.map(\.id) == ["euw1-az3"])
        #expect(n.prefixLists.map(\.id) == ["pl-6fa54006", "pl-6da54004"])
        let ddb = try #require(s.world.services.first { $0.name == "dynamodb" })
        #expect(ddb.hostname == "dynamodb.eu-west-1.amazonaws.com" && ddb.region == "eu-west-1")
        #expect(ddb.addresses.allSatisfy { a in n.prefixLists[0].cidrs.contains { $0.contains(a) } })
    }

    @Test func unknownRegionOrZoneIsALocatedError() {
        let e = failure(minimal(region: "eu-west-9", zone: "eu-west-9a"))
        #expect(e?.line == 2, "\(String(describing: e))")
        #expect(e?.message.contains("region 'eu-west-9' is not in vpcsim's Region catalog") == true)
        #expect(e?.message.contains("ap-northeast-1, ap-southeast-1") == true)
        let zone = failure(minimal(region: "eu-west-1", zone: "us-east-1a"))
        #expect(zone?.message.contains("'us-east-1a' is not an availability zone of eu-west-1") == true)
        let unknownZone = failure(minimal(region: "eu-west-1", zone: "eu-west-1z"))
        #expect(unknownZone?.message.contains("unknown availability zone 'eu-west-1z'") == true)
    }

    static func crossRegion(_ region: String) -> String {
        LoaderTests.function(runtime: nil).replacingOccurrences(
            of: "      - compute: 1ms\n", with: "      - {dynamodb: GetItem, table: Replica, region: \(region)}\n")
    }

    /// A handler step in another Region calls that Region's DynamoDB, half the measured RTT away each way.
    @Test func crossRegionCallsReachThatRegionsFrontEnd() throws {
        let y = Self.crossRegion("eu-west-1")
        #expect(y.contains("region: eu-west-1"), "the test's edit applied")
        let s = try load(y)
        let remote = try #require(s.world.services.first { $0.region == "eu-west-1" })
        #expect(remote.name == "dynamodb" && remote.hostname == "dynamodb.eu-west-1.amazonaws.com")
        #expect(s.network.hostRegionDelay[remote.host.int] == 37_987_500) // 75.975 ms RTT / 2
        let local = try #require(s.world.services.first { $0.region == "us-east-1" })
        #expect(s.network.hostRegionDelay[local.host.int] == 0)
        guard case .dynamodb(let call) = s.world.functions[0].program.last else { Issue.record("step"); return }
        #expect(call.region == "eu-west-1")
        // Flow logs name the other Region's DynamoDB addresses as DYNAMODB.
        #expect(
            s.network.catalog.awsServiceRanges.contains {
                $0.service == "DYNAMODB" && $0.range.contains(remote.addresses[0])
            })
        let bad = failure(Self.crossRegion("mars-1"))
        #expect(
            bad?.message.contains("region 'mars-1' is not in vpcsim's Region catalog") == true,
            "\(String(describing: bad))")
    }
}
