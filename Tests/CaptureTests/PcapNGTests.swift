import Testing
import Foundation
import TestSupport
@testable import Capture

/// The hand-written pcapng blocks (draft-ietf-opsawg-pcapng-02): their layout, and the real
/// tshark and capinfos reading them — the Decryption Secrets Block included.
@Suite struct PcapNGTests {
    static func u32(_ d: [UInt8], _ i: Int) -> Int {
        Int(d[i]) | Int(d[i + 1]) << 8 | Int(d[i + 2]) << 16 | Int(d[i + 3]) << 24
    }

    @Test func blocksAreLaidOutAsTheDraftSays() throws {
        let path = temporaryDirectory("pcapng") + "/x.pcapng"
        let w = try PcapNGWriter(path: path)
        let frames: [[UInt8]] = [[UInt8](repeating: 0xAB, count: 61), [UInt8](repeating: 0xCD, count: 64)]
        for (k, f) in frames.enumerated() {
            f.withUnsafeBytes { w.write(unixNanoseconds: 1_795_428_000_123_456_789 + Int64(k), frame: $0) }
        }
        #expect(!FileManager.default.fileExists(atPath: path), "written under a temporary name until finished")
        let secret = "CLIENT_RANDOM " + String(repeating: "ab", count: 32) + " " + String(repeating: "cd", count: 48)
        w.appendSecrets([secret])
        try w.finish()
        let d = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        #expect(!FileManager.default.fileExists(atPath: path + ".body.partial"))
        #expect(!FileManager.default.fileExists(atPath: path + ".secrets.partial"))
        // Block types in order (§4.1 SHB, §4.2 IDB, §4.7 DSB, §4.3 EPB), each with its length twice.
        var types: [Int] = []
        var i = 0
        while i < d.count {
            let type = Self.u32(d, i), length = Self.u32(d, i + 4)
            #expect(length % 4 == 0 && Self.u32(d, i + length - 4) == length)
            types.append(type)
            if type == 0x0A {
                #expect(Self.u32(d, i + 8) == 0x544C_534B, "TLS Key Log secrets")
                let n = Self.u32(d, i + 12)
                #expect(String(decoding: d[(i + 16)..<(i + 16 + n)], as: UTF8.self) == secret + "\n")
            }
            if type == 6 {
                let high = Self.u32(d, i + 12), low = Self.u32(d, i + 16)
                #expect(UInt64(high) << 32 | UInt64(low) >= 1_795_428_000_123_456_789, "nanoseconds since 1970")
            }
            i += length
        }
        #expect(types == [0x0A0D_0D0A, 1, 0x0A, 6, 6])
        #expect(Self.u32(d, 8) == 0x1A2B_3C4D)
        // The real readers.
        let info = runProgram(try requireTool("capinfos"), ["-M", path])
        #expect(info.status == 0 && info.stdout.contains("Number of packets:   2"), "\(info.stdout)\(info.stderr)")
        let lengths = runProgram(try requireTool("tshark"), ["-r", path, "-T", "fields", "-e", "frame.len"])
        #expect(lengths.status == 0 && lengths.stdout == "61\n64\n", "\(lengths.stdout)\(lengths.stderr)")
    }

    @Test func noSessionsNoSecretsBlock() throws {
        let path = temporaryDirectory("pcapng-plain") + "/z.pcapng"
        let w = try PcapNGWriter(path: path)
        [UInt8](repeating: 2, count: 60).withUnsafeBytes { w.write(unixNanoseconds: 5, frame: $0) }
        try w.finish()
        let d = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        var types: [Int] = []
        var i = 0
        while i < d.count {
            types.append(Self.u32(d, i))
            i += Self.u32(d, i + 4)
        }
        #expect(types == [0x0A0D_0D0A, 1, 6])
        #expect(runProgram(try requireTool("capinfos"), [path]).status == 0)
    }

    @Test func abandonLeavesNothing() throws {
        let dir = temporaryDirectory("pcapng-abandon")
        let w = try PcapNGWriter(path: dir + "/y.pcapng")
        [UInt8](repeating: 1, count: 60).withUnsafeBytes { w.write(unixNanoseconds: 0, frame: $0) }
        w.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }
}
