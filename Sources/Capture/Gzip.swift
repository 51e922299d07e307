import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written through zlib (gzip container, `deflateInit2` with window bits 15 + 16) or as
/// plain text, under a temporary name until ``finish()`` renames it into place. The gzip header
/// carries no timestamp, so equal content gives equal files.
public final class CompressedFileWriter {
    public let path: String
    let temporaryPath: String
    var file: UnsafeMutablePointer<FILE>?
    /// On the heap: zlib keeps a pointer back to its z_stream, so it must not move.
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    let gzip: Bool
    var out = [UInt8](repeating: 0, count: 1 << 16)
    public private(set) var uncompressedBytes: UInt64 = 0

    public init(path: String, gzip: Bool = true, level: Int32 = 6) throws {
        self.path = path
        self.temporaryPath = path + ".partial"
        self.gzip = gzip
        stream.initialize(to: z_stream())
        guard let f = fopen(temporaryPath, "wb") else {
            throw OutputError("cannot create \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        file = f
        if gzip {
            let rc = deflateInit2_(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                                   Int32(MemoryLayout<z_stream>.size))
            guard rc == Z_OK else { throw OutputError("zlib deflateInit2 failed (\(rc))") }
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let f = file, bytes.count > 0 else { return }
        uncompressedBytes += UInt64(bytes.count)
        if !gzip {
            guard fwrite(bytes.baseAddress, 1, bytes.count, f) == bytes.count else { throw OutputError("write to \(temporaryPath) failed") }
            return
        }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(bytes.count)
        try pump(flush: Z_NO_FLUSH)
    }

    func pump(flush: Int32) throws {
        guard let f = file else { return }
        try out.withUnsafeMutableBytes { buf in
            repeat {
                stream.pointee.next_out = buf.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(buf.count)
                let rc = deflate(stream, flush)
                guard rc != Z_STREAM_ERROR else { throw OutputError("zlib deflate failed") }
                let have = buf.count - Int(stream.pointee.avail_out)
                if have > 0 && fwrite(buf.baseAddress, 1, have, f) != have { throw OutputError("write to \(temporaryPath) failed") }
                if flush == Z_FINISH && rc == Z_STREAM_END { break }
            } while stream.pointee.avail_out == 0 || (flush == Z_FINISH)
        }
    }

    /// Completes the stream, closes the file and renames it into place.
    public func finish() throws {
        guard let f = file else { return }
        if gzip {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
            try pump(flush: Z_FINISH)
            deflateEnd(stream)
        }
        fclose(f)
        file = nil
        guard rename(temporaryPath, path) == 0 else {
            throw OutputError("cannot rename \(temporaryPath) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    public func abandon() {
        guard let f = file else { return }
        if gzip { deflateEnd(stream) }
        fclose(f)
        file = nil
        unlink(temporaryPath)
    }

    deinit {
        abandon()
        stream.deinitialize(count: 1)
        stream.deallocate()
    }
}

/// Creates a directory and its parents (like `mkdir -p`).
public func makeDirectories(_ path: String) throws {
    var built = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        built += "/" + part
        if mkdir(built, 0o755) != 0 && errno != EEXIST {
            throw OutputError("cannot create directory \(built): \(String(cString: strerror(errno)))")
        }
    }
}
