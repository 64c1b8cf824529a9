import Foundation
import FlowEngine

/// Turns a parsed configuration document into a ``DirectoryConfig``, collecting a located diagnostic
/// for every problem. Per-field checks run while reading; checks that need the whole document
/// (references, parent cycles) run at the end, from the locations remembered on the way.
struct ConfigDecoder {
    /// Every finding so far, in discovery order.
    private(set) var diagnostics: [Diagnostic] = []

    /// The kinds of thing a configuration defines by id and refers to by id.
    enum Kind: String, CaseIterable {
        case level, connection, organization, app, user

        var noun: String { rawValue }
        /// The diagnostic rule for a reference to an undefined one.
        var unknownRule: String { "unknown-\(rawValue)" }
    }

    /// A reference to check once everything is defined.
    private struct Reference {
        var kind: Kind
        var name: String
        /// "organization 'acme': parent".
        var context: String
        var location: SourceLocation
        var pointer: JSONPointer
    }

    /// An organization's parent link, for the cycle check.
    private struct ParentLink {
        var org: String
        var parent: String
        var node: JSONNode
    }

    private var defined: [Kind: [String: SourceLocation]] = [:]
    private var references: [Reference] = []
    private var parentLinks: [ParentLink] = []
    private var emails: [String: SourceLocation] = [:]

    /// The `amr` values of RFC 8176 §2, plus `fed` (federated login) and `email` (a code sent by email)
    /// that Gatehouse uses; the common
    /// ones first, so a typo's suggestion prefers them.
    static let knownMethods: [String] = [
        "pwd", "otp", "mfa", "fed", "email", "hwk", "swk", "sms", "tel", "pin", "face", "fpt", "iris", "retina", "vbm", "geo", "kba",
        "mca", "pop", "rba", "sc", "user", "wia",
    ]

    mutating func decode(_ root: JSONNode) -> DirectoryConfig {
        var config = DirectoryConfig()
        guard var reader = ObjectReader(root, what: "the configuration", diagnostics: &diagnostics) else { return config }
        for (index, node) in elements(reader.node("levels"), key: "levels").enumerated() {
            if let level = level(node, index: index) { config.levels.append(level) }
        }
        for (index, node) in elements(reader.node("connections"), key: "connections").enumerated() {
            if let connection = connection(node, index: index) { config.connections.append(connection) }
        }
        for (index, node) in elements(reader.node("organizations"), key: "organizations").enumerated() {
            if let organization = organization(node, index: index) { config.organizations.append(organization) }
        }
        for (index, node) in elements(reader.node("apps"), key: "apps").enumerated() {
            if let app = application(node, index: index) { config.apps.append(app) }
        }
        for (index, node) in elements(reader.node("users"), key: "users").enumerated() {
            if let user = user(node, index: index) { config.users.append(user) }
        }
        config.flowsDirectory = reader.string("flows_directory")
        reader.finish(into: &diagnostics)
        checkReferences()
        checkParentCycles()
        return config
    }

    // MARK: - Sections

    private mutating func level(_ node: JSONNode, index: Int) -> AssuranceLevel? {
        let what = label(node, key: "name", kind: "level", section: "levels", index: index)
        guard var reader = ObjectReader(node, what: what, diagnostics: &diagnostics) else { return nil }
        let name = identifier(&reader, key: "name", kind: .level)
        let description = reader.string("description")
        let methods = methodCombinations(reader.node("methods", required: true), what: what)
        reader.finish(into: &diagnostics)
        guard let name, let methods else { return nil }
        return AssuranceLevel(name: LevelName(name), description: description, methods: methods)
    }

    private mutating func methodCombinations(_ node: JSONNode?, what: String) -> [[String]]? {
        guard let node else { return nil }
        let expected = "'methods' in \(what) must be an array of method combinations (arrays of strings)"
        guard let combinations = node.arrayElements else {
            diagnostics.append(Diagnostic(rule: "wrong-type", message: "\(expected), not \(node.value.kindName)", at: node))
            return nil
        }
        if combinations.isEmpty {
            diagnostics.append(
                Diagnostic(rule: "invalid-value", message: "\(what) lists no method combinations, so no login can reach it", at: node))
            return nil
        }
        var result: [[String]] = []
        for combination in combinations {
            guard let methodNodes = combination.arrayElements, methodNodes.allSatisfy({ $0.stringValue != nil }) else {
                diagnostics.append(Diagnostic(rule: "wrong-type", message: "\(expected), not \(describe(combination))", at: combination))
                return nil
            }
            if methodNodes.isEmpty {
                diagnostics.append(
                    Diagnostic(rule: "invalid-value", message: "\(what) has an empty method combination, which every login would meet", at: combination))
                return nil
            }
            for methodNode in methodNodes {
                let method = methodNode.stringValue ?? ""
                if !Self.knownMethods.contains(method) {
                    diagnostics.append(
                        Diagnostic(
                            .warning, rule: "unknown-method", message: "'\(method)' in \(what) is not a registered amr value (RFC 8176)",
                            at: methodNode, suggestion: Suggestion.didYouMean(method, among: Self.knownMethods)))
                }
            }
            result.append(methodNodes.compactMap(\.stringValue))
        }
        return result
    }

