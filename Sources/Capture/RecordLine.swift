import Wire

/// Lookup tables for fast decimal and dotted-quad text, allocated once and never freed (they are
/// process-wide constants).
@usableFromInline
struct TextTables: @unchecked Sendable {
    /// "00" … "99".
    let pairs: UnsafeMutablePointer<UInt8>
    /// Each octet's text, packed as length << 24 | up to three ASCII digits.
    let octets: UnsafeMutablePointer<UInt32>
    /// 10^0 … 10^19.
    let powers: UnsafeMutablePointer<UInt64>

    static let shared: TextTables = {
        let pairs = UnsafeMutablePointer<UInt8>.allocate(capacity: 200)
        for i in 0..<100 { pairs[2 * i] = 0x30 + UInt8(i / 10); pairs[2 * i + 1] = 0x30 + UInt8(i % 10) }
        let octets = UnsafeMutablePointer<UInt32>.allocate(capacity: 256)
        for n in 0..<256 {
            let s = Array(String(n).utf8)
            var packed = UInt32(s.count) << 24
            for (k, c) in s.enumerated() { packed |= UInt32(c) << (16 - 8 * k) }
            octets[n] = packed
        }
        let powers = UnsafeMutablePointer<UInt64>.allocate(capacity: 20)
        var p: UInt64 = 1
        for k in 0..<20 { powers[k] = p; if k < 19 { p *= 10 } }
        return TextTables(pairs: pairs, octets: octets, powers: powers)
    }()
}

/// A byte buffer for one record of text: the flow-log hot path (millions of records per second)
/// writes pre-rendered ids, digits and addresses here through a raw pointer.
public final class RecordLine {
    let base: UnsafeMutablePointer<UInt8>
    public let capacity: Int
    /// Accessed once or twice per record: no dynamic exclusivity check (nothing else touches it).
    @exclusivity(unchecked) public internal(set) var count = 0
    let tables = TextTables.shared

    public init(capacity: Int = 4096) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }
    deinit { base.deallocate() }

    public func removeAll() { count = 0 }
    public var view: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// A writer positioned at the end of the line; call `commit` with it when done.
    @inline(__always) func writer() -> LineWriter {
        LineWriter(base: base, count: count, limit: capacity, tables: tables)
    }
    @inline(__always) func commit(_ w: LineWriter) { count = w.count }
}

/// Appends to a `RecordLine`'s memory. A struct used locally, so appends compile to plain stores.
struct LineWriter {
    let base: UnsafeMutablePointer<UInt8>
    var count: Int
    let limit: Int
    let tables: TextTables

    @inline(__always) mutating func byte(_ c: UInt8) {
        precondition(count < limit, "record too long")
        base[count] = c
        count &+= 1
    }

