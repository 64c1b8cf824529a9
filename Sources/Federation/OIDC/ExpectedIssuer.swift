import Foundation

/// The issuer an ID token (and the discovery document, and the RFC 9207 `iss` parameter) must name.
///
/// Usually one exact string (OIDC Core §3.1.3.7 step 2: "MUST exactly match"). Microsoft's
/// multi-tenant endpoints publish a template, `https://login.microsoftonline.com/{tenantid}/v2.0`,
/// and each token names its own tenant: there the token's `iss` must equal the template with the
/// token's `tid` claim put in, and `tid` must be an allowed tenant when a list is configured.
public struct ExpectedIssuer: Sendable, Hashable, CustomStringConvertible {
    /// The placeholder a template issuer holds.
    public static let tenantPlaceholder = "{tenantid}"

    enum Rule: Sendable, Hashable {
        case exact(String)
        case tenantTemplate(String, allowedTenants: Set<String>?)
    }

    let rule: Rule

    /// Exactly `issuer`, character for character.
    public static func exactly(_ issuer: String) -> Self { Self(rule: .exact(issuer)) }

    /// A template holding ``tenantPlaceholder``, filled from the token's `tid` claim.
    ///
    /// - Parameters:
    ///   - template: The issuer as the discovery document writes it.
    ///   - allowedTenants: Tenant ids accepted; `nil` accepts any tenant.
    public static func tenantTemplate(_ template: String, allowedTenants: Set<String>?) -> Self {
        Self(rule: .tenantTemplate(template, allowedTenants: allowedTenants))
    }

    /// The issuer as configured: what the discovery document's `issuer` must equal exactly.
    public var configured: String {
        switch rule {
        case .exact(let issuer): issuer
        case .tenantTemplate(let template, _): template
        }
    }

    /// The configured issuer, and the allowed tenants for a template.
    public var description: String {
        switch rule {
        case .exact(let issuer): issuer
        case .tenantTemplate(let template, let tenants):
            template + (tenants.map { " (tenants: \($0.sorted().joined(separator: ", ")))" } ?? " (any tenant)")
        }
    }

    /// Why `iss` (with the token's `tid`) is not this issuer, or `nil` when it is.
    func mismatch(iss: String, tenant: String?) -> String? {
        switch rule {
        case .exact(let expected):
            return iss == expected ? nil : "iss '\(Self.shown(iss))' is not the connection's issuer '\(expected)'"
        case .tenantTemplate(let template, let allowedTenants):
            guard let tenant, !tenant.isEmpty else { return "iss '\(Self.shown(iss))': the token has no tid claim to check it against \(template)" }
            guard Self.isTenantID(tenant) else { return "tid '\(Self.shown(tenant))' is not a tenant id" }
            let expected = template.replacingOccurrences(of: Self.tenantPlaceholder, with: tenant)
            guard iss == expected else { return "iss '\(Self.shown(iss))' is not '\(expected)' (the issuer template with tid '\(tenant)')" }
            if let allowedTenants, !allowedTenants.contains(tenant) { return "tenant '\(tenant)' is not an allowed tenant" }
            return nil
        }
    }

    /// Whether an authorization response's `iss` parameter (RFC 9207) names this issuer; for a
    /// template, any tenant id in the placeholder's place matches (the ID token settles which).
    func matchesResponseParameter(_ iss: String) -> Bool {
        switch rule {
        case .exact(let expected):
            return ConstantTime.equals(iss, expected)
        case .tenantTemplate(let template, let allowedTenants):
            let parts = template.components(separatedBy: Self.tenantPlaceholder)
            guard parts.count == 2, iss.hasPrefix(parts[0]), iss.hasSuffix(parts[1]),
                iss.count > parts[0].count + parts[1].count
            else { return false }
            let tenant = String(iss.dropFirst(parts[0].count).dropLast(parts[1].count))
            return Self.isTenantID(tenant) && (allowedTenants?.contains(tenant) ?? true)
        }
    }

    private static func shown(_ value: String) -> String { AuthorizationResponseValidation.printable(value) }

    /// A tenant id: letters, digits and `-`, as a GUID is written.
    private static func isTenantID(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }
    }
}
