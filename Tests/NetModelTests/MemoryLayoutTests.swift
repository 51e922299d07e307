import Testing
import SimCore
import NetModel

/// The sizes of the types the hot path copies per packet: every hop stores a `Packet` in the pool,
/// every observed one appends a `TapRecord`, every table probe hashes a `FlowKey`. A change here
/// changes how many bytes each of those moves: make it on purpose. (`Event` is pinned in
/// SimCoreTests, `TCPSocket` in TransportTests.)
@Suite struct MemoryLayoutTests {
    @Test func packetDescriptor() {
        #expect(MemoryLayout<Packet>.size == 89)
        #expect(MemoryLayout<Packet>.stride == 96)
        #expect(MemoryLayout<Payload>.size == 17)
    }

    @Test func tapRecord() {
        #expect(MemoryLayout<TapRecord>.size == 105)
        #expect(MemoryLayout<TapRecord>.stride == 112)
    }

    @Test func flowKey() {
        #expect(MemoryLayout<FlowKey>.size == 16)
        #expect(MemoryLayout<FlowKey>.stride == 16)
    }
}