    @inline(__always) mutating func bytes(_ p: Span) {
        // Eight bytes at a time: spans are padded to a multiple of 8, and the line keeps 8 bytes of
        // slack, so the last word may overrun both harmlessly.
        precondition(count &+ p.count &+ 8 <= limit, "record too long")
        let to = UnsafeMutableRawPointer(base + count)
        let from = UnsafeRawPointer(p.start)
        var k = 0
        while k < p.count {
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: k, as: UInt64.self), toByteOffset: k, as: UInt64.self)
            k &+= 8
        }
        count &+= p.count
    }

    @inline(__always) mutating func decimal(_ value: UInt64) {
        precondition(count &+ 20 <= limit, "record too long")
        if value < 10 { base[count] = 0x30 &+ UInt8(value); count &+= 1; return }
        // Digits from the bit length (log10(2) ≈ 1233/4096), corrected by one comparison.
        var digits = ((64 &- value.leadingZeroBitCount) &* 1233) >> 12
        if digits < 20 && value >= tables.powers[digits] { digits &+= 1 }
        var i = count &+ digits
        count = i
        var v = value
        let pairs = tables.pairs
        while v >= 100 {
            let r = Int(v % 100) &* 2
            v /= 100
            i &-= 2
            base[i] = pairs[r]
            base[i &+ 1] = pairs[r &+ 1]
        }
        if v >= 10 {
            let r = Int(v) &* 2
            base[i &- 2] = pairs[r]
            base[i &- 1] = pairs[r &+ 1]
        } else {
            base[i &- 1] = 0x30 &+ UInt8(v)
        }
    }

    /// An address as flow logs write it: a dotted quad, or RFC 5952 text for IPv6.
    @inline(__always) mutating func ip(_ a: IPAddress) {
        if a.isIPv4 {
            ipv4(a.ipv4Raw)
        } else {
            precondition(count &+ 39 <= limit, "record too long")
            count &+= Self.ipv6(a, at: base + count)
        }
    }

    /// Out of line, and not `mutating`: a call that took the writer `inout` kept it in memory for
    /// the whole record instead of in registers.
    @inline(never) static func ipv6(_ a: IPAddress, at p: UnsafeMutablePointer<UInt8>) -> Int {
        a.writeIPv6(into: p)
    }

    @inline(__always) mutating func ipv4(_ raw: UInt32) {
        precondition(count &+ 15 <= limit, "record too long")
        let o = tables.octets
        var shift: UInt32 = 24
        while true {
            let packed = o[Int((raw >> shift) & 0xFF)]
            let n = Int(packed >> 24)
            base[count] = UInt8(truncatingIfNeeded: packed >> 16)
            base[count &+ 1] = UInt8(truncatingIfNeeded: packed >> 8)
            base[count &+ 2] = UInt8(truncatingIfNeeded: packed)
            count &+= n
            if shift == 0 { break }
            base[count] = 0x2E
            count &+= 1
            shift &-= 8
        }
    }
}

/// A run of bytes in memory that lives as long as its owner (a `TextPool`).
struct Span {
    let start: UnsafeMutablePointer<UInt8>
    let count: Int
}

/// Interned byte strings in one allocation, for fields rendered once and copied per record.
final class TextPool {
    private var blocks: [UnsafeMutablePointer<UInt8>] = []
    deinit { for b in blocks { b.deallocate() } }
    func span(_ s: String) -> Span { span(Array(s.utf8)) }
    func span(_ b: [UInt8]) -> Span {
        // Padded to a multiple of 8 bytes (zeros) for `LineWriter.bytes`' word copies.
        let padded = (b.count + 7) & ~7 + 8
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: padded)
        p.initialize(repeating: 0, count: padded)
        b.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: b.count) }
        blocks.append(p)
        return Span(start: p, count: b.count)
    }
}

/// Public AWS ranges flattened into disjoint intervals, the most specific subset winning, for
/// `pkt-*-aws-service` lookups by binary search. IPv4 and IPv6 ranges (ip-ranges.json's
/// `prefixes` and `ipv6_prefixes`) are flattened separately; IPv4 intervals stay 32-bit.
public struct ServiceIntervals: Sendable {
    var starts: [UInt32] = []
    var ends: [UInt32] = []
    var services: [Int32] = []
    /// Per first octet b (0…255, and 256 for the end): how many IPv4 intervals start below b.0.0.0.
    var octetStart: [Int32] = []
    var starts6: [IPAddress] = []
    var ends6: [IPAddress] = []
    var services6: [Int32] = []
    public private(set) var names: [String] = []

