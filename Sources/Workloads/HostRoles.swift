import NetModel
import Transport

/// What a host is. How it behaves on the wire follows from this, through ``HostProfiles``, and is
/// decided once, when the host is added (``World/addHost(_:role:)``); connect and listen then use
/// the host's own profile.
public enum HostRole: Sendable, Hashable, CaseIterable {
    /// A Lambda execution environment: a Firecracker microVM running Linux, behind a Hyperplane
    /// ENI or, for a function outside any VPC, in the Lambda service's own network.
    case lambdaEnvironment
    /// An EC2 instance.
    case instance
    /// A database instance (RDS for PostgreSQL).
    case database
    /// An AWS service front end (DynamoDB, S3).
    case awsFrontEnd
    /// A VPC's platform services: Amazon DNS, instance metadata, Time Sync and DHCP.
    case platform
    /// A client, server or scanner on the internet.
    case internet
    /// An Elastic Load Balancing node behind its ENI (LoadBalancing.swift).
    case loadBalancer
}

/// The TCP profile each kind of host runs: the one table that chooses a host's TCP behaviour.
/// A run may change an entry before its hosts are added (``World/hostProfiles``). When hosts get
/// personalities of their own (other operating systems, a mix for an internet population), they
/// are entries here, not new call sites.
public struct HostProfiles: Sendable {
    public var lambdaEnvironment: TCPProfile
    public var instance: TCPProfile
    public var database: TCPProfile
    public var awsFrontEnd: TCPProfile
    public var platform: TCPProfile
    public var internet: TCPProfile
    /// Elastic Load Balancing nodes (Transport's `TCPProfile.elbNode`).
    public var loadBalancer = TCPProfile.elbNode
    /// The operating systems of an internet population's addresses, by weight (a topology's
    /// `os-mix` replaces it per population).
    public var internetMix: [InternetOS: Int] = InternetOS.defaultMix
    /// Routers between an internet host and the Region, drawn per address: its TTL arrives lowered
    /// by as many. Assumed: 8–20, the spread of hop counts traceroutes across the internet show;
    /// no source gives a distribution toward AWS.
    public var internetHops = 8...20
    /// Routers between an AWS service front end and a VPC of its Region, drawn per front-end
    /// address: its TTL arrives lowered by as many. ASSUMED: 2–6 (an edge and a few aggregation
    /// hops inside the Region; AWS publishes no topology and no capture was found).
    public var awsFrontEndHops = 2...6
    /// The same for a front end of another Region, reached across AWS's backbone. ASSUMED: 8–14.
    public var remoteRegionHops = 8...14

    public init(
        lambdaEnvironment: TCPProfile, instance: TCPProfile, database: TCPProfile, awsFrontEnd: TCPProfile,
        platform: TCPProfile, internet: TCPProfile
    ) {
        self.lambdaEnvironment = lambdaEnvironment; self.instance = instance; self.database = database
        self.awsFrontEnd = awsFrontEnd; self.platform = platform; self.internet = internet
    }

    /// Linux everywhere but at AWS's service front ends. RDS and the VPC's metadata service run
    /// the EC2 Linux profile; internet hosts run Linux at a 1500-byte MTU.
    public static let standard = HostProfiles(
        lambdaEnvironment: .linuxLambda, instance: .linuxInstance, database: .rdsInstance,
        awsFrontEnd: .awsFrontEnd, platform: .linuxInstance, internet: .linuxInternet)

    public subscript(role: HostRole) -> TCPProfile {
        switch role {
        case .lambdaEnvironment: return lambdaEnvironment
        case .instance: return instance
        case .database: return database
        case .awsFrontEnd: return awsFrontEnd
        case .platform: return platform
        case .internet: return internet
        case .loadBalancer: return loadBalancer
        }
    }
}

/// The operating systems of internet hosts (Transport's `TCPPersonalities`).
public enum InternetOS: String, Sendable, Hashable, CaseIterable, Comparable {
    case windows, linux, macos, ios, android

    public var profile: TCPProfile {
        switch self {
        case .windows: return .windows
        case .linux: return .linuxInternet
        case .macos, .ios: return .apple
        case .android: return .android
        }
    }

    /// Assumed, rounded from StatCounter's worldwide operating-system shares of web traffic
    /// (https://gs.statcounter.com/os-market-share, all platforms, 2025): Android 40, Windows 30,
    /// iOS 17, macOS 8, Linux and the rest 5.
    public static let defaultMix: [InternetOS: Int] = [.android: 40, .windows: 30, .ios: 17, .macos: 8, .linux: 5]

    public static func < (a: InternetOS, b: InternetOS) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

extension World {
    /// Attaches a host to the network and gives its TCP stack the profile of what it is. Every
    /// host of a run is added here. An internet host stands for a population: each of its
    /// addresses draws an operating system from `mix` (default ``HostProfiles/internetMix``) and a
    /// hop count (``HostProfiles/internetHops``).
    ///
    /// An AWS front end also stands for a fleet: each of its addresses keeps a hop count drawn
    /// from `hops` (default ``HostProfiles/awsFrontEndHops``), by which its TTL arrives lowered.
    public mutating func addHost(
        _ attachment: HostAttachment, role: HostRole, mix: [InternetOS: Int]? = nil, hops: ClosedRange<Int>? = nil
    ) -> HostIndex {
        let h = network.addHost(attachment)
        tcp.setProfile(hostProfiles[role], for: h)
        if role == .awsFrontEnd {
            tcp.setPersonalities(
                [WeightedProfile(hostProfiles.awsFrontEnd, weight: 1)], hops: hops ?? hostProfiles.awsFrontEndHops,
                for: h)
        }
        if role == .internet {
            // In a fixed order (a dictionary's would reach the draws).
            let entries = (mix ?? hostProfiles.internetMix).sorted { $0.key < $1.key }.filter { $0.value > 0 }
                .map { WeightedProfile($0.key.profile, weight: $0.value) }
            if !entries.isEmpty { tcp.setPersonalities(entries, hops: hostProfiles.internetHops, for: h) }
        }
        return h
    }
}
