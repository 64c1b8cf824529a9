import Directory
import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Login
import OIDCProvider

/// Runs logins through the hosted pages: starts a transaction for an app's authorization request,
/// shows the page the flow waits on, feeds the user's answers to the runner, and hands the result to
/// the ``LoginHooks``.
///
/// Stateless between requests: every step reads the transaction from the store and writes it back,
/// so a login started on one node can continue on any other.
///
/// ```swift
/// // in the /authorize route, after validating the request:
/// return try await login.begin(authorizationRequest: authorization, request: request, context: context)
/// ```
public struct LoginController: Sendable {
    /// The server's parts.
    public let runtime: GatehouseRuntime
    /// Where logins end.
    public let hooks: LoginHooks

    /// The browser-binding cookie: scoped to one transaction's path, so parallel logins in several
    /// tabs do not disturb each other.
    static let bindingCookie = "gatehouse_login"

    /// The same binding for the federation callbacks (`/federation/`), set when the browser leaves for
    /// its IdP: it lets the callback finish the login at once (``resumeUpstream(_:with:request:context:)``).
    /// `SameSite=None; Secure`, since a SAML Response arrives in a cross-site POST; browsers keep it
    /// because the issuer is https or loopback (a secure context; ``ServerConfiguration`` refuses any
    /// other). One name, so a second login started meanwhile replaces it, and the first takes the way
    /// through its page, as does a browser that does not send it.
    static let upstreamBindingCookie = "gatehouse_upstream"

    /// Creates a controller.
    public init(runtime: GatehouseRuntime, hooks: LoginHooks) {
        self.runtime = runtime
        self.hooks = hooks
    }

    // MARK: Starting

    /// Starts a login for a validated authorization request and returns the id of its page
    /// (`/login/{id}`); the transaction is not bound to a browser (see ``begin(authorizationRequest:request:context:)``).
    /// - Parameters:
    ///   - authorizationRequest: The app's request, already validated by the OAuth endpoint.
    ///   - session: The browser's SSO session, if it has one (``SessionStore/find(cookie:now:)``); it is
    ///     ignored for `prompt=login`, an exceeded `max_age`, or a `login_hint` naming someone else.
    ///   - host: The host name the request came to (a branded host selects its organization).
    /// - Throws: `LoginError` for an unknown app, `FlowError` for a missing flow, store errors.
    public func start(authorizationRequest: AuthorizationRequest, session: SessionRecord?, host: String?) async throws -> LoginTransactionID {
        let transaction = try await prepare(authorizationRequest, session: session, host: host, binding: nil, logger: runtime.logger)
        try await runtime.transactions.save(transaction)
        return transaction.id
    }

    /// Starts a login the way the `/authorize` endpoint should: reads the SSO cookie, handles
    /// `prompt=none` (OIDC Core §3.1.2.1: no page is shown; the hooks get the result or
    /// `login_required`), binds the transaction to this browser and redirects to its page.
    public func begin(authorizationRequest: AuthorizationRequest, request: Request, context: GatehouseRequestContext) async throws -> Response {
        let now = runtime.clock()
        let record = try await runtime.sessions.find(cookie: request.cookies[SessionStore.cookieName]?.value, now: now)
        let silent = authorizationRequest.prompt.contains("none")
        if silent, record.map({ usable($0, for: authorizationRequest, now: now) }) != true {
            return try await hooks.onDenied(authorizationRequest, OAuthError("login_required", "The user is not signed in."), request)
        }
        var transaction = try await prepare(authorizationRequest, session: record, host: context.client.host, binding: nil, logger: context.logger)
        // The SSO session satisfied the flow and no page is due (organization choice, consent): the
        // browser goes straight back to the app, and the transaction is never stored nor bound.
        if case .finished(.allow(let result)) = transaction.state.phase, try await !needsPage(transaction, result) {
            return try await complete(transaction, result, request: request, logger: context.logger, session: record, stored: false)
        }
        let binding = Tokens.random(32, from: runtime.random)
        transaction.browserBinding = Tokens.digest(binding)
        if silent {
            guard case .finished(.allow(let result)) = transaction.state.phase else {
                return try await hooks.onDenied(
                    authorizationRequest, OAuthError("login_required", "The sign-in needs the user's interaction."), request)
            }
            return try await finish(transaction, result, request: request, context: context, interactive: false)
        }
        try await runtime.transactions.save(transaction)
        // The flow goes straight to the user's IdP (a login hint or an organization chose it): the
        // browser goes there now, bound as the page would bind it, one round trip sooner.
        if case .awaitingUpstream(let upstream) = transaction.state.phase {
            var response = try await sendUpstream(upstream, transaction, binding: binding, request: request, context: context)
            bind(&response, to: transaction, binding: binding)
            return response
        }
        return redirect(to: transaction, binding: binding)
    }

