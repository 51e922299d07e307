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
public final class PcapWriter {
    public let path: String
    let temporaryPath: String
    var handle: OpaquePointer?
    var dumper: OpaquePointer?
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
            throw OutputError("cannot create \(temporaryPath): \(why)")
        }
        dumper = d
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
        packets &+= 1
        bytes &+= UInt64(frame.count)
    }

    /// Flushes, closes and renames the file into place.
    public func finish() throws {
        guard let d = dumper, let p = handle else { return }
        pcap_dump_flush(d)
        pcap_dump_close(d)
        pcap_close(p)
        dumper = nil
        handle = nil
        guard rename(temporaryPath, path) == 0 else {
            throw OutputError("cannot rename \(temporaryPath) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Closes and deletes the temporary file (the run failed before producing anything useful).
    public func abandon() {
        if let d = dumper { pcap_dump_close(d) }
        if let p = handle { pcap_close(p) }
        dumper = nil
        handle = nil
        unlink(temporaryPath)
    }

    deinit { abandon() }
}
