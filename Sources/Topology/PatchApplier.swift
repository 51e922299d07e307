import Yams

/// Applies ``TopologyPatch``es to a composed document, in order. A path that does not resolve is
/// an error at the patch's origin naming the part that failed (with a suggestion when a name is
/// close to one that exists); values are marked with their origin for the loader's errors.
struct PatchApplier {
    typealias Component = TopologyPath.Component
    /// Composed experiment documents, by text (values of many patches come from one file).
    var documents: [String: Node] = [:]

    mutating func apply(_ patches: [TopologyPatch], to root: Node) throws(TopologyError) -> Node {
        var doc = root
        for p in patches { doc = try apply(p, to: doc) }
        return doc
    }

    mutating func apply(_ p: TopologyPatch, to root: Node) throws(TopologyError) -> Node {
        var value: Node?
        if let v = p.value { value = try resolve(v, origin: p.origin) }
        if p.operation != .remove && value == nil { throw p.origin.error("\(p.path): \(p.operation) needs a value") }
        guard let updated = try update(root, p.path.components[...], done: [], patch: p, value: value) else {
            throw p.origin.error("\(p.path): cannot remove the whole document")
        }
        return updated
    }

    /// The value node of a patch, marked with the file it was written in.
    mutating func resolve(_ v: TopologyPatch.Value, origin: PatchOrigin) throws(TopologyError) -> Node {
        switch v {
        case .text(let t):
            let n: Node
            do {
                n = try Yams.compose(yaml: t) ?? Node("", Tag(.null))
            } catch {
                throw origin.error("the value '\(t)' is not YAML: \(error)")
            }
            return origin.mark(n)
        case .node(let text, let file, let at):
            let root: Node
            if let known = documents[text] {
                root = known
            } else {
                do {
                    root = try Yams.compose(yaml: text) ?? Node("")
                } catch {
                    throw origin.error("cannot read the patch's value: \(error)")
                }
                documents[text] = root
            }
            var n = root
            for c in at {
                switch (c, n) {
                case (.key(let k), .mapping(let m)):
                    guard let v = m.first(where: { $0.key.string == k })?.value else {
                        throw origin.error("the patch has no value '\(k)'")
                    }
                    n = v
                case (.index(let i), .sequence(let s)) where i < s.count:
                    n = s[i]
                default:
                    throw origin.error("the patch's value is not where it was read")
                }
            }
            return PatchOrigin(file: file, line: origin.line, column: origin.column).mark(n)
        }
    }

    func fail(_ p: TopologyPatch, _ done: [Component], _ message: String) -> TopologyError {
        let at = done.isEmpty ? "" : " (at \(TopologyPath.render(done[...])))"
        return p.origin.error("\(p.path): \(message)\(at)")
    }

