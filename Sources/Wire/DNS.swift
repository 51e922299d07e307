// DNS messages, RFC 1035 §4 — enough for a stub resolver exchange: one question, A / AAAA /
// CNAME answers (other types carried as opaque RDATA), header flags (RFC 1035 §4.1.1, AD/CD
// from RFC 4035 §3.2), and name compression (RFC 1035 §4.1.4) as real resolvers write it:
// an answer for the queried name is written as the pointer C0 0C.

/// The 16-bit flags word of the DNS header (RFC 1035 §4.1.1).
public struct DNSFlags: Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    static let qrBit: UInt16 = 0x8000
    static let aaBit: UInt16 = 0x0400
    static let tcBit: UInt16 = 0x0200
    static let rdBit: UInt16 = 0x0100
    static let raBit: UInt16 = 0x0080
    static let adBit: UInt16 = 0x0020
    static let cdBit: UInt16 = 0x0010

    /// A standard query with recursion desired (0x0100), as glibc and dig send.
    public static let query = DNSFlags(rawValue: rdBit)
    /// A recursive resolver's answer: QR, RD, RA and the given RCODE (0x8180 | rcode).
    public static func response(rcode: UInt8 = 0) -> DNSFlags {
        DNSFlags(rawValue: qrBit | rdBit | raBit | UInt16(rcode & 0x0F))
    }

    func bit(_ mask: UInt16) -> Bool { rawValue & mask != 0 }
    mutating func set(_ mask: UInt16, _ on: Bool) {
        if on { rawValue |= mask } else { rawValue &= ~mask }
    }

    public var isResponse: Bool {
        get { bit(Self.qrBit) }
        set { set(Self.qrBit, newValue) }
    }
    public var opcode: UInt8 {
        get { UInt8(truncatingIfNeeded: rawValue >> 11) & 0x0F }
        set { rawValue = rawValue & ~0x7800 | UInt16(newValue & 0x0F) << 11 }
    }
    public var authoritative: Bool {
        get { bit(Self.aaBit) }
        set { set(Self.aaBit, newValue) }
    }
    public var truncated: Bool {
        get { bit(Self.tcBit) }
        set { set(Self.tcBit, newValue) }
    }
    public var recursionDesired: Bool {
        get { bit(Self.rdBit) }
        set { set(Self.rdBit, newValue) }
    }
    public var recursionAvailable: Bool {
        get { bit(Self.raBit) }
        set { set(Self.raBit, newValue) }
    }
    public var authenticData: Bool {
        get { bit(Self.adBit) }
        set { set(Self.adBit, newValue) }
    }
    public var checkingDisabled: Bool {
        get { bit(Self.cdBit) }
        set { set(Self.cdBit, newValue) }
    }
    /// 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED.
    public var rcode: UInt8 {
        get { UInt8(truncatingIfNeeded: rawValue) & 0x0F }
        set { rawValue = rawValue & ~0x000F | UInt16(newValue & 0x0F) }
    }
}

/// RR TYPE values (RFC 1035 §3.2.2, RFC 3596 for AAAA, RFC 6891 for OPT).
public enum DNSType {
    public static let a: UInt16 = 1
    public static let ns: UInt16 = 2
    public static let cname: UInt16 = 5
    public static let soa: UInt16 = 6
    public static let ptr: UInt16 = 12
    public static let txt: UInt16 = 16
    public static let aaaa: UInt16 = 28
    public static let opt: UInt16 = 41
}

/// Class IN (RFC 1035 §3.2.4).
public enum DNSClass {
    public static let internet: UInt16 = 1
}

/// Domain names are held as dotted text without the trailing dot ("" is the root).
@usableFromInline
func dnsCanonicalName(_ name: String) -> String {
    var n = name
    while n.utf8.last == UInt8(ascii: ".") { n.removeLast() }
    return n
}

public struct DNSQuestion: Hashable, Sendable {
    public var name: String
    public var type: UInt16
    public var qclass: UInt16

    public init(name: String, type: UInt16 = DNSType.a, qclass: UInt16 = DNSClass.internet) {
        self.name = dnsCanonicalName(name)
        self.type = type
        self.qclass = qclass
    }
}

public enum DNSRecordData: Hashable, Sendable {
    case a(IPv4Address)
    /// 16 bytes, network order (RFC 3596).
    case aaaa([UInt8])
    case cname(String)
    /// Any other type, RDATA kept verbatim (names inside it are not decompressed).
    case other(type: UInt16, rdata: [UInt8])

