import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as its network-order bytes (4 or 16); IPv4-mapped IPv6 addresses
/// (`::ffff:192.0.2.1`) are read as the IPv4 address they carry, so one rule covers both spellings.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address bytes, most significant first: 4 for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// Parses a textual address with the C library's `inet_pton` (RFC 4291 §2.2 text forms for IPv6).
    /// A zone (`fe80::1%eth0`) and surrounding brackets (`[::1]`) are accepted and ignored.
    public init?(_ text: String) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, String(text), &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, String(text), &v6) == 1 else { return nil }
        let raw = withUnsafeBytes(of: &v6) { Array($0) }
        // RFC 4291 §2.5.5.2: ::ffff:0:0/96 carries an IPv4 address.
        if raw[0..<10].allSatisfy({ $0 == 0 }), raw[10] == 0xFF, raw[11] == 0xFF {
            bytes = Array(raw[12..<16])
        } else {
            bytes = raw
        }
    }

    /// Whether this is an IPv4 address.
    public var isIPv4: Bool { bytes.count == 4 }

    /// The canonical text form (`inet_ntop`).
    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = isIPv4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An address block in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, or a single address).
///
/// Used for the trusted-proxy list: forwarded headers are believed only from peers inside one of
/// these blocks.
public struct IPNetwork: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The first address of the block (host bits cleared).
    public let address: IPAddress
    /// The prefix length in bits.
    public let prefixLength: Int

    /// Parses `address/prefix` or a bare address (a block of one).
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let address = IPAddress(String(parts[0])) else { return nil }
        let maximum = address.bytes.count * 8
        var length = maximum
        if parts.count == 2 {
            guard let value = Int(parts[1]), parts[1].allSatisfy(\.isASCII), (0...maximum).contains(value) else { return nil }
            // An IPv4-mapped IPv6 block (::ffff:10.0.0.0/104) is an IPv4 block of 96 bits fewer.
            length = (address.isIPv4 && String(parts[0]).contains(":")) ? max(0, value - 96) : value
        }
        self.address = IPAddress(masking: address, to: length)
        self.prefixLength = length
    }

    /// Whether `candidate` lies inside the block (never for an address of the other family).
    public func contains(_ candidate: IPAddress) -> Bool {
        candidate.bytes.count == address.bytes.count && IPAddress(masking: candidate, to: prefixLength) == address
    }

    /// `address/prefix`.
    public var description: String { "\(address)/\(prefixLength)" }

    /// Decodes the CIDR text form.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let network = IPNetwork(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a CIDR block"))
        }
        self = network
    }

    /// Encodes the CIDR text form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension IPAddress {
    /// `address` with every bit after the first `length` cleared.
    fileprivate init(masking address: IPAddress, to length: Int) {
        var bytes = address.bytes
        for index in bytes.indices {
            let keep = min(8, max(0, length - index * 8))
            bytes[index] &= keep == 8 ? 0xFF : ~(0xFF >> UInt8(keep))
        }
        self.bytes = bytes
    }
}
