import Testing
import SimCore
import Wire
import TestSupport
@testable import NetModel

/// The model's bookkeeping checks that debug builds run between slices of every run.
@Suite struct InvariantTests {
    @Test func aConsistentNetworkHasNoViolations() {
        var net = TestNetworks.twoSubnets().network
        net.finalize(random: RandomStreams(seed: 1))
        #expect(net.invariantViolations(now: .zero, sweep: .seconds(60)).isEmpty)
    }

    @Test func aLostPacketIsReported() {
        var net = TestNetworks.twoSubnets().network
        net.finalize(random: RandomStreams(seed: 1))
        net.stats.packetsSent = 3
        net.stats.packetsDelivered = 1
        let v = net.invariantViolations(now: .zero, sweep: nil)
        #expect(v == ["packets: 3 sent ≠ 1 delivered + 0 dropped + 0 in flight"])
    }

    @Test func aStaleTrackedFlowIsReportedWhileTheSweepRuns() {
        var net = TestNetworks.twoSubnets().network
        net.finalize(random: RandomStreams(seed: 1))
        let key = FlowKey(
            source: IPAddress("10.0.1.10")!, destination: IPAddress("10.0.2.20")!, sourcePort: 1,
            destinationPort: 2, protocolNumber: IPProtocol.udp)
        net.tracking[0].insert(key, TrackedFlow(openedBy: .egress, lastSeen: .zero, closing: 0))
        let late = SimTime.zero + .seconds(3600)
        #expect(net.invariantViolations(now: late, sweep: .seconds(60)).count == 1)
        #expect(net.invariantViolations(now: late, sweep: nil).isEmpty, "no sweep after the workload: no bound")
    }
}
