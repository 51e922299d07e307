import SimCore
import Wire

/// The request headers an Application Load Balancer adds to each HTTP request it forwards to a
/// target, after the client's start line and Host: `X-Forwarded-For` (the client's address),
/// `X-Forwarded-Proto` (`https` or `http`, the listener's protocol) and `X-Forwarded-Port` (the
/// listener's port)
/// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html);
/// its `X-Amzn-Trace-Id` is ``PlainHTTPMessage``'s. The client sent no X-Forwarded-For of its own,
/// so the ALB's `append` default writes the client's address alone.
public struct ELBForwardedHeaders: Sendable, Hashable {
    public var host: String
    public var client: IPAddress
    public var https: Bool
    public var port: UInt16

    public init(host: String, client: IPAddress, https: Bool, port: UInt16) {
        self.host = host; self.client = client; self.https = https; self.port = port
    }

    /// The forwarded request's start line, Host and the X-Forwarded-* headers: the prefix of its
    /// ``PlainHTTPMessage``.
    public var prefix: [UInt8] {
        var s = ByteSink()
        PlainHTTPMessage.requestLine(&s, host: host)
        s.utf8("X-Forwarded-For: ")
        s.utf8(client.description)
        s.crlf()
        s.utf8(https ? "X-Forwarded-Proto: https" : "X-Forwarded-Proto: http")
        s.crlf()
        s.utf8("X-Forwarded-Port: ")
        s.decimal(port)
        s.crlf()
        return s.bytes
    }
}

/// An HTTP/1.1 message in clear, as a load balancer's listener and target connections carry it:
/// a prefix (start line and first headers), an optional `X-Amzn-Trace-Id: Root=1-<8 hex digits of
/// the epoch second>-<24 hex digits>`
/// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-request-tracing.html),
/// `Content-Type` and `Content-Length`, then a body of filler letters. One layout counts it for
/// the model and writes it for a capture; a message is at least its headers long
/// (``length(prefixLength:trace:atLeast:)``).
public struct PlainHTTPMessage: Sendable, Hashable {
    public var prefix: [UInt8]
    /// Unix seconds for the trace id, 0 for none.
    public var traceSeconds: UInt32
    /// The whole message's length.
    public var length: Int
    public var seed: UInt64

    public init(prefix: [UInt8], traceSeconds: UInt32, length: Int, seed: UInt64) {
        self.prefix = prefix; self.traceSeconds = traceSeconds; self.length = length; self.seed = seed
    }

    /// `POST / HTTP/1.1` and `Host:`, as the generated clients send.
    public static func requestLine<S: MessageSink>(_ s: inout S, host: String) {
        s.utf8("POST / HTTP/1.1")
        s.crlf()
        s.utf8("Host: ")
        s.utf8(host)
        s.crlf()
    }
    /// A target's answer, relayed unchanged by the load balancer.
    public static let okPrefix = Array("HTTP/1.1 200 OK\r\n".utf8)
    /// The answer a load balancer writes itself when its target fails (its generated responses
    /// carry `Server: awselb/2.0`).
    public static let badGatewayPrefix = Array("HTTP/1.1 502 Bad Gateway\r\nServer: awselb/2.0\r\n".utf8)

    public static let traceLength = "X-Amzn-Trace-Id: Root=1-".utf8.count + 8 + 1 + 24 + 2
    static let fixedLength = "Content-Type: text/plain\r\nContent-Length: ".utf8.count + 4

    /// The length of a message whose prefix is `prefixLength` bytes and whose total should be
    /// `wanted`: `wanted`, or the headers' length with an empty body when they do not fit.
    public static func length(prefixLength: Int, trace: Bool, atLeast wanted: Int) -> Int {
        let header = prefixLength + (trace ? traceLength : 0) + fixedLength
        var total = max(wanted, header + 1) // at least "Content-Length: 0"
        // A total whose body's digits cannot fit (header + 11: a 10-byte body needs 2 digits, a
        // 9-byte one leaves a byte over) takes one byte more.
        while !fits(total, header: header) { total += 1 }
        return total
    }

    static func fits(_ total: Int, header: Int) -> Bool {
        for digits in 1...10 {
            let body = total - header - digits
            if body >= 0 && String(body).utf8.count == digits { return true }
        }
        return false
    }

    var headerLength: Int {
        let header = prefix.count + (traceSeconds != 0 ? Self.traceLength : 0) + Self.fixedLength
        for digits in 1...10 {
            let body = length - header - digits
            if body >= 0 && String(body).utf8.count == digits { return header + digits }
        }
        return header + 1
    }

    public func write<S: MessageSink>(_ s: inout S) {
        let header = headerLength
        let body = max(0, length - header)
        s.bytes(prefix)
        if traceSeconds != 0 {
            s.utf8("X-Amzn-Trace-Id: Root=1-")
            s.hex(UInt64(traceSeconds), digits: 8)
            s.byte(UInt8(ascii: "-"))
            s.hex(SplitMix64.value(seed: seed ^ 0x7472_6163_6500, index: 0) >> 32, digits: 8)
            s.hex(SplitMix64.value(seed: seed ^ 0x7472_6163_6500, index: 1), digits: 16)
            s.crlf()
        }
        s.utf8("Content-Type: text/plain")
        s.crlf()
        s.utf8("Content-Length: ")
        s.decimal(body)
        s.crlf()
        s.crlf()
        s.letters(body, seed: seed)
    }
}
