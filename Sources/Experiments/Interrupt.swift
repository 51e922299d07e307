import Foundation
import Synchronization
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request to stop a run at its next slice boundary, closing its files cleanly.
/// Each run watches one: the process's signals by default, or its own (tests, embedders)
/// so that stopping one run never stops another running in the same process.
public final class StopSignal: Sendable {
    let flag = Atomic<Int>(0)
    /// The number of the signal that asked first (0: asked by a call to `request()`).
    let signalNumber = Atomic<Int32>(0)
    public init() {}
    public var requested: Bool { flag.load(ordering: .relaxed) > 0 }
    public func request() { flag.add(1, ordering: .relaxed) }

    /// What stopped the run, as the summary records it: `SIGINT`, `SIGTERM`, `SIGHUP` or
    /// `request` (an embedder's or a test's own stop).
    public var reason: String {
        switch signalNumber.load(ordering: .relaxed) {
        case 0: return "request"
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        case let n: return "signal \(n)"
        }
    }

    /// The exit status of a run this stopped: 128 + the signal's number (130 for Ctrl-C).
    public var exitStatus: Int32 {
        let n = signalNumber.load(ordering: .relaxed)
        return 128 + (n == 0 ? SIGINT : n)
    }
}

/// The process's signals. The first SIGINT, SIGTERM or SIGHUP asks the run to stop at the next
/// slice boundary, close its files and keep them beside `--out` as an interrupted run. A second
/// one — or a run that has not stopped `gracePeriod` after the first — stops at once: the
/// partial run's directory is removed (the previous outputs in `--out` are untouched) and the
/// process exits with 128 + the signal's number.
///
/// The handler only counts and writes a byte to a pipe (both async-signal-safe); a watcher thread
/// does the rest. A file-size limit's SIGXFSZ is ignored, so that a write past it fails with
/// EFBIG and is reported like any other write error.
public enum Interrupt {
    /// The signal SIGINT/SIGTERM/SIGHUP raise once `install()` has run.
    public static let process = StopSignal()
    /// How long a run may take to stop cleanly after the first signal.
    public static let gracePeriod: Double = 30

    nonisolated(unsafe) static var pipeWrite: Int32 = -1
    static let state = Mutex<State>(State())

    struct State {
        /// The partial run to remove on a forced stop.
        var staging: String?
        /// Set while the run's outputs are being swapped in: a forced stop waits for it.
        var committing = false
        var installed = false
    }

    public static func install() {
        let first = state.withLock { s -> Bool in
            defer { s.installed = true }
            return !s.installed
        }
        guard first else { return }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        pipeWrite = fds[1]
        let handler: @convention(c) (Int32) -> Void = { n in
            _ = Interrupt.process.signalNumber.compareExchange(
                expected: 0, desired: n, ordering: .relaxed)
            Interrupt.process.flag.add(1, ordering: .relaxed)
            var byte = UInt8(truncatingIfNeeded: n)
            _ = write(Interrupt.pipeWrite, &byte, 1)
        }
        // A parent may have blocked them (a test harness, a service manager): a blocked SIGTERM
        // would stay pending and the run would ignore it.
        var mask = sigset_t()
        sigemptyset(&mask)
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s, handler)
            sigaddset(&mask, s)
        }
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
        signal(SIGXFSZ, SIG_IGN)
        let readEnd = fds[0]
        Thread.detachNewThread { watch(readEnd) }
    }

    /// The partial run a forced stop removes (nil once the run is over).
    public static func protect(staging: String?) { state.withLock { $0.staging = staging } }

    /// Runs `body` (swapping outputs in) without a forced stop cutting it in half.
    public static func critical<T>(_ body: () throws -> T) rethrows -> T {
        state.withLock { $0.committing = true }
        defer { state.withLock { $0.committing = false } }
        return try body()
    }

    /// The watcher: the first signal starts the grace period, a second one (or its end) stops.
    static func watch(_ fd: Int32) {
        var signals = 0
        var deadline: Double?
        var last: Int32 = SIGINT
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let wait = deadline.map { max(0, Int32(($0 - Date().timeIntervalSince1970) * 1000)) } ?? -1
            let r = poll(&p, 1, wait)
            if r > 0 {
                var byte: UInt8 = 0
                if read(fd, &byte, 1) == 1 {
                    signals += 1
                    last = Int32(byte)
                    if signals == 1 { deadline = Date().timeIntervalSince1970 + gracePeriod; continue }
                }
            } else if r < 0 {
                continue // EINTR
            }
            if signals >= 2 || (deadline.map { Date().timeIntervalSince1970 >= $0 } ?? false) {
                forcedStop(signal: signals >= 2 ? last : process.signalNumber.load(ordering: .relaxed))
            }
        }
    }

    static func forcedStop(signal n: Int32) -> Never {
        // Wait for a swap in progress to end (it takes a few renames).
        while state.withLock({ $0.committing }) { usleep(1000) }
        let staging = state.withLock { $0.staging }
        if let staging { OutputStaging.remove(staging) }
        let what =
            staging == nil
            ? "stopped at once" : "stopped at once; the partial run was removed and the previous outputs are unchanged"
        let message = "\nvpcsim: interrupted (\(StopSignal.name(n))): \(what)\n"
        FileHandle.standardError.write(Data(message.utf8))
        _exit(128 + n)
    }
}

extension StopSignal {
    static func name(_ n: Int32) -> String {
        switch n {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(n)"
        }
    }
}
