import Foundation
import Testing
import Topology
import TestSupport

/// `vpcsim export aws` of every shipped topology with a VPC: the files have the output shapes of
/// botocore's service models (Tools/check-aws-json), and `vpcsim import aws` of them loads to the
/// same network (NetworkListing says what is compared).
@Suite struct ExportRoundTripTests {
    var binary: String { vpcsimBinary() }
    static let python = repositoryRoot() + "/.build/pyenv/bin/python3"

    static var topologies: [String] { all.filter { !withLoadBalancers.contains($0) } }

    static var all: [String] {
        let dir = repositoryRoot() + "/Topologies"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".yaml") }
            .sorted()
    }

    /// Topologies with `load-balancers:`, which the export refuses (elbv2 is not written yet).
    static var withLoadBalancers: [String] {
        all.filter {
            ((try? String(contentsOfFile: repositoryRoot() + "/Topologies/" + $0, encoding: .utf8)) ?? "")
                .contains("\nload-balancers:")
        }
    }

    /// One clear error naming the load balancer and what is missing; nothing written.
    @Test(arguments: withLoadBalancers) func loadBalancersAreRefusedClearly(_ name: String) throws {
        #expect(!Self.withLoadBalancers.isEmpty)
        let dir = temporaryDirectory("export-lb-\(name)")
        let r = runProgram(binary, ["export", "aws", repositoryRoot() + "/Topologies/" + name, "-o", dir + "/aws"])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("cannot be exported") && r.stderr.contains("describe-load-balancers"), "\(r.stderr)")
        #expect(filesUnder(dir).isEmpty)
    }

    @Test func everyShippedTopologyIsCovered() {
        #expect(Self.topologies.count >= 10, "\(Self.topologies)")
    }

    @Test(arguments: topologies) func exportImportsToTheSameNetwork(_ name: String) throws {
        let original = try TopologyLoader.load(path: repositoryRoot() + "/Topologies/" + name)
        try #require(!original.network.vpcs.isEmpty, "\(name) has no VPC")
        let dir = temporaryDirectory("export-\(name)")
        let e = runProgram(
            binary, ["export", "aws", repositoryRoot() + "/Topologies/" + name, "--output", dir + "/aws"])
        #expect(e.status == 0, "\(e.stderr)")
        let files = filesUnder(dir + "/aws")
        #expect(files.count >= 15 && e.stdout.contains("wrote \(files.count) files"), "\(e.stdout)")
        #expect(files.contains("\(original.network.vpcs[0].accountID)/us-east-1/describe-vpcs.json"), "\(files)")
        #expect(files.contains { $0.hasSuffix("/lambda-list-functions.json") })
        #expect(files.contains { $0.hasSuffix("/rds-describe-db-instances.json") })

        // The shapes the AWS CLI prints: botocore's output shapes, checked member by member.
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            throw ToolFailure("\(Self.python) is missing: run Tools/install-deps --test")
        }
        let check = runProgram(Self.python, [repositoryRoot() + "/Tools/check-aws-json", dir + "/aws"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("\(files.count) files, 0 problems"), "\(check.stdout)\(check.stderr)")

        // Import, load, compare.
        let i = runProgram(binary, ["import", "aws", dir + "/aws", "--output", dir + "/imported.yaml", "--quiet"])
        #expect(i.status == 0, "\(i.stderr)")
        let imported = try TopologyLoader.load(path: dir + "/imported.yaml")
        let a = NetworkListing.lines(original)
        let b = NetworkListing.lines(imported)
        let firstDifference = zip(a, b).first { $0 != $1 }.map { "original: \($0.0)\nimported: \($0.1)" }
        #expect(a == b, "\(name): \(firstDifference ?? "\(a.count) lines vs \(b.count)")")

        // Exporting the same topology again gives the same bytes.
        #expect(
            runProgram(binary, ["export", "aws", repositoryRoot() + "/Topologies/" + name, "-o", dir + "/again"]).status
                == 0)
        for f in files {
            #expect(
                FileManager.default.contents(atPath: dir + "/aws/" + f)
                    == FileManager.default.contents(atPath: dir + "/again/" + f),
                "\(f)")
        }
    }

    /// An output that is not empty, and a topology with a problem: one error each, nothing written.
    @Test func refusesAFullDirectoryAndABadTopology() throws {
        let dir = temporaryDirectory("export-errors")
        try FileManager.default.createDirectory(atPath: dir + "/full", withIntermediateDirectories: true)
        try "x\n".write(toFile: dir + "/full/keep.txt", atomically: true, encoding: .utf8)
        let t = repositoryRoot() + "/Topologies/lambda-dynamodb-nat-gateway.yaml"
        let r = runProgram(binary, ["export", "aws", t, "-o", dir + "/full"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("exists and is not an empty directory"), "\(r.stderr)")
        #expect(filesUnder(dir + "/full") == ["keep.txt"])

        try "vpcs: [{id: vpc-0123, cidr: 10.0.0.0/16}]\n".write(
            toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let b = runProgram(binary, ["export", "aws", dir + "/bad.yaml", "-o", dir + "/out"])
        #expect(b.status == 2)
        #expect(b.stderr.split(separator: "\n").count == 1)
        #expect(b.stderr.contains("bad.yaml:1:"), "\(b.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    /// describe-vpc-endpoints lists an interface endpoint's names as AWS does: its Regional
    /// `vpce-<id>-<8 characters>.<service>.<region>.vpce.amazonaws.com` name, a zonal name per
    /// subnet's AZ, and with private DNS the service's Regional name last
    /// (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html).
    @Test(arguments: ["lambda-dynamodb-interface-endpoint.yaml", "lambda-sns-sts-states-interface-endpoints.yaml"])
    func interfaceEndpointsListTheirDNSNames(_ name: String) throws {
        let dir = temporaryDirectory("export-dns-\(name)")
        let e = runProgram(binary, ["export", "aws", repositoryRoot() + "/Topologies/" + name, "-o", dir])
        #expect(e.status == 0, "\(e.stderr)")
        func document(_ suffix: String) throws -> [String: Any] {
            let f = try #require(filesUnder(dir).first { $0.hasSuffix(suffix) }, "\(suffix)")
            let data = try #require(FileManager.default.contents(atPath: dir + "/" + f))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let subnets = try #require(try document("/describe-subnets.json")["Subnets"] as? [[String: Any]])
        var zoneOf: [String: String] = [:]
        for s in subnets { zoneOf[s["SubnetId"] as? String ?? ""] = s["AvailabilityZone"] as? String }
        let endpoints = try #require(try document("/describe-vpc-endpoints.json")["VpcEndpoints"] as? [[String: Any]])
        let interface = endpoints.filter { $0["VpcEndpointType"] as? String == "Interface" }
        #expect(!interface.isEmpty)
        for ep in interface {
            let id = try #require(ep["VpcEndpointId"] as? String)
            let service = try #require((ep["ServiceName"] as? String)?.split(separator: ".").last.map(String.init))
            let names = try #require(ep["DnsEntries"] as? [[String: Any]]).compactMap { $0["DnsName"] as? String }
            let domain = ".\(service).us-east-1.vpce.amazonaws.com"
            let regional = try #require(names.first, "\(id) has no DnsEntries")
            #expect(regional.hasPrefix(id + "-") && regional.hasSuffix(domain), "\(regional)")
            let label = String(regional.dropLast(domain.count))
            #expect(label.count == id.count + 9, "\(label)")
            let zones = try #require(ep["SubnetIds"] as? [String]).map { zoneOf[$0] ?? "?" }
            let privateDNS = ep["PrivateDnsEnabled"] as? Bool == true
            let expected =
                [regional] + zones.map { label + "-" + $0 + domain }
                + (privateDNS ? ["\(service).us-east-1.amazonaws.com"] : [])
            #expect(names == expected, "\(id): \(names)")
        }
    }
}
