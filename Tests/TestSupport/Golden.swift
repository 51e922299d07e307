import Foundation

/// Compares two run output directories the way `Tools/compare-runs` does and names the first
/// difference: the first differing packet of a pcap (number, timestamp, byte), the first
/// differing line of a flow-log, label or JSON file (gzip files by their text). Nil when every
/// output is identical. `summary.json` is compared without the fields that vary between
/// identical runs.
public func firstOutputDifference(_ a: String, _ b: String) -> String? {
    let trees = ["captures", "flowlogs", "cloudwatch-logs", "labels"]
    func files(_ root: String) -> Set<String> {
        Set(filesUnder(root).filter { f in trees.contains { f.hasPrefix($0 + "/") } })
    }
    let fa = files(a), fb = files(b)
    if let only = fa.subtracting(fb).sorted().first { return "\(only): only in \(a)" }
    if let only = fb.subtracting(fa).sorted().first { return "\(only): only in \(b)" }
    for rel in fa.sorted() {
        let x = FileManager.default.contents(atPath: a + "/" + rel) ?? Data()
        let y = FileManager.default.contents(atPath: b + "/" + rel) ?? Data()
        if x == y { continue }
        if rel.hasSuffix(".pcap") { return "\(rel): " + firstPcapDifference([UInt8](x), [UInt8](y)) }
        if rel.hasSuffix(".gz") {
            let tx = gunzipLines(a + "/" + rel), ty = gunzipLines(b + "/" + rel)
            if tx == ty { return "\(rel): same text, different gzip bytes" }
            return "\(rel): " + firstLineDifference(tx, ty)
        }
        return "\(rel): " + firstLineDifference(lines(x), lines(y))
    }
    let sa = stableSummary(a + "/summary.json"), sb = stableSummary(b + "/summary.json")
    if sa != sb { return "summary.json: " + firstLineDifference(sa, sb) }
    return nil
}

/// The first differing packet of two classic pcaps, or a description of how the files differ.
public func firstPcapDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
    guard a.count >= 24, b.count >= 24 else { return "a file is shorter than a pcap header" }
    if a[0..<24] != b[0..<24] { return "file headers differ" }
    let little = a[0] == 0xD4 || a[0] == 0x4D
    func u32(_ d: [UInt8], _ i: Int) -> Int {
        let v = (0..<4).map { Int(d[i + $0]) }
        return little ? v[0] | v[1] << 8 | v[2] << 16 | v[3] << 24 : v[3] | v[2] << 8 | v[1] << 16 | v[0] << 24
    }
    var i = 24, j = 24, n = 0
    while true {
        let endA = i + 16 > a.count, endB = j + 16 > b.count
        if endA && endB { return "same packets, different bytes" }
        if endA || endB { return "the \(endA ? "second" : "first") file has more packets, from packet \(n + 1)" }
        n += 1
        let (sa, fa, la) = (u32(a, i), u32(a, i + 4), u32(a, i + 8))
        let (sb, fb, lb) = (u32(b, j), u32(b, j + 4), u32(b, j + 8))
        let at = "packet \(n) (\(sa).\(String(fa).leftPadded(9)))"
        if (sa, fa) != (sb, fb) { return "packet \(n): timestamp \(sa).\(fa) vs \(sb).\(fb)" }
        if la != lb { return "\(at): \(la) vs \(lb) bytes" }
        guard i + 16 + la <= a.count, j + 16 + lb <= b.count else { return "\(at): truncated" }
        for k in 0..<la where a[i + 16 + k] != b[j + 16 + k] {
            return "\(at): byte \(k) is \(hex(a[i + 16 + k])) vs \(hex(b[j + 16 + k]))"
        }
        i += 16 + la
        j += 16 + lb
    }
}

func firstLineDifference(_ a: [String], _ b: [String]) -> String {
    for (k, (x, y)) in zip(a, b).enumerated() where x != y { return "line \(k + 1):\n  - \(x)\n  + \(y)" }
    return "the \(a.count > b.count ? "first" : "second") has more lines (\(a.count) vs \(b.count))"
}

func lines(_ d: Data) -> [String] { String(decoding: d, as: UTF8.self).components(separatedBy: "\n") }

/// summary.json's lines without the fields that vary between identical runs.
func stableSummary(_ path: String) -> [String] {
    guard let d = FileManager.default.contents(atPath: path),
        var json = try? JSONSerialization.jsonObject(with: d) as? [String: Any]
    else { return ["(missing or not JSON)"] }
    for k in ["wall_seconds", "events_per_second", "peak_memory_kb", "output_directory"] { json.removeValue(forKey: k) }
    guard let out = try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .prettyPrinted]) else {
        return []
    }
    return lines(out)
}

func hex(_ b: UInt8) -> String { String(b, radix: 16).leftPadded(2) }

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
