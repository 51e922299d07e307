import Synchronization
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request to stop a run at its next slice boundary, closing its files cleanly.
/// Each run watches one: the process's Ctrl-C signal by default, or its own (tests, embedders)
/// so that stopping one run never stops another running in the same process.
public final class StopSignal: Sendable {
    let flag = Atomic<Int>(0)
    public init() {}
    public var requested: Bool { flag.load(ordering: .relaxed) > 0 }
    public func request() { flag.add(1, ordering: .relaxed) }
}

/// Ctrl-C handling: the first SIGINT/SIGTERM asks the run to stop at the next slice boundary and
/// close its files cleanly; a second one exits at once.
public enum Interrupt {
    /// The signal SIGINT/SIGTERM raise once `install()` has run.
    public static let process = StopSignal()

    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { _ in
            if Interrupt.process.flag.add(1, ordering: .relaxed).newValue > 1 { _exit(130) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }
}
