import Foundation
import FlowEngine

/// Finds the organization an email address belongs to from the organizations' verified domain claims.
///
/// Discovery rules:
///
/// 1. Only **verified** claims count. An unverified claim never routes anyone.
/// 2. Domains are compared in normalised form (``DomainName/normalise(_:)``): case, a trailing dot
///    and Unicode versus punycode (`bücher.test` = `xn--bcher-kva.test`) make no difference.
/// 3. The email's domain is looked up first, then each parent domain in turn (`a.b.acme.test`,
///    `b.acme.test`, `acme.test`). A claim on the email's exact domain matches; a claim on a parent
///    domain matches only when it includes subdomains.
/// 4. The **most specific** matching domain wins: a claim on `eu.acme.test` beats a claim on
///    `acme.test` with subdomains, whoever made them.
/// 5. When several organizations claim the same domain:
///    - if one is an ancestor of the other, the **deeper** organization wins (a child's claim refines
///      its parent's);
///    - otherwise the claim **verified earliest** wins (a claim without a verification date counts as
///      verified last), then the smaller organization id, so the outcome never depends on file order.
///
///    With three or more claimants this reads: take the claim verified earliest (then smallest id);
///    if any other claimant is below that organization, the deepest of those wins instead (then
///    earliest, then smallest id). The first lineage to verify a domain owns it, and the most specific
///    organization within that lineage gets its users.
///
///    Exact and subdomain matches are settled separately: for `eu.acme.test` only the claims on
///    `acme.test` that include subdomains take part.
///
/// The index is built once from a snapshot and never changes; build a new one when claims change.
///
/// Performance: the dictionary's keys carry a precomputed (per-process seeded) hash, so probing
/// compares integers instead of dereferencing strings, and keys are `Substring`s, so a lookup probes
/// with slices of the address itself. An address that is already lowercase ASCII is looked up
/// without allocating; one with uppercase ASCII allocates its lowercased domain once; anything else
/// (non-ASCII, whitespace, malformed) goes through ``EmailAddress`` and ``DomainName`` with the same result.
public struct DomainIndex: Sendable {
    /// The resolved claims on one domain.
    struct Entry: Sendable {
        /// Winner when the email's domain is exactly this one (every verified claim takes part).
        var exact: OrgID
        /// Winner when the email is in a subdomain (only claims that include subdomains take part).
        var subdomains: OrgID?
        /// The other organizations whose claims cover this domain, or nil (the common case).
        var others: Others? = nil
    }

    /// The organizations a match on a domain beats, in precedence order: the losers of a same-domain
    /// conflict (rule 5), then the claimants of parent domains it shadows (rule 4). Kept out of line,
    /// as most domains have none.
    final class Others: Sendable {
        /// For a match on the domain itself.
        let exact: [OrgID]
        /// For a match through it on a subdomain.
        let subdomains: [OrgID]

        init(exact: [OrgID], subdomains: [OrgID]) {
            self.exact = exact
            self.subdomains = subdomains
        }
    }

    /// One organization's verified claim on a domain, as conflict resolution sees it.
    private struct Claimant {
        var org: OrgID
        var includeSubdomains: Bool
        var verifiedAt: Date?
    }

    /// Every claimed domain. A ``DomainTable`` rather than a `[String: Entry]` dictionary: a
    /// dictionary keeps keys and values apart and compares `String` keys by dereferencing them, so a
    /// hit costs three dependent memory reads instead of one.
    private let table: DomainTable<Entry>
    /// The fewest and most labels any claimed domain has: parent domains outside the range are not looked up.
    private let minLabels: Int
    private let maxLabels: Int

    /// How many distinct domains are claimed (verified claims only).
    public var count: Int { table.count }

    /// Builds the index from every organization's verified claims.
    /// - Parameter tree: The organizations; their hierarchy settles same-domain conflicts.
    public init(tree: OrganizationTree) {
        self.init(claimsOf: tree.organizations, hierarchy: { tree })
    }

