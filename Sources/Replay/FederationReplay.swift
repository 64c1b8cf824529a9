import Authenticators
import Directory
import FlowEngine
import Federation
import Foundation

/// Runs recorded upstream messages through the real validators of Federation, offline: a SAML
/// Response through ``SAMLResponseValidator``, an OIDC answer through the connection's
/// ``FederatedLogin`` (``FederatedLogins/make(for:http:defaultRedirectURI:random:allowsPlainHTTPOnLoopback:logger:)``)
/// with its HTTP answered by ``RecordedHTTP``.
///
/// Gatehouse's endpoints for a connection follow the server's convention under the fixture's issuer:
/// SAML entityID `{issuer}/federation/saml/{connection}`, ACS `…/acs`, OIDC redirect URI
/// `{issuer}/federation/oidc/{connection}/callback`.
struct FederationReplay: Sendable {
    let directory: Directory
    let store: any DirectoryStore
    let random: any RandomSource
    let issuer: String
    let samlDecryptionKeyPEM: String?

    /// What a recorded message gave: the flow event, or why the event could not be delivered.
    struct Answer {
        /// The verdict as the flow's event; nil when the event does not fit (see `problems`).
        var response: UpstreamResponse?
        /// The failure's full reason, for `--verbose`.
        var note: String?
        /// Why the fixture is wrong (another connection waited for, an unrecorded request).
        var problems: [String] = []
    }

    /// Validates a SAML Response for the connection the flow waits for, as the answer to the
    /// AuthnRequest whose ID the event recorded, with the fixture's store as replay cache.
    func answer(_ spec: Fixture.SAMLResponseSpec, to pending: UpstreamRequest, now: Date) async throws -> Answer {
        guard spec.connection == pending.connection.rawValue else {
            return Answer(problems: ["saml_response for connection '\(spec.connection)', but the flow waits for '\(pending.connection)'"])
        }
        let connection = try configured(pending.connection)
        let base = "\(issuer)/federation/saml/\(connection.id)"
        let serviceProvider = try SAMLServiceProvider(
            connection: connection, entityID: base, assertionConsumerServiceURL: base + "/acs", decryptionKeyPEM: samlDecryptionKeyPEM)
        let validator = try SAMLResponseValidator(serviceProvider: serviceProvider, replayCache: DirectoryAssertionReplayCache(store: store))
        let verdict = await validator.validate(spec.response, expectedRequestID: spec.requestID, now: now)
        let note = verdict.failures.first.map { "\(connection.id): \($0.description)" }
        return Answer(response: verdict.upstreamResponse(connection: connection.id), note: note)
    }

    /// Finishes an OIDC login with the recorded answer and HTTP exchanges, through a relying party
    /// built afresh (so every event carries the discovery document and JWKS it needs).
    /// - Parameter startedAt: When the flow sent the user to the IdP (the transaction's creation time).
    func answer(_ spec: Fixture.OIDCResponseSpec, to pending: UpstreamRequest, startedAt: Date, now: Date) async throws -> Answer {
        guard spec.connection == pending.connection.rawValue else {
            return Answer(problems: ["oidc_response for connection '\(spec.connection)', but the flow waits for '\(pending.connection)'"])
        }
        let connection = try configured(pending.connection)
        let http = RecordedHTTP(spec.http)
        let redirectURI = URL(string: "\(issuer)/federation/oidc/\(connection.id)/callback")
        let random = self.random
        let login = try FederatedLogins.make(
            for: connection, http: http, defaultRedirectURI: redirectURI, random: RandomBytes { random.bytes($0) })
        let transaction = AuthorizationTransaction(
            connection: connection.id, state: spec.transaction.state, nonce: spec.transaction.nonce,
            codeVerifier: spec.transaction.codeVerifier ?? "",
            redirectURI: (login as? OIDCRelyingParty)?.settings.redirectURI ?? redirectURI ?? URL(fileURLWithPath: "/"),
            requiredLevel: pending.requiredLevel, loginHint: pending.loginHint, createdAt: startedAt)
        var answer = Answer()
        do {
            let identity = try await login.finishLogin(AuthorizationResponse(parameters: spec.response), transaction: transaction, now: now)
            answer.response = .authenticated(identity)
        } catch let error as FederationError {
            answer.response = .failure(error)
            answer.note = "\(connection.id): ✗ \(error.code): \(error.reason)"
        }
        answer.problems = http.unrecorded.map { "oidc_response: no recorded answer for \($0)" }
        return answer
    }

    private func configured(_ id: ConnectionID) throws -> Connection {
        guard let connection = directory.connection(id) else {
            throw FederationError(.configuration, "connection '\(id)' is not configured")
        }
        return connection
    }
}
