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
        lambdaEnvironment: .linuxLambda, instance: .linuxInstance, database: .linuxInstance,
        awsFrontEnd: .awsFrontEnd, platform: .linuxInstance, internet: .linuxInternet)

    public subscript(role: HostRole) -> TCPProfile {
        switch role {
        case .lambdaEnvironment: return lambdaEnvironment
        case .instance: return instance
        case .database: return database
        case .awsFrontEnd: return awsFrontEnd
        case .platform: return platform
        case .internet: return internet
        }
    }
}

extension World {
    /// Attaches a host to the network and gives its TCP stack the profile of what it is. Every
    /// host of a run is added here.
    public mutating func addHost(_ attachment: HostAttachment, role: HostRole) -> HostIndex {
        let h = network.addHost(attachment)
        tcp.setProfile(hostProfiles[role], for: h)
        return h
    }
}
