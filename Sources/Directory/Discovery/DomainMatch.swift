import FlowEngine

/// The organization an email domain resolves to, and how it was found.
public struct DomainMatch: Sendable, Hashable, CustomStringConvertible {
    /// The winning organization.
    public var organization: OrgID
    /// The claimed domain that matched, as a slice of the looked-up address (so a lookup does not
    /// copy it unless ``domain`` is read).
    private var matchedDomain: Substring
    /// Whether the match came through a parent domain's `includeSubdomains` claim.
    public var viaSubdomain: Bool
    /// Other organizations whose verified claims also match the address, in precedence order (same
    /// domain first, then parent domains from the most specific up); useful to explain a conflict.
    public var otherCandidates: [OrgID]

    /// The claimed domain that matched: the email's own domain, or a parent domain claimed with
    /// subdomains included (normalised).
    public var domain: String { String(matchedDomain) }

    /// Creates a match.
    public init(organization: OrgID, domain: String, viaSubdomain: Bool, otherCandidates: [OrgID] = []) {
        self.init(organization: organization, matchedDomain: Substring(domain), viaSubdomain: viaSubdomain, otherCandidates: otherCandidates)
    }

    init(organization: OrgID, matchedDomain: Substring, viaSubdomain: Bool, otherCandidates: [OrgID]) {
        self.organization = organization
        self.matchedDomain = matchedDomain
        self.viaSubdomain = viaSubdomain
        self.otherCandidates = otherCandidates
    }

    /// `org via domain`, for logs and the `discover` command.
    public var description: String {
        "\(organization) via \(viaSubdomain ? "subdomain of " : "")\(matchedDomain)"
            + (otherCandidates.isEmpty ? "" : " (also claimed by \(otherCandidates.map(\.rawValue).joined(separator: ", ")))")
    }
}
