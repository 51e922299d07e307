import SimCore
import Wire

/// The request headers an Application Load Balancer adds to each HTTP request it forwards to a
/// target, in one layout that counts them for the model and writes them for a capture:
/// `X-Forwarded-For` (the client's address), `X-Forwarded-Proto` (`https` or `http`, the
/// listener's protocol), `X-Forwarded-Port` (the listener's port)
/// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html)
/// and `X-Amzn-Trace-Id: Root=1-<8 hex digits of the epoch second>-<24 hex digits>`
/// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-request-tracing.html).
/// The client sent no X-Forwarded-For of its own, so the ALB's `append` default writes the client
/// address alone.
public struct ELBForwardedHeaders: Sendable, Hashable {
    public var client: IPAddress
    public var https: Bool
    public var port: UInt16
    /// Unix seconds of the request (the trace id's time field).
    public var unixSeconds: Int64
    /// Seed of the trace id's 96-bit identifier.
    public var seed: UInt64

    public init(client: IPAddress, https: Bool, port: UInt16, unixSeconds: Int64, seed: UInt64) {
        self.client = client; self.https = https; self.port = port; self.unixSeconds = unixSeconds
        self.seed = seed
    }

    public func write<S: MessageSink>(_ s: inout S) {
        s.utf8("X-Forwarded-For: ")
        s.utf8(client.description)
        s.crlf()
        s.utf8(https ? "X-Forwarded-Proto: https" : "X-Forwarded-Proto: http")
        s.crlf()
        s.utf8("X-Forwarded-Port: ")
        s.decimal(port)
        s.crlf()
        s.utf8("X-Amzn-Trace-Id: Root=1-")
        s.hex(UInt64(truncatingIfNeeded: unixSeconds), digits: 8)
        s.byte(UInt8(ascii: "-"))
        s.hex(SplitMix64.value(seed: seed, index: 0) >> 32, digits: 8)
        s.hex(SplitMix64.value(seed: seed, index: 1), digits: 16)
        s.crlf()
    }

    /// The bytes these headers add to the forwarded request.
    public var length: Int {
        var c = CountingSink()
        write(&c)
        return c.count
    }
}
