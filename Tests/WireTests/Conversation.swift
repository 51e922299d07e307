// A scripted TCP conversation between a Lambda ENI and an AWS endpoint, built only from Wire's
// encoders, with consistent sequence/acknowledgement numbers and TCP timestamps.
import Wire

/// Part of a byte stream: literal bytes, or a TLS 1.3 ciphertext record rendered on demand.
enum StreamPiece {
    case plain([UInt8])
    case ciphertext(inner: Int, seed: UInt64)

    var length: Int {
        switch self {
        case .plain(let b): b.count
        case .ciphertext(let inner, _): TLSCiphertext.recordLength(innerPlaintextLength: inner)
        }
    }
}

/// Writes bytes [from, from + count) of the concatenated pieces — each segment is rendered on
/// its own, cutting records (and record headers) wherever the segment boundary falls.
func renderStream(_ pieces: [StreamPiece], from: Int, count: Int, into w: inout ByteWriter) {
    var base = 0
    let end = from + count
    for piece in pieces {
        let pieceEnd = base + piece.length
        let lo = max(from, base), hi = min(end, pieceEnd)
        if lo < hi {
            switch piece {
            case .plain(let b):
                w.bytes(b[(lo - base)..<(hi - base)])
            case .ciphertext(let inner, let seed):
                TLSCiphertext.writeRecordSlice(
                    innerPlaintextLength: inner, seed: seed, from: lo - base, count: hi - lo, into: &w)
            }
        }
        base = pieceEnd
    }
}

struct Conversation {
    var client: Endpoint
    var server = Endpoint(
        mac: MACAddress(0x02, 0x00, 0x0A, 0x00, 0x00, 0x01), ip: IPv4Address(3, 218, 182, 212), port: 443)
    var clientNext: UInt32 = 0x3A1F_0001
    var serverNext: UInt32 = 0xC0FF_EE00
    var clientClock: UInt32 = 2_690_073_618
    var serverClock: UInt32 = 2_276_225_526
    var clientIPID: UInt16 = 0x4C21
    var serverIPID: UInt16 = 0
    var time: UInt64
    let segmentPayload = 1448 // MSS 1460 less 12 bytes of timestamps
    private(set) var frames: [(UInt64, [UInt8])] = []

    init(clientPort: UInt16 = 49_152, start: UInt64 = 1_717_000_000_000_000_000) {
        client = Endpoint(
            mac: MACAddress(0x02, 0x00, 0x0A, 0x00, 0x01, 0x19), ip: IPv4Address(10, 0, 1, 25), port: clientPort)
        time = start
    }

    mutating func segment(
        fromClient: Bool, flags: TCPFlags, options: TCPOptions? = nil, window: UInt16? = nil,
        payloadLength: Int = 0, payload: (inout ByteWriter) -> Void = { _ in }
    ) {
        time += fromClient ? 40_000 : 310_000
        if fromClient { clientClock &+= 1 } else { serverClock &+= 1 }
        let seq = fromClient ? clientNext : serverNext
        let ack = flags.contains(.ack) ? (fromClient ? serverNext : clientNext) : 0
        let ts = TCPTimestamps(
            value: fromClient ? clientClock : serverClock,
            echo: flags == .syn ? 0 : (fromClient ? serverClock : clientClock))
        let header = TCPHeader(
            srcPort: fromClient ? client.port : server.port, dstPort: fromClient ? server.port : client.port,
            seq: seq, ack: ack, flags: flags, window: window ?? (fromClient ? 502 : 1050),
            options: options ?? TCPOptions(timestamps: ts))
        let src = fromClient ? client : server, dst = fromClient ? server : client
        let id: UInt16
        if fromClient { id = clientIPID; clientIPID &+= 1 } else { id = serverIPID }
        frames.append(
            (
                time,
                tcpFrame(
                    from: src, to: dst, ipID: id, ttl: fromClient ? 64 : 245, header: header,
                    payloadLength: payloadLength, payload: payload)
            ))
        let consumed = UInt32(payloadLength) + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
        if fromClient { clientNext &+= consumed } else { serverNext &+= consumed }
    }

    /// SYN (mss, sackOK, TS, nop, wscale 7) / SYN-ACK (same shape, wscale 8) / ACK.
    mutating func handshake() {
        segment(
            fromClient: true, flags: .syn,
            options: TCPOptions(
                mss: 1460, sackPermitted: true, windowScale: 7,
                timestamps: TCPTimestamps(value: clientClock &+ 1, echo: 0)),
            window: 62_727)
        segment(
            fromClient: false, flags: [.syn, .ack],
            options: TCPOptions(
                mss: 1460, sackPermitted: true, windowScale: 8,
                timestamps: TCPTimestamps(value: serverClock &+ 1, echo: clientClock)),
            window: 26_847)
        segment(fromClient: true, flags: .ack)
    }

    /// Sends `stream` in MSS-sized segments (PSH on the last) and has the peer ACK it.
    mutating func send(fromClient: Bool, stream: [StreamPiece]) {
        let total = stream.reduce(0) { $0 + $1.length }
        var sent = 0
        while sent < total {
            let n = min(segmentPayload, total - sent)
            let from = sent
            segment(fromClient: fromClient, flags: sent + n == total ? [.psh, .ack] : .ack, payloadLength: n) { w in
                renderStream(stream, from: from, count: n, into: &w)
            }
            sent += n
        }
        segment(fromClient: !fromClient, flags: .ack)
    }

    /// Client-initiated close: FIN/ACK, FIN/ACK, ACK.
    mutating func close() {
        segment(fromClient: true, flags: [.fin, .ack])
        segment(fromClient: false, flags: [.fin, .ack])
        segment(fromClient: true, flags: .ack)
    }
}
