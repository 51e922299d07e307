// Byte cursors over caller-owned memory. Wire never allocates in an encode path: every encoder
// writes through a `ByteWriter` that the caller points at its own buffer (typically one reused
// frame buffer in the pcap writer).

/// Why a parse failed. Parsers report the first check that failed, so tests can assert on it.
public enum WireError: Error, Hashable, Sendable {
    /// The input ended before a field: `needed` bytes were required at a point where only
    /// `available` remained.
    case truncated(needed: Int, available: Int)
    /// The version nibble was not 4 (IPv4 header) or 6 (IPv6 header).
    case badVersion(UInt8)
    /// A header-length field (IPv4 IHL, TCP data offset) was below the minimum or beyond the input.
    case badHeaderLength(Int)
    /// A total-length field (IPv4 total length, UDP length, TLS record length) is inconsistent
    /// with the header or with the bytes available.
    case badLength(Int)
    /// A checksum did not verify. `found` is the value in the packet, `expected` the correct one.
    case badChecksum(expected: UInt16, found: UInt16)
    /// Anything else structurally wrong; the string names the field.
    case malformed(String)
}

/// A forward cursor writing big-endian (network order) values into caller-owned memory.
///
/// Each primitive write is bounds-checked with `assert` (debug builds). The header encoders in
/// Wire additionally check once, with `precondition`, that the whole header fits before writing,
/// so a release build cannot write past the buffer through them.
public struct ByteWriter {
    public let buffer: UnsafeMutableRawBufferPointer
    @usableFromInline var _offset: Int
    /// Position of the next write, from the start of `buffer`.
    @inlinable public var offset: Int { _offset }

    @inlinable
    public init(_ buffer: UnsafeMutableRawBufferPointer, offset: Int = 0) {
        precondition(offset >= 0 && offset <= buffer.count, "ByteWriter offset outside buffer")
        self.buffer = buffer
        self._offset = offset
    }

    /// Bytes left between `offset` and the end of the buffer.
    @inlinable public var remaining: Int { buffer.count - offset }

    /// Fails (in all builds) unless `count` more bytes fit. Encoders call this once per header.
    @inlinable
    public func require(_ count: Int) {
        precondition(
            count <= buffer.count - offset, "ByteWriter: \(count) bytes do not fit (\(buffer.count - offset) left)")
    }

    @inlinable
    public mutating func u8(_ value: UInt8) {
        assert(offset + 1 <= buffer.count, "ByteWriter overflow")
        buffer.baseAddress.unsafelyUnwrapped.storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
        _offset += 1
    }

    @inlinable
    public mutating func u16(_ value: UInt16) {
        assert(offset + 2 <= buffer.count, "ByteWriter overflow")
        buffer.baseAddress.unsafelyUnwrapped.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self)
        _offset += 2
    }

    /// Three-byte big-endian length, as used by TLS handshake headers (RFC 8446 §4).
    @inlinable
    public mutating func u24(_ value: UInt32) {
        assert(value < 1 << 24, "u24 value out of range")
        u8(UInt8(truncatingIfNeeded: value >> 16))
        u16(UInt16(truncatingIfNeeded: value))
    }

    @inlinable
    public mutating func u32(_ value: UInt32) {
        assert(offset + 4 <= buffer.count, "ByteWriter overflow")
        buffer.baseAddress.unsafelyUnwrapped.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
        _offset += 4
    }

    @inlinable
    public mutating func u64(_ value: UInt64) {
        assert(offset + 8 <= buffer.count, "ByteWriter overflow")
        buffer.baseAddress.unsafelyUnwrapped.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt64.self)
        _offset += 8
    }

    /// Stores a 64-bit value in little-endian order (used by the pseudo-random TLS body filler,
    /// whose byte `i` is byte `i % 8` of a little-endian word).
    @inlinable
    public mutating func u64LittleEndian(_ value: UInt64) {
        assert(offset + 8 <= buffer.count, "ByteWriter overflow")
        buffer.baseAddress.unsafelyUnwrapped.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self)
        _offset += 8
    }

    @inlinable
    public mutating func bytes(_ source: UnsafeRawBufferPointer) {
        let n = source.count
        guard n > 0 else { return }
        assert(offset + n <= buffer.count, "ByteWriter overflow")
        (buffer.baseAddress.unsafelyUnwrapped + offset).copyMemory(
            from: source.baseAddress.unsafelyUnwrapped, byteCount: n)
        _offset += n
    }

    @inlinable
    public mutating func bytes(_ source: some Sequence<UInt8>) {
        let done: Void? = source.withContiguousStorageIfAvailable { buf in
            self.bytes(UnsafeRawBufferPointer(buf))
        }
        if done == nil {
            for b in source { u8(b) }
        }
    }

    @inlinable
    public mutating func zeros(_ count: Int) {
        guard count > 0 else { return }
        assert(offset + count <= buffer.count, "ByteWriter overflow")
        (buffer.baseAddress.unsafelyUnwrapped + offset).initializeMemory(as: UInt8.self, repeating: 0, count: count)
        _offset += count
    }

    /// Moves the cursor forward without writing (the skipped bytes keep whatever they held).
    @inlinable
    public mutating func skip(_ count: Int) {
        precondition(count >= 0 && offset + count <= buffer.count, "ByteWriter skip out of range")
        _offset += count
    }

    /// Overwrites a byte already written (absolute position in the buffer).
    @inlinable
    public func patch8(at position: Int, _ value: UInt8) {
        precondition(position >= 0 && position + 1 <= buffer.count, "patch8 out of range")
        buffer.baseAddress.unsafelyUnwrapped.storeBytes(of: value, toByteOffset: position, as: UInt8.self)
    }

    /// Overwrites a big-endian 16-bit field already written (absolute position in the buffer).
    @inlinable
    public func patch16(at position: Int, _ value: UInt16) {
        precondition(position >= 0 && position + 2 <= buffer.count, "patch16 out of range")
        buffer.baseAddress.unsafelyUnwrapped.storeBytes(of: value.bigEndian, toByteOffset: position, as: UInt16.self)
    }

    /// Overwrites a big-endian 24-bit field already written (absolute position in the buffer).
    @inlinable
    public func patch24(at position: Int, _ value: UInt32) {
        precondition(position >= 0 && position + 3 <= buffer.count && value < 1 << 24, "patch24 out of range")
        patch8(at: position, UInt8(truncatingIfNeeded: value >> 16))
        patch16(at: position + 1, UInt16(truncatingIfNeeded: value))
    }

    /// The bytes written so far, from `start` (default: buffer start) to the cursor.
    @inlinable
    public func written(from start: Int = 0) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: buffer[start..<offset])
    }
}

