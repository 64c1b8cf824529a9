import HTTPTypes

extension HTTPField.Name {
    /// `X-Request-Id`: correlates a request across proxies, logs and support tickets.
    static let requestID = HTTPField.Name("X-Request-Id")!
    /// `X-Forwarded-For` (de facto standard; RFC 7239 `Forwarded` is its successor).
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    /// `X-Forwarded-Proto`.
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    /// `X-Forwarded-Host`.
    static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!
    /// `X-Frame-Options` (RFC 7034).
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    /// `Referrer-Policy`.
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    /// `Pragma: no-cache`, for HTTP/1.0 caches beside `Cache-Control: no-store` (RFC 6749 §5.1 examples).
    static let pragma = HTTPField.Name("Pragma")!
    /// `Cross-Origin-Opener-Policy`.
    static let crossOriginOpenerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
}

extension StringProtocol {
    /// Whether every character is an ASCII letter or digit, or one of the ASCII characters in `extra`:
    /// what ids and host names taken from headers may contain. Checked on the UTF-8 bytes (a byte of a
    /// non-ASCII character is never one of them).
    func isPlainID(extra: StaticString) -> Bool {
        utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: extra.withUTF8Buffer { $0.contains(byte) }
            }
        }
    }
}
