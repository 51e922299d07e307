// The ClientHello (RFC 8446 §4.1.2) as a TLSClientProfile lays it out. One layout function
// serves both sizing and encoding: it writes into a sink that either counts or stores bytes, so
// a ClientHello's length is, by construction, the number of bytes its encoding writes.

/// One connection's ClientHello: a client profile plus the values that change per connection.
public struct TLSClientHello: Hashable, Sendable {
    public var profile: TLSClientProfile
    /// An empty name leaves out the server_name extension.
    public var serverName: String
    public var random: [UInt8]
    /// legacy_session_id: `profile.sessionIDLength` bytes.
    public var sessionID: [UInt8]
    /// key_exchange bytes of each key share, in the order of `profile.keyShareGroups`.
    public var keyShares: [[UInt8]]
    /// What else the client drew for this hello (GREASE, extension order, ECH GREASE).
    public var variation: TLSHelloVariation
    /// The session ticket the client offers to resume with (RFC 8446 §4.2.11), written as the
    /// pre_shared_key extension after every other extension; nil on a full handshake.
    public var psk: TLSOfferedPSK?

    public init(
        profile: TLSClientProfile, serverName: String, random: [UInt8], sessionID: [UInt8],
        keyShares: [[UInt8]], variation: TLSHelloVariation = .none, psk: TLSOfferedPSK? = nil
    ) {
        precondition(random.count == 32, "random must be 32 bytes")
        precondition(sessionID.count == profile.sessionIDLength, "session id must be \(profile.sessionIDLength) bytes")
        let groups = profile.keyShareGroups
        precondition(keyShares.count == groups.count, "one key share per group of the profile")
        for (share, group) in zip(keyShares, groups) {
            precondition(
                share.count == TLSNamedGroup.keyExchangeLength(group),
                "key share of group \(group) has the wrong size")
        }
        precondition(serverName.utf8.count <= 0xFFFF - 9, "server name too long")
        precondition(
            !profile.usesGrease || variation.grease.count == TLSGreaseSlot.allCases.count,
            "a GREASE profile needs a value per slot")
        precondition(
            variation.order.isEmpty || variation.order.count == profile.extensions.count,
            "an extension order lists every extension of the profile")
        precondition(
            psk == nil || profile.extensions.contains { $0.type == TLSExtensionType.pskKeyExchangeModes },
            "RFC 8446 §4.2.9: a client offering a PSK sends psk_key_exchange_modes")
        self.profile = profile
        self.variation = variation
        self.psk = psk
        self.serverName = serverName
        self.random = random
        self.sessionID = sessionID
        self.keyShares = keyShares
    }

    static func zeros(_ n: Int) -> [UInt8] { [UInt8](repeating: 0, count: n) }

    /// Lengths the layout needs before it writes: the Handshake message (type + 3-byte length +
    /// body), the extensions block, and the padding extension's body (nil: none written).
    struct Sizes {
        var handshake: Int
        var extensions: Int
        var padding: Int?
    }

    var sizes: Sizes {
        var prefix = TLSCountingSink()
        writePrefix(&prefix, sizes: Sizes(handshake: 0, extensions: 0, padding: nil))
        var unpadded = TLSCountingSink()
        writeExtensions(&unpadded, padding: nil)
        let beforeExtensions = prefix.position - TLSRecordHeader.length
        let hasSlot = profile.extensions.contains(.padding)
        let unpaddedHandshake = beforeExtensions + unpadded.position
        let padding = hasSlot ? profile.padding.bodyLength(unpaddedHandshakeLength: unpaddedHandshake) : nil
        let extensions = unpadded.position + (padding.map { 4 + $0 } ?? 0)
        return Sizes(handshake: beforeExtensions + extensions, extensions: extensions, padding: padding)
    }

    /// Length of the Handshake message (type + 3-byte length + body).
    public var handshakeLength: Int { sizes.handshake }
    /// The whole TLSPlaintext record: 5 + handshakeLength.
    public var recordLength: Int { TLSRecordHeader.length + handshakeLength }

