import SimCore
import Wire
import NetModel
import Workloads

/// Hosts: instances and database instances, whose network interfaces are placed with the network
/// (phase 1) and whose hosts join with the world (phase 3), AWS service front ends and internet
/// populations. Each host is added with its role (`World.addHost(_:role:)`), which decides its
/// TCP profile.
extension Builder {
    /// An instance's network interface, or `count` of them named from a template (`name: web-{n}`).
    mutating func instance(_ n: YNode) throws {
        let m = try n.mapping(allowed: [
            "id", "name", "count", "subnet", "subnets", "security-groups", "private-ip", "public-ip",
            "eni", "nitro", "platform-agents", "ipv6-address",
        ])
        let count = try m["count"]?.int(1...100_000) ?? 1
        if count > 1 {
            if let p = m["ipv6-address"], try p.string() != "auto" {
                throw p.fail("with count, ipv6-address must be 'auto'")
            }
            for k in ["id", "private-ip", "eni"] where m[k] != nil {
                throw m[k]!.fail("'\(k)' names one instance; it cannot be used with count")
            }
            if let p = m["public-ip"], try p.string() != "auto" { throw p.fail("with count, public-ip must be 'auto'") }
        }
        var subnets: [YNode] = []
        if let s = m["subnet"] { subnets.append(s) }
        if let ss = m["subnets"] { subnets += try ss.list() }
        guard !subnets.isEmpty else {
            throw n.fail("an instance needs a 'subnet' (or 'subnets' to spread a count over)")
        }
        let template = try m["name"]?.string()
        for k in 1...count {
            let name = template.map { $0.replacingOccurrences(of: "{n}", with: String(k)) }
            if let name, instanceByName[name] != nil {
                throw (m["name"] ?? n).fail("duplicate instance name '\(name)'")
            }
            let id: String
            if let idNode = m["id"] {
                id = try declare(idNode, kind: "instance")
            } else {
                guard let name else { throw n.fail("an instance needs an 'id' or a 'name'") }
                id = Self.generatedID("i-", "instance:" + name)
                declared[id] = ("instance", n.mark)
            }
            let subnetNode = subnets[(k - 1) % subnets.count]
            let s = try lookup(subnetByID, subnetNode, kind: "subnet")
            let v = net.subnets[s.int].vpc
            let groups = try securityGroups(m, vpc: v)
            let ipv6Only = net.subnets[s.int].isIPv6Only
            if ipv6Only { try checkIPv6OnlyInstance(m, subnet: s) }
            // In an IPv6-only subnet the primary address is IPv6 (`ipv6-address`, auto by default).
            let ip =
                ipv6Only
                ? try allocateIPv6(
                    in: s, want: try m["ipv6-address"].flatMap { try $0.string() == "auto" ? nil : try $0.ipv6() },
                    key: id, at: m["ipv6-address"] ?? subnetNode)
                : try allocate(in: s, want: try m["private-ip"]?.ipv4(), key: id, at: m["private-ip"] ?? n)
            let eniID =
                try m["eni"].map { try declare($0, kind: "network interface") }
                ?? LoaderIDs.instanceENI(id)
            var eni = ENI(
                id: eniID, subnet: s, vpc: v, privateIP: ip, mac: Self.mac(for: eniID), securityGroups: groups,
                kind: .instance(id: id), accountID: net.vpcs[v.int].accountID)
            if let p = m["public-ip"] {
                guard net.vpcs[v.int].internetGateway != nil else {
                    throw p.fail("\(net.vpcs[v.int].id) has no internet gateway to map a public IP")
                }
                if try p.string() == "auto" {
                    eni.publicIP = try autoPublicIP(key: id, at: p)
                } else {
                    let a = try p.ipv4()
                    guard usedPublicIPs.insert(a.ipv4Raw).inserted else { throw p.fail("\(a) is already in use") }
                    eni.publicIP = a
                }
            }
            // `ipv6-address: auto` (like AssignIpv6AddressOnCreation) or an address of the subnet's /64.
            if ipv6Only {
                eni.ipv6Addresses = [ip]
            } else if let p = m["ipv6-address"] {
                let want = try p.string() == "auto" ? nil : try p.ipv6()
                eni.ipv6Addresses.append(try allocateIPv6(in: s, want: want, key: id, at: p))
            }
            eni.nitro = try m["nitro"]?.bool() ?? true
            let e = ENIIndex(net.enis.count)
            eniByID[eniID] = e
            net.enis.append(eni)
            let named = name ?? id
            instanceByName[named] = e
            instanceOrder.append((named, e, try m["platform-agents"]?.bool() ?? true))
        }
    }

