import SimCore
import Wire
import NetModel
import Transport

/// A Lambda execution environment: one microVM running one invocation at a time, reached
/// through its function's Hyperplane ENI (or the Lambda service network, outside a VPC).
struct Environment: Sendable {
    enum Phase: Sendable { case initializing, idle, running, dead }
    enum Next: Sendable, Equatable {
        case none, startProgram, sendClientHello, finishHandshake, afterResponse, retryCall
    }
    enum Call: Sendable, Equatable { case none, resolving, connecting, handshaking, awaitingResponse, backoff }

    var function: Int32
    var host: HostIndex
    var address: IPAddress
    var vpc: VPCIndex?
    var phase: Phase = .initializing
    var needsInit = true
    var next: Next = .none
    var invocation: Int32 = -1
    var pc = 0
    var call: Call = .none
    var attempt = 0
    var callStart = SimTime.zero
    /// The current call opened a connection (for the request log).
    var callOpenedConnection = false
    /// The SDK clients' pooled connections (keep-alive), at most one per target.
    var pool: [PooledConnection] = []
    /// The pool entry the current call uses (-1: none yet).
    var active = -1
    var dnsPort: UInt16 = 0
    var dnsPending = 0
    var dnsAnswer: IPAddress?
    var dnsName = NameIndex(0)
    var lastUsed = SimTime.zero
}

struct Invocation: Sendable {
    /// What started it: its own arrivals (or an asynchronous Invoke), a Step Functions execution,
    /// or a synchronous Invoke whose answer waits on connection `synchronous`'s front end.
    enum Caller: Sendable { case arrival, execution(Int32), synchronous(UInt32) }
    var function: Int32
    var environment: Int32
    var start: SimTime
    var caller: Caller
    /// The init phase that ran before it (cold start), zero when warm.
    var initTime = SimDuration.zero
    /// The function's invocation count when this one began (1, 2, …): the order number its
    /// handler's items carry.
    var number: UInt64 = 0
    /// Its node in `World.lineage` once it invokes or was invoked by a topology function
    /// (World+RecursionGuard.swift), else -1.
    var lineage: Int32 = -1
}

/// Where a finished Step Functions task goes.
enum TaskResult: Sendable { case succeeded, failed(String) }

extension World {
    // MARK: Arrivals

    mutating func scheduleNextArrival(function f: Int, after: SimDuration, first: Bool, _ s: inout Scheduler) {
        guard let gap = functions[f].arrivals.nextGap(first: first, randomPhase: true, &functionArrivalRandom[f]) else {
            return
        }
        let at = s.now + gap
        if at < workloadEnd { s.schedule(at: at, EventPayload(AppEvent.invocationArrival, object: UInt32(f))) }
    }

    mutating func invocationArrived(function f: Int, _ now: SimTime, _ s: inout Scheduler) {
        scheduleNextArrival(function: f, after: .zero, first: false, &s)
        invoke(function: f, caller: .arrival, now, &s)
    }

    /// Starts an invocation on a warm idle environment (the most recently used) or a new one.
    mutating func invoke(
        function f: Int, caller: Invocation.Caller, lineage: Int32 = -1, _ now: SimTime, _ s: inout Scheduler
    ) {
        metrics.functions[f].invocations += 1
        let env: Int
        if let c = takeIdleEnvironment(function: f) {
            env = c
        } else {
            env = newEnvironment(function: f)
        }
        let cold = environments[env].needsInit
        if cold { metrics.functions[f].coldStarts += 1 }
        let inv = Invocation(
            function: Int32(f), environment: Int32(env), start: now, caller: caller,
            number: UInt64(metrics.functions[f].invocations), lineage: lineage)
        let k: Int32
        if let r = freeInvocations.popLast() {
            invocations[Int(r)] = inv; k = r
        } else {
            invocations.append(inv); k = Int32(invocations.count - 1)
        }
        environments[env].invocation = k
        runningInvocations += 1
        timers.environmentReclaim.cancel(env)
        environments[env].pc = 0
        environments[env].phase = .running
        // The function timeout counts the invoke phase; a cold start's init runs first (capped at 10 s).
        var initTime = SimDuration.zero
        if cold {
            let fn = functions[f]
            initTime = min(
                SimDuration(seconds: random.lognormal(median: fn.initMedian.seconds, sigma: fn.initSigma)),
                .seconds(10))
            environments[env].needsInit = false
        }
        // Durations and the timeout count the invoke phase, after any init (as REPORT's Duration does).
        invocations[Int(k)].start = now + initTime
        invocations[Int(k)].initTime = initTime
        let generation = timers.invocationTimeout.arm(env)
        let timeout = EventPayload(AppEvent.invocationTimeout, object: UInt32(env), aux: generation)
        s.schedule(at: now + initTime + functions[f].timeout, timeout)
        after(initTime, env: env, .startProgram, &s)
    }

