import Foundation
import Yams

/// `include:` — a topology file that starts from others.
///
///     include: imported.yaml              # or a list: [network.yaml, workload.yaml]
///     functions:
///       - name: orders-writer             # defined in imported.yaml; this file adds what it runs
///         invocations: {rate: 2/s}
///         handler: [{dynamodb: PutItem, table: Orders}]
///
/// Included files are read first (in the order listed, each with its own includes, paths relative
/// to the file that names them) and the including file is laid over them:
/// - mappings merge key by key, recursively;
/// - the top-level lists (`vpcs`, `subnets`, …, `functions`, `captures`, `traffic`) merge their
///   entries by `id` (or `name` where an entry has no id): entries with the same identity merge
///   key by key, an entry identical to one already there is kept once, others are appended;
/// - every other value (a scalar, a nested list such as `routes` or `ingress`) may be defined in
///   several files only if all definitions are equal: an including file adds to what it includes,
///   it does not change it. A different value is one error naming both places;
/// - `scenario` and `description` name the file being run: the outermost file's win.
///
/// The merged document is one YAML tree plus a `NodeSource` tree saying which file each part came
/// from, so every later error names the file and line of the text at fault. `Includes.merge` is
/// the merge on its own, for callers that lay one document over another.
public enum Includes {
    /// Reads `file`'s text and resolves its includes: the merged root and where each part came from.
    static func resolve(yaml: String, file: String) throws(TopologyError) -> (Node, NodeSource) {
        var resolver = Resolver()
        return try resolver.document(yaml: yaml, file: file, chain: [])
    }

    /// Lays `overlay` over `base` with the rules above (a conflicting definition is an error at
    /// the overlay's node). `topLevel` applies the top-level list and scenario rules.
    static func merge(
        base: Node, _ baseSource: NodeSource, overlay: Node, _ overlaySource: NodeSource, path: String = "",
        topLevel: Bool = true
    ) throws(TopologyError) -> (Node, NodeSource) {
        try Merger.merge(base, baseSource, overlay, overlaySource, path: path, topLevel: topLevel, keyMark: nil)
    }

    /// The top-level lists whose entries merge by identity.
    static let entityLists: Set<String> = [
        "vpcs", "subnets", "route-tables", "network-acls", "security-groups", "internet-gateways", "nat-gateways",
        "vpc-endpoints", "prefix-lists", "instances", "databases", "functions", "state-machines", "flow-logs",
        "captures", "services", "internet", "traffic",
    ]
    /// Top-level keys that describe the file being run rather than the world.
    static let outermostWins: Set<String> = ["scenario", "description"]
}

/// Which file each part of a (possibly merged) document came from. A node without `keys` or
/// `items` came whole from `file`.
final class NodeSource: Sendable {
    let file: String
    let keys: [String: NodeSource]
    let items: [NodeSource]
    init(file: String, keys: [String: NodeSource] = [:], items: [NodeSource] = []) {
        self.file = file; self.keys = keys; self.items = items
    }
    func key(_ k: String) -> NodeSource { keys[k] ?? NodeSource(file: file) }
    func item(_ i: Int) -> NodeSource { i < items.count ? items[i] : NodeSource(file: file) }
}

private struct Resolver {
    mutating func document(yaml: String, file: String, chain: [String]) throws(TopologyError) -> (Node, NodeSource) {
        let root = try TopologyLoader.parse(yaml: yaml, file: file)
        guard case .mapping(let top) = root, let entry = top.first(where: { $0.key.keyText == "include" }) else {
            return (root, NodeSource(file: file))
        }
        let includeNode = YNode(node: entry.value, path: "include", file: file, keyMark: entry.key.mark)
        var targets: [YNode] = []
        if case .scalar = entry.value {
            targets = [includeNode]
        } else {
            do { targets = try includeNode.list() } catch let e as TopologyError { throw e } catch {
                throw includeNode.fail("\(error)")
            }
        }
        guard !targets.isEmpty else { throw includeNode.fail("expected a file name or a list of file names") }
        // The including file without its `include:` key is laid over what it includes.
        let own = Node.mapping(
            Node.Mapping(
                top.filter { $0.key.keyText != "include" }.map { ($0.key, $0.value) }, top.tag, top.style,
                top.mark))
        var merged: (Node, NodeSource)?
        let directory = (file as NSString).deletingLastPathComponent
        for t in targets {
            guard case .scalar(let s) = t.node, !s.string.isEmpty else {
                throw t.fail("expected a file name, found \(t.kind)")
            }
            let path =
                s.string.hasPrefix("/") || directory.isEmpty
                ? s.string : (directory as NSString).appendingPathComponent(s.string)
            let normalized = (path as NSString).standardizingPath
            if let i = chain.firstIndex(of: normalized)
                ?? (normalized == (file as NSString).standardizingPath ? 0 : nil)
            {
                let cycle = (chain[i...] + [(file as NSString).standardizingPath, normalized]).joined(separator: " → ")
                throw t.fail("include cycle: \(cycle)")
            }
            let text: String
            do { text = try TopologyLoader.readText(path) } catch {
                // An unreadable include is reported where it is named; a bad byte inside it, where it is.
                if error.line > 0 { throw error }
                throw t.fail("cannot read '\(s.string)' (looked for \(path)): \(error.message)")
            }
            let included = try document(yaml: text, file: path, chain: chain + [(file as NSString).standardizingPath])
            if let m = merged {
                merged = try Merger.merge(m.0, m.1, included.0, included.1, path: "", topLevel: true, keyMark: nil)
            } else {
                merged = included
            }
        }
        return try Merger.merge(
            merged!.0, merged!.1, own, NodeSource(file: file), path: "", topLevel: true, keyMark: nil)
    }
}

