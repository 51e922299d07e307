import SimCore
import Wire

/// AWS facts vpcsim carries for a Region: AZ ids, AWS-managed prefix lists, public address
/// ranges by service, and the addresses service endpoints resolve to. Snapshots, not ground
/// truth: a topology file can override each (current entries: `aws ec2 get-managed-prefix-list-entries`,
/// https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html).
public struct RegionCatalog: Sendable {
    public struct ManagedPrefixList: Sendable {
        public var id: String
        public var name: String
        public var service: String
        public var cidrs: [CIDR]
    }
    public var name: String
    /// AZ name → AZ id. The mapping is account-specific; this is one plausible mapping.
    public var zoneIDs: [String: String]
    public var prefixLists: [ManagedPrefixList]
    /// ip-ranges.json service subsets (https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html).
    public var ipRanges: [(range: CIDR, service: String)]
    /// Addresses `<service>.<region>.amazonaws.com` resolves to (inside the service's prefix list).
    public var serviceAddresses: [String: [IPAddress]]
    /// Addresses the Lambda service uses for functions outside any VPC. Assumed: in EC2 ranges; AWS publishes
    /// no Lambda range.
    public var lambdaServiceAddresses: [IPAddress]
    /// Where `public-ip: auto` takes public IPv4 addresses from (an EC2 range of the Region).
    public var publicIPPool = CIDR(base: IPv4Address(3, 80, 0, 0), prefixLength: 12)
    /// Measured average RTT between instances of each AZ pair, by AZ name, in milliseconds.
    public var crossAZRTTMilliseconds: [(String, String, Double)] = []
    /// One-way cross-AZ medians by AZ name pair: half the measured average RTT.
    public var crossAZOneWay: [(String, String, SimDuration)] {
        crossAZRTTMilliseconds.map { ($0.0, $0.1, SimDuration(nanoseconds: Int64($0.2 * 500_000))) }
    }

    static func cidr(_ s: String) -> CIDR { CIDR(s)! }
    static func ip(_ s: String) -> IPAddress { IPAddress(s)! }

    /// us-east-1, from public snapshots: IDs as `aws ec2 describe-prefix-lists` shows them, CIDRs from
    /// ip-ranges.json (https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html) and moto's
    /// defaults (https://github.com/getmoto/moto):
    /// - `pl-02cd2c6b` com.amazonaws.us-east-1.dynamodb: the union of the describe-prefix-lists,
    ///   moto and ip-ranges snapshots, 52.119.224.0/21 + 52.119.232.0/21 merged into /20;
    /// - `pl-63a5400a` com.amazonaws.us-east-1.s3: moto's list.
    public static let usEast1 = RegionCatalog(
        name: "us-east-1",
        zoneIDs: [
            "us-east-1a": "use1-az1", "us-east-1b": "use1-az2", "us-east-1c": "use1-az4",
            "us-east-1d": "use1-az6", "us-east-1e": "use1-az3", "us-east-1f": "use1-az5",
        ],
        prefixLists: [
            ManagedPrefixList(
                id: "pl-02cd2c6b", name: "com.amazonaws.us-east-1.dynamodb", service: "dynamodb",
                cidrs: ["3.218.180.0/22", "35.71.68.0/22", "52.94.0.0/22", "52.119.224.0/20"].map(cidr)),
            ManagedPrefixList(
                id: "pl-63a5400a", name: "com.amazonaws.us-east-1.s3", service: "s3",
                cidrs: ["3.5.0.0/19", "52.216.0.0/15", "54.231.0.0/16"].map(cidr)),
        ],
        ipRanges: [
            ("3.218.180.0/22", "DYNAMODB"), ("35.71.68.0/22", "DYNAMODB"), ("52.94.0.0/22", "DYNAMODB"),
            ("52.119.224.0/20", "DYNAMODB"),
            ("3.5.0.0/19", "S3"), ("52.216.0.0/15", "S3"), ("54.231.0.0/16", "S3"),
            ("3.208.0.0/12", "EC2"), ("3.80.0.0/12", "EC2"), ("3.80.0.0/12", "AMAZON"), ("34.192.0.0/12", "EC2"),
            ("44.192.0.0/11", "EC2"), ("54.144.0.0/12", "EC2"),
            ("3.208.0.0/12", "AMAZON"), ("34.192.0.0/12", "AMAZON"), ("35.71.64.0/18", "AMAZON"),
            ("44.192.0.0/11", "AMAZON"), ("52.94.0.0/16", "AMAZON"), ("52.119.0.0/16", "AMAZON"),
            ("52.216.0.0/15", "AMAZON"), ("54.144.0.0/12", "AMAZON"), ("54.231.0.0/16", "AMAZON"),
            ("3.5.0.0/16", "AMAZON"),
        ].map { (cidr($0.0), $0.1) },
        serviceAddresses: [
            "dynamodb": [
                "3.218.182.212", "3.218.180.88", "3.218.181.130", "52.94.0.74", "52.94.2.80",
                "52.119.224.190", "52.119.233.46", "35.71.69.18",
            ].map(ip),
            "s3": ["52.216.10.44", "52.217.96.12", "54.231.129.8", "3.5.8.150"].map(ip),
        ],
        lambdaServiceAddresses: ["3.214.7.91", "34.197.201.36", "44.205.12.77"].map(ip),
        // Average ICMP RTT (ms) between instances of each AZ pair, June 2019, AZ names of the
        // author's account (R. Imaoka,
        // github.com/richardimaoka/blog-en at bfc5f9a, posts/network-latency-analysis-with-ping-aws-single-region.md):
        // a plausible set of pair distances, not the distances of these names in every account.
        crossAZRTTMilliseconds: [
            ("us-east-1a", "us-east-1b", 0.807), ("us-east-1a", "us-east-1c", 0.962),
            ("us-east-1a", "us-east-1d", 1.259),
            ("us-east-1a", "us-east-1e", 0.876), ("us-east-1a", "us-east-1f", 1.143),
            ("us-east-1b", "us-east-1c", 0.79),
            ("us-east-1b", "us-east-1d", 0.835), ("us-east-1b", "us-east-1e", 0.952),
            ("us-east-1b", "us-east-1f", 1.022),
            ("us-east-1c", "us-east-1d", 0.657), ("us-east-1c", "us-east-1e", 0.972),
            ("us-east-1c", "us-east-1f", 0.863),
            ("us-east-1d", "us-east-1e", 1.196), ("us-east-1d", "us-east-1f", 0.969),
            ("us-east-1e", "us-east-1f", 0.971),
        ])

    public static func named(_ region: String) -> RegionCatalog? { region == "us-east-1" ? usEast1 : nil }

    public func prefixList(forService s: String) -> ManagedPrefixList? { prefixLists.first { $0.service == s } }
}
