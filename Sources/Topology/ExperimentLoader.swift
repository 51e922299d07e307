import Foundation
import Yams
import SimCore

/// Reads an experiment file. Every problem — in the file itself, in a patch path, or in what a
/// patch or a swept value makes of the topology — is one `file:line:column` error, found before
/// anything runs: each variant is loaded at each point.
public enum ExperimentLoader {
    static let keys = [
        "experiment", "description", "topology", "duration", "warmup", "seeds", "region", "variants", "sweep", "report",
    ]

    public static func load(path: String) throws(TopologyError) -> ExperimentSpec {
        let text = try TopologyLoader.readText(path)
        let root = try YAMLDocument.compose(yaml: text, file: path)
        var spec: ExperimentSpec
        do {
            spec = try read(root, text: text, file: path)
        } catch let e as TopologyError {
            throw e
        } catch {
            throw TopologyError(file: path, line: 0, column: 0, message: "\(error)")
        }
        try check(spec)
        return spec
    }

    static func read(_ root: YNode, text: String, file: String) throws -> ExperimentSpec {
        let top = try root.mapping(allowed: keys)
        let dir = (file as NSString).deletingLastPathComponent
        func relative(_ n: YNode) throws -> String {
            let p = try n.string()
            let full = normalized(p.hasPrefix("/") || dir.isEmpty ? p : dir + "/" + p)
            guard FileManager.default.fileExists(atPath: full) else { throw n.fail("no topology file '\(full)'") }
            return full
        }
        let name =
            try top["experiment"]?.string()
            ?? ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let topology = try relative(try top.required("topology"))
        let duration = try (try top.required("duration")).duration()
        guard duration.nanoseconds > 0 else { throw top["duration"]!.fail("must be positive") }
        let warmup = try top["warmup"]?.duration() ?? .zero
        guard warmup < duration else { throw top["warmup"]!.fail("the warm-up must be shorter than the duration") }
        var seeds: [UInt64] = [1]
        if let s = top["seeds"] {
            if case .scalar = s.node {
                let n = try s.int(1...1000)
                seeds = (1...n).map(UInt64.init)
            } else {
                seeds = try s.list().map { UInt64(try $0.int(0...Int(Int64.max))) }
                guard !seeds.isEmpty else { throw s.fail("give at least one seed") }
                guard Set(seeds).count == seeds.count else { throw s.fail("seeds repeat") }
            }
        }
        var variants: [ExperimentSpec.Variant] = []
        for (i, v) in try (try top.required("variants")).list().enumerated() {
            variants.append(try variant(v, index: i, topology: topology, text: text, file: file, relative: relative))
        }
        guard !variants.isEmpty else { throw top["variants"]!.fail("give at least one variant") }
        for (i, v) in variants.enumerated() where variants[..<i].contains(where: { $0.name == v.name }) {
            throw top["variants"]!.fail("two variants are named '\(v.name)'")
        }
        var parameters: [ExperimentSpec.Parameter] = []
        for (i, p) in try (top["sweep"]?.list() ?? []).enumerated() {
            let param = try parameter(p, index: i, file: file)
            guard !parameters.contains(where: { $0.name == param.name }) else {
                throw p.fail("two swept parameters are named '\(param.name)'")
            }
            parameters.append(param)
        }
        var calls: [String] = []
        var notes = ""
        if let r = top["report"] {
            let rm = try r.mapping(allowed: ["calls", "notes"])
            calls = try rm["calls"]?.stringList() ?? []
            notes = try rm["notes"]?.string() ?? ""
        }
        return ExperimentSpec(
            name: name, description: try top["description"]?.string() ?? "", file: file, text: text,
            topology: topology, duration: duration, warmup: warmup, seeds: seeds, variants: variants,
            parameters: parameters, calls: calls, pricingRegion: try top["region"]?.string(), notes: notes)
    }

    static func variant(
        _ n: YNode, index: Int, topology: String, text: String, file: String, relative: (YNode) throws -> String
    ) throws -> ExperimentSpec.Variant {
        let m = try n.mapping(allowed: ["name", "description", "topology", "set", "add", "remove"])
        let name = try (try m.required("name")).string()
        var patches: [TopologyPatch] = []
        let here: [TopologyPath.Component] = [.key("variants"), .index(index)]
        for op in [TopologyPatch.Operation.set, .add] {
            guard let section = m[op.rawValue] else { continue }
            guard case .mapping(let pairs) = section.node else {
                throw section.fail("expected a mapping of paths to values, like {functions.f.memory: 1024}")
            }
            for (k, _) in pairs {
                let pathText = k.string ?? ""
                let origin = PatchOrigin(file: file, line: k.mark?.line ?? section.line, column: k.mark?.column ?? 1)
                let path = try parsePath(pathText, origin: origin)
                patches.append(
                    .inDocument(
                        op, path: path, origin: origin, document: text, file: file,
                        value: here + [.key(op.rawValue), .key(pathText)]))
            }
        }
        for r in try m["remove"]?.list() ?? [] {
            let origin = PatchOrigin(file: file, line: r.line, column: r.mark?.column ?? 1)
            patches.append(
                .inDocument(
                    .remove, path: try parsePath(try r.string(), origin: origin), origin: origin, document: text,
                    file: file, value: nil))
        }
        return ExperimentSpec.Variant(
            name: name, description: try m["description"]?.string() ?? "",
            topology: try m["topology"].map(relative) ?? topology, patches: patches)
    }