    mutating func newEnvironment(function f: Int) -> Int {
        let fn = functions[f]
        let n = Int(metrics.functions[f].environmentsCreated)
        let host = fn.hosts[n % fn.hosts.count]
        let address: IPAddress
        var vpc: VPCIndex?
        switch network.hosts[host.int] {
        case .eni(let e):
            address = network.enis[e.int].privateIP
            vpc = network.enis[e.int].vpc
        case .publicAddress(let a, _):
            address = a
        default:
            preconditionFailure("a function host is attached through an ENI or a public address")
        }
        metrics.functions[f].environmentsCreated += 1
        environments.append(Environment(function: Int32(f), host: host, address: address, vpc: vpc))
        return environments.count - 1
    }

    /// Continue environment `env` with `next` after `delay`.
    mutating func after(_ delay: SimDuration, env: Int, _ next: Environment.Next, _ s: inout Scheduler) {
        environments[env].next = next
        let step = EventPayload(AppEvent.environmentStep, object: UInt32(env), aux: timers.environmentStep.arm(env))
        s.schedule(after: delay, step)
    }

    mutating func environmentStep(_ env: Int, generation: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard timers.environmentStep.isCurrent(env, generation), environments[env].phase == .running else { return }
        let next = environments[env].next
        environments[env].next = .none
        switch next {
        case .none: return
        case .startProgram: runStep(env, now, &s)
        case .sendClientHello:
            let k = environments[env].active
            guard k >= 0, k < environments[env].pool.count,
                tcp.socket(environments[env].pool[k].socket).state == .established
            else { return }
            sendClientHello(env, k, now, &s)
        case .finishHandshake: finishHandshake(env, now, &s)
        case .afterResponse:
            environments[env].pc += 1
            runStep(env, now, &s)
        case .retryCall: beginCall(env, now, &s)
        }
    }

    mutating func runStep(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        let f = Int(environments[env].function)
        let program = functions[f].program
        guard environments[env].pc < program.count else {
            finishInvocation(env, .succeeded, now, &s)
            return
        }
        switch program[environments[env].pc] {
        case .compute(let d):
            after(d, env: env, .afterResponse, &s)
        case .call(let c) where c.coldStartOnly && invocations[Int(environments[env].invocation)].initTime == .zero:
            // Already made at this environment's cold start (the handler keeps the result).
            environments[env].pc += 1
            runStep(env, now, &s)
        case .dynamodb, .database, .call:
            environments[env].attempt = 1
            environments[env].callStart = now
            environments[env].callOpenedConnection = false
            beginCall(env, now, &s)
        }
    }

    // MARK: Finishing

