/// A DHCP message (RFC 2131 over the BOOTP layout of RFC 951, options of RFC 2132): just what a
/// lease renewal needs — a unicast DHCPREQUEST from a client in RENEWING state and the server's
/// DHCPACK.
public struct DHCPMessage: Hashable, Sendable {
    public enum MessageType { public static let request: UInt8 = 3, ack: UInt8 = 5 }
    public static let magicCookie: UInt32 = 0x6382_5363
    /// op … file fields before the options (RFC 2131 §2): 236 bytes, then the cookie.
    public static let fixedLength = 236 + 4

    public var isReply: Bool
    public var transactionID: UInt32
    public var clientAddress: IPv4Address // ciaddr
    public var yourAddress: IPv4Address // yiaddr
    public var clientMAC: MACAddress
    public var messageType: UInt8
    public var serverIdentifier: IPv4Address?
    public var leaseSeconds: UInt32?
    public var subnetMask: IPv4Address?
    public var router: IPv4Address?
    public var dnsServer: IPv4Address?
    public var domainName: String?
    public var hostName: String?

    public init(
        isReply: Bool, transactionID: UInt32, clientAddress: IPv4Address, yourAddress: IPv4Address = .any,
        clientMAC: MACAddress, messageType: UInt8
    ) {
        self.isReply = isReply; self.transactionID = transactionID; self.clientAddress = clientAddress
        self.yourAddress = yourAddress; self.clientMAC = clientMAC; self.messageType = messageType
    }

    /// The options area: each present option, then END; the whole message padded to the BOOTP
    /// minimum of 300 bytes as common clients and servers do.
    var optionsLength: Int {
        var n = 3 // 53: message type
        if serverIdentifier != nil { n += 6 }
        if leaseSeconds != nil { n += 6 }
        if subnetMask != nil { n += 6 }
        if router != nil { n += 6 }
        if dnsServer != nil { n += 6 }
        if let d = domainName { n += 2 + d.utf8.count }
        if let h = hostName { n += 2 + h.utf8.count }
        if !isReply { n += 2 + 4 } // 55: parameter request list (4 items)
        return n + 1 // END
    }

    public var encodedLength: Int { max(300, Self.fixedLength + optionsLength) }

    public func encode(into w: inout ByteWriter) {
        let total = encodedLength
        w.require(total)
        let start = w.offset
        w.u8(isReply ? 2 : 1) // op
        w.u8(1); w.u8(6); w.u8(0) // htype Ethernet, hlen 6, hops
        w.u32(transactionID)
        w.u16(0); w.u16(0) // secs, flags (unicast)
        clientAddress.encode(into: &w)
        yourAddress.encode(into: &w)
        w.u32(0); w.u32(0) // siaddr, giaddr
        clientMAC.encode(into: &w)
        w.zeros(10 + 64 + 128) // chaddr padding, sname, file
        w.u32(Self.magicCookie)
        w.u8(53); w.u8(1); w.u8(messageType)
        func address(_ code: UInt8, _ a: IPv4Address?) { if let a { w.u8(code); w.u8(4); a.encode(into: &w) } }
        address(54, serverIdentifier)
        if let l = leaseSeconds { w.u8(51); w.u8(4); w.u32(l) }
        address(1, subnetMask)
        address(3, router)
        address(6, dnsServer)
        if let d = domainName { w.u8(15); w.u8(UInt8(d.utf8.count)); w.bytes(d.utf8) }
        if let h = hostName { w.u8(12); w.u8(UInt8(h.utf8.count)); w.bytes(h.utf8) }
        if !isReply { w.u8(55); w.u8(4); w.u8(1); w.u8(3); w.u8(6); w.u8(15) }
        w.u8(255)
        w.zeros(total - (w.offset - start))
    }

    public init(parsing bytes: [UInt8]) throws(WireError) {
        self = try bytes.withByteReader { (r: inout ByteReader) throws(WireError) in try DHCPMessage(parsing: &r) }
    }

    public init(parsing r: inout ByteReader) throws(WireError) {
        let op = try r.u8()
        guard op == 1 || op == 2, try r.u8() == 1, try r.u8() == 6 else {
            throw .malformed("not an Ethernet BOOTP message")
        }
        _ = try r.u8()
        let xid = try r.u32()
        _ = try r.u32()
        let ci = IPv4Address(raw: try r.u32())
        let yi = IPv4Address(raw: try r.u32())
        _ = try r.u32(); _ = try r.u32()
        let mac = try MACAddress(parsing: &r)
        _ = try r.bytes(10 + 64 + 128)
        guard try r.u32() == Self.magicCookie else { throw .malformed("no DHCP magic cookie") }
        var type: UInt8?
        var m = DHCPMessage(
            isReply: op == 2, transactionID: xid, clientAddress: ci, yourAddress: yi, clientMAC: mac, messageType: 0)
        while !r.isAtEnd {
            let code = try r.u8()
            if code == 255 { break }
            if code == 0 { continue }
            let data = try r.array(Int(try r.u8()))
            func addr() -> IPv4Address? { data.count == 4 ? IPv4Address(data[0], data[1], data[2], data[3]) : nil }
            switch code {
            case 53: type = data.first
            case 54: m.serverIdentifier = addr()
            case 51:
                if data.count == 4 {
                    m.leaseSeconds =
                        UInt32(data[0]) << 24 | UInt32(data[1]) << 16 | UInt32(data[2]) << 8 | UInt32(data[3])
                }
            case 1: m.subnetMask = addr()
            case 3: m.router = addr()
            case 6: m.dnsServer = addr()
            case 15: m.domainName = String(decoding: data, as: UTF8.self)
            case 12: m.hostName = String(decoding: data, as: UTF8.self)
            default: break
            }
        }
        guard let type else { throw .malformed("no DHCP message type") }
        m.messageType = type
        self = m
    }
}
