import Foundation

/// A resource instance's values, or one nested block of them (`route`, `vpc_config`, …), read
/// together with what the plan does not know yet and the configuration that says where an
/// unknown value comes from.
struct TFObject {
    var value: JSONValue
    /// The `after_unknown` subtree: `true` (all unknown), an object of flags, or nil.
    var unknown: Any?
    /// The block's expressions in the configuration.
    var expressions: JSONValue?
    var context: TFDocument.Context
    var origin: Origin

    func isUnknown(_ key: String) -> Bool {
        if unknown as? Bool == true { return true }
        guard let u = (unknown as? [String: Any])?[key] else { return false }
        if let b = u as? Bool { return b }
        return true // a structure with unknown parts
    }

    /// A string (or number) attribute: its known value, else what its configuration's references
    /// resolve to. Empty strings are absent (the AWS provider writes "" for unset ids).
    func scalar(_ key: String, _ doc: inout TFDocument) throws(ImportError) -> String? {
        if let v = value[key]?.value {
            if let s = v as? String, !s.isEmpty { return s }
            if !(v is String), let n = v as? NSNumber { return n.stringValue }
        }
        if let e = expressions?[key], e["references"] != nil {
            return try doc.resolve(e, in: context, list: false, at: origin.at(key)).first
        }
        return nil
    }

    /// A list of strings: the known items, with those unknown until apply resolved from the
    /// configuration's references in order.
    func list(_ key: String, _ doc: inout TFDocument) throws(ImportError) -> [String] {
        let known = value[key]?.value as? [Any]
        let items = (known ?? []).map { $0 as? String }
        if known != nil && !items.contains(where: { $0 == nil }) && !isUnknownItems(key) {
            return items.compactMap { $0 }.filter { !$0.isEmpty }
        }
        guard let e = expressions?[key] else { return items.compactMap { $0 } }
        var resolved = try doc.resolve(e, in: context, list: true, at: origin.at(key))
        let present = Set(items.compactMap { $0 })
        resolved.removeAll { present.contains($0) }
        if known == nil { return resolved }
        var out: [String] = []
        for item in items {
            if let item { out.append(item) } else if !resolved.isEmpty { out.append(resolved.removeFirst()) }
        }
        return out + resolved
    }

    func isUnknownItems(_ key: String) -> Bool {
        guard let u = (unknown as? [String: Any])?[key] else { return unknown as? Bool == true }
        if let b = u as? Bool { return b }
        return (u as? [Any])?.contains { ($0 as? Bool) == true } ?? false
    }

    func int(_ key: String) -> Int? {
        if let v = value[key]?.value {
            if let n = v as? NSNumber { return n.intValue }
            if let s = v as? String { return Int(s) }
        }
        if let c = expressions?[key]?["constant_value"]?.value {
            return (c as? NSNumber)?.intValue ?? (c as? String).flatMap { Int($0) }
        }
        return nil
    }

    func bool(_ key: String) -> Bool? {
        if let b = value.bool(key) { return b }
        if let c = expressions?[key]?["constant_value"]?.value { return c as? Bool ?? ((c as? String) == "true") }
        return nil
    }

    /// `tags.Name`.
    var nameTag: String? { value["tags"]?.string("Name") ?? value["tags_all"]?.string("Name") }

    /// The first block of a single-block attribute (`vpc_config`, `destination_options`).
    func block(_ key: String) -> TFObject? { blocks(key).first }

    /// The elements of a nested block (a list or set), each with its part of `after_unknown` and
    /// the configuration block it comes from. Sets have no order, so a configuration block is
    /// matched by the constant values it shares with the element; an element unknown as a whole
    /// is read from its configuration block alone.
    func blocks(_ key: String) -> [TFObject] {
        let elements = value.list(key)
        let unknownItems = (unknown as? [String: Any])?[key] as? [Any]
        var configBlocks: [JSONValue] = []
        if let e = expressions?[key] {
            if e.value is [Any] {
                configBlocks = e.items
            } else if e.object != nil && e["references"] == nil {
                configBlocks = [e]
            }
        }
        var used = Set<Int>()
        var out: [TFObject] = []
        for (k, element) in elements.enumerated() {
            var match: JSONValue?
            for (j, b) in configBlocks.enumerated() where !used.contains(j) && Self.agrees(b, element) {
                match = b
                used.insert(j)
                break
            }
            out.append(
                TFObject(
                    value: element, unknown: unknownItems.flatMap { k < $0.count ? $0[k] : nil }, expressions: match,
                    context: context, origin: origin.at("\(key)[\(k)]")))
        }
        if elements.isEmpty && (isUnknown(key) || value[key] == nil) {
            for (j, b) in configBlocks.enumerated() {
                var constants: [String: Any] = [:]
                for k in b.object?.keys.sorted() ?? [] {
                    if let c = b[k]?["constant_value"]?.value { constants[k] = c }
                }
                out.append(
                    TFObject(
                        value: JSONValue(value: constants, origin: origin.at("\(key)[\(j)]")), unknown: true,
                        expressions: b, context: context, origin: origin.at("\(key)[\(j)]")))
            }
        }
        return out
    }

    /// Whether a configuration block's constant values are those of an element.
    static func agrees(_ block: JSONValue, _ element: JSONValue) -> Bool {
        for k in block.object?.keys.sorted() ?? [] {
            guard let c = block[k]?["constant_value"]?.value, let v = element[k]?.value else { continue }
            if TFDocument.strings(c) != TFDocument.strings(v) { return false }
        }
        return true
    }
}
