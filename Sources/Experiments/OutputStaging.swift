import Foundation
import Capture

/// Where a run writes: a fresh directory beside `--out`, swapped in only when the run is
/// complete, so the previous outputs are never lost to a run that fails, crashes or is killed.
///
/// - `path` (`<out>.vpcsim-partial-<pid>`) receives every file of the run;
/// - ``commit()`` replaces the run's output names in `<out>` (``OutputStaging/names``) with the
///   new ones — each by one rename, `summary.json` last — and removes what they replaced; files
///   of other names in `<out>` are left alone;
/// - ``keepAsInterrupted()`` leaves `<out>` as it was and renames the partial run to
///   `<out>.interrupted` (replacing an older interrupted run);
/// - ``discard()`` removes the partial run (a failed run writes nothing).
public struct OutputStaging: Sendable {
    /// The names a run owns in its output directory.
    public static let names = OutputLayout.all + files
    /// The names above that are files (the others are directories).
    static let files = [OutputLayout.tlsKeyLog, "summary.json"]
    /// `--out` as given, for messages and the summary.
    public let final: String
    /// The partial run's directory.
    public let path: String
    /// Where an interrupted run is kept.
    public var interruptedPath: String { final + ".interrupted" }

    /// Checks `out` and creates the partial run's directory beside it. Throws a ``UsageError``
    /// for an empty `out`, the root directory, a non-directory, or an output name of the wrong
    /// kind in it (a directory named `summary.json` is not replaced).
    public init(final out: String) throws {
        try Self.validate(out)
        var trimmed = out
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        final = trimmed
        let parent = (trimmed as NSString).deletingLastPathComponent
        if !parent.isEmpty { try makeDirectories(parent) }
        path = "\(trimmed).vpcsim-partial-\(getpid())"
        Self.removeStale(beside: trimmed)
        if FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: path) }
        guard mkdir(path, 0o755) == 0 else {
            throw OutputError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// An `--out` a run may write to: not empty, not the root directory, a directory if it
    /// exists, and holding vpcsim's output names only as the kinds vpcsim writes.
    public static func validate(_ out: String) throws {
        guard !out.isEmpty else { throw UsageError("--out is empty (an unset variable?); give a directory") }
        let absolute = out.hasPrefix("/") ? out : FileManager.default.currentDirectoryPath + "/" + out
        let resolved = (absolute as NSString).standardizingPath
        let real = URL(fileURLWithPath: resolved).resolvingSymlinksInPath().path
        guard resolved != "/" && real != "/" else {
            throw UsageError("--out '\(out)' is the root directory; give a directory for the run's outputs")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw UsageError("--out '\(out)' exists and is not a directory") }
            for name in names {
                let p = out + "/" + name
                guard FileManager.default.fileExists(atPath: p, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue == files.contains(name) {
                    throw UsageError(
                        "\(p) is a \(isDirectory.boolValue ? "directory" : "file"), not one of vpcsim's outputs; "
                            + "vpcsim will not replace it (move it, or choose another --out)")
                }
            }
        }
    }

    /// Swaps the finished run in: `<out>` gets this run's outputs, the previous ones are removed.
    public func commit() throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: final) {
            guard rename(path, final) == 0 else { throw renameError(path, final) }
            return
        }
        let old = path + "/.previous"
        try makeDirectories(old)
        for name in Self.names {
            let new = path + "/" + name, current = final + "/" + name
            if fm.fileExists(atPath: current) {
                guard rename(current, old + "/" + name) == 0 else { throw renameError(current, old) }
            }
            if fm.fileExists(atPath: new) {
                guard rename(new, current) == 0 else { throw renameError(new, current) }
            }
        }
        discard()
    }

    /// Keeps the interrupted run beside `<out>` as `<out>.interrupted`; `<out>` is untouched.
    public func keepAsInterrupted() throws {
        if FileManager.default.fileExists(atPath: interruptedPath) {
            try FileManager.default.removeItem(atPath: interruptedPath)
        }
        guard rename(path, interruptedPath) == 0 else { throw renameError(path, interruptedPath) }
    }

    /// Removes the partial runs of processes that no longer exist (killed with SIGKILL, or by a
    /// power cut): `<out>.vpcsim-partial-<pid>` whose pid is gone.
    static func removeStale(beside out: String) {
        let parent = (out as NSString).deletingLastPathComponent
        let prefix = (out as NSString).lastPathComponent + ".vpcsim-partial-"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: parent.isEmpty ? "." : parent)) ?? []
        for e in entries where e.hasPrefix(prefix) {
            guard let pid = Int32(e.dropFirst(prefix.count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            remove((parent.isEmpty ? "" : parent + "/") + e)
        }
    }

    /// Removes the partial run (after a failure).
    public func discard() { Self.remove(path) }

    /// Removes a directory tree; retries a few times in case another thread is still creating
    /// files in it (the forced exit of a second Ctrl-C).
    static func remove(_ path: String) {
        for _ in 0..<5 {
            try? FileManager.default.removeItem(atPath: path)
            if !FileManager.default.fileExists(atPath: path) { return }
        }
    }

    func renameError(_ from: String, _ to: String) -> OutputError {
        OutputError("cannot move \(from) to \(to): \(String(cString: strerror(errno)))")
    }
}

/// A mistake on the command line (exit status 64, like the argument parser's).
public struct UsageError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