    public var type: UInt16 {
        switch self {
        case .a: DNSType.a
        case .aaaa: DNSType.aaaa
        case .cname: DNSType.cname
        case .other(let type, _): type
        }
    }
}

public struct DNSRecord: Hashable, Sendable {
    public var name: String
    public var rrClass: UInt16
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: String, rrClass: UInt16 = DNSClass.internet, ttl: UInt32, data: DNSRecordData) {
        self.name = dnsCanonicalName(name)
        self.rrClass = rrClass
        self.ttl = ttl
        if case .cname(let target) = data {
            self.data = .cname(dnsCanonicalName(target))
        } else {
            self.data = data
        }
    }

    public var type: UInt16 { data.type }
}

/// Where bytes go while a message is laid out: counted (for `encodedLength`) or written.
@usableFromInline
protocol DNSSink {
    var position: Int { get }
    mutating func u8(_ v: UInt8)
    mutating func u16(_ v: UInt16)
    mutating func u32(_ v: UInt32)
    mutating func bytes(_ p: UnsafeRawBufferPointer)
    func patch16(at position: Int, _ v: UInt16)
}

@usableFromInline
struct DNSCountingSink: DNSSink {
    @usableFromInline var position = 0
    @usableFromInline init() {}
    @usableFromInline mutating func u8(_ v: UInt8) { position += 1 }
    @usableFromInline mutating func u16(_ v: UInt16) { position += 2 }
    @usableFromInline mutating func u32(_ v: UInt32) { position += 4 }
    @usableFromInline mutating func bytes(_ p: UnsafeRawBufferPointer) { position += p.count }
    @usableFromInline func patch16(at position: Int, _ v: UInt16) {}
}

@usableFromInline
struct DNSWriterSink: DNSSink {
    @usableFromInline var writer: ByteWriter
    @usableFromInline let start: Int
    @usableFromInline init(_ writer: ByteWriter) { self.writer = writer; start = writer.offset }
    /// Offset from the start of the DNS message (what compression pointers count from).
    @usableFromInline var position: Int { writer.offset - start }
    @usableFromInline mutating func u8(_ v: UInt8) { writer.u8(v) }
    @usableFromInline mutating func u16(_ v: UInt16) { writer.u16(v) }
    @usableFromInline mutating func u32(_ v: UInt32) { writer.u32(v) }
    @usableFromInline mutating func bytes(_ p: UnsafeRawBufferPointer) { writer.bytes(p) }
    @usableFromInline func patch16(at position: Int, _ v: UInt16) { writer.patch16(at: start + position, v) }
}

/// A DNS message with at most one question (RFC 1035 §4.1).
public struct DNSMessage: Hashable, Sendable {
    public enum Field {
        public static let id = 0
        public static let flags = 2
        public static let questionCount = 4
        public static let answerCount = 6
        public static let authorityCount = 8
        public static let additionalCount = 10
        public static let question = 12
    }
    public static let headerLength = 12
    /// Pointer to offset 12, the question name: how resolvers write the answer owner name.
    public static let questionNamePointer: UInt16 = 0xC00C
    static let maximumNameLength = 255
    static let maximumCompressionEntries = 64

    public var id: UInt16
    public var flags: DNSFlags
    public var question: DNSQuestion?
    public var answers: [DNSRecord]
    public var authorities: [DNSRecord]
    public var additionals: [DNSRecord]

    public init(
        id: UInt16, flags: DNSFlags, question: DNSQuestion?, answers: [DNSRecord] = [],
        authorities: [DNSRecord] = [], additionals: [DNSRecord] = []
    ) {
        self.id = id
        self.flags = flags
        self.question = question
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
    }

    /// A recursive query for `name` (RD set), as a stub resolver sends it.
    public static func query(id: UInt16, name: String, type: UInt16 = DNSType.a) -> DNSMessage {
        DNSMessage(id: id, flags: .query, question: DNSQuestion(name: name, type: type))
    }

    /// The answer to `query` from a recursive resolver (QR RD RA, question echoed).
    public static func response(to query: DNSMessage, rcode: UInt8 = 0, answers: [DNSRecord]) -> DNSMessage {
        var flags = DNSFlags.response(rcode: rcode)
        flags.recursionDesired = query.flags.recursionDesired
        return DNSMessage(id: query.id, flags: flags, question: query.question, answers: answers)
    }

    public var encodedLength: Int {
        var sink = DNSCountingSink()
        serialize(into: &sink)
        return sink.position
    }

