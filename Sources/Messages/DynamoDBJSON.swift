import SimCore

/// DynamoDB JSON bodies
/// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html):
/// requests as botocore serializes them (`json.dumps`, ", " and ": " separators) or compact as the
/// other SDKs do (``SDKHTTPDialect``), responses as
/// DynamoDB writes them (compact). An item is an order: `{"pk": {"S": "order#<12 digits>"}`, then
/// as many of `customerId`, `status`, `total`, `currency` and `lineItems` as fit (their values and
/// lengths drawn from the key, so they differ from order to order), then `"data": {"S":
/// "<filler>"}}`, the filler sized so the item's JSON is exactly the call's `itemBytes` (never
/// less than the item with an empty filler). The attribute names are ASSUMED (an order table as
/// AWS's own examples sketch one); the seed documents give none.
enum DynamoDBJSON {
    static func requestBody<S: MessageSink>(
        _ c: DynamoDBCall, key: UInt64, dialect: SDKHTTPDialect = .botocore, into s: inout S
    ) {
        guard dialect.compactBody else { return botocoreBody(c, key: key, into: &s) }
        // The members each operation sends, in the SDK's order: the model's (TableName first,
        // Java) or alphabetical (aws-sdk-js v3 and Go's generated serializers).
        var members: [Member] =
            switch c.operation {
            case .putItem: [.table, .item]
            case .getItem: c.consistentRead ? [.table, .key, .consistentRead] : [.table, .key]
            case .deleteItem: [.table, .key]
            case .updateItem: [.table, .key, .updateExpression, .names, .updateValues]
            case .query:
                c.consistentRead
                    ? [.table, .consistentRead, .keyCondition, .queryValues] : [.table, .keyCondition, .queryValues]
            }
        if dialect.alphabeticalMembers { members.sort { $0.name < $1.name } }
        s.byte(UInt8(ascii: "{"))
        for (i, m) in members.enumerated() {
            if i > 0 { s.byte(UInt8(ascii: ",")) }
            s.byte(UInt8(ascii: "\""))
            s.utf8(m.name)
            s.utf8("\":")
            switch m {
            case .table:
                s.byte(UInt8(ascii: "\""))
                s.utf8(c.table)
                s.byte(UInt8(ascii: "\""))
            case .item: requestItemCompact(c.itemBytes, key: key, keyFirst: dialect.itemKeyFirst, into: &s)
            case .key: keyJSON(key, compact: true, into: &s)
            case .consistentRead: s.utf8("true")
            case .updateExpression: s.utf8(#""SET #s = :s""#)
            case .names: s.utf8(##"{"#s":"status"}"##)
            case .updateValues: s.utf8(#"{":s":{"S":"SHIPPED"}}"#)
            case .keyCondition: s.utf8(#""pk = :pk""#)
            case .queryValues:
                s.utf8(#"{":pk":{"S":"customer#"#)
                s.decimal(key % 1_000_000_000_000, width: 12)
                s.utf8(#""}}"#)
            }
        }
        s.byte(UInt8(ascii: "}"))
    }

    /// A request member of the compact bodies.
    enum Member {
        case table, item, key, consistentRead, updateExpression, names, updateValues, keyCondition, queryValues
        var name: String {
            switch self {
            case .table: "TableName"
            case .item: "Item"
            case .key: "Key"
            case .consistentRead: "ConsistentRead"
            case .updateExpression: "UpdateExpression"
            case .names: "ExpressionAttributeNames"
            case .updateValues, .queryValues: "ExpressionAttributeValues"
            case .keyCondition: "KeyConditionExpression"
            }
        }
    }

    /// A compact item in a request: the same attributes and values as botocore's (the handler
    /// writes the same item whatever its SDK; `item-bytes` sizes it as botocore lays it out), the
    /// key attribute first when the SDK keeps the handler's order, else `data` first.
    static func requestItemCompact<S: MessageSink>(_ bytes: Int, key: UInt64, keyFirst: Bool, into s: inout S) {
        let attributes = OrderAttributes(key: key, bytes: bytes)
        let filler = max(0, bytes - minimumItem(compact: false) - attributes.length(compact: false))
        if keyFirst {
            s.utf8(#"{"pk":{"S":"order#"#)
            s.decimal(key % 1_000_000_000_000, width: 12)
            s.utf8(#""}"#)
            attributes.write(compact: true, into: &s)
            s.utf8(#","data":{"S":""#)
            fill(filler, key: key, into: &s)
            s.utf8(#""}}"#)
        } else {
            s.utf8(#"{"data":{"S":""#)
            fill(filler, key: key, into: &s)
            s.utf8(#""}"#)
            attributes.write(compact: true, into: &s)
            s.utf8(#","pk":{"S":"order#"#)
            s.decimal(key % 1_000_000_000_000, width: 12)
            s.utf8(#""}}"#)
        }
    }

    static func botocoreBody<S: MessageSink>(_ c: DynamoDBCall, key: UInt64, into s: inout S) {
        s.utf8(#"{"TableName": ""#)
        s.utf8(c.table)
        s.byte(UInt8(ascii: "\""))
        switch c.operation {
        case .putItem:
            s.utf8(#", "Item": "#)
            item(c.itemBytes, key: key, compact: false, into: &s)
        case .getItem:
            s.utf8(#", "Key": "#)
            keyJSON(key, compact: false, into: &s)
            if c.consistentRead { s.utf8(#", "ConsistentRead": true"#) }
        case .deleteItem:
            s.utf8(#", "Key": "#)
            keyJSON(key, compact: false, into: &s)
        case .updateItem:
            s.utf8(#", "Key": "#)
            keyJSON(key, compact: false, into: &s)
            s.utf8(##", "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"}, "##)
            s.utf8(#""ExpressionAttributeValues": {":s": {"S": "SHIPPED"}}"#)
        case .query:
            s.utf8(#", "KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": {"S": "customer#"#)
            s.decimal(key % 1_000_000_000_000, width: 12)
            s.utf8(#""}}"#)
            if c.consistentRead { s.utf8(#", "ConsistentRead": true"#) }
        }
        s.byte(UInt8(ascii: "}"))
    }

    static func responseBody<S: MessageSink>(_ c: DynamoDBCall, key: UInt64, into s: inout S) {
        switch c.operation {
        case .putItem, .updateItem, .deleteItem:
            s.utf8("{}")
        case .getItem:
            s.utf8(#"{"Item":"#)
            item(c.itemBytes, key: key, compact: true, into: &s)
            s.byte(UInt8(ascii: "}"))
        case .query:
            s.utf8(#"{"Count":"#)
            s.decimal(c.resultItems)
            s.utf8(#","Items":["#)
            for i in 0..<c.resultItems {
                if i > 0 { s.byte(UInt8(ascii: ",")) }
                item(c.itemBytes, key: key &+ UInt64(i), compact: true, into: &s)
            }
            s.utf8(#"],"ScannedCount":"#)
            s.decimal(c.resultItems)
            s.byte(UInt8(ascii: "}"))
        }
    }

    static func error<S: MessageSink>(_ e: DynamoDBError, into s: inout S) {
        s.utf8(#"{"__type":"com.amazonaws.dynamodb.v20120810#"#)
        s.utf8(e.name)
        s.utf8(#"","message":""#)
        s.utf8(e.message)
        s.utf8(#""}"#)
    }

    static func keyJSON<S: MessageSink>(_ key: UInt64, compact: Bool, into s: inout S) {
        s.utf8(compact ? #"{"pk":{"S":"order#"# : #"{"pk": {"S": "order#"#)
        s.decimal(key % 1_000_000_000_000, width: 12)
        s.utf8(#""}}"#)
    }

    /// The bytes of an item whose filler is empty.
    static func minimumItem(compact: Bool) -> Int { compact ? 49 : 54 }

    /// An item of exactly `bytes` bytes (or the minimum): key, then a `data` string of filler
    /// letters drawn from the key (compact: `data` first, as DynamoDB orders these two).
    static func item<S: MessageSink>(_ bytes: Int, key: UInt64, compact: Bool, into s: inout S) {
        let attributes = OrderAttributes(key: key, bytes: bytes)
        let filler = max(0, bytes - minimumItem(compact: compact) - attributes.length(compact: compact))
        if compact {
            s.utf8(#"{"data":{"S":""#)
            fill(filler, key: key, into: &s)
            s.utf8(#""}"#)
            attributes.write(compact: true, into: &s)
            s.utf8(#","pk":{"S":"order#"#)
            s.decimal(key % 1_000_000_000_000, width: 12)
            s.utf8(#""}}"#)
        } else {
            s.utf8(#"{"pk": {"S": "order#"#)
            s.decimal(key % 1_000_000_000_000, width: 12)
            s.utf8(#""}"#)
            attributes.write(compact: false, into: &s)
            s.utf8(#", "data": {"S": ""#)
            fill(filler, key: key, into: &s)
            s.utf8(#""}}"#)
        }
    }

    static func fill<S: MessageSink>(_ n: Int, key: UInt64, into s: inout S) { s.letters(n, seed: key ^ 0xDA7A) }
}

/// An order item's attributes besides its key and `data`: their values drawn from the order's
/// key (so a retried or re-read item carries the same ones), included in order while they fit
/// in the item's size as botocore lays it out (so the compact layouts fit too).
struct OrderAttributes {
    static let names = ["customerId", "status", "total", "currency", "lineItems"]
    static let statuses = ["PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "RETURNED"]
    static let currencies = ["USD", "EUR", "GBP", "JPY", "CAD"]
    let bits: UInt64
    /// How many of `names` the item carries.
    private(set) var count = 0

    init(key: UInt64, bytes: Int) {
        bits = SplitMix64.mix(key ^ 0x0DE2_17E4)
        var used = DynamoDBJSON.minimumItem(compact: false)
        while count < Self.names.count {
            let n = attributeLength(count, compact: false)
            guard used + n <= bytes else { break }
            used += n
            count += 1
        }
    }

    func attributeLength(_ i: Int, compact: Bool) -> Int {
        var c = CountingSink()
        attribute(i, compact: compact, into: &c)
        return c.count
    }

    /// The bytes the included attributes add to the item.
    func length(compact: Bool) -> Int { (0..<count).reduce(0) { $0 + attributeLength($1, compact: compact) } }

    func write<S: MessageSink>(compact: Bool, into s: inout S) {
        for i in 0..<count { attribute(i, compact: compact, into: &s) }
    }

    /// `, "name": {"T": "value"}` (compact: without the spaces).
    func attribute<S: MessageSink>(_ i: Int, compact: Bool, into s: inout S) {
        let number = i == 2 || i == 4
        s.utf8(compact ? ",\"" : ", \"")
        s.utf8(Self.names[i])
        s.utf8(compact ? "\":{\"" : "\": {\"")
        s.utf8(number ? "N" : "S")
        s.utf8(compact ? "\":\"" : "\": \"")
        switch i {
        case 0:
            s.utf8("customer#")
            let digits = 6 + Int(bits % 5)
            s.decimal(bits >> 20, width: digits)
        case 1: s.utf8(Self.statuses[Int((bits >> 8) % UInt64(Self.statuses.count))])
        case 2:
            // 1 to 5 digits before the point, never a leading zero.
            var p: UInt64 = 1
            for _ in 0..<((bits >> 12) % 5) { p *= 10 }
            s.decimal(p + (bits >> 24) % (9 * p))
            s.byte(UInt8(ascii: "."))
            s.decimal((bits >> 40) % 100, width: 2)
        case 3: s.utf8(Self.currencies[Int((bits >> 48) % UInt64(Self.currencies.count))])
        default: s.decimal(1 + (bits >> 56) % 12)
        }
        s.utf8("\"}")
    }
}
