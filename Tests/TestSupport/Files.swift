import Foundation

/// A fresh empty directory under the system's temporary directory.
public func temporaryDirectory(_ name: String = "vpcsim-test") -> String {
    let path = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Runs a program; returns its exit status and standard output and error.
@discardableResult
public func runProgram(
    _ path: String, _ arguments: [String], environment: [String: String]? = nil,
    currentDirectory: String? = nil
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
    p.waitUntilExit()
    try? out.close()
    try? err.close()
    let outData = FileManager.default.contents(atPath: base + ".out") ?? Data()
    let errData = FileManager.default.contents(atPath: base + ".err") ?? Data()
    return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

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
