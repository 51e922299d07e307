#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading a topology file: the OS's reason when it cannot be read, a size limit, and the byte
/// where text stops being UTF-8.
enum TopologyFile {
    static func contents(_ path: String) throws(TopologyError) -> [UInt8] {
        func fail(_ message: String) -> TopologyError {
            TopologyError(file: path, line: 0, column: 0, message: message)
        }
        var st = stat()
        guard stat(path, &st) == 0 else { throw fail("cannot read the file: \(String(cString: strerror(errno)))") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw fail("cannot read the file: it is a directory") }
        guard (st.st_mode & S_IFMT) == S_IFREG || (st.st_mode & S_IFMT) == S_IFIFO || (st.st_mode & S_IFMT) == S_IFCHR
        else { throw fail("cannot read the file: it is not a regular file") }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw fail("cannot read the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("cannot read the file: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > TopologyLimits.fileBytes {
                throw fail(
                    "the file is larger than \(TopologyLimits.fileBytes >> 20) MB, the limit for a topology file")
            }
        }
        return bytes
    }

    /// The bytes as text, or an error at the first byte that is not UTF-8.
    static func text(_ bytes: [UInt8], file: String) throws(TopologyError) -> String {
        var parser = Unicode.UTF8.ForwardParser()
        var it = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &it) {
            case .valid(let s): offset += s.count
            case .emptyInput: return String(decoding: bytes, as: UTF8.self)
            case .error(let length):
                let (line, column) = YAMLBudget.position(ofByte: offset, in: bytes)
                let shown = bytes[offset..<offset + max(length, 1)].map { String($0, radix: 16, uppercase: true) }
                throw TopologyError(
                    file: file, line: line, column: column,
                    message: "the file is not UTF-8 text: byte 0x\(shown[0]) at offset \(offset) does not begin "
                        + "a UTF-8 character")
            }
        }
    }
}
