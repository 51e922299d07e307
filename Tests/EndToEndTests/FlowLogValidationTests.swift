import Testing
import Foundation
import SimCore
import TestSupport
import Topology
@testable import Experiments

/// vpcsim's flow-log files read by outside tools, through Tools/validate-flowlogs: the
/// flowlogs-reader library (PyPI) parses every record (with its S3 reader and its line parser),
/// and DuckDB loads them into a table with the columns and types of AWS's documented Athena DDL
/// for VPC flow logs. The tools live in the virtualenv `.build/pyenv` that
/// `Tools/install-deps --test` makes.
@Suite(.serialized) struct FlowLogValidationTests {
    static let python = repositoryRoot() + "/.build/pyenv/bin/python3"
    static let tool = repositoryRoot() + "/Tools/validate-flowlogs"

    /// AWS's Athena table for VPC flow logs v2–v5 ("Create a table for Amazon VPC flow logs and
    /// query it", Amazon Athena User Guide), with Athena's types mapped to DuckDB's:
    /// int → INTEGER, bigint → BIGINT, string → VARCHAR.
    static let athenaTable: [[String]] = [
        ["version", "INTEGER"], ["account_id", "VARCHAR"], ["interface_id", "VARCHAR"], ["srcaddr", "VARCHAR"],
        ["dstaddr", "VARCHAR"], ["srcport", "INTEGER"], ["dstport", "INTEGER"], ["protocol", "BIGINT"],
        ["packets", "BIGINT"], ["bytes", "BIGINT"], ["start", "BIGINT"], ["end", "BIGINT"], ["action", "VARCHAR"],
        ["log_status", "VARCHAR"], ["vpc_id", "VARCHAR"], ["subnet_id", "VARCHAR"], ["instance_id", "VARCHAR"],
        ["tcp_flags", "INTEGER"], ["type", "VARCHAR"], ["pkt_srcaddr", "VARCHAR"], ["pkt_dstaddr", "VARCHAR"],
        ["region", "VARCHAR"], ["az_id", "VARCHAR"], ["sublocation_type", "VARCHAR"], ["sublocation_id", "VARCHAR"],
        ["pkt_src_aws_service", "VARCHAR"], ["pkt_dst_aws_service", "VARCHAR"], ["flow_direction", "VARCHAR"],
        ["traffic_path", "INTEGER"],
    ]

