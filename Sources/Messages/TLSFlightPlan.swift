import Wire

/// The records of a handshake between a client and a server profile, with their sizes, for the
/// model: what each side writes after the hellos. The sizes are those of the messages
/// ``TLSSession`` builds (the same Wire encoders, the server's real certificate sizes, RSA-2048
/// signatures, X25519 points), so a run writes the same packets whether or not its records are
/// really encrypted.
public struct TLSFlightPlan: Sendable, Hashable {
    /// One record of a flight.
    public enum Record: Sendable, Hashable {
        /// The ChangeCipherSpec record (TLS 1.2, and TLS 1.3's middlebox compatibility mode).
        case changeCipherSpec
        /// A handshake message in clear (TLS 1.2), `length` bytes of handshake message.
        case plain(TLSFlightMessage, length: Int)
        /// A handshake message in a protected record, `length` bytes of handshake message.
        case sealed(TLSFlightMessage, length: Int)
    }

    public let negotiation: TLSNegotiation
    /// The ServerHello record's length.
    public let serverHelloLength: Int
    /// The server's records after its ServerHello.
    public let serverFlight: [Record]
    /// The client's second flight (TLS 1.3: [CCS,] Finished; TLS 1.2: ClientKeyExchange, CCS, Finished).
    public let clientFinish: [Record]
    /// The server's records once it has the client's Finished: TLS 1.2's CCS and Finished, after
    /// which the client may send data (no False Start, as OpenSSL clients); TLS 1.3's
    /// NewSessionTickets, under the server's application keys.
    public let serverFinish: [Record]

    /// Whether the server resumed the session with the client's PSK (TLS 1.3 only).
    public let resumed: Bool

    /// The plan for `client` and `server` when the server's certificates have `derSizes`; when
    /// `resumed`, the server accepted the client's ticket (RFC 8446 §2.2): its ServerHello
    /// selects the PSK and its flight is EncryptedExtensions and Finished alone.
    public init(
        client: TLSClientProfile, server: TLSServerProfile, derSizes: [Int], resumed: Bool = false
    ) throws(TLSNegotiationError) {
        let n = try TLSNegotiation.negotiate(client: client, server: server).get()
        negotiation = n
        self.resumed = resumed && n.isTLS13
        let signature = SimulatedPKI.signatureLength
        let finished = TLSFinished.handshakeLength(verifyDataLength: n.verifyDataLength)
        if n.isTLS13 {
            serverHelloLength = TLSServerHello.recordLength(
                sessionIDEchoLength: client.sessionIDLength, psk: self.resumed)
            // RFC 8446 §D.4: in middlebox compatibility mode each side sends a CCS before its
            // first protected record.
            let ccs: [Record] = client.middleboxCompatibility ? [.changeCipherSpec] : []
            let ee = Record.sealed(.encryptedExtensions, length: TLSEncryptedExtensions(alpn: n.alpn).handshakeLength)
            serverFlight =
                self.resumed
                ? ccs + [ee, .sealed(.serverFinished, length: finished)]
                : ccs + [
                    ee,
                    .sealed(
                        .certificate, length: TLSCertificateMessage.handshakeLength(derSizes: derSizes, tls13: true)),
                    .sealed(
                        .certificateVerify, length: TLSCertificateVerify.handshakeLength(signatureLength: signature)),
                    .sealed(.serverFinished, length: finished),
                ]
            clientFinish = ccs + [.sealed(.clientFinished, length: finished)]
            // RFC 8446 §4.2.9: tickets must suit the PSK modes the client lists; a client that
            // lists none gets none.
            let modes = client.extensions.contains { if case .pskKeyExchangeModes = $0 { true } else { false } }
            let ticket = server.tickets.handshakeLength(alpn: n.alpn != nil)
            let count = self.resumed ? server.tickets.countAfterResumption : server.tickets.count
            serverFinish = Array(repeating: .sealed(.newSessionTicket, length: ticket), count: modes ? count : 0)
        } else {
            serverHelloLength =
                TLS12ServerHello(
                    random: [UInt8](repeating: 0, count: 32), sessionID: [UInt8](repeating: 0, count: 32),
                    cipherSuite: n.cipherSuite, renegotiationInfo: n.renegotiationInfo,
                    ecPointFormats: n.ecPointFormats ? [0, 1, 2] : nil, alpn: n.alpn,
                    extendedMasterSecret: n.extendedMasterSecret
                ).recordLength
            serverFlight = [
                .plain(.certificate, length: TLSCertificateMessage.handshakeLength(derSizes: derSizes, tls13: false)),
                .plain(
                    .serverKeyExchange,
                    length: TLSServerKeyExchange.handshakeLength(publicKeyLength: 32, signatureLength: signature)),
                .plain(.serverHelloDone, length: TLSServerHelloDone.handshakeLength),
            ]
            clientFinish = [
                .plain(.clientKeyExchange, length: TLSClientKeyExchange.handshakeLength(publicKeyLength: 32)),
                .changeCipherSpec, .sealed(.clientFinished, length: finished),
            ]
            serverFinish = [.changeCipherSpec, .sealed(.serverFinished, length: finished)]
        }
    }

    /// The length of a record of the plan.
    public func length(of r: Record) -> Int {
        switch r {
        case .changeCipherSpec: return TLSChangeCipherSpec.recordLength
        case .plain(_, let n): return TLSHandshakeRecord.recordLength(handshakeLength: n)
        case .sealed(_, let n): return negotiation.protectedRecordLength(plaintext: n)
        }
    }

    /// Application data or an alert of `plaintext` bytes in one protected record.
    public func protectedRecordLength(plaintext: Int) -> Int { negotiation.protectedRecordLength(plaintext: plaintext) }
}