    /// Starts a login that the user's IdP began (an unsolicited SAML Response, already verified) for
    /// `app`: the flow runs with the asserted email as login hint, and when it sends the user to
    /// `connection` it gets `answer` at once instead. The browser is bound to the transaction and sent
    /// to its page, which finishes it: the SSO session is made and the browser goes to the app's
    /// `initiate_login_uri` (OIDC Core §4).
    /// - Returns: nil when the app cannot take IdP-initiated logins, or its flow does not send this
    ///   user to `connection` (then nothing is stored).
    public func beginIdentityProviderInitiated(
        app: AppID, connection: ConnectionID, answer: UpstreamIdentity, request: Request, context: GatehouseRequestContext
    ) async throws -> Response? {
        guard let initiate = runtime.directory.application(app)?.client?.initiateLoginURI, let email = answer.email else { return nil }
        let authorization = AuthorizationRequest(
            clientID: app, redirectURI: initiate, scopes: ["openid"], state: nil, nonce: nil, codeChallenge: nil, loginHint: email,
            initiateLoginURI: initiate)
        let binding = Tokens.random(32, from: runtime.random)
        var transaction = try await prepare(
            authorization, session: nil, host: context.client.host, binding: Tokens.digest(binding), logger: context.logger)
        guard case .flow = transaction.stage, case .awaitingUpstream(let upstream) = transaction.state.phase, upstream.connection == connection
        else { return nil }
        transaction.authenticatedNow = true
        _ = try await advance(&transaction, with: .upstream(.authenticated(answer)), logger: context.logger)
        return redirect(to: transaction, binding: binding)
    }

    /// A redirect to the transaction's page that binds it to this browser.
    private func redirect(to transaction: LoginTransaction, binding: String) -> Response {
        var response = Response(status: .seeOther, headers: [.location: "/login/\(transaction.id)"])
        bind(&response, to: transaction, binding: binding)
        return response
    }

    /// Binds the transaction to this browser: a cookie scoped to its page, which every later request
    /// of the login presents.
    private func bind(_ response: inout Response, to transaction: LoginTransaction, binding: String) {
        response.setCookie(
            Cookie(
                name: Self.bindingCookie, value: binding, maxAge: bindingLifetime(transaction), path: "/login/\(transaction.id)",
                secure: runtime.configuration.issuerIsHTTPS, httpOnly: true, sameSite: .lax))
    }

    /// Seconds a binding cookie lives: as long as its transaction can still be found.
    private func bindingLifetime(_ transaction: LoginTransaction) -> Int {
        Int(transaction.expiresAt.timeIntervalSince(runtime.clock()) + LoginTransactionStore.grace)
    }

    /// Sends the browser to the IdP the flow waits on. A browser without an SSO session also gets the
    /// ``upstreamBindingCookie``: the callback can then end the login itself, since the session it
    /// would find in a same-site request is known to be none (a cross-site POST carries no `Lax` cookie).
    /// - Parameter binding: The binding just made; nil: the one the login page's request presents.
    private func sendUpstream(
        _ upstream: UpstreamRequest, _ transaction: LoginTransaction, binding: String? = nil, request: Request,
        context: GatehouseRequestContext
    ) async throws -> Response {
        var response = try await hooks.onUpstream(upstream, transaction.id, request, context.logger)
        if let binding = binding ?? request.cookies[Self.bindingCookie]?.value, request.cookies[SessionStore.cookieName] == nil {
            response.setCookie(Self.upstreamBinding(binding, maxAge: bindingLifetime(transaction)))
        }
        return response
    }

