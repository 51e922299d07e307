import SimCore
import Wire

/// How one kind of host's TCP stack behaves: Linux (a Lambda microVM, an EC2 instance) or an AWS
/// service front end. Which host runs which is decided once, when the host is added (Workloads'
/// `HostProfiles`); the stack keeps each host's profile.
public struct TCPProfile: Sendable, Equatable {
    /// MSS sent in the SYN: MTU − 40.
    public var mss: UInt16
    /// Receive window advertised in the SYN (never scaled) and the receive space after it.
    public var synWindow: UInt16
    public var receiveWindow: Int
    /// Receive-buffer autotuning (Linux "dynamic right-sizing", `tcp_rcv_space_adjust`): the
    /// largest window it may grow to, or nil for a fixed `receiveWindow`.
    public var maxReceiveWindow: Int? = nil
    public var windowScale: UInt8?
    public var sackPermitted: Bool
    public var timestamps: Bool
    public var initialCongestionWindow: Int // segments
    public var initialRTO: SimDuration
    /// RTO after a retransmitted SYN: Linux falls back to 3 s (RFC 6298 §5.7).
    public var fallbackRTO: SimDuration
    public var minRTO: SimDuration
    public var maxRTO: SimDuration
    public var synRetries: Int
    public var synAckRetries: Int
    /// Linux ≥ 6.5 `tcp_syn_linear_timeouts`: this many SYN retransmits at a fixed 1 s RTO before doubling.
    public var synLinearTimeouts: Int
    public var delayedAck: SimDuration
    public var maxQuickAcks: Int
    public var timeWait: SimDuration
    public var ttl: UInt8
    /// IPv4 ID: a per-socket counter starting at a random value (Linux, DF set), or always 0.
    public var perSocketIPID: Bool
    /// Ephemeral source ports.
    public var ephemeralPorts: ClosedRange<UInt16>
    /// Answer a segment for which no socket exists with a RST (Linux), or drop it silently.
    public var resetsUnknownSegments: Bool
    /// TSval ticks per second (Linux: 1000).
    public var timestampHz: Int64
    /// Segments arriving within this time are acknowledged together: receive offloads (GRO)
    /// hand a burst to TCP as one, so one ACK answers it.
    public var ackCoalescing = SimDuration.microseconds(12)
    /// Slow-start restart: a sender idle for longer than its RTO restarts from the initial
    /// window (Linux `tcp_slow_start_after_idle`, default 1: include/net/tcp.h
    /// `tcp_slow_start_after_idle_check`, net/ipv4/tcp_output.c `tcp_cwnd_restart`; RFC 5681 §4.1
    /// "Restarting Idle Connections" says every TCP SHOULD).
    public var slowStartAfterIdle = true
    /// The order of the SYN's and SYN-ACK's options (Linux's, Windows', Apple's).
    public var optionLayout = TCPOptionLayout.linux
    /// The SYN-ACK goes out with IP ID 0 (and DF), whatever the socket's counter: Linux builds it
    /// with `ip_build_and_send_pkt` (net/ipv4/ip_output.c), which writes ID 0 when DF is set;
    /// captured on Linux 6.18 for this project (SYN-ACK ID 0, DF). Later segments use the
    /// socket's counter (`perSocketIPID`).
    public var zeroIPIDOnSYNACK = false

