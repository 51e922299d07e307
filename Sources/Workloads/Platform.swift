import SimCore
import Wire
import NetModel
import Transport

/// An EC2 instance's platform agents: chrony asking Amazon Time Sync, the metadata service
/// polled for credentials, DHCP lease renewals. All of it crosses the instance's ENI (so it is in
/// pcaps) and none of it is filtered (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Security.html) or logged
/// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-limitations.html).
struct PlatformClient: Sendable {
    var host: HostIndex
    var eni: ENIIndex
    var address: IPAddress
    var subnet: SubnetIndex
    var ntpPort: UInt16 = 0
    var socket: UInt32 = .max
    var connection: UInt32 = .max
}

/// What an instance's platform agents do periodically (`AppEvent.platformTick`).
enum PlatformChatter: UInt32 {
    /// chrony asks Amazon Time Sync.
    case ntp = 1
    /// A credential provider reads the instance metadata service.
    case metadata = 2
    /// The DHCP client renews its lease.
    case dhcp = 3

    var period: SimDuration {
        switch self {
        // Amazon Linux's chrony polls 169.254.169.123 with `minpoll 4 maxpoll 4`: every 16 s.
        case .ntp: return .seconds(16)
        // SDK credential providers and agents read the metadata service. Assumed: every 5 minutes; no
        // documented period.
        case .metadata: return .seconds(300)
        // Clients renew at half the lease (RFC 2131 §4.4.5, T1). Assumed: a one-hour lease; AWS documents
        // no IPv4 lease time.
        case .dhcp: return .seconds(1800)
        }
    }
}

extension World {
    /// IMDSv2, as an SDK credential provider does it: PUT a session token, then GET the role's
    /// credentials with it, over one keep-alive connection to 169.254.169.254:80.
    static func metadataRequests(host: String) -> [String] {
        [
            "PUT /latest/api/token HTTP/1.1\r\nHost: " + host + "\r\nAccept-Encoding: identity\r\nUser-Agent: "
                + "Botocore/1.43.11\r\nX-aws-ec2-metadata-token-ttl-seconds: 21600\r\nContent-Length: 0\r\n\r\n",
            "GET /latest/meta-data/iam/security-credentials/app-role HTTP/1.1\r\nHost: " + host
                + "\r\nAccept-Encoding: "
                + "identity\r\nUser-Agent: Botocore/1.43.11\r\nX-aws-ec2-metadata-token: "
                + "AQAEAEk7nQq6Vj9mOl0xS1mW9wYk3Q8tZl5xP2cK4vR7bN0hD1fT6gJ8sA==\r\n\r\n",
        ]
    }
    static let metadataRequests = metadataRequests(host: "169.254.169.254")
    /// The same over IPv6 (an IPv6-only instance): the host is the bracketed literal (RFC 3986
    /// §3.2.2), as botocore's IMDS fetcher writes it for its IPv6 endpoint mode.
    static let metadataRequestsIPv6 = metadataRequests(host: "[fd00:ec2::254]")
    static let metadataResponses = [
        "HTTP/1.1 200 OK\r\nX-Aws-Ec2-Metadata-Token-Ttl-Seconds: 21600\r\nContent-Type: text/plain\r\nDate: Mon, 23 "
            + "Nov 2026 10:00:00 GMT\r\nServer: EC2ws\r\nConnection: keep-alive\r\nContent-Length: "
            + "56\r\n\r\nAQAEAEk7nQq6Vj9mOl0xS1mW9wYk3Q8tZl5xP2cK4vR7bN0hD1fT6gJ8sA==",
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nAccept-Ranges: none\r\nLast-Modified: Mon, 23 Nov 2026 "
            + "09:41:12 GMT\r\nContent-Length: 1262\r\nDate: Mon, 23 Nov 2026 10:00:00 GMT\r\nServer: "
            + "EC2ws\r\nConnection: close\r\n\r\n{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : "
            + "\"2026-11-23T09:41:12Z\",\n  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"ASIAQ3EGTJ2FX7KW5NOP\",\n  "
            + "\"SecretAccessKey\" : \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\",\n  \"Token\" : \""
            + String(repeating: "IQoJb3JpZ2luX2VjEHoaCXVzLWVhc3QtMSJHMEUCIQD", count: 24)
            + "\",\n  \"Expiration\" : \"2026-11-23T16:04:38Z\"\n}",
    ]
    static let metadataAddress = IPAddress(169, 254, 169, 254)
    static let timeSyncAddress = IPAddress(169, 254, 169, 123)