    static func parameter(_ n: YNode, index: Int, file: String) throws -> ExperimentSpec.Parameter {
        let m = try n.mapping(allowed: ["name", "path", "paths", "values"])
        var pathNodes: [YNode] = []
        if let p = m["path"] { pathNodes.append(p) }
        if let ps = m["paths"] { pathNodes += try ps.list() }
        guard !pathNodes.isEmpty else { throw n.fail("a swept parameter needs 'path' (or 'paths')") }
        var paths: [TopologyPath] = []
        var origins: [PatchOrigin] = []
        for p in pathNodes {
            let origin = PatchOrigin(file: file, line: p.line, column: p.mark?.column ?? 1)
            paths.append(try parsePath(try p.string(), origin: origin))
            origins.append(origin)
        }
        let valuesNode = try m.required("values")
        var values: [ExperimentSpec.Parameter.Value] = []
        var units: Set<String> = []
        for (j, v) in try valuesNode.list().enumerated() {
            let label = try v.string()
            let (number, unit) = Self.number(label)
            if number != nil { units.insert(unit) }
            values.append(
                .init(label: label, number: number, source: [.key("sweep"), .index(index), .key("values"), .index(j)]))
        }
        guard !values.isEmpty else { throw valuesNode.fail("give at least one value") }
        return ExperimentSpec.Parameter(
            name: try m["name"]?.string() ?? paths[0].description, paths: paths, values: values, origins: origins,
            unit: units.count == 1 ? units.first! : "")
    }

    /// `a/b/../c` as `a/c` (relative paths too, which `standardizingPath` leaves alone).
    static func normalized(_ path: String) -> String {
        var out: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == "." { continue }
            if part == "..", let last = out.last, last != "..", !last.isEmpty {
                out.removeLast()
            } else {
                out.append(part)
            }
        }
        return out.joined(separator: "/")
    }

    static func parsePath(_ text: String, origin: PatchOrigin) throws(TopologyError) -> TopologyPath {
        switch TopologyPath.parse(text) {
        case .success(let p): return p
        case .failure(let e): throw origin.error("\(e)", at: nil)
        }
    }

    /// The number a value stands for, in base units: sizes in bytes (`4kB` → 4000), rates per
    /// second (`30/min` → 0.5), durations in seconds (`250ms` → 0.25), plain numbers as they are.
    static func number(_ label: String) -> (Double?, String) {
        let t = label.replacingOccurrences(of: " ", with: "")
        if let d = Double(t) { return (d, "") }
        for (suffix, factor) in [("GB", 1e9), ("MB", 1e6), ("kB", 1e3), ("KB", 1e3), ("B", 1.0)]
        where t.hasSuffix(suffix) {
            if let v = Double(t.dropLast(suffix.count)) { return (v * factor, "B") }
        }
        for (suffix, factor) in [("/s", 1.0), ("/min", 1.0 / 60), ("/h", 1.0 / 3600)] where t.hasSuffix(suffix) {
            if let v = Double(t.dropLast(suffix.count)) { return (v * factor, "/s") }
        }
        if let d = SimDuration(parsing: t) { return (d.seconds, "s") }
        return (nil, "")
    }

    /// Loads every variant at every point, so a bad path or value stops the experiment before
    /// it runs; then checks that the calls the report names exist.
    static func check(_ spec: ExperimentSpec) throws(TopologyError) {
        var calls: Set<String> = []
        for (v, variant) in spec.variants.enumerated() {
            for point in spec.points {
                let s = try TopologyLoader.load(
                    path: variant.topology, overrides: RunOverrides(seed: spec.seeds[0], duration: spec.duration),
                    patches: spec.patches(variant: v, point: point))
                calls.formUnion(s.callNames)
            }
        }
        for c in spec.calls where !calls.contains(c) {
            let hint = closest(c, in: Array(calls)).map { " (did you mean '\($0)'?)" } ?? ""
            throw TopologyError(
                file: spec.file, line: Self.line(of: "calls", in: spec.text), column: 1,
                message:
                    "report.calls: no variant makes the call '\(c)'\(hint); calls: "
                    + calls.sorted().joined(separator: ", ")
            )
        }
    }

    static func line(of key: String, in text: String) -> Int {
        for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where l.trimmingCharacters(in: .whitespaces).hasPrefix(key + ":") {
            return i + 1
        }
        return 0
    }
}