    public func encode(into writer: inout ByteWriter) {
        writer.require(encodedLength)
        var sink = DNSWriterSink(writer)
        serialize(into: &sink)
        writer = sink.writer
    }

    // MARK: layout

    /// The name in compression slot `slot`: 0 is the question; record i (answers, then
    /// authorities, then additionals) has its owner at 1 + 2i and its CNAME target at 2 + 2i.
    func name(inSlot slot: Int) -> String {
        if slot == 0 { return question?.name ?? "" }
        let i = (slot - 1) / 2
        let record = record(at: i)
        if (slot - 1) % 2 == 0 { return record.name }
        if case .cname(let target) = record.data { return target }
        return ""
    }

    func record(at i: Int) -> DNSRecord {
        if i < answers.count { return answers[i] }
        if i < answers.count + authorities.count { return authorities[i - answers.count] }
        return additionals[i - answers.count - authorities.count]
    }

    func serialize<S: DNSSink>(into sink: inout S) {
        precondition(answers.count <= 0xFFFF && authorities.count <= 0xFFFF && additionals.count <= 0xFFFF)
        // Compression table: (slot, utf8 offset of a label start in that name, message offset).
        withUnsafeTemporaryAllocation(of: (Int, Int, Int).self, capacity: Self.maximumCompressionEntries) { table in
            var used = 0
            sink.u16(id)
            sink.u16(flags.rawValue)
            sink.u16(question == nil ? 0 : 1)
            sink.u16(UInt16(answers.count))
            sink.u16(UInt16(authorities.count))
            sink.u16(UInt16(additionals.count))
            if let question {
                writeName(slot: 0, into: &sink, table: table, used: &used)
                sink.u16(question.type)
                sink.u16(question.qclass)
            }
            let total = answers.count + authorities.count + additionals.count
            for i in 0..<total {
                let record = record(at: i)
                writeName(slot: 1 + 2 * i, into: &sink, table: table, used: &used)
                sink.u16(record.type)
                sink.u16(record.rrClass)
                sink.u32(record.ttl)
                let lengthAt = sink.position
                sink.u16(0)
                switch record.data {
                case .a(let address):
                    sink.u32(address.raw)
                case .aaaa(let bytes):
                    precondition(bytes.count == 16, "AAAA data must be 16 bytes")
                    bytes.withUnsafeBytes { sink.bytes($0) }
                case .cname:
                    writeName(slot: 2 + 2 * i, into: &sink, table: table, used: &used)
                case .other(_, let rdata):
                    precondition(rdata.count <= 0xFFFF, "RDATA too long")
                    rdata.withUnsafeBytes { sink.bytes($0) }
                }
                let rdlength = sink.position - lengthAt - 2
                sink.patch16(at: lengthAt, UInt16(rdlength))
            }
        }
    }

