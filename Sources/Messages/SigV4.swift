import Crypto
import SimCore

/// An IAM principal's credentials as an SDK signs with them.
public struct AWSCredentials: Sendable, Hashable {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// The session token of temporary credentials (empty for long-term keys): an SDK then sends
    /// and signs `X-Amz-Security-Token`.
    public var sessionToken: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// AWS's documented example key pair
    /// (https://docs.aws.amazon.com/IAM/latest/UserGuide/security-creds.html) with a made-up
    /// session token of `tokenLength` characters: Lambda hands a function its execution role's
    /// temporary credentials, always with a token (`AWS_SESSION_TOKEN`,
    /// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html). Real tokens are
    /// opaque base64 of about 1,000–1,300 characters; this one is base64 characters drawn from
    /// `seed` after the prefix real STS tokens start with.
    public static func documentedExample(tokenSeed seed: UInt64, tokenLength: Int = 1_040) -> AWSCredentials {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var token = Array("IQoJb3JpZ2luX2Vj".utf8)
        token.reserveCapacity(tokenLength + 10)
        var k: UInt64 = 0
        while token.count < tokenLength {
            var v = SplitMix64.value(seed: seed, index: k) // ten base64 characters per draw
            for _ in 0..<10 {
                token.append(alphabet[Int(v & 63)])
                v >>= 6
            }
            k += 1
        }
        return AWSCredentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            sessionToken: String(decoding: token.prefix(tokenLength), as: UTF8.self))
    }
}

/// Signature Version 4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html)
/// over a request's canonical form, with swift-crypto's SHA-256 and HMAC-SHA256.
public enum SigV4 {
    /// A header that is signed: lowercase name and value as sent.
    public typealias Header = (name: String, value: String)

    /// The canonical request (method, path, empty query, the signed headers sorted by name with
    /// trimmed values, the signed header list, the hex SHA-256 of the body).
    public static func canonicalRequest(method: String, path: String, headers: [Header], body: [UInt8]) -> String {
        let sorted = headers.sorted { $0.name < $1.name }
        var lines = [method, path, ""]
        for h in sorted { lines.append(h.name + ":" + trimmed(h.value)) }
        lines.append("")
        lines.append(sorted.map(\.name).joined(separator: ";"))
        lines.append(hexString(Array(SHA256.hash(data: body))))
        return lines.joined(separator: "\n")
    }

    /// The signature, 64 lowercase hex digits: HMAC chain over date, region, service and
    /// "aws4_request", then HMAC of the string to sign.
    public static func signature(
        credentials: AWSCredentials, amzDate: String, region: String, service: String, canonicalRequest: String
    ) -> String {
        let date = String(amzDate.prefix(8))
        let scope = "\(date)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, hexString(Array(SHA256.hash(data: Array(canonicalRequest.utf8)))),
        ].joined(separator: "\n")
        var key = Array(("AWS4" + credentials.secretAccessKey).utf8)
        for part in [date, region, service, "aws4_request"] { key = hmac(key, part) }
        return hexString(hmac(key, stringToSign))
    }

    static func hmac(_ key: [UInt8], _ message: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)))
    }

    /// SigV4's Trimall: no leading or trailing spaces, runs of spaces as one.
    static func trimmed(_ v: String) -> String { v.split(separator: " ").joined(separator: " ") }

    static func hexString(_ b: [UInt8]) -> String { hex(b) }
}
