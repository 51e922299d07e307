import Testing
import Foundation
import SimCore
import TestSupport
import Topology
@testable import Experiments

/// Issue 11: no frame longer than 1514 bytes to or from an internet address in any shipped
/// topology, at two seeds, while jumbo frames inside the VPC stay
/// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/network_mtu.html: 1500 through an internet
/// gateway, 9001 inside a VPC). Every pcap each run writes is read frame by frame.
@Suite struct PathMTURunTests {
    static let shipped =
        ((try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot() + "/Topologies")) ?? [])
        .filter { $0.hasSuffix(".yaml") }.sorted()

    /// An IPv4 address outside RFC 1918, link-local and shared (CGNAT) space.
    static func isPublic(_ b: ArraySlice<UInt8>) -> Bool {
        let a = b[b.startIndex], c = b[b.startIndex + 1]
        return
            !(a == 10 || (a == 172 && c & 0xF0 == 16) || (a == 192 && c == 168) || (a == 169 && c == 254)
            || (a == 100 && c & 0xC0 == 64))
    }

    struct Frames { var frames = 0, internet = 0, largestInternet = 0, largestInside = 0 }

    /// Reads a classic little-endian pcap (what the runs write) and sizes its IPv4 frames.
    static func scan(_ path: String, into f: inout Frames) throws {
        let d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u32(_ i: Int) -> Int { Int(d[i]) | Int(d[i + 1]) << 8 | Int(d[i + 2]) << 16 | Int(d[i + 3]) << 24 }
        #expect(d.count >= 24 && u32(0) == 0xA1B2_3C4D, "\(path): nanosecond pcap")
        var i = 24
        while i + 16 <= d.count {
            let captured = u32(i + 8), length = u32(i + 12)
            let frame = d[(i + 16)..<(i + 16 + captured)]
            i += 16 + captured
            f.frames += 1
            guard frame.count >= 34, frame[frame.startIndex + 12] == 0x08, frame[frame.startIndex + 13] == 0x00
            else { continue }
            let ip = frame.startIndex + 14
            if isPublic(frame[(ip + 12)..<(ip + 16)]) || isPublic(frame[(ip + 16)..<(ip + 20)]) {
                f.internet += 1
                f.largestInternet = max(f.largestInternet, length)
            } else {
                f.largestInside = max(f.largestInside, length)
            }
        }
        #expect(i == d.count, "\(path): whole records")
    }

    @Test(arguments: shipped) func noInternetFrameExceeds1514Bytes(_ name: String) throws {
        let dataset = name.hasPrefix("dataset-")
        // The dataset with its anomalies moved early (the exfiltration is a long upload to the internet).
        let path = dataset ? try DatasetTests.earlyTopology() : repositoryRoot() + "/Topologies/" + name
        var all = Frames()
        for seed: UInt64 in [1, 2] {
            let scenario = try TopologyLoader.load(
                path: path, overrides: RunOverrides(seed: seed, duration: dataset ? .seconds(150) : nil))
            let dir = temporaryDirectory("path-mtu")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var options = RunOptions(outputDirectory: dir)
            options.pcaps = true
            options.stop = StopSignal()
            let summary = try Runner.run(scenario, options: options)
            #expect(summary.packets.drops["exceeds-path-mtu"] == nil, "\(name) seed \(seed): MSS keeps TCP within 1500")
            var f = Frames()
            for file in filesUnder(dir) where file.hasSuffix(".pcap") { try Self.scan(dir + "/" + file, into: &f) }
            #expect(
                f.largestInternet <= 1514,
                "\(name) seed \(seed): a \(f.largestInternet)-byte frame to or from an internet address")
            all.frames += f.frames; all.internet += f.internet
            all.largestInside = max(all.largestInside, f.largestInside)
        }
        if dataset {
            #expect(all.internet > 1000, "the dataset's captures see internet traffic: \(all.internet)")
            #expect(all.largestInside > 1514, "jumbo frames inside the VPC stay: \(all.largestInside)")
        }
    }
}
