import Testing
import Transport

/// A socket is copied out of the table and back on most segments: its size is the cost of that.
@Suite struct SocketLayoutTests {
    @Test func socket() {
        #expect(MemoryLayout<TCPSocket>.size == 370)
        #expect(MemoryLayout<TCPSocket>.stride == 376)
    }
}