    /// Builds the index from a list of organizations (their hierarchy is only built if two
    /// organizations claim the same domain).
    public init(organizations: some Collection<Organization>) {
        self.init(claimsOf: organizations, hierarchy: { OrganizationTree(organizations: organizations) })
    }

    /// One pass places every verified claim; a domain claimed by a second organization is set aside
    /// and settled by rule 5 afterwards, with the hierarchy built (or fetched) only then. Claims whose
    /// domain is not a valid domain name, and claims of an organization with an empty id, are skipped
    /// (``ConfigLoader`` reports both).
    private init(claimsOf organizations: some Collection<Organization>, hierarchy: () -> OrganizationTree) {
        var claimCount = 0
        for organization in organizations { claimCount += organization.domains.count }
        var table = DomainTable<Entry>(expected: claimCount)
        var contested: Set<String> = []
        var minLabels = Int.max
        var maxLabels = 0

        for organization in organizations where !organization.id.rawValue.isEmpty {
            for claim in organization.domains where claim.verified {
                guard let (domain, labels) = Self.normalised(claim.domain) else { continue }
                let org = organization.id
                let entry = Entry(exact: org, subdomains: claim.includeSubdomains ? org : nil)
                if let existing = table.insert(domain, entry) {
                    if existing.exact != org {
                        contested.insert(domain)
                    } else if claim.includeSubdomains {
                        table.replace(domain, with: entry)  // the same organization claiming the domain again, now with subdomains
                    }
                }
                minLabels = min(minLabels, labels)
                maxLabels = max(maxLabels, labels)
            }
        }

        if !contested.isEmpty {
            var claimants: [String: [Claimant]] = [:]
            for organization in organizations where !organization.id.rawValue.isEmpty {
                for claim in organization.domains where claim.verified {
                    guard let (domain, _) = Self.normalised(claim.domain), contested.contains(domain) else { continue }
                    claimants[domain, default: []].append(
                        Claimant(org: organization.id, includeSubdomains: claim.includeSubdomains, verifiedAt: claim.verifiedAt))
                }
            }
            let tree = hierarchy()
            for (domain, claims) in claimants { table.replace(domain, with: Self.resolve(claims, in: tree)) }
        }
        if maxLabels > minLabels {
            Self.recordShadowedClaims(in: &table, of: organizations, labels: minLabels...maxLabels)
        }
        self.table = table
        self.minLabels = minLabels
        self.maxLabels = maxLabels
    }

    // MARK: - Lookup

    /// The organization an email address belongs to.
    /// - Parameter email: The address as typed.
    /// - Returns: The match, or nil when no verified claim covers the address's domain.
    /// - Throws: ``DirectoryError`` with code `invalidEmail` when the address does not parse; see ``EmailAddress``.
    public func lookup(email: String) throws(DirectoryError) -> DomainMatch? {
        if let result = fastLookup(email: email) { return result }
        return lookup(email: try EmailAddress(email))
    }

    /// The organization a parsed email address belongs to.
    public func lookup(email: EmailAddress) -> DomainMatch? {
        let domain = Substring(email.domain)
        return lookup(normalised: domain, labels: DomainName.labelCountIfNormalised(domain.utf8) ?? 0)
    }

    /// The organization a domain (not an address) belongs to.
    /// - Throws: ``DirectoryError`` with code `invalidDomain` when the domain is not valid.
    public func lookup(domain: String) throws(DirectoryError) -> DomainMatch? {
        let normalised = Substring(try DomainName.normalise(domain))
        return lookup(normalised: normalised, labels: DomainName.labelCountIfNormalised(normalised.utf8) ?? 0)
    }

