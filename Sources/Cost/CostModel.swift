/// One line of a monthly bill.
public struct CostLine: Sendable, Equatable, Codable {
    public var item: String
    public var title: String
    public var kind: BillItem.Kind
    /// Billed units per month.
    public var quantity: Double
    public var unit: String
    /// USD per unit: the price (its first tier's when tiered), divided by the units it is for.
    public var unitUSD: Double
    public var monthlyUSD: Double
    /// The catalog item and where its figure comes from.
    public var price: String
    public var source: String?
    public var verified: Bool
    /// False when the catalog has no price for the item in the Region: the line counts $0.
    public var priced: Bool
    /// The tiers the quantity spans, e.g. "0–10240 GB at $0.09".
    public var tiers: [String]
}

/// A month of what a run measured, priced item by item.
public struct CostBreakdown: Sendable, Equatable, Codable {
    public var region: String
    public var hoursPerMonth: Double
    /// Usage items are scaled from the measured window to a month by this factor
    /// (hours per month × 3,600 / window seconds); fixed items are hours per month × count.
    public var windowSeconds: Double
    public var usageScale: Double
    public var lines: [CostLine]
    public var fixedMonthlyUSD: Double
    public var usageMonthlyUSD: Double
    public var monthlyUSD: Double
    /// Items with a quantity but no price in the catalog.
    public var unpriced: [String]
}

public enum CostModel {
    /// AWS's pricing pages use 730 hours per month.
    public static let hoursPerMonth = 730.0

    /// Prices `usage` with the catalog's prices for `region`: each item's quantity scaled to a
    /// month, spread over the price's tiers.
    public static func price(
        _ usage: MeasuredUsage, catalog: PriceCatalog, region: String, items: [BillItem] = BillItem.standard,
        hoursPerMonth: Double = hoursPerMonth
    ) -> CostBreakdown {
        let q = usage.quantities
        let window = max(usage.windowSeconds, 1e-9)
        let scale = hoursPerMonth * 3600 / window
        let flowScale = hoursPerMonth * 3600 / max(usage.flowLogWindowSeconds, 1e-9)
        var lines: [CostLine] = []
        var unpriced: [String] = []
        for item in items + usage.interRegionBillItems {
            let measured = q[item.quantity] ?? 0
            guard measured > 0 else { continue }
            let monthly: Double
            switch item.kind {
            case .fixed: monthly = measured * hoursPerMonth
            case .usage:
                monthly = measured / item.measuredPerUnit * (item.quantity.hasPrefix("flow_log_") ? flowScale : scale)
            }
            let tiers = catalog.tiers(item.price, region: item.priceRegion ?? region, destination: item.destination)
            guard let first = tiers.first else {
                unpriced.append(item.id)
                lines.append(
                    CostLine(
                        item: item.id, title: item.title, kind: item.kind, quantity: monthly, unit: item.unit,
                        unitUSD: 0, monthlyUSD: 0, price: item.price, source: nil, verified: false, priced: false,
                        tiers: []))
                continue
            }
            var usd = 0.0
            var spans: [String] = []
            for t in tiers where monthly > t.tierFrom {
                let upper = t.tierTo.map { min(monthly, $0) } ?? monthly
                let amount = upper - t.tierFrom
                guard amount > 0 else { continue }
                usd += amount / t.per * t.usd
                if tiers.count > 1 {
                    let upperText = t.tierTo.map { DecimalText.plain($0) } ?? "∞"
                    let per = t.per == 1 ? "" : " per \(DecimalText.plain(t.per))"
                    let from = DecimalText.plain(t.tierFrom)
                    spans.append("\(from)–\(upperText) \(item.unit) at $\(DecimalText.plain(t.usd))\(per)")
                }
            }
            lines.append(
                CostLine(
                    item: item.id, title: item.title, kind: item.kind, quantity: monthly, unit: item.unit,
                    unitUSD: first.usd / first.per, monthlyUSD: usd, price: item.price, source: first.source,
                    verified: tiers.allSatisfy(\.verified), priced: true, tiers: spans))
        }
        let fixed = lines.filter { $0.kind == .fixed }.reduce(0) { $0 + $1.monthlyUSD }
        let variable = lines.filter { $0.kind == .usage }.reduce(0) { $0 + $1.monthlyUSD }
        return CostBreakdown(
            region: region, hoursPerMonth: hoursPerMonth, windowSeconds: usage.windowSeconds, usageScale: scale,
            lines: lines, fixedMonthlyUSD: fixed, usageMonthlyUSD: variable, monthlyUSD: fixed + variable,
            unpriced: unpriced)
    }
}

