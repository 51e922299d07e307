import Wire

/// A map from (scope, address) to a value, for lookups by address on the packet path: which ENI
/// owns a private address in a VPC (scope = the VPC), who owns a public address (scope 0).
///
/// IPv4 keys are packed into one `UInt64` (scope << 32 | address), exactly the key the IPv4-only
/// model used, so an IPv4 lookup costs what it did; IPv6 keys go to a second table. The map is
/// never iterated, so dictionary order cannot reach an output.
public struct AddressMap<Value: Sendable>: Sendable {
    struct Key6: Hashable, Sendable {
        var scope: UInt32
        var address: IPAddress
    }
    var v4: [UInt64: Value] = [:]
    var v6: [Key6: Value] = [:]

    public init() {}

    public subscript(scope: UInt32, address: IPAddress) -> Value? {
        get {
            address.isIPv4
                ? v4[UInt64(scope) << 32 | UInt64(address.ipv4Raw)] : v6[Key6(scope: scope, address: address)]
        }
        set {
            if address.isIPv4 {
                v4[UInt64(scope) << 32 | UInt64(address.ipv4Raw)] = newValue
            } else {
                v6[Key6(scope: scope, address: address)] = newValue
            }
        }
    }

    public var count: Int { v4.count + v6.count }
}
