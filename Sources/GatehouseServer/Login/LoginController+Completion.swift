import Directory
import FlowEngine
import Foundation
import Hummingbird
import Logging
import Login
import OIDCProvider

extension LoginController {
    /// After the flow allowed the user: the organization choice and consent when they are needed,
    /// then the session and the app.
    /// - Parameters:
    ///   - interactive: false for `prompt=none`, which must not show a page (OIDC Core §3.1.2.1).
    ///   - picked: whether the organization was just chosen on the organization page.
    func finish(
        _ transaction: LoginTransaction, _ result: FlowResult, request: Request, context: GatehouseRequestContext,
        interactive: Bool = true, picked: Bool = false
    ) async throws -> Response {
        var transaction = transaction
        if !picked, let choices = organizationChoices(transaction, result), choices.count > 1 {
            guard interactive else {
                return try await silentFailure(transaction, "interaction_required", "The user must choose an organization.", request)
            }
            transaction.stage = .pickOrganization(result, choices: choices)
            try await runtime.transactions.save(transaction)
            return organizationPage(transaction, choices: choices)
        }
        if try await needsConsent(transaction, result) {
            guard interactive else {
                return try await silentFailure(transaction, "consent_required", "The user has not allowed this app yet.", request)
            }
            transaction.stage = .consent(result)
            try await runtime.transactions.save(transaction)
            return consentPage(transaction, result)
        }
        return try await complete(transaction, result, request: request, logger: context.logger)
    }

    /// Whether an allowed login still shows a page before the app gets it: the organization choice or consent.
    func needsPage(_ transaction: LoginTransaction, _ result: FlowResult) async throws -> Bool {
        if let choices = organizationChoices(transaction, result), choices.count > 1 { return true }
        return try await needsConsent(transaction, result)
    }

    /// The organizations the user may pick for this login, sorted by name, when a choice is due: the
    /// user has several memberships, the app named no organization (hint or branded host), and the
    /// login did not come from an SSO session (which keeps the organization chosen before). Only
    /// active organizations the app admits and whose required level the login reached are offered.
    func organizationChoices(_ transaction: LoginTransaction, _ result: FlowResult) -> [OrgID]? {
        guard transaction.authorization.organizationHint == nil, transaction.hostOrganization == nil, transaction.sessionID == nil,
            let memberships = transaction.state.user?.memberships, memberships.count > 1
        else { return nil }
        let directory = runtime.directory
        let policy = runtime.planner.policy
        return memberships.keys.compactMap { id -> (OrgID, String)? in
            guard let organization = directory.context(of: id), !organization.suspended,
                directory.isAllowed(org: id, in: transaction.authorization.clientID),
                policy.satisfies(result.acr, required: organization.requiredLevel)
            else { return nil }
            return (id, organization.name)
        }.sorted { ($0.1, $0.0.rawValue) < ($1.1, $1.0.rawValue) }.map(\.0)
    }

    /// Whether the consent page is due: a third-party app, and the user has not yet allowed every
    /// requested scope (or the app asked with `prompt=consent`).
    func needsConsent(_ transaction: LoginTransaction, _ result: FlowResult) async throws -> Bool {
        guard !hooks.isFirstParty(transaction.authorization.clientID) else { return false }
        if transaction.authorization.prompt.contains("consent") { return true }
        let granted = try await runtime.store.credential(user: result.subject, kind: Self.consentSlot(transaction.authorization.clientID))
            .flatMap { try? RecordJSON.decoder.decode([String].self, from: $0) } ?? []
        return !Set(transaction.authorization.scopes).isSubset(of: granted)
    }

    /// Remembers the scopes the user allowed the app, so the next login does not ask again.
    func rememberConsent(_ transaction: LoginTransaction, _ result: FlowResult) async throws {
        let app = transaction.authorization.clientID
        let slot = Self.consentSlot(app)
        let granted = try await runtime.store.credential(user: result.subject, kind: slot)
            .flatMap { try? RecordJSON.decoder.decode([String].self, from: $0) } ?? []
        let scopes = Array(Set(granted).union(transaction.authorization.scopes)).sorted()
        try await runtime.store.setCredential(user: result.subject, kind: slot, data: try RecordJSON.encoder.encode(scopes))
    }