    private mutating func connection(_ node: JSONNode, index: Int) -> Connection? {
        let what = label(node, key: "id", kind: "connection", section: "connections", index: index)
        guard var reader = ObjectReader(node, what: what, diagnostics: &diagnostics) else { return nil }
        let id = identifier(&reader, key: "id", kind: .connection)
        let kind = reader.choice("kind", among: ConnectionKind.allCases.map(\.rawValue), required: true).flatMap(ConnectionKind.init(rawValue:))
        let displayName = reader.string("display_name", required: true)
        var mapping: [String: LevelName] = [:]
        for entry in stringMap(reader.node("level_mapping"), key: "level_mapping", what: what) {
            mapping[entry.key] = LevelName(entry.value)
            refer(.level, entry.value, context: "\(what): level_mapping value", at: entry.valueNode)
        }
        var settings: PlainJSON?
        if let node = reader.node("settings") {
            if node.objectMembers == nil {
                diagnostics.append(Diagnostic(rule: "wrong-type", message: "'settings' in \(what) must be an object, not \(node.value.kindName)", at: node))
            } else {
                settings = node.plain
            }
        }
        reader.finish(into: &diagnostics)
        guard let id, let kind, let displayName else { return nil }
        return Connection(id: ConnectionID(id), kind: kind, displayName: displayName, levelMapping: mapping, settings: settings)
    }

    private mutating func organization(_ node: JSONNode, index: Int) -> Organization? {
        let what = label(node, key: "id", kind: "organization", section: "organizations", index: index)
        guard var reader = ObjectReader(node, what: what, diagnostics: &diagnostics) else { return nil }
        let id = identifier(&reader, key: "id", kind: .organization)
        let name = reader.string("name", required: true)
        let parent = reference(&reader, key: "parent", kind: .organization, what: what)
        if let id, let parent, let parentNode = reader.node("parent") {
            parentLinks.append(ParentLink(org: id, parent: parent, node: parentNode))
        }
        let status = reader.choice("status", among: Organization.Status.allCases.map(\.rawValue)).flatMap(Organization.Status.init(rawValue:))
        var claims: [DomainClaim] = []
        var claimed: [String: SourceLocation] = [:]
        for claimNode in elements(reader.node("domains"), key: "'domains' in \(what)") {
            guard let claim = domainClaim(claimNode, what: what) else { continue }
            if let first = claimed[claim.domain] {
                diagnostics.append(
                    Diagnostic(
                        rule: "duplicate-domain",
                        message: "\(what) claims '\(claim.domain)' twice (first at \(first.line):\(first.column))",
                        at: claimNode["domain"] ?? claimNode))
            } else {
                claimed[claim.domain] = (claimNode["domain"] ?? claimNode).location
                claims.append(claim)
            }
        }
        let connection = reference(&reader, key: "connection", kind: .connection, what: what)
        let requiredLevel = reference(&reader, key: "required_level", kind: .level, what: what)
        var flows: [AppID: FlowID] = [:]
        for entry in stringMap(reader.node("flows"), key: "flows", what: what) {
            refer(.app, entry.key, context: "\(what): flows key", location: entry.keyLocation, pointer: entry.valueNode.pointer)
            checkIdentifier(entry.value, kind: "flow", at: entry.valueNode)
            flows[AppID(entry.key)] = FlowID(entry.value)
        }
        var branding: Branding?
        if let brandingNode = reader.node("branding") { branding = readBranding(brandingNode, what: what) }
        reader.finish(into: &diagnostics)
        guard let id, let name else { return nil }
        return Organization(
            id: OrgID(id), name: name, parent: parent.map(OrgID.init), status: status ?? .active, domains: claims,
            connection: connection.map(ConnectionID.init), requiredLevel: requiredLevel.map(LevelName.init), flows: flows,
            branding: branding)
    }

