// The TCP header (RFC 9293 §3.1) and its options: MSS (RFC 9293 §3.2), window scale and
// timestamps (RFC 7323), SACK-permitted and SACK blocks (RFC 2018), in the orders Linux, Windows
// and Apple stacks lay them out.

/// TCP control bits (RFC 9293 §3.1; ECE/CWR from RFC 3168).
public struct TCPFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let fin = TCPFlags(rawValue: 1)
    public static let syn = TCPFlags(rawValue: 2)
    public static let rst = TCPFlags(rawValue: 4)
    public static let psh = TCPFlags(rawValue: 8)
    public static let ack = TCPFlags(rawValue: 16)
    public static let urg = TCPFlags(rawValue: 32)
    public static let ece = TCPFlags(rawValue: 64)
    public static let cwr = TCPFlags(rawValue: 128)

    /// tcpdump style: "S", "S.", "P.", "F.", "R" ("." = ACK).
    public var description: String {
        var s = ""
        if contains(.syn) { s += "S" }
        if contains(.fin) { s += "F" }
        if contains(.rst) { s += "R" }
        if contains(.psh) { s += "P" }
        if contains(.urg) { s += "U" }
        if contains(.ece) { s += "E" }
        if contains(.cwr) { s += "W" }
        if contains(.ack) { s += "." }
        return s.isEmpty ? "none" : s
    }
}

/// TSval/TSecr of the timestamps option (RFC 7323 §3).
public struct TCPTimestamps: Hashable, Sendable {
    public var value: UInt32
    public var echo: UInt32
    @inlinable public init(value: UInt32, echo: UInt32) { self.value = value; self.echo = echo }
}

/// One SACK block: left edge inclusive, right edge exclusive (RFC 2018 §3).
public struct SACKBlock: Hashable, Sendable {
    public var left: UInt32
    public var right: UInt32
    @inlinable public init(left: UInt32, right: UInt32) { self.left = left; self.right = right }
}

/// The order in which a stack lays out the options of its SYN and SYN-ACK (p0f's "olayout";
/// the option kinds of JA4T). Segments after the handshake carry only timestamps (and SACK
/// blocks), as "nop, nop, TS" in every layout here.
///
/// | layout | SYN options, in wire order | source |
/// |---|---|---|
/// | `linux` | MSS, SACK_PERM, TS, NOP, WS | net/ipv4/tcp_output.c `tcp_options_write`; captures of 6.18 here |
/// | `windows` | MSS, NOP, WS, NOP, NOP, SACK_PERM (with TS: MSS, NOP, WS, SACK_PERM, TS) | FoxIO (1) |
/// | `apple` | MSS, NOP, WS, NOP, NOP, TS, SACK_PERM, EOL, EOL | FoxIO (2); XNU tcp_output.c pads with EOL |
///
/// (1) ja4plus-mapping.csv, JA4T 2-1-3-1-1-4 (Windows 10/11); p0f.fp "Windows 7 or 8".
/// (2) ja4plus-mapping.csv, JA4T 2-1-3-1-1-8-4-0-0 (macOS/iOS).
public enum TCPOptionLayout: UInt8, Hashable, Sendable, CaseIterable {
    case linux = 0
    case windows = 1
    case apple = 2

    /// Bytes of option space for these options in this layout, a multiple of 4 (the one rule
    /// both the encoder and the model's packet descriptors use).
    @inlinable
    public func encodedLength(mss: Bool, sackPermitted: Bool, windowScale: Bool, timestamps: Bool, sackBlocks: Int = 0)
        -> Int
    {
        var n = 0
        switch self {
        case .linux:
            if mss { n += 4 }
            if timestamps { n += 12 } else if sackPermitted { n += 4 } // SACK_PERM TS | NOP NOP TS | NOP NOP SACK_PERM
            if windowScale { n += 4 } // NOP WS
        case .windows:
            if mss { n += 4 }
            if windowScale { n += 4 } // NOP WS
            if timestamps {
                n += 12 // SACK_PERM TS, or NOP NOP TS
            } else if sackPermitted {
                n += 4 // NOP NOP SACK_PERM
            }
        case .apple:
            if mss { n += 4 }
            if windowScale { n += 4 } // NOP WS
            if timestamps { n += 12 } // NOP NOP TS
            if sackPermitted { n += 4 } // SACK_PERM EOL EOL
        }
        if sackBlocks > 0 { n += 4 + 8 * sackBlocks }
        return n
    }
}

