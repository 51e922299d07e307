import Testing
import Foundation
import TestSupport
@testable import Capture

/// The gzip writer behind flow-log files: compression on a background queue must not change what
/// the file holds, nor when it appears.
@Suite struct CompressedFileWriterTests {
    /// About 1.6 MB of record-like lines: a dozen chunks, so the writer waits on its queue's
    /// free slots several times.
    static let text: [UInt8] = {
        var s = ""
        for i in 0..<12_000 {
            s +=
                "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.\(i % 250) 52.94.\(i % 7).\(i % 200) \(32768 + i % 28000) "
                + "443 6 \(i % 40 + 1) \(i * 37 % 90_000) 1795428000 1795428060 ACCEPT OK\n"
        }
        return Array(s.utf8)
    }()

    func write(_ path: String, pieces: Int) throws -> CompressedFileWriter {
        let w = try CompressedFileWriter(path: path)
        let bytes = Self.text
        var at = 0
        var k = 0
        while at < bytes.count {
            // Odd piece sizes, so chunk boundaries fall inside pieces.
            let n = pieces == 1 ? bytes.count : min(bytes.count - at, 1 + (k * 7919) % (2 * bytes.count / pieces))
            try w.write(Array(bytes[at..<at + n]))
            at += n
            k += 1
        }
        return w
    }

    @Test func backgroundCompressionGivesTheSameBytesAsOneWrite() throws {
        let dir = temporaryDirectory("gzip-writer")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = dir + "/pieces.log.gz", b = dir + "/whole.log.gz"
        let w = try write(a, pieces: 5_000)
        // Nothing under the final name until the file is complete.
        #expect(!FileManager.default.fileExists(atPath: a))
        #expect(FileManager.default.fileExists(atPath: a + ".partial"))
        #expect(w.uncompressedBytes == UInt64(Self.text.count))
        try w.finish()
        try write(b, pieces: 1).finish()
        #expect(!FileManager.default.fileExists(atPath: a + ".partial"))
        let zipped = try Data(contentsOf: URL(fileURLWithPath: a))
        #expect(
            zipped == (try Data(contentsOf: URL(fileURLWithPath: b))), "chunking does not change the compressed bytes")
        #expect(zipped.count < Self.text.count / 4)
        // The real gzip reads it back exactly.
        let r = runProgram(which("gzip") ?? "/bin/gzip", ["-dc", a])
        #expect(r.status == 0, "gzip -dc: \(r.stderr)")
        #expect(Array(r.stdout.utf8) == Self.text)
    }

    @Test func abandonLeavesNothingBehind() throws {
        let dir = temporaryDirectory("gzip-abandon")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/gone.log.gz"
        let w = try write(path, pieces: 300)
        w.abandon()
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
        try w.finish() // a no-op once abandoned
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