    mutating func finishInvocation(_ env: Int, _ outcome: InvocationOutcome, _ now: SimTime, _ s: inout Scheduler) {
        let k = environments[env].invocation
        guard k >= 0 else { return }
        let inv = invocations[Int(k)]
        let f = Int(inv.function)
        let duration = now - inv.start
        metrics.functions[f].duration.record(duration)
        let billed = (inv.initTime + duration).nanoseconds
        metrics.functions[f].billedMilliseconds += UInt64((max(billed, 0) + 999_999) / 1_000_000)
        metrics.functions[f].initNanoseconds += inv.initTime.nanoseconds
        switch outcome {
        case .succeeded: metrics.functions[f].succeeded += 1
        case .timedOut:
            metrics.functions[f].timedOut += 1
            if metrics.functions[f].timeoutMessages.count < 5 {
                metrics.functions[f].timeoutMessages.append(
                    "Task timed out after \(Self.twoDecimals(duration)) seconds")
            }
        case .failed(let why):
            metrics.functions[f].failed += 1
            metrics.functions[f].errors[why, default: 0] += 1
        }
        environments[env].invocation = -1
        runningInvocations -= 1
        timers.invocationTimeout.cancel(env)
        environments[env].call = .none
        timers.environmentStep.cancel(env)
        environments[env].lastUsed = now
        freeInvocations.append(k)
        if workloadEnded {
            shutdown(env, now, &s)
        } else {
            environments[env].phase = .idle
            pushIdleEnvironment(env)
            let generation = timers.environmentReclaim.arm(env)
            let reclaim = EventPayload(AppEvent.environmentReclaim, object: UInt32(env), aux: generation)
            s.schedule(after: functions[f].idleReclaim, reclaim)
        }
        if case .execution(let x) = inv.caller {
            taskFinished(
                execution: Int(x), outcome == .succeeded ? .succeeded : .failed(Self.errorName(outcome)), now, &s)
        } else if case .synchronous(let c) = inv.caller {
            var failure: InvokedFunctionError?
            switch outcome {
            case .succeeded: break
            case .timedOut: failure = .timedOut(seconds: Self.twoDecimals(duration))
            case .failed(let why): failure = .failed(error: why)
            }
            invokedFunctionFinished(connection: c, failure, &s)
        }
    }

    static func errorName(_ o: InvocationOutcome) -> String {
        switch o {
        case .succeeded: return ""
        case .timedOut: return "Lambda.Unknown"
        case .failed: return "Lambda.Unknown"
        }
    }

    static func twoDecimals(_ d: SimDuration) -> String {
        let centis = (d.nanoseconds + 5_000_000) / 10_000_000
        let frac = centis % 100
        return "\(centis / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// The function timed out: Lambda resets the environment
    /// (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html); the next invoke
    /// initialises again. Assumed: the reset sends nothing on the function's sockets.
    mutating func invocationTimeout(_ env: Int, generation: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard timers.invocationTimeout.isCurrent(env, generation), environments[env].invocation >= 0 else { return }
        finishInvocationAfterReset(env, now, &s)
    }

    mutating func finishInvocationAfterReset(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        dropSockets(env)
        environments[env].needsInit = true
        finishInvocation(env, .timedOut, now, &s)
    }

    /// Forget an environment's sockets without a packet (its guest is gone or reset).
    mutating func dropSockets(_ env: Int) {
        let e = environments[env]
        for p in e.pool {
            tcp.discard(p.socket, &network)
            channels.update(p.connection) { $0.clientSocket = .max }
        }
        if e.dnsPort != 0 { udpBindings[e.host, e.dnsPort] = nil }
        timers.dnsTimeout.cancel(env)
        environments[env].dnsPort = 0
        environments[env].pool = []
        environments[env].active = -1
    }

    /// An idle environment is reclaimed: its microVM is destroyed, no packets are sent.
    mutating func environmentReclaim(_ env: Int, generation: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard environments[env].phase == .idle, timers.environmentReclaim.isCurrent(env, generation) else { return }
        dropSockets(env)
        environments[env].phase = .dead
    }

    /// The workload window is over: no more arrivals; idle environments shut down now, busy ones
    /// when their invocation ends.
    mutating func endWorkload(_ now: SimTime, _ s: inout Scheduler) {
        workloadEnded = true
        for i in environments.indices where environments[i].phase == .idle { shutdown(i, now, &s) }
    }

    /// Shutdown: the SDK's connection pool is closed as the runtime exits, so each pooled
    /// connection ends with a FIN (or a RST if the server had already closed it and left a
    /// close_notify unread).
    mutating func shutdown(_ env: Int, _ now: SimTime, _ s: inout Scheduler) {
        for p in environments[env].pool {
            switch tcp.socket(p.socket).state {
            case .established: tcp.close(p.socket, now: now, &network, &s)
            case .closeWait: tcp.abort(p.socket, now: now, &network, &s)
            case .closed: break
            default: tcp.discard(p.socket, &network)
            }
        }
        environments[env].pool = []
        environments[env].active = -1
        environments[env].phase = .dead
    }
}
