// Scanners: the SYN probes of real port scanners, each with its own habits. Captured for this
// project from the Debian packages (nmap 7.93, masscan 1.3.2, zmap 2.1.1) and read in their
// sources; the per-tool citations are on the cases.

import SimCore
import Wire
import NetModel

/// Which tool a `scan` generator imitates (its `tool:` key).
public enum ScannerTool: String, Sendable, Hashable, CaseIterable {
    /// nmap -sS: TTL random in 37–59 per probe (tcpip.cc `myttl = (get_random_uint() % 23) + 37`),
    /// window 1024 and an MSS 1460 option only (`build_tcp`), no DF, a random IP ID per probe
    /// (`send_tcp_raw`); one source port and one sequence number for the whole scan, a new port
    /// per scan (https://github.com/nmap/nmap/blob/master/tcpip.cc). Ports in random order.
    case nmap
    /// masscan: TTL 255, window 1024, no options, no DF (src/templ-pkt.c); IP ID
    /// `ip_them ^ port_them ^ seqno`; the sequence number a SYN cookie of the four-tuple; one
    /// source port per scan, by default `40000 + now % 20000` (src/main.c)
    /// (https://github.com/robertdavidgraham/masscan). Targets and ports in a random permutation.
    case masscan
    /// zmap 2.1.1: TTL 255, window 65535, no options, no DF, IP ID 54321 on every probe; a
    /// source port per target in 32768–61000 (src/state.c default range); targets in a random
    /// permutation (https://github.com/zmap/zmap).
    case zmap
}

extension ScanSpec {
    /// Probe `n`'s index into targets × ports: a keyed pseudo-random permutation of
    /// 0 ..< count, so each pass probes every target and port once in an order with no pattern
    /// (masscan's BlackRock and nmap's port shuffling do the same): a 4-round Feistel network on
    /// the next even power of two, cycle-walked back into range.
    func probeIndex(_ n: Int, key: UInt64) -> Int {
        let count = targets.count * ports.count
        guard count > 2 else { return n % count }
        var bits = 1
        while 1 << bits < count { bits += 1 }
        let half = (bits + 1) / 2
        let mask = UInt64(1) << UInt64(half) - 1
        var x = UInt64(n % count)
        repeat {
            var l = x >> UInt64(half), r = x & mask
            for round in 0..<4 {
                let f = SplitMix64.mix(key ^ UInt64(round) << 56 ^ r) & mask
                (l, r) = (r, l ^ f)
            }
            x = l << UInt64(half) | r
        } while x >= UInt64(count)
        return Int(x)
    }

    /// A fixed number for this scan from this source: its source port, sequence base and order.
    func scanKey(_ source: IPAddress) -> UInt64 {
        SplitMix64.mix(FNV1a64.hash(name.utf8) ^ source.low ^ source.high)
    }

    /// The SYN `tool` sends to `target`:`port`. `random` draws what the tool randomises per probe;
    /// `hops` lowers the TTL as the path would.
    func probe(
        tool: ScannerTool, from source: IPAddress, to target: IPAddress, port: UInt16, hops: Int,
        _ random: inout RandomStream
    ) -> Packet {
        let key = scanKey(source)
        var p = Packet(
            source: source, destination: target, sourcePort: 0, destinationPort: port,
            protocolNumber: IPProtocol.tcp, ttl: 255, ipID: 0, dontFragment: false)
        p.tcpFlags = .syn
        switch tool {
        case .nmap:
            p.sourcePort = UInt16(1024 + key % 64512)
            p.seq = UInt32(truncatingIfNeeded: key >> 16)
            p.ttl = UInt8(37 + random.bounded(23))
            p.ipID = UInt16(truncatingIfNeeded: random.next())
            p.window = 1024
            p.tcpOptions = .mss
            p.mss = 1460
        case .masscan:
            p.sourcePort = UInt16(40000 + key % 20000)
            p.seq = UInt32(truncatingIfNeeded: SplitMix64.mix(key ^ target.low ^ UInt64(port) << 40))
            p.ipID = UInt16(truncatingIfNeeded: target.ipv4Raw ^ UInt32(port) ^ p.seq)
            p.window = 1024
        case .zmap:
            p.sourcePort = UInt16(32768 + SplitMix64.mix(key ^ target.low) % (61000 - 32768 + 1))
            p.seq = UInt32(truncatingIfNeeded: SplitMix64.mix(key ^ target.low ^ UInt64(port)))
            p.ipID = 54321
            p.window = 65535
        }
        p.ttl = UInt8(max(1, Int(p.ttl) - hops))
        return p
    }
}

extension World {
    /// Routers between a scan's source and the VPC: a fixed draw from the internet hop range for
    /// a scanner on the internet, none from inside.
    func scanHops(_ spec: ScanSpec, _ source: IPAddress) -> Int {
        switch network.hosts[spec.scanner.host.int] {
        case .publicRange(_, true), .publicAddress(_, true):
            let r = hostProfiles.internetHops
            return r.lowerBound + Int((spec.scanKey(source) >> 48) % UInt64(r.count))
        default: return 0
        }
    }
}