    /// The lookup for an address that is printable ASCII with one `@`, a local part of 1–64 octets and
    /// a domain that is normalised once lowercased; `.none` for anything else, which then takes the
    /// ``EmailAddress`` path (and gets the same answer, or the error).
    private func fastLookup(email: String) -> DomainMatch?? {
        var email = email
        // One pass over contiguous bytes: the local part is printable ASCII up to the single '@', the
        // domain is normalised once lowercased.
        let scan: (at: Int, labels: Int, uppercase: Bool)? = email.withUTF8 { bytes in
            guard bytes.count <= EmailAddress.maxLength else { return nil }
            var at = 0
            while at < bytes.count, bytes[at] != UInt8(ascii: "@") {
                if bytes[at] <= 0x20 || bytes[at] >= 0x7F { return nil }
                at += 1
            }
            guard at > 0, at <= EmailAddress.maxLocalPartLength, at < bytes.count,
                let domain = DomainName.scanASCII(bytes[(at + 1)...], foldingCase: true)
            else { return nil }
            return (at, domain.labels, domain.uppercase)
        }
        guard let scan else { return .none }
        let utf8 = email.utf8
        var domain = Substring(utf8[utf8.index(utf8.startIndex, offsetBy: scan.at + 1)...])
        if scan.uppercase { domain = Substring(DomainName.lowercasedASCII(domain)) }
        return .some(lookup(normalised: domain, labels: scan.labels))
    }

    /// The lookup proper: `domain` is normalised and has `labels` labels. By rule 4 the first match
    /// walking up from the full domain wins, so the walk stops there; the claims it shadows were
    /// recorded with it when the index was built.
    ///
    /// Every name the walk may read (the domain, then each parent within the claimed label counts) is
    /// hashed and prefetched first, so their cache misses overlap: with a million domains the table is
    /// in no cache, and each miss costs more than the rest of the lookup.
    private func lookup(normalised domain: Substring, labels: Int) -> DomainMatch? {
        guard labels >= minLabels else { return nil }
        var domain = domain
        let found: (offset: Int, entry: Entry)? = domain.withUTF8 { bytes in
            let candidates = min(labels, maxLabels) - minLabels + 1
            return withUnsafeTemporaryAllocation(of: (offset: Int, hash: UInt64).self, capacity: candidates) { names in
                var count = 0
                var offset = 0
                var remaining = labels
                while true {
                    if remaining <= maxLabels {
                        let hash = DomainTable<Entry>.hash(UnsafeBufferPointer(rebasing: bytes[offset...]))
                        table.prefetch(hash: hash)
                        names[count] = (offset, hash)
                        count += 1
                    }
                    guard remaining > minLabels, let dot = bytes[offset...].firstIndex(of: UInt8(ascii: ".")) else { break }
                    offset = dot + 1
                    remaining -= 1
                }
                for (offset, hash) in names.prefix(count) {
                    guard let entry = table.value(for: UnsafeBufferPointer(rebasing: bytes[offset...]), hash: hash) else { continue }
                    // The domain itself matches any claim; a parent only a claim that includes subdomains.
                    if offset == 0 || entry.subdomains != nil { return (offset, entry) }
                }
                return nil
            }
        }
        guard let (offset, entry) = found else { return nil }
        if offset == 0 {
            return DomainMatch(organization: entry.exact, matchedDomain: domain, viaSubdomain: false, otherCandidates: entry.others?.exact ?? [])
        }
        let utf8 = domain.utf8
        let matched = Substring(utf8[utf8.index(utf8.startIndex, offsetBy: offset)...])
        return DomainMatch(
            organization: entry.subdomains!, matchedDomain: matched, viaSubdomain: true, otherCandidates: entry.others?.subdomains ?? [])
    }

