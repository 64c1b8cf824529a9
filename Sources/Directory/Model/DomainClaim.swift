import Foundation

/// An organization's claim on an email domain, which routes users with addresses in that domain to it.
///
/// Only verified claims count for discovery (a domain is verified by proving control of it, for
/// example with a DNS TXT record), so nobody can capture another company's users by typing its domain.
public struct DomainClaim: Sendable, Hashable, Codable {
    /// The domain in normalised form (lowercase ASCII, IDN labels in punycode `xn--` form, no trailing
    /// dot); see ``DomainName/normalise(_:)``.
    public var domain: String
    /// Whether control of the domain has been proven.
    public var verified: Bool
    /// Whether addresses in subdomains (`eu.acme.test` for `acme.test`) match the claim too.
    public var includeSubdomains: Bool
    /// When the claim was verified; the earlier of two unrelated claims on one domain wins.
    public var verifiedAt: Date?

    /// Creates a claim. `domain` should already be normalised (``DomainName/normalise(_:)``); the
    /// ``DomainIndex`` normalises it again and skips it if it is not a valid domain name.
    public init(domain: String, verified: Bool, includeSubdomains: Bool = false, verifiedAt: Date? = nil) {
        self.domain = domain
        self.verified = verified
        self.includeSubdomains = includeSubdomains
        self.verifiedAt = verifiedAt
    }
}
