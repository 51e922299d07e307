// Small helpers private to WireTests: hex, rendering into byte arrays, a seeded generator,
// a classic nanosecond pcap writer, frame assembly, and running the real tshark.
import Foundation
import Testing
import Wire
import SimCore

func bytes(hex text: String) -> [UInt8] { hexBytes(text) }

func hexString(_ b: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var s = [UInt8]()
    s.reserveCapacity(b.count * 2)
    for x in b { s.append(digits[Int(x >> 4)]); s.append(digits[Int(x & 15)]) }
    return String(decoding: s, as: UTF8.self)
}

/// Runs `body` with a writer over a fresh buffer and returns exactly the bytes written.
func render(capacity: Int = 70_000, _ body: (inout ByteWriter) -> Void) -> [UInt8] {
    var storage = [UInt8](repeating: 0xEE, count: capacity)
    let n = storage.withUnsafeMutableBytes { raw -> Int in
        var w = ByteWriter(raw)
        body(&w)
        return w.offset
    }
    return Array(storage[0..<n])
}

/// Parses with a reader over `b`, returning the value and how far the reader got.
func parse<T>(_ b: [UInt8], _ body: (inout ByteReader) throws(WireError) -> T) throws(WireError) -> (T, Int) {
    try b.withByteReader { (r: inout ByteReader) throws(WireError) in (try body(&r), r.offset) }
}

/// Captures the error thrown by `body`, or nil.
func wireError(_ body: () throws -> Void) -> WireError? {
    do {
        try body()
        return nil
    } catch let error as WireError {
        return error
    } catch {
        Issue.record("expected a WireError, got \(error)")
        return nil
    }
}

/// SplitMix64: deterministic test randomness.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 { SplitMix64.next(&state) }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &self) } }
}

/// A classic pcap file (not pcapng) with the nanosecond magic 0xa1b23c4d, link type 1
/// (Ethernet), written little-endian.
struct PcapFile {
    private(set) var data: [UInt8] = []

    init(snapLength: UInt32 = 262_144) {
        le32(0xA1B2_3C4D)
        le16(2); le16(4) // version 2.4
        le32(0); le32(0) // thiszone, sigfigs
        le32(snapLength)
        le32(1) // LINKTYPE_ETHERNET
    }

    private mutating func le16(_ v: UInt16) { data += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    private mutating func le32(_ v: UInt32) {
        for i in 0..<4 { data.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
    }

    mutating func add(frame: [UInt8], nanoseconds: UInt64) {
        le32(UInt32(nanoseconds / 1_000_000_000))
        le32(UInt32(nanoseconds % 1_000_000_000))
        le32(UInt32(frame.count))
        le32(UInt32(frame.count))
        data += frame
    }

    func write(to path: String) throws {
        try Data(data).write(to: URL(fileURLWithPath: path))
    }
}

struct Endpoint {
    var mac: MACAddress
    var ip: IPv4Address
    var port: UInt16
}

/// Ethernet + IPv4 + TCP + payload, with correct IPv4 and TCP checksums.
func tcpFrame(
    from src: Endpoint, to dst: Endpoint, ipID: UInt16, ttl: UInt8 = 64, header: TCPHeader,
    payloadLength: Int = 0, payload: (inout ByteWriter) -> Void = { _ in }
) -> [UInt8] {
    let segmentLength = header.headerLength + payloadLength
    var frame = [UInt8](repeating: 0, count: EthernetHeader.length + IPv4Header.length + segmentLength)
    frame.withUnsafeMutableBytes { raw in
        var w = ByteWriter(raw)
        EthernetHeader(destination: dst.mac, source: src.mac).encode(into: &w)
        IPv4Header(
            payloadLength: segmentLength, identification: ipID, ttl: ttl, protocolNumber: IPProtocol.tcp,
            source: src.ip, destination: dst.ip
        ).encode(into: &w)
        let segmentStart = w.offset
        header.encode(into: &w)
        payload(&w)
        precondition(
            w.offset == raw.count,
            "payload wrote \(w.offset - segmentStart - header.headerLength), expected \(payloadLength)")
        TransportChecksum.patch(
            segment: UnsafeMutableRawBufferPointer(rebasing: raw[segmentStart...]),
            checksumOffset: TCPHeader.Field.checksum, source: src.ip, destination: dst.ip,
            protocolNumber: IPProtocol.tcp)
    }
    return frame
}

/// Ethernet + IPv4 + UDP + payload, with correct checksums.
func udpFrame(
    from src: Endpoint, to dst: Endpoint, ipID: UInt16, dontFragment: Bool, ttl: UInt8 = 64,
    payload: [UInt8]
) -> [UInt8] {
    let udp = UDPHeader(srcPort: src.port, dstPort: dst.port, payloadLength: payload.count)
    return render { w in
        EthernetHeader(destination: dst.mac, source: src.mac).encode(into: &w)
        IPv4Header(
            totalLength: UInt16(20 + Int(udp.length)), identification: ipID, dontFragment: dontFragment,
            ttl: ttl, protocolNumber: IPProtocol.udp, source: src.ip, destination: dst.ip
        ).encode(into: &w)
        let start = w.offset
        udp.encode(into: &w)
        w.bytes(payload)
        TransportChecksum.patch(
            segment: w.written(from: start), checksumOffset: UDPHeader.Field.checksum,
            source: src.ip, destination: dst.ip, protocolNumber: IPProtocol.udp)
    }
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the real tshark (no fallbacks: a missing tshark fails the test).
func tshark(_ arguments: [String]) throws -> ProcessResult {
    let candidates = ["/usr/bin/tshark", "/usr/local/bin/tshark", "/opt/homebrew/bin/tshark"]
    guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw TsharkMissing()
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["HOME"] = NSTemporaryDirectory() // keep tshark from reading a user profile
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

struct TsharkMissing: Error, CustomStringConvertible {
    var description: String { "tshark not found; install it (Debian: apt-get install tshark)" }
}

func temporaryPath(_ name: String) -> String {
    let dir = NSTemporaryDirectory() + "wiretests-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir + "/" + name
}

/// tshark's expert-info summary must list no errors and no warnings. Returns the output.
@discardableResult
func expectNoExpertWarnings(pcap path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let result = try tshark([
        "-r", path, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
        "-o", "udp.check_checksum:TRUE", "-z", "expert", "-q",
    ])
    #expect(result.status == 0, "tshark failed: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(
        !result.stdout.contains("Errors ("), "tshark expert errors:\n\(result.stdout)", sourceLocation: sourceLocation)
    // tshark 4.0 titles the section "Warns (n)".
    #expect(
        !result.stdout.contains("Warns ("), "tshark expert warnings:\n\(result.stdout)", sourceLocation: sourceLocation)
    #expect(
        !result.stdout.contains("Warnings ("), "tshark expert warnings:\n\(result.stdout)",
        sourceLocation: sourceLocation)
    #expect(
        !result.stderr.lowercased().contains("warn"), "tshark stderr: \(result.stderr)", sourceLocation: sourceLocation)
    return result.stdout
}
