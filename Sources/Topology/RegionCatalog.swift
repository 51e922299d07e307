import Foundation
import SimCore
import Wire
import Yams

/// AWS facts vpcsim carries for a Region: AZ names and ids, AWS-managed prefix lists, public
/// address ranges by service (ip-ranges.json), the services it models with their names and
/// endpoint types, and the addresses their names resolve to. Snapshots, not ground truth: a
/// topology can override zone ids (`az-id`) and declare its own prefix lists.
///
/// The catalog is `Sources/Topology/Catalog/regions.yaml` and a trimmed, pinned copy of AWS's
/// ip-ranges.json beside it (`Tools/refresh-region-catalog` refreshes it), shipped as the
/// module's package resources and read once per process. What a Region's entry does not list is
/// derived from ip-ranges.json here, deterministically (``derive(explicitPool:)``).
public struct RegionCatalog: Sendable {
    public struct ManagedPrefixList: Sendable {
        public var id: String
        public var name: String
        public var service: String
        public var cidrs: [CIDR]
    }

    /// An AWS service vpcsim models in the Region.
    public struct Service: Sendable {
        /// The catalog key and endpoint service suffix: `sqs`, `dynamodb`, `states`, …
        public var key: String
        /// The Regional name SDKs call (`sqs.eu-west-1.amazonaws.com`).
        public var hostname: String
        /// The SigV4 signing name (`states` for Step Functions).
        public var signingName: String
        public var gatewayEndpoint: Bool
        public var interfaceEndpoint: Bool
        /// Whether an interface endpoint's private DNS option answers `hostname` (DynamoDB's does
        /// not: see regions.yaml, `ddb-privatelink`).
        public var privateDNS: Bool
        /// `com.amazonaws.<region>.<key>`.
        public var endpointServiceName: String
        /// The dual-stack name an SDK with `use_dualstack_endpoint` calls (`dynamodb.<region>.api.aws`,
        /// `s3.dualstack.<region>.amazonaws.com`), answered with A and AAAA records; nil where
        /// the catalog knows none (regions.yaml, `dualstack`).
        public var dualStackHostname: String? = nil
    }

