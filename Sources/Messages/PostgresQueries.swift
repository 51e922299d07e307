import SimCore

/// A handler's simple query and its result set, sized to the step's `query-bytes` and
/// `result-bytes` (https://www.postgresql.org/docs/16/protocol-message-formats.html).
enum PostgresQueries {
    static let statement = "SELECT id, status, payload FROM orders WHERE id = "

    /// Query ('Q', length, the statement, NUL) of `bytes` bytes: the statement, then a SQL comment
    /// (or spaces when fewer than five bytes are left) to reach the size.
    static func query<S: MessageSink>(bytes: Int, key: UInt64, into s: inout S) {
        let bare = 1 + 4 + statement.utf8.count + 12 + 1
        let extra = max(0, bytes - bare)
        s.byte(UInt8(ascii: "Q"))
        s.int32(bare + extra - 1)
        s.utf8(statement)
        s.decimal(key % 1_000_000_000_000, width: 12)
        if extra >= 5 {
            s.utf8(" /*")
            letters(extra - 5, seed: key ^ 0x51, into: &s)
            s.utf8("*/")
        } else {
            for _ in 0..<extra { s.byte(UInt8(ascii: " ")) }
        }
        s.byte(0)
    }

    /// The columns: id (int8), status (text), payload (text), from table OID 16384.
    static let columns: [(name: String, type: Int, size: Int)] = [
        ("id", 20, 8), ("status", 25, -1), ("payload", 25, -1),
    ]
    static var rowDescriptionLength: Int { 1 + 4 + 2 + columns.reduce(0) { $0 + $1.name.utf8.count + 1 + 18 } }
    /// A DataRow without its payload: type, length, column count, id (12 digits), status "NEW",
    /// the payload's length word.
    static let rowOverhead = 1 + 4 + 2 + (4 + 12) + (4 + 3) + 4
    static func commandCompleteLength(rows: Int) -> Int { 1 + 4 + "SELECT ".utf8.count + String(rows).utf8.count + 1 }

    /// RowDescription, DataRows, CommandComplete ("SELECT n") and ReadyForQuery, `bytes` long:
    /// about one row per 150 bytes, payloads sharing what is left (at least one empty row).
    static func result<S: MessageSink>(bytes: Int, key: UInt64, into s: inout S) {
        let fixed = rowDescriptionLength + 6
        var rows = max(1, min(1_000, (bytes - fixed) / 150))
        var payload = bytes - fixed - commandCompleteLength(rows: rows) - rows * rowOverhead
        if payload < 0 {
            rows = 1
            payload = max(0, bytes - fixed - commandCompleteLength(rows: 1) - rowOverhead)
        }
        s.byte(UInt8(ascii: "T"))
        s.int32(rowDescriptionLength - 1)
        s.int16(columns.count)
        for (k, c) in columns.enumerated() {
            s.cString(c.name)
            s.int32(16_384) // table OID
            s.int16(k + 1) // attribute number
            s.int32(c.type)
            s.int16(c.size)
            s.int32(-1) // type modifier
            s.int16(0) // text format
        }
        for r in 0..<rows {
            let n = payload / rows + (r < payload % rows ? 1 : 0)
            s.byte(UInt8(ascii: "D"))
            s.int32(rowOverhead - 1 + n)
            s.int16(3)
            s.int32(12)
            s.decimal((key &+ UInt64(r)) % 1_000_000_000_000, width: 12)
            s.int32(3)
            s.utf8("NEW")
            s.int32(n)
            letters(n, seed: key &+ UInt64(r), into: &s)
        }
        s.byte(UInt8(ascii: "C"))
        s.int32(commandCompleteLength(rows: rows) - 1)
        s.utf8("SELECT ")
        s.decimal(rows)
        s.byte(0)
        s.readyForQuery()
    }

    static func letters<S: MessageSink>(_ n: Int, seed: UInt64, into s: inout S) { s.letters(n, seed: seed) }
}
