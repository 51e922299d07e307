import Testing
import Foundation
import TestSupport
import Topology
@testable import Experiments

/// `vpcsim experiment` as a user runs it: a small experiment, its outputs and their contract,
/// byte-identical re-runs (fresh and from the cache), `vpcsim cost` agreeing with it, and the
/// report in a real headless browser.
@Suite(.serialized) struct ExperimentTests {
    static let binary = vpcsimBinary()
    static let base = repositoryRoot() + "/Topologies/lambda-dynamodb-two-az-nat.yaml"

    /// Two variants of the two-AZ NAT scenario, two rates, two seeds, 12 s per run.
    static func smallExperiment(_ dir: String, seeds: String = "[1, 2]", sweep: Bool = true) throws -> String {
        let file = dir + "/small.yaml"
        var text = """
            experiment: small
            description: One NAT gateway against a gateway endpoint.
            topology: \(base)
            duration: 12s
            warmup: 2s
            seeds: \(seeds)
            variants:
              - name: one-nat-gateway
              - name: gateway-endpoint
                set:
                  route-tables.rtb-0c2d3e4f5a6b70011.routes: []
                add:
                  vpc-endpoints:
                    - {id: vpce-0c2d3e4f5a6b70099, vpc: vpc-0c2d3e4f5a6b70718,
                       service: com.amazonaws.us-east-1.dynamodb, type: Gateway, route-tables: [rtb-0c2d3e4f5a6b70011]}
                remove:
                  - captures[2]
                  - nat-gateways.nat-0c2d3e4f5a6b70041

            """
        if sweep {
            text += """
                sweep:
                  - name: rate
                    paths: [functions.orders-writer-a.invocations.rate, functions.orders-writer-b.invocations.rate]
                    values: [2/s, 8/s]

                """
        }
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    static func json(_ path: String) throws -> [String: Any] {
        let data = try #require(FileManager.default.contents(atPath: path), "\(path) missing")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func outputsKeepTheContractAndAreByteIdenticalOnEveryRerun() throws {
        let dir = temporaryDirectory("experiment")
        let file = try Self.smallExperiment(dir)
        let first = runProgram(Self.binary, ["experiment", file, "--out", dir + "/a", "--jobs", "2"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("8 runs (0 from the cache)"), "\(first.stdout)")

        // results.json: the keys the checks rely on.
        let r = try Self.json(dir + "/a/results.json")
        #expect(r["experiment"] as? String == "small" && r["region"] as? String == "us-east-1")
        #expect(r["hours_per_month"] as? Double == 730)
        let variants = try #require(r["variants"] as? [[String: Any]])
        #expect(variants.map { $0["name"] as? String } == ["one-nat-gateway", "gateway-endpoint"])
        for v in variants {
            let points = try #require(v["points"] as? [[String: Any]])
            #expect(points.count == 2)
            for p in points {
                for k in ["parameters", "seeds", "latency_ms", "requests", "errors", "cost", "measured"] {
                    #expect(p[k] != nil, "point lacks \(k)")
                }
                let lat = try #require(p["latency_ms"] as? [String: Any])
                for k in ["p50", "p90", "p99", "p50_ci95", "p99_ci95"] {
                    #expect(lat[k] != nil, "latency_ms lacks \(k)")
                }
                let cost = try #require(p["cost"] as? [String: Any])
                for k in ["monthly_usd", "fixed_monthly_usd", "usage_monthly_usd", "items"] { #expect(cost[k] != nil) }
                let measured = try #require(p["measured"] as? [String: Any])
                for k in [
                    "nat_gateway_bytes", "cross_az_bytes", "internet_egress_bytes", "endpoint_bytes",
                    "lambda_gb_seconds",
                    "flow_log_bytes",
                ] {
                    #expect(measured[k] != nil, "measured lacks \(k)")
                }
                let items = try #require(cost["items"] as? [[String: Any]])
                for i in items {
                    for k in ["item", "quantity", "unit", "unit_usd", "monthly_usd", "source"] { #expect(i[k] != nil) }
                }
                if v["name"] as? String == "one-nat-gateway" {
                    let nat = try #require(items.first { $0["item"] as? String == "nat-gateway-hours" })
                    #expect(nat["quantity"] as? Double == 730 && nat["unit_usd"] as? Double == 0.045)
                    #expect(abs((nat["monthly_usd"] as? Double ?? 0) - 32.85) < 1e-9)
                    let data = try #require(items.first { $0["item"] as? String == "nat-gateway-data" })
                    #expect(data["unit_usd"] as? Double == 0.045 && data["unit"] as? String == "GB")
                    #expect((measured["nat_gateway_bytes"] as? Double ?? 0) > 0)
                    #expect(
                        (measured["cross_az_bytes"] as? Double ?? 0) > 0, "orders-writer-b crosses to the NAT gateway")
                } else {
                    #expect(cost["fixed_monthly_usd"] as? Double == 0)
                    let ep = try #require(items.first { $0["item"] as? String == "gateway-endpoint-data" })
                    #expect(ep["monthly_usd"] as? Double == 0)
                    #expect(measured["nat_gateway_bytes"] as? Double == 0 && measured["cross_az_bytes"] as? Double == 0)
                }
            }
        }
        // results.csv: a row per variant × point × seed; requests.csv.gz: every call.
        let csv = try String(contentsOfFile: dir + "/a/results.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 1 + 2 * 2 * 2 && csv[0].hasPrefix("variant,rate,seed,requests,"))
        let requests = gunzipLines(dir + "/a/requests.csv.gz")
        #expect(requests.first == "variant,point,seed,call,start_s,latency_ms,new_connection,failed,measured")
        let measuredRows = requests.dropFirst().filter { $0.hasSuffix(",1") }.count
        let reported = variants.flatMap { ($0["points"] as? [[String: Any]]) ?? [] }.reduce(0) {
            $0 + (($1["requests"] as? Int) ?? 0)
        }
        #expect(measuredRows == reported && reported > 0)

        // Same inputs, same bytes: a fresh run elsewhere, then a run from the cache.
        let second = runProgram(Self.binary, ["experiment", file, "--out", dir + "/b", "--no-cache", "--jobs", "1"])
        #expect(second.status == 0, "\(second.stderr)")
        let third = runProgram(Self.binary, ["experiment", file, "--out", dir + "/a", "--quiet"])
        #expect(third.status == 0 && third.stdout.isEmpty)
        let fourth = runProgram(Self.binary, ["experiment", file, "--out", dir + "/a"])
        #expect(fourth.stdout.contains("8 runs (8 from the cache)"), "\(fourth.stdout)")
        let outputs =
            ["report.html", "results.json", "results.csv", "requests.csv.gz"]
            + filesUnder(dir + "/a/plots").map {
                "plots/" + $0
            }
        #expect(outputs.count == 8)
        for f in outputs {
            #expect(
                FileManager.default.contents(atPath: dir + "/a/" + f)
                    == FileManager.default.contents(atPath: dir + "/b/" + f),
                "\(f) differs between a cached and a fresh run")
        }
        let plots = filesUnder(dir + "/a/plots").count
        let ink = try inkInBrowser(dir + "/a/report.html", plots: plots)
        for (k, share) in ink.enumerated() { #expect(share > 0.02, "plot \(k) looks blank: \(share) of its box inked") }
        // The check can fail: the same page with its first plot emptied (same size, nothing drawn).
        let html = try String(contentsOfFile: dir + "/a/report.html", encoding: .utf8)
        let start = try #require(html.range(of: "<svg"))
        let end = try #require(html.range(of: "</svg>", range: start.upperBound..<html.endIndex))
        let open = try #require(html.range(of: ">", range: start.upperBound..<html.endIndex))
        let blanked = String(html[..<open.upperBound]) + String(html[end.lowerBound...])
        try blanked.write(toFile: dir + "/a/blanked.html", atomically: true, encoding: .utf8)
        let blankInk = try inkInBrowser(dir + "/a/blanked.html", plots: plots)
        #expect(blankInk.first.map { $0 < 0.005 } == true, "\(blankInk)")
        #expect(blankInk.dropFirst().allSatisfy { $0 > 0.02 }, "\(blankInk)")
    }

    /// `vpcsim cost` on a plain run of one point gives the experiment's figure for that point and seed.
    @Test func costOfARunAgreesWithTheExperiment() throws {
        let dir = temporaryDirectory("experiment-cost")
        let file = try Self.smallExperiment(dir, seeds: "[3]")
        let e = runProgram(Self.binary, ["experiment", file, "--out", dir + "/x", "--no-plots", "--keep-runs"])
        #expect(e.status == 0, "\(e.stderr)")
        let r = try Self.json(dir + "/x/results.json")
        let v = try #require((r["variants"] as? [[String: Any]])?.first)
        let point = try #require((v["points"] as? [[String: Any]])?.last) // rate 8/s
        let seed = try #require((point["per_seed"] as? [[String: Any]])?.first)
        let expected = try #require(seed["monthly_usd"] as? Double)
        let run = runProgram(
            Self.binary,
            [
                "run", Self.base, "--set", "functions.orders-writer-a.invocations.rate=8/s", "--set",
                "functions.orders-writer-b.invocations.rate=8/s", "--seed", "3", "--duration", "12s", "--warmup", "2s",
                "--out", dir + "/run", "--quiet",
            ])
        #expect(run.status == 0, "\(run.stderr)")
        for out in [dir + "/run", dir + "/x/runs/one-nat-gateway/rate=8_s/seed-3"] {
            let c = runProgram(Self.binary, ["cost", out, "--json"])
            #expect(c.status == 0, "\(c.stderr)")
            let b = try #require(try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any])
            let got = try #require(b["monthly_usd"] as? Double)
            #expect(abs(got - expected) < 1e-9 * expected, "\(out): \(got) vs the experiment's \(expected)")
        }
        let text = runProgram(Self.binary, ["cost", dir + "/run"]).stdout
        #expect(text.contains("NAT gateway hours") && text.contains("730.0 hour × $0.045/hour = $32.85"))
        #expect(text.contains("usage measured over 10.0 s, scaled × 262800.0 to a month"))
    }

    /// A sweep over `region` runs the base topology (zones "{az1}"/"{az2}") in each Region and
    /// prices each point with its own Region's prices: the NAT gateway hour is $0.045 in us-east-1
    /// and $0.062 in ap-northeast-1, whose second zone by name is ap-northeast-1c (it has no "b").
    @Test func aRegionSweepPricesEachPointInItsRegion() throws {
        let dir = temporaryDirectory("experiment-regions")
        let file = dir + "/regions.yaml"
        try """
        experiment: regions-small
        topology: \(Self.base)
        duration: 6s
        warmup: 1s
        seeds: [1]
        variants: [{name: one-nat-gateway}]
        sweep: [{name: region, paths: [region], values: [us-east-1, ap-northeast-1]}]

        """.write(toFile: file, atomically: true, encoding: .utf8)
        let e = runProgram(Self.binary, ["experiment", file, "--out", dir + "/x", "--no-plots", "--keep-runs"])
        #expect(e.status == 0, "\(e.stderr)")
        let r = try Self.json(dir + "/x/results.json")
        let v = try #require((r["variants"] as? [[String: Any]])?.first)
        let points = try #require(v["points"] as? [[String: Any]])
        #expect(points.count == 2)
        func natHour(_ p: [String: Any]) -> Double? {
            let items = (p["cost"] as? [String: Any])?["items"] as? [[String: Any]]
            return items?.first { $0["item"] as? String == "nat-gateway-hours" }?["unit_usd"] as? Double
        }
        #expect(natHour(points[0]) == 0.045)
        #expect(natHour(points[1]).map { $0 > 0.045 } == true, "\(points[1])")
        let summary = try String(
            contentsOfFile: dir + "/x/runs/one-nat-gateway/region=ap-northeast-1/seed-1/summary.json", encoding: .utf8)
        #expect(summary.contains("ap-northeast-1c") && !summary.contains("ap-northeast-1b"))
    }

    /// Replications: the 95 % interval over seeds narrows as seeds are added.
    @Test func confidenceIntervalsShrinkWithMoreSeeds() throws {
        let dir = temporaryDirectory("experiment-ci")
        var widths: [Double] = []
        for seeds in ["[1, 2, 3]", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]"] {
            let spec = try ExperimentLoader.load(path: try Self.smallExperiment(dir, seeds: seeds, sweep: false))
            var o = ExperimentOptions(
                outputDirectory: dir + "/out", priceDirectory: repositoryRoot() + "/Topologies/prices")
            o.plots = false
            o.cacheDirectory = dir + "/cache"
            let outcome = try ExperimentRunner.run(spec, options: o)
            let ci = try #require(outcome.results.variants[0].points[0].latencyMs.p50Ci95)
            widths.append(ci[1] - ci[0])
            let m = outcome.results.variants[0].points[0].latencyMs.p50
            #expect(ci[0] <= m && m <= ci[1])
        }
        #expect(widths[1] < widths[0] * 0.6, "p50 CI widths \(widths)")
    }

    /// Opens the report in Debian's chromium: the page loads with no console message, and each
    /// plot's box is found in its layout; returns the share of non-white pixels a screenshot has in
    /// each plot's box.
    func inkInBrowser(_ report: String, plots: Int) throws -> [Double] {
        let chromium = try requireTool("chromium")
        let flags = ["--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--window-size=1200,900"]
        let dom = runProgram(chromium, flags + ["--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + report])
        #expect(dom.status == 0 && dom.stdout.contains("<figure"), "chromium printed no DOM: \(dom.stderr.suffix(500))")
        #expect(dom.stdout.components(separatedBy: "<svg").count - 1 == plots)
        let console = dom.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
        #expect(console.isEmpty, "console messages: \(console)")
        // Where the plots are: the same page with a probe that writes their boxes into the DOM.
        let probe = report.replacingOccurrences(of: ".html", with: ".probe.html")
        let html = try String(contentsOfFile: report, encoding: .utf8).replacingOccurrences(
            of: "</body>",
            with: """
                <script>
                const boxes = [...document.querySelectorAll("figure svg")].map(s => {
                  const r = s.getBoundingClientRect();
                  return [r.left + scrollX, r.top + scrollY, r.width, r.height].map(Math.round); });
                const pre = document.createElement("pre"); pre.id = "probe";
                pre.textContent = JSON.stringify({boxes, height: document.documentElement.scrollHeight});
                document.body.appendChild(pre);
                </script></body>
                """)
        try html.write(toFile: probe, atomically: true, encoding: .utf8)
        let laid = runProgram(chromium, flags + ["--dump-dom", "file://" + probe])
        let json = try #require(
            laid.stdout.range(of: "<pre id=\"probe\">").map { laid.stdout[$0.upperBound...] }?.prefix { $0 != "<" },
            "the probe wrote no boxes")
        let layout = try #require(
            try JSONSerialization.jsonObject(
                with: Data(String(json).replacingOccurrences(of: "&quot;", with: "\"").utf8))
                as? [String: Any])
        let boxes = try #require(layout["boxes"] as? [[Int]])
        #expect(boxes.count == plots && boxes.allSatisfy { $0[2] > 200 && $0[3] > 100 }, "\(boxes)")
        let height = min((boxes.map { $0[1] + $0[3] }.max() ?? 900) + 40, 16_000)
        let shot = report.replacingOccurrences(of: ".html", with: ".png")
        let s = runProgram(
            chromium,
            flags.dropLast() + ["--window-size=1200,\(height)", "--screenshot=" + shot, "file://" + report])
        #expect(s.status == 0 && FileManager.default.fileExists(atPath: shot), "no screenshot: \(s.stderr.suffix(500))")
        // The share of non-white pixels in each plot's box, read with Pillow.
        let python = repositoryRoot() + "/.build/pyenv/bin/python3"
        let script = """
            import json, sys
            from PIL import Image
            im = Image.open(sys.argv[1]).convert("L")
            out = []
            for x, y, w, h in json.loads(sys.argv[2]):
                region = im.crop((x, y, x + w, y + h))
                ink = sum(1 for p in region.getdata() if p < 235)
                out.append(ink / float(w * h))
            print(json.dumps(out))
            """
        let p = runProgram(python, ["-c", script, shot, String(describing: boxes)])
        #expect(p.status == 0, "Pillow could not read the screenshot: \(p.stderr)")
        let ink = try #require(try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [Double])
        #expect(ink.count == plots)
        return ink
    }
}

@Suite struct StatisticsTests {
    @Test func quantilesInterpolateLikeRsTypeSeven() {
        let xs = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        #expect(Statistics.quantile(sorted: xs, 0.5) == 5.5)
        #expect(abs(Statistics.quantile(sorted: xs, 0.9) - 9.1) < 1e-12)
        #expect(Statistics.quantile(sorted: xs, 0) == 1 && Statistics.quantile(sorted: xs, 1) == 10)
        #expect(Statistics.quantile(sorted: [], 0.5) == 0)
    }

    @Test func studentIntervals() {
        #expect(Statistics.t975(df: 1) == 12.706 && Statistics.t975(df: 30) == 2.042)
        #expect(abs(Statistics.t975(df: 120) - 1.980) < 0.001)
        // mean 2, s = 1, n = 3: 2 ± 4.303 / √3.
        let ci = Statistics.confidenceInterval95([1, 2, 3])!
        #expect(
            abs(ci.lower - (2 - 4.303 / 3.0.squareRoot())) < 1e-12
                && abs(ci.upper - (2 + 4.303 / 3.0.squareRoot())) < 1e-12)
        #expect(Statistics.confidenceInterval95([4]) == nil)
    }
}
