import SimCore
import Wire
import Transport

/// The application view of one connection: the messages each side has written, by the stream
/// offset where each ends. A side's application learns a message is complete when its socket has
/// received up to that offset — the framing a real peer gets by parsing bytes, without bytes.
struct Channel: Sendable {
    enum Message: Sendable, Equatable {
        case clientHello
        case serverFlight
        case clientFinished
        /// TLS 1.2: the server's ChangeCipherSpec and Finished (the client may then send data).
        case serverFinished
        /// TLS 1.3: the server's NewSessionTickets have arrived (the client's cache takes them).
        case sessionTickets
        case request(UInt32) // request slot
        case response(UInt32)
        case closeNotify
        case databaseRequest(UInt32)
        case databaseResponse(UInt32)
        case pgSSLRequest
        case pgSSLAccept
        /// A generated session's request (`UInt32` = bytes the server answers with).
        case sessionRequest(UInt32)
        case sessionResponse
        /// A plaintext exchange (instance metadata): the step.
        case textRequest(UInt32)
        case textResponse(UInt32)
    }
    struct Queue: Sendable {
        var items: [(end: UInt64, message: Message)] = []
        var head = 0
        mutating func push(_ end: UInt64, _ m: Message) {
            if head > 32 && head * 2 > items.count { items.removeFirst(head); head = 0 }
            items.append((end, m))
        }
        /// The next message if the receiver has `received` bytes of the stream.
        mutating func pop(upTo received: UInt64) -> Message? {
            guard head < items.count, items[head].end <= received else { return nil }
            head += 1
            return items[head - 1].message
        }
        var isEmpty: Bool { head >= items.count }
    }

    var clientSocket: UInt32
    var serverSocket: UInt32 = .max
    var client: AppRef
    var server: AppRef = .none
    var toServer = Queue()
    var toClient = Queue()
    var seed: UInt64
    var records: UInt32 = 0
    /// The connection's TLS handshake plan (an index into `World.tlsPlans`), -1 before the ClientHello.
    var plan: Int32 = -1
    /// Bytes a protected record adds to its plaintext under the connection's negotiated version
    /// and suite (TLS 1.3: 17), copied from the plan so writing a record needs no plan lookup.
    var recordOverhead: UInt8 = UInt8(TLSCiphertext.overhead)
    /// Sequence number of the next protected record each way (RFC 8446 §5.3, RFC 5246 §6.1).
    var sequenceToServer: UInt32 = 0
    var sequenceToClient: UInt32 = 0
    /// Application-data records and plaintext bytes the client has sent, for a client that
    /// sizes records dynamically (Go's `packetsSent` and `bytesSent`, crypto/tls/conn.go).
    var dynamicRecords: UInt32 = 0
    var dynamicBytes: UInt32 = 0
    /// What the server was asked and has not answered yet (its processing delay is running).
    var pending: PendingWork = .none
    /// TLS resumption: the ticket offer the ClientHello made (1-based, 0 none), the hellos'
    /// seeds (what a ticket from this connection is derived from), and the client's session
    /// cache slot that takes this connection's tickets (-1: the client keeps none).
    var offer: UInt32 = 0
    var serverName: UInt32 = 0
    var helloSeed: UInt32 = 0
    var serverHelloSeed: UInt64 = 0
    var ticketCache: Int32 = -1

    /// A seed for the next TLS record's filler bytes.
    mutating func nextSeed() -> UInt64 {
        records &+= 1
        return SplitMix64.halfMix(seed &+ UInt64(records) &* SplitMix64.gamma)
    }
}

/// A server's work in progress on one connection: what it was asked, kept until its processing
/// delay ends and it answers.
enum PendingWork: Sendable, Equatable {
    case none
    /// A DynamoDB request: its slot in `World.requests`, released when the connection ends.
    case request(UInt32)
    /// A PostgreSQL message: the protocol stage (0–2 authentication, 3 a query).
    case databaseStage(UInt32)
    /// A generated session's request, answered with this many bytes.
    case sessionReply(bytes: UInt32)
    /// An instance metadata request: its step in the IMDSv2 exchange.
    case metadataStep(UInt32)
}

/// The open channels, by connection: a map from connection to slot and the channels in one
/// contiguous array, reused through a free list.
///
/// Not a `[UInt32: Channel]`: mutating a value that size through the dictionary's keyed
/// subscript (`channels[c]?.x = …`) runs a modify coroutine whose frame is heap-allocated —
/// a malloc and free on every data segment. Here a channel is reached by its slot and mutated
/// in place in the array.
struct ChannelTable {
    private var slots: [UInt32: Int32] = [:]
    private var store = ContiguousArray<Channel>()
    private var free: [Int32] = []
    /// The server's idle-close timer of each slot (see `TimerGenerations`).
    private var idleClose = TimerGenerations()

    mutating func insert(_ c: UInt32, _ channel: Channel) {
        if let k = slots[c] { store[Int(k)] = channel; return }
        if let k = free.popLast() {
            store[Int(k)] = channel
            slots[c] = k
        } else {
            slots[c] = Int32(store.count)
            store.append(channel)
        }
    }

    mutating func remove(_ c: UInt32) {
        guard let k = slots.removeValue(forKey: c) else { return }
        store[Int(k)] = Channel(clientSocket: .max, client: .none, seed: 0) // drops its queues' storage
        idleClose.cancel(Int(k))
        free.append(k)
    }

    /// Arms the idle-close timer of connection `c`'s server: the generation its event carries,
    /// nil when `c` is not open.
    mutating func armIdleClose(_ c: UInt32) -> UInt32? {
        guard let k = slots[c] else { return nil }
        return idleClose.arm(Int(k))
    }

    mutating func cancelIdleClose(_ c: UInt32) {
        if let k = slots[c] { idleClose.cancel(Int(k)) }
    }

    /// Whether an idle-close event of connection `c` carrying `generation` is still live.
    func isIdleCloseCurrent(_ c: UInt32, _ generation: UInt32) -> Bool {
        guard let k = slots[c] else { return false }
        return idleClose.isCurrent(Int(k), generation)
    }

    /// A copy of the channel of connection `c`, if it is open.
    subscript(c: UInt32) -> Channel? {
        guard let k = slots[c] else { return nil }
        return store[Int(k)]
    }

    /// Runs `body` on the channel of connection `c` in place; nil when it is not open.
    @inline(__always)
    mutating func update<R>(_ c: UInt32, _ body: (inout Channel) -> R) -> R? {
        guard let k = slots[c] else { return nil }
        return body(&store[Int(k)])
    }

    /// Reads one thing of the channel of connection `c` without copying it; nil when it is not open.
    @inline(__always)
    func read<R>(_ c: UInt32, _ body: (Channel) -> R) -> R? {
        guard let k = slots[c] else { return nil }
        return body(store[Int(k)])
    }
}
