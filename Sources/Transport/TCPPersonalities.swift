// The stacks of hosts on the internet, as their SYNs show them. Values from p0f's fingerprint
// database (https://github.com/p0f/p0f/blob/master/p0f.fp), FoxIO's JA4T mapping
// (https://github.com/FoxIO-LLC/ja4/blob/main/ja4plus-mapping.csv) and SYNs captured for this
// project; what no source gives is marked assumed.

extension TCPProfile {
    /// Windows 10/11 and Server: TTL 128, window 64240, MSS 1460, window scale 8, SACK, no
    /// timestamps, options "mss, nop, ws, nop, nop, sackOK" (JA4T 64240_2-1-3-1-1-4_1460_8 in the
    /// FoxIO mapping; p0f "Windows 7 or 8" has the same layout). Ephemeral ports 49152–65535, the
    /// Windows default since Vista
    /// (learn.microsoft.com/en-us/troubleshoot/windows-server/networking/default-dynamic-port-range-tcpip-chang).
    /// Delayed ACKs: a 200 ms timer and an ACK for every second full segment (`TcpAckFrequency`
    /// 2), Windows' defaults (learn.microsoft.com/en-us/troubleshoot/windows-server/networking/
    /// registry-entry-control-tcp-acknowledgment-behavior);
    /// no Linux-style quick-ACK mode after idle (assumed: Windows documents none). The SYN-ACK's
    /// IP ID comes from the counter like other segments (assumed: only Linux is known to zero it).
    /// Other timers and the initial window: assumed Linux's (no packet in a capture shows them).
    public static let windows: TCPProfile = {
        var p = linuxInternet
        p.ttl = 128
        p.synWindow = 64240
        p.receiveWindow = 64240 * 4
        p.maxReceiveWindow = nil
        p.windowScale = 8
        p.timestamps = false
        p.optionLayout = .windows
        p.ephemeralPorts = 49152...65535
        p.delayedAck = .milliseconds(200)
        p.maxQuickAcks = 0
        p.zeroIPIDOnSYNACK = false
        return p
    }()

    /// macOS and iOS (XNU): TTL 64, window 65535, MSS 1460, window scale 6, timestamps, SACK,
    /// options "mss, nop, ws, nop, nop, ts, sackOK, eol, eol" (JA4T
    /// 65535_2-1-3-1-1-8-4-0-0_1460_6 in the FoxIO mapping). Ephemeral ports 49152–65535 (XNU's
    /// `net.inet.ip.portrange.first`/`last` defaults, bsd/netinet/in_pcb.c `ipport_firstauto`).
    /// Delayed ACKs: a 100 ms timer, the BSD fast timer XNU's `tcp_delack` runs on (assumed from
    /// the BSD lineage, not measured); no zeroed SYN-ACK IP ID (assumed, as for Windows).
    public static let apple: TCPProfile = {
        var p = linuxInternet
        p.synWindow = 65535
        p.receiveWindow = 65535 * 4
        p.maxReceiveWindow = nil
        p.windowScale = 6
        p.optionLayout = .apple
        p.ephemeralPorts = 49152...65535
        p.resetsUnknownSegments = true
        p.delayedAck = .milliseconds(100)
        p.zeroIPIDOnSYNACK = false
        return p
    }()

    /// Android: a Linux kernel, so Linux's SYN (p0f files Android under Linux with the same
    /// layout); window and scale as the Linux internet host (inferred, no current capture).
    public static let android: TCPProfile = linuxInternet

    /// An RDS database host: RDS runs each DB instance on an EC2 instance class
    /// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.html)
    /// behind an ENI in the VPC, and its engines run on Linux, so it answers with the EC2 Linux
    /// stack at the VPC's MTU 9001: SYN-ACK window 62727, scale 7, TTL 64 unlowered (same
    /// VPC), IP ID 0 on the SYN-ACK. The MTU and the kernel's buffer defaults are assumed (RDS
    /// documents neither).
    public static let rdsInstance: TCPProfile = linuxInstance

    /// An Elastic Load Balancing node (an ALB's, on both of its sides: the SYN-ACK to a client and
    /// the SYN to a target). ASSUMED throughout but for the source ports: no public capture of an
    /// ALB's SYN-ACK or SYN was found (searched: JA4TS/p0f data, packet traces of
    /// *.elb.amazonaws.com). Load balancer nodes run on EC2 capacity in an AWS-managed account
    /// behind a requester-managed ENI in the customer's subnet
    /// (https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html),
    /// so the EC2 Linux stack is assumed: MSS 8961 at the VPC's 9001-byte MTU (toward an internet
    /// client the client's 1460 bounds every segment), window 62727 with scale 7, timestamps,
    /// SACK, TTL 64, IP ID 0 on the SYN-ACK. Source ports toward targets 1024–65535: "Elastic
    /// Load Balancing uses ports 1024-65535" in the ephemeral-ports list of
    /// https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html#nacl-ephemeral-ports.
    public static let elbNode: TCPProfile = {
        var p = linuxInstance
        p.ephemeralPorts = 1024...65535
        return p
    }()
}
