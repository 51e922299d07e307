import Testing
import Foundation
import SimCore
import Wire
import NetModel
import TestSupport
import Topology
@testable import Experiments

/// Issue 11: no frame longer than 1514 bytes to or from an internet address in any shipped
/// topology, at two seeds, IPv4 or IPv6 (an IPv6 address outside every VPC's IPv6 block is an
/// internet address: a VPC's IPv6 addresses are globally unique too), while jumbo frames inside the VPC stay
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

    struct Frames { var frames = 0, internet = 0, internet6 = 0, largestInternet = 0, largestInside = 0 }

    /// An IPv6 address (16 bytes) outside the VPCs' IPv6 blocks `vpc6`, link-local (fe80::/10),
    /// unique-local (fc00::/7, Amazon's fd00:ec2:: platform endpoints) and NAT64's 64:ff9b::/96: a
    /// frame to or from a NAT64 address travels only inside the VPC (instance ↔ NAT gateway,
    /// MTU 9001) and may exceed 1514 bytes — an IPv4 server's 1460-byte segments become 1520-byte
    /// IPv6 packets (RFC 7915 §5.1); their IPv4 side, beyond the gateway, is checked as IPv4.
    static func isInternet6(_ b: ArraySlice<UInt8>, _ vpc6: [CIDR]) -> Bool {
        var high: UInt64 = 0, low: UInt64 = 0
        for (k, byte) in b.enumerated() {
            if k < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        let a = IPAddress(high: high, low: low)
        if high >> 54 == 0x3FA || high >> 57 == 0x7E || (high == 0x0064_FF9B_0000_0000 && low >> 32 == 0) {
            return false
        }
        return !vpc6.contains { $0.contains(a) }
    }

    /// Reads a classic little-endian pcap (what the runs write) and sizes its IPv4 and IPv6 frames.
    static func scan(_ path: String, vpc6: [CIDR] = [], into f: inout Frames) throws {
        let d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u32(_ i: Int) -> Int { Int(d[i]) | Int(d[i + 1]) << 8 | Int(d[i + 2]) << 16 | Int(d[i + 3]) << 24 }
        #expect(d.count >= 24 && u32(0) == 0xA1B2_3C4D, "\(path): nanosecond pcap")
        var i = 24
        while i + 16 <= d.count {
            let captured = u32(i + 8), length = u32(i + 12)
            let frame = d[(i + 16)..<(i + 16 + captured)]
            i += 16 + captured
            f.frames += 1
            if frame.count >= 54, frame[frame.startIndex + 12] == 0x86, frame[frame.startIndex + 13] == 0xDD {
                let ip = frame.startIndex + 14
                if isInternet6(frame[(ip + 8)..<(ip + 24)], vpc6) || isInternet6(frame[(ip + 24)..<(ip + 40)], vpc6) {
                    f.internet += 1
                    f.internet6 += 1
                    f.largestInternet = max(f.largestInternet, length)
                } else {
                    f.largestInside = max(f.largestInside, length)
                }
                continue
            }
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
            let vpc6 = scenario.network.vpcs.flatMap(\.cidrs).filter { !$0.isIPv4 }
            for file in filesUnder(dir) where file.hasSuffix(".pcap") {
                try Self.scan(dir + "/" + file, vpc6: vpc6, into: &f)
            }
            // (ipv6-nat64's IPv6 reaches the internet only as IPv4, through NAT64.)
            if !vpc6.isEmpty && name != "ipv6-nat64.yaml" {
                #expect(f.internet6 > 0, "\(name) seed \(seed): its captures see IPv6 to or from the internet")
            }
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
