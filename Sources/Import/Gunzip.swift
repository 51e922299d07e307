import CZlib
import Foundation

/// The contents of a gzip file (AWS Config delivers snapshots to S3 as `.json.gz`), through
/// zlib's inflate with gzip decoding (window bits 15 + 16); nil when the data is not gzip or is
/// cut short.
func gunzip(_ data: Data) -> Data? {
    var stream = z_stream()
    guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    var input = [UInt8](data)
    var out = Data()
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var rc: Int32 = Z_OK
    input.withUnsafeMutableBufferPointer { inBuf in
        stream.next_in = inBuf.baseAddress
        stream.avail_in = uInt(inBuf.count)
        repeat {
            chunk.withUnsafeMutableBufferPointer { outBuf in
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                rc = inflate(&stream, Z_NO_FLUSH)
                out.append(outBuf.baseAddress!, count: outBuf.count - Int(stream.avail_out))
            }
        } while rc == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0)
    }
    return rc == Z_STREAM_END ? out : nil
}
