import Foundation
// libyaml's event API, through the C module that Yams builds it as (Yams parses with the same
// library, but exposes no events): the budget is checked before Yams composes the document.
import CYaml

/// The first pass over a topology file, before Yams builds its node tree: libyaml's events,
/// counted. It rejects, each with the line and column where the problem starts:
/// - YAML syntax errors, with libyaml's own position (reader errors at their byte's line and
///   column), so every YAML error has the same `file:line:col` form as the loader's;
/// - nesting deeper than ``TopologyLimits/yamlDepth``;
/// - more than ``TopologyLimits/yamlNodes`` nodes once aliases are expanded (an "alias bomb" of
///   nested aliases is refused at the alias that crosses the budget, in time linear in the file);
/// - mapping keys that are not plain scalars (an alias or a collection as a key: hashing such a
///   key is what made an alias bomb hang), and duplicate keys, at the second occurrence;
/// - more than one document.
enum YAMLBudget {
    static func check(_ bytes: [UInt8], file: String) throws(TopologyError) {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
        defer {
            parser.deallocate()
            event.deallocate()
        }
        guard yaml_parser_initialize(parser) == 1 else {
            throw TopologyError(file: file, line: 0, column: 0, message: "libyaml could not start a parser")
        }
        defer { yaml_parser_delete(parser) }
        let result: TopologyError? = bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            var walk = Walk(file: file)
            while true {
                guard yaml_parser_parse(parser, event) == 1 else { return syntaxError(parser.pointee, bytes, file) }
                defer { yaml_event_delete(event) }
                if event.pointee.type == YAML_STREAM_END_EVENT { return nil }
                if let e = walk.take(event.pointee) { return e }
            }
        }
        if let result { throw result }
    }

    /// The state of the walk: open collections, anchors' expanded sizes, nodes so far.
    struct Walk {
        struct Frame {
            var mapping: Bool
            var anchor: String?
            var nodesBefore: Int
            var expectKey = true
            /// The keys so far and their lines: a list while the mapping is small (hashing every
            /// key of a large file costs more than comparing a few), then a dictionary too.
            var keys: [(key: String, line: Int)] = []
            var index: [String: Int]?

            /// The line of an earlier `key`, or nil after recording it at `line`.
            mutating func insert(_ key: String, line: Int) -> Int? {
                if let index {
                    if let first = index[key] { return first }
                } else if let first = keys.first(where: { $0.key == key }) {
                    return first.line
                }
                keys.append((key, line))
                if index != nil {
                    index![key] = line
                } else if keys.count > 32 {
                    index = Dictionary(keys.map { ($0.key, $0.line) }, uniquingKeysWith: { a, _ in a })
                }
                return nil
            }
        }
        let file: String
        var stack: [Frame] = []
        var anchors: [String: Int] = [:]
        var nodes = 0
        var documents = 0

        func error(_ e: yaml_event_t, _ message: String) -> TopologyError {
            TopologyError(
                file: file, line: Int(e.start_mark.line) + 1, column: Int(e.start_mark.column) + 1, message: message)
        }

        mutating func take(_ e: yaml_event_t) -> TopologyError? {
            switch e.type {
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    return error(e, "a topology file holds one YAML document; a second one starts here")
                }
            case YAML_SCALAR_EVENT:
                if let k = keyProblem(e, scalar: true) { return k }
                nodes += 1
                if let a = string(e.data.scalar.anchor) { anchors[a] = 1 }
                return complete(e, size: 1)
            case YAML_ALIAS_EVENT:
                let name = string(e.data.alias.anchor) ?? ""
                if let k = keyProblem(e, scalar: false) { return k }
                guard let size = anchors[name] else {
                    return error(e, "YAML: alias '*\(name)' names no anchor before it")
                }
                nodes += size
                if nodes > TopologyLimits.yamlNodes {
                    return error(
                        e,
                        "YAML: alias '*\(name)' expands the document beyond \(TopologyLimits.yamlNodes) nodes "
                            + "(the limit on a topology's size, aliases included)")
                }
                return complete(e, size: size)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                if let k = keyProblem(e, scalar: false) { return k }
                let mapping = e.type == YAML_MAPPING_START_EVENT
                let anchor = string(mapping ? e.data.mapping_start.anchor : e.data.sequence_start.anchor)
                nodes += 1
                stack.append(Frame(mapping: mapping, anchor: anchor, nodesBefore: nodes - 1))
                if stack.count > TopologyLimits.yamlDepth {
                    return error(e, "YAML: nested more than \(TopologyLimits.yamlDepth) levels deep")
                }
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                let f = stack.removeLast()
                if let a = f.anchor { anchors[a] = nodes - f.nodesBefore }
                return complete(e, size: nodes - f.nodesBefore)
            default:
                break
            }
            if nodes > TopologyLimits.yamlNodes {
                return error(e, "YAML: the document has more than \(TopologyLimits.yamlNodes) nodes")
            }
            return nil
        }

        /// A key must be a plain scalar, and not one the mapping already has.
        mutating func keyProblem(_ e: yaml_event_t, scalar: Bool) -> TopologyError? {
            guard let top = stack.last, top.mapping, top.expectKey else { return nil }
            guard scalar else { return error(e, "keys must be plain strings (not an alias, a list or a mapping)") }
            let key = String(
                decoding: UnsafeBufferPointer(start: e.data.scalar.value, count: Int(e.data.scalar.length)),
                as: UTF8.self)
            let line = Int(e.start_mark.line) + 1
            if let first = stack[stack.count - 1].insert(key, line: line) {
                return error(e, "duplicate key '\(key)' (first at line \(first))")
            }
            return nil
        }

        /// A node of `size` nodes ended: its parent mapping now expects a key or a value.
        mutating func complete(_ e: yaml_event_t, size: Int) -> TopologyError? {
            if !stack.isEmpty, stack[stack.count - 1].mapping { stack[stack.count - 1].expectKey.toggle() }
            return nodes > TopologyLimits.yamlNodes
                ? error(e, "YAML: the document has more than \(TopologyLimits.yamlNodes) nodes") : nil
        }

        func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            p.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        }
    }

    /// libyaml's error, at the line and column it gives (a reader error gives a byte offset).
    static func syntaxError(_ p: yaml_parser_t, _ bytes: [UInt8], _ file: String) -> TopologyError {
        let problem = p.problem.map { String(cString: $0) } ?? "unknown problem"
        let context = p.context.map { String(cString: $0) }
        switch p.error {
        case YAML_READER_ERROR:
            let offset = min(Int(p.problem_offset), bytes.count)
            let (line, column) = position(ofByte: offset, in: bytes)
            let value =
                p.problem_value >= 0 ? String(format: " (byte 0x%02X at offset %d)", p.problem_value, offset) : ""
            return TopologyError(file: file, line: line, column: column, message: "YAML: \(problem)\(value)")
        case YAML_MEMORY_ERROR:
            return TopologyError(file: file, line: 0, column: 0, message: "YAML: libyaml ran out of memory")
        default:
            let m = p.problem_mark
            let where_ = context.map {
                " \($0)" + (p.context_mark.line != m.line ? " at line \(p.context_mark.line + 1)" : "")
            }
            return TopologyError(
                file: file, line: Int(m.line) + 1, column: Int(m.column) + 1,
                message: "YAML syntax: \(problem)\(where_ ?? "")")
        }
    }

    /// The 1-based line and column (in characters) of byte `offset`.
    static func position(ofByte offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for b in bytes[..<offset] {
            if b == 0x0A {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}
