// JSONText: a string as a JSON string literal — the one spelling `vpcsim export` (JSON as Python's
// encoder writes it with ensure_ascii=False) and `vpcsim import` (YAML's double-quoted style reads
// JSON's escapes the same way) both write.

public enum JSONText {
    /// `s` double-quoted with JSON's escapes: `"` `\` and the short forms of newline, carriage
    /// return and tab; other control characters as `\u00XX`; everything else as is (RFC 8259 §7).
    public static func quoted(_ s: String) -> String {
        var r = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\r": r += "\\r"
            case "\t": r += "\\t"
            default:
                if c.value < 0x20 {
                    let h = String(c.value, radix: 16)
                    r += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    r.unicodeScalars.append(c)
                }
            }
        }
        return r + "\""
    }
}
