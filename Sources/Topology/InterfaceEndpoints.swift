import SimCore
import Wire
import NetModel
import Workloads

/// An interface endpoint as the file declares it, until its hosts join the world.
struct PlacedInterfaceEndpoint {
    var index: InterfaceEndpointIndex
    var service: RegionCatalog.Service
    /// `vpce-<id>-<8 characters>`, the first label of its names.
    var label: String
    /// `<service>.<region>.vpce.amazonaws.com`.
    var domain: String

    /// The endpoint-specific Regional name, `vpce-<id>-<8 characters>.<service>.<region>.vpce.amazonaws.com`,
    /// answered with every ENI
    /// (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html,
    /// "DNS hostnames").
    var dnsName: String { label + "." + domain }

    /// The zonal name of its ENI in `zone` (an AZ name), answered with that ENI only: the same
    /// page's example `vpce-…-<suffix>-us-east-1a.<service>.<region>.vpce.amazonaws.com`.
    func zonalName(_ zone: String) -> String { label + "-" + zone + "." + domain }
}

extension Builder {
    /// `vpc-endpoints: [{type: Interface, service: com.amazonaws.<region>.sqs, subnets: […],
    /// security-groups: […], private-dns: true, policy: …}]`: one requester-managed ENI per subnet
    /// (one subnet per AZ), the endpoint's security groups on each
    /// (https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html).
    mutating func interfaceEndpoint(_ n: YNode, _ m: YMap, id: String, vpc v: VPCIndex) throws {
        let svcNode = try m.required("service")
        let name = try svcNode.regional(catalog.name)
        guard let service = catalog.service(endpointServiceName: name), service.interfaceEndpoint else {
            let names = catalog.services.filter(\.interfaceEndpoint).map(\.key).joined(separator: ", ")
            throw svcNode.fail(
                "'\(name)' is not an interface endpoint service of \(catalog.name) "
                    + "(com.amazonaws.\(catalog.name).<service>, <service> one of \(names))")
        }
        if let r = m["route-tables"] { throw r.fail("interface endpoints take 'subnets', not 'route-tables'") }
        let subnetsNode = try m.required("subnets")
        // "You can select one subnet per Availability Zone" (create-interface-endpoint.html). An
        // endpoint in IPv6-only subnets takes IpAddressType ipv6 and answers AAAA records, for
        // services that support IPv6 over PrivateLink (same page): not modelled.
        let subnets = try subnetsOnePerZone(
            subnetsNode, of: "an interface endpoint", id: id, vpc: v,
            ipv6Only: "an interface endpoint there has IpAddressType ipv6 "
                + "(see https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html), "
                + "which vpcsim does not model yet; use a dual-stack subnet")
        guard !subnets.isEmpty else { throw subnetsNode.fail("an interface endpoint needs at least one subnet") }
        let groups = try securityGroups(m, vpc: v)
        // PrivateDnsEnabled defaults to true for AWS services
        // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html).
        var privateDNS = service.privateDNS
        if let p = m["private-dns"] {
            privateDNS = try p.bool()
            if privateDNS && !service.privateDNS {
                let source =
                    service.key == "dynamodb"
                    ? "AWS PrivateLink for DynamoDB does not support private DNS, see https://docs.aws.amazon.com/"
                        + "amazondynamodb/latest/developerguide/privatelink-interface-endpoints.html"
                    : "vpcsim's catalog has none"
                throw p.fail(
                    "\(service.key)'s interface endpoints have no private DNS for \(service.hostname) (\(source)); "
                        + "clients use the endpoint's vpce-… name")
            }
        }
        let policy = try m["policy"].map { try endpointPolicy($0) } ?? .fullAccess
        let index = InterfaceEndpointIndex(net.interfaceEndpoints.count)
        var enis: [ENIIndex] = []
        // The ENI ↔ the service's front end through PrivateLink: assumed the regional hop's
        // median (the front ends are the same; AWS publishes no PrivateLink latency).
        let hostLatency = net.latency.regional.median.nanoseconds
        for s in subnets {
            let key = "vpce:\(id):\(net.subnets[s.int].id)"
            enis.append(
                try managedENI(
                    in: s, allocationKey: key, eniKey: key, groups: groups, kind: .interfaceEndpoint(index),
                    description: "VPC Endpoint Interface \(id)", at: subnetsNode
                ) { $0.hostLatency = hostLatency })
        }
        net.interfaceEndpoints.append(
            InterfaceEndpoint(id: id, vpc: v, service: service.key, enis: enis, privateDNS: privateDNS, policy: policy))
        interfaceEndpoints[id] = PlacedInterfaceEndpoint(
            index: index, service: service, label: "\(id)-\(Self.endpointSuffix(id))",
            domain: "\(service.key).\(catalog.name).vpce.amazonaws.com")
    }

    /// `endpoint-zone: us-east-1a` (or `{az1}`…) on a step with `endpoint: vpce-…`: the SDK's
    /// endpoint_url is the endpoint's zonal name for that AZ, which needs an ENI there.
    func zonalEndpointName(_ placed: PlacedInterfaceEndpoint, _ z: YNode) throws -> String {
        var zone = try z.regional(catalog.name)
        if zone.hasPrefix("{az"), zone.hasSuffix("}"), let k = Int(zone.dropFirst(3).dropLast()) {
            let names = catalog.zoneIDs.keys.sorted()
            if k >= 1, k <= names.count { zone = names[k - 1] }
        }
        let ep = net.interfaceEndpoints[placed.index.int]
        let zones = ep.enis.map { net.zones[net.subnets[net.enis[$0.int].subnet.int].zone.int].name }
        guard zones.contains(zone) else {
            throw z.fail(
                "\(ep.id) has no network interface in '\(zone)', so no zonal name there "
                    + "(its zones: \(zones.joined(separator: ", ")))")
        }
        return placed.zonalName(zone)
    }

    /// The 8 characters AWS appends to an endpoint's id in its DNS names (random there; derived
    /// from the id here, so the same file always gives the same name).
    static func endpointSuffix(_ id: String) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        var h = FNV1a64.hash(("vpce-dns:" + id).utf8)
        var out: [UInt8] = []
        for _ in 0..<8 {
            out.append(alphabet[Int(h % 36)])
            h /= 36
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Each interface endpoint's front end: one host per ENI, answering as the service at the
    /// ENI's address, its names the endpoint's vpce-… name, the ENI's zonal name (and with
    /// private DNS, the service's Regional name inside the VPC).
    func addInterfaceEndpointServices(_ world: inout World) {
        for (id, placed) in interfaceEndpoints.sorted(by: { $0.value.index < $1.value.index }) {
            _ = id
            let ep = world.network.interfaceEndpoints[placed.index.int]
            let addresses = ep.enis.map { world.network.enis[$0.int].privateIP }
            for e in ep.enis {
                let h = world.addHost(.eni(e), role: .awsFrontEnd)
                var s = ServiceEndpoint(
                    name: placed.service.key, hostname: placed.dnsName, host: h, addresses: addresses,
                    accountID: account, region: catalog.name)
                s.interfaceEndpoint = placed.index
                s.vpc = ep.vpc
                s.privateDNSName = ep.privateDNS ? placed.service.hostname : nil
                let eni = world.network.enis[e.int]
                s.zonalHostname = placed.zonalName(
                    world.network.zones[world.network.subnets[eni.subnet.int].zone.int].name)
                s.zonalAddress = eni.privateIP
                world.addService(s)
            }
        }
    }
}