    /// What an instance in an IPv6-only subnet cannot have: only instances built on the Nitro
    /// System launch there, and without an IPv4 address there is no private IPv4 and no public
    /// IPv4 (https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html,
    /// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-types.html#instance-hypervisor-type).
    func checkIPv6OnlyInstance(_ m: YMap, subnet s: SubnetIndex) throws {
        let sid = net.subnets[s.int].id
        if let node = m["nitro"], try !node.bool() {
            throw node.fail(
                "only instances built on the Nitro System launch in IPv6-only subnets (\(sid) is ipv6-native; see "
                    + "https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html)")
        }
        for k in ["private-ip", "public-ip"] {
            if let node = m[k] {
                throw node.fail("\(sid) is IPv6-only (ipv6-native): an instance there has no IPv4 address ('\(k)')")
            }
        }
    }

    /// A database instance's network interface; its host joins with the world.
    mutating func database(_ n: YNode) throws -> PlacedDatabase {
        let m = try n.mapping(allowed: [
            "name", "engine", "subnet", "security-groups", "private-ip", "port", "ssl-max-protocol-version",
        ])
        let nameNode = try m.required("name")
        let name = try nameNode.string()
        guard databaseByName[name] == nil else { throw nameNode.fail("duplicate database name '\(name)'") }
        let engine = try m["engine"]?.string() ?? "postgres"
        guard engine == "postgres" else { throw m["engine"]!.fail("only the postgres engine is modelled") }
        let s = try lookup(subnetByID, try m.required("subnet"), kind: "subnet")
        let v = net.subnets[s.int].vpc
        // RDS runs IPv4 or dual-stack DB instances, not IPv6-only ones
        // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html).
        if net.subnets[s.int].isIPv6Only {
            throw m["subnet"]!.fail(
                "\(net.subnets[s.int].id) is IPv6-only (ipv6-native): RDS DB instances are IPv4 or dual-stack (see "
                    + "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/"
                    + "USER_VPC.WorkingWithRDSInstanceinaVPC.html)"
            )
        }
        let groups = try securityGroups(m, vpc: v)
        let ip = try allocate(in: s, want: try m["private-ip"]?.ipv4(), key: "rds:" + name, at: m["private-ip"] ?? n)
        let eniID = Self.generatedID("eni-", "rds:" + name)
        var eni = ENI(
            id: eniID, subnet: s, vpc: v, privateIP: ip, mac: Self.mac(for: eniID), securityGroups: groups,
            kind: .rds(identifier: name), accountID: net.vpcs[v.int].accountID)
        eni.description = "RDSNetworkInterface"
        let e = ENIIndex(net.enis.count)
        eniByID[eniID] = e
        net.enis.append(eni)
        databaseByName[name] = databaseByName.count
        let port = UInt16(try m["port"]?.int(1...65535) ?? 5432)
        // PostgreSQL's ssl_max_protocol_version, a parameter of RDS parameter groups
        // (https://www.postgresql.org/docs/16/runtime-config-connection.html#GUC-SSL-MAX-PROTOCOL-VERSION).
        var tls = TLSServerProfileID.postgreSQL
        if let v = m["ssl-max-protocol-version"] {
            switch try v.string() {
            case "TLSv1.3", "": tls = .postgreSQL
            case "TLSv1.2": tls = .postgreSQLTLS12
            case let other: throw v.fail("'\(other)' must be TLSv1.2 or TLSv1.3")
            }
        }
        return PlacedDatabase(
            identifier: name, eni: e, port: port, address: ip,
            endpoint: LoaderIDs.rdsEndpoint(identifier: name, account: account, region: catalog.name), tlsServer: tls)
    }

    /// The databases' hosts, behind their network interfaces.
    func attachDatabases(_ world: inout World) -> [DatabaseInstance] {
        var out: [DatabaseInstance] = []
        for d in databases {
            let h = world.addHost(.eni(d.eni), role: .database)
            var db = DatabaseInstance(
                identifier: d.identifier, eni: d.eni, host: h, port: d.port, address: d.address, endpoint: d.endpoint)
            db.tlsServer = d.tlsServer
            out.append(db)
        }
        return out
    }

