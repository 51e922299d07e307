import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C handling: the first SIGINT/SIGTERM asks the run to stop at the next slice boundary and
/// close its files cleanly; a second one exits at once.
public enum Interrupt {
    static let flag = Atomic<Int>(0)

    public static var requested: Bool { flag.load(ordering: .relaxed) > 0 }

    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { _ in
            if Interrupt.flag.add(1, ordering: .relaxed).newValue > 1 { _exit(130) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    /// For tests: pretend an interrupt arrived (or clear it).
    public static func set(_ on: Bool) { flag.store(on ? 1 : 0, ordering: .relaxed) }
}