    /// `node` with the patch applied below it; nil when the patch removes `node` itself.
    func update(
        _ node: Node, _ rest: ArraySlice<Component>, done: [Component], patch p: TopologyPatch, value: Node?
    ) throws(TopologyError) -> Node? {
        guard let c = rest.first else {
            switch p.operation {
            case .set: return value
            case .remove: return nil
            case .add:
                guard case .sequence(var s) = node else {
                    throw fail(p, done, "'add' appends to a list, and this is \(Self.kind(node))")
                }
                s.append(contentsOf: Self.items(value!, origin: p.origin))
                return .sequence(s)
            }
        }
        let next = rest.dropFirst()
        switch node {
        case .mapping(let m):
            guard case .key(let k) = c else {
                throw fail(p, done, "[\(Self.text(c))] indexes a list, and this is a mapping")
            }
            var pairs = m.map { ($0.key, $0.value) }
            if let i = pairs.firstIndex(where: { $0.0.string == k }) {
                let new = try update(pairs[i].1, next, done: done + [c], patch: p, value: value)
                if let new { pairs[i].1 = new } else { pairs.remove(at: i) }
                return .mapping(Node.Mapping(pairs, m.tag, m.style, m.mark))
            }
            guard p.operation != .remove else {
                let keys = Array(m.keys.compactMap(\.string))
                let hint = closest(k, in: keys).map { " (did you mean '\($0)'?)" } ?? ""
                throw fail(p, done, "no key '\(k)' to remove\(hint)")
            }
            // A missing key: set creates it (and the mappings leading to it); add creates the list.
            let created: Node
            if let after = next.first {
                guard case .key = after else {
                    throw fail(p, done + [c], "'\(k)' does not exist, so it has no items to index")
                }
                created =
                    try update(
                        p.origin.mark(.mapping(Node.Mapping([]))), next, done: done + [c], patch: p, value: value)
                    ?? Node("")
            } else if p.operation == .add {
                created = p.origin.mark(.sequence(Node.Sequence(Self.items(value!, origin: p.origin))))
            } else {
                created = value!
            }
            pairs.append((p.origin.mark(Node(k)), created))
            return .mapping(Node.Mapping(pairs, m.tag, m.style, m.mark))
        case .sequence(let s):
            let i: Int
            switch c {
            case .index(let n):
                guard n < s.count else {
                    throw fail(
                        p, done, "index \(n) is past the end (the list has \(s.count) item\(s.count == 1 ? "" : "s"))")
                }
                i = n
            case .key(let name):
                let names = s.map(Self.identity)
                guard let n = names.firstIndex(where: { $0 == name }) else {
                    let known = names.compactMap { $0 }
                    let hint = closest(name, in: known).map { " (did you mean '\($0)'?)" } ?? ""
                    let listed =
                        known.isEmpty ? "its items have no name or id" : "it has \(known.joined(separator: ", "))"
                    throw fail(p, done, "no item named '\(name)' (by name or id)\(hint); \(listed)")
                }
                i = n
            }
            var items = Array(s)
            let new = try update(s[i], next, done: done + [.index(i)], patch: p, value: value)
            if let new { items[i] = new } else { items.remove(at: i) }
            return .sequence(Node.Sequence(items, s.tag, s.style, s.mark))
        default:
            throw fail(p, done, "\(Self.text(c)) is below \(Self.kind(node)), which has no keys or items")
        }
    }

    /// The items `add` appends: a list's items (each keeping the list's origin), or the value.
    static func items(_ value: Node, origin: PatchOrigin) -> [Node] {
        guard case .sequence(let s) = value else { return [value] }
        let o = PatchOrigin.of(value) ?? origin
        return s.map { PatchOrigin.of($0) == nil ? o.mark($0) : $0 }
    }

    /// A list item's `name`, or else its `id`.
    static func identity(_ n: Node) -> String? {
        guard case .mapping(let m) = n else { return nil }
        return (m.first { $0.key.string == "name" } ?? m.first { $0.key.string == "id" })?.value.string
    }

    static func kind(_ n: Node) -> String {
        switch n {
        case .scalar(let s): return "the value '\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    static func text(_ c: Component) -> String {
        switch c {
        case .key(let k): return "'\(k)'"
        case .index(let i): return "[\(i)]"
        }
    }

    /// The document as canonical text (no comments, tags or styles): what identifies a patched
    /// topology for the experiment cache.
    static func canonical(_ n: Node) -> String {
        var s = ""
        func walk(_ n: Node) {
            switch n {
            case .scalar(let x):
                s += "\""
                for ch in x.string.unicodeScalars {
                    switch ch {
                    case "\"": s += "\\\""
                    case "\\": s += "\\\\"
                    case "\n": s += "\\n"
                    default: s.unicodeScalars.append(ch)
                    }
                }
                s += "\""
            case .mapping(let m):
                s += "{"
                for (k, v) in m { walk(k); s += ":"; walk(v); s += "," }
                s += "}"
            case .sequence(let q):
                s += "["
                for v in q { walk(v); s += "," }
                s += "]"
            case .alias: s += "*"
            }
        }
        walk(n)
        return s
    }
}