    /// The instances' hosts, with their platform agents (metadata, Time Sync, DHCP) unless turned off.
    func attachInstances(_ world: inout World) {
        for (_, e, agents) in instanceOrder {
            let h = world.addHost(.eni(e), role: .instance)
            if agents { world.addPlatformClient(host: h, eni: e) }
            // An instance in an IPv6-only subnet has a resource-name hostname, <instance-id>.<the
            // Region's domain>, whose AAAA record the resolver answers (the subnet's hostname type
            // must be resource-name there, https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/
            // ec2-instance-naming.html; the AAAA record assumed on, as the console's default).
            let eni = world.network.enis[e.int]
            if case .instance(let id) = eni.kind, world.network.subnets[eni.subnet.int].isIPv6Only {
                world.addAddressRecord(id + "." + world.network.dhcpDomainName, eni.privateIP)
            }
        }
    }

    /// DynamoDB (and S3) front ends: one host per service owning its prefix-list ranges.
    func addServices(_ world: inout World) {
        defer { addInterfaceEndpointServices(&world) }
        for pl in catalog.prefixLists {
            guard let addresses = catalog.serviceAddresses[pl.service] else { continue }
            let h = world.addHost(.awsService(name: pl.service), role: .awsFrontEnd)
            for c in pl.cidrs { world.network.serviceRanges.append((c, h)) }
            if pl.service == "dynamodb" {
                world.addService(
                    dualStack(
                        ServiceEndpoint(
                            name: pl.service, hostname: "\(pl.service).\(catalog.name).amazonaws.com", host: h,
                            addresses: addresses, accountID: account, region: catalog.name), catalog, &world))
            }
        }
        // The Regional front ends of the JSON-protocol services handlers call (SQS, Secrets
        // Manager), at public addresses: ASSUMED two addresses in the first two of the Region's
        // `AMAZON` ranges of ip-ranges.json (AWS publishes no per-service list for them).
        let amazon = catalog.ipRanges.filter { $0.service == "AMAZON" && $0.range.isIPv4 }.map(\.range)
        for (k, key) in jsonServicesCalled.enumerated() where !amazon.isEmpty {
            let h = world.addHost(.awsService(name: key), role: .awsFrontEnd)
            var addresses: [IPAddress] = []
            for j in 0..<2 {
                let range = amazon[(2 * k + j) % amazon.count]
                let a = range.first
                addresses.append(a)
                world.network.serviceRanges.append((CIDR(base: a, prefixLength: 32), h))
            }
            world.addService(
                dualStack(
                    ServiceEndpoint(
                        name: key, hostname: "\(key).\(catalog.name).amazonaws.com", host: h, addresses: addresses,
                        accountID: account, region: catalog.name), catalog, &world))
        }
        // DynamoDB of the other Regions the handlers call: reached over the public side (no
        // gateway endpoint serves another Region's service,
        // https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html), one
        // inter-Region delay each way (the catalog's measured RTT, halved).
        for r in remoteRegions {
            guard let other = RegionCatalog.named(r), let pl = other.prefixList(forService: "dynamodb"),
                let addresses = other.serviceAddresses["dynamodb"],
                let oneWay = RegionCatalog.interRegionOneWay(catalog.name, r)
            else { continue }
            let h = world.addHost(
                .awsService(name: "dynamodb"), role: .awsFrontEnd, hops: world.hostProfiles.remoteRegionHops)
            world.network.setRemoteRegion(h, oneWay: oneWay)
            for c in pl.cidrs { world.network.serviceRanges.append((c, h)) }
            world.addService(
                dualStack(
                    ServiceEndpoint(
                        name: "dynamodb", hostname: "dynamodb.\(r).amazonaws.com", host: h, addresses: addresses,
                        accountID: account, region: r), other, &world))
        }
    }

    /// `s` with its dual-stack name and IPv6 addresses from `region`'s catalog, if it has one;
    /// the addresses are routed to its front end like its IPv4 ones.
    func dualStack(_ s: ServiceEndpoint, _ region: RegionCatalog, _ world: inout World) -> ServiceEndpoint {
        guard let name = region.service(s.name)?.dualStackHostname, let v6 = region.serviceIPv6Addresses[s.name],
            !v6.isEmpty
        else { return s }
        var out = s
        out.dualStackHostname = name
        out.ipv6Addresses = v6
        for a in v6 { world.network.serviceRanges.append((CIDR(base: a, prefixLength: 128), s.host)) }
        return out
    }