    /// The ``upstreamBindingCookie`` with `value` (an empty value with `maxAge` 0 removes it).
    private static func upstreamBinding(_ value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: upstreamBindingCookie, value: value, maxAge: maxAge, path: "/federation/", secure: true, httpOnly: true,
            sameSite: Cookie.SameSite.none)
    }

    /// A new transaction with the flow run as far as it goes without the user; not stored yet (a
    /// login that finishes at once never is).
    private func prepare(
        _ authorization: AuthorizationRequest, session: SessionRecord?, host: String?, binding: String?, logger: Logger
    ) async throws -> LoginTransaction {
        let now = runtime.clock()
        let directory = runtime.directory
        let hostOrganization = runtime.configuration.organization(forHost: host).flatMap { directory.organization($0)?.id }
        // An unknown organization hint is ignored rather than failing the login: it only preselects.
        let hint = authorization.organizationHint.flatMap { directory.organization($0)?.id } ?? hostOrganization
        let usableSession = session.flatMap { usable($0, for: authorization, now: now) ? $0 : nil }
        let sessionContext = try await usableSession.asyncFlatMap { try await context(of: $0, hint: hint) }
        let (request, flow) = try runtime.planner.plan(
            app: authorization.clientID, acrValues: authorization.acrValues, loginHint: authorization.loginHint, organization: hint,
            session: sessionContext)
        var machine = FlowMachine(flow: flow, request: request, policy: runtime.planner.policy, now: now)
        let suspension = try await FlowRunner.advance(&machine, environment: runtime.environment)
        let transaction = LoginTransaction(
            id: LoginTransactionID(trusted: Tokens.random(LoginTransactionID.byteCount, from: runtime.random)), authorization: authorization,
            request: machine.request, state: machine.state, stage: .flow, csrfToken: Tokens.random(32, from: runtime.random),
            browserBinding: binding, sessionID: sessionContext == nil ? nil : usableSession?.session.sid, authenticatedNow: false,
            hostOrganization: hostOrganization, createdAt: now, expiresAt: now.addingTimeInterval(flow.timeout))
        record(suspension, app: authorization.clientID, flow: machine.state.flow, logger: logger)
        // A login that finished at once (an SSO session answered it, or it was refused) has its one
        // line, "login allowed" or "login denied", with the flow.
        if case .finished = suspension {} else {
            logger.info(
                "login started",
                metadata: [
                    "app": .string(authorization.clientID.rawValue), "flow": .string(machine.state.flow.rawValue),
                    "sso": .stringConvertible(sessionContext != nil),
                ])
        }
        return transaction
    }

    /// Whether an SSO session may stand in for authentication in this request.
    func usable(_ record: SessionRecord, for authorization: AuthorizationRequest, now: Date) -> Bool {
        if authorization.prompt.contains("login") || authorization.prompt.contains("select_account") { return false }
        if let maxAge = authorization.maxAge, now.timeIntervalSince(record.session.authTime) > TimeInterval(maxAge) { return false }
        if let hint = authorization.loginHint, hint.lowercased() != record.session.email.lowercased() { return false }
        return true
    }

    /// The runner's view of a session: the account as it is now (suspended accounts lose their
    /// session), and the organization the request hints at when the user belongs to it.
    private func context(of record: SessionRecord, hint: OrgID?) async throws -> SessionContext? {
        guard let user = try await runtime.store.user(id: record.session.user), user.status == .active else { return nil }
        let account = try await runtime.environment.userContext(user)
        let organization = hint.flatMap { account.memberships[$0] != nil ? $0 : nil } ?? record.session.organization?.id
        return SessionContext(
            user: account, organization: organization.flatMap(runtime.directory.context(of:)), amr: record.session.amr,
            upstreamLevel: record.session.upstreamLevel, upstream: record.session.upstream, authTime: record.session.authTime)
    }

    // MARK: Pages

    /// `GET /login/{id}`: shows what the transaction waits on (or finishes it, when nothing is left to ask).
    func show(_ rawID: String, request: Request, context: GatehouseRequestContext) async throws -> Response {
        let transaction = try await load(rawID, request: request)
        return try await proceed(transaction, request: request, context: context)
    }

    /// `POST /login/{id}`: one answer to the page shown.
    func submit(_ rawID: String, request: Request, context: GatehouseRequestContext) async throws -> Response {
        let form = try await LoginForm.decode(request, context: context)
        guard let id = LoginTransactionID(rawID) else { throw LoginPageError.unknownTransaction }
        let response = try await runtime.transactions.withLock(id, now: runtime.clock()) {
            let transaction = try await load(rawID, request: request)
            // Compared in constant time; a missing or wrong token changes nothing.
            guard let token = form.csrf, Tokens.constantTimeEquals(token, transaction.csrfToken) else {
                context.logger.notice("login form refused: CSRF token missing or wrong")
                throw LoginPageError.forgedForm
            }
            return try await process(form, transaction, request: request, context: context)
        }
        guard let response else { throw LoginPageError.busy }
        return response
    }

    /// Continues a transaction that waits on an upstream IdP with the IdP's verified answer (for the
    /// federation callbacks: SAML ACS, OIDC redirect).
    ///
    /// The callback has matched its `RelayState` or `state` to this transaction; the browser binding
    /// is checked too, so an answer delivered to another browser (login CSRF) goes no further. When the
    /// request presents the ``upstreamBindingCookie`` and the flow has allowed the user with no page
    /// left to show, the login ends here and the browser goes to the app. Otherwise the browser goes
    /// to the login page, which checks its own binding cookie (a same-site request) and goes on. An
    /// answer for a transaction that no longer waits on an IdP is dropped.
    public func resumeUpstream(
        _ id: LoginTransactionID, with answer: UpstreamResponse, request: Request, context: GatehouseRequestContext
    ) async throws -> Response {
        let presented = request.cookies[Self.upstreamBindingCookie]?.value
        let resumed = try await runtime.transactions.withLock(id, now: runtime.clock()) { () async throws -> Response in
            let page = Response(status: .seeOther, headers: [.location: "/login/\(id)"])
            var transaction = try await find(id)
            guard case .flow = transaction.stage, case .awaitingUpstream = transaction.state.phase else {
                context.logger.notice("an upstream answer arrived for a login that no longer waits for one")
                return page
            }
            transaction.authenticatedNow = true
            let suspension = try await advance(&transaction, with: .upstream(answer), logger: context.logger, saving: false)
            if let presented, let binding = transaction.browserBinding, Tokens.constantTimeEquals(Tokens.digest(presented), binding),
                case .finished(.allow(let result)) = suspension, try await !needsPage(transaction, result)
            {
                return try await complete(transaction, result, request: request, logger: context.logger)
            }
            try await runtime.transactions.save(transaction)
            return page
        }
        guard var response = resumed else { throw LoginPageError.busy }
        if presented != nil { response.setCookie(Self.upstreamBinding("", maxAge: 0)) }
        return response
    }

    private func load(_ rawID: String, request: Request) async throws -> LoginTransaction {
        guard let id = LoginTransactionID(rawID) else { throw LoginPageError.unknownTransaction }
        let transaction = try await find(id)
        if let binding = transaction.browserBinding {
            guard let cookie = request.cookies[Self.bindingCookie]?.value, Tokens.constantTimeEquals(Tokens.digest(cookie), binding) else {
                throw LoginPageError.otherBrowser
            }
        }
        return transaction
    }

    private func find(_ id: LoginTransactionID) async throws -> LoginTransaction {
        switch try await runtime.transactions.find(id, now: runtime.clock()) {
        case .found(let transaction): return transaction
        case .expired: throw LoginPageError.expired
        case .unknown: throw LoginPageError.unknownTransaction
        }
    }

    /// Handles a submitted form (CSRF already checked) under the transaction's lock.
    private func process(
        _ form: LoginForm, _ transaction: LoginTransaction, request: Request, context: GatehouseRequestContext
    ) async throws -> Response {
        var transaction = transaction
        switch transaction.stage {
        case .pickOrganization(let result, let choices):
            if form.isCancel { return try await decline(transaction, reason: "cancelled", request: request) }
            guard let picked = form.organization.map(OrgID.init), choices.contains(picked),
                let organization = runtime.directory.context(of: picked)
            else {
                return organizationPage(transaction, choices: choices, error: "Choose one of the organizations listed.")
            }
            var chosen = result
            chosen.organization = organization
            chosen.roles = transaction.state.user?.memberships[picked] ?? []
            transaction.stage = .flow
            return try await finish(transaction, chosen, request: request, context: context, picked: true)
        case .consent(let result):
            switch form.decision {
            case "allow":
                try await rememberConsent(transaction, result)
                return try await complete(transaction, result, request: request, logger: context.logger)
            case "deny":
                return try await decline(transaction, reason: "consent_denied", request: request)
            default:
                if form.isCancel { return try await decline(transaction, reason: "cancelled", request: request) }
                return consentPage(transaction, result)
            }
        case .flow:
            break
        }
        switch transaction.state.phase {
        case .finished(.deny(let denial)) where form.action == "return":
            try await runtime.transactions.delete(transaction.id)
            return try await hooks.onDenied(
                transaction.authorization, .accessDenied("The sign-in was refused (\(denial.reason))."), request)
        case .awaitingInput(let prompt):
            let input: UserInput
            if form.isCancel {
                input = .cancel
            } else if let answer = form.input(for: prompt.kind) {
                input = answer
            } else {
                return promptPage(transaction, prompt, message: Self.missingAnswer(prompt.kind))
            }
            if input.isCredential {
                let decision = try await runtime.attemptLimiter.record(address: context.client.limitKey, now: runtime.clock())
                if case .limited(let retryAfter) = decision {
                    runtime.metrics.attemptLimited()
                    context.logger.notice("submission refused by the per-address attempt limit", metadata: ["prompt": .string(prompt.kind.name)])
                    let minutes = Int((retryAfter / 60).rounded(.up))
                    var response = promptPage(
                        transaction, prompt,
                        message: "Too many attempts from your network. Wait \(minutes) minute\(minutes == 1 ? "" : "s") and try again.",
                        status: .tooManyRequests)
                    response.headers[.retryAfter] = String(Int(retryAfter.rounded(.up)))
                    return response
                }
            }
            if input.isCredential { transaction.authenticatedNow = true }
            let started = ContinuousClock.now
            let suspension = try await advance(&transaction, with: .input(input), logger: context.logger)
            runtime.metrics.stepCompleted(prompt: prompt.kind.name, duration: ContinuousClock.now - started)
            return try await dispatch(transaction, suspension, request: request, context: context)
        default:
            return try await proceed(transaction, request: request, context: context)
        }
    }

    /// Resumes the machine, delivers `event` (nil: run what is pending), stores the new state unless
    /// `saving` is false (the caller stores or deletes the transaction itself).
    private func advance(
        _ transaction: inout LoginTransaction, with event: FlowEvent?, logger: Logger, saving: Bool = true
    ) async throws -> FlowSuspension {
        let flow = try runtime.flows.flow(transaction.state.flow)
        var machine = try FlowMachine(
            flow: flow, request: transaction.request, policy: runtime.planner.policy, resuming: transaction.state)
        let suspension = try await FlowRunner.advance(&machine, with: event, environment: runtime.environment)
        transaction.state = machine.state
        if saving { try await runtime.transactions.save(transaction) }
        record(suspension, app: transaction.authorization.clientID, flow: transaction.state.flow, logger: logger)
        return suspension
    }

    /// Counts refusals when they happen (successes are counted when the session is created).
    private func record(_ suspension: FlowSuspension, app: AppID, flow: FlowID, logger: Logger) {
        guard case .finished(.deny(let denial)) = suspension else { return }
        runtime.metrics.loginFinished(app: app.rawValue, outcome: "deny", reason: denial.reason)
        logger.info(
            "login denied", metadata: ["app": .string(app.rawValue), "flow": .string(flow.rawValue), "reason": .string(denial.reason)])
    }

    /// Shows or does what the transaction waits on, without new input.
    private func proceed(_ transaction: LoginTransaction, request: Request, context: GatehouseRequestContext) async throws -> Response {
        switch transaction.stage {
        case .pickOrganization(_, let choices): return organizationPage(transaction, choices: choices)
        case .consent(let result): return consentPage(transaction, result)
        case .flow: break
        }
        switch transaction.state.phase {
        case .awaitingInput(let prompt):
            return promptPage(transaction, prompt)
        case .awaitingUpstream(let upstream):
            return try await sendUpstream(upstream, transaction, request: request, context: context)
        case .finished(let outcome):
            return try await dispatch(transaction, .finished(outcome), request: request, context: context)
        case .awaitingEffect, .awaitingFlow, nil:
            // An effect failed (the store was down) on an earlier request: run it again now.
            var transaction = transaction
            let suspension = try await advance(&transaction, with: nil, logger: context.logger)
            return try await dispatch(transaction, suspension, request: request, context: context)
        }
    }

    /// Acts on where the runner stopped.
    private func dispatch(
        _ transaction: LoginTransaction, _ suspension: FlowSuspension, request: Request, context: GatehouseRequestContext
    ) async throws -> Response {
        switch suspension {
        case .awaitingInput(let prompt):
            return promptPage(transaction, prompt)
        case .awaitingUpstream(let upstream):
            return try await sendUpstream(upstream, transaction, request: request, context: context)
        case .finished(.deny(let denial)):
            return deniedPage(transaction, denial)
        case .finished(.allow(let result)):
            return try await finish(transaction, result, request: request, context: context)
        }
    }

    /// Ends the login without authentication and tells the app.
    private func decline(_ transaction: LoginTransaction, reason: String, request: Request) async throws -> Response {
        try await runtime.transactions.delete(transaction.id)
        runtime.metrics.loginFinished(app: transaction.authorization.clientID.rawValue, outcome: "deny", reason: reason)
        let description = reason == "consent_denied" ? "The user did not allow access." : "The user cancelled the sign-in."
        return try await hooks.onDenied(transaction.authorization, .accessDenied(description), request)
    }

    /// What to say when a page was posted without its field.
    static func missingAnswer(_ kind: PromptKind) -> String {
        switch kind {
        case .email: "Enter your email address."
        case .password: "Enter your password."
        case .totp, .totpEnrollment, .emailOTP: "Enter the code."
        case .recoveryCode: "Enter a recovery code."
        }
    }
}

extension Optional {
    /// `flatMap` with an async transform.
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
