import Cost
import Topology

/// `report.html`: one self-contained page (inline CSS and SVG, no script) with the headline
/// table, the plots, each variant's bill, the notes that say what the figures rest on, and the
/// experiment file itself.
enum ExperimentReport {
    static func html(
        _ r: ExperimentResults, spec: ExperimentSpec, catalog: PriceCatalog, plots: [(name: String, svg: String)]
    ) -> String {
        var h = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(esc(r.experiment)) — vpcsim experiment</title>
            <style>
            body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1250px; color: #222;
              padding: 0 1em; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
            .meta { color: #555; } table { border-collapse: collapse; margin: 0.6em 0; }
            th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; vertical-align: top; }
            #headline td { white-space: nowrap; } #headline { font-size: 0.85em; }
            th { background: #f3f3f3; } td.l, th.l { text-align: left; }
            figure { margin: 1em 0; } figure svg { width: 100%; height: auto; max-width: 1000px; }
            figcaption { color: #555; font-size: 0.9em; } pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
            .small { font-size: 0.9em; color: #555; } details { margin: 0.4em 0; }
            </style>
            </head>
            <body>
            <h1>\(esc(r.experiment))</h1>

            """
        let seeds = r.seeds.map(String.init).joined(separator: ", ")
        h += "<p class=\"meta\">\(esc(r.vpcsimVersion)) · base topology <code>\(esc(spec.topology))</code> · "
        h += "\(DecimalText.plain(r.durationSeconds)) s simulated per run, the first "
        h += "\(DecimalText.plain(r.warmupSeconds)) s a warm-up · seeds \(seeds) · prices of \(esc(r.region)), "
        h += "\(DecimalText.plain(r.hoursPerMonth)) hours a month</p>\n"
        if !spec.description.isEmpty { h += "<p>\(esc(spec.description))</p>\n" }
        h += headline(r)
        if !plots.isEmpty {
            h += "<h2>Plots</h2>\n"
            for p in plots {
                h += "<figure id=\"\(esc(p.name))\">\n\(inline(p.svg))\n<figcaption>\(esc(caption(p.name, r)))"
                h += " (<code>plots/\(esc(p.name))</code>)</figcaption>\n</figure>\n"
            }
        }
        h += bills(r)
        h += notes(r, spec: spec)
        h += "<h2>The experiment file</h2>\n<p class=\"small\"><code>\(esc(spec.file))</code></p>\n"
        h += "<pre>\(esc(spec.text))</pre>\n</body>\n</html>\n"
        return h
    }

    static func headline(_ r: ExperimentResults) -> String {
        var h = "<h2>Results</h2>\n<table id=\"headline\">\n<tr><th class=\"l\">variant</th>"
        for p in r.parameters { h += "<th class=\"l\">\(esc(p.name))</th>" }
        h += "<th>requests</th><th>p50 ms [95 % CI]</th><th>p99 ms [95 % CI]</th><th>new-connection calls</th>"
        h += "<th>monthly USD [95 % CI]</th><th>fixed</th><th>usage</th></tr>\n"
        for v in r.variants {
            for p in v.points {
                h += "<tr><td class=\"l\">\(esc(v.name))</td>"
                for param in r.parameters { h += "<td class=\"l\">\(esc(p.parameters[param.name] ?? ""))</td>" }
                h += "<td>\(p.requests)</td>"
                h += "<td>\(ms(p.latencyMs.p50)) \(interval(p.latencyMs.p50Ci95, ms))</td>"
                h += "<td>\(ms(p.latencyMs.p99)) \(interval(p.latencyMs.p99Ci95, ms))</td>"
                h += "<td>\(p.newConnections)</td>"
                h += "<td>$\(usd(p.cost.monthlyUsd)) \(interval(p.cost.monthlyUsdCi95, usd))</td>"
                h += "<td>$\(usd(p.cost.fixedMonthlyUsd))</td><td>$\(usd(p.cost.usageMonthlyUsd))</td></tr>\n"
            }
        }
        h += "</table>\n<p class=\"small\">Latency: each seed's percentile over the calls after the warm-up"
        h += r.calls.isEmpty ? " (every call)" : " (\(esc(r.calls.joined(separator: ", "))))"
        h +=
            ", averaged over the seeds; the interval is Student's t over the seeds. Monthly cost: the mean over seeds; "
        h += "the interval likewise.</p>\n"
        return h
    }

    static func bills(_ r: ExperimentResults) -> String {
        var h = "<h2>Monthly cost, item by item</h2>\n"
        if let p = r.variants.first?.points.first { h += "<p class=\"small\">\(esc(p.cost.scaling)).</p>\n" }
        for v in r.variants {
            for (k, p) in v.points.enumerated() {
                let label = r.parameters.map { "\($0.name) \(p.parameters[$0.name] ?? "")" }.joined(separator: ", ")
                let title =
                    "\(esc(v.name))\(label.isEmpty ? "" : " — " + esc(label)): $\(usd(p.cost.monthlyUsd)) a month"
                h += k == 0 ? "<h3>\(title)</h3>\n" : "<details><summary>\(title)</summary>\n"
                h += "<table class=\"bill\">\n<tr><th class=\"l\">item</th><th>kind</th><th>quantity a month</th>"
                h += "<th>USD per unit</th><th>USD a month</th><th class=\"l\">price from</th></tr>\n"
                for i in p.cost.items {
                    h += "<tr><td class=\"l\">\(esc(i.title))</td><td>\(i.kind)</td>"
                    h += "<td>\(DecimalText.significant(i.quantity)) \(esc(i.unit))</td>"
                    h += "<td>\(i.priced ? "$" + DecimalText.plain(i.unitUsd) : "no price")</td>"
                    h += "<td>$\(usd(i.monthlyUsd))</td><td class=\"l small\">"
                    if let s = i.source { h += "<a href=\"\(esc(s))\">source</a>" }
                    h += i.verified ? "" : " (unverified)"
                    h += "</td></tr>\n"
                }
                h += "<tr><th class=\"l\" colspan=\"4\">fixed $\(usd(p.cost.fixedMonthlyUsd)) + usage "
                h += "$\(usd(p.cost.usageMonthlyUsd))</th><th>$\(usd(p.cost.monthlyUsd))</th><th></th></tr>\n</table>\n"
                if k > 0 { h += "</details>\n" }
            }
        }
        return h
    }

    static func notes(_ r: ExperimentResults, spec: ExperimentSpec) -> String {
        var h = "<h2>Notes</h2>\n<ul>\n"
        h += "<li><b>What is measured.</b> Every figure comes from the simulation's counters: bytes through each NAT "
        h += "gateway (both directions) and gateway endpoint, bytes between each pair of AZs, bytes out to the "
        h += "internet (IP total lengths, as a capture sums them), invocations and billed durations (init included), "
        h += "DynamoDB request units from item sizes, Step Functions transitions, and the bytes of flow-log records "
        h += "written. Fixed items are the resources the topology has, for 730 hours.</li>\n"
        let burningmonk = "https://theburningmonk.com/2019/02/lambda-optimization-tip-enable-http-keep-alive/"
        let cloudonaut = "https://cloudonaut.io/vpc-endpoint-increases-dynamodb-latency-by-30-percent/"
        h += "<li><b>Published anchors.</b> A Node.js Lambda's DynamoDB PutItem took ≈ 10 ms on average with HTTP "
        h += "keep-alive and ≈ 33 ms without (<a href=\"\(burningmonk)\">theburningmonk</a>); with reused "
        h += "connections there was no significant difference between internet gateway, NAT gateway and gateway "
        h += "endpoint paths, and with a new connection per request the endpoint path measured ≈ 10 ms slower "
        h += "(<a href=\"\(cloudonaut)\">cloudonaut</a>, EC2, Node.js SDK v2). Compare the table above with them: "
        h += "the model's SDK is boto3 (Python), whose new connections also load the CA bundle.</li>\n"
        h +=
            "<li><b>Delays.</b> Every hop's delay is drawn from a distribution (vpcsim's README, \"What is modelled\", "
        h += "gives each one's source or the assumption behind it). No public measurement of a NAT gateway's or a "
        h += "gateway endpoint's own delay exists: their difference here is the extra hops the NAT path really takes "
        h += "(to the gateway's ENI, through it, and across AZs when it is in another one).</li>\n"
        let unverified = Set(
            r.variants.flatMap { $0.points.flatMap { $0.cost.items.filter { !$0.verified } } }.map(\.title))
        if !unverified.isEmpty {
            h +=
                "<li><b>Unverified prices.</b> These came from third parties or recollection, not an AWS page or Price "
            h += "List reading: \(esc(unverified.sorted().joined(separator: "; "))). Check them (the catalog's "
            h += "<code>check</code> URL) before relying on them.</li>\n"
        }
        if !spec.notes.isEmpty { h += "<li>\(esc(spec.notes))</li>\n" }
        h += "</ul>\n"
        return h
    }

    static func caption(_ name: String, _ r: ExperimentResults) -> String {
        if name == "latency-cdf.svg" { return "Latency CDF per variant (calls after the warm-up, all seeds)" }
        if name == "cost-breakdown.svg" { return "Monthly cost per variant, stacked by item" }
        for p in r.parameters {
            let slug = slug(p.name)
            if name == "latency-vs-\(slug).svg" { return "p50 and p99 latency with 95 % CIs against \(p.name)" }
            if name == "cost-vs-\(slug).svg" { return "Monthly cost against \(p.name), per variant" }
        }
        return name
    }

    /// A parameter's name as the plot files use it.
    static func slug(_ s: String) -> String {
        String(s.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    /// An SVG file's markup without its XML declaration and DOCTYPE, to sit inside HTML.
    static func inline(_ svg: String) -> String {
        guard let start = svg.range(of: "<svg") else { return "" }
        return String(svg[start.lowerBound...]).trimmingTrailingNewlines
    }

    static func ms(_ x: Double) -> String { x < 10 ? DecimalText.fixed(x, 2) : DecimalText.fixed(x, 1) }
    static func usd(_ x: Double) -> String { DecimalText.fixed(x, 2) }
    static func interval(_ ci: [Double]?, _ f: (Double) -> String) -> String {
        guard let ci, ci.count == 2 else { return "" }
        return "[\(f(ci[0]))–\(f(ci[1]))]"
    }

    static func esc(_ s: String) -> String {
        var o = ""
        for c in s {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            default: o.append(c)
            }
        }
        return o
    }
}

extension String {
    fileprivate var trimmingTrailingNewlines: String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
