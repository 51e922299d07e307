/// One price of the catalog (`Topologies/prices/<region>.yaml`): a catalog item in a Region, its
/// unit, how many units the price is for, the amount, the volume tier it applies to, and where it
/// comes from.
public struct PriceEntry: Sendable, Equatable, Codable {
    /// Dotted catalog key, e.g. `nat_gateway.hour`.
    public var item: String
    public var region: String
    /// For a price that depends on where data goes (inter-Region transfer), the destination
    /// Region it is for (`to:` in the file); nil for the Region's price to any other destination.
    public var destination: String?
    public var unit: String
    /// Units the price is for (1,000,000 for "per million requests").
    public var per: Double
    public var usd: Double
    /// Monthly volume, in units, from which (inclusive) and to which (exclusive) this tier applies.
    public var tierFrom: Double
    public var tierTo: Double?
    /// The page or reading the figure comes from.
    public var source: String?
    /// The AWS page to check it against.
    public var check: String?
    public var dateRead: String
    public var verified: Bool
    public var basis: String
    public var note: String?
    public init(
        item: String, region: String, unit: String, per: Double = 1, usd: Double, tierFrom: Double = 0,
        tierTo: Double? = nil, source: String?, check: String? = nil, dateRead: String, verified: Bool,
        basis: String, note: String? = nil
    ) {
        self.item = item; self.region = region; self.unit = unit; self.per = per; self.usd = usd
        self.tierFrom = tierFrom; self.tierTo = tierTo; self.source = source; self.check = check
        self.dateRead = dateRead; self.verified = verified; self.basis = basis; self.note = note
    }
}

/// The prices of one or more Regions.
public struct PriceCatalog: Sendable {
    public var entries: [PriceEntry]
    public init(entries: [PriceEntry]) { self.entries = entries }

    /// The Regions with prices.
    public var regions: [String] { Array(Set(entries.map(\.region))).sorted() }

    /// The tiers of `item` in `region`, lowest first (one entry for an untiered price).
    /// With a `destination`, its own entries if the Region has some, else the Region's general ones.
    public func tiers(_ item: String, region: String, destination: String? = nil) -> [PriceEntry] {
        let own = entries.filter { $0.item == item && $0.region == region && $0.destination == destination }
        if own.isEmpty, destination != nil { return tiers(item, region: region) }
        return own.sorted { $0.tierFrom < $1.tierFrom }
    }
}
