import Testing
import SimCore
import Wire
import TestSupport
@testable import NetModel
@testable import Capture

/// Stream chunks, described in the payload vocabulary, render to bytes that Wire's parsers accept.
@Suite struct StreamRenderingTests {
    /// Renders a whole stream in slices of `step` bytes, as segments would cut it.
    func bytes(of stream: StreamID, length: Int, step: Int, _ store: inout StreamStore, _ catalog: NameCatalog)
        -> [UInt8]
    {
        var out = [UInt8](repeating: 0, count: length)
        var scratch: [UInt8] = []
        out.withUnsafeMutableBytes { buffer in
            var w = ByteWriter(buffer)
            var at = 0
            while at < length {
                let n = min(step, length - at)
                store.write(stream: stream, offset: UInt64(at), count: n, into: &w, catalog: catalog, scratch: &scratch)
                at += n
            }
        }
        return out
    }

    @Test func handshakeChunksRenderAsTheirProfilesLayThemOut() throws {
        var catalog = NameCatalog()
        let name = catalog.intern(name: "dynamodb.us-east-1.amazonaws.com")
        let text = catalog.intern(text: "PING\r\n")
        let client = StreamID(connection: 5, origin: .initiator), server = StreamID(connection: 5, origin: .responder)
        let profile = TLSClientProfileID.boto3OpenSSL3
        let helloLength = profile.profile.clientHelloRecordLength(serverName: catalog.name(name))
        let record = TLSCiphertext.recordLength(innerPlaintextLength: 100)
        var store = StreamStore()
        var offset: UInt64 = 0
        for (content, length) in [
            (Payload.postgresSSLRequest, PostgresSSLRequest.length),
            (.tlsClientHello(profile: profile, serverName: name, seed: 77), helloLength),
            (.tlsChangeCipherSpec, TLSChangeCipherSpec.recordLength),
            (.tlsCiphertext(seed: 3), record), (.text(text), 6),
        ] {
            store.add(StreamChunk(stream: client, offset: offset, length: UInt32(length), content: content))
            offset += UInt64(length)
        }
        let serverHelloLength = TLSServerHello.recordLength(sessionIDEchoLength: profile.profile.sessionIDLength)
        store.add(
            StreamChunk(
                stream: server, offset: 0, length: UInt32(serverHelloLength),
                content: .tlsServerHello(profile: .awsEndpoint, client: profile, seed: 9)))

        let up = bytes(of: client, length: Int(offset), step: 97, &store, catalog)
        #expect(Array(up[0..<8]) == [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F])
        let helloBytes = Array(up[8..<(8 + helloLength)])
        let hello = try helloBytes.withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: profile.profile) }
        #expect(hello.serverName == "dynamodb.us-east-1.amazonaws.com")
        #expect(helloBytes.withUnsafeBytes { TLSClientProfileID.identify($0) } == profile)
        let ccs = 8 + helloLength
        #expect(Array(up[ccs..<(ccs + 6)]).withUnsafeBytes { TLSChangeCipherSpec.isValidRecord($0) })
        #expect(Array(up[(ccs + 6)..<(ccs + 11)]) == [23, 3, 3, 0, 117])
        #expect(Array(up.suffix(6)) == Array("PING\r\n".utf8))

        let down = bytes(of: server, length: serverHelloLength, step: 50, &store, catalog)
        let serverHello = try down.withUnsafeBytes { try TLSServerHello(parsingRecord: $0) }
        #expect(serverHello.sessionIDEcho == hello.sessionID)
        #expect(serverHello.cipherSuite == TLSCipherSuite.aes256GCMSHA384)
        #expect(store.missing == 0)

        // Another seed: another random and key share, the same session id (same connection).
        var other = StreamStore()
        other.add(
            StreamChunk(
                stream: client, offset: 0, length: UInt32(helloLength),
                content: .tlsClientHello(profile: profile, serverName: name, seed: 78)))
        let again = try bytes(of: client, length: helloLength, step: 1000, &other, catalog)
            .withUnsafeBytes { try TLSClientHello(parsingRecord: $0, profile: profile.profile) }
        #expect(
            again.random != hello.random && again.keyShares != hello.keyShares && again.sessionID == hello.sessionID)
    }
}
