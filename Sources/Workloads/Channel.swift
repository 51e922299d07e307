import Transport

/// The application view of one connection: the messages each side has written, by the stream
/// offset where each ends. A side's application learns a message is complete when its socket has
/// received up to that offset — the framing a real peer gets by parsing bytes, without bytes.
struct Channel: Sendable {
    enum Message: Sendable, Equatable {
        case clientHello
        case serverFlight
        case clientFinished
        case request(UInt32)        // request slot
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
    var tlsEstablished = false
    var serverIdleGeneration: UInt32 = 0
    var seed: UInt64
    var records: UInt32 = 0
    /// The request waiting for the server's processing to finish.
    var pendingResponse: UInt32 = .max

    /// A seed for the next TLS record's filler bytes.
    mutating func nextSeed() -> UInt64 {
        records &+= 1
        var z = seed &+ UInt64(records) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        return z ^ (z >> 27)
    }
}
