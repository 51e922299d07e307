import Yams

/// A path into a topology document, as `vpcsim run --set` and experiment files write it:
/// keys joined by dots, list items by index (`functions[0]`) or by their `name` or `id`
/// (`functions.orders-writer`, `route-tables.rtb-0a1b2c3d4e5f60011.routes[0]`).
public struct TopologyPath: Sendable, Hashable, CustomStringConvertible {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }
    public var components: [Component]

    /// Parses `text`; nil with the reason when it is not a path.
    public static func parse(_ text: String) -> Result<TopologyPath, PathSyntaxError> {
        var out: [Component] = []
        var key = ""
        var chars = Array(text)[...]
        func flushKey() -> Bool {
            if key.isEmpty { return false }
            out.append(.key(key)); key = ""
            return true
        }
        var afterBracket = false
        while let c = chars.first {
            chars = chars.dropFirst()
            switch c {
            case ".":
                if !flushKey() && !afterBracket {
                    return .failure(PathSyntaxError("empty key before '.' in '\(text)'"))
                }
                afterBracket = false
            case "[":
                if !flushKey() && out.isEmpty { return .failure(PathSyntaxError("'\(text)' starts with '['")) }
                guard let close = chars.firstIndex(of: "]") else {
                    return .failure(PathSyntaxError("'[' without ']' in '\(text)'"))
                }
                let inner = String(chars[chars.startIndex..<close])
                chars = chars[(close + 1)...]
                if let i = Int(inner), i >= 0 {
                    out.append(.index(i))
                } else if !inner.isEmpty {
                    out.append(.key(inner))
                } else {
                    return .failure(PathSyntaxError("empty '[]' in '\(text)'"))
                }
                afterBracket = true
                if let n = chars.first, n != ".", n != "[" {
                    return .failure(PathSyntaxError("expected '.' or '[' after ']' in '\(text)'"))
                }
            case "]", "=":
                return .failure(PathSyntaxError("unexpected '\(c)' in '\(text)'"))
            default:
                if c.isWhitespace { return .failure(PathSyntaxError("space in '\(text)'")) }
                key.append(c)
            }
        }
        if !flushKey() && !afterBracket { return .failure(PathSyntaxError("'\(text)' ends with '.' or is empty")) }
        return .success(TopologyPath(components: out))
    }

    public var description: String { Self.render(components[...]) }

    static func render(_ cs: ArraySlice<Component>) -> String {
        var s = ""
        for c in cs {
            switch c {
            case .key(let k): s += s.isEmpty ? k : "." + k
            case .index(let i): s += "[\(i)]"
            }
        }
        return s
    }
}

public struct PathSyntaxError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// Where a patch was written, so that errors in it, or in the values it brings, point there:
/// a position in an experiment file, or a `--set` argument.
public struct PatchOrigin: Sendable, Hashable {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) { self.file = file; self.line = line; self.column = column }
    /// A command-line argument, e.g. `--set 'functions[0].memory=1024'`.
    public static func argument(_ text: String) -> PatchOrigin {
        PatchOrigin(file: argumentPrefix + text, line: 0, column: 0)
    }

    static let argumentPrefix = "--set "
    static let tagPrefix = "tag:vpcsim,2026:from:"
    var isArgument: Bool { file.hasPrefix(Self.argumentPrefix) }

    /// The origin recorded in a patched node's tag, if it has one.
    static func of(_ node: Node) -> PatchOrigin? {
        let name: String
        switch node {
        case .scalar(let s): name = s.tag.description
        case .mapping(let m): name = m.tag.description
        case .sequence(let q): name = q.tag.description
        case .alias: return nil
        }
        guard name.hasPrefix(tagPrefix) else { return nil }
        let parts = name.dropFirst(tagPrefix.count).split(
            separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let line = Int(parts[0]), let column = Int(parts[1]) else { return nil }
        return PatchOrigin(file: String(parts[2]), line: line, column: column)
    }

    /// `node` marked as written at this origin (its descendants inherit it while the loader reads).
    func mark(_ node: Node) -> Node {
        let tag = Tag(Tag.Name(rawValue: Self.tagPrefix + "\(line):\(column):" + file))
        switch node {
        case .scalar(var s): s.tag = tag; return .scalar(s)
        case .mapping(var m): m.tag = tag; return .mapping(m)
        case .sequence(var q): q.tag = tag; return .sequence(q)
        case .alias: return node
        }
    }

    /// An error at `mark` when the node was written at this origin, at the origin itself when it
    /// has no position of its own (a key a patch created), or without a position for a
    /// command-line argument.
    func error(_ message: String, at mark: Mark?) -> TopologyError {
        if isArgument { return TopologyError(file: file, line: 0, column: 0, message: message) }
        return TopologyError(file: file, line: mark?.line ?? line, column: mark?.column ?? column, message: message)
    }

    func error(_ message: String) -> TopologyError {
        TopologyError(file: file, line: line, column: column, message: message)
    }
}

/// A change to a topology document before it is read: set a value (creating missing keys),
/// add items to a list, or remove a key or an item. The loader then reads the patched document,
/// so its checks apply to patched values too, and point at the patch for them.
public struct TopologyPatch: Sendable, Hashable {
    public enum Operation: String, Sendable, Hashable { case set, add, remove }
    public var operation: Operation
    public var path: TopologyPath
    public var origin: PatchOrigin
    /// The value, as YAML text (a `--set` argument), or as a node of an experiment file
    /// (its text and the node's path in it: values keep their lines).
    var value: Value?

    enum Value: Sendable, Hashable {
        case text(String)
        case node(document: String, file: String, at: [TopologyPath.Component])
    }

    /// A `--set path=value` argument: the value is YAML (`50/s`, `4kB`, `[a, b]`, `{k: v}`).
    public static func commandLine(_ argument: String) throws(TopologyError) -> TopologyPatch {
        let origin = PatchOrigin.argument(argument)
        guard let eq = argument.firstIndex(of: "=") else {
            throw origin.error("expected path=value, like functions.orders-writer.invocations.rate=50/s")
        }
        let pathText = String(argument[..<eq])
        let path: TopologyPath
        switch TopologyPath.parse(pathText) {
        case .success(let p): path = p
        case .failure(let e): throw origin.error("\(e)")
        }
        return TopologyPatch(
            operation: .set, path: path, origin: origin, value: .text(String(argument[argument.index(after: eq)...])))
    }

    /// A patch whose value is a node of `document` (the text of `file`) at `at`.
    static func inDocument(
        _ operation: Operation, path: TopologyPath, origin: PatchOrigin, document: String, file: String,
        value at: [TopologyPath.Component]?
    ) -> TopologyPatch {
        TopologyPatch(
            operation: operation, path: path, origin: origin,
            value: at.map { .node(document: document, file: file, at: $0) })
    }
}
