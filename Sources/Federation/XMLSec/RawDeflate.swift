internal import CXMLSec

/// Raw DEFLATE (RFC 1951, no zlib or gzip header) through the system zlib, as the SAML HTTP-Redirect
/// binding requires (SAML Bindings §3.4.4.1). Foundation offers no raw DEFLATE on Linux.
enum RawDeflate {
    /// Compresses `bytes`.
    static func compress(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: gh_zlib_deflate_bound(bytes.count))
        let produced = bytes.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                gh_zlib_raw_deflate(input.baseAddress ?? UnsafeRawPointer(out.baseAddress!), input.count, out.baseAddress!, out.count)
            }
        }
        // The output buffer is zlib's own bound, so compression cannot run out of room.
        return Array(output.prefix(max(0, produced)))
    }

    /// Inflates `bytes`, refusing to produce more than `limit` bytes (a decompression bomb).
    /// - Throws: ``FederationError`` `messageTooLarge` past `limit`; `malformedMessage` when the stream is not raw DEFLATE.
    static func decompress(_ bytes: [UInt8], limit: Int) throws(FederationError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: limit + 1)
        let produced = bytes.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                gh_zlib_raw_inflate(input.baseAddress ?? UnsafeRawPointer(out.baseAddress!), input.count, out.baseAddress!, out.count)
            }
        }
        switch produced {
        case -2: throw FederationError(.messageTooLarge, "the DEFLATE-compressed message inflates to more than \(limit) bytes")
        case ..<0: throw FederationError(.malformedMessage, "the message is not a raw DEFLATE stream")
        case let count where count > limit:
            throw FederationError(.messageTooLarge, "the DEFLATE-compressed message inflates to more than \(limit) bytes")
        default: return Array(output.prefix(produced))
        }
    }
}
