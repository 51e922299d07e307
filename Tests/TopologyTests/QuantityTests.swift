import Testing
import TestSupport
import SimCore
@testable import Topology

/// Checked quantities (issue 10): every number a topology holds is read in a checked type with
/// explicit bounds, or rejected with a located error naming the key, the value and the range.
/// (Inputs that trapped or hung before are run through the binary, in HostileInputTests.)
@Suite struct QuantityTests {
    func failure(_ yaml: String) -> TopologyError? {
        do {
            _ = try TopologyLoader.load(yaml: yaml, file: "q.yaml")
            return nil
        } catch { return error }
    }

    /// The minimal file with `extra` (top-level keys) before it.
    func file(_ extra: String) -> String { extra + "\n" + LoaderTests.minimal }

    @Test func decimalsArePlainASCIINumbers() {
        for good in ["0", "12", "-3", "+4", "0.5", ".5", "5.", "1e6", "2.5E-3"] {
            #expect(YNode.decimal(good) != nil, "\(good)")
        }
        for bad in [
            "", "inf", "-inf", "Infinity", "nan", "NaN", "0x10", "0x1p3", "1e", "1e+", "١٢", "１２", "1,5", "1_0",
            "1e400", " 1", "e5", ".",
        ] {
            #expect(YNode.decimal(bad) == nil, "\(bad)")
        }
    }

    @Test func runTimesAreBounded() {
        #expect(failure(file("run: {start: 2100-01-01T00:00:00Z}"))?.message.contains("is outside 1970") == true)
        #expect(failure(file("run: {start: 1969-12-31T23:59:59Z}"))?.message.contains("is outside 1970") == true)
        #expect(
            failure(file("run: {start: 2026-11-23T10:00:00+01:00}"))?.message.contains("not a UTC timestamp") == true)
        #expect(failure(file("run: {start: 2026-1-23T10:00:00Z}"))?.message.contains("not a UTC timestamp") == true)
        let long = failure(file("run: {duration: 3651d}"))
        #expect(
            long?.message == "run.duration: '3651d' is outside the allowed range 1ns … 3650d",
            "\(String(describing: long))")
        #expect(long?.line == 1 && long?.column == 17)
        #expect(failure(file("run: {duration: 0s}"))?.message.contains("outside the allowed range 1ns") == true)
        #expect(failure(file("run: {drain: -1s}"))?.message.contains("not negative") == true)
        let end = failure(file("run: {start: 2099-06-01T00:00:00Z, duration: 3000d}"))
        #expect(end?.message.contains("after 2106-02-07T06:28:15Z, the last second a pcap can timestamp") == true)
        let ok = try? TopologyLoader.load(yaml: file("run: {seed: 18446744073709551615}"), file: "q.yaml")
        #expect(ok?.seed == .max)
        #expect(failure(file("run: {seed: 18446744073709551616}"))?.message.contains("is not a seed") == true)
        #expect(failure(file("run: {seed: -1}"))?.message.contains("is not a seed") == true)
    }

    @Test func overridesAreBoundedToo() {
        do {
            _ = try TopologyLoader.load(
                yaml: LoaderTests.minimal, file: "q.yaml", overrides: RunOverrides(duration: .seconds(3651 * 86_400)))
            Issue.record("a duration of 3651 days was accepted")
        } catch {
            #expect(error.description == "q.yaml: --duration 3651d is outside the allowed range 1ns … 3650d")
        }
    }

    @Test func accountIDsAreTwelveASCIIDigits() {
        let top = failure("account: \"１２３４５６７８９０１２\"\n" + String(LoaderTests.minimal.dropFirst(24)))
        #expect(top?.message == "account: '１２３４５６７８９０１２' is not a 12-digit AWS account id")
        let vpc = failure(
            LoaderTests.minimal.replacingOccurrences(
                of: "cidr: 10.0.0.0/16", with: "cidr: 10.0.0.0/16\n    account: \"١٢٣٤٥٦٧٨٩٠١٢\""))
        #expect(vpc?.message.contains("vpcs[0].account: '١٢٣٤٥٦٧٨٩٠١٢' is not a 12-digit AWS account id") == true)
    }

    @Test func latenciesAreAtMostTenSeconds() {
        let e = failure(file("latency: {internet: 11s}"))
        #expect(e?.message == "latency.internet: '11s' is outside the allowed range 0s … 10s")
    }

    /// A YAML reader error is located at its byte, not in the message.
    @Test func yamlErrorsHaveTheirRealLineAndColumn() {
        let control = failure("scenario: x\ndescription: a\u{01}b\n")
        #expect(control?.line == 2 && control?.column == 15, "\(String(describing: control))")
        #expect(control?.message.contains("control characters are not allowed") == true)
        #expect(control?.description.split(separator: "\n").count == 1)
        let duplicate = failure("scenario: x\nregion: us-east-1\nregion: us-east-1\n")
        #expect(duplicate?.line == 3 && duplicate?.message == "duplicate key 'region' (first at line 2)")
        let unclosed = failure("scenario: x\nvpcs: [a, b\n")
        #expect(unclosed?.line == 3, "\(String(describing: unclosed))")
        #expect(unclosed?.message.hasPrefix("YAML syntax: did not find expected ',' or ']'") == true)
        let nested = failure("description: " + String(repeating: "[", count: 65) + String(repeating: "]", count: 65))
        #expect(nested?.message == "YAML: nested more than 64 levels deep" && nested?.column == 77)
        let key = failure("a: &a [x]\n? *a\n: 1\n")
        #expect(key?.line == 2 && key?.message.hasPrefix("keys must be plain strings") == true)
        let undefined = failure("a: *nowhere\n")
        #expect(undefined?.message == "YAML: alias '*nowhere' names no anchor before it")
    }

    @Test func aliasesWithinTheBudgetStillWork() throws {
        let yaml = LoaderTests.minimal.replacingOccurrences(
            of: "security-groups:\n  - id: sg-0000000000000000a\n    vpc: vpc-0000000000000000a",
            with: "security-groups:\n  - id: sg-0000000000000000a\n    vpc: &v vpc-0000000000000000a\n"
                + "  - id: sg-0000000000000000b\n    vpc: *v")
        let s = try TopologyLoader.load(yaml: yaml, file: "q.yaml")
        #expect(s.network.securityGroups.count == 2)
    }

    @Test func anAliasBombIsRefusedAtTheAliasThatCrossesTheBudget() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...8 {
            yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let e = failure(yaml)
        #expect(e?.line == 7, "\(String(describing: e))")
        #expect(e?.message.contains("expands the document beyond 4000000 nodes") == true)
    }
}
