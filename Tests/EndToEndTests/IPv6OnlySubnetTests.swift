import Testing
import Foundation
import Wire
import NetModel
import TestSupport
import Topology
@testable import Experiments

/// The shipped IPv6-only subnet topology (Topologies/ipv6-only-subnet.yaml): instances with no
/// IPv4 address ask the resolver at fd00:ec2::253, reach DynamoDB's dual-stack endpoint over IPv6
/// through the egress-only gateway and an IPv4-only internet service through DNS64 + NAT64
/// (https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html,
/// https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html,
/// https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html).
@Suite(.serialized) struct IPv6OnlySubnetTests {
    static let path = repositoryRoot() + "/Topologies/ipv6-only-subnet.yaml"
    static let api4 = "203.0.113.20", api6 = "64:ff9b::cb00:7114"
    static let natPrivate = "10.60.0.10"
    static let prefix = "2600:1f18:4a3:7301:"
    static let app2Name = "i-0ce795309a97aa336.ec2.internal"

    @Test func theModelHasNoIPv4OnTheIPv6OnlySide() throws {
        let s = try TopologyLoader.load(path: Self.path)
        let net = s.network
        let only = try #require(net.subnets.first { $0.id == "subnet-06a1b2c3d4e5f6007" })
        #expect(only.isIPv6Only && only.ipv4CIDR == nil && only.ipv6CIDR?.description == "2600:1f18:4a3:7301::/64")
        let apps = net.enis.filter { $0.subnet == SubnetIndex(1) }
        #expect(apps.count == 2)
        for e in apps {
            #expect(e.privateIPv4 == nil && e.privateIP == e.ipv6Addresses.first && e.nitro)
            #expect(e.privateAddresses == e.ipv6Addresses)
            #expect(e.privateIP.description.hasPrefix(Self.prefix))
        }
        // The resolver's IPv6 address (AmazonDNS-concepts.html), reached from an IPv6 source only.
        #expect(net.vpcs[0].dnsAddress(from: apps[0].privateIP).description == "fd00:ec2::253")
        #expect(net.vpcs[0].dnsAddress(from: IPAddress("10.60.0.99")!).description == "10.60.0.2")
        #expect(net.isPlatformAddress(IPAddress("fd00:ec2::253")!, vpc: VPCIndex(0), subnet: SubnetIndex(1)))
        #expect(!net.isPlatformAddress(IPAddress("0.0.0.1")!, vpc: VPCIndex(0), subnet: SubnetIndex(1)))
    }

