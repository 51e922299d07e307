import Testing
import TestSupport
import Wire
@testable import NetModel

@Suite struct PayloadTests {
    @Test func catalogInternsOnceInOrderOfFirstUse() {
        var c = NameCatalog()
        let a = c.intern(name: "dynamodb.us-east-1.amazonaws.com")
        let b = c.intern(name: "orders.abcdefghijkl.us-east-1.rds.amazonaws.com")
        #expect(a == NameIndex(0) && b == NameIndex(1))
        #expect(c.intern(name: "dynamodb.us-east-1.amazonaws.com") == a)
        #expect(c.names.count == 2 && c.name(b).hasPrefix("orders."))
        #expect(c.name(NameIndex(7)) == "unknown.invalid")
        let t = c.intern(text: "GET / HTTP/1.1\r\n\r\n")
        #expect(c.intern(text: "GET / HTTP/1.1\r\n\r\n") == t && c.texts.count == 1)
        #expect(c.text(t) == Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(c.text(TextIndex(3)).isEmpty)
    }

    /// Payloads travel in every packet and chunk: plain integers, copied without retain or release.
    @Test func payloadsAreFlatValues() {
        #expect(_isPOD(Payload.self) && _isPOD(StreamChunk.self) && _isPOD(Packet.self))
        #expect(MemoryLayout<Payload>.size <= 24)
        #expect(MemoryLayout<Packet>.stride == 104)
        let a = StreamID(connection: 7, origin: .initiator), b = StreamID(connection: 7, origin: .responder)
        #expect(a != b && Set([a, b, StreamID(connection: 7, origin: .initiator)]).count == 2)
    }

    @Test func platformMessagesEncodeToTheirLength() throws {
        let name = "dynamodb.us-east-1.amazonaws.com"
        let query = PlatformMessages.dnsQuery(id: 0xBEEF, name: name, type: DNSType.a)
        #expect(query.encodedLength == 12 + 34 + 4)
        let answered = PlatformMessages.dnsResponse(
            id: 0xBEEF, name: name, type: DNSType.a, answer: IPv4Address(52, 94, 0, 1))
        #expect(answered.encodedLength == query.encodedLength + 16)
        #expect(answered.answers.first?.ttl == 5)
        #expect(
            PlatformMessages.dnsResponse(id: 1, name: name, type: DNSType.aaaa, answer: nil).encodedLength
                == query.encodedLength)
        // A dual-stack name's own AAAA record is as long as DNS64's synthesis (the model sizes
        // both with the latter), and carries the address given.
        let v6 = IPAddress(ipv6: 0x2620, 0x107, 0x4000, 0x2000, 0, 0xC2F, 0xB8A0, 0xF817)
        let own = PlatformMessages.dnsResponse(id: 1, name: name, aaaa: v6)
        #expect(
            own.encodedLength
                == PlatformMessages.dnsResponse(id: 1, name: name, type: DNSType.aaaa, answer: IPv4Address(raw: 1))
                .encodedLength)
        #expect(own.encodedLength == query.encodedLength + 28)
        guard case .aaaa(let bytes)? = own.answers.first?.data else { Issue.record("no AAAA record"); return }
        #expect(bytes == [0x26, 0x20, 0x01, 0x07, 0x40, 0x00, 0x20, 0x00, 0, 0, 0x0C, 0x2F, 0xB8, 0xA0, 0xF8, 0x17])

        let client = IPv4Address(10, 0, 1, 25), mac = MACAddress(0x02, 0, 0, 0, 0, 1)
        let request = PlatformMessages.dhcpRequest(transactionID: 9, client: client, clientMAC: mac)
        let subnet = Subnet(
            id: "subnet-0000000000000000a", vpc: VPCIndex(0), cidr: CIDR("10.0.1.0/24")!,
            zone: AvailabilityZoneIndex(0),
            routeTable: RouteTableIndex(0), networkACL: NetworkACLIndex(0))
        let ack = PlatformMessages.dhcpAck(
            transactionID: 9, client: client, clientMAC: mac, subnet: subnet, dnsServer: IPv4Address(10, 0, 0, 2))
        for m in [request, ack] {
            var bytes = [UInt8](repeating: 0xEE, count: m.encodedLength + 8)
            let written = bytes.withUnsafeMutableBytes { buffer in
                var w = ByteWriter(buffer)
                m.encode(into: &w)
                return w.offset
            }
            #expect(written == m.encodedLength)
            #expect(try DHCPMessage(parsing: Array(bytes[0..<written])) == m)
        }
        #expect(
            request.hostName == "ip-10-0-1-25" && ack.router == IPv4Address(10, 0, 1, 1)
                && ack.subnetMask == IPv4Address(255, 255, 255, 0))
    }
}
