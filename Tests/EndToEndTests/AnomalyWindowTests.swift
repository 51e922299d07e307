import Testing
import Foundation
import TestSupport

/// Issue 11: a dataset shorter than its anomalies' start says so (a warning, a summary line and
/// `labels_outside_run` in summary.json), and `--anomalies-at` moves them into the run.
@Suite struct AnomalyWindowTests {
    let binary = vpcsimBinary()
    let topology = repositoryRoot() + "/Topologies/dataset-enterprise.yaml"

    @Test func aShortDatasetWarnsThatItsAnomaliesAreOutside() throws {
        let dir = temporaryDirectory("anomalies-outside")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = runProgram(binary, ["dataset", topology, "--duration", "20s", "--out", dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("vpcsim: warning:") && r.stderr.contains("'port-scan-of-web-2' (label port-scan)"))
        #expect(r.stderr.components(separatedBy: "vpcsim: warning:").count == 4, "one warning per anomaly")
        #expect(r.stdout.contains("not in this run (it ends first): port-scan-of-web-2 (port-scan)"))
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json")))
            as! [String: Any]
        #expect((summary["labels_outside_run"] as? [String])?.count == 3)
        let episodes = try String(contentsOfFile: dir + "/labels/episodes.jsonl", encoding: .utf8)
        #expect(episodes.isEmpty)
    }

    @Test func anomaliesAtMovesEveryAnomalyIntoAShortRun() throws {
        let dir = temporaryDirectory("anomalies-at")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = runProgram(binary, ["dataset", topology, "--duration", "100s", "--anomalies-at", "30s", "--out", dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("warning"), "\(r.stderr)")
        let lines = try String(contentsOfFile: dir + "/labels/episodes.jsonl", encoding: .utf8).split(separator: "\n")
        let episodes = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(
            Set(episodes.map { $0["label"] as! String }) == [
                "port-scan", "data-exfiltration", "denied-lateral-movement",
            ])
        #expect(episodes.allSatisfy { ($0["start"] as! String).hasSuffix("00:00:30Z") }, "\(episodes)")
        // The scan names web-2's public address; its records on web-2's ENI carry the private one.
        let scan = try #require(episodes.first { $0["label"] as? String == "port-scan" })
        let destination = try #require((scan["destinations"] as? [String])?.first)
        let inside = (scan["private_addresses"] as? [String: String])?[destination]
        #expect(inside?.hasPrefix("10.20.") == true, "\(scan)")
        // Episode extents equal their records' extents: the first record's start, the last one's end.
        let labelFiles = try FileManager.default.contentsOfDirectory(atPath: dir + "/labels")
            .filter { $0.hasSuffix("-records.csv.gz") }
        #expect(!labelFiles.isEmpty)
        var extents: [String: (start: Int, end: Int)] = [:]
        for f in labelFiles {
            for line in gunzipLines(dir + "/labels/" + f).dropFirst() where !line.isEmpty {
                let c = line.split(separator: ",").map(String.init)
                let (start, end, label) = (Int(c[6])!, Int(c[7])!, c[9])
                let x = extents[label]
                extents[label] = (min(x?.start ?? start, start), max(x?.end ?? end, end))
            }
        }
        for e in episodes {
            let label = e["label"] as! String
            let x = try #require(extents[label], "no records labelled \(label)")
            #expect(e["start_unix"] as? Int == x.start && e["end_unix"] as? Int == x.end, "\(label): \(e) vs \(x)")
        }
        // Sizes vary per call: the app tier's records (its subnets 10.20.10/11.0/24) and the order
        // functions' (10.20.30.0/24, items drawn per call) take many byte counts.
        var appBytes = Set<String>(), functionBytes = Set<String>(), records = 0
        // The database tier's sessions (300-byte queries, 2 kB answers, drawn per request): no
        // byte count repeats across a large share of its records.
        var dbBytes: [String: Int] = [:]
        for f in filesUnder(dir + "/flowlogs") where f.hasSuffix(".log.gz") {
            for line in gunzipLines(dir + "/flowlogs/" + f).dropFirst() {
                let c = line.split(separator: " ").map(String.init)
                guard c.count > 16 else { continue }
                records += 1
                if c[15].hasSuffix("90201") || c[15].hasSuffix("90202") { appBytes.insert(c[9]) }
                if c[15].hasSuffix("90401") { functionBytes.insert(c[9]) }
                if (c[15].hasSuffix("90301") || c[15].hasSuffix("90302")) && c[13] == "OK" {
                    dbBytes[c[9], default: 0] += 1
                }
            }
        }
        let dbRecords = dbBytes.values.reduce(0, +), commonest = dbBytes.values.max() ?? 0
        #expect(
            dbRecords > 200 && dbBytes.count * 2 > dbRecords && commonest * 50 < dbRecords,
            "\(dbBytes.count) byte counts in \(dbRecords) database-tier records, the commonest \(commonest) times")
        #expect(
            records > 500 && appBytes.count > 50 && functionBytes.count > 50,
            "\(appBytes.count) app, \(functionBytes.count) function byte counts")
        let bad = runProgram(binary, ["dataset", topology, "--anomalies-at", "soon", "--out", dir + "/x"])
        #expect(bad.status != 0 && bad.stderr.contains("--anomalies-at 'soon'"))
    }
}
