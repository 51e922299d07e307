import Testing
import Foundation
import SimCore
import Wire
import NetModel
import TestSupport
import Topology
@testable import Experiments

/// Services' dual-stack endpoints (Topologies/lambda-dualstack-endpoints.yaml): a function with
/// `use-dualstack-endpoint` (the SDK's use_dualstack_endpoint,
/// https://docs.aws.amazon.com/sdkref/latest/guide/feature-endpoints.html) resolves
/// dynamodb.us-east-1.api.aws and sqs.us-east-1.api.aws, gets their AAAA records and connects over
/// IPv6 through the egress-only gateway; the same function without it finds only A records and
/// no IPv4 route.
@Suite(.serialized) struct DualStackEndpointTests {
    static let catalog = RegionCatalog.usEast1

    @Test func dualStackFunctionReachesServicesOverIPv6() throws {
        let run = try ScenarioRun("lambda-dualstack-endpoints", duration: .seconds(20))
        let eni = try #require(run.scenario.network.enis.first { !$0.ipv6Addresses.isEmpty })
        let fn6 = eni.ipv6Addresses[0].description
        let ddb6 = Set((Self.catalog.serviceIPv6Addresses["dynamodb"] ?? []).map(\.description))
        let sqs6 = Set((Self.catalog.serviceIPv6Addresses["sqs"] ?? []).map(\.description))
        #expect(!ddb6.isEmpty && !sqs6.isEmpty && ddb6.isDisjoint(with: sqs6))

        let functions = Dictionary(uniqueKeysWithValues: run.summary.functions.map { ($0.name, $0) })
        let dual = try #require(functions["orders-dualstack"])
        let legacy = try #require(functions["orders-legacy-name"])
        #expect(dual.invocations > 10 && dual.succeeded == dual.invocations, "\(dual.errors)")
        #expect(legacy.invocations > 0 && legacy.succeeded == 0)
        // The only drops: the legacy name's IPv4 SYNs, which no route takes out.
        #expect(run.summary.packets.drops.keys.sorted() == ["no-route"], "\(run.summary.packets.drops)")

        // The resolver answers the dual-stack names' AAAA queries with the services' IPv6
        // addresses (and their A queries with IPv4 ones); the Regional name has no AAAA record.
        let pcap = run.pcap(eni.id)
        let aaaa = try run.frames(
            pcap, "dns.flags.response == 1 && dns.qry.type == 28", fields: ["dns.qry.name", "dns.aaaa"])
        let answered = Dictionary(grouping: aaaa.filter { !$0[1].isEmpty }, by: { $0[0] }).mapValues {
            Set($0.map { $0[1] })
        }
        #expect(answered.keys.sorted() == ["dynamodb.us-east-1.api.aws", "sqs.us-east-1.api.aws"], "\(aaaa.prefix(4))")
        #expect(answered["dynamodb.us-east-1.api.aws"]?.isSubset(of: ddb6) ?? false)
        #expect(answered["sqs.us-east-1.api.aws"]?.isSubset(of: sqs6) ?? false)
        #expect(aaaa.contains { $0 == ["dynamodb.us-east-1.amazonaws.com", ""] })
        let a = try run.frames(
            pcap, "dns.flags.response == 1 && dns.qry.type == 1 && dns.qry.name == \"dynamodb.us-east-1.api.aws\"",
            fields: ["dns.a"])
        let ddb4 = Set((Self.catalog.serviceAddresses["dynamodb"] ?? []).map(\.description))
        #expect(!a.isEmpty && a.allSatisfy { ddb4.contains($0[0]) })

        // Every IPv6 connection goes from the function's address to a service's, port 443, and
        // its ClientHello names the dual-stack endpoint (tshark reads IPv6 streams' TLS).
        let syns = try run.frames(
            pcap, "ipv6 && tcp.flags.syn == 1 && tcp.flags.ack == 0",
            fields: ["ipv6.src", "ipv6.dst", "tcp.dstport"])
        #expect(!syns.isEmpty && syns.allSatisfy { $0[0] == fn6 && $0[2] == "443" })
        #expect(Set(syns.map { $0[1] }).isSubset(of: ddb6.union(sqs6)))
        let sni = try run.frames(
            pcap, "ipv6 && tls.handshake.type == 1", fields: ["tls.handshake.extensions_server_name"])
        #expect(Set(sni.map { $0[0] }) == ["dynamodb.us-east-1.api.aws", "sqs.us-east-1.api.aws"])
        #expect(try run.frames(pcap, "ip && tls.handshake.type == 1", fields: ["frame.number"]).isEmpty)
        // The legacy name's connection attempts are IPv4, to DynamoDB's IPv4 addresses, unanswered.
        let v4syns = try run.frames(pcap, "ip && tcp.flags.syn == 1 && tcp.flags.ack == 0", fields: ["ip.dst"])
        #expect(!v4syns.isEmpty && v4syns.allSatisfy { ddb4.contains($0[0]) })
        #expect(try run.frames(pcap, "ip && tcp.flags.syn == 1 && tcp.flags.ack == 1", fields: ["ip.src"]).isEmpty)

        // Flow logs: IPv6 records, both ways, to and from the services' IPv6 addresses.
        let records = run.flowLogRecords.filter { $0["log-status"] == "OK" && $0["type"] == "IPv6" }
        #expect(
            records.contains { $0["srcaddr"] == fn6 && ddb6.contains($0["dstaddr"] ?? "") && $0["dstport"] == "443" })
        #expect(
            records.contains { $0["dstaddr"] == fn6 && sqs6.contains($0["srcaddr"] ?? "") && $0["srcport"] == "443" })
        #expect(records.allSatisfy { $0["action"] == "ACCEPT" })

        // check-run: every check but the TLS one passes; that one cannot read IPv6 streams
        // (it pairs hellos by ip.src/ip.dst), so each of its failures is an IPv6 stream.
        let report = try CheckRunReport(run.directory)
        for n in [1, 2, 4, 5, 6] { #expect(try report.check(n).status == "pass", "\(report.failures)") }
        let tls = try report.check(3)
        #expect(!tls.errors.isEmpty && tls.errors.allSatisfy { $0.contains(fn6) }, "\(tls.errors.prefix(2))")
    }

    /// Decrypted, every request's `Host` (which SigV4 signs) is the dual-stack name the
    /// connection's ClientHello named, sent to that service's IPv6 address.
    @Test func requestsNameTheDualStackHost() throws {
        let out = temporaryDirectory("dualstack-decryptable")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = runProgram(
            vpcsimBinary(),
            [
                "run", repositoryRoot() + "/Topologies/lambda-dualstack-endpoints.yaml", "--duration", "5s", "--tls",
                "decryptable", "--out", out, "--quiet",
            ])
        #expect(r.status == 0, "\(r.stderr)")
        let pcapng = try #require(filesUnder(out).first { $0.hasSuffix(".pcapng") })
        let t = runProgram(
            try requireTool("tshark"),
            [
                "-r", out + "/" + pcapng, "-o", "tls.keylog_file:" + out + "/tls-keys.log", "-Y", "http.request",
                "-T", "fields", "-e", "http.host", "-e", "ipv6.dst",
            ])
        #expect(t.status == 0, "\(t.stderr)")
        let rows = t.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        let ddb6 = Set((Self.catalog.serviceIPv6Addresses["dynamodb"] ?? []).map(\.description))
        let sqs6 = Set((Self.catalog.serviceIPv6Addresses["sqs"] ?? []).map(\.description))
        #expect(rows.count > 4)
        #expect(
            rows.allSatisfy {
                $0.count == 2
                    && ($0[0] == "dynamodb.us-east-1.api.aws" && ddb6.contains($0[1])
                        || $0[0] == "sqs.us-east-1.api.aws" && sqs6.contains($0[1]))
            }, "\(rows.prefix(3))")
    }

    /// `vpcsim path … --to dynamodb.us-east-1.api.aws:443` follows the IPv6 path: out through
    /// the egress-only gateway and back as a reply.
    @Test func pathExplainerTakesTheDualStackName() throws {
        let r = runProgram(
            vpcsimBinary(),
            [
                "path", repositoryRoot() + "/Topologies/lambda-dualstack-endpoints.yaml", "--from", "orders-dualstack",
                "--to", "dynamodb.us-east-1.api.aws:443",
            ])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let ddb6 = try #require(Self.catalog.serviceIPv6Addresses["dynamodb"]?.first).description
        #expect(r.stdout.contains("DynamoDB (dynamodb.us-east-1.api.aws) [\(ddb6)]:443"), "\(r.stdout)")
        #expect(r.stdout.contains("egress-only internet gateway eigw-06a1b2c3d4e5f6094: IPv6 out"), "\(r.stdout)")
        #expect(r.stdout.contains("outcome: reachable both ways"), "\(r.stdout)")
    }

    /// "If a dual-stack endpoint does not exist for the service and/or AWS Region, the request
    /// will fail": a handler calling a service the catalog knows no dual-stack name for is refused
    /// at the setting, with its line.
    @Test func serviceWithoutDualStackNameIsRefused() throws {
        let text = try String(
            contentsOfFile: repositoryRoot() + "/Topologies/lambda-dualstack-endpoints.yaml", encoding: .utf8)
        let bad = text.replacingOccurrences(
            of: "      - sqs: SendMessage\n        queue: orders\n        message-bytes: 420\n",
            with: "      - secretsmanager: GetSecretValue\n        secret: prod/key\n        secret-bytes: 180\n")
        #expect(bad != text)
        #expect {
            _ = try TopologyLoader.load(yaml: bad, file: "bad.yaml")
        } throws: { e in
            let t = e as? TopologyError
            return (t?.line ?? 0) > 0
                && (t?.message.contains("no dual-stack endpoint for secretsmanager in us-east-1") ?? false)
        }
    }

    /// Every Region's catalog gives DynamoDB, S3, SQS and STS their dual-stack names and IPv6
    /// addresses: S3's inside its ip-ranges.json S3 prefixes, the others' in AMAZON ones.
    @Test(arguments: RegionCatalog.names) func catalogHasDualStackNames(_ region: String) throws {
        let c = try #require(RegionCatalog.named(region))
        let v6 = c.ipRanges.filter { !$0.range.isIPv4 }
        for key in ["dynamodb", "s3", "sqs", "sts"] {
            let s = try #require(c.service(key))
            let expected = key == "s3" ? "s3.dualstack.\(region).amazonaws.com" : "\(key).\(region).api.aws"
            #expect(s.dualStackHostname == expected)
            let addresses = c.serviceIPv6Addresses[key] ?? []
            #expect(addresses.count == 2, "\(region) \(key)")
            let home = key == "s3" ? "S3" : "AMAZON"
            #expect(
                addresses.allSatisfy { a in v6.contains { $0.service == home && $0.range.contains(a) } },
                "\(region) \(key): \(addresses)")
        }
        #expect(c.service("secretsmanager")?.dualStackHostname == nil)
    }
}
