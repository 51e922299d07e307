/// An open-addressing hash map from ``FlowKey`` to a value, in one contiguous array.
///
/// Used wherever the model looks a packet up by its 5-tuple (connection tracking, NAT
/// translations, socket demultiplexing). Linear probing with backward-shift deletion: no
/// tombstones, no allocation except when the table grows, and a layout that depends only on the
/// operations performed — never on a per-process hash seed.
public struct FlowTable<Value> {
    @usableFromInline struct Slot {
        @usableFromInline var key: FlowKey
        @usableFromInline var value: Value
        @inlinable init(key: FlowKey, value: Value) { self.key = key; self.value = value }
    }
    @usableFromInline var slots: ContiguousArray<Slot?>
    @usableFromInline var mask: Int
    @usableFromInline var _count: Int
    /// Number of entries.
    @inlinable public var count: Int { _count }

    /// - Parameter capacity: expected number of entries; the table starts at twice that, rounded up to a power of two.
    @inlinable public init(capacity: Int = 64) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = ContiguousArray(repeating: nil, count: n)
        mask = n - 1
        _count = 0
    }

    @inlinable @inline(__always)
    func home(_ key: FlowKey) -> Int { Int(truncatingIfNeeded: key.mixedHash) & mask }

    /// The value for `key`, if present. - Complexity: O(1) expected.
    @inlinable public subscript(key: FlowKey) -> Value? {
        get {
            var i = home(key)
            while let s = slots[i] {
                if s.key == key { return s.value }
                i = (i &+ 1) & mask
            }
            return nil
        }
        set {
            if let v = newValue { insert(key, v) } else { remove(key) }
        }
    }

    /// Removes every entry, keeping the storage (no allocation). - Complexity: O(capacity).
    @inlinable public mutating func removeAll() {
        guard _count > 0 else { return }
        for i in slots.indices { slots[i] = nil }
        _count = 0
    }

    /// Whether `key` is present.
    @inlinable public func contains(_ key: FlowKey) -> Bool { self[key] != nil }

    /// Inserts or replaces. - Complexity: O(1) amortised.
    @inlinable public mutating func insert(_ key: FlowKey, _ value: Value) {
        if (_count + 1) * 4 > slots.count * 3 { grow() }
        var i = home(key)
        while let s = slots[i] {
            if s.key == key { slots[i] = Slot(key: key, value: value); return }
            i = (i &+ 1) & mask
        }
        slots[i] = Slot(key: key, value: value)
        _count += 1
    }

    /// Applies `body` to the stored value in place, if present; returns whether it was found.
    @inlinable @discardableResult
    public mutating func update(_ key: FlowKey, _ body: (inout Value) -> Void) -> Bool {
        var i = home(key)
        while let s = slots[i] {
            if s.key == key {
                var v = s.value
                body(&v)
                slots[i] = Slot(key: key, value: v)
                return true
            }
            i = (i &+ 1) & mask
        }
        return false
    }

    /// Removes `key`; returns its value if it was present. Backward-shift deletion keeps probe
    /// sequences intact without tombstones.
    @inlinable @discardableResult
    public mutating func remove(_ key: FlowKey) -> Value? {
        var i = home(key)
        while let s = slots[i] {
            if s.key == key {
                let old = s.value
                slots[i] = nil
                _count -= 1
                var hole = i
                var j = (i &+ 1) & mask
                while let t = slots[j] {
                    let h = home(t.key)
                    // Move t into the hole if its home position is not in (hole, j] cyclically.
                    let inRange = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
                    if !inRange {
                        slots[hole] = t
                        slots[j] = nil
                        hole = j
                    }
                    j = (j &+ 1) & mask
                }
                return old
            }
            i = (i &+ 1) & mask
        }
        return nil
    }

    /// Removes every entry for which `shouldRemove` is true. Visits slots in table order.
    public mutating func removeAll(where shouldRemove: (FlowKey, Value) -> Bool) {
        var doomed: [FlowKey] = []
        for s in slots { if let s, shouldRemove(s.key, s.value) { doomed.append(s.key) } }
        for k in doomed { remove(k) }
    }

    /// All entries, in table order (deterministic for a given sequence of operations).
    public var entries: [(key: FlowKey, value: Value)] {
        slots.compactMap { s in s.map { ($0.key, $0.value) } }
    }

    /// Doubles the table. Inlinable so that it is specialized for `Value` in the caller's module
    /// like `insert`: unspecialized, it fetched generic metadata for every entry it moved.
    @inlinable @inline(never) mutating func grow() {
        let old = slots
        slots = ContiguousArray(repeating: nil, count: old.count * 2)
        mask = slots.count - 1
        _count = 0
        for s in old { if let s { insert(s.key, s.value) } }
    }
}

extension FlowTable: Sendable where Value: Sendable {}
extension FlowTable.Slot: Sendable where Value: Sendable {}
