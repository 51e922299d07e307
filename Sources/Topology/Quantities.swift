import SimCore
import Messages
import Yams

/// Checked quantities: every number, duration, rate, size, count, time and account id a
/// topology holds is read here, into a typed value inside the bounds of ``TopologyLimits``, or
/// rejected with a located error naming the key, the value and the allowed range. Numbers are
/// plain ASCII decimals: no `inf`, `nan`, hexadecimal or other scripts' digits.
extension YNode {
    /// A plain decimal number (`12`, `-0.5`, `1e6`), finite.
    func number() throws -> Double {
        let s = try string()
        guard let v = Self.decimal(s) else { throw fail("'\(s)' is not a number (like 2, 0.5 or 1e6)") }
        return v
    }

    /// A number in `range`.
    func number(in range: ClosedRange<Double>) throws -> Double {
        let v = try number()
        guard range.contains(v) else {
            throw fail("\(try string()) is outside \(Self.plain(range.lowerBound)) … \(Self.plain(range.upperBound))")
        }
        return v
    }

    /// A duration (`90s`, `250ms`, `2h30m`) in `range`; never negative.
    func duration(in range: ClosedRange<SimDuration>) throws -> SimDuration {
        let s = try string()
        guard let d = SimDuration(parsing: s), !s.hasPrefix("-") else {
            throw fail("'\(s)' is not a duration (like 90s, 250ms, 10m, 1h; not negative)")
        }
        guard range.contains(d) else {
            throw fail("'\(s)' is outside the allowed range \(range.lowerBound) … \(range.upperBound)")
        }
        return d
    }

    /// A rate per second: `2/s`, `120/min`, `0.5/h` or a bare number per second. 0 means never;
    /// otherwise it is within ``TopologyLimits/lowestRate`` … ``TopologyLimits/highestRate``.
    func rate() throws -> Double {
        let s = try string()
        let t = s.replacingOccurrences(of: " ", with: "")
        let parts = t.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let v = Self.decimal(String(parts[0])), v >= 0 else {
            throw fail("'\(s)' is not a rate (like 2/s, 30/min, 0.5/h)")
        }
        var perSecond = v
        if parts.count == 2 {
            switch parts[1] {
            case "s", "sec", "second": break
            case "min", "m", "minute": perSecond = v / 60
            case "h", "hour": perSecond = v / 3600
            default: throw fail("'\(s)': a rate's unit is /s, /min or /h")
            }
        }
        if perSecond == 0 { return 0 }
        guard perSecond <= TopologyLimits.highestRate, perSecond >= TopologyLimits.lowestRate else {
            throw fail(
                "'\(s)' is outside the allowed range: 0 (never), or one per \(TopologyLimits.longestRun) "
                    + "… 1,000,000/s (one event per microsecond)")
        }
        return perSecond
    }

    /// `every: 10s`: the rate of evenly spaced events, one per period of 1 µs … ten years.
    func period() throws -> Double {
        let d = try duration(in: .microseconds(1)...TopologyLimits.longestRun)
        return 1 / d.seconds
    }

    /// A size in bytes: `600`, `18kB`, `300MB`, `2GB` (decimal units), at most `largest`.
    func size(largest: Int = TopologyLimits.largestSize) throws -> Int {
        let s = try string()
        guard let v = Self.sizeValue(s), v >= 0 else { throw fail("'\(s)' is not a size (like 600, 18kB, 300MB)") }
        guard v <= Double(largest) else {
            throw fail("'\(s)' is larger than \(Self.bytes(largest)), the largest size accepted")
        }
        return Int(v.rounded())
    }

