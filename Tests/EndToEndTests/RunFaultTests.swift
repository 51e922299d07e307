import Testing
import Foundation
import Synchronization
import TestSupport

/// The process id of a child, set from `runProgram`'s `onStart` and read by another thread.
final class ChildPID: Sendable {
    let value = Atomic<Int32>(0)
    func set(_ pid: Int32) { value.store(pid, ordering: .sequentiallyConsistent) }
    /// Waits until the child has started.
    var pid: Int32 {
        while value.load(ordering: .sequentiallyConsistent) == 0 { usleep(1000) }
        return value.load(ordering: .sequentiallyConsistent)
    }
}

/// Faults while a run writes (issue 10): a full disk, a file-size limit, a vanished output
/// directory, SIGINT/SIGTERM/SIGHUP at any moment, SIGKILL. Each ends with one clear message, a
/// non-zero exit, every completed file valid (capinfos, gzip -t, summary.json), the previous
/// outputs unchanged and no temporary file left. The disk is a small tmpfs mounted by the test
/// (CI runs as root; without the mount the test fails, it does not skip).
@Suite(.serialized) struct RunFaultTests {
    var binary: String { vpcsimBinary() }
    static let lambda = repositoryRoot() + "/Topologies/lambda-dynamodb-gateway-endpoint.yaml"
    static let dataset = repositoryRoot() + "/Topologies/dataset-enterprise.yaml"

