import SimCore

/// An experiment file, read and checked: a base topology, variants of it (patches), parameters
/// swept over values, seeds, and the simulated time per run (`Topologies/experiments/*.yaml`).
public struct ExperimentSpec: Sendable {
    public struct Variant: Sendable {
        public var name: String
        public var description: String
        /// The base topology of this variant (the experiment's unless it names its own).
        public var topology: String
        public var patches: [TopologyPatch]
    }
    /// A swept parameter: the paths it sets together and the values it takes.
    public struct Parameter: Sendable {
        public struct Value: Sendable {
            /// As written, e.g. `50/s`, `4kB`.
            public var label: String
            /// Its number (a size's bytes, a rate per second, a duration's seconds), for plots.
            public var number: Double?
            var source: [TopologyPath.Component]
        }
        public var name: String
        public var paths: [TopologyPath]
        public var values: [Value]
        var origins: [PatchOrigin]
        /// The unit the values' numbers are in (`B`, `/s`, `s`, or none).
        public var unit: String
    }
    /// One combination of parameter values (one value index per parameter).
    public struct Point: Sendable, Hashable {
        public var indices: [Int]
        public init(indices: [Int]) { self.indices = indices }
    }

    public var name: String
    public var description: String
    public var file: String
    /// The experiment file's text: shown in the report, and where patch values are read from.
    public var text: String
    public var topology: String
    public var duration: SimDuration
    /// Excluded from latency statistics and from the measured window of costs.
    public var warmup: SimDuration
    public var seeds: [UInt64]
    public var variants: [Variant]
    public var parameters: [Parameter]
    /// Which calls' latencies the results report ("function/Operation"); empty: every call.
    public var calls: [String]
    /// The Region whose prices apply (default: the topology's).
    public var pricingRegion: String?
    /// Free text for the report's notes.
    public var notes: String

    /// Every combination of parameter values, the first parameter varying slowest.
    public var points: [Point] {
        var out: [Point] = [Point(indices: [])]
        for p in parameters {
            out = out.flatMap { pt in p.values.indices.map { Point(indices: pt.indices + [$0]) } }
        }
        return out
    }

    /// The parameter values of a point, by parameter name.
    public func labels(_ p: Point) -> [(name: String, value: String)] {
        zip(parameters, p.indices).map { ($0.name, $0.values[$1].label) }
    }

    /// The patches of one run: the variant's, then each parameter's paths set to its value.
    public func patches(variant v: Int, point: Point) -> [TopologyPatch] {
        var out = variants[v].patches
        for (k, i) in point.indices.enumerated() {
            let p = parameters[k]
            for (j, path) in p.paths.enumerated() {
                out.append(
                    .inDocument(
                        .set, path: path, origin: p.origins[j], document: text, file: file, value: p.values[i].source))
            }
        }
        return out
    }
}
