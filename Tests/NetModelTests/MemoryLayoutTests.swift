import Testing
import SimCore
import Wire
@testable import NetModel

/// The sizes of the types the hot path copies per packet: every hop stores a `Packet` in the pool,
/// every observed one appends a `TapRecord`, every table probe hashes a `FlowKey`. A change here
/// changes how many bytes each of those moves: make it on purpose. (`Event` is pinned in
/// SimCoreTests, `TCPSocket` in TransportTests.)
@Suite struct MemoryLayoutTests {
    /// 89 bytes (stride 96) while addresses were 32-bit; two 16-byte `IPAddress`es (one type for
    /// IPv4 and IPv6) add 24, and declaring the fields widest first keeps the growth to one 8-byte
    /// stride step: 103 bytes, stride 104. The Don't Fragment flag (path MTU) took the last
    /// byte of padding: 104, the stride unchanged.
    @Test func packetDescriptor() {
        #expect(MemoryLayout<Packet>.size == 104)
        #expect(MemoryLayout<Packet>.stride == 104)
        #expect(MemoryLayout<Payload>.size == 17)
        #expect(MemoryLayout<IPAddress>.size == 16 && MemoryLayout<IPAddress>.stride == 16)
    }

    /// A packet and 16 bytes of time, ENI and verdict: 105 → 119 bytes with 128-bit addresses,
    /// 120 with the DF flag (stride unchanged).
    @Test func tapRecord() {
        #expect(MemoryLayout<TapRecord>.size == 120)
        #expect(MemoryLayout<TapRecord>.stride == 120)
    }

    /// Two 32-bit addresses and the ports word were 16 bytes; two `IPAddress`es make it 40. A probe
    /// of a 4,096-entry table measured 7.5 ns at 16 bytes and 12.9 ns at 40 (a tagged 128-bit
    /// address would have made the key 56 bytes and 15.4 ns; see `IPAddress`).
    @Test func flowKey() {
        #expect(MemoryLayout<FlowKey>.size == 40)
        #expect(MemoryLayout<FlowKey>.stride == 40)
        // A connection-tracking slot: the key and a 10-byte TrackedFlow, no separate Optional tag.
        #expect(MemoryLayout<TrackedFlow>.size == 10)
        #expect(MemoryLayout<FlowTable<TrackedFlow>.Slot?>.stride == 56)
    }
}