    /// A tmpfs of `size` at a fresh directory; unmounted by the returned closure.
    func tmpfs(_ size: String) throws -> (path: String, unmount: () -> Void) {
        let dir = temporaryDirectory("tmpfs")
        let r = runProgram("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", dir])
        guard r.status == 0 else {
            throw ToolFailure("cannot mount a tmpfs at \(dir) (the disk-full tests need root): \(r.stderr)")
        }
        return (
            dir,
            {
                runProgram("/bin/umount", [dir])
                try? FileManager.default.removeItem(atPath: dir)
            }
        )
    }

    /// Every regular file below `dir` with its bytes.
    func snapshot(_ dir: String) -> [String: Data] {
        Dictionary(
            uniqueKeysWithValues: filesUnder(dir).map { ($0, FileManager.default.contents(atPath: dir + "/" + $0)!) })
    }

    /// Every file of a run directory is complete: pcaps open in capinfos, gzip files pass
    /// `gzip -t`, summary.json parses; nothing is left under a temporary name.
    func expectValidRun(_ dir: String, _ context: String) throws -> [String: Any] {
        let files = filesUnder(dir)
        #expect(!files.contains { $0.hasSuffix(".partial") }, "\(context): temporary files in \(dir): \(files)")
        let capinfos = try requireTool("capinfos", package: "tshark")
        for f in files where f.hasSuffix(".pcap") {
            let r = runProgram(capinfos, ["-c", dir + "/" + f])
            #expect(r.status == 0 && r.stdout.contains("Number of packets"), "\(context): \(f): \(r.stderr)")
        }
        let gzip = try requireTool("gzip")
        for f in files where f.hasSuffix(".gz") {
            let r = runProgram(gzip, ["-t", dir + "/" + f])
            #expect(r.status == 0, "\(context): \(f): \(r.stderr)")
        }
        let data = try #require(FileManager.default.contents(atPath: dir + "/summary.json"), "\(context): no summary")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(context)")
    }

    /// The names beside `out` (partial runs are named `<out>.vpcsim-partial-<pid>`).
    static func beside(_ out: String) -> [String] {
        let parent = (out as NSString).deletingLastPathComponent
        return ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).sorted()
    }

    func beside(_ out: String) -> [String] { Self.beside(out) }

    /// Waits until the run has created its partial directory (it is writing).
    static func waitForPartial(_ out: String) -> Bool {
        let name = (out as NSString).lastPathComponent + ".vpcsim-partial-"
        for _ in 0..<3000 {
            if beside(out).contains(where: { $0.hasPrefix(name) }) { return true }
            usleep(20_000)
        }
        return false
    }

    @Test func aFullDiskMidRunKeepsThePreviousOutputs() throws {
        let disk = try tmpfs("1200k")
        defer { disk.unmount() }
        let out = disk.path + "/out"
        let first = runProgram(
            binary, ["run", Self.lambda, "--out", out, "--duration", "10s", "--quiet"], timeout: 120)
        try #require(first.status == 0, "\(first.stderr)")
        let before = snapshot(out)
        // 120 s of captures (about 1.3 MB) do not fit.
        let r = runProgram(binary, ["run", Self.lambda, "--out", out, "--duration", "120s", "--quiet"], timeout: 300)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("No space left on device"), "\(r.stderr)")
        #expect(r.stderr.contains("the previous outputs in \(out) are unchanged"), "\(r.stderr)")
        #expect(snapshot(out) == before, "the previous run's files changed")
        #expect(beside(out) == ["out"], "left beside: \(beside(out))")
        _ = try expectValidRun(out, "previous run")
    }

    /// With only flow logs, a full disk surfaced as a raw NSCocoaErrorDomain error while writing
    /// summary.json, leaving `summary.json.partial`.
    @Test func aFullDiskAtTheSummaryLeavesNothing() throws {
        let disk = try tmpfs("512k")
        defer { disk.unmount() }
        // Fill the disk but for one page: the flow log (about 250 bytes) fits, the summary does not.
        FileManager.default.createFile(atPath: disk.path + "/filler", contents: Data(count: 512 * 1024 - 4096))
        let out = disk.path + "/out"
        let r = runProgram(
            binary, ["run", Self.lambda, "--out", out, "--duration", "5s", "--no-pcap", "--quiet"], timeout: 120)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("No space left on device") && !r.stderr.contains("NSCocoaErrorDomain"), "\(r.stderr)")
        #expect(r.stderr.contains("\(out) has no outputs"), "\(r.stderr)")
        #expect(beside(out) == ["filler"], "left: \(beside(out))")
    }

    /// A file-size limit (SIGXFSZ is ignored, the write fails with EFBIG): no truncated pcap
    /// under its final name.
    @Test func aFileSizeLimitFailsTheRunCleanly() throws {
        let dir = temporaryDirectory("fsize")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        let r = runProgram(
            "/bin/sh",
            [
                "-c", "ulimit -f 200; exec \"$0\" run \"$1\" --out \"$2\" --duration 60s --quiet", binary, Self.lambda,
                out,
            ],
            timeout: 300)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("File too large"), "\(r.stderr)")
        #expect(beside(out).isEmpty, "left: \(beside(out))")
    }

    @Test func anOutputDirectoryRemovedDuringTheRunIsReported() throws {
        let parent = temporaryDirectory("vanish")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let out = parent + "/sub/out"
        let remover = Thread {
            guard Self.waitForPartial(out) else { return }
            usleep(300_000)
            try? FileManager.default.removeItem(atPath: parent + "/sub")
        }
        remover.start()
        let r = runProgram(
            binary, ["dataset", Self.dataset, "--out", out, "--duration", "2h", "--quiet"], timeout: 600)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(
            r.stderr.contains("was removed during the run") || r.stderr.contains("No such file or directory"),
            "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: parent + "/sub"), "the removed directory was created again")
    }

    /// A signal at a random moment: the previous outputs stay; the partial run is kept beside them
    /// as `<out>.interrupted`, every file complete, summary.json saying what interrupted it.
    @Test func signalsAtRandomMomentsKeepEveryFileValid() throws {
        var random = SystemRandomNumberGenerator()
        for (signal, name, status) in [(SIGTERM, "SIGTERM", 143), (SIGHUP, "SIGHUP", 129), (SIGINT, "SIGINT", 130)] {
            let dir = temporaryDirectory("signal")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let out = dir + "/out"
            let first = runProgram(
                binary, ["run", Self.lambda, "--out", out, "--duration", "5s", "--quiet"], timeout: 120)
            try #require(first.status == 0, "\(first.stderr)")
            let before = snapshot(out)
            let delay = UInt32.random(in: 0..<3_000_000, using: &random)
            let child = ChildPID()
            let sender = Thread {
                let pid = child.pid
                usleep(delay)
                kill(pid, signal)
            }
            sender.start()
            let r = runProgram(
                binary, ["dataset", Self.dataset, "--out", out, "--duration", "1h", "--pcap", "--quiet"], timeout: 600,
                onStart: child.set)
            let context = "\(name) after \(delay / 1000) ms"
            #expect(r.status == Int32(status), "\(context): exit \(r.status): \(r.stderr)")
            #expect(r.stderr.contains("interrupted by \(name)"), "\(context): \(r.stderr)")
            #expect(snapshot(out) == before, "\(context): the previous outputs changed")
            #expect(beside(out) == ["out", "out.interrupted"], "\(context): \(beside(out))")
            let summary = try expectValidRun(out + ".interrupted", context)
            #expect(summary["interrupted"] as? Bool == true, "\(context)")
            #expect(summary["interrupted_by"] as? String == name, "\(context)")
        }
    }

    /// Two Ctrl-C in a row: stopped at once; the partial run is removed (or, if the first stop
    /// had already finished, kept whole); the previous outputs stay; no temporary file is left.
    @Test func aSecondInterruptStopsAtOnceAndLeavesNoPartialFiles() throws {
        let dir = temporaryDirectory("sigint2")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        let first = runProgram(binary, ["run", Self.lambda, "--out", out, "--duration", "5s", "--quiet"], timeout: 120)
        try #require(first.status == 0, "\(first.stderr)")
        let before = snapshot(out)
        let child = ChildPID()
        let sender = Thread {
            guard Self.waitForPartial(out) else { return }
            usleep(500_000)
            kill(child.pid, SIGINT)
            usleep(20_000)
            kill(child.pid, SIGINT)
        }
        sender.start()
        let r = runProgram(
            binary, ["dataset", Self.dataset, "--out", out, "--duration", "4h", "--pcap", "--quiet"], timeout: 600,
            onStart: child.set)
        #expect(r.status == 130, "\(r.stderr)")
        #expect(snapshot(out) == before)
        let left = beside(out)
        #expect(left == ["out"] || left == ["out", "out.interrupted"], "\(left)")
        if left.contains("out.interrupted") { _ = try expectValidRun(out + ".interrupted", "kept interrupted run") }
    }

    /// A run killed outright (SIGKILL, a crash) cannot clean up, but it has not touched the
    /// previous outputs; the next run removes its partial directory.
    @Test func aKilledRunLeavesThePreviousOutputsAndTheNextRunTidiesUp() throws {
        let dir = temporaryDirectory("sigkill")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        let first = runProgram(binary, ["run", Self.lambda, "--out", out, "--duration", "5s", "--quiet"], timeout: 120)
        try #require(first.status == 0, "\(first.stderr)")
        let before = snapshot(out)
        let child = ChildPID()
        let killer = Thread {
            guard Self.waitForPartial(out) else { return }
            usleep(500_000)
            kill(child.pid, SIGKILL)
        }
        killer.start()
        let r = runProgram(
            binary, ["dataset", Self.dataset, "--out", out, "--duration", "4h", "--quiet"], timeout: 600,
            onStart: child.set)
        #expect(r.status == SIGKILL, "\(r.stderr)")
        #expect(snapshot(out) == before, "the previous outputs changed")
        #expect(beside(out).count == 2, "the killed run's partial directory: \(beside(out))")
        let next = runProgram(binary, ["run", Self.lambda, "--out", out, "--duration", "5s", "--quiet"], timeout: 120)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(beside(out) == ["out"], "\(beside(out))")
    }
}
