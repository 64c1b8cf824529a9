import FlowEngine
import Foundation

/// One recorded login scenario (DESIGN.md §6): the configuration it ran against, the clock, the
/// random seed, and one or more transactions, each with the user's inputs, the upstream answers and
/// the expected outcome. The format is documented in docs/testing.md.
public struct Fixture: Sendable, Decodable {
    /// The format version; files without it are not fixtures.
    public var fixture: Int
    /// A short name printed by `gatehouse replay`.
    public var name: String
    /// What the scenario shows.
    public var description: String?
    /// The directory configuration file, relative to the fixture.
    public var config: String
    /// The flows directory, relative to the fixture (default: the configuration's `flows_directory`).
    public var flows: String?
    /// The clock at the start (ISO 8601).
    public var clock: Date
    /// The seed of the deterministic random source.
    public var seed: UInt64
    /// State to put in the store before the first transaction.
    public var setup: Setup?
    /// Who Gatehouse is to upstream IdPs, for `saml_response` and `oidc_response` events.
    public var federation: FederationSpec?
    /// The transactions, run in order against the same store.
    public var transactions: [Transaction]

    /// Store state a scenario starts from.
    public struct Setup: Sendable, Decodable {
        /// Users to give fresh recovery codes (generated from the seed).
        public var recoveryCodes: [String]?

        private enum CodingKeys: String, CodingKey { case recoveryCodes = "recovery_codes" }
    }

    /// Gatehouse's side of federation during replay: the issuer its SAML entityIDs, ACS URLs and OIDC
    /// redirect URIs derive from, and the SP key that decrypts encrypted assertions.
    public struct FederationSpec: Sendable, Decodable {
        /// The issuer (default ``defaultIssuer``): SAML entityID `{issuer}/federation/saml/{connection}`,
        /// ACS `{issuer}/federation/saml/{connection}/acs`, OIDC redirect URI `{issuer}/federation/oidc/{connection}/callback`.
        public var issuer: String?
        /// A PEM file, relative to the fixture, with the SP private key for `EncryptedAssertion`s.
        public var samlDecryptionKey: String?

        /// The issuer replay uses when the fixture names none.
        public static let defaultIssuer = "https://gatehouse.test"

        private enum CodingKeys: String, CodingKey {
            case issuer
            case samlDecryptionKey = "saml_decryption_key"
        }
    }

    /// One login.
    public struct Transaction: Sendable, Decodable {
        /// The app's request.
        public var request: RequestSpec
        /// `"previous"` to log in with the SSO session the previous transaction established.
        public var session: String?

        init(request: RequestSpec, session: String?, events: [EventSpec], expect: [String: PlainJSON]) {
            self.request = request
            self.session = session
            self.events = events
            self.expect = expect
        }