private enum Merger {
    static func merge(
        _ b: Node, _ bs: NodeSource, _ o: Node, _ os: NodeSource, path: String, topLevel: Bool, keyMark: Mark?
    ) throws(TopologyError) -> (Node, NodeSource) {
        switch (b, o) {
        case (.mapping(let bm), .mapping(let om)):
            var pairs: [(Node, Node)] = []
            var sources: [String: NodeSource] = [:]
            let overlay = Dictionary(om.map { ($0.key.keyText, $0) }, uniquingKeysWith: { a, _ in a })
            for (k, v) in bm {
                let key = k.keyText
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if let ov = overlay[key] {
                    if topLevel && path.isEmpty && Includes.outermostWins.contains(key) {
                        pairs.append((ov.key, ov.value))
                        sources[key] = os.key(key)
                        continue
                    }
                    let (n, s) = try mergeValue(
                        v, bs.key(key), ov.value, os.key(key), path: childPath,
                        entityList: topLevel && path.isEmpty && Includes.entityLists.contains(key), keyMark: ov.key.mark
                    )
                    pairs.append((k, n))
                    sources[key] = s
                } else {
                    pairs.append((k, v))
                    sources[key] = bs.key(key)
                }
            }
            let baseKeys = Set(bm.map { $0.key.keyText })
            for (k, v) in om where !baseKeys.contains(k.keyText) {
                pairs.append((k, v))
                sources[k.keyText] = os.key(k.keyText)
            }
            return (.mapping(Node.Mapping(pairs, bm.tag, bm.style, bm.mark)), NodeSource(file: bs.file, keys: sources))
        default:
            return try mergeValue(b, bs, o, os, path: path, entityList: false, keyMark: keyMark)
        }
    }

    static func mergeValue(
        _ b: Node, _ bs: NodeSource, _ o: Node, _ os: NodeSource, path: String, entityList: Bool, keyMark: Mark?
    ) throws(TopologyError) -> (Node, NodeSource) {
        switch (b, o) {
        case (.mapping, .mapping):
            return try merge(b, bs, o, os, path: path, topLevel: false, keyMark: keyMark)
        case (.sequence(let bq), .sequence(let oq)) where entityList:
            var items = Array(bq)
            var sources = items.indices.map { bs.item($0) }
            for (j, item) in oq.enumerated() {
                let itemSource = os.item(j)
                if let id = identity(item), let i = items.firstIndex(where: { identity($0) == id }) {
                    let (n, s) = try merge(
                        items[i], sources[i], item, itemSource, path: "\(path)[\(i)]", topLevel: false,
                        keyMark: item.mark)
                    items[i] = n
                    sources[i] = s
                } else if items.contains(where: { same($0, item) }) {
                    continue
                } else {
                    items.append(item)
                    sources.append(itemSource)
                }
            }
            return (
                .sequence(Node.Sequence(items, bq.tag, bq.style, bq.mark)), NodeSource(file: bs.file, items: sources)
            )
        default:
            if same(b, o) { return (b, bs) }
            let here = o.mark ?? keyMark
            let there = b.mark
            throw TopologyError(
                file: os.file, line: here?.line ?? 0, column: here?.column ?? 0,
                message:
                    "\(path): conflicts with its definition at \(bs.file):\(there?.line ?? 0) (\(show(b)) there, "
                    + "\(show(o)) here); a file may add to what it includes but not change it")
        }
    }

    /// An entry's identity in a top-level list: its `id`, else its `name`.
    static func identity(_ n: Node) -> String? {
        guard case .mapping(let m) = n else { return nil }
        for key in ["id", "name"] {
            if let v = m.first(where: { $0.key.keyText == key })?.value, case .scalar(let s) = v {
                return key + ":" + s.string
            }
        }
        return nil
    }

    /// Equal as data: the same scalars in the same structure (marks and styles aside).
    static func same(_ a: Node, _ b: Node) -> Bool {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)): return x.string == y.string
        case (.sequence(let x), .sequence(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.mapping(let x), .mapping(let y)):
            guard x.count == y.count else { return false }
            let ym = Dictionary(y.map { ($0.key.keyText, $0.value) }, uniquingKeysWith: { a, _ in a })
            return x.allSatisfy { p in ym[p.key.keyText].map { same(p.value, $0) } ?? false }
        default: return false
        }
    }

    static func show(_ n: Node) -> String {
        switch n {
        case .scalar(let s): return "'\(s.string)'"
        case .sequence(let q): return "a list of \(q.count)"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}

extension Node {
    /// A scalar's text; for keys ("" for anything else).
    fileprivate var keyText: String {
        if case .scalar(let s) = self { return s.string }
        return ""
    }
}
