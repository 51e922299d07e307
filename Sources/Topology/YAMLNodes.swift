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
    /// The file the node was written in: the document's, an included one's, or a patch's.
    let file: String
    /// Set when a patch wrote this node or one above it (``PatchOrigin``).
    let origin: PatchOrigin?
    /// Position of the key this value belongs to (errors about a value point at its key).
    let keyMark: Mark?
    /// Which file each part of this node came from, when the document merges several (`include:`);
    /// nil: all of it from `file`.
    let source: NodeSource?

    enum Step {
        case none
        case key(String)
        case index(Int)
    }

    init(
        node: Node, path: String, file: String, keyMark: Mark?, origin: PatchOrigin? = nil,
        source: NodeSource? = nil
    ) {
        self.init(
            node: node, parentPath: path, step: .none, file: file, keyMark: keyMark, origin: origin, source: source)
    }

    init(
        node: Node, parentPath: String, step: Step, file: String, keyMark: Mark?, origin inherited: PatchOrigin? = nil,
        source: NodeSource? = nil
    ) {
        self.node = node; self.parentPath = parentPath; self.step = step; self.keyMark = keyMark; self.source = source
        let o = PatchOrigin.of(node) ?? inherited
        self.origin = o
        self.file = o?.file ?? file
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

    /// An error at `m` (default: this node). `other`: the node the error is about when it is not
    /// this one (a key), so a key a patch wrote is reported where the patch is.
    func error(_ message: String, at m: Mark? = nil, node other: Node? = nil) -> TopologyError {
        if let other, let o = PatchOrigin.of(other) { return o.error(message, at: m ?? other.mark) }
        if let o = origin {
            // A value a patch wrote: its own position in the patch's file (a value the patch set
            // on an existing key has no position of its key there).
            return o.error(message, at: m ?? node.mark)
        }
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
            let from = source?.key(key)
            let keyFile = from?.file ?? file
            guard allowed.contains(key) else {
                let hint = closest(key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                let message = "\(prefix)unknown key '\(key)'\(hint); allowed: \(allowed.joined(separator: ", "))"
                if origin == nil && PatchOrigin.of(k) == nil {
                    // Written in this file or one it includes: the key's own file.
                    throw TopologyError(
                        file: keyFile, line: k.mark?.line ?? 0, column: k.mark?.column ?? 0, message: message)
                }
                throw error(message, at: k.mark, node: k)
            }
            pairs.append(
                (
                    key,
                    YNode(
                        node: v, parentPath: path, step: .key(key), file: keyFile,
                        keyMark: PatchOrigin.of(v) == nil || PatchOrigin.of(k) != nil ? k.mark : nil, origin: origin,
                        source: from)
                ))
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
            let from = source?.item(i)
            return YNode(
                node: n, parentPath: path, step: .index(i), file: from?.file ?? file, keyMark: n.mark ?? keyMark,
                origin: origin, source: from)
        }
    }

    func string() throws -> String {
        guard case .scalar(let s) = node else { throw fail("expected a value, found \(kind)") }
        return s.string
    }

    /// A value that names something of the topology's Region: `{region}` stands for the Region, so
    /// one file can be run (or swept by an experiment) in any Region: `availability-zone:
    /// "{region}a"`, `service: com.amazonaws.{region}.dynamodb`.
    func regional(_ region: String) throws -> String {
        try string().replacingOccurrences(of: "{region}", with: region)
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

    /// A CIDR block of `family` (IPv4 unless a key says otherwise: an `ipv6-cidr` key asks for
    /// `.ipv6`).
    func cidr(_ family: IPFamily = .ipv4) throws -> CIDR {
        let s = try string()
        guard let c = CIDR(s), c.family == family else {
            let example = family == .ipv4 ? "10.0.0.0/16" : "2600:1f18:1234:5600::/56"
            throw fail("'\(s)' is not a valid \(family) CIDR block (like \(example))")
        }
        return c
    }

    /// A CIDR block of either family (route destinations, rule peers: `0.0.0.0/0` or `::/0`).
    func anyCIDR() throws -> CIDR {
        let s = try string()
        guard let c = CIDR(s) else {
            throw fail("'\(s)' is not a valid CIDR block (like 10.0.0.0/16 or 2600:1f18:1234:5600::/56)")
        }
        return c
    }

    /// An address of either family.
    func address() throws -> IPAddress {
        let s = try string()
        guard let a = IPAddress(s) else { throw fail("'\(s)' is not a valid IPv4 or IPv6 address") }
        return a
    }

    /// An IPv6 address.
    func ipv6() throws -> IPAddress {
        let s = try string()
        guard let a = IPAddress(s), !a.isIPv4 else { throw fail("'\(s)' is not a valid IPv6 address") }
        return a
    }

    /// An IPv4 address (the model's address type, holding IPv4).
    func ipv4() throws -> IPAddress {
        let s = try string()
        guard let a = IPv4Address(s) else { throw fail("'\(s)' is not a valid IPv4 address") }
        return IPAddress(a)
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
