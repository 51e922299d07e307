import Wire

public enum NameTag {}
public enum TextTag {}
public enum AddressTag {}
public enum AnswerListTag {}
/// A name interned in the ``NameCatalog``: a TLS server name or a DNS name.
public typealias NameIndex = Index<NameTag>
/// A literal payload interned in the ``NameCatalog``.
public typealias TextIndex = Index<TextTag>
/// An address interned in the ``NameCatalog``.
public typealias AddressIndex = Index<AddressTag>
/// An ordered list of IPv4 addresses interned in the ``NameCatalog``.
public typealias AnswerListIndex = Index<AnswerListTag>

/// The end of a TCP connection that wrote a byte stream.
public enum StreamOrigin: UInt8, Hashable, Sendable {
    /// The end that sent the SYN.
    case initiator = 0
    /// The end that accepted it.
    case responder = 1
}

/// One direction of one TCP connection: the byte stream a segment's payload is a slice of.
public struct StreamID: Hashable, Sendable {
    /// The connection's simulation tag (``Packet/connection``).
    public var connection: UInt32
    public var origin: StreamOrigin
    @inlinable public init(connection: UInt32, origin: StreamOrigin) {
        self.connection = connection; self.origin = origin
    }
}

/// What a run of payload bytes is: the one vocabulary for datagram payloads and for the chunks of
/// TCP byte streams, so a capture can materialise bytes the model never holds.
///
/// A datagram carries its own description in ``Packet/payload``. A TCP segment carries
/// ``stream(_:offset:)``, the range of its sender's byte stream; what that stream holds is said
/// by the ``StreamChunk``s the transport appends to the observation log as the application
/// writes, each with a description from this same vocabulary. Names and literal bytes are
/// indices into the ``NameCatalog``. Every case is a few plain integers: a payload is copied with
/// its packet, never allocated.
///
/// Adding a payload kind: a case here, the model code that sends it (with its length taken from
/// the Wire value that encodes it), and its rendering in Capture's Frames.swift.
public enum Payload: Hashable, Sendable {
    /// No payload bytes (or bytes nobody will render).
    case none
    /// Bytes `offset...` of a TCP byte stream (stream offset 0 is the byte after the SYN).
    case stream(StreamID, offset: UInt64)
    /// Pseudo-random bytes: byte `i` is byte `i % 8` of SplitMix64(seed, i / 8)
    /// (``Wire/TLSCiphertext/fillBody(seed:from:count:into:)``).
    case opaque(seed: UInt64)
    /// ICMP echo data, pseudo-random as ``opaque(seed:)``.
    case icmpEcho(seed: UInt64)
    /// Literal bytes from the catalog (e.g. an HTTP exchange with instance metadata).
    case text(TextIndex)
    /// A DNS query (``PlatformMessages/dnsQuery(id:name:type:)``).
    case dnsQuery(id: UInt16, name: NameIndex, type: UInt16)
    /// A DNS response (``PlatformMessages/dnsResponse(id:name:type:answer:)``). An A record's
    /// answer is inline (4 bytes); an AAAA answer is DNS64's synthesis, the IPv4 address whose
    /// 64:ff9b::/96 form goes on the wire, so a payload stays 17 bytes.
    case dnsResponse(id: UInt16, name: NameIndex, type: UInt16, answer: IPv4Address?)
    /// A DNS response to an AAAA question with a record of the name's own IPv6 address (a
    /// service's dual-stack name), interned in the catalog
    /// (``PlatformMessages/dnsResponse(id:name:aaaa:)``).
    case dnsAAAAResponse(id: UInt16, name: NameIndex, answer: AddressIndex)
    /// A DNS response to an A question with several records, in the order the resolver gives
    /// them (an interface endpoint's name: one per endpoint ENI), interned in the catalog
    /// (``PlatformMessages/dnsResponse(id:name:answers:)``).
    case dnsAnswers(id: UInt16, name: NameIndex, answers: AnswerListIndex)
    /// An ICMPv6 neighbor solicitation for `target` (RFC 4861 §4.3), or the advertisement that
    /// answers it (§4.4; `router` sets the R flag). The link-layer address option is the sending
    /// interface's MAC, which a capture knows (``Wire/NeighborDiscoveryMessage``).
    case neighborDiscovery(target: AddressIndex, advertisement: Bool, router: Bool)
    /// NTPv4 (RFC 5905): `mode` 3 = client request, 4 = server reply; `transmitTime` is the
    /// request's transmit time (Unix ns), which a reply echoes as its origin timestamp.
    case ntp(mode: UInt8, transmitTime: Int64)
    /// DHCP for a VPC lease renewal: the client's DHCPREQUEST, or the server's DHCPACK
    /// (``PlatformMessages/dhcpRequest(transactionID:client:clientMAC:)``).
    case dhcp(transactionID: UInt32, isReply: Bool)
    /// A ClientHello record laid out by a registered client profile; the random, session id and
    /// key shares derive from `seed` (and the session id from the connection). A resuming hello
    /// names the ticket it offers (``NameCatalog/offer(_:)``, 1-based; 0 on a full handshake).
    case tlsClientHello(profile: TLSClientProfileID, serverName: NameIndex, seed: UInt32, offer: UInt32 = 0)
    /// A TLS 1.3 ServerHello record from a registered server profile, echoing the session id of a
    /// client of profile `client`; random and key share derive from `seed`; `resumed` when it
    /// accepts the hello's PSK.
    case tlsServerHello(profile: TLSServerProfileID, client: TLSClientProfileID, seed: UInt64, resumed: Bool = false)
    /// The middlebox-compatibility ChangeCipherSpec record (``Wire/TLSChangeCipherSpec``).
    case tlsChangeCipherSpec
    /// One TLS 1.3 protected record, header included, whose length is the chunk's; the body is
    /// pseudo-random from `seed`.
    case tlsCiphertext(seed: UInt64)
    /// A TLS record a capture rebuilds from the connection's real handshake (its hellos' chunks
    /// name the profiles, the server name and the seeds): a handshake message in clear or
    /// protected, or — in a decryptable run — protected application data or an alert.
    case tlsRecord(TLSRecordContent)
    /// PostgreSQL's SSLRequest (``Wire/PostgresSSLRequest``).
    case postgresSSLRequest
    /// The server's 'S' answer to it.
    case postgresSSLAccept
    /// An ICMP error's quote of the datagram it answers (RFC 792: its IP header and first 8
    /// bytes): the quoted packet went from the error's destination to its source, with these
    /// ports, sequence number (TCP), total length, IP ID, TTL and protocol
    /// (``ICMPQuote``).
    case icmpQuote(ICMPQuote)
    /// A whole HTTP/1.1 message in clear whose length is the chunk's (a load balancer's listener
    /// or target connection): Messages' `PlainHTTPMessage` lays it out from these fields.
    case httpMessage(HTTPMessageContent)

