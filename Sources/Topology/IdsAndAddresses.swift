import SimCore
import Wire
import NetModel

/// Ids as the file declares and uses them, ids and MACs for what AWS creates, and addresses
/// taken in subnets and from the Region's public pool.
extension Builder {
    // MARK: Ids

    static let idPrefixes: [String: String] = [
        "vpc": "vpc-", "subnet": "subnet-", "route table": "rtb-", "network ACL": "acl-", "security group": "sg-",
        "internet gateway": "igw-", "NAT gateway": "nat-", "VPC endpoint": "vpce-", "prefix list": "pl-",
        "network interface": "eni-", "flow log": "fl-", "instance": "i-",
        "egress-only internet gateway": "eigw-", "peering connection": "pcx-", "transit gateway": "tgw-",
        "transit gateway attachment": "tgw-attach-", "transit gateway route table": "tgw-rtb-",
    ]

    /// Checks an id's form (`<prefix><8 or 17 lowercase hex digits>`, as AWS writes them and flow
    /// logs require) and that it is declared only once.
    mutating func declare(_ n: YNode, kind: String) throws -> String {
        let id = try n.string()
        let prefix = Self.idPrefixes[kind]!
        let hex = id.dropFirst(prefix.count)
        guard id.hasPrefix(prefix), hex.count == 8 || hex.count == 17,
            hex.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) })
        else {
            throw n.fail("'\(id)' is not a \(kind) id: expected '\(prefix)' followed by 8 or 17 lowercase hex digits")
        }
        if let prior = declared[id] {
            throw n.fail("duplicate id '\(id)' (already declared as a \(prior.kind) at line \(prior.mark?.line ?? 0))")
        }
        declared[id] = (kind, n.mark)
        return id
    }

    func lookup<T>(_ table: [String: T], _ n: YNode, kind: String) throws -> T {
        let id = try n.string()
        if let v = table[id] { return v }
        if let other = declared[id] { throw n.fail("'\(id)' is a \(other.kind), not a \(kind)") }
        let hint = closest(id, in: Array(table.keys)).map { " (did you mean '\($0)'?)" } ?? ""
        throw n.fail("no \(kind) with id '\(id)' is defined in this file\(hint)")
    }

    /// A stable AWS-style id for a resource AWS would create (Hyperplane ENIs, NAT ENIs, …).
    static func generatedID(_ prefix: String, _ key: String) -> String { LoaderIDs.generated(prefix, key) }

    /// Automatic addresses are chosen by FNV-1a from this basis: the standard one lacking its last
    /// digit (14695981039346656037), kept so the shipped topologies keep their addresses.
    static let addressHashBasis: UInt64 = 1469598103934665603

    static func mac(for id: String) -> MACAddress {
        let h = FNV1a64.hash(id.utf8)
        // Locally administered, unicast, as AWS ENI MACs are (e.g. 0e:…, 12:…).
        let first = (UInt64((h >> 40) & 0xFC) | 0x02) << 40
        return MACAddress(raw: first | (h & 0xFF_FFFF_FFFF))
    }

    // MARK: Addresses

    /// Takes `want` (or, if nil, a free address chosen from `key`) in the subnet: not reserved
    /// (the first four and the last, https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html) and not in
    /// use.
    mutating func allocate(in s: SubnetIndex, want: IPAddress?, key: String, at n: YNode) throws -> IPAddress {
        guard let c = net.subnets[s.int].ipv4CIDR else {
            throw n.fail(
                "subnet \(net.subnets[s.int].id) is IPv6-only (ipv6-native): it has no IPv4 address to give (see "
                    + "https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html)")
        }
        // Taken out while it grows: a second reference would copy the set on every insertion.
        var used = usedAddresses.removeValue(forKey: s) ?? []
        defer { usedAddresses[s] = used }
        if let a = want {
            guard c.contains(a) else { throw n.fail("\(a) is not in subnet \(net.subnets[s.int].id) (\(c))") }
            let off = a.ipv4Raw - c.base.ipv4Raw
            guard off >= 4, a != c.last else {
                throw n.fail("\(a) is reserved by AWS in \(c) (the first four addresses and the last)")
            }
            guard used.insert(a.ipv4Raw).inserted else {
                throw n.fail("\(a) is already assigned in \(net.subnets[s.int].id)")
            }
            return a
        }
        let usable = UInt32(c.size) - 5
        guard usable > UInt32(used.count) else {
            throw n.fail("subnet \(net.subnets[s.int].id) has no free address left")
        }
        let h = FNV1a64.hash(key.utf8, basis: Self.addressHashBasis)
        var off = 4 + UInt32(h % UInt64(usable))
        while used.contains(c.base.ipv4Raw + off) { off = off + 1 > 4 + usable - 1 ? 4 : off + 1 }
        used.insert(c.base.ipv4Raw + off)
        return IPAddress(ipv4: c.base.ipv4Raw + off)
    }

    /// A public IPv4 address from the Region's EC2 pool, chosen from `key` and unique in the file.
    /// An IPv6 address in subnet `s`'s /64: `want`, or one derived from `key` (AWS assigns from
    /// the /64 without a documented order; the hash keeps files' addresses stable). The first
    /// four and the last address of a subnet's IPv6 block are reserved like the IPv4 ones
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
    mutating func allocateIPv6(in s: SubnetIndex, want: IPAddress?, key: String, at n: YNode) throws -> IPAddress {
        guard let c = net.subnets[s.int].ipv6CIDR else {
            throw n.fail("subnet \(net.subnets[s.int].id) has no IPv6 block ('ipv6-cidr') to assign from")
        }
        if let a = want {
            guard c.contains(a) else { throw n.fail("\(a) is not in subnet \(net.subnets[s.int].id) (\(c))") }
            let off = a.low &- c.base.low
            guard off >= 4, off != UInt64.max else {
                throw n.fail("\(a) is reserved by AWS in \(c) (the first four addresses and the last)")
            }
            guard usedIPv6.insert(a).inserted else { throw n.fail("\(a) is already assigned") }
            return a
        }
        var h = SplitMix64.mix(FNV1a64.hash(key.utf8, basis: Self.addressHashBasis))
        while true {
            let a = IPAddress(high: c.base.high, low: max(h, 4) == UInt64.max ? 4 : max(h, 4))
            if usedIPv6.insert(a).inserted { return a }
            h = SplitMix64.mix(h)
        }
    }

    mutating func autoPublicIP(key: String, at n: YNode) throws -> IPAddress {
        let pool = catalog.publicIPPool
        guard UInt64(usedPublicIPs.count) < pool.size - 2 else {
            throw n.fail("the Region's public address pool (\(pool)) has no address left")
        }
        let h = FNV1a64.hash(key.utf8, basis: Self.addressHashBasis)
        var off = UInt32(h % (pool.size - 2)) + 1
        while usedPublicIPs.contains(pool.base.ipv4Raw + off) { off = off % UInt32(pool.size - 2) + 1 }
        usedPublicIPs.insert(pool.base.ipv4Raw + off)
        return IPAddress(ipv4: pool.base.ipv4Raw + off)
    }
}