        private enum CodingKeys: String, CodingKey { case request, session, events, expect }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            request = try container.decode(RequestSpec.self, forKey: .request)
            session = try container.decodeIfPresent(String.self, forKey: .session)
            if let session, session != "previous" {
                throw DecodingError.dataCorruptedError(
                    forKey: .session, in: container, debugDescription: "session must be \"previous\" (or absent), not \"\(session)\"")
            }
            events = try container.decode([EventSpec].self, forKey: .events)
            expect = try container.decode([String: PlainJSON].self, forKey: .expect)
        }
        /// What happens, in order.
        public var events: [EventSpec]
        /// What must come out; only the keys given are compared.
        public var expect: [String: PlainJSON]
    }

    /// The app's authorization request.
    public struct RequestSpec: Sendable, Decodable {
        /// The app (`client_id`).
        public var app: String
        /// Requested levels (`acr_values`).
        public var acrValues: [String]?
        /// `login_hint`.
        public var loginHint: String?
        /// An organization hint.
        public var org: String?

        private enum CodingKeys: String, CodingKey {
            case app, org
            case acrValues = "acr_values"
            case loginHint = "login_hint"
        }
    }

    /// One thing the user, the clock or an upstream IdP does.
    public enum EventSpec: Sendable, Decodable {
        case input(UserInput)
        case wait(TimeInterval)
        case upstream(UpstreamSpec)
        case upstreamError(reason: String, message: String)
        case samlResponse(SAMLResponseSpec)
        case oidcResponse(OIDCResponseSpec)

        private enum Keys: String, CodingKey {
            case email, password, code, cancel, wait, upstream
            case upstreamError = "upstream_error"
            case samlResponse = "saml_response"
            case oidcResponse = "oidc_response"
        }

        private struct UpstreamErrorSpec: Decodable {
            var reason: String
            var message: String?
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            guard container.allKeys.count == 1, let key = container.allKeys.first else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription: "an event has exactly one of email, password, code, cancel, wait, upstream, upstream_error, saml_response, oidc_response"))
            }
            switch key {
            case .email: self = .input(.email(try container.decode(String.self, forKey: key)))
            case .password: self = .input(.password(Secret(try container.decode(String.self, forKey: key))))
            case .code: self = .input(.code(Secret(try container.decode(String.self, forKey: key))))
            case .cancel: self = .input(.cancel)
            case .wait: self = .wait(try container.decode(TimeInterval.self, forKey: key))
            case .upstream: self = .upstream(try container.decode(UpstreamSpec.self, forKey: key))
            case .upstreamError:
                let spec = try container.decode(UpstreamErrorSpec.self, forKey: key)
                self = .upstreamError(reason: spec.reason, message: spec.message ?? spec.reason)
            case .samlResponse: self = .samlResponse(try container.decode(SAMLResponseSpec.self, forKey: key))
            case .oidcResponse: self = .oidcResponse(try container.decode(OIDCResponseSpec.self, forKey: key))
            }
        }
    }

    /// A verified upstream identity, as the federation layer hands it to the runner.
    public struct UpstreamSpec: Sendable, Decodable {
        /// The connection (default: the one the flow redirected to).
        public var connection: String?
        /// The upstream subject.
        public var subject: String
        /// The asserted email.
        public var email: String?
        /// Mapped claims.
        public var claims: [String: String]?
        /// Asserted methods.
        public var amr: [String]?
        /// The mapped level.
        public var level: String?
    }

    /// A SAML Response as posted to the AssertionConsumerService, answering the AuthnRequest replay sent.
    public struct SAMLResponseSpec: Sendable, Decodable {
        /// The connection the AuthnRequest went to; the flow must be waiting for it.
        public var connection: String
        /// The recorded `ID` of that AuthnRequest (the expected `InResponseTo`).
        public var requestID: String
        /// The `SAMLResponse` form value (base64), or the Response XML itself.
        public var response: String

        private enum CodingKeys: String, CodingKey {
            case connection, response
            case requestID = "request_id"
        }
    }

    /// An OIDC login's answer at the redirect URI, with the relying party's recorded HTTP exchanges with the IdP.
    public struct OIDCResponseSpec: Sendable, Decodable {
        /// The connection the user was sent to; the flow must be waiting for it.
        public var connection: String
        /// What the login stored when it sent the user to the IdP.
        public var transaction: TransactionSpec
        /// The parameters that arrived at the redirect URI (`code`, `state`, `iss`, or `error`).
        public var response: [String: String]
        /// The IdP's answers to the relying party's requests (discovery, JWKS, token, userinfo).
        public var http: [HTTPExchange]

        /// The recorded ``AuthorizationTransaction`` secrets.
        public struct TransactionSpec: Sendable, Decodable {
            /// `state` sent.
            public var state: String
            /// `nonce` sent.
            public var nonce: String
            /// The PKCE `code_verifier`; absent for a login that kept none (replayed as empty).
            public var codeVerifier: String?

            private enum CodingKeys: String, CodingKey {
                case state, nonce
                case codeVerifier = "code_verifier"
            }
        }
    }

    /// One recorded request to an upstream IdP and its answer.
    public struct HTTPExchange: Sendable, Decodable {
        /// `GET` or `POST`.
        public var method: String
        /// The absolute URL, query included.
        public var url: String
        /// Form parameters the request must carry with exactly these values (others are not compared).
        public var form: [String: String]?
        /// The answer's status (default 200).
        public var status: Int?
        /// The answer's headers (default: `content-type: application/json` when `body` is not a string).
        public var headers: [String: String]?
        /// The answer's body: JSON (written compactly, keys sorted), or a string sent as it is.
        public var body: PlainJSON?
    }

    private enum CodingKeys: String, CodingKey {
        case fixture, name, description, config, flows, clock, seed, setup, federation, transactions
        case request, session, events, expect
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        fixture = try container.decode(Int.self, forKey: .fixture)
        guard fixture == 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .fixture, in: container, debugDescription: "unsupported fixture format version \(fixture); this Gatehouse reads version 1")
        }
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        config = try container.decode(String.self, forKey: .config)
        flows = try container.decodeIfPresent(String.self, forKey: .flows)
        clock = try container.decode(Date.self, forKey: .clock)
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1
        setup = try container.decodeIfPresent(Setup.self, forKey: .setup)
        federation = try container.decodeIfPresent(FederationSpec.self, forKey: .federation)
        if let transactions = try container.decodeIfPresent([Transaction].self, forKey: .transactions) {
            self.transactions = transactions
        } else {
            self.transactions = [try Transaction(from: decoder)]
        }
    }
}

/// Why a fixture file could not be read.
public struct FixtureError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, with the location.
    public let description: String

    /// Parses a fixture file: syntax, size and duplicate keys by ``JSONParser`` (with line:col),
    /// structure by the decoder (with the path of the bad member).
    public static func decode(_ bytes: [UInt8], file: String) throws(FixtureError) -> Fixture? {
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes, file: file)
        } catch {
            throw FixtureError(description: error.description)
        }
        guard root["fixture"] != nil else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Fixture.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw FixtureError(description: "\(file): error: \(Self.describe(error))")
        } catch {
            throw FixtureError(description: "\(file): error: \(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            "/" + context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field '\(key.stringValue)' at \(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(context.debugDescription) at \(path(context))"
        @unknown default: return "\(error)"
        }
    }
}
