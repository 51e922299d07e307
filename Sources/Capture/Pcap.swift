import CPcap
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct OutputError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// A classic pcap file (nanosecond timestamps, Ethernet) written through libpcap.
///
/// The file is written under a temporary name and renamed into place by ``finish()``, so a run
/// that dies leaves no half-written file under the final name; an interrupted run calls
/// ``finish()`` on what it has, which libpcap has framed packet by packet.
///
/// Every write is checked: libpcap's `pcap_dump` returns nothing, so the stream's error flag
/// (`pcap_dump_file` + `ferror`) is read after each packet and the first failure, with its
/// `errno`, is kept; ``checkErrors()`` and ``finish()`` report it. ``finish()`` checks the flush
/// (`pcap_dump_flush`) and the close: `pcap_dump_close` is `fclose` on that stream with its
/// result discarded (libpcap sf-pcap.c), so the stream is closed here with `fclose` instead.
public final class PcapWriter {
    public let path: String
    let temporaryPath: String
    var handle: OpaquePointer?
    var dumper: OpaquePointer?
    var stream: UnsafeMutablePointer<FILE>?
    /// The `errno` of the first failed write, or 0.
    var failedErrno: Int32 = 0
    public private(set) var packets: UInt64 = 0
    public private(set) var bytes: UInt64 = 0
    public static let snapLength: Int32 = 262_144

    public init(path: String) throws {
        self.path = path
        self.temporaryPath = path + ".partial"
        guard
            let p = pcap_open_dead_with_tstamp_precision(
                DLT_EN10MB, Self.snapLength, UInt32(PCAP_TSTAMP_PRECISION_NANO))
        else {
            throw OutputError("libpcap could not open a capture handle")
        }
        handle = p
        guard let d = pcap_dump_open(p, temporaryPath) else {
            let why = String(cString: pcap_geterr(p))
            pcap_close(p)
            handle = nil
            throw OutputError("cannot create \(path): \(why)")
        }
        dumper = d
        stream = pcap_dump_file(d)
    }

    /// Appends one frame. `unixNanoseconds` is the absolute capture time.
    public func write(unixNanoseconds t: Int64, frame: UnsafeRawBufferPointer) {
        guard let dumper else { return }
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(t / 1_000_000_000)
        header.ts.tv_usec = Int(t % 1_000_000_000) // nanoseconds: the file's precision is nano
        header.caplen = UInt32(frame.count)
        header.len = UInt32(frame.count)
        pcap_dump(
            UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), &header,
            frame.baseAddress!.assumingMemoryBound(to: UInt8.self))
        if failedErrno == 0, let stream, ferror(stream) != 0 { failedErrno = errno == 0 ? EIO : errno }
        packets &+= 1
        bytes &+= UInt64(frame.count)
    }

    /// Throws if a write has failed (disk full, file too large, I/O error).
    public func checkErrors() throws {
        if failedErrno != 0 { throw OutputError("cannot write \(path): \(String(cString: strerror(failedErrno)))") }
    }

    /// Flushes, closes and renames the file into place; any failure on the way is thrown (and
    /// the temporary file removed).
    public func finish() throws {
        guard let d = dumper, let p = handle, let f = stream else { return }
        var failure = failedErrno
        if failure == 0 && (pcap_dump_flush(d) != 0 || ferror(f) != 0) { failure = errno == 0 ? EIO : errno }
        let closed = fclose(f) == 0
        if failure == 0 && !closed { failure = errno == 0 ? EIO : errno }
        pcap_close(p)
        dumper = nil
        handle = nil
        stream = nil
        if failure != 0 {
            unlink(temporaryPath)
            throw OutputError("cannot write \(path): \(String(cString: strerror(failure)))")
        }
        guard rename(temporaryPath, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw OutputError("cannot rename \(temporaryPath) to \(path): \(why)")
        }
    }

    /// Closes and deletes the temporary file (the run failed before producing anything useful).
    public func abandon() {
        if let f = stream { fclose(f) }
        if let p = handle { pcap_close(p) }
        dumper = nil
        handle = nil
        stream = nil
        unlink(temporaryPath)
    }

    deinit { abandon() }
}
