import Foundation
import Yams
import SimCore
import Wire

/// A problem in a topology file: where it is and what is wrong with it.
public struct TopologyError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file; self.line = line; self.column = column; self.message = message
    }
    /// `file:line:column: message` — the form compilers use, so editors can jump to it — or
    /// `file: message` for a problem with the file as a whole (line 0). Always one line: control
    /// characters in quoted values (a multi-line scalar, say) are escaped.
    public var description: String {
        let text = line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
        return Self.oneLine(text)
    }

    /// `text` with control characters (and Unicode's line and paragraph separators and
    /// direction overrides) written as `\n`, `\t` or `\u{…}`.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: Self.escaped) else { return text }
        var out = ""
        for u in text.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where Self.escaped(u): out += "\\u{\(String(u.value, radix: 16))}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func escaped(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || u.value == 0x7F || (0x80...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029
            || (0x202A...0x202E).contains(u.value) || (0x2066...0x2069).contains(u.value)
    }
}

/// A YAML node with the context needed to report problems with it.
struct YNode {
    let node: Node
    /// The parent's key path and this node's last step: the full path is built only when asked
    /// for (an error, a child), not for every value of a large file.
    let parentPath: String
    let step: Step
    let file: String
    /// Position of the key this value belongs to (errors about a value point at its key).
    let keyMark: Mark?

    enum Step {
        case none
        case key(String)
        case index(Int)
    }

    init(node: Node, path: String, file: String, keyMark: Mark?) {
        self.init(node: node, parentPath: path, step: .none, file: file, keyMark: keyMark)
    }

    init(node: Node, parentPath: String, step: Step, file: String, keyMark: Mark?) {
        self.node = node; self.parentPath = parentPath; self.step = step; self.file = file; self.keyMark = keyMark
    }

    /// Key path from the document root, e.g. `subnets[1].cidr`.
    var path: String {
        switch step {
        case .none: return parentPath
        case .key(let k): return parentPath.isEmpty ? k : parentPath + "." + k
        case .index(let i): return parentPath + "[" + String(i) + "]"
        }
    }

    var mark: Mark? { node.mark ?? keyMark }
    var line: Int { mark?.line ?? 0 }

    func error(_ message: String, at m: Mark? = nil) -> TopologyError {
        let k = m ?? mark
        return TopologyError(file: file, line: k?.line ?? 0, column: k?.column ?? 0, message: message)
    }

    /// `path: message`, pointing at this node.
    func fail(_ message: String) -> TopologyError { error(prefix + message) }

    /// `path: `, or nothing at the document's root.
    var prefix: String { path.isEmpty ? "" : "\(path): " }

    var isNull: Bool {
        if case .scalar(let s) = node,
            s.tag.description.hasSuffix("null")
                || (s.string.isEmpty || s.string == "~" || s.string == "null") && s.style == .plain
        {
            return true
        }
        return false
    }

    func mapping(allowed: [String]) throws -> YMap {
        guard case .mapping(let m) = node else { throw fail("expected a mapping (key: value pairs), found \(kind)") }
        var pairs: [(key: String, value: YNode)] = []
        pairs.reserveCapacity(m.count)
        let path = self.path
        for (k, v) in m {
            guard case .scalar(let ks) = k else { throw error("\(prefix)keys must be plain strings", at: k.mark) }
            let key = ks.string
            guard allowed.contains(key) else {
                let hint = closest(key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                throw error(
                    "\(prefix)unknown key '\(key)'\(hint); allowed: \(allowed.joined(separator: ", "))", at: k.mark)
            }
            pairs.append((key, YNode(node: v, parentPath: path, step: .key(key), file: file, keyMark: k.mark)))
        }
        return YMap(owner: self, pairs: pairs)
    }

    var kind: String {
        switch node {
        case .scalar(let s): return "the scalar '\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    func list() throws -> [YNode] {
        if isNull { return [] }
        guard case .sequence(let seq) = node else { throw fail("expected a list, found \(kind)") }
        let path = self.path
        return seq.enumerated().map { i, n in
            YNode(node: n, parentPath: path, step: .index(i), file: file, keyMark: n.mark ?? keyMark)
        }
    }

    func string() throws -> String {
        guard case .scalar(let s) = node else { throw fail("expected a value, found \(kind)") }
        return s.string
    }

    func int(_ range: ClosedRange<Int>? = nil) throws -> Int {
        let s = try string()
        guard let v = Int(s.replacingOccurrences(of: "_", with: "")) else { throw fail("'\(s)' is not an integer") }
        if let range, !range.contains(v) { throw fail("\(v) is outside \(range.lowerBound)…\(range.upperBound)") }
        return v
    }

    func bool() throws -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let s: throw fail("'\(s)' is not true or false")
        }
    }

    /// A duration of 0 … ten years (``TopologyLimits/longestRun``); see `duration(in:)`.
    func duration() throws -> SimDuration { try duration(in: .zero...TopologyLimits.longestRun) }

    func cidr() throws -> CIDR {
        let s = try string()
        guard let c = CIDR(s) else { throw fail("'\(s)' is not a valid IPv4 CIDR block (like 10.0.0.0/16)") }
        return c
    }

    func ipv4() throws -> IPv4Address {
        let s = try string()
        guard let a = IPv4Address(s) else { throw fail("'\(s)' is not a valid IPv4 address") }
        return a
    }

    func stringList() throws -> [String] {
        if case .scalar = node { return [try string()] }
        return try list().map { try $0.string() }
    }
}

struct YMap {
    let owner: YNode
    let pairs: [(key: String, value: YNode)]

    subscript(_ key: String) -> YNode? { pairs.first { $0.key == key }?.value }
    func required(_ key: String) throws -> YNode {
        guard let v = self[key] else { throw owner.fail("missing required key '\(key)'") }
        return v
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a typo.
func closest(_ word: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[b.count]
    }
    let w = Array(word)
    let best = candidates.map { ($0, distance(w, Array($0))) }.min { $0.1 < $1.1 }
    guard let best, best.1 <= max(2, word.count / 3) else { return nil }
    return best.0
}
