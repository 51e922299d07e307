import Wire
import NetModel

/// Subnets: IPv4-only, dual-stack, and IPv6-only (`ipv6-native: true`, the EC2 API's Ipv6Native).
extension Builder {
    mutating func subnet(_ n: YNode) throws {
        let m = try n.mapping(allowed: [
            "id", "vpc", "cidr", "availability-zone", "az-id", "route-table", "network-acl", "ipv6-cidr",
            "enable-dns64", "ipv6-native",
        ])
        let idNode = try m.required("id")
        let id = try declare(idNode, kind: "subnet")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        // `ipv6-native: true` (CreateSubnet --ipv6-native, the subnet's Ipv6Native): an IPv6-only
        // subnet, with an `ipv6-cidr` and no IPv4 block
        // (https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html).
        let ipv6Native = try m["ipv6-native"]?.bool() ?? false
        var c: CIDR?
        if ipv6Native {
            if let cidrNode = m["cidr"] {
                throw cidrNode.fail(
                    "an IPv6-only subnet (ipv6-native: true) has no IPv4 block; remove 'cidr' or 'ipv6-native'")
            }
            guard m["ipv6-cidr"] != nil else {
                throw m["ipv6-native"]!.fail("an IPv6-only subnet (ipv6-native: true) needs its /64 in 'ipv6-cidr'")
            }
        } else {
            guard let cidrNode = m["cidr"] else {
                throw n.fail("missing key 'cidr' (or 'ipv6-native: true' with an 'ipv6-cidr' for an IPv6-only subnet)")
            }
            c = try ipv4Block(cidrNode, vpc: v)
        }
        let azNode = try m.required("availability-zone")
        var azName = try azNode.regional(catalog.name)
        // "{az1}", "{az2}"…: the Region's zones in name order, for files that run in any Region
        // (not every Region has an "a", "b" and "c": ap-northeast-1 offers a, c and d).
        if azName.hasPrefix("{az"), azName.hasSuffix("}"), let k = Int(azName.dropFirst(3).dropLast()) {
            let names = catalog.zoneIDs.keys.sorted()
            guard k >= 1, k <= names.count else {
                let list = names.joined(separator: ", ")
                throw azNode.fail("\(azName): \(catalog.name) has \(names.count) zones (\(list))")
            }
            azName = names[k - 1]
        }
        guard azName.hasPrefix(catalog.name) else {
            throw azNode.fail("'\(azName)' is not an availability zone of \(catalog.name)")
        }
        let azID = try m["az-id"]?.string() ?? catalog.zoneIDs[azName]
        guard let azID else { throw azNode.fail("unknown availability zone '\(azName)'; give its 'az-id'") }
        let zone: AvailabilityZoneIndex
        if let z = zoneByName[azName] {
            zone = z
        } else {
            zone = AvailabilityZoneIndex(net.zones.count)
            zoneByName[azName] = zone
            net.zones.append(AvailabilityZone(name: azName, id: azID))
        }
        var table = net.vpcs[v.int].mainRouteTable
        if let t = m["route-table"] {
            table = try lookup(routeTableByID, t, kind: "route table")
            guard net.routeTables[table.int].vpc == v else {
                throw t.fail(
                    "\(try t.string()) belongs to \(net.vpcs[net.routeTables[table.int].vpc.int].id), not "
                        + "\(net.vpcs[v.int].id)"
                )
            }
        }
        var acl = net.vpcs[v.int].defaultNetworkACL
        if let a = m["network-acl"] {
            acl = try lookup(aclByID, a, kind: "network ACL")
            guard net.networkACLs[acl.int].vpc == v else { throw a.fail("\(try a.string()) belongs to another VPC") }
        }
        var b6: CIDR?
        // A dual-stack or IPv6-only subnet's IPv6 block: a /64 of the VPC's IPv6 block
        // (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
        if let c6 = m["ipv6-cidr"] {
            let b = try c6.cidr(.ipv6)
            guard b.prefixLength == 64 else {
                throw c6.fail("a subnet's IPv6 block is a /64 (\(b) is /\(b.prefixLength))")
            }
            guard net.vpcs[v.int].cidrs.contains(where: { !$0.isIPv4 && $0.contains(b) }) else {
                throw c6.fail("\(b) is not inside an IPv6 block of \(net.vpcs[v.int].id)")
            }
            for other in net.subnets where other.vpc == v && other.ipv6CIDR == b {
                throw c6.fail("\(b) is already the IPv6 block of subnet \(other.id)")
            }
            b6 = b
        }
        var subnet = Subnet(id: id, vpc: v, ipv4CIDR: c, ipv6CIDR: b6, zone: zone, routeTable: table, networkACL: acl)
        // `EnableDns64` (ModifySubnetAttribute): the resolver synthesises 64:ff9b::/96 AAAA answers
        // for this subnet's queries; AWS offers it on subnets with an IPv6 block
        // (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html).
        if let d = m["enable-dns64"] {
            subnet.dns64 = try d.bool()
            if subnet.dns64 && subnet.ipv6CIDR == nil {
                throw d.fail(
                    "DNS64 synthesises IPv6 answers for IPv6 clients: subnet \(id) needs an 'ipv6-cidr' (see "
                        + "https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html)")
            }
        }
        subnetByID[id] = SubnetIndex(net.subnets.count)
        net.subnets.append(subnet)
    }

