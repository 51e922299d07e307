import Wire

/// The datagrams exchanged with a VPC's platform services (Amazon DNS, DHCP), as Wire values built
/// in one place. The model sends a datagram whose payload length is the `encodedLength` of the
/// message built here, and a capture encodes the message built here from the same inputs, so the
/// packet's size and its bytes agree by construction.
///
/// https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html,
/// https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSet.html
public enum PlatformMessages {
    /// A stub resolver's recursive query (RFC 1035 §4.1; RD set, as glibc sends).
    public static func dnsQuery(id: UInt16, name: String, type: UInt16) -> DNSMessage {
        DNSMessage.query(id: id, name: name, type: type)
    }

    /// Amazon DNS's answer: the question echoed and, when `answer` is given, one record for the
    /// queried name with a 5 s TTL (observed for AWS endpoint names such as DynamoDB's). For an
    /// AAAA question the record is DNS64's synthesis, `answer` embedded in 64:ff9b::/96 (RFC 6147
    /// §5.1.7, RFC 6052 §2.2): the only AAAA answers the resolver gives
    /// (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html).
    public static func dnsResponse(id: UInt16, name: String, type: UInt16, answer: IPv4Address?) -> DNSMessage {
        let answers =
            answer.map { a -> [DNSRecord] in
                if type == DNSType.aaaa { return [aaaaRecord(name, Network.nat64Address(IPAddress(a)))] }
                return [DNSRecord(name: name, ttl: 5, data: .a(a))]
            } ?? []
        return DNSMessage.response(to: dnsQuery(id: id, name: name, type: type), answers: answers)
    }

    /// Amazon DNS's answer to an AAAA question for a name with IPv6 addresses of its own (a
    /// service's dual-stack name): one record, `address`, with the same 5 s TTL.
    public static func dnsResponse(id: UInt16, name: String, aaaa address: IPAddress) -> DNSMessage {
        DNSMessage.response(
            to: dnsQuery(id: id, name: name, type: DNSType.aaaa), answers: [aaaaRecord(name, address)])
    }

    /// Amazon DNS's answer to an A question with several records, in `answers`' order, each with
    /// the same 5 s TTL (an interface endpoint's names answer with every endpoint ENI's address,
    /// https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html).
    public static func dnsResponse(id: UInt16, name: String, answers: [IPv4Address]) -> DNSMessage {
        DNSMessage.response(
            to: dnsQuery(id: id, name: name, type: DNSType.a),
            answers: answers.map { DNSRecord(name: name, ttl: 5, data: .a($0)) })
    }

    static func aaaaRecord(_ name: String, _ v6: IPAddress) -> DNSRecord {
        let bytes = (0..<16).map { k in
            UInt8(truncatingIfNeeded: (k < 8 ? v6.high : v6.low) >> (56 - 8 * UInt64(k % 8)))
        }
        return DNSRecord(name: name, ttl: 5, data: .aaaa(bytes))
    }

    /// The host name an instance's DHCP client sends: EC2's IP-based name, "ip-10-0-1-5".
    public static func instanceHostName(_ a: IPv4Address) -> String {
        "ip-" + String(a.description.map { $0 == "." ? "-" : $0 })
    }

    /// An instance's unicast DHCPREQUEST when renewing its lease (RFC 2131 §4.3.2, RENEWING).
    public static func dhcpRequest(transactionID: UInt32, client: IPv4Address, clientMAC: MACAddress) -> DHCPMessage {
        var m = DHCPMessage(
            isReply: false, transactionID: transactionID, clientAddress: client, clientMAC: clientMAC,
            messageType: DHCPMessage.MessageType.request)
        m.hostName = instanceHostName(client)
        return m
    }

    /// The VPC's DHCPACK (DHCPv4, so IPv4 addresses): the subnet router as server and gateway, a
    /// one-hour lease, the VPC's Amazon DNS address and the Region's default domain name
    /// (``Network/dhcpDomainName``).
    public static func dhcpAck(
        transactionID: UInt32, client: IPv4Address, clientMAC: MACAddress, subnet: Subnet,
        dnsServer: IPv4Address, domainName: String = "ec2.internal"
    ) -> DHCPMessage {
        var m = DHCPMessage(
            isReply: true, transactionID: transactionID, clientAddress: client, yourAddress: client,
            clientMAC: clientMAC, messageType: DHCPMessage.MessageType.ack)
        m.serverIdentifier = subnet.routerAddress.ipv4Value
        m.leaseSeconds = 3600
        // DHCPv4 is only spoken in subnets with an IPv4 block (an IPv6-only subnet's ENIs use DHCPv6).
        m.subnetMask = IPv4Address(raw: subnet.primaryCIDR.ipv4Netmask)
        m.router = subnet.routerAddress.ipv4Value
        m.dnsServer = dnsServer
        m.domainName = domainName
        return m
    }
}