    /// Makes an instance run platform agents.
    public mutating func addPlatformClient(host: HostIndex, eni: ENIIndex) {
        let e = network.enis[eni.int]
        platformClients.append(PlatformClient(host: host, eni: eni, address: e.privateIP, subnet: e.subnet))
        let requests = e.privateIP.isIPv4 ? Self.metadataRequests : Self.metadataRequestsIPv6
        for r in requests + Self.metadataResponses { _ = network.catalog.intern(text: r) }
    }

    mutating func startPlatformClient(_ i: Int, _ s: inout Scheduler) {
        // Phases spread the agents over their periods. An IPv6-only instance's agents reach Time
        // Sync and the metadata service at fd00:ec2::123 and ::254; its address comes from DHCPv6,
        // whose renewals are not modelled (assumed rare: AWS documents no DHCPv6 lease time).
        let ipv6Only = !platformClients[i].address.isIPv4
        for what in [PlatformChatter.ntp, .metadata, .dhcp] where !(ipv6Only && what == .dhcp) {
            let phase = SimDuration(nanoseconds: Int64(random.bounded(UInt64(what.period.nanoseconds))))
            s.schedule(after: phase, EventPayload(AppEvent.platformTick, object: UInt32(i), aux: what.rawValue))
        }
    }

    mutating func platformTick(_ i: Int, what: PlatformChatter, _ now: SimTime, _ s: inout Scheduler) {
        guard !workloadEnded else { return }
        let c = platformClients[i]
        switch what {
        case .ntp:
            if c.ntpPort == 0 {
                // chrony keeps one client socket.
                var port: UInt16
                repeat { port = 32768 + UInt16(random.bounded(28232)) } while udpBindings[c.host, port] != nil
                platformClients[i].ntpPort = port
                udpBindings[c.host, port] = .platformClient(i)
            }
            var p = Packet(
                source: c.address, destination: c.address.isIPv4 ? Self.timeSyncAddress : VPC.timeSyncIPv6,
                sourcePort: platformClients[i].ntpPort,
                destinationPort: 123,
                protocolNumber: IPProtocol.udp, ttl: 64, ipID: UInt16(truncatingIfNeeded: random.next()))
            p.payload = .ntp(mode: NTPPacket.Mode.client, transmitTime: epochNanoseconds + now.nanoseconds)
            p.payloadLength = UInt32(NTPPacket.length)
            network.transmit(p, from: c.host, now: now, &s)
        case .metadata:
            if c.socket == .max {
                let owner = AppRef(.metadataClient, object: UInt32(i))
                let sock = tcp.connect(
                    host: c.host, local: c.address, remote: c.address.isIPv4 ? Self.metadataAddress : VPC.metadataIPv6,
                    remotePort: 80, owner: owner,
                    now: now, &network, &s)
                let conn = tcp.socket(sock).connection
                platformClients[i].socket = sock
                platformClients[i].connection = conn
                channels.insert(conn, Channel(clientSocket: sock, client: owner, seed: random.next()))
            }
        case .dhcp:
            var p = Packet(
                source: c.address, destination: network.subnets[c.subnet.int].routerAddress, sourcePort: 68,
                destinationPort: 67,
                protocolNumber: IPProtocol.udp, ttl: 64, ipID: UInt16(truncatingIfNeeded: random.next()))
            let xid = UInt32(truncatingIfNeeded: random.next())
            p.payload = .dhcp(transactionID: xid, isReply: false)
            p.payloadLength = UInt32(
                PlatformMessages.dhcpRequest(
                    transactionID: xid, client: c.address.ipv4Value,
                    clientMAC: network.enis[c.eni.int].mac
                ).encodedLength)
            udpBindings[c.host, 68] = .platformClient(i)
            network.transmit(p, from: c.host, now: now, &s)
        }
        s.schedule(after: what.period, EventPayload(AppEvent.platformTick, object: UInt32(i), aux: what.rawValue))
    }

    /// Answers to an instance's platform datagrams are only consumed.
    mutating func platformClientDatagram(_ i: Int, _ p: Packet, _ now: SimTime, _ s: inout Scheduler) {}

