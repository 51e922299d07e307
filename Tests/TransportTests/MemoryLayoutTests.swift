import Testing
import Transport

/// A socket is copied out of the table and back on most segments: its size is the cost of that.
@Suite struct SocketLayoutTests {
    @Test func socket() {
        // 370 bytes until the three timer generations and two armed flags moved out of the
        // socket into `TCPStack`'s `TimerGenerations` tables; 354 until the local and remote
        // addresses became 16-byte `IPAddress`es (IPv4 and IPv6), declared first to avoid padding.
        #expect(MemoryLayout<TCPSocket>.size == 378)
        #expect(MemoryLayout<TCPSocket>.stride == 384)
    }
}
