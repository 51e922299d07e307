#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `OUT/tls-keys.log`: the NSS key log (https://nss-crypto.org/reference/security/nss/legacy/key_log_format/,
/// and the SSLKEYLOGFILE draft, https://www.ietf.org/archive/id/draft-ietf-tls-keylogfile-03.html)
/// of every TLS session the captures show, in the order they first appear — what Wireshark reads
/// through `tls.keylog_file`. Written under a temporary name and renamed when complete.
public final class TLSKeyLogFile {
    public let path: String
    let temporaryPath: String
    var file: UnsafeMutablePointer<FILE>?
    public private(set) var sessions = 0

    public init(path: String) throws {
        self.path = path
        temporaryPath = path + ".partial"
        guard let f = fopen(temporaryPath, "wb") else {
            throw OutputError("cannot create \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        file = f
    }

    /// Appends one session's lines.
    public func append(_ lines: [String]) {
        guard let file else { return }
        let text = Array(lines.map { $0 + "\n" }.joined().utf8)
        _ = text.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        sessions += 1
    }

    public func finish() throws {
        guard let f = file else { return }
        file = nil
        guard fclose(f) == 0 else {
            throw OutputError("cannot write \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        guard rename(temporaryPath, path) == 0 else {
            throw OutputError("cannot rename \(temporaryPath) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    public func abandon() {
        if let f = file { fclose(f) }
        file = nil
        unlink(temporaryPath)
    }

    deinit { abandon() }
}
