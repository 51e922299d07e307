import Foundation
import Yams
import Cost

/// Reads the price catalog: every `*.yaml` of a directory (one Region per file, by default
/// `Topologies/prices/`), with the same `file:line:column` errors as topology files.
public enum PriceCatalogLoader {
    public static func load(directory: String) throws(TopologyError) -> PriceCatalog {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }
                .sorted()
        } catch {
            throw TopologyError(file: directory, line: 0, column: 0, message: "cannot read the price catalog directory")
        }
        guard !names.isEmpty else {
            throw TopologyError(file: directory, line: 0, column: 0, message: "no price files (*.yaml) in it")
        }
        var entries: [PriceEntry] = []
        for n in names { entries += try load(file: directory + "/" + n) }
        return PriceCatalog(entries: entries)
    }

    public static func load(file: String) throws(TopologyError) -> [PriceEntry] {
        let root = try YAMLDocument.compose(file: file)
        do {
            let top = try root.mapping(allowed: ["region", "currency", "prices"])
            let region = try (try top.required("region")).string()
            if let c = top["currency"], try c.string() != "USD" { throw c.fail("only USD prices are supported") }
            var out: [PriceEntry] = []
            for p in try (try top.required("prices")).list() {
                let m = try p.mapping(allowed: [
                    "item", "unit", "per", "usd", "tier", "source", "also", "source-note", "check", "date-read",
                    "verified", "basis", "note", "to",
                ])
                var e = PriceEntry(
                    item: try (try m.required("item")).string(), region: region,
                    unit: try (try m.required("unit")).string(), usd: try (try m.required("usd")).number(),
                    source: try m["source"].flatMap { $0.isNull ? nil : try $0.string() },
                    check: try m["check"]?.string(), dateRead: try (try m.required("date-read")).string(),
                    verified: try (try m.required("verified")).bool(), basis: try (try m.required("basis")).string(),
                    note: try m["note"]?.string())
                if let to = m["to"] {
                    let name = try to.string()
                    guard RegionCatalog.named(name) != nil, name != region else {
                        throw to.fail(
                            "'\(name)' is not another Region of vpcsim's catalog "
                                + "(\(RegionCatalog.names.filter { $0 != region }.joined(separator: ", ")))")
                    }
                    e.destination = name
                }
                if let per = m["per"] {
                    e.per = try per.number()
                    guard e.per > 0 else { throw per.fail("must be positive") }
                }
                guard e.usd >= 0 else { throw m["usd"]!.fail("a price cannot be negative") }
                if let t = m["tier"] {
                    let tm = try t.mapping(allowed: ["from", "to"])
                    e.tierFrom = try (try tm.required("from")).number()
                    e.tierTo = try tm["to"]?.number()
                    if let to = e.tierTo, to <= e.tierFrom { throw t.fail("'to' must be above 'from'") }
                }
                out.append(e)
            }
            return out
        } catch let e as TopologyError {
            throw e
        } catch {
            throw TopologyError(file: file, line: 0, column: 0, message: "\(error)")
        }
    }
}

/// A YAML file composed into a node tree, with `file:line` errors for unreadable or malformed text.
enum YAMLDocument {
    static func compose(file: String) throws(TopologyError) -> YNode {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TopologyError(file: file, line: 0, column: 0, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TopologyError(file: file, line: 0, column: 0, message: "the file is not UTF-8 text")
        }
        return try compose(yaml: text, file: file)
    }

    static func compose(yaml: String, file: String) throws(TopologyError) -> YNode {
        do {
            guard let r = try Yams.compose(yaml: yaml) else {
                throw TopologyError(file: file, line: 1, column: 1, message: "the file is empty")
            }
            return YNode(node: r, path: "", file: file, keyMark: nil)
        } catch let e as TopologyError {
            throw e
        } catch let e as YamlError {
            throw TopologyLoader.yamlError(e, file: file)
        } catch {
            throw TopologyError(file: file, line: 0, column: 0, message: "\(error)")
        }
    }
}