    /// Adds to each claimed domain's other candidates the organizations whose subdomain-including
    /// claims on its parent domains it shadows (rule 4), nearest parent first, so that a lookup can
    /// stop at its first match and still report every organization whose claim covers the address.
    private static func recordShadowedClaims(
        in table: inout DomainTable<Entry>, of organizations: some Collection<Organization>, labels range: ClosedRange<Int>
    ) {
        for organization in organizations where !organization.id.rawValue.isEmpty {
            for claim in organization.domains where claim.verified {
                guard let (domain, labels) = normalised(claim.domain), labels > range.lowerBound,
                    var entry = table.value(for: Substring(domain))
                else { continue }
                var shadowed: [OrgID] = []
                var remaining = labels
                var suffix = Substring(domain)
                while remaining > range.lowerBound, let dot = suffix.utf8.firstIndex(of: UInt8(ascii: ".")) {
                    suffix = Substring(suffix.utf8[suffix.utf8.index(after: dot)...])
                    remaining -= 1
                    guard remaining <= range.upperBound, let parent = table.value(for: suffix), let winner = parent.subdomains else { continue }
                    shadowed.append(winner)
                    shadowed += parent.others?.subdomains ?? []
                }
                guard !shadowed.isEmpty else { continue }
                let exact = merge(entry.others?.exact ?? [], shadowed, excluding: entry.exact)
                let subdomains = entry.subdomains.map { merge(entry.others?.subdomains ?? [], shadowed, excluding: $0) } ?? []
                guard exact != entry.others?.exact ?? [] || subdomains != entry.others?.subdomains ?? [] else { continue }
                entry.others = Others(exact: exact, subdomains: subdomains)
                table.replace(domain, with: entry)
            }
        }
    }

    /// `list` followed by the members of `more` it lacks, never including `winner`.
    private static func merge(_ list: [OrgID], _ more: [OrgID], excluding winner: OrgID) -> [OrgID] {
        var result = list
        for org in more where org != winner && !result.contains(org) { result.append(org) }
        return result
    }

    // MARK: - Conflicts

    /// `domain` normalised with its label count, or nil when it is not a valid domain name.
    private static func normalised(_ domain: String) -> (String, Int)? {
        if let labels = DomainName.labelCountIfNormalised(domain.utf8) { return (domain, labels) }
        guard let normalised = try? DomainName.normalise(domain), let labels = DomainName.labelCountIfNormalised(normalised.utf8) else {
            return nil
        }
        return (normalised, labels)
    }

    /// Settles a same-domain conflict by rule 5, separately for exact and subdomain matches.
    private static func resolve(_ claims: [Claimant], in tree: OrganizationTree) -> Entry {
        // One claimant per organization: the broadest and earliest of its claims.
        var merged: [OrgID: Claimant] = [:]
        for claim in claims {
            if var existing = merged[claim.org] {
                existing.includeSubdomains = existing.includeSubdomains || claim.includeSubdomains
                existing.verifiedAt = earliest(existing.verifiedAt, claim.verifiedAt)
                merged[claim.org] = existing
            } else {
                merged[claim.org] = claim
            }
        }
        let all = ranked(Array(merged.values), in: tree)
        let subdomains = ranked(merged.values.filter(\.includeSubdomains), in: tree)
        let others = all.count > 1 || subdomains.count > 1 ? Others(exact: Array(all.dropFirst()), subdomains: Array(subdomains.dropFirst())) : nil
        return Entry(exact: all[0], subdomains: subdomains.first, others: others)
    }

    /// The claimants' organizations in precedence order: the winner by rule 5, then the rest by
    /// verification date and id.
    private static func ranked(_ claims: [Claimant], in tree: OrganizationTree) -> [OrgID] {
        let byDate = claims.sorted { a, b in
            switch (a.verifiedAt, b.verifiedAt) {
            case let (x?, y?) where x != y: x < y
            case (.some, nil): true
            case (nil, .some): false
            default: a.org < b.org
            }
        }
        guard let first = byDate.first else { return [] }
        let refinements = byDate.filter { tree.isAncestor(first.org, of: $0.org) }
        let deepest = refinements.compactMap { tree.depth(of: $0.org) }.max()
        let winner = refinements.first { tree.depth(of: $0.org) == deepest } ?? first
        return [winner.org] + byDate.filter { $0.org != winner.org }.map(\.org)
    }

    private static func earliest(_ a: Date?, _ b: Date?) -> Date? {
        switch (a, b) {
        case let (x?, y?): min(x, y)
        case (let x?, nil): x
        case (nil, let y): y
        }
    }
}
