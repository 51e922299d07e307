import Testing
import SimCore
import Wire
import TestSupport
@testable import NetModel

@Suite struct FlowTableTests {
    func key(_ r: inout RandomStream) -> FlowKey {
        // A small key space so inserts, replacements and removals collide often.
        FlowKey(
            source: IPAddress(ipv4: 0x0A00_0000 | UInt32(r.bounded(8))),
            destination: IPAddress(ipv4: 0x3400_0000 | UInt32(r.bounded(4))),
            sourcePort: UInt16(r.bounded(64)), destinationPort: 443, protocolNumber: 6)
    }

    @Test func behavesLikeADictionaryUnderRandomOperations() {
        forEachSeed(0..<40) { seed, r in
            var table = FlowTable<Int>(capacity: 4)
            var reference: [FlowKey: Int] = [:]
            for step in 0..<3000 {
                let k = key(&r)
                switch r.bounded(3) {
                case 0, 1:
                    table.insert(k, step)
                    reference[k] = step
                default:
                    #expect(table.remove(k) == reference.removeValue(forKey: k), "seed \(seed) step \(step)")
                }
                #expect(table.count == reference.count)
            }
            for (k, v) in reference { #expect(table[k] == v, "seed \(seed)") }
            #expect(table.entries.count == reference.count)
        }
    }

    @Test func canonicalKeyIsTheSameForBothDirections() {
        let f = FlowKey(
            source: IPAddress("10.0.1.5")!, destination: IPAddress("52.94.0.1")!, sourcePort: 40000,
            destinationPort: 443, protocolNumber: 6)
        #expect(f.canonical == f.reversed.canonical)
        #expect(f.reversed.reversed == f)
        #expect(f.source == IPAddress("10.0.1.5")! && f.destinationPort == 443 && f.protocolNumber == 6)
    }
}