    @Test func dnsDynamoDBOverIPv6AndNAT64EndToEnd() throws {
        let run = try ScenarioRun("ipv6-only-subnet", duration: .seconds(30))
        let net = run.scenario.network
        let app = try #require(net.enis.first { $0.privateIP.description.hasPrefix(Self.prefix) })
        let app1 = app.privateIP.description
        let natENI = try #require(net.enis.first { if case .natGateway = $0.kind { true } else { false } })
        let appPcap = run.pcap(app.id)

        // Not one IPv4 packet on the instance: DNS to fd00:ec2::253, Time Sync at fd00:ec2::123,
        // no DHCPv4.
        #expect(try run.frames(appPcap, "ip", fields: ["frame.number"]).isEmpty)
        let queries = try run.frames(appPcap, "dns.flags.response == 0", fields: ["ipv6.src", "ipv6.dst"])
        #expect(!queries.isEmpty && queries.allSatisfy { $0 == [app1, "fd00:ec2::253"] }, "\(queries.prefix(3))")
        #expect(!(try run.frames(appPcap, "ntp && ipv6.dst == fd00:ec2::123", fields: ["frame.number"]).isEmpty))

        // AAAA answers: DynamoDB's own IPv6 addresses for its dual-stack name; DNS64's synthesis
        // (RFC 6052 §2.2: 203.0.113.20 is cb00:7114) for the IPv4-only partner name.
        let aaaa = try run.frames(
            appPcap, "dns.flags.response == 1 && dns.qry.type == 28", fields: ["dns.qry.name", "dns.aaaa"])
        let dynamo6 = Set(aaaa.filter { $0[0] == "dynamodb.us-east-1.api.aws" }.map { $0[1] })
        #expect(!dynamo6.isEmpty && dynamo6.allSatisfy { $0.hasPrefix("2620:107:4000:") }, "\(dynamo6)")
        #expect(Set(aaaa.filter { $0[0] == "api.partner.example" }.map { $0[1] }) == [Self.api6])
        // app-2's resource name (ec2-instance-naming.html) has an AAAA record: its own address.
        let app2 = try #require(net.enis.first { $0.privateIP.description.hasPrefix(Self.prefix) && $0.id != app.id })
        #expect(Set(aaaa.filter { $0[0] == Self.app2Name }.map { $0[1] }) == [app2.privateIP.description])

        // Every connection is IPv6 from the instance's address: to DynamoDB's AAAA answers, to
        // the NAT64 address, and to app-2 in the subnet.
        let syns = try run.frames(
            appPcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0 && ipv6.src == \(app1)",
            fields: ["ipv6.dst", "tcp.dstport"])
        let destinations = Set(syns.map { $0[0] })
        #expect(destinations.contains(Self.api6) && !destinations.isDisjoint(with: dynamo6), "\(destinations)")
        #expect(syns.contains { $0[0].hasPrefix(Self.prefix) && $0[1] == "8443" })
        #expect(syns.contains { $0[0].hasPrefix(Self.prefix) && $0[1] == "5432" })

        // NAT64 at the gateway: IPv6 in, IPv4 out from its private address, the TLS intact.
        let natPcap = run.pcap(natENI.id)
        let out4 = try run.frames(
            natPcap, "ip && tcp.flags.syn == 1 && tcp.flags.ack == 0", fields: ["ip.src", "ip.dst", "tcp.dstport"])
        #expect(!out4.isEmpty && out4.allSatisfy { $0 == [Self.natPrivate, Self.api4, "443"] })
        let sni = try run.frames(
            natPcap, "ip && tls.handshake.type == 1", fields: ["tls.handshake.extensions_server_name"])
        #expect(Set(sni.map { $0[0] }) == ["api.partner.example"])

        // Flow logs: the instance's records are all IPv6, with IPv6 addresses as AWS writes them
        // (RFC 5952 text) in srcaddr/dstaddr and pkt-srcaddr/pkt-dstaddr; the NAT gateway's show
        // both families.
        let records = run.flowLogRecords.filter { $0["log-status"] == "OK" }
        let appRecords = records.filter { $0["interface-id"] == app.id }
        #expect(!appRecords.isEmpty && appRecords.allSatisfy { $0["type"] == "IPv6" && $0["version"] == "5" })
        let toDynamo = try #require(appRecords.first { dynamo6.contains($0["dstaddr"] ?? "") })
        #expect(toDynamo["srcaddr"] == app1 && toDynamo["pkt-srcaddr"] == app1 && toDynamo["action"] == "ACCEPT")
        #expect(toDynamo["traffic-path"] == "8" && toDynamo["flow-direction"] == "egress")
        let toNAT64 = try #require(appRecords.first { $0["dstaddr"] == Self.api6 })
        #expect(toNAT64["pkt-dstaddr"] == Self.api6 && toNAT64["traffic-path"] == "1")
        let natRecords = records.filter { $0["interface-id"] == natENI.id }
        #expect(natRecords.contains { $0["type"] == "IPv6" && $0["srcaddr"] == app1 && $0["dstaddr"] == Self.api6 })
        #expect(natRecords.contains { $0["type"] == "IPv4" && $0["srcaddr"] == Self.natPrivate })
        // Drops and reasons: app-2's group has no rule for 5432, app-1's none for the scanners.
        #expect(records.contains { $0["dstport"] == "5432" && $0["action"] == "REJECT" })
        #expect(
            appRecords.contains {
                $0["srcaddr"]?.hasPrefix("2001:db8:666:") == true && $0["action"] == "REJECT"
                    && $0["flow-direction"] == "ingress"
            })
        #expect(run.summary.packets.drops.keys.sorted() == ["security-group"], "\(run.summary.packets.drops)")

