import Testing
import Transport

/// A socket is copied out of the table and back on most segments: its size is the cost of that.
@Suite struct SocketLayoutTests {
    @Test func socket() {
        // 370 bytes until the three timer generations and two armed flags moved out of the
        // socket into `TCPStack`'s `TimerGenerations` tables.
        #expect(MemoryLayout<TCPSocket>.size == 354)
        #expect(MemoryLayout<TCPSocket>.stride == 360)
    }
}
