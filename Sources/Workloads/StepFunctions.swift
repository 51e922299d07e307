import SimCore
import NetModel

/// A running Step Functions execution.
struct Execution: Sendable {
    var machine: Int32
    var task: Int32
    var attempt: Int32
    var start: SimTime
    /// The wait before the latest retry, in seconds (the next is this × BackoffRate).
    var retryWait = 0.0
}

extension World {
    mutating func scheduleNextExecution(machine m: Int, first: Bool, _ s: inout Scheduler) {
        guard let gap = stateMachines[m].arrivals.nextGap(first: first, randomPhase: true, &machineArrivalRandom[m])
        else { return }
        let at = s.now + gap
        if at < workloadEnd { s.schedule(at: at, EventPayload(AppEvent.executionArrival, object: UInt32(m))) }
    }

    /// A scheduled execution: the next is scheduled, this one starts.
    mutating func executionArrived(machine m: Int, _ now: SimTime, _ s: inout Scheduler) {
        scheduleNextExecution(machine: m, first: false, &s)
        startExecution(machine: m, now, &s)
    }

    /// StartExecution (a schedule's, or a handler's call the service accepted): the first Task
    /// state is scheduled after the service's transition overhead.
    mutating func startExecution(machine m: Int, _ now: SimTime, _ s: inout Scheduler) {
        metrics.stateMachines[m].executions += 1
        runningExecutions += 1
        let x = Execution(machine: Int32(m), task: 0, attempt: 1, start: now)
        let k: Int32
        if let r = freeExecutions.popLast() {
            executions[Int(r)] = x; k = r
        } else {
            executions.append(x); k = Int32(executions.count - 1)
        }
        scheduleExecutionStep(Int(k), after: stateMachines[m].transitionOverhead, &s)
    }

    mutating func scheduleExecutionStep(_ x: Int, after delay: SimDuration, _ s: inout Scheduler) {
        let step = EventPayload(AppEvent.stateMachineStep, object: UInt32(x), aux: timers.executionStep.arm(x))
        s.schedule(after: delay, step)
    }

    /// A Task state invokes its Lambda function through the Lambda API, service to service: no
    /// packet of it crosses the customer VPC (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html;
    /// functions run in a Lambda-owned VPC, https://docs.aws.amazon.com/lambda/latest/dg/foundation-networking.html).
    mutating func executionStep(_ x: Int, generation: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        guard timers.executionStep.isCurrent(x, generation) else { return }
        let m = Int(executions[x].machine)
        let task = stateMachines[m].tasks[Int(executions[x].task)]
        metrics.stateMachines[m].stateTransitions += 1
        invoke(function: task.function, caller: .execution(Int32(x)), now, &s)
    }

    /// The invoked function finished. Success moves to the next state; `Lambda.Unknown`
    /// (timeouts, errors) follows the task's Retry (IntervalSeconds × BackoffRate^(n−1)).
    mutating func taskFinished(execution x: Int, _ result: TaskResult, _ now: SimTime, _ s: inout Scheduler) {
        let m = Int(executions[x].machine)
        let machine = stateMachines[m]
        let task = machine.tasks[Int(executions[x].task)]
        switch result {
        case .succeeded:
            executions[x].task += 1
            executions[x].attempt = 1
            if Int(executions[x].task) >= machine.tasks.count {
                metrics.stateMachines[m].succeeded += 1
                metrics.stateMachines[m].duration.record(now + machine.transitionOverhead - executions[x].start)
                freeExecutions.append(Int32(x))
                runningExecutions -= 1
                return
            }
            scheduleExecutionStep(x, after: machine.transitionOverhead, &s)
        case .failed:
            if Int(executions[x].attempt) <= task.maxAttempts {
                metrics.stateMachines[m].taskRetries += 1
                // IntervalSeconds × BackoffRate^(n−1), one multiplication per retry, capped at ten
                // years (the longest run): no retry loop grows with the attempt count.
                let wait =
                    executions[x].attempt == 1
                    ? task.retryInterval.seconds : min(executions[x].retryWait * task.backoffRate, 315_360_000)
                executions[x].retryWait = wait
                executions[x].attempt += 1
                scheduleExecutionStep(x, after: SimDuration(seconds: wait), &s)
            } else {
                metrics.stateMachines[m].failed += 1
                metrics.stateMachines[m].duration.record(now - executions[x].start)
                freeExecutions.append(Int32(x))
                runningExecutions -= 1
            }
        }
    }
}