    private mutating func domainClaim(_ node: JSONNode, what: String) -> DomainClaim? {
        guard var reader = ObjectReader(node, what: "a domain claim of \(what)", diagnostics: &diagnostics) else { return nil }
        var domain: String?
        if let text = reader.string("domain", required: true), let domainNode = reader.node("domain") {
            do throws(DirectoryError) {
                let normalised = try DomainName.normalise(text)
                if normalised.contains(".") {
                    domain = normalised
                } else {
                    diagnostics.append(
                        Diagnostic(
                            rule: "invalid-domain",
                            message: "'\(text)' in \(what) is a single label; a claim needs a registrable domain such as 'example.com'",
                            at: domainNode))
                }
            } catch {
                diagnostics.append(Diagnostic(rule: "invalid-domain", message: "invalid domain in \(what): \(error.reason)", at: domainNode))
            }
        }
        let verified = reader.bool("verified") ?? false
        let includeSubdomains = reader.bool("include_subdomains") ?? false
        var verifiedAt: Date?
        if let text = reader.string("verified_at"), let dateNode = reader.node("verified_at") {
            verifiedAt = Self.parseDate(text)
            if verifiedAt == nil {
                diagnostics.append(
                    Diagnostic(
                        rule: "invalid-date",
                        message: "'\(text)' in \(what) is not an RFC 3339 date-time such as '2026-01-01T00:00:00Z'", at: dateNode))
            }
        } else if verified, let domain, !reader.has("verified_at") {
            diagnostics.append(
                Diagnostic(
                    .warning, rule: "undated-verification",
                    message: "the verified claim on '\(domain)' in \(what) has no verified_at; it loses conflicts against dated claims",
                    at: node))
        }
        reader.finish(into: &diagnostics)
        guard let domain else { return nil }
        return DomainClaim(domain: domain, verified: verified, includeSubdomains: includeSubdomains, verifiedAt: verifiedAt)
    }

    private mutating func readBranding(_ node: JSONNode, what: String) -> Branding? {
        guard var reader = ObjectReader(node, what: "the branding of \(what)", diagnostics: &diagnostics) else { return nil }
        let displayName = reader.string("display_name")
        let logoURL = reader.string("logo_url")
        if let logoURL, let urlNode = reader.node("logo_url") {
            let url = URL(string: logoURL)
            if !["http", "https"].contains(url?.scheme?.lowercased() ?? "") || (url?.host ?? "").isEmpty {
                diagnostics.append(
                    Diagnostic(rule: "invalid-url", message: "logo_url '\(logoURL)' in \(what) is not an absolute http(s) URL", at: urlNode))
            }
        }
        let primaryColor = reader.string("primary_color")
        if let primaryColor, let colorNode = reader.node("primary_color") {
            let hex = primaryColor.dropFirst()
            if !primaryColor.hasPrefix("#") || ![3, 6].contains(hex.count) || !hex.allSatisfy(\.isHexDigit) {
                diagnostics.append(
                    Diagnostic(rule: "invalid-color", message: "primary_color '\(primaryColor)' in \(what) is not '#rgb' or '#rrggbb'", at: colorNode))
            }
        }
        var texts: [String: String] = [:]
        for entry in stringMap(reader.node("texts"), key: "texts", what: "the branding of \(what)") { texts[entry.key] = entry.value }
        reader.finish(into: &diagnostics)
        return Branding(displayName: displayName, logoURL: logoURL, primaryColor: primaryColor, texts: texts)
    }