    /// A datagram reached a VPC's platform host: Amazon DNS, Time Sync or DHCP.
    mutating func platformDatagram(_ p: Packet, host h: HostIndex, vpc: VPCIndex, _ now: SimTime, _ s: inout Scheduler)
    {
        switch p.destinationPort {
        case 53:
            answerDNS(p, resolver: h, vpc: vpc, now, &s)
        case 123:
            guard case .ntp(_, let sent) = p.payload else { return }
            var r = Packet(
                source: p.destination, destination: p.source, sourcePort: 123, destinationPort: p.sourcePort,
                protocolNumber: IPProtocol.udp, ttl: PlatformReplies.ttl, ipID: PlatformReplies.ipID(p, now),
                dontFragment: PlatformReplies.dontFragment)
            r.payload = .ntp(mode: NTPPacket.Mode.server, transmitTime: sent)
            r.payloadLength = UInt32(NTPPacket.length)
            network.transmit(r, from: h, now: now, &s)
        case 67:
            guard case .dhcp(let xid, false) = p.payload, let e = network.eni(owning: p.source, in: vpc) else { return }
            var r = Packet(
                source: p.destination, destination: p.source, sourcePort: 67, destinationPort: 68,
                protocolNumber: IPProtocol.udp, ttl: PlatformReplies.ttl, ipID: PlatformReplies.ipID(p, now),
                dontFragment: PlatformReplies.dontFragment)
            r.payload = .dhcp(transactionID: xid, isReply: true)
            let ack = PlatformMessages.dhcpAck(
                transactionID: xid, client: p.source.ipv4Value, clientMAC: network.enis[e.int].mac,
                subnet: network.subnets[network.enis[e.int].subnet.int],
                dnsServer: network.vpcs[vpc.int].dnsAddress.ipv4Value, domainName: network.dhcpDomainName)
            r.payloadLength = UInt32(ack.encodedLength)
            network.transmit(r, from: h, now: now, &s)
        default:
            network.drop(.noSocket(h))
        }
    }

    // MARK: Instance metadata over HTTP

    public mutating func addMetadataService(vpc: VPCIndex) {
        guard let h = network.vpcs[vpc.int].platformHost else { return }
        tcp.listen(host: h, port: 80, owner: AppRef(.metadata, object: vpc.raw))
    }

    mutating func metadataClientConnected(_ i: Int, socket: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        metadataClientSend(i, step: 0, now, &s)
    }

    mutating func metadataClientSend(_ i: Int, step: UInt32, _ now: SimTime, _ s: inout Scheduler) {
        let c = platformClients[i]
        guard tcp.socket(c.socket).state == .established else { return }
        writeText(
            c.socket, (c.address.isIPv4 ? Self.metadataRequests : Self.metadataRequestsIPv6)[Int(step)], now: now, &s)
        let written = tcp.socket(c.socket).written
        channels.update(c.connection) { $0.toServer.push(written, .textRequest(step)) }
    }

    mutating func metadataClientMessage(
        _ i: Int, connection: UInt32, _ m: Channel.Message, _ now: SimTime, _ s: inout Scheduler
    ) {
        guard case .textResponse(let step) = m, platformClients[i].connection == connection else { return }
        if step + 1 < UInt32(Self.metadataRequests.count) {
            metadataClientSend(i, step: step + 1, now, &s)
        } else {
            // The credentials response says Connection: close; the server closes, the client follows.
        }
    }

    mutating func metadataClientEnded(_ i: Int, connection: UInt32) {
        guard platformClients[i].connection == connection else { return }
        platformClients[i].socket = .max
        platformClients[i].connection = .max
    }

    mutating func metadataServerMessage(
        connection c: UInt32, _ m: Channel.Message, _ now: SimTime, _ s: inout Scheduler
    ) {
        guard case .textRequest(let step) = m else { return }
        channels.update(c) { $0.pending = .metadataStep(step) }
        s.schedule(after: .microseconds(150), .serverWork(c, .metadataReply))
    }
}

/// The IP header of the answers a VPC's platform services send (Amazon DNS, Time Sync, DHCP).
/// No public capture or document gives it, so it is ASSUMED: the Route 53 Resolver and Time Sync
/// are fleets of Linux hosts (https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html
/// says only that queries "are transported to the Route 53 Resolver privately and are not visible
/// on the network"), so their answers carry Linux's UDP defaults: TTL 64 (`ip_default_ttl`), DF
/// set (`ip_no_pmtu_disc` 0: UDP sockets default to IP_PMTUDISC_WANT), and an IP ID that changes
/// per datagram (Linux `ip_select_ident`, net/ipv4/route.c, a hashed counter per destination),
/// here a hash of the query and its time so the run's random stream is untouched. As the queries
/// are not seen on the network, the TTL arrives unlowered. The old TTL 255 / IP ID 0 answer was
/// issue 11's giveaway.
enum PlatformReplies {
    static let ttl: UInt8 = 64
    static let dontFragment = true

    /// The IP ID of the answer to `query`, received at `now`.
    static func ipID(_ query: Packet, _ now: SimTime) -> UInt16 {
        let key = UInt64(query.sourcePort) << 16 ^ UInt64(query.ipID) ^ UInt64(bitPattern: now.nanoseconds) << 32
        return UInt16(truncatingIfNeeded: SplitMix64.mix(key ^ query.source.low) >> 24)
    }
}