    /// The seed of pseudo-random filler for bytes described only by a seed (0 otherwise).
    @inlinable public var fillerSeed: UInt64 {
        switch self {
        case .opaque(let seed), .icmpEcho(let seed), .tlsCiphertext(let seed): return seed
        default: return 0
        }
    }
}

/// What an ICMP error quotes of the packet that caused it (14 bytes). Its addresses are the
/// error's own, reversed: a router answering "fragmentation needed" here sends from the
/// destination the packet was for (see `Network.pathMTUExceeded`), so a quote needs none.
public struct ICMPQuote: Hashable, Sendable {
    public var seq: UInt32
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var totalLength: UInt16
    public var ipID: UInt16
    public var ttl: UInt8
    public var protocolNumber: UInt8
    public init(of p: Packet) {
        seq = p.seq; sourcePort = p.sourcePort; destinationPort = p.destinationPort
        totalLength = UInt16(truncatingIfNeeded: p.ipTotalLength); ipID = p.ipID; ttl = p.ttl
        protocolNumber = p.protocolNumber
    }
    /// Bytes an IPv4 ICMP error carries after its 8-byte header: the quoted IPv4 header and
    /// the first 8 bytes of its payload (RFC 792, "Destination Unreachable Message").
    public static let ipv4Length = 28
    /// Bytes an ICMPv6 Packet Too Big carries after its 8-byte header here: the quoted IPv6
    /// header and the first 8 bytes of its payload. RFC 4443 §3.2 asks for "as much of invoking
    /// packet as possible" within 1280 bytes; Linux needs only these 48 to find the socket
    /// (net/ipv6/icmp.c `icmpv6_notify`). Assumed: AWS's gateways' quote length is not published.
    public static let ipv6Length = 48
}

/// What one TLS record of a ``Payload/tlsRecord(_:)`` chunk carries (13 bytes: a payload stays
/// a few plain integers).
public struct TLSRecordContent: Hashable, Sendable {
    public enum Kind: UInt8, Hashable, Sendable {
        /// A handshake message in clear (TLS 1.2): `message` is a ``Wire/TLSFlightMessage``.
        case plainHandshake = 0
        /// A handshake message under the handshake keys (TLS 1.3) or the first keys (TLS 1.2's
        /// Finished): `message` is a ``Wire/TLSFlightMessage``.
        case protectedHandshake = 1
        /// Application data: bytes `offset...` of the plaintext the application logged as
        /// message number `message` (the run's message log).
        case applicationData = 2
        /// An alert: `message` is its description (0, close_notify), level warning.
        case alert = 3
    }
    public var kind: Kind
    public var message: UInt32
    public var offset: UInt32
    /// The record's sequence number under its keys (RFC 8446 §5.3, RFC 5246 §6.1).
    public var sequence: UInt32

    @inlinable
    public init(kind: Kind, message: UInt32, offset: UInt32 = 0, sequence: UInt32) {
        self.kind = kind; self.message = message; self.offset = offset; self.sequence = sequence
    }
}

/// An HTTP/1.1 message in clear (16 bytes): its start line and first headers are a catalog text,
/// an X-Amzn-Trace-Id follows when `traceSeconds` is not 0, then Content-Type and Content-Length
/// headers and a body of filler letters from `seed` (Messages' `PlainHTTPMessage`).
public struct HTTPMessageContent: Hashable, Sendable {
    public var seed: UInt64
    public var prefix: TextIndex
    /// Unix seconds of the trace id's time field, 0 for none.
    public var traceSeconds: UInt32

    @inlinable
    public init(seed: UInt64, prefix: TextIndex, traceSeconds: UInt32 = 0) {
        self.seed = seed; self.prefix = prefix; self.traceSeconds = traceSeconds
    }
}