        // check-run: all pass but TLS pairing (3), which matches streams by ip.src/ip.dst, and
        // conservation (5), which does not know that fd00:ec2::/32 platform traffic (DNS, Time
        // Sync) is not logged as it knows VPC+2 and 169.254.0.0/16: each of their failures must
        // be one of those.
        let report = try CheckRunReport(run.directory)
        for n in [1, 2, 4, 6] { #expect(try report.check(n).status == "pass", "\(report.failures)") }
        let tls = try report.check(3)
        #expect(tls.errors.allSatisfy { $0.contains(app1) || $0.contains("more") }, "\(tls.errors.prefix(3))")
        let conservation = try report.check(5)
        #expect(
            conservation.errors.allSatisfy { $0.contains("fd00:ec2::") || $0.contains("... and") },
            "\(conservation.errors.filter { !$0.contains("fd00:ec2::") }.prefix(3))")
    }

    /// Without DNS64 the partner name has only an A answer, which a host without IPv4 cannot use:
    /// connect(2) fails on the host, so nothing but DNS leaves it for that name and the NAT
    /// gateway sees no traffic.
    @Test func withoutDNS64AnIPv4OnlyNameIsUnreachable() throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        let off = text.replacingOccurrences(of: "    enable-dns64: true\n", with: "")
        #expect(off != text)
        let run = try ScenarioRun(yaml: off, name: "ipv6-only-subnet", duration: .seconds(10))
        let net = run.scenario.network
        let app = try #require(net.enis.first { $0.privateIP.description.hasPrefix(Self.prefix) })
        let appPcap = run.pcap(app.id)
        let aaaa = try run.frames(
            appPcap, "dns.flags.response == 1 && dns.qry.type == 28 && dns.qry.name == \"api.partner.example\"",
            fields: ["dns.count.answers"])
        #expect(!aaaa.isEmpty && aaaa.allSatisfy { $0 == ["0"] })
        #expect(try run.frames(appPcap, "ip || ipv6.dst == \(Self.api6)", fields: ["frame.number"]).isEmpty)
        #expect(run.summary.natGateways[0].connectionAttempts == 0, "\(run.summary.natGateways)")
        // DynamoDB's dual-stack name still answers AAAA: that traffic flows.
        #expect(!(try run.frames(appPcap, "tcp.dstport == 443", fields: ["frame.number"]).isEmpty))
    }

    @Test func pathsFromTheIPv6OnlySubnet() throws {
        let s = try TopologyLoader.load(path: Self.path)
        // To the dual-stack name: its AAAA address, out through the egress-only gateway.
        let dynamo = try PathExplainer.explain(s, from: "app-1", to: "dynamodb.us-east-1.api.aws:443")
        #expect(dynamo.outcome == .reachable, "\(dynamo.text)")
        #expect(!dynamo.sourceAddress.contains(".") && dynamo.destinationAddress.contains("2620:107:4000:"))
        #expect(dynamo.forward.contains { $0.kind == "route" && $0.target == "eigw-06a1b2c3d4e5f6095" })
        // To an IPv4-only internet name: DNS64's answer, the route to the NAT gateway, NAT64 to
        // its private address and the internet gateway's translation to the Elastic IP.
        let partner = try PathExplainer.explain(s, from: "app-1", to: "api.partner.example:443")
        #expect(partner.outcome == .reachable, "\(partner.text)")
        #expect(partner.dnsAnswer?.contains("AAAA \(Self.api6)") == true, "\(partner.dnsAnswer ?? "")")
        #expect(partner.destinationAddress == "[\(Self.api6)]:443")
        #expect(partner.forward.contains { $0.kind == "route" && $0.target == "nat-06a1b2c3d4e5f6042" })
        #expect(partner.forward.contains { $0.kind == "nat-gateway" && $0.text.contains(Self.natPrivate) })
        #expect(partner.forward.contains { $0.kind == "internet-gateway" && $0.text.contains("3.213.48.120") })
        // app-2 by its resource name: the AAAA record, switched within the subnet.
        let byName = try PathExplainer.explain(s, from: "app-1", to: Self.app2Name + ":8443")
        #expect(byName.outcome == .reachable, "\(byName.text)")
        #expect(byName.dnsAnswer?.hasPrefix("\(Self.app2Name) → AAAA \(Self.prefix)") == true)
        #expect(byName.forward.contains { $0.kind == "same-subnet" })
        // The same name from a subnet without DNS64: no usable answer, one clear error.
        let off = try String(contentsOfFile: Self.path, encoding: .utf8)
            .replacingOccurrences(of: "    enable-dns64: true\n", with: "")
        let noDNS64 = try TopologyLoader.load(yaml: off, file: "ipv6-only-subnet.yaml")
        #expect {
            _ = try PathExplainer.explain(noDNS64, from: "app-1", to: "api.partner.example:443")
        } throws: { e in
            let m = (e as? PathError)?.description ?? ""
            return m.contains("has no IPv4 address") && m.contains("DNS64")
        }
    }

    /// What AWS does not run in an IPv6-only subnet is refused where it is written, citing why.
    @Test(arguments: [
        (
            "  - {name: app-1, subnet: subnet-06a1b2c3d4e5f6007,",
            "  - {name: app-1, nitro: false, subnet: subnet-06a1b2c3d4e5f6007,", "Nitro"
        ),
        (
            "  - {name: app-1, subnet: subnet-06a1b2c3d4e5f6007,",
            "  - {name: app-1, private-ip: 10.60.1.5, subnet: subnet-06a1b2c3d4e5f6007,", "no IPv4 address"
        ),
        (
            "    subnet: subnet-06a1b2c3d4e5f6006\n    connectivity",
            "    subnet: subnet-06a1b2c3d4e5f6007\n    connectivity", "a NAT gateway needs a private IPv4"
        ),
        ("    ipv6-native: true\n", "", "missing key 'cidr' (or 'ipv6-native: true'"),
        ("    ipv6-native: true\n", "    ipv6-native: true\n    cidr: 10.60.1.0/24\n", "has no IPv4 block"),
        (
            "    ipv6-native: true\n    ipv6-cidr: 2600:1f18:4a3:7301::/64\n", "    ipv6-native: true\n",
            "needs its /64 in 'ipv6-cidr'"
        ),
    ])
    func unsupportedShapesAreRefused(_ from: String, _ to: String, _ message: String) throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        let bad = text.replacingOccurrences(of: from, with: to)
        #expect(bad != text)
        #expect {
            _ = try TopologyLoader.load(yaml: bad, file: "bad.yaml")
        } throws: { e in
            let t = e as? TopologyError
            return (t?.line ?? 0) > 0 && (t?.message.contains(message) ?? false)
        }
    }

    /// Lambda, RDS and interface endpoints in the IPv6-only subnet: each one located error.
    @Test(arguments: [
        (
            """
            functions:
              - name: f
                runtime: python3.12
                vpc: {subnets: [subnet-06a1b2c3d4e5f6007], security-groups: [sg-06a1b2c3d4e5f6025]}
                invocations: {rate: 1/s}
                handler: [{compute: 1ms}]
            """, "lambda/latest/dg/configuration-vpc.html"
        ),
        (
            """
            databases:
              - {name: db, subnet: subnet-06a1b2c3d4e5f6007, security-groups: [sg-06a1b2c3d4e5f6025]}
            """, "RDS DB instances are IPv4 or dual-stack"
        ),
        (
            """
            vpc-endpoints:
              - {id: vpce-06a1b2c3d4e5f6001, vpc: vpc-06a1b2c3d4e5f6075, type: Interface,
                 service: com.amazonaws.us-east-1.sqs, subnets: [subnet-06a1b2c3d4e5f6007],
                 security-groups: [sg-06a1b2c3d4e5f6025]}
            """, "IpAddressType ipv6"
        ),
    ])
    func servicesThatNeedIPv4AreRefused(_ extra: String, _ message: String) throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        #expect {
            _ = try TopologyLoader.load(yaml: text + "\n" + extra + "\n", file: "bad.yaml")
        } throws: { e in
            let t = e as? TopologyError
            return (t?.line ?? 0) > 0 && (t?.message.contains(message) ?? false)
        }
    }
}
