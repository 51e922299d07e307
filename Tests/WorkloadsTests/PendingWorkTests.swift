import Testing
import SimCore
@testable import Workloads

/// What a server is working on is released by what it is, when the connection ends.
@Suite struct PendingWorkTests {
    /// A database connection ends (the client resets it) while the server is still running a
    /// query: the query's protocol stage must not be handed back as a request slot, where the
    /// next call would overwrite a request that is still in flight.
    @Test func aDatabaseConnectionEndingMidQueryFreesNoRequestSlot() {
        var run = WorldRun(TestWorlds.database(serverTime: .seconds(5)))
        run.invoke()
        run.run(until: SimTime.zero + .seconds(2))
        let env = run.world.environments[0]
        #expect(env.call == .awaitingResponse, "the query is with the server")
        // Four calls elsewhere hold request slots 0…3 (3 is also the query's protocol stage).
        let live = (0..<4).map { k in
            run.world.newRequest(Request(environment: -1, function: -1, step: Int32(100 + k)))
        }
        #expect(live == [0, 1, 2, 3])
        run.world.tcp.abort(env.pool[0].socket, now: run.now, &run.world.network, &run.scheduler)
        run.run(for: .seconds(1))
        #expect(run.world.metrics.functions[0].failed == 1)

        let next = run.world.newRequest(Request(environment: -1, function: -1, step: 200))
        #expect(!live.contains(next), "slot \(next) is still in flight")
        #expect(run.world.requests[0..<4].map(\.step) == [100, 101, 102, 103])
    }
}
