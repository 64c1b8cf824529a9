import Directory
import Federation
import FlowEngine
import Foundation
import Hummingbird
import Logging
import OIDCProvider

/// Sends users from a flow's `federate` or `social` step to their upstream IdP and brings the IdP's
/// verified answer back into the login transaction.
///
/// 1. ``start(_:transaction:request:logger:)`` (the ``LoginHooks/onUpstream`` hook): a SAML AuthnRequest
///    (HTTP-Redirect or HTTP-POST binding) or an OAuth authorization request; what binds the answer
///    to this login (the AuthnRequest ID, or state, nonce and PKCE verifier) is stored under the
///    token that travels as `RelayState` / `state`.
/// 2. ``assertionConsumer(_:context:login:)`` and ``callback(_:context:login:)``: take that stored
///    record (once), verify the answer (``SAMLResponseValidator``, ``FederatedLogin/finishLogin(_:transaction:now:)``)
///    and hand the identity or the failure to ``LoginController/resumeUpstream(_:with:request:context:)``,
///    which redirects to the login page: only the browser that started the login continues it.
struct FederationBroker: Sendable {
    let runtime: GatehouseRuntime
    let connections: UpstreamConnections
    let pending: PendingUpstreamLogins
    let random: RandomBytes

    // MARK: Out to the IdP

    /// Starts the upstream login the flow asks for.
    /// - Throws: ``FederationPageError`` when the connection is unknown, unusable, or its IdP cannot be reached.
    func start(_ upstream: UpstreamRequest, transaction: LoginTransactionID, request: Request, logger: Logger) async throws -> Response {
        let now = runtime.clock()
        var logger = logger
        logger[metadataKey: "connection"] = .string(upstream.connection.rawValue)
        switch connections[upstream.connection] {
        case .saml(let source):
            let serviceProvider = try await Self.current(source, logger: logger).0
            let authnRequest = AuthnRequest(
                serviceProvider: serviceProvider, requiredLevel: upstream.requiredLevel, now: now, randomBytes: random.bytes)
            let relayState = Tokens.random(24, from: runtime.random)
            try await pending.save(
                PendingUpstreamLogin(transaction: transaction, connection: upstream.connection, samlRequestID: authnRequest.id),
                token: relayState, now: now)
            let signingKey = serviceProvider.signAuthnRequests ? connections.serviceProviderKey?.signingKey : nil
            let delivery: AuthnRequest.Delivery
            do {
                delivery = try authnRequest.delivery(
                    relayState: relayState, signingKey: signingKey, algorithm: serviceProvider.authnRequestSignatureAlgorithm)
            } catch {
                logger.error("the AuthnRequest could not be built", metadata: ["reason": .string(error.reason)])
                throw FederationPageError.unavailable
            }
            logger.info("sent the user to the SAML IdP", metadata: ["binding": .string(authnRequest.binding == .httpPOST ? "post" : "redirect")])
            switch delivery {
            case .redirect(let location):
                return Response(status: .seeOther, headers: [.location: location])
            case .post(let form):
                return runtime.pages.autoPost(.saml, to: form.action, fields: form.fields.map { ($0.name, $0.value) })
            }
        case .oauth(let login):
            let redirect: LoginRedirect
            do {
                redirect = try await login.startLogin(upstream, now: now)
            } catch {
                logger.warning(
                    "the upstream login could not be started", metadata: ["reason": .string((error as? FederationError)?.reason ?? "\(type(of: error))")])
                throw FederationPageError.unavailable
            }
            try await pending.save(
                PendingUpstreamLogin(transaction: transaction, connection: upstream.connection, oauth: redirect.transaction),
                token: redirect.transaction.state, now: now)
            logger.info("sent the user to the OAuth IdP")
            return Response(status: .seeOther, headers: [.location: redirect.url.absoluteString])
        case .unavailable(let reason):
            logger.warning("a login needs a connection that is not usable", metadata: ["reason": .string(reason)])
            throw FederationPageError.unavailable
        case nil:
            logger.warning("a login needs a connection that is not configured")
            throw FederationPageError.unavailable
        }
    }

