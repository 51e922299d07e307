import CZlib
import Dispatch
import Synchronization
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file written through zlib (gzip container, `deflateInit2` with window bits 15 + 16) or as
/// plain text, under a temporary name until ``finish()`` renames it into place. The gzip header
/// carries no timestamp, so equal content gives equal files.
///
/// Compression runs off the simulation's thread: bytes collect in a staging buffer and each full
/// chunk is handed to the file's serial dispatch queue, which deflates and writes it while the
/// simulation goes on (at most `maxPendingChunks` wait, so memory stays flat). Chunks are cut at
/// fixed sizes and deflated in order, so the file's bytes never depend on thread timing.
/// ``finish()`` waits for the queue, then completes the stream and renames; a write error on the
/// queue is reported there.
public final class CompressedFileWriter {
    public let path: String
    let sink: FileSink
    let gzip: Bool
    /// The file's compression queue and the free slots for chunks waiting on it (gzip only).
    let queue: DispatchQueue?
    let slots: DispatchSemaphore
    var staging: [UInt8] = []
    static let chunkSize = 1 << 17
    static let maxPendingChunks = 4
    public private(set) var uncompressedBytes: UInt64 = 0
    var done = false

    public init(path: String, gzip: Bool = true, level: Int32 = 6) throws {
        self.path = path
        self.gzip = gzip
        sink = try FileSink(path: path, gzip: gzip, level: level)
        queue = gzip ? DispatchQueue(label: "vpcsim.deflate") : nil
        slots = DispatchSemaphore(value: Self.maxPendingChunks)
        if gzip { staging.reserveCapacity(Self.chunkSize) }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !done, bytes.count > 0 else { return }
        uncompressedBytes += UInt64(bytes.count)
        guard gzip else { try sink.writePlain(bytes); return }
        var rest = bytes
        while !rest.isEmpty {
            let n = min(rest.count, Self.chunkSize - staging.count)
            staging.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest.prefix(n)))
            rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(n))
            if staging.count == Self.chunkSize { try handOff() }
        }
    }

    /// Queues the staged bytes for compression (waiting while `maxPendingChunks` are queued);
    /// throws the error of an earlier chunk that failed on the queue (disk full, …).
    func handOff() throws {
        guard let queue, !staging.isEmpty else { return }
        if let failure = sink.failure { throw failure }
        let chunk = staging
        staging = []
        staging.reserveCapacity(Self.chunkSize)
        slots.wait()
        queue.async { [sink, slots] in
            sink.deflateChunk(chunk)
            slots.signal()
        }
    }

    /// Completes the stream, closes the file and renames it into place.
    public func finish() throws {
        guard !done else { return }
        done = true
        do { try handOff() } catch { abandon(force: true); throw error }
        if let queue { try queue.sync { try sink.finish() } } else { try sink.finish() }
    }

    public func abandon() { abandon(force: false) }

    func abandon(force: Bool) {
        guard !done || force else { return }
        done = true
        staging = []
        if let queue { queue.sync { sink.abandon() } } else { sink.abandon() }
    }

    deinit { abandon() }
}

/// The open file and zlib stream behind a ``CompressedFileWriter``. With gzip it is used only on
/// the writer's serial queue (one chunk at a time, in order), hence `@unchecked Sendable`.
final class FileSink: @unchecked Sendable {
    let path: String
    let temporaryPath: String
    let gzip: Bool
    var file: UnsafeMutablePointer<FILE>?
    /// On the heap: zlib keeps a pointer back to its z_stream, so it must not move.
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    var out = [UInt8](repeating: 0, count: 1 << 16)
    /// The first error met while deflating or writing on the queue (read from the writer's thread).
    let failed = Mutex<OutputError?>(nil)
    var failure: OutputError? { failed.withLock { $0 } }

    init(path: String, gzip: Bool, level: Int32) throws {
        self.path = path
        self.temporaryPath = path + ".partial"
        self.gzip = gzip
        stream.initialize(to: z_stream())
        guard let f = fopen(temporaryPath, "wb") else {
            throw OutputError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        file = f
        if gzip {
            let rc = deflateInit2_(
                stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size))
            guard rc == Z_OK else {
                fclose(f); file = nil; unlink(temporaryPath)
                throw OutputError("zlib deflateInit2 failed (\(rc))")
            }
        }
    }

    func writePlain(_ bytes: UnsafeRawBufferPointer) throws {
        guard let f = file else { return }
        guard fwrite(bytes.baseAddress, 1, bytes.count, f) == bytes.count else { throw writeError() }
    }

    func deflateChunk(_ chunk: [UInt8]) {
        guard failure == nil else { return }
        chunk.withUnsafeBytes { bytes in
            stream.pointee.next_in = UnsafeMutablePointer(
                mutating: bytes.baseAddress!.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(bytes.count)
            do { try pump(flush: Z_NO_FLUSH) } catch {
                let e = error as? OutputError ?? OutputError("\(error)")
                failed.withLock { if $0 == nil { $0 = e } }
            }
        }
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
                if have > 0 && fwrite(buf.baseAddress, 1, have, f) != have { throw writeError() }
                if flush == Z_FINISH && rc == Z_STREAM_END { break }
            } while stream.pointee.avail_out == 0 || (flush == Z_FINISH)
        }
    }

    func finish() throws {
        guard let f = file else { return }
        if let failure { abandon(); throw failure }
        if gzip {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
            do { try pump(flush: Z_FINISH) } catch { abandon(); throw error }
            deflateEnd(stream)
        }
        // Flushed and closed with both results checked: a full disk or a file-size limit shows
        // here at the latest, never as a short file under the final name.
        let flushed = fflush(f) == 0 && ferror(f) == 0
        let flushErrno = errno
        let closed = fclose(f) == 0
        let closeErrno = errno
        file = nil
        guard flushed && closed else {
            unlink(temporaryPath)
            throw writeError(flushed ? closeErrno : flushErrno)
        }
        guard rename(temporaryPath, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw OutputError("cannot rename \(temporaryPath) to \(path): \(why)")
        }
    }

    /// The error of a failed write: the file's final name and the OS's reason.
    func writeError(_ code: Int32 = errno) -> OutputError {
        OutputError("cannot write \(path): \(String(cString: strerror(code == 0 ? EIO : code)))")
    }

    func abandon() {
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

/// Creates `path` and the directories between it and `base`, which must exist: an output
/// directory removed during a run is reported, never silently created again.
public func makeDirectories(_ path: String, under base: String) throws {
    var st = stat()
    guard stat(base, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
        throw OutputError("the output directory \(base) was removed during the run")
    }
    guard path.hasPrefix(base) else { return try makeDirectories(path) }
    var built = base
    for part in path.dropFirst(base.count).split(separator: "/") {
        built += "/" + part
        if mkdir(built, 0o755) != 0 && errno != EEXIST {
            throw OutputError("cannot create directory \(built): \(String(cString: strerror(errno)))")
        }
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