    /// A Linux client as in a Lambda microVM (Linux include/net/tcp.h; SYN backoff: net/ipv4/tcp_timer.c):
    /// initial RTO 1 s, RTO min 200 ms, max 120 s, `tcp_syn_retries` 6 (SYNs at 0, 1, 3, 7, 15,
    /// 31, 63 s before 6.5), 10-segment initial window, delayed ACK ≥ 40 ms, up to 16 quick ACKs,
    /// TIME-WAIT 60 s, TTL 64, DF with a per-socket IP ID. The Hyperplane ENI MTU is not documented;
    /// assumed 9001 as inside a VPC (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/network_mtu.html), giving MSS
    /// 8961 and a SYN window of 7 × 8961 = 62727, as Amazon Linux 2 sends
    /// (https://github.com/FoxIO-LLC/ja4/blob/main/ja4plus-mapping.csv). Lambda picks source ports in 1024–65535
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html, ephemeral ports).
    public static let linuxLambda: TCPProfile = {
        var p = TCPProfile(
            mss: 8961, synWindow: 62727, receiveWindow: 62727, windowScale: 7, sackPermitted: true, timestamps: true,
            initialCongestionWindow: 10, initialRTO: .seconds(1), fallbackRTO: .seconds(3),
            minRTO: .milliseconds(200), maxRTO: .seconds(120), synRetries: 6, synAckRetries: 5, synLinearTimeouts: 0,
            delayedAck: .milliseconds(40), maxQuickAcks: 16, timeWait: .seconds(60), ttl: 64, perSocketIPID: true,
            ephemeralPorts: 1024...65535, resetsUnknownSegments: false, timestampHz: 1000)
        p.maxReceiveWindow = linuxMaxReceiveWindow
        p.zeroIPIDOnSYNACK = true
        return p
    }()

    /// Linux grows the receive buffer toward `tcp_rmem[2]` (6 MiB by default) as the
    /// application reads, and advertises half of it (`tcp_adv_win_scale` = 1; Linux net/ipv4/tcp.c, tcp_init;
    /// include/net/tcp.h, tcp_win_from_space; the same halving gives the SYN window): windows of up to 3 MiB.
    public static let linuxMaxReceiveWindow = 6_291_456 / 2

    /// A Linux EC2 instance (MTU 9001, Linux ephemeral range 32768–60999).
    public static let linuxInstance: TCPProfile = {
        var p = linuxLambda
        p.ephemeralPorts = 32768...60999
        p.resetsUnknownSegments = true
        return p
    }()

    /// A Linux host on the internet: an ordinary 1500-byte Ethernet MTU, so MSS 1460 and a SYN
    /// window of 44 × 1460 = 64240 with the 6 MiB `tcp_rmem` default's window scale 7 (a Linux 6.18
    /// SYN captured at MTU 1500 for this project; the Linux row of p0f's
    /// https://github.com/p0f/p0f/blob/master/p0f.fp has the same mss*44 window). The internet path
    /// is limited to 1500 bytes whatever the VPC side uses
    /// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/network_mtu.html, "Jumbo frames"): the
    /// MSS each side announces keeps a TCP connection through an internet gateway within it.
    public static let linuxInternet: TCPProfile = {
        var p = linuxInstance
        p.mss = 1460
        p.synWindow = 64240
        p.receiveWindow = 64240
        return p
    }()

    /// The SYN-ACK of an AWS service front end (DynamoDB, S3, SQS, STS, an interface endpoint's
    /// service). No public capture of one was found (searched: JA4TS/p0f data and packet traces
    /// of *.amazonaws.com), so all of it is ASSUMED but for the timestamps: MSS 1460 toward
    /// clients (an MTU of 1500 at the edge), window 26883 with scale 6, SACK permitted, and **no TCP
    /// timestamps**, as a 2017 client-side capture of S3 downloads shows
    /// (https://www.snellman.net/blog/archive/2017-07-20-s3-mystery/: S3's connections ran without
    /// timestamps while other AWS hosts' had them). Initial TTL 64 (assumed: a Linux-based
    /// fleet); it arrives lowered by the routers between the front end and the VPC
    /// (`HostProfiles.awsFrontEndHops`). IP ID: a per-socket counter, the SYN-ACK included
    /// (assumed; nothing shows whether the fleet zeroes it as Linux does).
    public static let awsFrontEnd = TCPProfile(
        mss: 1460, synWindow: 26883, receiveWindow: 26883 * 16, windowScale: 6, sackPermitted: true, timestamps: false,
        initialCongestionWindow: 10, initialRTO: .seconds(1), fallbackRTO: .seconds(3),
        minRTO: .milliseconds(200), maxRTO: .seconds(120), synRetries: 6, synAckRetries: 5, synLinearTimeouts: 0,
        delayedAck: .milliseconds(40), maxQuickAcks: 16, timeWait: .seconds(60), ttl: 64, perSocketIPID: true,
        ephemeralPorts: 32768...60999, resetsUnknownSegments: true, timestampHz: 1000)
}