extension CostBreakdown {
    /// The bill as `vpcsim cost` prints it: one line per item, fixed then usage, and how the
    /// window was scaled.
    public var text: String {
        var s = "monthly cost in \(region) (\(DecimalText.plain(hoursPerMonth)) hours per month)\n"
        s +=
            "  usage measured over \(DecimalText.fixed(windowSeconds, 1)) s, "
            + "scaled × \(DecimalText.fixed(usageScale, 1)) "
            + "to a month; fixed items are hours per month × count\n"
        // Titles padded to one column: 52 wide, or the longest title's width when one is longer.
        let width = lines.reduce(52) { max($0, $1.title.count) }
        for kind in [BillItem.Kind.fixed, .usage] {
            let ls = lines.filter { $0.kind == kind }
            let subtotal = ls.reduce(0) { $0 + $1.monthlyUSD }
            s += "  \(kind == .fixed ? "fixed" : "usage")  $\(DecimalText.fixed(subtotal, 2))\n"
            for l in ls {
                let title = l.title + String(repeating: " ", count: width - l.title.count)
                let price = l.priced ? "$\(DecimalText.plain(l.unitUSD))/\(l.unit)" : "no price in the catalog"
                s +=
                    "    \(title) \(DecimalText.significant(l.quantity)) \(l.unit) × \(price) = "
                    + "$\(DecimalText.fixed(l.monthlyUSD, 2))\(l.verified || !l.priced ? "" : "  (unverified price)")\n"
            }
        }
        s += "  total  $\(DecimalText.fixed(monthlyUSD, 2)) per month\n"
        if !unpriced.isEmpty { s += "  not priced: \(unpriced.joined(separator: ", "))\n" }
        return s
    }
}

/// Decimal text without Foundation: fixed decimals, significant digits, and a plain form.
public enum DecimalText {
    /// `x` with exactly `places` decimals, rounded half away from zero.
    public static func fixed(_ x: Double, _ places: Int) -> String {
        guard x.isFinite else { return "\(x)" }
        var p = 1.0
        for _ in 0..<places { p *= 10 }
        let scaled = (abs(x) * p).rounded()
        var whole = String(Int64(scaled / p))
        let frac = Int64(scaled.truncatingRemainder(dividingBy: p))
        if x < 0 && scaled > 0 { whole = "-" + whole }
        guard places > 0 else { return whole }
        let digits = String(frac)
        return whole + "." + String(repeating: "0", count: places - digits.count) + digits
    }
    /// `x` with about four significant digits (no exponent).
    public static func significant(_ x: Double) -> String {
        let a = abs(x)
        if a == 0 { return "0" }
        if a >= 1000 { return fixed(x, 0) }
        if a >= 100 { return fixed(x, 1) }
        if a >= 10 { return fixed(x, 2) }
        if a >= 1 { return fixed(x, 3) }
        var places = 3
        var v = a
        while v < 1 && places < 12 { v *= 10; places += 1 }
        return trimmed(fixed(x, places))
    }
    /// The shortest decimal that reads back as `x`, without an exponent for prices and tiers.
    public static func plain(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        let s = "\(x)"
        guard s.contains("e") else { return s }
        return trimmed(fixed(x, 12))
    }
    static func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = s
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t
    }
}