    /// The credential slot holding the scopes a user allowed an app.
    static func consentSlot(_ app: AppID) -> String { "consent:\(app.rawValue)" }

    /// Creates or refreshes the SSO session, forgets the transaction and hands over to the app.
    ///
    /// The same user keeps their session id (`sid`) with the new methods and level (step-up); another
    /// user ends the old session first. Either way the browser gets a fresh cookie — except when the
    /// session alone answered an app it already serves, changing nothing: then nothing is written and
    /// the cookie stays, unless the session was last renewed ``SessionStore/renewalInterval`` ago or more.
    /// - Parameters:
    ///   - session: The browser's session when the caller has just read it; nil reads it here.
    ///   - stored: Whether the transaction was stored (and must now be deleted).
    func complete(
        _ transaction: LoginTransaction, _ result: FlowResult, request: Request, logger: Logger, session known: SessionRecord? = nil,
        stored: Bool = true
    ) async throws -> Response {
        let now = runtime.clock()
        let sessions = runtime.sessions
        var previous = known
        if previous == nil { previous = try await sessions.find(cookie: request.cookies[SessionStore.cookieName]?.value, now: now) }
        let continuing = previous.flatMap { $0.session.user == result.subject ? $0 : nil }
        if let previous, continuing == nil { try await sessions.end(sid: previous.session.sid) }
        let authTime = transaction.authenticatedNow || continuing == nil ? now : continuing!.session.authTime
        let session = AuthenticatedSession(
            sid: continuing?.session.sid ?? sessions.newSessionID(), user: result.subject, email: result.email,
            emailVerified: result.amr.contains(AuthenticationMethod.email) || result.upstream != nil, name: transaction.state.user?.name,
            organization: result.organization, roles: result.roles, claims: result.claims, acr: result.acr, amr: result.amr,
            authTime: authTime, upstream: result.upstream, upstreamLevel: result.upstreamLevel)
        let app = transaction.authorization.clientID
        let unchanged =
            continuing.map {
                !stored && !transaction.authenticatedNow && $0.session == session && $0.apps.contains(app)
                    && now.timeIntervalSince($0.lastUsedAt) < SessionStore.renewalInterval
            } ?? false
        var cookie: (value: String, maxAge: TimeInterval)?
        if !unchanged {
            let record = SessionRecord(
                session: session, apps: (continuing?.apps ?? []).filter { $0 != app } + [app],
                createdAt: transaction.authenticatedNow ? now : continuing?.createdAt ?? now, lastUsedAt: now,
                logoutToken: continuing?.logoutToken ?? sessions.newToken())
            let value = try await sessions.save(
                record, now: now, isNew: continuing == nil, also: stored ? [LoginTransactionStore.deletion(transaction.id)] : [])
            cookie = (value, record.expiresAt(idle: sessions.idleTimeout, absolute: sessions.absoluteTimeout).timeIntervalSince(now))
        }
        runtime.metrics.loginFinished(app: app.rawValue, outcome: "allow", reason: "none")
        logger.info(
            "login allowed",
            metadata: [
                "app": .string(app.rawValue), "flow": .string(transaction.state.flow.rawValue), "sso": .stringConvertible(!transaction.authenticatedNow),
                "user": .string(result.subject.rawValue), "acr": .string(result.acr?.rawValue ?? "none"),
                "amr": .string(result.amr.joined(separator: " ")), "steps": .string(result.steps.map(\.rawValue).joined(separator: ",")),
            ])
        var response = try await hooks.onAuthenticated(transaction.authorization, session, request)
        if let cookie {
            response.setCookie(SessionStore.cookie(cookie.value, maxAge: Int(cookie.maxAge), secure: runtime.configuration.issuerIsHTTPS))
        }
        return response
    }

    /// `prompt=none` could not finish without a page (its transaction was never stored).
    private func silentFailure(_ transaction: LoginTransaction, _ error: String, _ description: String, _ request: Request) async throws
        -> Response
    {
        try await hooks.onDenied(transaction.authorization, OAuthError(error, description), request)
    }
}