    /// The bytes of a size's text (`600`, `18kB`), or nil.
    static func sizeValue(_ s: String) -> Double? {
        let t = s.replacingOccurrences(of: " ", with: "")
        let units: [(String, Double)] = [("GB", 1e9), ("MB", 1e6), ("kB", 1e3), ("KB", 1e3), ("B", 1)]
        if let (u, f) = units.first(where: { t.hasSuffix($0.0) }) {
            return Self.decimal(String(t.dropLast(u.count))).map { $0 * f }
        } else if !t.isEmpty, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return Self.decimal(t)
        }
        return nil
    }

    /// A size that varies per use, each value within `bounds`: a size (`2kB`, the same every
    /// time), `{median: 2kB, sigma: 0.4}` (log-normal, the spelling of hop latencies) or
    /// `1kB-4kB` (uniform, both ends included). `why` says what the bounds are.
    func sizeDistribution(in bounds: ClosedRange<Int>, why: String) throws -> SizeDistribution {
        func check(_ v: Int, _ n: YNode) throws -> Int {
            guard bounds.contains(v) else {
                throw n.fail("\(v) bytes is outside \(bounds.lowerBound)…\(bounds.upperBound) (\(why))")
            }
            return v
        }
        if case .mapping = node {
            let m = try mapping(allowed: ["median", "sigma"])
            let medianNode = try m.required("median")
            let median = try check(try medianNode.size(largest: bounds.upperBound), medianNode)
            let sigma = try (try m.required("sigma")).number(in: 0...2)
            return sigma == 0 ? .constant(median) : .logNormal(median: median, sigma: sigma)
        }
        let s = try string()
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard let a = Self.sizeValue(String(parts[0])), let b = Self.sizeValue(String(parts[1])) else {
                throw fail("'\(s)' is not a size range (like 1kB-4kB)")
            }
            let lo = try check(Int(min(a, 1e12).rounded()), self), hi = try check(Int(min(b, 1e12).rounded()), self)
            guard lo <= hi else { throw fail("'\(s)' runs backwards (the smaller size comes first, like 1kB-4kB)") }
            return lo == hi ? .constant(lo) : .uniform(lo, hi)
        }
        guard Self.sizeValue(s) != nil else {
            throw fail("'\(s)' is not a size (like 2kB), a range (like 1kB-4kB) or {median: 2kB, sigma: 0.4}")
        }
        return .constant(try check(try size(), self))
    }

    /// A seed: 0 … 18446744073709551615, as `--seed` takes it.
    func seed() throws -> UInt64 {
        let s = try string()
        guard let v = UInt64(s.replacingOccurrences(of: "_", with: "")), s.utf8.first != UInt8(ascii: "+") else {
            throw fail("'\(s)' is not a seed (an integer 0 … 18446744073709551615)")
        }
        return v
    }

    /// A UTC time `yyyy-mm-ddThh:mm:ssZ` (ASCII digits, exactly), as Unix seconds, within
    /// ``TopologyLimits/earliestStart`` … ``TopologyLimits/latestStart``.
    func timestamp() throws -> Int64 {
        let s = try string()
        let b = Array(s.utf8)
        let shape = Array("dddd-dd-ddTdd:dd:ddZ".utf8)
        let fits =
            b.count == shape.count
            && zip(b, shape).allSatisfy { c, want in
                want == UInt8(ascii: "d") ? (c >= 0x30 && c <= 0x39) : c == want
            }
        guard fits else { throw fail("'\(s)' is not a UTC timestamp like 2026-11-23T10:00:00Z") }
        func field(_ at: Int, _ n: Int) -> Int { b[at..<at + n].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        let (y, mo, d, h, mi, se) = (field(0, 4), field(5, 2), field(8, 2), field(11, 2), field(14, 2), field(17, 2))
        guard (1...12).contains(mo), (1...31).contains(d), h <= 23, mi <= 59, se <= 59 else {
            throw fail("'\(s)' is not a valid UTC time (month 01–12, day 01–31, 00:00:00–23:59:59)")
        }
        let t = UTCDateTime.unixSeconds(year: y, month: mo, day: d, hour: h, minute: mi, second: se)
        guard UTCDateTime(unixSeconds: t).day == d else { throw fail("'\(s)': \(y)-\(mo) has no day \(d)") }
        guard (TopologyLimits.earliestStart...TopologyLimits.latestStart).contains(t) else {
            throw fail("'\(s)' is outside 1970-01-01T00:00:00Z … 2099-12-31T23:59:59Z")
        }
        return t
    }

    /// A 12-digit AWS account id (ASCII digits).
    func accountID() throws -> String {
        let s = try string()
        guard s.utf8.count == 12, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw fail("'\(s)' is not a 12-digit AWS account id")
        }
        return s
    }

    /// A scalar that YAML (or JSON) reads as a string, not a number, boolean or null: for the
    /// elements of IAM policy documents, which are strings or lists of strings.
    func text() throws -> String {
        guard case .scalar(let sc) = node else { throw fail("expected a string, found \(kind)") }
        let tag = Resolver.default.resolveTag(of: node).rawValue // str, int, float, bool, null, …
        guard tag.hasSuffix(":str") || sc.style != .plain else {
            throw fail("expected a string, found \(kind) (a \(tag.split(separator: ":").last ?? "value"))")
        }
        return sc.string
    }

    /// A string or a list of strings (IAM's `"Action": "s3:*"` or `["a", "b"]`).
    func textList() throws -> [String] {
        if case .scalar = node { return [try text()] }
        return try list().map { try $0.text() }
    }

    // MARK: Grammar

    /// A plain decimal: optional sign, digits with an optional fraction, an optional exponent;
    /// finite. Nil for anything else (`inf`, `nan`, `0x1p3`, `١٢`, `1,5`, empty).
    static func decimal(_ s: String) -> Double? {
        let b = Array(s.utf8)
        var i = 0
        func digits() -> Int {
            let start = i
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            return i - start
        }
        if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
        var mantissa = digits()
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            mantissa += digits()
        }
        guard mantissa > 0 else { return nil }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
            guard digits() > 0 else { return nil }
        }
        guard i == b.count, let v = Double(s), v.isFinite else { return nil }
        return v
    }

    static func plain(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    static func bytes(_ n: Int) -> String {
        n % 1_000_000_000 == 0 ? "\(n / 1_000_000_000) GB" : n % 1_000_000 == 0 ? "\(n / 1_000_000) MB" : "\(n) bytes"
    }
}
