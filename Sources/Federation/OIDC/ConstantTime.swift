import Crypto

/// Comparison of secrets (`state`, `nonce`) that takes the same time wherever the first difference is.
///
/// Both sides are hashed with SHA-256 and the digests compared with swift-crypto's digest equality,
/// which is constant-time; hashing first also hides the expected value's length.
enum ConstantTime {
    static func equals(_ lhs: String, _ rhs: String) -> Bool {
        digest(lhs) == digest(rhs)
    }

    /// SHA-256 of the text's UTF-8, hashed in place.
    private static func digest(_ text: String) -> SHA256.Digest {
        var text = text
        return text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
    }
}
