import Wire

/// The strings, bytes and addresses that payloads and outputs refer to by index: server and DNS
/// names, literal payloads, addresses a payload names (a neighbor-discovery target, an AAAA
/// answer: 16 bytes a payload should not carry inline), and which AWS service owns which public
/// ranges.
///
/// The network carries it (``Network/catalog``) but never reads it: forwarding, filtering and
/// translation see only indices. Applications intern what they send (Workloads), the loader adds
/// the address ranges (Topology), and captures look entries up to render bytes and flow-log
/// fields (Capture). Interning is idempotent and indices are dense, in order of first use.
public struct NameCatalog: Sendable {
    /// Interned names by ``NameIndex``.
    public private(set) var names: [String] = []
    /// Interned literal payloads by ``TextIndex``.
    public private(set) var texts: [[UInt8]] = []
    /// Interned addresses by ``AddressIndex``.
    public private(set) var addresses: [IPAddress] = []
    /// Public address ranges by ip-ranges.json service subset (e.g. DYNAMODB, S3, AMAZON), for
    /// flow logs' `pkt-src-aws-service` / `pkt-dst-aws-service`
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html).
    public var awsServiceRanges: [(range: CIDR, service: String)] = []
    var nameIndices: [String: NameIndex] = [:]
    var textIndices: [[UInt8]: TextIndex] = [:]
    var addressIndices: [IPAddress: AddressIndex] = [:]
    /// Interned ordered lists of IPv4 addresses by ``AnswerListIndex`` (a DNS answer's A records).
    public private(set) var answerLists: [[IPv4Address]] = []
    var answerListIndices: [[IPv4Address]: AnswerListIndex] = [:]
    /// The session tickets resumed ClientHellos offer, by 1-based index (a hello's `offer`): a
    /// capture adds them to its copy as the observation log brings them; the model only counts.
    public private(set) var resumptionOffers: [TLSResumptionOffer] = []

    public init() {}

    /// Adds the ticket a resumed ClientHello offers; returns its 1-based index.
    public mutating func add(offer: TLSResumptionOffer) -> UInt32 {
        resumptionOffers.append(offer)
        return UInt32(resumptionOffers.count)
    }

    /// The offer of 1-based index `i` (nil for 0, a full handshake).
    public func offer(_ i: UInt32) -> TLSResumptionOffer? {
        i > 0 && Int(i) <= resumptionOffers.count ? resumptionOffers[Int(i) - 1] : nil
    }

    /// The index of `name`, added if new.
    public mutating func intern(name: String) -> NameIndex {
        if let i = nameIndices[name] { return i }
        let i = NameIndex(names.count)
        names.append(name)
        nameIndices[name] = i
        return i
    }

    /// The index of a literal payload, added if new.
    public mutating func intern(text: String) -> TextIndex {
        let bytes = Array(text.utf8)
        if let i = textIndices[bytes] { return i }
        let i = TextIndex(texts.count)
        texts.append(bytes)
        textIndices[bytes] = i
        return i
    }

    /// The index of an address, added if new.
    public mutating func intern(address: IPAddress) -> AddressIndex {
        if let i = addressIndices[address] { return i }
        let i = AddressIndex(addresses.count)
        addresses.append(address)
        addressIndices[address] = i
        return i
    }

    /// The index of an ordered list of IPv4 addresses, added if new (one per order a resolver
    /// gives them in: a handful per name).
    public mutating func intern(answers: [IPv4Address]) -> AnswerListIndex {
        if let i = answerListIndices[answers] { return i }
        let i = AnswerListIndex(answerLists.count)
        answerLists.append(answers)
        answerListIndices[answers] = i
        return i
    }

    /// The list at `i` (empty for an index never interned).
    public func answers(_ i: AnswerListIndex) -> [IPv4Address] { i.int < answerLists.count ? answerLists[i.int] : [] }

    /// The address at `i` (`::` for an index never interned).
    public func address(_ i: AddressIndex) -> IPAddress { i.int < addresses.count ? addresses[i.int] : .anyIPv6 }

    /// The name at `i` ("unknown.invalid" for an index never interned, RFC 6761 §6.4).
    public func name(_ i: NameIndex) -> String { i.int < names.count ? names[i.int] : "unknown.invalid" }

    /// The bytes of a literal payload (empty for an index never interned).
    public func text(_ i: TextIndex) -> [UInt8] { i.int < texts.count ? texts[i.int] : [] }
}