    /// `internet: [{name: web-clients, cidr: 81.2.64.0/18, os-mix: {windows: 60, macos: 40}} |
    /// {name: drop, address: 185.220.101.4}]`. `os-mix` weighs the operating systems the
    /// population's addresses run (default `InternetOS.defaultMix`).
    mutating func internetPopulation(_ n: YNode, _ world: inout World) throws {
        let m = try n.mapping(allowed: ["name", "cidr", "address", "os-mix"])
        var mix: [InternetOS: Int]? = nil
        if let mixNode = m["os-mix"] {
            let weights = try mixNode.mapping(allowed: InternetOS.allCases.map(\.rawValue))
            var chosen: [InternetOS: Int] = [:]
            for (key, value) in weights.pairs { chosen[InternetOS(rawValue: key)!] = try value.int(0...1_000_000) }
            guard chosen.values.contains(where: { $0 > 0 }) else {
                throw mixNode.fail("os-mix needs at least one operating system with a weight above 0")
            }
            mix = chosen
        }
        let nameNode = try m.required("name")
        let name = try nameNode.string()
        guard internetByName[name] == nil else { throw nameNode.fail("duplicate internet population '\(name)'") }
        if let c = m["cidr"] {
            let cidr = try c.anyCIDR()
            try checkNotAWS(cidr.base, c)
            let h = world.addHost(.publicRange(cidr, internet: true), role: .internet, mix: mix)
            if !cidr.isIPv4 {
                // An IPv6 population uses 256 addresses of its block, derived from its name.
                var pool: [IPAddress] = []
                var hash = FNV1a64.hash(name.utf8)
                let hostBits = 128 - cidr.prefixLength
                while pool.count < (hostBits >= 8 ? 256 : 1 << hostBits) {
                    hash = SplitMix64.mix(hash)
                    let a =
                        hostBits >= 64
                        ? IPAddress(high: cidr.base.high, low: hash)
                        : cidr.address(at: hash & ((1 << UInt64(hostBits)) - 1))
                    if !pool.contains(a) { pool.append(a) }
                }
                internetByName[name] = Peer(host: h, pool: pool)
                return
            }
            // A population uses a few hundred of its addresses (deterministic per name): not the
            // network and broadcast addresses of a block of 4 or more; a /31 or /32 uses all of
            // its one or two.
            var pool: [IPAddress] = []
            if cidr.size <= 2 {
                pool = (0..<UInt32(cidr.size)).map { IPAddress(ipv4: cidr.base.ipv4Raw + $0) }
            }
            let count = cidr.size <= 2 ? 0 : min(Int(cidr.size) - 2, 256)
            var hash = FNV1a64.hash(name.utf8)
            var seen = Set<UInt32>()
            while pool.count < count {
                hash = hash &* 6364136223846793005 &+ 1442695040888963407
                let a = cidr.base.ipv4Raw + 1 + UInt32((hash >> 33) % (cidr.size - 2))
                if seen.insert(a).inserted { pool.append(IPAddress(ipv4: a)) }
            }
            internetByName[name] = Peer(host: h, pool: pool)
        } else if let a = m["address"] {
            let address = try a.address()
            try checkNotAWS(address, a)
            let h = world.addHost(.publicAddress(address, internet: true), role: .internet, mix: mix)
            internetByName[name] = Peer(host: h, pool: [address])
        } else {
            throw n.fail("an internet population needs a 'cidr' or an 'address'")
        }
    }

    func checkNotAWS(_ a: IPAddress, _ n: YNode) throws {
        if let r = catalog.ipRanges.first(where: { $0.range.contains(a) }) {
            throw n.fail("\(a) is in AWS's \(r.service) range \(r.range); internet populations must be outside AWS")
        }
    }
}

/// A database instance whose network interface is in place: a `DatabaseInstance` without its
/// host yet. Handler steps refer to it by position.
struct PlacedDatabase {
    var identifier: String
    var eni: ENIIndex
    var port: UInt16
    var address: IPAddress
    var endpoint: String
    var tlsServer: TLSServerProfileID
}
