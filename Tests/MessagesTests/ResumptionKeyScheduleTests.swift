import Testing
import Crypto
import Wire
@testable import Messages

/// TLS 1.3 resumption (RFC 8446 §2.2): the resumed hello's binder and the PSK are the RFC's,
/// computed here a second time straight from swift-crypto's HKDF and HMAC; the resumed plan's
/// sizes are the resumed session's.
@Suite struct ResumptionKeyScheduleTests {
    static let name = "dynamodb.us-east-1.amazonaws.com"

    /// HKDF-Expand-Label with SHA-384 (RFC 8446 §7.1), written out again for the check.
    static func expandLabel(_ secret: [UInt8], _ label: String, _ context: [UInt8], _ length: Int) -> [UInt8] {
        let full = Array("tls13 \(label)".utf8)
        let info =
            [UInt8(length >> 8), UInt8(length & 0xFF), UInt8(full.count)] + full + [UInt8(context.count)] + context
        return HKDF<SHA384>.expand(pseudoRandomKey: secret, info: info, outputByteCount: length)
            .withUnsafeBytes { Array($0) }
    }

    static func sessions() -> (issuer: TLSSession, resumed: TLSSession, psk: [UInt8], identity: [UInt8]) {
        var pki = SimulatedPKI(seed: 3, runStartUnixSeconds: TLSSessionTests.start)
        let id = pki.identity(serverName: name, chain: .amazonTrust)
        let issuer = TLSSession(
            client: .nodeOpenSSL30, server: .awsEndpoint, serverName: name, clientSeed: 11, serverSeed: 12,
            sessionID: TLSSeeds.fill(32, 1, TLSSeeds.sessionID), identity: id)
        let psk = issuer.ticketPSK(index: 0)
        let identity = TLSSeeds.ticket(serverSeed: 12, index: 0, length: 105)
        let age = TLSOfferedPSK.obfuscatedAge(
            milliseconds: 61_000, ageAdd: TLSSeeds.ticketAgeAdd(serverSeed: 12, index: 0))
        let resumed = TLSSession(
            client: .nodeOpenSSL30, server: .awsEndpoint, serverName: name, clientSeed: 21, serverSeed: 22,
            sessionID: TLSSeeds.fill(32, 2, TLSSeeds.sessionID), identity: id,
            resumption: TLSResumptionInput(psk: psk, identity: identity, obfuscatedAge: age, accepted: true))
        return (issuer, resumed, psk, identity)
    }

    @Test func binderIsTheRFCsOverTheTruncatedHello() throws {
        let (issuer, resumed, psk, identity) = Self.sessions()
        #expect(psk.count == 48 && psk != issuer.ticketPSK(index: 1))
        let record = resumed.clientHelloRecord
        let hello = try record.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: .nodeOpenSSL30) }
        let offered = try #require(hello.psk)
        #expect(offered.identity == identity && offered.binder.count == 48)
        // RFC 8446 §7.1: early = HKDF-Extract(0, PSK); binder_key = Derive-Secret(early, "res binder", "");
        // §4.4.4: binder = HMAC(finished_key, Transcript-Hash(truncated ClientHello)).
        let early = HKDF<SHA384>.extract(inputKeyMaterial: SymmetricKey(data: psk), salt: [UInt8]())
        let empty = Array(SHA384.hash(data: [UInt8]()))
        let binderKey = Self.expandLabel(early.withUnsafeBytes { Array($0) }, "res binder", empty, 48)
        let finishedKey = Self.expandLabel(binderKey, "finished", [], 48)
        let truncated = Array(record[5..<(record.count - 51)])
        let binder = Array(
            HMAC<SHA384>.authenticationCode(
                for: Array(SHA384.hash(data: truncated)), using: SymmetricKey(data: finishedKey)))
        #expect(offered.binder == binder)
    }

    @Test func resumedHandshakeHasNoCertificateAndMatchesItsPlan() throws {
        let (_, resumed, _, _) = Self.sessions()
        #expect(resumed.resumed)
        let sh = try resumed.serverHelloRecord.withUnsafeBytes { try TLSServerHello(parsingRecord: $0) }
        #expect(sh.selectedIdentity == 0)
        #expect(resumed.message(.certificate).isEmpty && resumed.message(.certificateVerify).isEmpty)
        let plan = try TLSFlightPlan(
            client: .nodeOpenSSL30, server: .awsEndpoint, derSizes: [1500, 1100, 1000], resumed: true)
        #expect(plan.serverHelloLength == resumed.serverHelloRecord.count)
        #expect(plan.serverFlight.count == 3) // CCS, EncryptedExtensions, Finished
        for r in plan.serverFlight {
            if case .sealed(let m, let length) = r { #expect(resumed.message(m).count == length, "\(m)") }
        }
        #expect(plan.serverFinish.count == 1) // s2n sends its one ticket again
        // nginx/OpenSSL: two tickets after a full handshake, one after a resumption.
        let nginx = try TLSFlightPlan(client: .nodeOpenSSL30, server: .nginxOpenSSL3, derSizes: [1000], resumed: true)
        #expect(nginx.serverFinish.count == 1)
        // A declined PSK: the hello still offers it, the server makes a full handshake.
        var pki = SimulatedPKI(seed: 3, runStartUnixSeconds: TLSSessionTests.start)
        let (_, _, psk, identity) = Self.sessions()
        let declined = TLSSession(
            client: .nodeOpenSSL30, server: .awsEndpoint, serverName: Self.name, clientSeed: 21, serverSeed: 22,
            sessionID: TLSSeeds.fill(32, 2, TLSSeeds.sessionID),
            identity: pki.identity(serverName: Self.name, chain: .amazonTrust),
            resumption: TLSResumptionInput(psk: psk, identity: identity, obfuscatedAge: 0, accepted: false))
        #expect(!declined.resumed && !declined.message(.certificate).isEmpty)
        #expect(declined.clientHelloRecord.count == resumed.clientHelloRecord.count)
    }
}