    public func encodeRecord(into writer: inout ByteWriter) {
        let sizes = sizes
        writer.require(TLSRecordHeader.length + sizes.handshake)
        var sink = TLSWriterSink(writer)
        writePrefix(&sink, sizes: sizes)
        writeExtensions(&sink, padding: sizes.padding)
        writer = sink.writer
    }

    // MARK: Layout

    /// Record header through the extensions length field.
    func writePrefix<S: TLSLayoutSink>(_ s: inout S, sizes: Sizes) {
        s.u8(TLSContentType.handshake.rawValue)
        s.u16(profile.recordVersion)
        s.u16(UInt16(truncatingIfNeeded: sizes.handshake))
        s.u8(TLSHandshakeType.clientHello)
        s.u24(UInt32(truncatingIfNeeded: max(sizes.handshake - 4, 0)))
        s.u16(profile.legacyVersion)
        s.bytes(random)
        s.u8(UInt8(sessionID.count))
        s.bytes(sessionID)
        s.u16(UInt16(2 * profile.cipherSuites.count))
        for suite in profile.cipherSuites { s.u16(grease(suite, .cipher)) }
        s.u8(UInt8(profile.compressionMethods.count))
        s.bytes(profile.compressionMethods)
        s.u16(UInt16(truncatingIfNeeded: sizes.extensions))
    }

    /// `v`, or this hello's GREASE value of `slot` where the profile has the placeholder.
    @inline(__always) func grease(_ v: UInt16, _ slot: TLSGreaseSlot) -> UInt16 {
        v == TLSGrease.placeholder ? variation.value(slot) : v
    }

    func writeExtensions<S: TLSLayoutSink>(_ s: inout S, padding: Int?) {
        let count = profile.extensions.count
        for position in 0..<count {
            let e = profile.extensions[variation.order.isEmpty ? position : Int(variation.order[position])]
            switch e {
            case .serverName:
                let n = serverName.utf8.count
                guard n > 0 else { continue }
                s.u16(e.type)
                s.u16(UInt16(n + 5))
                s.u16(UInt16(n + 3)) // server_name_list length
                s.u8(0) // host_name
                s.u16(UInt16(n))
                s.utf8(serverName)
            case .ecPointFormats(let formats), .pskKeyExchangeModes(let formats):
                s.u16(e.type)
                s.u16(UInt16(1 + formats.count))
                s.u8(UInt8(formats.count))
                s.bytes(formats)
            case .supportedGroups(let values), .signatureAlgorithms(let values):
                let slot: TLSGreaseSlot = e.type == TLSExtensionType.supportedGroups ? .group : .signatureAlgorithm
                s.u16(e.type)
                s.u16(UInt16(2 + 2 * values.count))
                s.u16(UInt16(2 * values.count))
                for v in values { s.u16(grease(v, slot)) }
            case .supportedVersions(let versions):
                s.u16(e.type)
                s.u16(UInt16(1 + 2 * versions.count))
                s.u8(UInt8(2 * versions.count))
                for v in versions { s.u16(grease(v, .version)) }
            case .alpn(let protocols):
                let list = protocols.reduce(0) { $0 + 1 + $1.utf8.count }
                s.u16(e.type)
                s.u16(UInt16(2 + list))
                s.u16(UInt16(list))
                for p in protocols {
                    s.u8(UInt8(p.utf8.count))
                    s.utf8(p)
                }
            case .encryptThenMAC, .extendedMasterSecret, .postHandshakeAuth, .sessionTicket:
                s.u16(e.type)
                s.u16(0)
            case .statusRequest:
                s.u16(e.type)
                s.u16(5)
                s.u8(1) // ocsp
                s.u16(0) // responder_id_list
                s.u16(0) // request_extensions
            case .renegotiationInfo:
                s.u16(e.type)
                s.u16(1)
                s.u8(0)
            case .keyShare(let groups):
                let entries = keyShares.reduce(0) { $0 + 4 + $1.count }
                s.u16(e.type)
                s.u16(UInt16(2 + entries))
                s.u16(UInt16(entries)) // client_shares length
                for (group, share) in zip(groups, keyShares) {
                    s.u16(grease(group, .group))
                    s.u16(UInt16(share.count))
                    s.bytes(share)
                }
            case .padding:
                guard let padding else { continue }
                s.u16(e.type)
                s.u16(UInt16(padding))
                s.zeros(padding)
            case .grease(let slot, let body):
                s.u16(variation.value(slot))
                s.u16(UInt16(body.count))
                s.bytes(body)
            case .echGrease:
                s.u16(e.type)
                s.u16(UInt16(variation.ech.count))
                s.bytes(variation.ech)
            case .fixed(_, let body):
                s.u16(e.type)
                s.u16(UInt16(body.count))
                s.bytes(body)
            }
        }
        // RFC 8446 §4.2.11: pre_shared_key MUST be the last extension (after a trailing GREASE
        // extension and after padding, whose length already counts it, as OpenSSL's does).
        if let psk { psk.write(&s) }
    }