/// The option set of one segment, laid out as its sender's stack lays it out (``layout``). The
/// Linux layout (`tcp_options_write`) round-trips real Linux segments byte for byte:
///
///     MSS                     02 04 mm mm
///     SACK-perm + timestamps  04 02 08 0a <TSval> <TSecr>        (both present)
///     timestamps only         01 01 08 0a <TSval> <TSecr>
///     SACK-perm only          01 01 04 02
///     window scale            01 03 03 ss
///     SACK blocks             01 01 05 <2+8n> <left right>...
///
/// A Linux SYN is therefore "mss, sackOK, TS, nop, wscale" (20 bytes); a SYN-ACK to a peer
/// without timestamps is "mss, nop, nop, sackOK, nop, wscale" (12 bytes); a data segment is
/// "nop, nop, TS" (12 bytes), with SACK blocks after another "nop, nop". Windows and Apple
/// stacks order the SYN's options differently (``TCPOptionLayout``).
public struct TCPOptions: Hashable, Sendable {
    public enum Kind {
        public static let end: UInt8 = 0
        public static let nop: UInt8 = 1
        public static let mss: UInt8 = 2
        public static let windowScale: UInt8 = 3
        public static let sackPermitted: UInt8 = 4
        public static let sack: UInt8 = 5
        public static let timestamps: UInt8 = 8
    }
    /// Options space is at most 40 bytes (data offset <= 15 words).
    public static let maximumLength = 40

    public var mss: UInt16?
    public var sackPermitted: Bool
    public var windowScale: UInt8?
    public var timestamps: TCPTimestamps?
    /// Rare; up to 3 blocks with timestamps, 4 without.
    public var sackBlocks: [SACKBlock]
    /// How the sender orders them (parsing accepts any order and says `.linux`).
    public var layout: TCPOptionLayout

    @inlinable
    public init(
        mss: UInt16? = nil, sackPermitted: Bool = false, windowScale: UInt8? = nil,
        timestamps: TCPTimestamps? = nil, sackBlocks: [SACKBlock] = [], layout: TCPOptionLayout = .linux
    ) {
        self.mss = mss
        self.sackPermitted = sackPermitted
        self.windowScale = windowScale
        self.timestamps = timestamps
        self.sackBlocks = sackBlocks
        self.layout = layout
    }

    public static let none = TCPOptions()

    /// Encoded size, always a multiple of 4.
    @inlinable
    public var encodedLength: Int {
        layout.encodedLength(
            mss: mss != nil, sackPermitted: sackPermitted, windowScale: windowScale != nil,
            timestamps: timestamps != nil, sackBlocks: sackBlocks.count)
    }

    @inlinable
    public func encode(into writer: inout ByteWriter) {
        let length = encodedLength
        precondition(length <= Self.maximumLength, "TCP options exceed 40 bytes")
        writer.require(length)
        if let mss {
            writer.u16(UInt16(Kind.mss) << 8 | 4)
            writer.u16(mss)
        }
        switch layout {
        case .linux:
            if let timestamps {
                if sackPermitted {
                    writer.u32(UInt32(Kind.sackPermitted) << 24 | 2 << 16 | UInt32(Kind.timestamps) << 8 | 10)
                } else {
                    writer.u32(UInt32(Kind.nop) << 24 | UInt32(Kind.nop) << 16 | UInt32(Kind.timestamps) << 8 | 10)
                }
                writer.u32(timestamps.value)
                writer.u32(timestamps.echo)
            } else if sackPermitted {
                writer.u32(UInt32(Kind.nop) << 24 | UInt32(Kind.nop) << 16 | UInt32(Kind.sackPermitted) << 8 | 2)
            }
            if let windowScale { writeWindowScale(windowScale, &writer) }
        case .windows:
            if let windowScale { writeWindowScale(windowScale, &writer) }
            if let timestamps {
                if sackPermitted {
                    writer.u32(UInt32(Kind.sackPermitted) << 24 | 2 << 16 | UInt32(Kind.timestamps) << 8 | 10)
                } else {
                    writer.u32(UInt32(Kind.nop) << 24 | UInt32(Kind.nop) << 16 | UInt32(Kind.timestamps) << 8 | 10)
                }
                writer.u32(timestamps.value)
                writer.u32(timestamps.echo)
            } else if sackPermitted {
                writer.u32(UInt32(Kind.nop) << 24 | UInt32(Kind.nop) << 16 | UInt32(Kind.sackPermitted) << 8 | 2)
            }
        case .apple:
            if let windowScale { writeWindowScale(windowScale, &writer) }
            if let timestamps {
                writer.u32(UInt32(Kind.nop) << 24 | UInt32(Kind.nop) << 16 | UInt32(Kind.timestamps) << 8 | 10)
                writer.u32(timestamps.value)
                writer.u32(timestamps.echo)
            }
            if sackPermitted {
                writer.u32(UInt32(Kind.sackPermitted) << 24 | 2 << 16 | UInt32(Kind.end) << 8 | UInt32(Kind.end))
            }
        }
        if !sackBlocks.isEmpty {
            writer.u32(
                UInt32(Kind.nop) << 24 | UInt32(Kind.nop) << 16 | UInt32(Kind.sack) << 8
                    | UInt32(2 + 8 * sackBlocks.count))
            for block in sackBlocks {
                writer.u32(block.left)
                writer.u32(block.right)
            }
        }
    }

    @inlinable
    func writeWindowScale(_ shift: UInt8, _ writer: inout ByteWriter) {
        writer.u32(UInt32(Kind.nop) << 24 | UInt32(Kind.windowScale) << 16 | 3 << 8 | UInt32(shift))
    }

