import Testing
import SimCore
import Wire
import NetModel
@testable import Workloads

/// Issue 11: scan probes carry the habits of the tool they imitate (Scanners.swift cites each).
@Suite struct ScannerTests {
    static let attacker = IPAddress("194.26.29.102")!
    static func spec(_ tool: ScannerTool, ports: [UInt16] = Array(1...1024)) -> ScanSpec {
        ScanSpec(
            name: "scan", label: 1, scanner: Peer(host: HostIndex(0), pool: [attacker]),
            targets: [IPAddress("10.0.0.5")!, IPAddress("10.0.0.6")!], ports: ports, rate: 10, sequential: true,
            tool: tool)
    }

    @Test func nmapKeepsOneSourcePortAndSequenceAndRandomisesTTLAndID() {
        let s = Self.spec(.nmap)
        var r = RandomStream(seed: 1)
        let probes = (0..<200).map { _ in
            s.probe(tool: .nmap, from: Self.attacker, to: s.targets[0], port: 80, hops: 10, &r)
        }
        #expect(Set(probes.map(\.sourcePort)).count == 1 && Set(probes.map(\.seq)).count == 1)
        #expect(probes.allSatisfy { $0.ttl >= 27 && $0.ttl <= 49 && !$0.dontFragment })
        #expect(Set(probes.map(\.ttl)).count > 15 && Set(probes.map(\.ipID)).count > 190)
        #expect(
            probes.allSatisfy { $0.window == 1024 && $0.tcpOptions == .mss && $0.mss == 1460 && $0.tcpFlags == .syn })
        #expect(probes[0].tcpOptions.encodedLength == 4, "IP length 44, as nmap sends")
        // Another scan (another name) uses another source port.
        var other = s
        other.name = "scan-2"
        #expect(
            other.probe(tool: .nmap, from: Self.attacker, to: s.targets[0], port: 80, hops: 10, &r).sourcePort
                != probes[0].sourcePort)
    }

    @Test func masscanAndZmapSendBareSYNsWithTheirMarks() {
        var r = RandomStream(seed: 2)
        let m = Self.spec(.masscan)
        let mp = (1...50).map {
            m.probe(tool: .masscan, from: Self.attacker, to: m.targets[$0 % 2], port: UInt16($0), hops: 0, &r)
        }
        #expect(Set(mp.map(\.sourcePort)).count == 1 && (40000..<60000).contains(mp[0].sourcePort))
        #expect(mp.allSatisfy { $0.ttl == 255 && $0.window == 1024 && $0.tcpOptions.isEmpty && !$0.dontFragment })
        #expect(
            mp.allSatisfy {
                $0.ipID == UInt16(truncatingIfNeeded: $0.destination.ipv4Raw ^ UInt32($0.destinationPort) ^ $0.seq)
            })
        let z = Self.spec(.zmap)
        let zp = (1...50).map {
            z.probe(
                tool: .zmap, from: Self.attacker, to: IPAddress(ipv4: 0x0A00_0000 + UInt32($0)), port: 443, hops: 12, &r
            )
        }
        #expect(zp.allSatisfy { $0.ttl == 243 && $0.ipID == 54321 && $0.window == 65535 && $0.tcpOptions.isEmpty })
        #expect(zp.allSatisfy { (32768...61000).contains($0.sourcePort) } && Set(zp.map(\.sourcePort)).count > 40)
    }

    /// A sweep visits every target and port once per pass, in no arithmetic order.
    @Test func sweepsArePermutations() {
        let s = Self.spec(.masscan, ports: Array(1...1000))
        let count = s.targets.count * s.ports.count
        let order = (0..<count).map { s.probeIndex($0, key: s.scanKey(Self.attacker)) }
        #expect(Set(order).count == count && order.allSatisfy { $0 >= 0 && $0 < count })
        let steps = Set(zip(order, order.dropFirst()).map { $1 - $0 })
        #expect(steps.count > count / 2, "no constant stride: \(steps.count) distinct steps")
        #expect(order.map { $0 } == (0..<count).map { s.probeIndex($0 + count, key: s.scanKey(Self.attacker)) })
    }
}