    /// The handshake message up to and including the PSK identities: what a binder's
    /// transcript hash covers (RFC 8446 §4.2.11.2). nil without a PSK.
    public func truncatedHandshake(record: [UInt8]) -> ArraySlice<UInt8>? {
        guard let psk else { return nil }
        return record[TLSRecordHeader.length..<(record.count - psk.bindersLength)]
    }

    // MARK: Parsing

    /// Parses one ClientHello record written with `profile`: reads the per-connection values
    /// (server name, random, session id, key shares, GREASE values, extension order, ECH GREASE
    /// body), then lays the hello out again and requires the bytes to match exactly, so anything
    /// that is not this profile's ClientHello — another suite list, another extension order for
    /// a client that does not permute, other padding — is rejected as malformed.
    public init(parsingRecord record: UnsafeRawBufferPointer, profile: TLSClientProfile) throws(WireError) {
        var r = ByteReader(record)
        let (header, fragment) = try TLSRecordHeader.parseRecord(&r)
        guard header.contentType == TLSContentType.handshake.rawValue else {
            throw .malformed("not a handshake record")
        }
        var h = ByteReader(fragment)
        guard try h.u8() == TLSHandshakeType.clientHello else { throw .malformed("not a ClientHello") }
        guard Int(try h.u24()) == fragment.count - 4 else { throw .badLength(fragment.count) }
        try h.skip(2) // legacy_version
        let random = try h.array(32)
        guard Int(try h.u8()) == profile.sessionIDLength else { throw .malformed("session id length") }
        let sessionID = try h.array(profile.sessionIDLength)
        let suitesLength = Int(try h.u16())
        guard suitesLength == 2 * profile.cipherSuites.count else { throw .malformed("cipher suite count") }
        var variation = TLSHelloVariation()
        if profile.usesGrease {
            variation.grease = [UInt16](repeating: TLSGrease.placeholder, count: TLSGreaseSlot.allCases.count)
        }
        /// Records the GREASE values at the profile's placeholders of a list.
        func readGrease(_ expected: [UInt16], _ actual: [UInt16], _ slot: TLSGreaseSlot) {
            for (e, a) in zip(expected, actual) where e == TLSGrease.placeholder { variation.grease[slot.rawValue] = a }
        }
        var suites: [UInt16] = []
        for _ in 0..<profile.cipherSuites.count { suites.append(try h.u16()) }
        readGrease(profile.cipherSuites, suites, .cipher)
        try h.skip(Int(try h.u8())) // compression methods
        let extensionsEnd = Int(try h.u16()) + h.offset
        var serverName = ""
        var psk: TLSOfferedPSK?
        var keyShares: [[UInt8]] = []
        var used = [Bool](repeating: false, count: profile.extensions.count)
        var order: [UInt8] = []
        while h.offset < extensionsEnd {
            let type = try h.u16()
            let body = try h.bytes(Int(try h.u16()))
            var e = ByteReader(body)
            // The profile's extension this one is: the same type, else the next GREASE slot.
            var index = profile.extensions.indices.first { !used[$0] && profile.extensions[$0].type == type }
            if index == nil, TLSGrease.isGrease(type) {
                index = profile.extensions.indices.first { i in
                    if !used[i], case .grease = profile.extensions[i] { return true } else { return false }
                }
            }
            if index == nil, type == TLSExtensionType.preSharedKey, h.offset == extensionsEnd {
                psk = try TLSOfferedPSK(parsing: body)
                continue
            }
            guard let k = index else { throw .malformed("extension \(type) is not in the \(profile.name) layout") }
            used[k] = true
            order.append(UInt8(k))
            func u16List(_ n: Int) throws(WireError) -> [UInt16] {
                var out: [UInt16] = []
                for _ in 0..<n { out.append(try e.u16()) }
                return out
            }
            switch profile.extensions[k] {
            case .serverName:
                try e.skip(3)
                serverName = String(decoding: try e.bytes(Int(try e.u16())), as: UTF8.self)
            case .grease(let slot, _):
                variation.grease[slot.rawValue] = type
            case .supportedGroups(let groups):
                readGrease(groups, try u16List(Int(try e.u16()) / 2), .group)
            case .signatureAlgorithms(let schemes):
                readGrease(schemes, try u16List(Int(try e.u16()) / 2), .signatureAlgorithm)
            case .supportedVersions(let versions):
                readGrease(versions, try u16List(Int(try e.u8()) / 2), .version)
            case .echGrease:
                variation.ech = Array(body)
            case .keyShare(let groups):
                try e.skip(2)
                for group in groups {
                    let actual = try e.u16()
                    if group == TLSGrease.placeholder {
                        variation.grease[TLSGreaseSlot.group.rawValue] = actual
                    } else if actual != group {
                        throw .malformed("key share group is not \(group)")
                    }
                    let length = Int(try e.u16())
                    guard length == TLSNamedGroup.keyExchangeLength(actual) else {
                        throw .malformed("key share length \(length)")
                    }
                    keyShares.append(try e.array(length))
                }
            default:
                break
            }
        }
        guard keyShares.count == profile.keyShareGroups.count else { throw .malformed("no key_share") }
        if profile.permutesExtensions {
            // Extensions the hello left out (no server name, no padding) keep their place at the end.
            variation.order = order + profile.extensions.indices.filter { !used[$0] }.map { UInt8($0) }
        }
        let candidate = TLSClientHello(
            profile: profile, serverName: serverName, random: random, sessionID: sessionID,
            keyShares: keyShares, variation: variation, psk: psk)
        let length = candidate.recordLength
        guard length == r.offset else { throw .badLength(r.offset) }
        let same = withUnsafeTemporaryAllocation(byteCount: length, alignment: 8) { scratch in
            var w = ByteWriter(scratch)
            candidate.encodeRecord(into: &w)
            return scratch.elementsEqual(UnsafeRawBufferPointer(rebasing: record[0..<length]))
        }
        guard same else { throw .malformed("ClientHello differs from the \(profile.name) layout") }
        self = candidate
    }
}

