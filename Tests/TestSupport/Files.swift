import Foundation

/// A fresh empty directory under the system's temporary directory.
public func temporaryDirectory(_ name: String = "vpcsim-test") -> String {
    let path = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Runs a program; returns its exit status and standard output and error. With `timeout`
/// (seconds), a program still running then is sent SIGTERM, and SIGKILL 5 s later; its status is
/// then ``timedOutStatus`` and standard error ends with a line saying so — a hang fails the test
/// that ran it instead of the whole suite. `onStart` gets the child's process id once it runs.
@discardableResult
public func runProgram(
    _ path: String, _ arguments: [String], environment: [String: String]? = nil,
    currentDirectory: String? = nil, timeout: Double? = nil, onStart: ((Int32) -> Void)? = nil
) -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    if let environment { p.environment = environment }
    if let currentDirectory { p.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    // Output goes to files, so a chatty child never blocks on a full pipe.
    let base = NSTemporaryDirectory() + "vpcsim-run-\(UUID().uuidString)"
    FileManager.default.createFile(atPath: base + ".out", contents: nil)
    FileManager.default.createFile(atPath: base + ".err", contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: base + ".out");
        try? FileManager.default.removeItem(atPath: base + ".err")
    }
    guard let out = FileHandle(forWritingAtPath: base + ".out"), let err = FileHandle(forWritingAtPath: base + ".err")
    else {
        return (-1, "", "cannot create output files")
    }
    p.standardOutput = out
    p.standardError = err
    do { try p.run() } catch { return (-1, "", "cannot run \(path): \(error)") }
    onStart?(p.processIdentifier)
    var timedOut = false
    if let timeout {
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning {
            timedOut = true
            kill(p.processIdentifier, SIGTERM)
            let hard = Date().addingTimeInterval(5)
            while p.isRunning && Date() < hard { usleep(20_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
    }
    p.waitUntilExit()
    try? out.close()
    try? err.close()
    let outData = FileManager.default.contents(atPath: base + ".out") ?? Data()
    var errText = String(decoding: FileManager.default.contents(atPath: base + ".err") ?? Data(), as: UTF8.self)
    if timedOut { errText += "\n[runProgram: \(path) still running after \(timeout!) s: stopped]\n" }
    return (timedOut ? timedOutStatus : p.terminationStatus, String(decoding: outData, as: UTF8.self), errText)
}

/// The status `runProgram` reports for a program it had to stop at its timeout.
public let timedOutStatus: Int32 = -2

/// Finds a program on PATH.
public func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

/// The lines of a gzip file (decompressed with the system's gzip).
public func gunzipLines(_ path: String) -> [String] {
    let r = runProgram(which("gzip") ?? "/bin/gzip", ["-dc", path])
    precondition(r.status == 0, "gzip -dc \(path) failed: \(r.stderr)")
    return r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
}

/// Every regular file under `dir`, as paths relative to it, sorted.
public func filesUnder(_ dir: String) -> [String] {
    guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
    var out: [String] = []
    while let f = e.nextObject() as? String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir + "/" + f, isDirectory: &isDir), !isDir.boolValue {
            out.append(f)
        }
    }
    return out.sorted()
}

/// The `vpcsim` binary as users run it: the one built beside the test bundle (debug or release),
/// else the debug build.
public func vpcsimBinary() -> String {
    var dir = Bundle.main.bundlePath
    for _ in 0..<4 {
        if FileManager.default.isExecutableFile(atPath: dir + "/vpcsim") { return dir + "/vpcsim" }
        dir = (dir as NSString).deletingLastPathComponent
    }
    return repositoryRoot() + "/.build/debug/vpcsim"
}
