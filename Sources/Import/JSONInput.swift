import Foundation
import Yams

/// A value read from a JSON file, with its JSON path for errors (`$.Subnets[3].VpcId`).
struct JSONValue {
    let value: Any
    let origin: Origin
    /// Set for an AWS Config configuration item's `configuration`, whose keys are the EC2 API's
    /// with a lower-case first letter (`vpcId`, `dBInstanceIdentifier`): lookups by the
    /// describe-* name find them, and origins name the key as written.
    var configItem = false

    init(value: Any, origin: Origin, configItem: Bool = false) {
        self.value = value; self.origin = origin; self.configItem = configItem
    }

    /// Parses `data` (from `file`, named in origins as `display`); invalid or truncated JSON is an
    /// error at the line and column where the parser stopped.
    static func parse(_ data: Data, file: String, display: String) throws(ImportError) -> JSONValue {
        do {
            let v = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return JSONValue(value: v, origin: Origin(file: display, path: "$"))
        } catch {
            // Foundation's message has no position; YAML's parser (JSON is YAML) finds where the
            // text stops making sense.
            let text = String(decoding: data, as: UTF8.self)
            var line: Int?
            var detail = "not valid JSON"
            do {
                _ = try Yams.compose(yaml: text)
                if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { detail = "the file is empty" }
            } catch let e as YamlError {
                switch e {
                case .scanner(_, let problem, let m, _), .parser(_, let problem, let m, _):
                    line = m.line
                    detail = "not valid JSON (truncated?): \(problem) at line \(m.line), column \(m.column)"
                default: break
                }
            } catch {}
            throw ImportError(Origin(file: display, path: "", line: line), detail)
        }
    }

    var object: [String: Any]? { value as? [String: Any] }

    subscript(_ key: String) -> JSONValue? {
        guard let o = object else { return nil }
        for k in configItem ? Self.configItemKeys(key) : [key] {
            if let v = o[k], !(v is NSNull) { return JSONValue(value: v, origin: origin.at(k), configItem: configItem) }
        }
        return nil
    }

    /// The names a configuration item may give a describe-* key: as is (resource types AWS
    /// Config records in CloudFormation's property names), with a lower-case first letter (the
    /// EC2 API's, as Config records them), and security groups' `ipv4Ranges` for `IpRanges`.
    static func configItemKeys(_ key: String) -> [String] {
        let lower = key.prefix(1).lowercased() + key.dropFirst()
        return key == "IpRanges" ? [key, "ipv4Ranges", "ipRanges"] : [key, lower]
    }

    func string(_ key: String) -> String? { self[key]?.value as? String }
    func int(_ key: String) -> Int? {
        guard let v = self[key]?.value else { return nil }
        if let n = v as? NSNumber { return n.intValue }
        if let s = v as? String { return Int(s) }
        return nil
    }
    func bool(_ key: String) -> Bool? {
        guard let v = self[key]?.value else { return nil }
        if let b = v as? Bool { return b }
        if let s = v as? String { return s == "true" }
        return nil
    }

    /// A list's items (an absent key: none).
    func list(_ key: String) -> [JSONValue] {
        guard let l = self[key], let a = l.value as? [Any] else { return [] }
        return a.enumerated().map { i, v in
            // Config's older `ipRanges` lists bare CIDRs.
            let item = configItem && key == "IpRanges" && v is String ? ["cidrIp": v] : v
            return JSONValue(value: item, origin: l.origin.at("[\(i)]"), configItem: configItem)
        }
    }
    var items: [JSONValue] {
        guard let a = value as? [Any] else { return [] }
        return a.enumerated().map { JSONValue(value: $1, origin: origin.at("[\($0)]"), configItem: configItem) }
    }
    var string: String? { value as? String }

    /// The `Name` tag, as consoles show it.
    var nameTag: String? {
        list("Tags").first { $0.string("Key") == "Name" }?.string("Value")
    }

    /// A required string field; its absence is an error at this object.
    func require(_ key: String) throws(ImportError) -> String {
        guard let s = string(key), !s.isEmpty else { throw ImportError(origin, "missing '\(key)'") }
        return s
    }

    /// A reference field: the id and where it is written.
    func ref(_ key: String) throws(ImportError) -> Ref {
        Ref(id: try require(key), origin: self[key]?.origin ?? origin.at(key))
    }
}
