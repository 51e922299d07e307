import SimCore
import Wire
import NetModel

/// RFC 793 connection states (LISTEN is kept by listeners, not sockets).
public enum TCPState: UInt8, Sendable {
    case closed, synSent, synReceived, established, finWait1, finWait2, closing, timeWait, closeWait, lastAck
}

/// Which application object owns a socket: the composition root routes notifications by it.
public struct AppRef: Hashable, Sendable {
    public var kind: UInt8
    public var object: UInt32
    public init(kind: UInt8, object: UInt32) { self.kind = kind; self.object = object }
    public static let none = AppRef(kind: 0, object: .max)
}

/// One end of a TCP connection.
///
/// Sequence space is kept as 64-bit offsets from the initial sequence number (0 = SYN,
/// 1…n = data bytes, n+1 = FIN), so stream offsets never wrap; the 32-bit wire numbers are
/// derived when a segment is built.
public struct TCPSocket: Sendable {
    // The 16-byte addresses first, so they leave no padding.
    public internal(set) var local: IPAddress
    public internal(set) var remote: IPAddress
    public internal(set) var state: TCPState = .closed
    public internal(set) var host: HostIndex
    public internal(set) var owner: AppRef
    /// Simulation tag shared by both ends of the connection (see `Packet.connection`).
    public internal(set) var connection: UInt32
    /// Which end this is: the one that connected or the one that accepted.
    public internal(set) var origin: StreamOrigin
    /// The byte stream this end sends (its chunks are in the observation log).
    public var sendStream: StreamID { StreamID(connection: connection, origin: origin) }
    public internal(set) var localPort: UInt16
    public internal(set) var remotePort: UInt16
    public internal(set) var realm: UInt32
    /// Ground-truth traffic label stamped on every segment (datasets; 0 = normal).
    public internal(set) var label: UInt8 = 0
    /// The stack's profile this socket follows (`TCPStack.profiles`): an index, so a socket stays
    /// small to copy.
    var profileIndex: Int

    // Send side.
    var iss: UInt32 = 0
    var sndUna: UInt64 = 0
    var sndNxt: UInt64 = 0
    /// Highest sequence offset sent (sndNxt goes back on a retransmission timeout).
    var sndMax: UInt64 = 0
    /// Bytes written by the application so far.
    public internal(set) var written: UInt64 = 0
    var finQueued = false
    var sndWnd: UInt64 = 0
    var sndShift: UInt8 = 0
    var sendMSS = 536
    var cwnd = 0
    var ssthresh = Int.max
    /// When data was last sent (Linux `lsndtime`, for slow-start restart after idle); negative
    /// before any.
    var lastDataSent = SimTime(nanoseconds: -1)
    /// Linux's cwnd validation (`tcp_cwnd_validate`): the most bytes in flight in the current
    /// window of data, where that window ends, and (`cwndLimited`, below) whether the congestion
    /// window limited it.
    var cwndUsageEnd: UInt64 = 0
    var maxInFlight: Int32 = 0
    /// Nagle's algorithm is on (the socket has no TCP_NODELAY), and the end of the last
    /// sub-MSS segment sent (Linux `snd_sml`, for Minshall's variant).
    var smallSegmentEnd: UInt64 = 0
    // Receive side.
    var irs: UInt32 = 0
    var rcvNxt: UInt64 = 0
    /// In-order bytes received and handed to the application.
    public internal(set) var received: UInt64 = 0
    var rcvShift: UInt8 = 0
    /// The window advertised now (Linux `rcv_ssthresh`), and the most it may grow to
    /// (`window_clamp`, raised by receive-buffer autotuning).
    var rcvWindow = 0
    var rcvClamp = 0
    /// Autotuning's measurement (`rcvq_space`): bytes read in the last round trip, and where and
    /// when the current round trip's count began.
    var rcvSpace = 0
    var rcvSpaceMark: UInt64 = 0
    var rcvSpaceTime = SimTime.zero
    var finReceived = false
    // Options.
    var timestamps = false
    var sack = false
    var tsRecent: UInt32 = 0
    var tsOffset: UInt32 = 0
    // RTT and retransmission (RFC 6298, Linux bounds).
    var srtt: Int64 = 0
    var rttvar: Int64 = 0
    var rto: Int64 = 0
    var rttSample: (end: UInt64, sent: SimTime)?
    var retransmitted = false
    var retries = 0
    var synRetransmitted = false
    /// When the socket last answered an out-of-window segment (see `outOfWindowReplyAllowed`).
    var lastOutOfWindowReply: SimTime?
    /// When the armed delayed-ACK timer fires (its generation is in `TCPStack.ackTimers`).
    var ackDeadline = SimTime.zero
    /// Counted in `TCPStack.liveSockets` (not closed, not in TIME-WAIT).
    var live = true
    // Delayed ACK.
    var quickAcks = 0
    var unackedBytes = 0
    var lastReceive = SimTime.zero
    var ipID: UInt16 = 0
    /// Nagle's algorithm is on; the current window was cwnd-limited (see above).
    var nagle = false
    var cwndLimited = false

    init(
        host: HostIndex, owner: AppRef, connection: UInt32, origin: StreamOrigin, local: IPAddress,
        localPort: UInt16, remote: IPAddress, remotePort: UInt16, realm: UInt32, profileIndex: Int
    ) {
        self.host = host; self.owner = owner; self.connection = connection; self.origin = origin
        self.local = local; self.localPort = localPort; self.remote = remote; self.remotePort = remotePort
        self.realm = realm; self.profileIndex = profileIndex
    }

    func seq(_ offset: UInt64) -> UInt32 { iss &+ UInt32(truncatingIfNeeded: offset) }

    /// Bytes written but not yet acknowledged by the peer.
    public var unacknowledged: UInt64 { written + 1 - min(sndUna, written + 1) }
    public var isOpen: Bool { state == .established || state == .closeWait }
}