    /// A subnet's IPv4 block: /16 to /28, inside the VPC, overlapping no other subnet's.
    func ipv4Block(_ cidrNode: YNode, vpc v: VPCIndex) throws -> CIDR {
        let c = try cidrNode.cidr()
        guard (16...28).contains(c.prefixLength) else { throw cidrNode.fail("subnet CIDR blocks must be /16 to /28") }
        guard net.vpcs[v.int].cidrs.contains(where: { $0.contains(c) }) else {
            throw cidrNode.fail(
                "\(c) is not inside \(net.vpcs[v.int].id) "
                    + "(\(net.vpcs[v.int].cidrs.map(\.description).joined(separator: ", ")))"
            )
        }
        for other in net.subnets where other.vpc == v {
            if let o = other.ipv4CIDR, o.overlaps(c) {
                throw cidrNode.fail("\(c) overlaps subnet \(other.id) (\(o)) in \(net.vpcs[v.int].id)")
            }
        }
        return c
    }
}

extension Builder {
    /// The `subnets:` of a resource that places one network interface per Availability Zone (an
    /// interface endpoint, a load balancer): each subnet looked up, all in one VPC (`vpc`, or the
    /// first subnet's), none IPv6-only (`ipv6Only` says why, for the resource), one per AZ.
    func subnetsOnePerZone(
        _ subnetsNode: YNode, of what: String, id: String, vpc: VPCIndex?, ipv6Only: String
    ) throws -> [SubnetIndex] {
        var subnets: [SubnetIndex] = []
        for s in try subnetsNode.list() {
            let sub = try lookup(subnetByID, s, kind: "subnet")
            if let v = vpc ?? subnets.first.map({ net.subnets[$0.int].vpc }), net.subnets[sub.int].vpc != v {
                let other = vpc == nil ? net.subnets[subnets[0].int].id : id
                throw s.fail("\(try s.string()) is in another VPC than \(other)")
            }
            if net.subnets[sub.int].isIPv6Only {
                throw s.fail("\(try s.string()) is IPv6-only (ipv6-native): \(ipv6Only)")
            }
            if let other = subnets.first(where: { net.subnets[$0.int].zone == net.subnets[sub.int].zone }) {
                throw s.fail(
                    "\(try s.string()) is in the same availability zone as \(net.subnets[other.int].id); \(what) "
                        + "takes one subnet per AZ")
            }
            subnets.append(sub)
        }
        return subnets
    }
}

extension Builder {
    /// A requester-managed network interface that AWS places for a resource (an interface
    /// endpoint's, a load balancer node's, a transit gateway attachment's) in subnet `s`: its
    /// private address allocated under `allocationKey`, its id and MAC derived from `eniKey`,
    /// `configure` setting what is particular to the resource; appended and registered by id.
    mutating func managedENI(
        in s: SubnetIndex, allocationKey: String, eniKey: String, groups: [SecurityGroupIndex], kind: ENIKind,
        description: String, at node: YNode, configure: (inout ENI) throws -> Void = { _ in }
    ) throws -> ENIIndex {
        let v = net.subnets[s.int].vpc
        let ip = try allocate(in: s, want: nil, key: allocationKey, at: node)
        let eniID = Self.generatedID("eni-", eniKey)
        var eni = ENI(
            id: eniID, subnet: s, vpc: v, privateIP: ip, mac: Self.mac(for: eniID), securityGroups: groups,
            kind: kind, accountID: net.vpcs[v.int].accountID)
        eni.description = description
        try configure(&eni)
        let e = ENIIndex(net.enis.count)
        eniByID[eniID] = e
        declared[eniID] = ("network interface", nil)
        net.enis.append(eni)
        return e
    }
}
