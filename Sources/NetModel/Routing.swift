import Wire

/// The result of a route-table lookup: which route matched (by position) and its target.
public struct RouteDecision: Sendable, Hashable {
    public var routeTable: RouteTableIndex
    public var route: Int
    public var target: RouteTarget
    /// The matched prefix (for prefix-list routes, the list entry that contained the address).
    public var matchedPrefix: CIDR
}

/// A route table compiled for lookups: every (prefix, route) pair, prefix lists expanded,
/// ordered so that the first entry containing an address is the route AWS would pick.
///
/// Priority (https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html):
/// 1. the longest prefix wins, whatever kind of route it is;
/// 2. between equally long prefixes, a CIDR route wins over a prefix-list route;
/// 3. between prefix-list routes with the same prefix, AWS picks one and keeps it; we keep the
///    one listed first, which is equally consistent and deterministic.
///
/// The two families are separate tables, as AWS evaluates them (`0.0.0.0/0` does not match IPv6
/// traffic; that takes `::/0`): IPv4 entries are 32-bit (base, mask) pairs, so the IPv4 lookup
/// costs what it did before IPv6 existed; IPv6 entries are 128-bit.
public struct CompiledRouteTable: Sendable {
    struct Entry: Sendable {
        var base: UInt32
        var mask: UInt32
        var route: Int32
    }
    struct Entry6: Sendable {
        var baseHigh, baseLow, maskHigh, maskLow: UInt64
        var prefixLength: Int32
        var route: Int32
    }
    var entries: ContiguousArray<Entry>
    var entries6: ContiguousArray<Entry6>
    public let table: RouteTableIndex
    let routes: [Route]

    public init(_ rt: RouteTable, index: RouteTableIndex, localCIDRs: [CIDR], prefixLists: [PrefixList]) {
        table = index
        routes = rt.routes
        var expanded: [(CIDR, Int, Bool)] = [] // prefix, route index, is a prefix-list route
        for (i, r) in rt.routes.enumerated() {
            switch r.destination {
            case .cidr(let c): expanded.append((c, i, false))
            case .prefixList(let pl): for c in prefixLists[pl.int].cidrs { expanded.append((c, i, true)) }
            }
        }
        _ = localCIDRs
        // Stable sort: longer prefixes first, then CIDR before prefix list, then route order.
        let order = expanded.enumerated().sorted { a, b in
            let (ca, ia, pa) = a.element, (cb, ib, pb) = b.element
            if ca.prefixLength != cb.prefixLength { return ca.prefixLength > cb.prefixLength }
            if pa != pb { return !pa }
            if ia != ib { return ia < ib }
            return a.offset < b.offset
        }
        entries = ContiguousArray(
            order.filter { $0.element.0.isIPv4 }.map { e in
                Entry(base: e.element.0.base.ipv4Raw, mask: e.element.0.ipv4Netmask, route: Int32(e.element.1))
            })
        entries6 = ContiguousArray(
            order.filter { !$0.element.0.isIPv4 }.map { e in
                let c = e.element.0
                let m = c.mask128
                return Entry6(
                    baseHigh: c.base.high, baseLow: c.base.low, maskHigh: m.high, maskLow: m.low,
                    prefixLength: Int32(c.prefixLength), route: Int32(e.element.1))
            })
    }

    /// The route for `destination`, or nil when no route matches. - Complexity: O(entries of its family).
    /// Inlined into forwarding, so the table is read in place rather than copied (with a retain of
    /// each of its arrays) per packet.
    @inline(__always)
    public func lookup(_ destination: IPAddress) -> RouteDecision? {
        if destination.isIPv4 {
            let a = destination.ipv4Raw
            for e in entries where a & e.mask == e.base {
                let r = routes[Int(e.route)]
                let prefixLength = e.mask.nonzeroBitCount
                return RouteDecision(
                    routeTable: table, route: Int(e.route), target: r.target,
                    matchedPrefix: CIDR(canonicalBase: IPAddress(ipv4: e.base), prefixLength: prefixLength))
            }
            return nil
        }
        for e in entries6 where destination.high & e.maskHigh == e.baseHigh && destination.low & e.maskLow == e.baseLow
        {
            return RouteDecision(
                routeTable: table, route: Int(e.route), target: routes[Int(e.route)].target,
                matchedPrefix: CIDR(
                    canonicalBase: IPAddress(high: e.baseHigh, low: e.baseLow), prefixLength: Int(e.prefixLength)))
        }
        return nil
    }
}
