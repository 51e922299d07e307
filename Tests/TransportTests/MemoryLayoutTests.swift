import Testing
import Transport

/// A socket is copied out of the table and back on most segments: its size is the cost of that.
@Suite struct SocketLayoutTests {
    @Test func socket() {
        // 370 bytes until the three timer generations and two armed flags moved out of the
        // socket into `TCPStack`'s `TimerGenerations` tables; 354 before slow-start restart
        // (last send time), cwnd validation (window end, most in flight, limited) and Nagle
        // (last small segment's end, the flag) added 34, and the local and remote addresses
        // became 16-byte `IPAddress`es (IPv4 and IPv6), declared first to avoid padding.
        #expect(MemoryLayout<TCPSocket>.size == 412)
        #expect(MemoryLayout<TCPSocket>.stride == 416)
    }
}