/// Ids and names the loader derives for what AWS creates with a resource, so that other readers
/// of topology files (the importers) can name them as the loaded network will have them.
public enum LoaderIDs {
    /// `<prefix>0` and 16 hex digits from `key`: the form of every id the loader generates.
    public static func generated(_ prefix: String, _ key: String) -> String {
        let z = SplitMix64.mix(FNV1a64.hash(key.utf8))
        let hex = Array("0123456789abcdef".utf8)
        var s = prefix + "0"
        var v = z
        for _ in 0..<16 { s.append(Character(UnicodeScalar(hex[Int(v & 0xF)]))); v >>= 4 }
        return s
    }
    /// The network interface the loader creates for NAT gateway `natGateway`.
    public static func natGatewayENI(_ natGateway: String) -> String { generated("eni-", "nat:" + natGateway) }
    /// The network interface of an instance that names none.
    public static func instanceENI(_ instance: String) -> String { generated("eni-", "instance:" + instance) }
    /// `<identifier>.<12 characters fixed per account and Region>.<region>.rds.amazonaws.com`.
    public static func rdsEndpoint(identifier: String, account: String, region: String) -> String {
        let suffix = String(generated("", "rds:" + account + region).dropFirst().prefix(12))
        return "\(identifier).\(suffix).\(region).rds.amazonaws.com"
    }
}
