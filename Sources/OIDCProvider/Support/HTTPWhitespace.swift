extension Substring {
    /// The text without leading and trailing HTTP whitespace: spaces and horizontal tabs (RFC 9110
    /// §5.6.3, `OWS`), the only whitespace a header value may be padded with. Unlike Foundation's
    /// `trimmingCharacters(in: .whitespaces)` it builds no character set and leaves every other
    /// character, Unicode spaces included, in place.
    public func trimmingHTTPWhitespace() -> Substring {
        let bytes = utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start = bytes.index(after: start) }
        while start < end {
            let last = bytes.index(before: end)
            guard bytes[last] == 0x20 || bytes[last] == 0x09 else { break }
            end = last
        }
        return self[start..<end]
    }
}

extension String {
    /// See ``Substring/trimmingHTTPWhitespace()``.
    public func trimmingHTTPWhitespace() -> Substring { self[...].trimmingHTTPWhitespace() }
}