/// Where a TLS layout goes: counted (for lengths) or written.
protocol TLSLayoutSink {
    mutating func u8(_ v: UInt8)
    mutating func u16(_ v: UInt16)
    mutating func u24(_ v: UInt32)
    mutating func bytes(_ b: [UInt8])
    mutating func utf8(_ s: String)
    mutating func zeros(_ n: Int)
}

struct TLSCountingSink: TLSLayoutSink {
    var position = 0
    mutating func u8(_ v: UInt8) { position += 1 }
    mutating func u16(_ v: UInt16) { position += 2 }
    mutating func u24(_ v: UInt32) { position += 3 }
    mutating func bytes(_ b: [UInt8]) { position += b.count }
    mutating func utf8(_ s: String) { position += s.utf8.count }
    mutating func zeros(_ n: Int) { position += n }
}

struct TLSWriterSink: TLSLayoutSink {
    var writer: ByteWriter
    init(_ writer: ByteWriter) { self.writer = writer }
    mutating func u8(_ v: UInt8) { writer.u8(v) }
    mutating func u16(_ v: UInt16) { writer.u16(v) }
    mutating func u24(_ v: UInt32) { writer.u24(v) }
    mutating func bytes(_ b: [UInt8]) { writer.bytes(b) }
    mutating func utf8(_ s: String) { writer.bytes(s.utf8) }
    mutating func zeros(_ n: Int) { writer.zeros(n) }
}
