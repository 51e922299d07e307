import Foundation
import Topology
import Capture
import Cost

/// Writes an experiment's outputs: `results.json`, `results.csv` (a row per variant × point ×
/// seed), `requests.csv.gz` (every call), the plots and `report.html`. Files are written under
/// temporary names and renamed, so a reader never sees half a file.
enum ExperimentOutputs {
    static func write(
        _ results: ExperimentResults, spec: ExperimentSpec, jobs: [ExperimentRunner.Job], records: [RunRecord],
        catalog: PriceCatalog, plotter: Plotter?, directory out: String
    ) throws -> [String] {
        var files: [String] = []
        let json = try Pricing.encoder().encode(results) + Data([0x0A])
        try atomically(out + "/results.json", json)
        files.append("results.json")
        try atomically(out + "/results.csv", Data(csv(results, spec: spec).utf8))
        files.append("results.csv")
        try writeRequests(out + "/requests.csv.gz", spec: spec, jobs: jobs, records: records)
        files.append("requests.csv.gz")
        var plots: [(name: String, svg: String)] = []
        // An earlier experiment's plots are not this one's.
        if FileManager.default.fileExists(atPath: out + "/plots") {
            try FileManager.default.removeItem(atPath: out + "/plots")
        }
        if let plotter {
            plots = try plotter.draw(directory: out)
            files += plots.map { "plots/" + $0.name }
        }
        let html = ExperimentReport.html(results, spec: spec, catalog: catalog, plots: plots)
        try atomically(out + "/report.html", Data(html.utf8))
        files.append("report.html")
        return files
    }

    static func atomically(_ path: String, _ data: Data) throws {
        let tmp = path + ".partial"
        try data.write(to: URL(fileURLWithPath: tmp))
        guard rename(tmp, path) == 0 else { throw ExperimentError("cannot rename \(tmp) to \(path)") }
    }

    /// One row per variant × point × seed.
    static func csv(_ r: ExperimentResults, spec: ExperimentSpec) -> String {
        var s = "variant," + r.parameters.map { field($0.name) + "," }.joined()
        s +=
            "seed,requests,errors,new_connections,cold_starts,p50_ms,p90_ms,p99_ms,mean_ms,monthly_usd,"
            + "fixed_monthly_usd,usage_monthly_usd\n"
        for v in r.variants {
            for p in v.points {
                for seed in p.perSeed {
                    s += field(v.name) + ","
                    for param in r.parameters { s += field(p.parameters[param.name] ?? "") + "," }
                    s +=
                        "\(seed.seed),\(seed.requests),\(seed.errors),\(seed.newConnections),\(seed.coldStarts),"
                        + "\(DecimalText.fixed(seed.p50, 6)),\(DecimalText.fixed(seed.p90, 6)),"
                        + "\(DecimalText.fixed(seed.p99, 6)),\(DecimalText.fixed(seed.mean, 6)),"
                        + "\(DecimalText.fixed(seed.monthlyUsd, 6)),\(DecimalText.fixed(p.cost.fixedMonthlyUsd, 6)),"
                        + "\(DecimalText.fixed(seed.monthlyUsd - p.cost.fixedMonthlyUsd, 6))\n"
                }
            }
        }
        return s
    }

    /// A CSV field, quoted when it holds a comma or a quote.
    static func field(_ t: String) -> String {
        t.contains(",") || t.contains("\"") ? "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : t
    }

    /// Every completed call of every run: variant, point, seed, call, start (s from the run's
    /// start), latency (ms), whether it opened a connection, failed, and fell in the measured window.
    static func writeRequests(
        _ path: String, spec: ExperimentSpec, jobs: [ExperimentRunner.Job], records: [RunRecord]
    ) throws {
        let w = try CompressedFileWriter(path: path)
        do {
            try w.write(Array("variant,point,seed,call,start_s,latency_ms,new_connection,failed,measured\n".utf8))
            let warmup = spec.warmup.nanoseconds
            for (j, r) in zip(jobs, records) {
                let point = field(spec.labels(j.point).map { "\($0.name)=\($0.value)" }.joined(separator: ";"))
                let prefix = field(spec.variants[j.variant].name) + "," + point + ",\(j.seed),"
                var chunk = ""
                for q in r.requests {
                    chunk += prefix + field(r.callNames[Int(q.c)]) + ","
                    chunk += seconds(q.s) + "," + DecimalText.fixed(Double(q.l) / 1e6, 6) + ","
                    chunk += "\(q.f & 1),\(q.f >> 1 & 1),\(q.s >= warmup ? 1 : 0)\n"
                }
                try w.write(Array(chunk.utf8))
            }
            try w.finish()
        } catch {
            w.abandon()
            throw error
        }
    }

    /// Nanoseconds as seconds with nine decimals, exactly.
    static func seconds(_ ns: Int64) -> String {
        let frac = String(ns % 1_000_000_000)
        return "\(ns / 1_000_000_000)." + String(repeating: "0", count: 9 - frac.count) + frac
    }
}
