import Testing
import SimCore
@testable import Workloads

/// botocore's legacy retries for DynamoDB: 10 attempts, 50 ms × 2^(n−1) between them, no jitter.
@Suite struct RetryTests {
    @Test func refusedConnectionsAreRetriedWithExponentialBackoffUpToTenAttempts() {
        var run = WorldRun(TestWorlds.dynamoDB(timeout: .seconds(60), refusing: true))
        var attempts: [SimTime] = []
        var failures: [SimTime] = []
        run.afterEach = { world, now in
            if world.tcp.connectionsOpened > UInt64(attempts.count) { attempts.append(now) }
            let failed = Int(world.metrics.calls[0].retries + world.metrics.calls[0].errors)
            if failed > failures.count { failures.append(now) }
        }
        run.invoke()
        run.run(until: SimTime.zero + .seconds(40))

        #expect(attempts.count == 10)
        #expect(failures.count == 10)
        let call = run.world.metrics.calls[0]
        #expect(call.retries == 9 && call.errors == 1)
        let f = run.world.metrics.functions[0]
        #expect(f.failed == 1 && f.errors == ["ConnectionClosedError": 1])
        guard attempts.count == 10, failures.count == 10 else { return }
        let backoff = (1..<10).map { attempts[$0] - failures[$0 - 1] }
        #expect(backoff == (0..<9).map { SimDuration.milliseconds(50) * Int64(1 << $0) })
        #expect(zip(attempts, failures).allSatisfy { $0 < $1 }, "each attempt is refused before the next starts")
    }
}
