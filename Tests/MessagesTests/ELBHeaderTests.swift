import Testing
import Wire
@testable import Messages

/// The HTTP an Application Load Balancer forwards: one layout for its length and its bytes.
@Suite struct ELBHeaderTests {
    @Test func forwardedRequestHasTheDocumentedHeaders() throws {
        let prefix = ELBForwardedHeaders(
            host: "shop.example.com", client: IPAddress(IPv4Address("81.2.69.160")!), https: true, port: 443
        ).prefix
        let wanted = 1_000
        let length = PlainHTTPMessage.length(prefixLength: prefix.count, trace: true, atLeast: wanted)
        #expect(length == wanted)
        let m = PlainHTTPMessage(prefix: prefix, traceSeconds: 0x6b04_0ea0, length: length, seed: 7)
        var sink = ByteSink()
        m.write(&sink)
        #expect(sink.bytes.count == length)
        let text = String(decoding: sink.bytes, as: UTF8.self)
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html
        #expect(
            text.hasPrefix(
                "POST / HTTP/1.1\r\nHost: shop.example.com\r\nX-Forwarded-For: 81.2.69.160\r\n"
                    + "X-Forwarded-Proto: https\r\nX-Forwarded-Port: 443\r\nX-Amzn-Trace-Id: Root=1-6b040ea0-"))
        // Root=1-{8 hex}-{24 hex} (load-balancer-request-tracing.html).
        let trace = text.split(separator: "\r\n").first { $0.hasPrefix("X-Amzn-Trace-Id") }!
        #expect(trace.utf8.count == "X-Amzn-Trace-Id: Root=1-".utf8.count + 8 + 1 + 24)
        let header = text.components(separatedBy: "\r\n\r\n")[0]
        let body = text.utf8.count - header.utf8.count - 4 // bytes ("\r\n" is one Character)
        #expect(header.hasSuffix("Content-Length: \(body)"))
    }

    /// Every total at or above the headers' length is reachable but the one a body's extra digit
    /// skips, which takes one byte more; smaller totals give the headers alone.
    @Test func lengthsCountWhatIsWritten() {
        for wanted in [0, 10, 80, 120, 121, 125, 126, 200, 1_000, 10_000, 100_000] {
            for trace in [false, true] {
                let length = PlainHTTPMessage.length(
                    prefixLength: PlainHTTPMessage.okPrefix.count, trace: trace, atLeast: wanted)
                #expect(length >= wanted && length <= max(wanted, 200) + 1)
                var sink = ByteSink()
                PlainHTTPMessage(
                    prefix: PlainHTTPMessage.okPrefix, traceSeconds: trace ? 1 : 0, length: length, seed: 3
                ).write(&sink)
                #expect(sink.bytes.count == length, "\(wanted) \(trace)")
            }
        }
    }
}