    private mutating func application(_ node: JSONNode, index: Int) -> Application? {
        let what = label(node, key: "id", kind: "app", section: "apps", index: index)
        guard var reader = ObjectReader(node, what: what, diagnostics: &diagnostics) else { return nil }
        let id = identifier(&reader, key: "id", kind: .app)
        let name = reader.string("name", required: true)
        let flow = reader.string("flow", required: true)
        if let flow, let flowNode = reader.node("flow") { checkIdentifier(flow, kind: "flow", at: flowNode) }
        let requiredLevel = reference(&reader, key: "required_level", kind: .level, what: what)
        let redirectURIs = reader.strings("redirect_uris") ?? []
        for uriNode in reader.node("redirect_uris")?.arrayElements ?? [] {
            guard let uri = uriNode.stringValue else { continue }
            // RFC 6749 §3.1.2: the redirection endpoint URI MUST be an absolute URI and MUST NOT include a fragment.
            let url = URL(string: uri)
            if (url?.scheme ?? "").isEmpty || url?.fragment != nil || uri.contains("#") {
                diagnostics.append(
                    Diagnostic(
                        rule: "invalid-redirect-uri",
                        message: "redirect URI '\(uri)' in \(what) must be an absolute URI without a fragment (RFC 6749 §3.1.2)", at: uriNode))
            }
        }
        let allowedOrgs = reader.strings("allowed_orgs")
        if allowedOrgs != nil {
            for orgNode in reader.node("allowed_orgs")?.arrayElements ?? [] {
                refer(.organization, orgNode.stringValue ?? "", context: "\(what): allowed_orgs entry", at: orgNode)
            }
        }
        let client = reader.node("client").flatMap { clientSettings($0, what: what) }
        reader.finish(into: &diagnostics)
        guard let id, let name, let flow else { return nil }
        return Application(
            id: AppID(id), name: name, flow: FlowID(flow), requiredLevel: requiredLevel.map(LevelName.init), redirectURIs: redirectURIs,
            allowedOrgs: allowedOrgs?.map(OrgID.init), client: client)
    }

    /// An app's `client` object: its OpenID Connect client registration.
    private mutating func clientSettings(_ node: JSONNode, what: String) -> OIDCClientSettings? {
        let what = "the client settings of \(what)"
        guard var reader = ObjectReader(node, what: what, diagnostics: &diagnostics) else { return nil }
        var settings = OIDCClientSettings()
        if let type = reader.choice("type", among: OIDCClientSettings.ClientType.allCases.map(\.rawValue)) {
            settings.type = OIDCClientSettings.ClientType(rawValue: type)!
            if settings.type == .public { settings.tokenEndpointAuthMethod = .none }
        }
        if let method = reader.choice(
            "token_endpoint_auth_method", among: OIDCClientSettings.AuthMethod.allCases.map(\.rawValue))
        {
            settings.tokenEndpointAuthMethod = OIDCClientSettings.AuthMethod(rawValue: method)!
        }
        settings.secretHash = reader.string("secret_hash")
        if let hash = settings.secretHash, let hashNode = reader.node("secret_hash"),
            hash.count != 64 || !hash.allSatisfy(\.isHexDigit)
        {
            reader.report(
                Diagnostic(rule: "invalid-value", message: "'secret_hash' in \(what) must be 64 hex digits (SHA-256 of the secret)", at: hashNode))
        }
        if let jwks = reader.node("jwks") {
            if jwks.objectMembers == nil {
                reader.report(Diagnostic(rule: "wrong-type", message: "'jwks' in \(what) must be a JWKS object", at: jwks))
            }
            settings.jwks = jwks.plain
        }
        if let alg = reader.choice("id_token_signed_response_alg", among: ["RS256", "ES256"]) { settings.idTokenSignedResponseAlg = alg }
        if let subject = reader.choice("subject_type", among: ["public", "pairwise"]) { settings.subjectType = subject }
        settings.postLogoutRedirectURIs = reader.strings("post_logout_redirect_uris") ?? []
        settings.firstParty = reader.bool("first_party") ?? true
        settings.initiateLoginURI = reader.string("initiate_login_uri")
        if let uri = settings.initiateLoginURI, let uriNode = reader.node("initiate_login_uri"),
            !(uri.hasPrefix("https://") || uri.hasPrefix("http://127.0.0.1") || uri.hasPrefix("http://localhost")) || uri.contains("#")
        {
            reader.report(
                Diagnostic(
                    rule: "invalid-value", message: "'initiate_login_uri' in \(what) must be an https URL without a fragment (OIDC Core §4)",
                    at: uriNode))
        }
        switch (settings.type, settings.tokenEndpointAuthMethod) {
        case (.public, let method) where method != .none:
            reader.report(
                Diagnostic(rule: "invalid-value", message: "a public client has no secret: its token_endpoint_auth_method must be 'none'", at: node))
        case (.confidential, .none):
            reader.report(
                Diagnostic(rule: "invalid-value", message: "a confidential client must authenticate: choose client_secret_basic, client_secret_post or private_key_jwt", at: node))
        case (.confidential, .clientSecretBasic), (.confidential, .clientSecretPost):
            if settings.secretHash == nil {
                reader.report(
                    Diagnostic(rule: "missing-field", message: "\(what) needs 'secret_hash' for \(settings.tokenEndpointAuthMethod.rawValue)", at: node))
            }
        case (.confidential, .privateKeyJWT):
            if settings.jwks == nil {
                reader.report(Diagnostic(rule: "missing-field", message: "\(what) needs 'jwks' for private_key_jwt", at: node))
            }
        default:
            break
        }
        reader.finish(into: &diagnostics)
        return settings
    }

