// The TLS servers of Elastic Load Balancing: an Application Load Balancer's HTTPS listener (and
// a Network Load Balancer's TLS listener) under one of its predefined security policies.

extension TLSServerProfile {
    /// An HTTPS listener under `ELBSecurityPolicy-TLS13-1-2-2021-06` (the policy AWS recommends
    /// and the console's default for years; the brief's default here). From the policy table of
    /// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html:
    /// TLS 1.3 and 1.2; TLS 1.3 suites TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
    /// TLS_CHACHA20_POLY1305_SHA256; TLS 1.2 ECDHE-ECDSA/RSA AES128-GCM-SHA256, AES128-SHA256,
    /// AES256-GCM-SHA384, AES256-SHA384. vpcsim models ECDHE-RSA with AEADs only (an ACM
    /// certificate carries an RSA key), so its TLS 1.2 list is ECDHE-RSA-AES128-GCM-SHA256 then
    /// ECDHE-RSA-AES256-GCM-SHA384 in the policy's order; the CBC suites between them would only
    /// be chosen by a client offering no AES-128-GCM, which no modelled client is.
    ///
    /// Server order: "By default, the first cipher on the server's list that matches any one of
    /// the client's ciphers is selected" (same page), so every modelled client gets
    /// TLS_AES_128_GCM_SHA256 — one JA3S per client version, unlike nginx's client order.
    ///
    /// ALPN: http/1.1. An ALB also offers h2 when HTTP/2 is on (its default); HTTP/2 framing is not
    /// modelled, so this is the ALB with `routing.http2.enabled` false (assumed for browsers).
    ///
    /// Tickets: ALBs resume TLS 1.3 sessions with PSKs and TLS 1.2 ones with session IDs or tickets
    /// (same page, "Considerations"; https://repost.aws/knowledge-center/elb-ssl-tls-session-resumption-support),
    /// so a full TLS 1.3 handshake ends with a NewSessionTicket. How many and how large is not
    /// published: ASSUMED one, of the size ``awsEndpoint`` uses (s2n-tls's default of one ticket,
    /// as for AWS's other front ends), lifetime 3600 s (assumed).
    public static let elbTLS13_1_2_2021_06: TLSServerProfile = {
        var p = awsEndpoint
        p.name = "Application Load Balancer, ELBSecurityPolicy-TLS13-1-2-2021-06 (server order)"
        p.versions = [0x0304, 0x0303]
        p.tls13CipherSuites = [
            TLSCipherSuite.aes128GCMSHA256, TLSCipherSuite.aes256GCMSHA384, TLSCipherSuite.chacha20Poly1305SHA256,
        ]
        p.tls12CipherSuites = [TLSCipherSuite.ecdheRSAAES128GCMSHA256, TLSCipherSuite.ecdheRSAAES256GCMSHA384]
        p.alpnProtocols = ["http/1.1"]
        p.tickets = TLSTicketPolicy(count: 1, lifetime: 3600, nonceLength: 8, ticketLength: 105, withoutALPN: 105)
        return p
    }()

    /// `ELBSecurityPolicy-TLS13-1-3-2021-06`: TLS 1.3 only, the same three suites in the same order
    /// (describe-ssl-policies.html); a client without TLS 1.3 fails its handshake.
    public static let elbTLS13_1_3_2021_06: TLSServerProfile = {
        var p = elbTLS13_1_2_2021_06
        p.name = "Application Load Balancer, ELBSecurityPolicy-TLS13-1-3-2021-06 (TLS 1.3 only)"
        p.versions = [0x0304]
        return p
    }()

    /// `ELBSecurityPolicy-2016-08`, the default of listeners made with the CLI, CloudFormation
    /// and the CDK: no TLS 1.3, so every modelled client negotiates TLS 1.2 with
    /// ECDHE-RSA-AES128-GCM-SHA256, the first RSA AEAD suite of the policy (TLS 1.0 and 1.1 and
    /// its CBC suites are not modelled; describe-ssl-policies.html).
    public static let elb2016_08: TLSServerProfile = {
        var p = elbTLS13_1_2_2021_06
        p.name = "Application Load Balancer, ELBSecurityPolicy-2016-08 (TLS 1.2)"
        p.versions = [0x0303]
        return p
    }()
}

extension TLSServerProfileID {
    /// The profile of an ELB security policy by its name, nil for one vpcsim does not model.
    public static func elbSecurityPolicy(_ name: String) -> TLSServerProfileID? {
        switch name {
        case "ELBSecurityPolicy-TLS13-1-2-2021-06": .elbTLS13_1_2_2021_06
        case "ELBSecurityPolicy-TLS13-1-3-2021-06": .elbTLS13_1_3_2021_06
        case "ELBSecurityPolicy-2016-08": .elb2016_08
        default: nil
        }
    }

    /// The policies ``elbSecurityPolicy(_:)`` knows, for error messages.
    public static let elbSecurityPolicies = [
        "ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-2016-08",
    ]
}
