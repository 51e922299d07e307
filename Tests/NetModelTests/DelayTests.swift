import Testing
import SimCore
import Wire
import TestSupport
@testable import NetModel

/// Hop delays drawn from their distributions: the spread they have, the order they keep, and the
/// bytes counted between AZs.
@Suite struct DelayTests {
    /// Records when each packet reached the other ENI.
    struct Timed: EventHandler {
        var network: Network
        mutating func handle(_ event: Event, _ s: inout Scheduler) {
            _ = network.arrive(event.payload.object, now: s.now, &s)
        }
    }

    /// The two-subnet network with the default (jittered) model, subnet B in `zoneB`.
    func lab(zoneB: String? = nil) -> (Timed, HostIndex) {
        var (n, a, _) = TestNetworks.twoSubnets(latency: LatencyModel())
        if let zoneB {
            n.zones.append(AvailabilityZone(name: zoneB, id: "use1-az2"))
            n.subnets[1].zone = AvailabilityZoneIndex(1)
            n.latency.crossAZPairs[ZonePair(AvailabilityZoneIndex(0), AvailabilityZoneIndex(1))] = .microseconds(404)
            n.finalize(random: RandomStreams(seed: 7))
        }
        return (Timed(network: n), a)
    }

    func packet(_ k: Int) -> Packet {
        var p = Packet(
            source: IPAddress("10.0.1.10")!, destination: IPAddress("10.0.2.20")!, sourcePort: 40000,
            destinationPort: 443, protocolNumber: IPProtocol.tcp)
        p.tcpFlags = k == 0 ? [.syn] : [.ack]
        p.payloadLength = 100
        return p
    }

    /// One-way delays of packets sent 1 ms apart: `(arrival − send)` in nanoseconds, sorted.
    func delays(_ lab: inout Timed, _ a: HostIndex, count: Int) -> [Int64] {
        var s = Scheduler()
        for k in 0..<count {
            let t = SimTime.zero + .milliseconds(Int64(k))
            s.run(until: t, handler: &lab)
            lab.network.transmit(packet(k), from: a, now: t, &s)
        }
        s.run(until: SimTime.zero + .seconds(Int64(count / 1000 + 2)), handler: &lab)
        let arrivals = lab.network.log.taps.filter { $0.direction == .ingress }
        return arrivals.map { $0.time.nanoseconds % 1_000_000 }.sorted()
    }

    @Test func intraAZDelaysAreLogNormalAroundTheirMedian() {
        var (l, a) = lab()
        let d = delays(&l, a, count: 4000)
        #expect(d.count == 4000)
        let median = Double(d[2000]), p99 = Double(d[3960])
        #expect(abs(median / 55_000 - 1) < 0.03, "median \(median) ns")
        // σ = 0.3: the 99th percentile is e^(2.326 × 0.3) ≈ 2.01 × the median.
        #expect(abs(p99 / median / 2.01 - 1) < 0.08, "p99/median \(p99 / median)")
        #expect(Set(d).count > 1000, "delays vary")
    }

    @Test func aBurstArrivesInTheOrderItWasSent() {
        var (l, a) = lab()
        var s = Scheduler()
        for k in 0..<300 { l.network.transmit(packet(k), from: a, now: .zero, &s) }
        s.run(until: SimTime.zero + .seconds(1), handler: &l)
        let arrivals = l.network.log.taps.filter { $0.direction == .ingress }
        #expect(arrivals.count == 300)
        #expect(arrivals.map(\.time) == arrivals.map(\.time).sorted())
        // Sequence of arrival = sequence of sending (the packets carry their TCP flags in order).
        #expect(arrivals.first?.packet.tcpFlags == [.syn])
    }

    @Test func crossAZHopsUseThePairsMedianAndAreCounted() {
        var (l, a) = lab(zoneB: "us-east-1b")
        let d = delays(&l, a, count: 2000)
        #expect(abs(Double(d[1000]) / 404_000 - 1) < 0.03, "median \(d[1000]) ns")
        let usage = l.network.usage
        let bytes = UInt64(2000 * (20 + 20 + 100)) // IPv4 + TCP headers (no options) + payload
        #expect(usage.crossAZ(from: AvailabilityZoneIndex(0), to: AvailabilityZoneIndex(1)) == bytes)
        #expect(usage.crossAZ(from: AvailabilityZoneIndex(1), to: AvailabilityZoneIndex(0)) == 0)
        #expect(usage.totalCrossAZBytes == bytes)
    }

    @Test func sameSeedSameDelays() {
        var (l1, a1) = lab()
        var (l2, a2) = lab()
        #expect(delays(&l1, a1, count: 500) == delays(&l2, a2, count: 500))
    }
}
