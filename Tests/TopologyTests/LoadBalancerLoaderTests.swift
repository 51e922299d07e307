import Foundation
import Testing
import TestSupport
import NetModel
import Wire
import Workloads
@testable import Topology

/// `load-balancers:` — what loads, and one located error per mistake.
@Suite struct LoadBalancerLoaderTests {
    static var shipped: String {
        (try? String(contentsOfFile: repositoryRoot() + "/Topologies/alb-web-tier.yaml", encoding: .utf8)) ?? ""
    }

    /// The shipped file with `old` replaced by `new` (which must occur in it).
    func variant(_ old: String, _ new: String) throws -> String {
        let text = Self.shipped
        #expect(text.contains(old), "\(old)")
        return text.replacingOccurrences(of: old, with: new)
    }

    func failure(_ yaml: String) -> TopologyError? {
        do {
            _ = try TopologyLoader.load(yaml: yaml, file: "alb.yaml")
            return nil
        } catch { return error }
    }

    @Test func shippedTopologyLoads() throws {
        let s = try TopologyLoader.load(path: repositoryRoot() + "/Topologies/alb-web-tier.yaml")
        let n = s.network
        #expect(n.loadBalancers.count == 1)
        let lb = n.loadBalancers[0]
        #expect(lb.resourceID == "app/web-alb/\(lb.arnID)")
        for e in lb.enis {
            let eni = n.enis[e.int]
            guard case .loadBalancer(let i) = eni.kind else {
                Issue.record("\(eni.id) is not a load balancer's ENI")
                continue
            }
            #expect(i.int == 0)
            #expect(eni.securityGroups.map { n.securityGroups[$0.int].name } == ["alb"])
            #expect(eni.host != nil)
        }
        // Two session generators through it: the HTTPS listener's policy and the HTTP listener.
        let specs = s.world.traffic.compactMap { t -> SessionSpec? in
            if case .sessions(let x) = t { return x } else { return nil }
        }
        #expect(specs.map(\.tls) == [true, false])
        #expect(specs.map(\.tlsServer)[0] == .elbTLS13_1_2_2021_06)
        #expect(specs.allSatisfy { $0.balancer?.targetPort == 8080 && $0.balancer?.targets.count == 4 })
        // Without a server name, the HTTP generator's clients use the load balancer's DNS name.
        #expect(specs[1].serverName == lb.dnsName)
    }

    @Test func anInternalLoadBalancerHasAnInternalNameAndNoPublicAddresses() throws {
        // Clients inside the VPC (an internal load balancer has no internet side), no scanners.
        let yaml = try variant("scheme: internet-facing", "scheme: internal")
            .replacingOccurrences(of: "from: \"internet:web-clients\"", with: "from: \"instances:web-*\"")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("scanning-the-alb") && !$0.contains("scan: {") }
            .joined(separator: "\n")
        let s = try TopologyLoader.load(yaml: yaml, file: "alb.yaml")
        let lb = s.network.loadBalancers[0]
        #expect(!lb.internetFacing && lb.dnsName.hasPrefix("internal-web-alb-"))
        #expect(lb.enis.allSatisfy { s.network.enis[$0.int].publicIP == nil })
    }

    @Test(arguments: [
        ("type: application", "type: network", "Network Load Balancers are not modelled yet"),
        ("type: application", "type: classic", "'classic' is not a load balancer type"),
        ("scheme: internet-facing", "scheme: public", "'public' is not a load balancer scheme"),
        ("name: web-alb", "name: internal-web", "is not a load balancer name"),
        (
            "subnets: [subnet-0a1b2c3d4e5f60601, subnet-0a1b2c3d4e5f60602]", "subnets: [subnet-0a1b2c3d4e5f60601]",
            "at least two availability zones"
        ),
        (
            "subnets: [subnet-0a1b2c3d4e5f60601, subnet-0a1b2c3d4e5f60602]",
            "subnets: [subnet-0a1b2c3d4e5f60601, subnet-0a1b2c3d4e5f60611]", "same availability zone"
        ),
        (
            "ssl-policy: ELBSecurityPolicy-TLS13-1-2-2021-06", "ssl-policy: ELBSecurityPolicy-FS-1-2-2019-08",
            "not a security policy vpcsim models"
        ),
        (
            "{protocol: HTTP, port: 80, default-target-group: web}",
            "{protocol: TCP, port: 80, default-target-group: web}",
            "speak HTTP or HTTPS"
        ),
        (
            "{protocol: HTTP, port: 80, default-target-group: web}",
            "{protocol: HTTP, port: 80, default-target-group: api}",
            "has no target group named 'api'"
        ),
        ("targets: [\"web-*\"]", "targets: [\"api-*\"]", "no instance matches 'api-*'"),
        ("{name: web, protocol: HTTP, port: 8080", "{name: web, protocol: HTTPS, port: 8080", "HTTPS to targets"),
        (
            "to: \"load-balancer:web-alb\", port: 443", "to: \"load-balancer:web-alb\", port: 8443",
            "no listener on port 8443 (its listeners: 443, 80)"
        ),
        (
            "to: \"load-balancer:web-alb\", port: 443", "to: \"load-balancer:web-alb2\", port: 443",
            "no load balancer named 'web-alb2'"
        ),
    ])
    func mistakesAreLocated(_ old: String, _ new: String, _ message: String) throws {
        let yaml = try variant(old, new)
        let e = try #require(failure(yaml), "\(new) loaded")
        #expect(e.message.contains(message), "\(e.message)")
        #expect(e.file == "alb.yaml" && e.line > 0)
        let line = yaml.split(separator: "\n", omittingEmptySubsequences: false)[e.line - 1]
        #expect(line.contains(new), "\(e)")
    }

    @Test func anInternetFacingLoadBalancerNeedsAnInternetGateway() throws {
        let yaml = try variant(
            "internet-gateways:\n  - {id: igw-0a1b2c3d4e5f60651, vpc: vpc-0a1b2c3d4e5f60601}\n", ""
        ).replacingOccurrences(
            of: "      - {destination: 0.0.0.0/0, target: igw-0a1b2c3d4e5f60651}\n", with: "")
        let e = try #require(failure(yaml))
        #expect(e.message.contains("internet-facing load balancer needs an internet gateway"), "\(e.message)")
    }

    /// Every ALB IP address type gives its nodes private IPv4 addresses, so an IPv6-only subnet
    /// is refused at the subnet's line.
    @Test func anIPv6OnlySubnetIsRefused() throws {
        let yaml = try variant(
            "    cidr: 10.60.0.0/16\n", "    cidr: 10.60.0.0/16\n    ipv6-cidr: 2600:1f18:4a3:7300::/56\n"
        ).replacingOccurrences(
            of: "  - {id: subnet-0a1b2c3d4e5f60602, vpc: vpc-0a1b2c3d4e5f60601, cidr: 10.60.1.0/24, ",
            with: "  - {id: subnet-0a1b2c3d4e5f60602, vpc: vpc-0a1b2c3d4e5f60601, ipv6-native: true, "
                + "ipv6-cidr: 2600:1f18:4a3:7301::/64, ")
        #expect(yaml.contains("ipv6-native: true"))
        let e = try #require(failure(yaml))
        #expect(e.message.contains("nodes need private IPv4 addresses"), "\(e.message)")
        let line = yaml.split(separator: "\n", omittingEmptySubsequences: false)[e.line - 1]
        #expect(line.contains("subnets: [subnet-0a1b2c3d4e5f60601, subnet-0a1b2c3d4e5f60602]"), "\(line)")
    }
}
