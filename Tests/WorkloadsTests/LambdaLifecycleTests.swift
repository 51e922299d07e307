import Testing
import SimCore
import NetModel
@testable import Workloads

/// Execution environments: created cold, reused warm, reclaimed when idle, reset by a timeout.
@Suite struct LambdaLifecycleTests {
    @Test func aColdStartThenWarmReuse() {
        var run = WorldRun(TestWorlds.dynamoDB())
        run.invoke()
        run.run(until: SimTime.zero + .seconds(5))
        var m = run.world.metrics.functions[0]
        #expect(m.invocations == 1 && m.succeeded == 1 && m.coldStarts == 1 && m.environmentsCreated == 1)
        #expect(run.world.environments[0].phase == .idle && !run.world.environments[0].needsInit)

        run.invoke()
        run.run(until: SimTime.zero + .seconds(10))
        m = run.world.metrics.functions[0]
        #expect(m.invocations == 2 && m.succeeded == 2)
        #expect(m.coldStarts == 1 && m.environmentsCreated == 1, "the idle environment took the second invocation")
    }

    @Test func concurrentInvocationsEachStartAnEnvironment() {
        var run = WorldRun(TestWorlds.dynamoDB())
        run.invoke()
        run.invoke()
        run.run(until: SimTime.zero + .seconds(5))
        let m = run.world.metrics.functions[0]
        #expect(m.succeeded == 2 && m.coldStarts == 2 && m.environmentsCreated == 2)
    }

    /// An idle environment is reclaimed `idleReclaim` after its last invocation ended; each use
    /// starts the wait again. The next invocation then starts cold in a new environment.
    @Test func anIdleEnvironmentIsReclaimed() {
        var run = WorldRun(TestWorlds.dynamoDB(idleReclaim: .seconds(60)))
        run.invoke()
        run.run(until: SimTime.zero + .seconds(30))
        run.invoke()
        run.run(until: SimTime.zero + .seconds(75))
        #expect(run.world.environments[0].phase == .idle, "used at 30 s: not reclaimed 60 s after its first use")
        run.run(until: SimTime.zero + .seconds(95))
        #expect(run.world.environments[0].phase == .dead)

        run.invoke()
        run.run(until: SimTime.zero + .seconds(100))
        let m = run.world.metrics.functions[0]
        #expect(m.succeeded == 3 && m.coldStarts == 2 && m.environmentsCreated == 2)
        #expect(run.world.environments[1].phase == .idle)
    }

    /// A timeout resets the environment: its sockets are forgotten without a packet, and the next
    /// invocation in it initialises again.
    @Test func aTimeoutResetsTheEnvironment() {
        let program: [Step] = [.dynamodb(DynamoDBCall(operation: .getItem, table: "Orders")), .compute(.seconds(5))]
        var run = WorldRun(TestWorlds.dynamoDB(program: program, timeout: .seconds(2)))
        var sentAtTimeout: (before: UInt64, after: UInt64)?
        var sent: UInt64 = 0
        run.afterEach = { world, _ in
            if sentAtTimeout == nil && world.metrics.functions[0].timedOut == 1 {
                sentAtTimeout = (sent, world.network.stats.packetsSent)
            }
            sent = world.network.stats.packetsSent
        }
        run.invoke()
        run.run(until: SimTime.zero + .seconds(10))
        var m = run.world.metrics.functions[0]
        #expect(m.timedOut == 1 && m.succeeded == 0)
        #expect(m.timeoutMessages == ["Task timed out after 2.00 seconds"])
        #expect(run.world.metrics.calls[0].calls == 1, "the call before the compute step was made")
        #expect(sentAtTimeout.map { $0.before == $0.after } == true, "nothing is sent when the environment is reset")
        #expect(run.world.environments[0].needsInit && run.world.environments[0].pool.isEmpty)

        run.invoke()
        run.run(until: SimTime.zero + .seconds(20))
        m = run.world.metrics.functions[0]
        #expect(m.timedOut == 2 && m.coldStarts == 2 && m.environmentsCreated == 1)
        #expect(run.world.metrics.calls[0].newConnections == 2, "the reset environment's connection was gone")
    }
}