    private mutating func user(_ node: JSONNode, index: Int) -> UserRecord? {
        let what = label(node, key: "id", kind: "user", section: "users", index: index)
        guard var reader = ObjectReader(node, what: what, diagnostics: &diagnostics) else { return nil }
        let id = identifier(&reader, key: "id", kind: .user)
        let email = reader.string("email", required: true)
        if let email, let emailNode = reader.node("email") {
            do throws(DirectoryError) {
                let key = try EmailAddress(email).lookupKey
                if let first = emails[key] {
                    diagnostics.append(
                        Diagnostic(
                            rule: "duplicate-email",
                            message: "\(what) has the email '\(email)', already used by another user at \(first.line):\(first.column)",
                            at: emailNode))
                } else {
                    emails[key] = emailNode.location
                }
            } catch {
                diagnostics.append(Diagnostic(rule: "invalid-email", message: "'\(email)' in \(what) is not a valid email address: \(error.reason)", at: emailNode))
            }
        }
        let name = reader.string("name")
        let status = reader.choice("status", among: UserRecord.Status.allCases.map(\.rawValue)).flatMap(UserRecord.Status.init(rawValue:))
        let passwordHash = reader.string("password_hash")
        let totpSecret = reader.string("totp_secret")
        var memberships: [Membership] = []
        var memberOf: [String: SourceLocation] = [:]
        for membershipNode in elements(reader.node("memberships"), key: "'memberships' in \(what)") {
            guard var membershipReader = ObjectReader(membershipNode, what: "a membership of \(what)", diagnostics: &diagnostics) else { continue }
            let org = reference(&membershipReader, key: "org", kind: .organization, what: what, required: true, field: "membership org")
            let roles = membershipReader.strings("roles") ?? []
            if let org, let orgNode = membershipReader.node("org") {
                if let first = memberOf[org] {
                    diagnostics.append(
                        Diagnostic(
                            rule: "duplicate-membership",
                            message: "\(what) is a member of '\(org)' twice (first at \(first.line):\(first.column)); list the roles once",
                            at: orgNode))
                } else {
                    memberOf[org] = orgNode.location
                    memberships.append(Membership(org: OrgID(org), roles: roles))
                }
            }
            membershipReader.finish(into: &diagnostics)
        }
        reader.finish(into: &diagnostics)
        guard let id, let email else { return nil }
        return UserRecord(
            id: UserID(id), email: email, name: name, status: status ?? .active, passwordHash: passwordHash, totpSecret: totpSecret,
            memberships: memberships)
    }

    // MARK: - Cross checks

    private mutating func checkReferences() {
        for reference in references where defined[reference.kind]?[reference.name] == nil {
            let known = (defined[reference.kind] ?? [:]).keys.sorted()
            diagnostics.append(
                Diagnostic(
                    rule: reference.kind.unknownRule,
                    message: "\(reference.context) '\(reference.name)' is not a defined \(reference.kind.noun)",
                    location: reference.location, pointer: reference.pointer,
                    suggestion: Suggestion.didYouMean(reference.name, among: known)))
        }
    }

    /// Reports each parent cycle once, at the `parent` field of the cycle's first organization in the file.
    private mutating func checkParentCycles() {
        var links: [String: ParentLink] = [:]
        for link in parentLinks where links[link.org] == nil { links[link.org] = link }
        var done: Set<String> = []
        for start in parentLinks.map(\.org) where !done.contains(start) {
            var walk: [String] = []
            var current: String? = start
            while let org = current, !done.contains(org), !walk.contains(org) {
                walk.append(org)
                current = links[org]?.parent
            }
            if let org = current, let cycleStart = walk.firstIndex(of: org) {
                let cycle = Array(walk[cycleStart...])
                let order = parentLinks.map(\.org)
                let first = cycle.min { (order.firstIndex(of: $0) ?? 0) < (order.firstIndex(of: $1) ?? 0) } ?? org
                let rotated = Array(cycle.drop { $0 != first }) + cycle.prefix { $0 != first }
                if let link = links[first] {
                    let names = (rotated + [first]).map { "'\($0)'" }.joined(separator: " > ")
                    diagnostics.append(
                        Diagnostic(
                            rule: "parent-cycle",
                            message: cycle.count == 1
                                ? "organization '\(first)' is its own parent"
                                : "organization parents form a cycle: \(names)",
                            at: link.node))
                }
            }
            done.formUnion(walk)
        }
    }

