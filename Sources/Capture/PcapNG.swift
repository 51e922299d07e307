#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A pcapng file (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html) with the TLS
/// key log of its connections embedded: a Section Header Block (§4.1), one Ethernet Interface
/// Description Block with nanosecond timestamps (§4.2, `if_tsresol` 9), a Decryption Secrets
/// Block of type TLS Key Log (§4.7, 0x544c534b) ahead of the first packet, then an Enhanced
/// Packet Block (§4.3) per frame — so Wireshark decrypts it with no setting at all. libpcap
/// writes only classic pcap, so the blocks are written here, little-endian.
///
/// The secrets are known only as the run goes (a connection's keys exist once its handshake has
/// been rendered), so packets and secrets go to two temporary files and ``finish()`` writes the
/// header blocks, the secrets and the packets under a temporary name, then renames it into place.
public final class PcapNGWriter {
    public let path: String
    let bodyPath: String
    let secretsPath: String
    var body: UnsafeMutablePointer<FILE>?
    var secrets: UnsafeMutablePointer<FILE>?
    var block: [UInt8] = []
    public private(set) var packets: UInt64 = 0
    /// TLS sessions whose secrets the file carries.
    public private(set) var sessions = 0

    public init(path: String) throws {
        self.path = path
        bodyPath = path + ".body.partial"
        secretsPath = path + ".secrets.partial"
        guard let f = fopen(bodyPath, "wb") else {
            throw OutputError("cannot create \(bodyPath): \(String(cString: strerror(errno)))")
        }
        body = f
        guard let g = fopen(secretsPath, "w+b") else {
            fclose(f)
            unlink(bodyPath)
            throw OutputError("cannot create \(secretsPath): \(String(cString: strerror(errno)))")
        }
        secrets = g
        block.reserveCapacity(FrameRenderer.maxFrame + 64)
    }

    /// Adds one TLS session's key-log lines to the file's Decryption Secrets Block.
    public func appendSecrets(_ lines: [String]) {
        guard let secrets else { return }
        let text = Array(lines.map { $0 + "\n" }.joined().utf8)
        _ = text.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, secrets) }
        sessions += 1
    }

    /// Appends one frame as an Enhanced Packet Block on interface 0.
    public func write(unixNanoseconds t: Int64, frame: UnsafeRawBufferPointer) {
        guard let body else { return }
        block.removeAll(keepingCapacity: true)
        let padded = (frame.count + 3) & ~3
        let total = 32 + padded
        Self.u32(&block, 6)
        Self.u32(&block, UInt32(total))
        Self.u32(&block, 0) // interface id
        let ts = UInt64(bitPattern: t)
        Self.u32(&block, UInt32(truncatingIfNeeded: ts >> 32))
        Self.u32(&block, UInt32(truncatingIfNeeded: ts))
        Self.u32(&block, UInt32(frame.count)) // captured length
        Self.u32(&block, UInt32(frame.count)) // original length
        block.append(contentsOf: frame)
        block.append(contentsOf: repeatElement(0, count: padded - frame.count))
        Self.u32(&block, UInt32(total))
        _ = block.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, body) }
        packets &+= 1
    }

    /// Writes the file: header blocks, the secrets (NSS key-log lines), the packets; renames it
    /// into place and removes the temporary files.
    public func finish() throws {
        guard let b = body, let sf = secrets else { return }
        body = nil
        secrets = nil
        guard fclose(b) == 0 else { throw OutputError("cannot write \(bodyPath): \(String(cString: strerror(errno)))") }
        var keyLog: [UInt8] = []
        rewind(sf)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, sf) }
            if n == 0 { break }
            keyLog += buffer[0..<n]
        }
        fclose(sf)
        unlink(secretsPath)
        let temporary = path + ".partial"
        guard let out = fopen(temporary, "wb") else {
            throw OutputError("cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        var head: [UInt8] = []
        Self.sectionHeader(&head)
        Self.interfaceDescription(&head)
        // A capture that shows no TLS session gets no (empty) secrets block.
        if !keyLog.isEmpty { Self.decryptionSecrets(&head, keyLog: keyLog) }
        var ok = head.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, out) } == head.count
        if ok, let input = fopen(bodyPath, "rb") {
            while ok {
                let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, input) }
                if n == 0 { break }
                ok = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, n, out) } == n
            }
            fclose(input)
        } else {
            ok = false
        }
        ok = fclose(out) == 0 && ok
        unlink(bodyPath)
        guard ok else {
            unlink(temporary)
            throw OutputError("cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, path) == 0 else {
            throw OutputError("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the partial files (the run failed).
    public func abandon() {
        if let b = body { fclose(b) }
        if let f = secrets { fclose(f) }
        body = nil
        secrets = nil
        unlink(bodyPath)
        unlink(secretsPath)
        unlink(path + ".partial")
    }

    deinit { abandon() }

    // MARK: Blocks

    static func u16(_ b: inout [UInt8], _ v: UInt16) {
        b.append(UInt8(v & 0xFF))
        b.append(UInt8(v >> 8))
    }
    static func u32(_ b: inout [UInt8], _ v: UInt32) {
        for k in 0..<4 { b.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(k)))) }
    }

    /// An option (code, length, value padded to 32 bits), §3.5.
    static func option(_ b: inout [UInt8], code: UInt16, _ value: [UInt8]) {
        u16(&b, code)
        u16(&b, UInt16(value.count))
        b += value
        b += [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
    }

    /// A block: type, total length, body, total length again (§3.1).
    static func block(_ b: inout [UInt8], type: UInt32, _ body: [UInt8]) {
        precondition(body.count % 4 == 0)
        u32(&b, type)
        u32(&b, UInt32(12 + body.count))
        b += body
        u32(&b, UInt32(12 + body.count))
    }

    /// Section Header Block (§4.1): byte-order magic, version 1.0, section length unknown (-1),
    /// `shb_userappl` naming the writer.
    static func sectionHeader(_ b: inout [UInt8]) {
        var body: [UInt8] = []
        u32(&body, 0x1A2B_3C4D)
        u16(&body, 1)
        u16(&body, 0)
        u32(&body, 0xFFFF_FFFF)
        u32(&body, 0xFFFF_FFFF)
        option(&body, code: 4, Array("vpcsim".utf8)) // shb_userappl
        option(&body, code: 0, []) // opt_endofopt
        block(&b, type: 0x0A0D_0D0A, body)
    }

    /// Interface Description Block (§4.2): LINKTYPE_ETHERNET, the classic pcap's snap length,
    /// `if_tsresol` 9 (nanoseconds).
    static func interfaceDescription(_ b: inout [UInt8]) {
        var body: [UInt8] = []
        u16(&body, 1) // LINKTYPE_ETHERNET
        u16(&body, 0) // reserved
        u32(&body, UInt32(PcapWriter.snapLength))
        option(&body, code: 9, [9]) // if_tsresol: 10^-9
        option(&body, code: 0, [])
        block(&b, type: 1, body)
    }

    /// Decryption Secrets Block (§4.7): secrets type TLS Key Log, the key-log text padded to 32 bits.
    static func decryptionSecrets(_ b: inout [UInt8], keyLog secrets: [UInt8]) {
        var body: [UInt8] = []
        u32(&body, 0x544C_534B) // "TLSK"
        u32(&body, UInt32(secrets.count))
        body += secrets
        body += [UInt8](repeating: 0, count: (4 - secrets.count % 4) % 4)
        block(&b, type: 0x0000_000A, body)
    }
}