    /// Writes the name in `slot`, replacing its longest suffix already present in the message
    /// by a compression pointer (RFC 1035 §4.1.4), and records its literal labels for reuse.
    func writeName<S: DNSSink>(
        slot: Int, into sink: inout S,
        table: UnsafeMutableBufferPointer<(Int, Int, Int)>, used: inout Int
    ) {
        var name = self.name(inSlot: slot)
        name.withUTF8 { utf8 in
            precondition(utf8.count < Self.maximumNameLength, "DNS name too long")
            var labelStart = 0
            while labelStart < utf8.count {
                // Longest previously written suffix equal to utf8[labelStart...]?
                for e in 0..<used {
                    let (otherSlot, otherStart, offset) = table[e]
                    var other = self.name(inSlot: otherSlot)
                    let same = other.withUTF8 { o in
                        Self.equalIgnoringASCIICase(
                            UnsafeBufferPointer(rebasing: utf8[labelStart...]),
                            UnsafeBufferPointer(rebasing: o[otherStart...]))
                    }
                    if same {
                        sink.u16(0xC000 | UInt16(offset))
                        return
                    }
                }
                var labelEnd = labelStart
                while labelEnd < utf8.count && utf8[labelEnd] != UInt8(ascii: ".") { labelEnd += 1 }
                let labelLength = labelEnd - labelStart
                precondition(labelLength >= 1 && labelLength <= 63, "DNS label length \(labelLength) outside 1...63")
                if used < table.count && sink.position < 0x3FFF {
                    table[used] = (slot, labelStart, sink.position)
                    used += 1
                }
                sink.u8(UInt8(labelLength))
                sink.bytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[labelStart..<labelEnd]))
                labelStart = labelEnd + 1
            }
            sink.u8(0)
        }
    }

    static func equalIgnoringASCIICase(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count {
            var x = a[i], y = b[i]
            if x >= 0x41 && x <= 0x5A { x |= 0x20 }
            if y >= 0x41 && y <= 0x5A { y |= 0x20 }
            if x != y { return false }
        }
        return true
    }

    // MARK: parsing

    /// Parses a whole message (`message` must be exactly the DNS payload). Checks counts against
    /// the data, label and pointer validity (pointers must point backwards, names <= 255 bytes),
    /// RDATA lengths (A = 4, AAAA = 16, CNAME exactly one name), and that no bytes trail the
    /// last record.
    public init(parsing message: UnsafeRawBufferPointer) throws(WireError) {
        var r = ByteReader(message)
        try r.need(Self.headerLength)
        id = try r.u16()
        flags = DNSFlags(rawValue: try r.u16())
        let qd = try r.u16(), an = try r.u16(), ns = try r.u16(), ar = try r.u16()
        guard qd <= 1 else { throw .malformed("DNS question count \(qd) (only 1 supported)") }
        if qd == 1 {
            let name = try Self.readName(&r)
            question = DNSQuestion(name: name, type: try r.u16(), qclass: try r.u16())
        } else {
            question = nil
        }
        answers = []
        authorities = []
        additionals = []
        for _ in 0..<an { answers.append(try Self.readRecord(&r)) }
        for _ in 0..<ns { authorities.append(try Self.readRecord(&r)) }
        for _ in 0..<ar { additionals.append(try Self.readRecord(&r)) }
        guard r.isAtEnd else { throw .badLength(message.count) }
    }

    public init(parsing bytes: [UInt8]) throws(WireError) {
        let result: Result<DNSMessage, WireError> = bytes.withUnsafeBytes { raw in
            do throws(WireError) { return .success(try DNSMessage(parsing: raw)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    static func readRecord(_ r: inout ByteReader) throws(WireError) -> DNSRecord {
        let name = try readName(&r)
        let type = try r.u16()
        let rrClass = try r.u16()
        let ttl = try r.u32()
        let rdlength = Int(try r.u16())
        try r.need(rdlength)
        let rdataEnd = r.offset + rdlength
        let data: DNSRecordData
        switch type {
        case DNSType.a:
            guard rdlength == 4 else { throw .malformed("A RDATA length \(rdlength)") }
            data = .a(IPv4Address(raw: try r.u32()))
        case DNSType.aaaa:
            guard rdlength == 16 else { throw .malformed("AAAA RDATA length \(rdlength)") }
            data = .aaaa(try r.array(16))
        case DNSType.cname:
            data = .cname(try readName(&r))
            guard r.offset == rdataEnd else { throw .malformed("CNAME RDATA length \(rdlength)") }
        default:
            data = .other(type: type, rdata: try r.array(rdlength))
        }
        return DNSRecord(name: name, rrClass: rrClass, ttl: ttl, data: data)
    }

    /// Reads a possibly compressed name; the reader ends after the name's in-place bytes.
    static func readName(_ r: inout ByteReader) throws(WireError) -> String {
        var text: [UInt8] = []
        var wireLength = 1
        var cursor = r
        var resumeAt: Int? = nil
        var lowestPointerTarget = r.offset
        while true {
            let labelAt = cursor.offset
            let length = try cursor.u8()
            if length == 0 { break }
            switch length & 0xC0 {
            case 0xC0:
                let target = Int(length & 0x3F) << 8 | Int(try cursor.u8())
                if resumeAt == nil { resumeAt = cursor.offset }
                // Strictly backwards from every label followed so far: guarantees termination.
                guard target < lowestPointerTarget, target < labelAt else {
                    throw .malformed("DNS compression pointer to \(target) from \(labelAt)")
                }
                lowestPointerTarget = target
                try cursor.seek(to: target)
            case 0x00:
                let label = try cursor.bytes(Int(length))
                wireLength += Int(length) + 1
                guard wireLength <= maximumNameLength else { throw .malformed("DNS name longer than 255") }
                if !text.isEmpty { text.append(UInt8(ascii: ".")) }
                text.append(contentsOf: label)
            default:
                throw .malformed("DNS label type \(length >> 6)")
            }
        }
        if let resumeAt {
            try r.seek(to: resumeAt)
        } else {
            r = cursor
        }
        return String(decoding: text, as: UTF8.self)
    }
}
