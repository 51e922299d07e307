import Foundation

/// An error a test reports when an external tool is missing, crashed or said nothing usable.
public struct ToolFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The path of a program on PATH, or a thrown failure naming the Debian package to install —
/// never a crash of the whole test bundle.
public func requireTool(_ name: String, package: String? = nil) throws -> String {
    guard let path = which(name) else {
        throw ToolFailure(
            "\(name) is not installed (apt-get install \(package ?? name); Tools/install-deps --test installs it)")
    }
    return path
}

/// One run of `../shared/tools/check-run --json` on an output directory, parsed.
///
/// Construction fails (throws) unless the checker ran and printed a JSON report: a crash, a
/// missing tool, an empty or truncated output all fail the test instead of passing silently.
public struct CheckRunReport {
    public struct Check {
        public var number: Int
        public var title: String
        public var status: String
        public var errors: [String]
        public var warnings: [String]
        public var info: [String]
    }
    public var ok: Bool
    public var checks: [Check]
    public var exitStatus: Int32
    public var raw: String

    public init(_ directory: String, options: [String] = []) throws {
        guard let tool = checkRunTool() else {
            throw ToolFailure("../shared/tools/check-run not found; set VPCSIM_CHECK_RUN")
        }
        let r = runProgram("/usr/bin/env", ["python3", tool, "--json"] + options + [directory])
        // check-run exits 0 (pass) or 1 (a check failed); anything else is a crash or a usage error.
        guard r.status == 0 || r.status == 1 else {
            throw ToolFailure("check-run exited \(r.status):\n\(r.stderr.suffix(2000))\(r.stdout.prefix(500))")
        }
        guard let data = r.stdout.data(using: .utf8), !data.isEmpty,
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let ok = json["ok"] as? Bool, let checks = json["checks"] as? [[String: Any]], !checks.isEmpty
        else {
            throw ToolFailure(
                "check-run printed no JSON report (exit "
                    + "\(r.status)):\n\(r.stdout.prefix(500))\n\(r.stderr.suffix(1000))"
            )
        }
        self.ok = ok
        self.exitStatus = r.status
        self.raw = r.stdout
        self.checks = checks.map { c in
            Check(
                number: c["check"] as? Int ?? -1, title: c["title"] as? String ?? "",
                status: c["status"] as? String ?? "", errors: c["errors"] as? [String] ?? [],
                warnings: c["warnings"] as? [String] ?? [], info: c["info"] as? [String] ?? [])
        }
        // The verdict and the exit status must agree, or the report is not to be trusted.
        guard ok == (r.status == 0) else {
            throw ToolFailure("check-run's verdict (ok: \(ok)) disagrees with its exit status \(r.status)")
        }
    }

    /// The check with this number; throws when the report lacks it.
    public func check(_ number: Int) throws -> Check {
        guard let c = checks.first(where: { $0.number == number }) else {
            throw ToolFailure("check-run's report has no check \(number): \(checks.map(\.number))")
        }
        return c
    }

    /// A short account of every failing check, for test messages.
    public var failures: String {
        checks.filter { $0.status != "pass" }
            .map { "check \($0.number) \($0.status): \($0.title)\n  " + $0.errors.prefix(5).joined(separator: "\n  ") }
            .joined(separator: "\n")
    }
}
