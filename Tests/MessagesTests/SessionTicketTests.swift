import Testing
import Wire
@testable import Messages

/// Issue 11: servers send NewSessionTickets per their type — nginx/OpenSSL two, of the sizes an
/// OpenSSL 3.0.19 server sent in this project's captures (266-byte records after an ALPN answer,
/// 250 without: /work/research/tls, reports boto3.txt and node20_pg.txt), AWS front ends one,
/// RDS for PostgreSQL none.
@Suite struct SessionTicketTests {
    static let name = "partner-api.example.com"

    static func plan(_ client: TLSClientProfileID, _ server: TLSServerProfileID) throws -> TLSFlightPlan {
        var pki = SimulatedPKI(seed: 1, runStartUnixSeconds: TLSSessionTests.start)
        return try TLSFlightPlan(
            client: client.profile, server: server.profile,
            derSizes: pki.derSizes(serverName: name, chain: server.certificateChain))
    }

    /// The payload lengths (record header excluded) of the records the server sends after the
    /// client's Finished.
    static func ticketRecords(_ client: TLSClientProfileID, _ server: TLSServerProfileID) throws -> [Int] {
        let p = try plan(client, server)
        return p.serverFinish.map { r in
            guard case .sealed(.newSessionTicket, _) = r else { return -1 }
            return p.length(of: r) - TLSRecordHeader.length
        }
    }

    @Test func ticketCountsAndSizesPerServerType() throws {
        // OpenSSL 3.0 capture: boto3 (ALPN http/1.1 answered) 266, 266; node-postgres (no ALPN) 250, 250.
        #expect(try Self.ticketRecords(.boto3OpenSSL3, .nginxOpenSSL3) == [266, 266])
        #expect(try Self.ticketRecords(.nodeOpenSSL30, .nginxOpenSSL3) == [250, 250])
        #expect(try Self.ticketRecords(.boto3OpenSSL3, .awsEndpoint) == [130 + 17])
        #expect(try Self.ticketRecords(.libpqOpenSSL30, .postgreSQL) == [])
        // TLS 1.2 keeps its CCS and Finished there.
        #expect(try Self.plan(.boto3OpenSSL3, .postgreSQLTLS12).serverFinish.count == 2)
    }

    @Test func ticketBytesFollowRFC8446AndDifferPerTicket() throws {
        var pki = SimulatedPKI(seed: 1, runStartUnixSeconds: TLSSessionTests.start)
        let s = TLSSession(
            client: .boto3OpenSSL3, server: TLSServerProfile.nginxOpenSSL3, serverName: Self.name, clientSeed: 7,
            serverSeed: 8, sessionID: TLSSeeds.fill(32, 9, TLSSeeds.sessionID),
            identity: pki.identity(serverName: Self.name, chain: .publicWebPKI))
        let a = s.newSessionTicket(index: 0), b = s.newSessionTicket(index: 1)
        #expect(a.count == 249 && b.count == 249)
        // type 4, length 245, lifetime 300, then age_add (4), nonce length 8, nonce 0 / 1.
        #expect(Array(a[0..<8]) == [4, 0, 0, 245, 0, 0, 1, 44])
        #expect(a[12] == 8 && Array(a[13..<21]) == [0, 0, 0, 0, 0, 0, 0, 0] && b[20] == 1)
        // ticket length 224, then an empty extensions block.
        #expect(Array(a[21..<23]) == [0, 224] && Array(a[247...]) == [0, 0])
        #expect(a[23..<247] != b[23..<247] && a[8..<12] != b[8..<12])
        #expect(s.newSessionTicket(index: 1) == b)
    }
}
