import SimCore
import NetModel
import Workloads
import Capture

/// Bookkeeping a debug build checks across a run (the test suite runs debug builds): between
/// slices, the network's invariants (``Network/invariantViolations(now:sweep:)``: packets sent =
/// delivered + dropped + in flight, NAT mappings consistent when released, connection tracking
/// bounded by its timeouts); at the end, that every flow log of all traffic counts, per captured
/// ENI and 5-tuple, exactly the packets its pcap holds (unless the log skipped flows).
enum Invariants {
    static func check(_ world: World, session: CaptureSession, at now: SimTime) throws {
        let v = world.network.invariantViolations(now: now, sweep: world.workloadEnded ? nil : .seconds(60))
        if !v.isEmpty { throw InvariantViolation(problems: v, at: now) }
    }

    static func checkFinished(_ world: World, session: CaptureSession, at now: SimTime) throws {
        #if DEBUG
            let captured = Set(session.pcaps.map { Int32($0.spec.eni.int) })
            for f in session.flowLogs {
                let a = f.aggregator
                guard a.config.trafficType == .all, a.skipdataRecords == 0 else { continue }
                let covered = captured.filter { a.coverage[Int($0)] }
                let logged = a.emittedPackets.filter { covered.contains($0.key.eni) }
                let pcap = session.capturedLoggedPackets.filter { covered.contains($0.key.eni) }
                if logged != pcap {
                    let key = Set(logged.keys).union(pcap.keys).first { logged[$0] != pcap[$0] }!
                    let eni = session.directory.enis[Int(key.eni)].id
                    throw InvariantViolation(
                        problems: [
                            "flow log \(a.config.id) counts \(logged[key] ?? 0) packets of a flow on \(eni) whose "
                                + "pcap holds \(pcap[key] ?? 0)"
                        ], at: now)
                }
            }
        #endif
        try check(world, session: session, at: now)
    }
}

/// A broken invariant of the model: a bug in vpcsim, not in the topology.
public struct InvariantViolation: Error, CustomStringConvertible {
    public var problems: [String]
    public var at: SimTime
    public var description: String {
        "internal invariant broken at \(at) of simulated time (a bug in vpcsim): " + problems.joined(separator: "; ")
    }
}
