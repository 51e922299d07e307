import Foundation
import Testing
import SimCore
@testable import Messages

/// Issue 11, "sizes as distributions": a DynamoDB item is an order whose attributes and value
/// lengths vary from order to order, at exactly the configured size, valid JSON in both layouts;
/// a step's item size is drawn per call from the seeded stream.
@Suite struct DynamoDBItemTests {
    func json(_ bytes: Int, key: UInt64, compact: Bool) throws -> (count: Int, item: [String: [String: String]]) {
        var s = ByteSink()
        DynamoDBJSON.item(bytes, key: key, compact: compact, into: &s)
        let object = try JSONSerialization.jsonObject(with: Data(s.bytes)) as! [String: [String: String]]
        return (s.bytes.count, object)
    }

    @Test func itemsAreOrdersWhoseAttributesVaryPerKey() throws {
        var valueLengths = Set<Int>(), attributeSets = Set<[String]>()
        for key in UInt64(0)..<200 {
            for bytes in [54, 110, 160, 400, 2_000] {
                let loose = try json(bytes, key: key, compact: false)
                let compact = try json(bytes, key: key, compact: true)
                #expect(loose.count == bytes && compact.count == bytes, "key \(key), \(bytes) bytes")
                // The same attributes and values in both layouts but the filler.
                #expect(loose.item.keys.sorted() == compact.item.keys.sorted())
                for (name, v) in loose.item where name != "data" { #expect(compact.item[name] == v) }
                #expect(loose.item["pk"]?["S"]?.hasPrefix("order#") == true && loose.item["data"] != nil)
                attributeSets.insert(loose.item.keys.sorted())
                if bytes == 2_000 {
                    #expect(loose.item.count == 7, "every attribute fits in 2 kB")
                    #expect(loose.item["total"]?["N"].flatMap(Double.init) != nil)
                    let values = loose.item.filter { $0.key != "data" }.values
                    valueLengths.insert(values.reduce(0) { $0 + ($1.values.first?.count ?? 0) })
                }
            }
        }
        #expect(attributeSets.count >= 3, "small items carry fewer attributes: \(attributeSets)")
        #expect(valueLengths.count >= 5, "value lengths vary from order to order")
        // A request's compact item (other SDKs) has the attributes of botocore's.
        var s = ByteSink()
        DynamoDBJSON.requestItemCompact(2_000, key: 5, keyFirst: true, into: &s)
        let request = try JSONSerialization.jsonObject(with: Data(s.bytes)) as! [String: [String: String]]
        #expect(request.keys.sorted() == (try json(2_000, key: 5, compact: false)).item.keys.sorted())
    }

    @Test func aStepDrawsItsItemSizePerCallFromTheSeed() {
        let steps: [SizeDistribution] = [.logNormal(median: 2_000, sigma: 0.4), .uniform(1_000, 4_000)]
        for d in steps {
            let call = DynamoDBCall(operation: .putItem, table: "Orders", itemSize: d)
            #expect(call.itemBytes == d.nominal)
            var a = RandomStream(seed: 9), b = RandomStream(seed: 9)
            let sizes = (0..<200).map { _ in call.drawn(&a).itemBytes }
            #expect(sizes == (0..<200).map { _ in call.drawn(&b).itemBytes }, "same seed, same sizes")
            #expect(Set(sizes).count > 150, "\(d): \(Set(sizes).count) distinct sizes")
            #expect(sizes.allSatisfy { DynamoDBCall.itemBytesRange.contains($0) })
            if case .uniform(let lo, let hi) = d { #expect(sizes.allSatisfy { (lo...hi).contains($0) }) }
            // Request size and request units follow the drawn size.
            let small = call.drawn(&a), large = DynamoDBCall(operation: .putItem, table: "Orders", itemBytes: 9_000)
            #expect(large.requestUnitHalves.write == 18 && small.requestUnitHalves.write < 18)
        }
        // A constant draws nothing.
        var r = RandomStream(seed: 1), untouched = RandomStream(seed: 1)
        #expect(DynamoDBCall(operation: .getItem, table: "T", itemBytes: 300).drawn(&r).itemBytes == 300)
        #expect(r.next() == untouched.next())
    }
}
