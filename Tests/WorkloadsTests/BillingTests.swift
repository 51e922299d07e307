import Testing
import Messages
import SimCore
import NetModel
@testable import Workloads

/// What the workloads count for the bill, and the SDK behaviours that move latency: CPU share by
/// memory, a connection per call without keep-alive, service time by item size.
@Suite struct BillingTests {
    @Test func requestUnitsFollowDynamoDBsRules() {
        // Writes: 1 unit per KB (1,024 bytes), rounded up. Reads: 1 per 4 KB, ½ when eventually consistent.
        func units(_ op: DynamoDBOperation, _ bytes: Int, items: Int = 1, consistent: Bool = false) -> (UInt64, UInt64)
        {
            let h = DynamoDBCall(
                operation: op, table: "T", itemBytes: bytes, resultItems: items, consistentRead: consistent
            )
            .requestUnitHalves
            return (h.read, h.write)
        }
        #expect(units(.putItem, 110) == (0, 2)) // 1 WRU
        #expect(units(.putItem, 1024) == (0, 2) && units(.putItem, 1025) == (0, 4))
        #expect(units(.updateItem, 4000) == (0, 8)) // 4 WRU
        #expect(units(.getItem, 110) == (1, 0)) // ½ RRU
        #expect(units(.getItem, 110, consistent: true) == (2, 0)) // 1 RRU
        #expect(units(.getItem, 4097) == (2, 0) && units(.getItem, 4097, consistent: true) == (4, 0))
        #expect(units(.query, 1000, items: 10) == (3, 0)) // 10,000 bytes → 3 × 4 KB, ½ each
        #expect(units(.query, 1000, items: 0) == (1, 0)) // an empty result still reads ½
    }

    @Test func consistentReadsAddTheirParameterToTheRequest() {
        func body(_ consistent: Bool) -> Int {
            DynamoDBRequest(
                call: DynamoDBCall(operation: .getItem, table: "Orders", consistentRead: consistent),
                host: "dynamodb.us-east-1.amazonaws.com", region: "us-east-1",
                credentials: .documentedExample(tokenSeed: 7), userAgent: "Boto3/1.44.5", unixSeconds: 1_795_428_001,
                trace: XRayTraceHeader(unixSeconds: 1_795_428_000, seed: 3), invocationID: 9, attempt: 1, key: 42
            ).sizes.body
        }
        #expect(body(true) - body(false) == #", "ConsistentRead": true"#.utf8.count)
    }

    @Test func cpuWorkScalesWithTheMemorysShareOfAVCPU() {
        var f = LambdaFunction(name: "f", accountID: "1", region: "us-east-1", program: [], arrivals: .none)
        #expect(f.memoryMB == 128)
        #expect(f.cpuTime(.milliseconds(15)) == SimDuration(nanoseconds: 15_000_000 * 1769 / 128))
        f.memoryMB = 1769
        #expect(f.cpuTime(.milliseconds(15)) == .milliseconds(15))
        f.memoryMB = 4096 // a single-threaded SDK gains nothing above one vCPU
        #expect(f.cpuTime(.milliseconds(15)) == .milliseconds(15))
    }

    @Test func withoutKeepAliveEveryCallOpensAConnection() {
        for reuse in [true, false] {
            var w = TestWorlds.dynamoDB(
                program: [
                    .dynamodb(DynamoDBCall(operation: .putItem, table: "Orders")),
                    .dynamodb(DynamoDBCall(operation: .getItem, table: "Orders")),
                ])
            w.functions[0].connectionReuse = reuse
            w.metrics.requestLog = []
            var run = WorldRun(w)
            for _ in 0..<5 {
                run.invoke()
                run.run(for: .seconds(1))
            }
            let log = run.world.metrics.requestLog ?? []
            #expect(log.count == 10 && log.allSatisfy { !$0.failed })
            let opened = log.filter(\.newConnection).count
            #expect(opened == (reuse ? 1 : 10), "reuse \(reuse): \(opened) new connections")
            #expect(run.world.tcp.connectionsOpened == (reuse ? 1 : 10))
            // A new connection costs the handshake and the SDK's CA-bundle load on 128 MB of CPU.
            let fresh = log.filter(\.newConnection).map(\.latency).min()!
            #expect(fresh > w.functions[0].cpuTime(.milliseconds(15)))
            if reuse {
                let warm = log.filter { !$0.newConnection }.map(\.latency).max()!
                #expect(warm < .milliseconds(20) && fresh > warm + .milliseconds(100))
            }
        }
    }

    @Test func billedDurationIncludesInitAndRoundsUp() {
        var run = WorldRun(TestWorlds.dynamoDB())
        run.invoke()
        run.run(for: .seconds(2))
        run.invoke()
        run.run(for: .seconds(2))
        let m = run.world.metrics.functions[0]
        #expect(m.invocations == 2 && m.coldStarts == 1 && m.initNanoseconds > 0)
        let durations = m.duration.mean * 2 / 1e6 // ms
        let billed = Double(m.billedMilliseconds)
        #expect(billed >= Double(m.initNanoseconds) / 1e6 + durations - 0.05)
        #expect(billed <= Double(m.initNanoseconds) / 1e6 + durations + 2.05)
    }

    @Test func largerItemsTakeDynamoDBLonger() {
        var medians: [Int64] = []
        for bytes in [1_000, 400_000] {
            var w = TestWorlds.dynamoDB(program: [
                .dynamodb(DynamoDBCall(operation: .putItem, table: "T", itemBytes: bytes))
            ])
            w.metrics.requestLog = []
            var run = WorldRun(w)
            for _ in 0..<40 {
                run.invoke()
                run.run(for: .seconds(1))
            }
            let warm = (run.world.metrics.requestLog ?? []).filter { !$0.newConnection }.map(\.latency.nanoseconds)
                .sorted()
            medians.append(warm[warm.count / 2])
        }
        // 390 KB more at 40 µs/KB: ≈ 15.6 ms more service time, plus the transfer.
        #expect(medians[1] - medians[0] > 15_000_000, "\(medians)")
    }
}