    // MARK: Back from the IdP

    /// `POST /federation/saml/{connection}/acs`: the SAML Response (HTTP-POST binding, SAML Bindings §3.5).
    func assertionConsumer(_ request: Request, context: GatehouseRequestContext, login: LoginController) async throws -> Response {
        let connection = try connectionID(context)
        guard case .saml(let source) = connections[connection] else { throw FederationPageError.unknownConnection }
        let form = try await Self.form(request, context: context)
        guard let message = form["SAMLResponse"], !message.isEmpty else { throw FederationPageError.malformedAnswer }
        let now = runtime.clock()
        // Without a pending login (no RelayState, unknown, expired, used) there is no transaction to answer:
        // only a connection that accepts IdP-initiated Responses and names the app they land in goes on.
        let waiting = try await form["RelayState"].asyncFlatMap { try await pending.take(token: $0, now: now) }
        if waiting == nil, let app = connections.unsolicitedApps[connection] {
            return try await identityProviderInitiated(message, connection: connection, app: app, source: source, context: context, login: login, request: request)
        }
        guard let waiting, waiting.connection == connection else {
            context.logger.notice("SAML Response refused: no sign-in waits for it", metadata: ["connection": .string(connection.rawValue)])
            throw FederationPageError.noPendingLogin
        }
        let validator = try await Self.current(source, logger: context.logger).1
        let verdict = await validator.validate(message, expectedRequestID: waiting.samlRequestID, now: now)
        if let failure = verdict.failures.first, case .failed(let error) = failure.outcome {
            context.logger.notice(
                "SAML Response refused",
                metadata: ["connection": .string(connection.rawValue), "check": .string(failure.check.rawValue), "code": .string(error.code.description)])
        } else {
            context.logger.info("SAML Response accepted", metadata: ["connection": .string(connection.rawValue)])
        }
        runtime.metrics.upstreamAnswer(connection: connection.rawValue, accepted: verdict.isAccepted)
        return try await login.resumeUpstream(waiting.transaction, with: verdict.upstreamResponse(connection: connection), request: request, context: context)
    }

    /// An IdP-initiated Response (no AuthnRequest, SAML Profiles §4.1.5) for a connection that accepts
    /// them: verified without `InResponseTo`, then a login for `app` that lands in its `initiate_login_uri`.
    private func identityProviderInitiated(
        _ message: String, connection: ConnectionID, app: AppID, source: SAMLConnectionSource, context: GatehouseRequestContext,
        login: LoginController, request: Request
    ) async throws -> Response {
        let validator = try await Self.current(source, logger: context.logger).1
        let verdict = await validator.validate(message, expectedRequestID: nil, now: runtime.clock())
        runtime.metrics.upstreamAnswer(connection: connection.rawValue, accepted: verdict.isAccepted)
        guard case .authenticated(let identity) = verdict.upstreamResponse(connection: connection) else {
            let check = verdict.failures.first?.check.rawValue ?? "status"
            context.logger.notice(
                "IdP-initiated SAML Response refused", metadata: ["connection": .string(connection.rawValue), "check": .string(check)])
            throw FederationPageError.noPendingLogin
        }
        guard let response = try await login.beginIdentityProviderInitiated(
            app: app, connection: connection, answer: identity, request: request, context: context)
        else {
            context.logger.notice(
                "IdP-initiated login refused: the app has no initiate_login_uri or its flow does not use this connection",
                metadata: ["connection": .string(connection.rawValue), "app": .string(app.rawValue)])
            throw FederationPageError.noPendingLogin
        }
        context.logger.info("IdP-initiated SAML login accepted", metadata: ["connection": .string(connection.rawValue)])
        return response
    }