    /// Every test needs the virtualenv; without it they fail (not skip), before running anything.
    init() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.python),
            "no Python virtualenv at .build/pyenv (flowlogs-reader, duckdb): run Tools/install-deps --test")
    }

    struct Report {
        let status: Int32
        let json: [String: Any]
        let output: String
        var records: Int { json["records"] as? Int ?? -1 }
        func count(_ status: String) -> Int { (json["by_status"] as? [String: Int])?[status] ?? -1 }
        var problems: [(where: String, message: String)] {
            ((json["problems"] as? [[String: String]]) ?? []).map { ($0["where"] ?? "", $0["message"] ?? "") }
        }
        func query(_ title: String) -> [[Any]] {
            ((json["queries"] as? [[String: Any]]) ?? []).first { $0["title"] as? String == title }?["rows"] as? [[Any]]
                ?? []
        }
    }

    /// Tools/validate-flowlogs --json on `paths`, with the virtualenv's Python.
    func validate(_ paths: [String]) throws -> Report {
        let r = runProgram(Self.python, [Self.tool, "--json"] + paths)
        let json = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
        #expect(
            !json.isEmpty,
            "validate-flowlogs printed no JSON report:\n\(r.stdout.prefix(2000))\n\(r.stderr.prefix(2000))")
        return Report(status: r.status, json: json, output: r.stdout + r.stderr)
    }

    /// Runs the validator on a scenario's output and checks it against vpcsim's own summary.
    @discardableResult
    func expectValid(_ run: ScenarioRun) throws -> Report {
        let logs = run.summary.flowLogs
        #expect(!logs.isEmpty && logs.allSatisfy { !$0.files.isEmpty }, "the run wrote flow-log files")
        let r = try validate([run.directory])
        #expect(r.status == 0, "validate-flowlogs failed on \(run.directory):\n\(r.output.prefix(4000))")
        #expect(r.json["ok"] as? Bool == true)
        // Every record vpcsim counted was read by flowlogs-reader and loaded into DuckDB.
        let ok = logs.reduce(0) { $0 + Int($1.records) }
        let nodata = logs.reduce(0) { $0 + Int($1.nodata) }
        let skipdata = logs.reduce(0) { $0 + Int($1.skipdata) }
        #expect(ok > 0)
        #expect(r.records == ok + nodata + skipdata)
        #expect(r.count("OK") == ok && r.count("NODATA") == nodata && r.count("SKIPDATA") == skipdata)
        #expect(r.json["s3_reader_records"] as? Int == r.records, "S3FlowLogsReader read every record")
        #expect(r.json["duckdb_rows"] as? Int == r.records, "DuckDB's table holds every record")
        #expect(r.json["files"] as? Int == logs.reduce(0) { $0 + $1.files.count })
        // The files' headers are the flow logs' formats.
        let formats = Set(
            logs.map { $0.format.split(separator: " ").map { $0.dropFirst(2).dropLast() }.joined(separator: " ") })
        #expect(Set(r.json["formats"] as? [String] ?? []) == formats)
        // The table has exactly the documented columns and types.
        #expect((r.json["duckdb_table"] as? [[String]]) == Self.athenaTable)
        // The Athena-style count by action adds up.
        let byAction = r.query("records by action and log_status")
        #expect(byAction.reduce(0) { $0 + ($1[2] as? Int ?? 0) } == r.records)
        return r
    }

    @Test func defaultFormatParsesAndLoadsIntoAthenasTable() throws {
        let run = try ScenarioRun("lambda-dynamodb-gateway-endpoint", duration: .seconds(30))
        let r = try expectValid(run)
        #expect(
            r.json["formats"] as? [String] == [
                "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
                    + "action log-status"
            ])
    }

    @Test func version5FieldsParseAndLoadIntoAthenasTable() throws {
        let run = try ScenarioRun("lambda-dynamodb-nat-gateway", duration: .seconds(20))
        let r = try expectValid(run)
        let format = (r.json["formats"] as? [String])?.first ?? ""
        for field in ["pkt-srcaddr", "az-id", "pkt-src-aws-service", "flow-direction", "traffic-path"] {
            #expect(format.split(separator: " ").contains(Substring(field)), "\(field) is in the v5 format")
        }
        // The NAT gateway's ENI and the function's ENI both appear
        // (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html).
        let span = r.query("time span")
        #expect(span.first?.first as? Int == 2)
    }

    @Test func enterpriseDatasetWithRejectsAndNoDataParsesAndLoads() throws {
        let run = try ScenarioRun("dataset-enterprise", duration: .seconds(4 * 60))
        let r = try expectValid(run)
        #expect(r.records > 1000)
        #expect(!r.query("REJECTs by dstport").isEmpty, "REJECT records were loaded and queried")
        #expect(r.count("NODATA") > 0, "idle ENIs' NODATA records, with '-' in the int columns, loaded as NULLs")
    }

    /// A copy of a run with one record given an `abc` in an int column and another missing a
    /// field: the validator must fail and point at both lines.
    @Test func aCorruptedFileFails() throws {
        let run = try ScenarioRun("lambda-dynamodb-nat-gateway", duration: .seconds(20))
        let copy = temporaryDirectory("flowlogs-corrupt")
        let cp = runProgram("/bin/cp", ["-R", run.directory + "/.", copy])
        #expect(cp.status == 0, "\(cp.stderr)")
        let file = try #require(filesUnder(copy).first { $0.hasSuffix(".log.gz") })
        let path = copy + "/" + file
        var lines = gunzipLines(path)
        try #require(lines.count >= 4)
        let header = lines[0].split(separator: " ").map(String.init)
        let dstport = try #require(header.firstIndex(of: "dstport"))
        var second = lines[1].split(separator: " ").map(String.init)
        second[dstport] = "abc"
        lines[1] = second.joined(separator: " ")
        lines[2] = lines[2].split(separator: " ").dropLast().joined(separator: " ")
        let plain = String(path.dropLast(3))
        try (lines.joined(separator: "\n") + "\n").write(toFile: plain, atomically: true, encoding: .utf8)
        let gz = runProgram(which("gzip") ?? "/bin/gzip", ["-f", plain])
        #expect(gz.status == 0, "\(gz.stderr)")

        let r = try validate([copy])
        #expect(r.status == 1, "validate-flowlogs accepted a corrupted file:\n\(r.output.prefix(2000))")
        #expect(r.json["ok"] as? Bool == false)
        let at2 = r.problems.filter { $0.where.hasSuffix(file + ":2") }.map(\.message)
        let at3 = r.problems.filter { $0.where.hasSuffix(file + ":3") }.map(\.message)
        #expect(at2.contains { $0.contains("flowlogs-reader cannot parse") && $0.contains("'abc'") }, "\(at2)")
        #expect(at2.contains { $0.contains("dstport 'abc' does not fit Athena's int column") }, "\(at2)")
        #expect(at3.contains { $0.contains("fields, the header has \(header.count)") }, "\(at3)")

        // Text mode says the same, with the file and line.
        let text = runProgram(Self.python, [Self.tool, "--quiet", copy])
        #expect(text.status == 1)
        #expect(text.stdout.contains("FAILED") && text.stdout.contains(file + ":2: "))
    }

    /// A run with a transit gateway flow log beside a VPC one: the VPC flow log is validated, the
    /// transit gateway's files are set aside and named (no outside reader of them is installed).
    @Test func transitGatewayFlowLogsAreSetAsideNamed() throws {
        let run = try ScenarioRun("transit-gateway-three-vpcs", duration: .seconds(20))
        let r = try validate([run.directory])
        #expect(r.status == 0, "\(r.output.prefix(3000))")
        let vpc = try #require(run.summary.flowLogs.first { $0.id == "fl-0c1d2e3f4a5b60981" })
        #expect(r.records == Int(vpc.records + vpc.nodata + vpc.skipdata) && r.records > 0)
        let notes = r.json["notes"] as? [String] ?? []
        #expect(notes.contains { $0.contains("1 transit gateway flow-log file(s) not validated") }, "\(notes)")
    }
}
