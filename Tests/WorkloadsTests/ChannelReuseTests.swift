import Testing
import SimCore
import NetModel
@testable import Workloads

/// The SDK's keep-alive pool: a connection is reused while open; once the front end has closed
/// it for idleness, the next call finds it closed, resets it and connects again.
@Suite struct ChannelReuseTests {
    @Test func aKeepAliveConnectionIsReused() {
        var run = WorldRun(TestWorlds.dynamoDB())
        run.invoke()
        run.run(until: SimTime.zero + .seconds(5))
        let first = run.world.environments[0].pool.map(\.connection)
        run.invoke()
        run.run(until: SimTime.zero + .seconds(10))
        #expect(run.world.metrics.functions[0].succeeded == 2)
        #expect(run.world.metrics.calls[0].calls == 2 && run.world.metrics.calls[0].newConnections == 1)
        #expect(run.world.tcp.connectionsOpened == 1)
        #expect(run.world.environments[0].pool.map(\.connection) == first && first.count == 1)
    }

    @Test func theServerClosesAnIdleConnectionAndTheNextCallReconnects() {
        var world = TestWorlds.dynamoDB()
        world.network.trace = []
        var run = WorldRun(world)
        run.invoke()
        run.run(until: SimTime.zero + .seconds(5))
        let old = run.world.environments[0].pool[0]
        #expect(run.world.tcp.socket(old.socket).state == .established)

        // DynamoDB closes a connection idle for 60 s (close_notify, FIN); the pooled socket
        // waits in CLOSE-WAIT until the SDK uses it again.
        run.run(until: SimTime.zero + .seconds(90))
        #expect(run.world.tcp.socket(old.socket).state == .closeWait)

        run.invoke()
        run.run(until: SimTime.zero + .seconds(95))
        #expect(run.world.metrics.functions[0].succeeded == 2)
        #expect(run.world.metrics.calls[0].newConnections == 2 && run.world.tcp.connectionsOpened == 2)
        let now = run.world.environments[0].pool
        #expect(now.count == 1 && now[0].connection != old.connection)
        let function = run.world.functions[0].hosts[0]
        let resets = (run.world.network.trace ?? []).filter { step in
            if case .sent(let h, let p) = step { return h == function && p.tcpFlags.contains(.rst) }
            return false
        }
        #expect(resets.count == 1, "the SDK resets the connection it found closed")
    }
}