    public init(_ ranges: [(range: CIDR, service: String)]) {
        // Paint from the least to the most specific so a specific subset (DYNAMODB, S3) wins over
        // AMAZON and EC2 (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html: one code is shown for
        // overlapping ranges; AWS's example shows S3, not AMAZON, for an S3 address).
        var nameIndex: [String: Int32] = [:]
        func id(_ name: String) -> Int32 {
            if let k = nameIndex[name] { return k }
            let k = Int32(names.count)
            nameIndex[name] = k
            names.append(name)
            return k
        }
        let top = IPAddress(high: ~0, low: ~0)
        for family in [IPFamily.ipv4, .ipv6] {
            let mine = ranges.filter { $0.range.family == family }
            // Cut points where some range starts or ends, as 128-bit values (the cut after the last
            // IPv4 address lies beyond the mapped block, which keeps it in order).
            var boundaries = Set<IPAddress>()
            var reachesTop = false
            for r in mine {
                boundaries.insert(r.range.first)
                if r.range.last == top { reachesTop = true } else { boundaries.insert(r.range.last.adding(1)) }
            }
            let cuts = boundaries.sorted()
            let ordered = mine.sorted {
                ($0.range.prefixLength, $0.service == "AMAZON" ? 0 : 1) < (
                    $1.range.prefixLength, $1.service == "AMAZON" ? 0 : 1
                )
            }
            for (k, lo) in cuts.enumerated() {
                let hi: IPAddress
                if k + 1 < cuts.count {
                    let next = cuts[k + 1]
                    hi = IPAddress(high: next.low == 0 ? next.high &- 1 : next.high, low: next.low &- 1)
                } else if reachesTop {
                    hi = top
                } else {
                    break
                }
                var best: String?
                for r in ordered where r.range.contains(lo) { best = r.service }
                guard let best else { continue }
                append(family, lo, hi, id(best))
            }
        }
        var k = 0
        octetStart = (0...256).map { b in
            while k < starts.count && UInt64(starts[k]) < UInt64(b) << 24 { k += 1 }
            return Int32(k)
        }
    }

    mutating func append(_ family: IPFamily, _ lo: IPAddress, _ hi: IPAddress, _ service: Int32) {
        if family == .ipv4 {
            if let last = services.last, last == service, let e = ends.last, e &+ 1 == lo.ipv4Raw {
                ends[ends.count - 1] = hi.ipv4Raw
            } else {
                starts.append(lo.ipv4Raw); ends.append(hi.ipv4Raw); services.append(service)
            }
        } else {
            if let last = services6.last, last == service, let e = ends6.last, e.adding(1) == lo {
                ends6[ends6.count - 1] = hi
            } else {
                starts6.append(lo); ends6.append(hi); services6.append(service)
            }
        }
    }

    /// The service subset of an address, as an index into `names`.
    public func lookup(_ a: IPAddress) -> Int? {
        a.isIPv4 ? lookup(ipv4: a.ipv4Raw) : lookup6(a)
    }

    /// The service subset of an IPv4 address given as its 32-bit value.
    ///
    /// The first octet picks the intervals starting in its /8 (``octetStart``), and a binary
    /// search runs over those only: most addresses' /8 holds none, and AWS's busiest /8s some
    /// tens. Searching all of a Region's intervals (hundreds since the Region catalog, some
    /// twenty before) took two chains of nine dependent loads per record, which made formatting
    /// about 18 % slower (README, "Performance").
    @inline(__always) public func lookup(ipv4 raw: UInt32) -> Int? {
        let b = Int(raw >> 24)
        return starts.withUnsafeBufferPointer { st in
            // The first start above `raw`: every start before octetStart[b] is below b.0.0.0, every
            // one from octetStart[b + 1] on at or above (b + 1).0.0.0.
            var lo = Int(octetStart[b]), n = Int(octetStart[b &+ 1]) &- lo
            while n > 0 {
                let half = n >> 1
                if st[lo &+ half] <= raw {
                    lo = lo &+ half &+ 1
                    n = n &- half &- 1
                } else {
                    n = half
                }
            }
            let k = lo &- 1
            guard k >= 0, raw <= ends[k] else { return nil }
            return Int(services[k])
        }
    }

    func lookup6(_ a: IPAddress) -> Int? {
        var lo = 0, hi = starts6.count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if starts6[mid] <= a { lo = mid &+ 1 } else { hi = mid }
        }
        let k = lo &- 1
        guard k >= 0, a <= ends6[k] else { return nil }
        return Int(services6[k])
    }
}