    // MARK: - Helpers

    /// "organization 'acme'" when the element has a string id, else "organizations[3]".
    private func label(_ node: JSONNode, key: String, kind: String, section: String, index: Int) -> String {
        node[key]?.stringValue.map { "\(kind) '\($0)'" } ?? "\(section)[\(index)]"
    }

    /// The elements of an array-valued member; a wrong-type diagnostic and no elements otherwise.
    private mutating func elements(_ node: JSONNode?, key: String) -> [JSONNode] {
        guard let node else { return [] }
        guard let elements = node.arrayElements else {
            let name = key.hasPrefix("'") ? key : "'\(key)'"
            diagnostics.append(Diagnostic(rule: "wrong-type", message: "\(name) must be an array, not \(node.value.kindName)", at: node))
            return []
        }
        return elements
    }

    /// The members of an object whose values must all be strings.
    private mutating func stringMap(
        _ node: JSONNode?, key: String, what: String
    ) -> [(key: String, keyLocation: SourceLocation, value: String, valueNode: JSONNode)] {
        guard let node else { return [] }
        guard let members = node.objectMembers else {
            diagnostics.append(
                Diagnostic(rule: "wrong-type", message: "'\(key)' in \(what) must be an object of strings, not \(node.value.kindName)", at: node))
            return []
        }
        var result: [(key: String, keyLocation: SourceLocation, value: String, valueNode: JSONNode)] = []
        for member in members {
            guard let value = member.value.stringValue else {
                diagnostics.append(
                    Diagnostic(
                        rule: "wrong-type", message: "'\(member.key)' in '\(key)' of \(what) must be a string, not \(describe(member.value))",
                        at: member.value))
                continue
            }
            result.append((member.key, member.keyLocation, value, member.value))
        }
        return result
    }

    /// Reads a required id, checks its spelling and records its definition (reporting duplicates).
    private mutating func identifier(_ reader: inout ObjectReader, key: String, kind: Kind) -> String? {
        guard let value = reader.string(key, required: true), let node = reader.node(key) else { return nil }
        checkIdentifier(value, kind: kind.noun, at: node)
        if let first = defined[kind]?[value] {
            diagnostics.append(
                Diagnostic(
                    rule: "duplicate-id", message: "\(kind.noun) '\(value)' is defined twice (first at \(first.line):\(first.column))",
                    at: node))
        } else {
            defined[kind, default: [:]][value] = node.location
        }
        return value
    }

    /// Reads an optional string that names something defined elsewhere, queuing the reference check.
    private mutating func reference(
        _ reader: inout ObjectReader, key: String, kind: Kind, what: String, required: Bool = false, field: String? = nil
    ) -> String? {
        guard let value = reader.string(key, required: required), let node = reader.node(key) else { return nil }
        refer(kind, value, context: "\(what): \(field ?? key)", at: node)
        return value
    }

    private mutating func refer(_ kind: Kind, _ name: String, context: String, at node: JSONNode) {
        refer(kind, name, context: context, location: node.location, pointer: node.pointer)
    }

    private mutating func refer(_ kind: Kind, _ name: String, context: String, location: SourceLocation, pointer: JSONPointer) {
        references.append(Reference(kind: kind, name: name, context: context, location: location, pointer: pointer))
    }

    /// Ids end up in URLs, file names, tokens and logs: 1–128 letters, digits, `.`, `_`, `-`, `:` or `@`,
    /// starting with a letter or digit.
    private mutating func checkIdentifier(_ value: String, kind: String, at node: JSONNode) {
        if !Self.isValidIdentifier(value) {
            diagnostics.append(
                Diagnostic(
                    rule: "invalid-id",
                    message: "'\(value)' is not a valid \(kind) id: use 1 to 128 letters, digits, '.', '_', '-', ':' or '@', starting with a letter or digit",
                    at: node))
        }
    }

    static func isValidIdentifier(_ value: String) -> Bool {
        let bytes = value.utf8
        guard let first = bytes.first, bytes.count <= 128, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || ".-_:@".utf8.contains($0) }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private func describe(_ node: JSONNode) -> String {
        if case .string(let s) = node.value { return "the string \"\(s)\"" }
        return node.value.kindName
    }

    /// An RFC 3339 date-time, with or without fractional seconds.
    static func parseDate(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
