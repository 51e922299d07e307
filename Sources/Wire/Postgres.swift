// The clear-text start of a PostgreSQL connection over TLS (PostgreSQL protocol 3.0, "SSL
// Session Encryption" in the frontend/backend protocol chapter of the PostgreSQL manual).

/// SSLRequest: Int32 length (8), Int32 code 80877103 (1234 << 16 | 5679).
public enum PostgresSSLRequest {
    public static let length = 8
    public static let code: UInt32 = 80_877_103

    public static func encode(into writer: inout ByteWriter) {
        writer.require(length)
        writer.u32(UInt32(length))
        writer.u32(code)
    }
}

/// The server's one-byte answer to an SSLRequest: 'S' (willing to use TLS) or 'N'.
public enum PostgresSSLResponse {
    public static let length = 1
    public static let accept = UInt8(ascii: "S")
    public static let refuse = UInt8(ascii: "N")
}