    /// `GET|POST /federation/oidc/{connection}/callback`: the authorization response (RFC 6749 §4.1.2,
    /// query, or `form_post`).
    func callback(_ request: Request, context: GatehouseRequestContext, login: LoginController) async throws -> Response {
        let connection = try connectionID(context)
        guard case .oauth(let upstream) = connections[connection] else { throw FederationPageError.unknownConnection }
        let parameters = request.method == .post ? try await Self.form(request, context: context) : try Self.query(request)
        let now = runtime.clock()
        guard let state = parameters["state"], let waiting = try await pending.take(token: state, now: now),
            waiting.connection == connection, let transaction = waiting.oauth
        else {
            context.logger.notice("authorization response refused: no sign-in waits for it", metadata: ["connection": .string(connection.rawValue)])
            throw FederationPageError.noPendingLogin
        }
        let answer: UpstreamResponse
        do {
            answer = .authenticated(try await upstream.finishLogin(AuthorizationResponse(parameters: parameters), transaction: transaction, now: now))
            context.logger.info("upstream login accepted", metadata: ["connection": .string(connection.rawValue)])
        } catch let error as FederationError {
            context.logger.notice(
                "upstream login refused", metadata: ["connection": .string(connection.rawValue), "code": .string(error.code.description)])
            answer = .failure(error)
        }
        runtime.metrics.upstreamAnswer(connection: connection.rawValue, accepted: answer.isAuthenticated)
        return try await login.resumeUpstream(waiting.transaction, with: answer, request: request, context: context)
    }

    /// `GET /federation/saml/{connection}/metadata`: our SP metadata for the customer's IdP admin.
    func metadata(_ context: GatehouseRequestContext) async throws -> Response {
        let connection = try connectionID(context)
        guard case .saml(let source) = connections[connection] else { throw FederationPageError.unknownConnection }
        let serviceProvider = try await Self.current(source, logger: context.logger).0
        let certificates = connections.serviceProviderKey.map { [$0.certificatePEM] } ?? []
        let xml = try SAMLServiceProviderMetadata(
            serviceProvider: serviceProvider, signingCertificates: certificates, encryptionCertificates: certificates
        ).xml()
        return Response(
            status: .ok, headers: [.contentType: "application/samlmetadata+xml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: xml)))
    }

    /// A SAML connection as it is now; when its metadata cannot be had, the unavailable page.
    private static func current(_ source: SAMLConnectionSource, logger: Logger) async throws -> (SAMLServiceProvider, SAMLResponseValidator) {
        do {
            return try await source.current()
        } catch {
            logger.warning(
                "the SAML connection's metadata is not usable", metadata: ["reason": .string((error as? FederationError)?.reason ?? "\(type(of: error))")])
            throw FederationPageError.unavailable
        }
    }

    // MARK: Reading requests

    private func connectionID(_ context: GatehouseRequestContext) throws -> ConnectionID {
        guard let raw = context.parameters.get("connection") else { throw FederationPageError.unknownConnection }
        return ConnectionID(raw)
    }

    /// A form body: every field once. A repeated field makes the form unusable (which value would be meant?).
    static func form(_ request: Request, context: GatehouseRequestContext) async throws -> [String: String] {
        let body = try await request.body.collect(upTo: context.bodyLimit)
        return try fields(String(buffer: body))
    }

    static func query(_ request: Request) throws -> [String: String] {
        try fields(request.uri.query ?? "")
    }

    /// `application/x-www-form-urlencoded` fields, each given once: a repeated field or a pair that
    /// does not decode (kept under the name `""`) makes the form unusable.
    private static func fields(_ encoded: String) throws -> [String: String] {
        let parameters = OAuthParameters.parse(encoded)
        guard parameters[""] == nil, parameters.values.allSatisfy({ $0.count == 1 }) else { throw FederationPageError.malformedAnswer }
        return parameters.mapValues { $0[0] }
    }
}

extension UpstreamResponse {
    /// Whether the IdP authenticated the user.
    var isAuthenticated: Bool {
        if case .authenticated = self { return true }
        return false
    }
}