/// A forward cursor reading big-endian values; every read is bounds-checked and throws
/// `WireError.truncated` instead of reading past the end.
public struct ByteReader {
    public let buffer: UnsafeRawBufferPointer
    @usableFromInline var _offset: Int
    /// Position of the next read, from the start of `buffer`.
    @inlinable public var offset: Int { _offset }

    @inlinable
    public init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        precondition(offset >= 0 && offset <= buffer.count, "ByteReader offset outside buffer")
        self.buffer = buffer
        self._offset = offset
    }

    @inlinable public var remaining: Int { buffer.count - offset }
    @inlinable public var isAtEnd: Bool { offset == buffer.count }

    @inlinable
    public func need(_ count: Int) throws(WireError) {
        if count > buffer.count - offset || count < 0 {
            throw .truncated(needed: count, available: buffer.count - offset)
        }
    }

    @inlinable
    public mutating func u8() throws(WireError) -> UInt8 {
        try need(1)
        defer { _offset += 1 }
        return buffer.load(fromByteOffset: offset, as: UInt8.self)
    }

    @inlinable
    public mutating func u16() throws(WireError) -> UInt16 {
        try need(2)
        defer { _offset += 2 }
        return UInt16(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable
    public mutating func u24() throws(WireError) -> UInt32 {
        let hi = UInt32(try u8())
        let lo = UInt32(try u16())
        return hi << 16 | lo
    }

    @inlinable
    public mutating func u32() throws(WireError) -> UInt32 {
        try need(4)
        defer { _offset += 4 }
        return UInt32(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable
    public mutating func u64() throws(WireError) -> UInt64 {
        try need(8)
        defer { _offset += 8 }
        return UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// A view of the next `count` bytes (no copy).
    @inlinable
    public mutating func bytes(_ count: Int) throws(WireError) -> UnsafeRawBufferPointer {
        try need(count)
        defer { _offset += count }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + count])
    }

    /// A copy of the next `count` bytes.
    @inlinable
    public mutating func array(_ count: Int) throws(WireError) -> [UInt8] {
        Array(try bytes(count))
    }

    @inlinable
    public mutating func skip(_ count: Int) throws(WireError) {
        try need(count)
        _offset += count
    }

    /// Repositions the cursor (absolute). Used to follow DNS compression pointers.
    @inlinable
    public mutating func seek(to position: Int) throws(WireError) {
        guard position >= 0 && position <= buffer.count else {
            throw .malformed("seek to \(position) outside \(buffer.count)-byte buffer")
        }
        _offset = position
    }
}

/// Helpers for the `[UInt8]` convenience parsers and tests.
extension Array where Element == UInt8 {
    /// Runs `body` with a `ByteReader` over the array's bytes.
    @inlinable
    public func withByteReader<R, E: Error>(_ body: (inout ByteReader) throws(E) -> R) throws(E) -> R {
        // withUnsafeBytes is rethrows (untyped); funnel the typed error through a Result.
        let result: Result<R, E> = self.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            do throws(E) { return .success(try body(&reader)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