    public var name: String
    /// e.g. "US East (N. Virginia)".
    public var displayName: String
    /// The domain name of the VPC's default DHCP option set
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSet.html).
    public var dhcpDomain: String
    /// AZ name → AZ id. The mapping is account-specific; this is one plausible mapping.
    public var zoneIDs: [String: String]
    /// The Region's AZ names in order.
    public var zoneNames: [String]
    public var prefixLists: [ManagedPrefixList]
    /// ip-ranges.json's prefixes of the Region, both families, with their service (AMAZON, EC2,
    /// S3, DYNAMODB) (https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html).
    public var ipRanges: [(range: CIDR, service: String)]
    /// Addresses `<service>.<region>.amazonaws.com` resolves to, per service key.
    public var serviceAddresses: [String: [IPAddress]]
    /// IPv6 addresses a service's dual-stack name resolves to, per service key (services with a
    /// dual-stack name only; see ``derive(explicitPool:)``).
    public var serviceIPv6Addresses: [String: [IPAddress]] = [:]
    /// Addresses the Lambda service uses for functions outside any VPC. Assumed: in EC2 ranges; AWS publishes
    /// no Lambda range.
    public var lambdaServiceAddresses: [IPAddress]
    /// Where `public-ip: auto` takes public IPv4 addresses from (an EC2 range of the Region).
    public var publicIPPool: CIDR
    /// Measured average RTT between instances of each AZ pair, by AZ name, in milliseconds.
    public var crossAZRTTMilliseconds: [(String, String, Double)] = []
    public var services: [Service]

    /// One-way cross-AZ medians by AZ name pair: half the measured average RTT.
    public var crossAZOneWay: [(String, String, SimDuration)] {
        crossAZRTTMilliseconds.map { ($0.0, $0.1, SimDuration(nanoseconds: Int64($0.2 * 500_000))) }
    }

    public func prefixList(forService s: String) -> ManagedPrefixList? { prefixLists.first { $0.service == s } }
    public func service(_ key: String) -> Service? { services.first { $0.key == key } }
    public func service(hostname: String) -> Service? { services.first { $0.hostname == hostname } }
    /// The service whose interface endpoints are `com.amazonaws.<region>.<key>`.
    public func service(endpointServiceName n: String) -> Service? { services.first { $0.endpointServiceName == n } }

    // MARK: The catalog

    /// Every Region of the catalog, by name.
    public static var all: [String: RegionCatalog] { loaded.regions }
    /// The Regions' names, sorted.
    public static var names: [String] { loaded.regions.keys.sorted() }
    public static func named(_ region: String) -> RegionCatalog? { loaded.regions[region] }
    public static var usEast1: RegionCatalog { loaded.regions["us-east-1"]! }
    /// `syncToken` and `createDate` of the pinned ip-ranges.json.
    public static var ipRangesVersion: (syncToken: String, createDate: String) { loaded.ipRangesVersion }

    /// Measured average round trip between two Regions in milliseconds (either order), nil for
    /// the same Region or a pair the catalog lacks.
    public static func interRegionRTTMilliseconds(_ a: String, _ b: String) -> Double? {
        loaded.interRegion[a < b ? a + " " + b : b + " " + a]
    }
    /// One way between two Regions: half the measured round trip.
    public static func interRegionOneWay(_ a: String, _ b: String) -> SimDuration? {
        interRegionRTTMilliseconds(a, b).map { SimDuration(nanoseconds: Int64($0 * 500_000)) }
    }

    struct Loaded: Sendable {
        var regions: [String: RegionCatalog]
        var interRegion: [String: Double]
        var ipRangesVersion: (syncToken: String, createDate: String)
    }

    /// Parsed once per process from the package resources; a missing or broken catalog is an
    /// installation defect (the tests load every Region), reported with the file it read.
    static let loaded: Loaded = {
        let yaml = resourceText("regions", "yaml")
        let json = resourceText("ip-ranges", "json")
        do {
            return try parse(yaml: yaml.text, ipRanges: json.text)
        } catch {
            fatalError("vpcsim's Region catalog is broken (\(yaml.path), \(json.path)): \(error)")
        }
    }()

    /// A catalog file's text and path (`Catalog/<name>.<ext>` in the module's resource bundle).
    static func resourceText(_ name: String, _ ext: String) -> (text: String, path: String) {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Catalog") else {
            fatalError(
                "vpcsim's Region catalog file Catalog/\(name).\(ext) is missing from \(Bundle.module.bundlePath)")
        }
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8)
        else { fatalError("cannot read vpcsim's Region catalog file \(url.path)") }
        return (text, url.path)
    }

    struct CatalogError: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads regions.yaml and ip-ranges.json (their texts) into the catalog.
    static func parse(yaml: String, ipRanges json: String) throws -> Loaded {
        func fail(_ s: String) -> CatalogError { CatalogError(description: s) }
        guard let doc = try Yams.load(yaml: yaml) as? [String: Any],
            let regionMap = doc["regions"] as? [String: Any], let serviceMap = doc["services"] as? [String: Any]
        else { throw fail("regions.yaml lacks 'regions' or 'services'") }
        guard let ranges = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let v4 = ranges["prefixes"] as? [[String: String]], let v6 = ranges["ipv6_prefixes"] as? [[String: String]]
        else { throw fail("ip-ranges.json lacks 'prefixes' or 'ipv6_prefixes'") }
        var byRegion: [String: [(range: CIDR, service: String)]] = [:]
        for (entries, key) in [(v4, "ip_prefix"), (v6, "ipv6_prefix")] {
            for e in entries {
                guard let text = e[key], let c = CIDR(text), let r = e["region"], let s = e["service"] else {
                    throw fail("ip-ranges.json: bad entry \(e)")
                }
                byRegion[r, default: []].append((c, s))
            }
        }
        var regions: [String: RegionCatalog] = [:]
        for (name, value) in regionMap {
            guard let r = value as? [String: Any] else { throw fail("regions.\(name) is not a mapping") }
            regions[name] = try region(name, r, services: serviceMap, ranges: byRegion[name] ?? [])
        }
        var inter: [String: Double] = [:]
        for row in doc["inter-region-rtt-ms"] as? [[Any]] ?? [] {
            guard row.count == 3, let a = row[0] as? String, let b = row[1] as? String, let ms = number(row[2]) else {
                throw fail("inter-region-rtt-ms: bad row \(row)")
            }
            inter[a < b ? a + " " + b : b + " " + a] = ms
        }
        return Loaded(
            regions: regions, interRegion: inter,
            ipRangesVersion: (ranges["syncToken"] as? String ?? "", ranges["createDate"] as? String ?? ""))
    }

    static func number(_ v: Any) -> Double? {
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        return nil
    }

    static func region(
        _ name: String, _ r: [String: Any], services serviceMap: [String: Any], ranges: [(range: CIDR, service: String)]
    ) throws -> RegionCatalog {
        func fail(_ s: String) -> CatalogError { CatalogError(description: "regions.\(name): \(s)") }
        func addresses(_ v: Any?) throws -> [IPAddress] {
            try (v as? [String] ?? []).map { s in
                guard let a = IPAddress(s) else { throw fail("'\(s)' is not an address") }
                return a
            }
        }
        guard let zones = r["zones"] as? [String: String], let lists = r["prefix-lists"] as? [String: String] else {
            throw fail("needs 'zones' and 'prefix-lists'")
        }
        var services: [Service] = []
        for key in serviceMap.keys.sorted() {
            guard let s = serviceMap[key] as? [String: Any], let host = s["host"] as? String else {
                throw fail("services.\(key) needs a 'host'")
            }
            services.append(
                Service(
                    key: key, hostname: host.replacingOccurrences(of: "{region}", with: name),
                    signingName: s["signing"] as? String ?? key, gatewayEndpoint: s["gateway"] as? Bool ?? false,
                    interfaceEndpoint: s["interface"] as? Bool ?? false, privateDNS: s["private-dns"] as? Bool ?? false,
                    endpointServiceName: "com.amazonaws.\(name).\(key)",
                    dualStackHostname: (s["dualstack"] as? String)?.replacingOccurrences(of: "{region}", with: name)))
        }
        // The managed prefix lists hold the Region's ranges of their service (ip-ranges.json's
        // DYNAMODB and S3 IPv4 prefixes, merged): what describe-managed-prefix-lists shows is not
        // published elsewhere, and AWS documents the lists as "the IP address ranges" of the service
        // (https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html).
        let prefixLists = try lists.keys.sorted().map { service -> ManagedPrefixList in
            let code = service.uppercased()
            let cidrs = collapse(ranges.filter { $0.service == code && $0.range.isIPv4 }.map(\.range))
            guard !cidrs.isEmpty else { throw fail("ip-ranges.json has no \(code) prefixes for the prefix list") }
            return ManagedPrefixList(
                id: lists[service]!, name: "com.amazonaws.\(name).\(service)", service: service, cidrs: cidrs)
        }
        var pairs: [(String, String, Double)] = []
        for row in r["cross-az-rtt-ms"] as? [[Any]] ?? [] {
            guard row.count == 3, let a = row[0] as? String, let b = row[1] as? String, let ms = number(row[2]) else {
                throw fail("cross-az-rtt-ms: bad row \(row)")
            }
            pairs.append((a, b, ms))
        }
        var c = RegionCatalog(
            name: name, displayName: r["name"] as? String ?? name,
            dhcpDomain: r["dhcp-domain"] as? String ?? "\(name).compute.internal", zoneIDs: zones,
            zoneNames: zones.keys.sorted(), prefixLists: prefixLists, ipRanges: ranges, serviceAddresses: [:],
            lambdaServiceAddresses: try addresses(r["lambda-service-addresses"]),
            publicIPPool: CIDR(base: IPAddress(ipv4: 0), prefixLength: 32), crossAZRTTMilliseconds: pairs,
            services: services)
        for (k, v) in r["service-addresses"] as? [String: Any] ?? [:] { c.serviceAddresses[k] = try addresses(v) }
        if let p = r["public-ip-pool"] as? String {
            guard let pool = CIDR(p) else { throw fail("public-ip-pool '\(p)' is not a CIDR") }
            c.publicIPPool = pool
        }
        c.derive(explicitPool: r["public-ip-pool"] != nil)
        return c
    }

    /// What the Region's entry leaves out, derived from its ip-ranges prefixes (ASSUMED: which
    /// addresses AWS's names resolve to is not published; these are stable, plausible ones):
    /// - a service's addresses: four inside its prefix list (DynamoDB, S3), or inside the
    ///   Region's AMAZON prefixes outside every EC2, S3 and DynamoDB prefix (the other services,
    ///   which ip-ranges.json lists only as AMAZON);
    /// - the Lambda service network's addresses: three in EC2 prefixes;
    /// - the public IP pool: the Region's largest EC2 IPv4 prefix.
    mutating func derive(explicitPool: Bool) {
        let v4 = ipRanges.filter { $0.range.isIPv4 }
        let ec2 = v4.filter { $0.service == "EC2" }.map(\.range).sorted { $0.base < $1.base }
        let others = v4.filter { $0.service != "AMAZON" }.map(\.range)
        let amazon = v4.filter { $0.service == "AMAZON" && $0.range.prefixLength <= 24 }.map(\.range)
            .sorted { $0.base < $1.base }
        for s in services where serviceAddresses[s.key] == nil {
            if let pl = prefixList(forService: s.key) {
                serviceAddresses[s.key] = Self.pick(4, from: pl.cidrs, key: s.key + "@" + name, avoiding: [])
            } else {
                serviceAddresses[s.key] = Self.pick(4, from: amazon, key: s.key + "@" + name, avoiding: others)
            }
        }
        // Dual-stack names' IPv6 addresses (ASSUMED, like the IPv4 ones): two in the Region's S3
        // IPv6 prefixes for S3, two in its AMAZON IPv6 prefixes outside every EC2 and S3 one for
        // the others (ip-ranges.json lists no DYNAMODB or per-service IPv6 prefix besides S3's).
        let v6 = ipRanges.filter { !$0.range.isIPv4 }
        let v6Others = v6.filter { $0.service != "AMAZON" }.map(\.range)
        let v6Amazon = v6.filter { $0.service == "AMAZON" }.map(\.range).sorted { $0.base < $1.base }
        for s in services where s.dualStackHostname != nil && serviceIPv6Addresses[s.key] == nil {
            let own = v6.filter { $0.service == s.key.uppercased() }.map(\.range).sorted { $0.base < $1.base }
            serviceIPv6Addresses[s.key] =
                own.isEmpty
                ? Self.pick(2, from: v6Amazon, key: s.key + "@" + name + "/6", avoiding: v6Others)
                : Self.pick(2, from: own, key: s.key + "@" + name + "/6", avoiding: [])
        }
        if lambdaServiceAddresses.isEmpty {
            lambdaServiceAddresses = Self.pick(3, from: ec2, key: "lambda-service@" + name, avoiding: [])
        }
        if !explicitPool, let largest = ec2.min(by: { $0.prefixLength < $1.prefixLength }) {
            publicIPPool = largest
        }
    }

    /// `count` distinct addresses inside `ranges` (none in `avoiding`, none a block's first or
    /// last), chosen by a hash of `key`: the same catalog always gives the same ones.
    static func pick(_ count: Int, from ranges: [CIDR], key: String, avoiding: [CIDR]) -> [IPAddress] {
        guard !ranges.isEmpty else { return [] }
        var out: [IPAddress] = []
        var h = FNV1a64.hash(key.utf8)
        var tries = 0
        while out.count < count && tries < 10_000 {
            tries += 1
            h = SplitMix64.mix(h &+ 0x9E37_79B9_7F4A_7C15)
            let c = ranges[Int(h % UInt64(ranges.count))]
            let size = c.size
            let a = size > 2 ? c.address(at: 1 + (h >> 20) % (size - 2)) : c.base
            if avoiding.contains(where: { $0.contains(a) }) || out.contains(a) { continue }
            out.append(a)
        }
        return out
    }

    /// IPv4 prefixes with nested ones dropped and sibling halves merged (as Python's
    /// `ipaddress.collapse_addresses`), sorted.
    static func collapse(_ cidrs: [CIDR]) -> [CIDR] {
        var blocks = cidrs.map { (base: $0.base.ipv4Raw, length: $0.prefixLength) }.sorted {
            ($0.base, $0.length) < ($1.base, $1.length)
        }
        var changed = true
        while changed {
            changed = false
            var out: [(base: UInt32, length: Int)] = []
            for b in blocks {
                if let last = out.last {
                    let lastEnd = UInt64(last.base) + (UInt64(1) << (32 - last.length))
                    if UInt64(b.base) < lastEnd { changed = true; continue } // inside the previous block
                    if last.length == b.length && last.length > 0 && UInt64(b.base) == lastEnd
                        && last.base & (UInt32(1) << (32 - last.length)) == 0
                    {
                        out[out.count - 1] = (last.base, last.length - 1)
                        changed = true
                        continue
                    }
                }
                out.append(b)
            }
            blocks = out
        }
        return blocks.map { CIDR(base: IPAddress(ipv4: $0.base), prefixLength: $0.length) }
    }
}