    /// Parses an options area (any layout, not only Linux's). NOPs and unknown kinds with a
    /// valid length are skipped; an end-of-list ends parsing. A length byte < 2 or running past
    /// the area, or a known option with the wrong length, is malformed.
    public init(parsing area: UnsafeRawBufferPointer) throws(WireError) {
        self.init()
        var r = ByteReader(area)
        while !r.isAtEnd {
            let kind = try r.u8()
            if kind == Kind.end { break }
            if kind == Kind.nop { continue }
            let length = Int(try r.u8())
            guard length >= 2 else { throw .malformed("TCP option \(kind) length \(length)") }
            try r.need(length - 2)
            switch kind {
            case Kind.mss:
                guard length == 4 else { throw .malformed("MSS option length \(length)") }
                mss = try r.u16()
            case Kind.windowScale:
                guard length == 3 else { throw .malformed("window scale option length \(length)") }
                windowScale = try r.u8()
            case Kind.sackPermitted:
                guard length == 2 else { throw .malformed("SACK-permitted option length \(length)") }
                sackPermitted = true
            case Kind.timestamps:
                guard length == 10 else { throw .malformed("timestamps option length \(length)") }
                timestamps = TCPTimestamps(value: try r.u32(), echo: try r.u32())
            case Kind.sack:
                guard (length - 2) % 8 == 0, length > 2 else { throw .malformed("SACK option length \(length)") }
                for _ in 0..<(length - 2) / 8 {
                    sackBlocks.append(SACKBlock(left: try r.u32(), right: try r.u32()))
                }
            default:
                try r.skip(length - 2)
            }
        }
    }

    public init(parsing bytes: [UInt8]) throws(WireError) {
        let result: Result<TCPOptions, WireError> = bytes.withUnsafeBytes { raw in
            do throws(WireError) { return .success(try TCPOptions(parsing: raw)) } catch { return .failure(error) }
        }
        self = try result.get()
    }
}

/// The TCP header, RFC 9293 §3.1. `encode` writes the checksum field as zero; once the payload
/// follows it in the buffer, `TransportChecksum.patch` fills it in.
public struct TCPHeader: Hashable, Sendable {
    public enum Field {
        public static let sourcePort = 0
        public static let destinationPort = 2
        public static let sequenceNumber = 4
        public static let acknowledgmentNumber = 8
        public static let dataOffset = 12
        public static let flags = 13
        public static let window = 14
        public static let checksum = 16
        public static let urgentPointer = 18
        public static let options = 20
    }
    public static let minimumLength = 20

    public var srcPort: UInt16
    public var dstPort: UInt16
    public var seq: UInt32
    public var ack: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    public var urgent: UInt16
    public var options: TCPOptions

    @inlinable
    public init(
        srcPort: UInt16, dstPort: UInt16, seq: UInt32, ack: UInt32, flags: TCPFlags,
        window: UInt16, urgent: UInt16 = 0, options: TCPOptions = TCPOptions()
    ) {
        self.srcPort = srcPort
        self.dstPort = dstPort
        self.seq = seq
        self.ack = ack
        self.flags = flags
        self.window = window
        self.urgent = urgent
        self.options = options
    }

    /// 20 + options, a multiple of 4 (the data offset times 4).
    @inlinable public var headerLength: Int { Self.minimumLength + options.encodedLength }
    @inlinable public var encodedLength: Int { headerLength }

    @inlinable
    public func encode(into writer: inout ByteWriter) {
        let length = headerLength
        writer.require(length)
        writer.u16(srcPort)
        writer.u16(dstPort)
        writer.u32(seq)
        writer.u32(ack)
        writer.u8(UInt8(length / 4) << 4)
        writer.u8(flags.rawValue)
        writer.u16(window)
        writer.u16(0) // checksum, patched after the payload is written
        writer.u16(urgent)
        options.encode(into: &writer)
    }

    /// Parses the header at the reader's position and leaves the reader at the payload.
    /// Checks: 20 bytes present, data offset >= 5 and within the input, options well formed.
    /// The checksum needs the IP pseudo-header: see `TransportChecksum.verify`.
    public init(parsing reader: inout ByteReader) throws(WireError) {
        try reader.need(Self.minimumLength)
        srcPort = try reader.u16()
        dstPort = try reader.u16()
        seq = try reader.u32()
        ack = try reader.u32()
        let offsetByte = try reader.u8()
        let headerLength = Int(offsetByte >> 4) * 4
        guard headerLength >= Self.minimumLength else { throw .badHeaderLength(headerLength) }
        guard offsetByte & 0x0F == 0 else { throw .malformed("TCP reserved bits set") }
        flags = TCPFlags(rawValue: try reader.u8())
        window = try reader.u16()
        _ = try reader.u16() // checksum
        urgent = try reader.u16()
        guard headerLength - Self.minimumLength <= reader.remaining else { throw .badHeaderLength(headerLength) }
        options = try TCPOptions(parsing: try reader.bytes(headerLength - Self.minimumLength))
    }

    public init(parsing bytes: [UInt8]) throws(WireError) {
        self = try bytes.withByteReader { (r: inout ByteReader) throws(WireError) in try TCPHeader(parsing: &r) }
    }
}
