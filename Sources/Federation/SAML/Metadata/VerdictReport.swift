import FlowEngine
import Foundation

/// The JSON verdict `gatehouse saml verify` and `gatehouse oidc verify-id-token` print: whether the
/// message is valid, who it names, and every check with its outcome.
///
/// ```json
/// {"valid": true, "subject": "zoe@acme.test", "name_id_format": "…:emailAddress", "level": "loa1",
///  "checks": [{"name": "decode", "passed": true, "outcome": "passed", "detail": "base64, 4242 bytes decoded"}, …]}
/// ```
///
/// Identity fields (`subject`, `attributes`, `claims`, …) are filled only for a valid message: what a
/// rejected message claims is not evidence of anything (`saml inspect` shows it, marked unverified).
public struct VerdictReport: Sendable, Hashable, Encodable {
    /// One check as printed.
    public struct Check: Sendable, Hashable, Encodable {
        /// The check's name (`audience`, `signature`, `iss`, …).
        public var name: String
        /// Whether it passed (a skipped check did not).
        public var passed: Bool
        /// `passed`, `failed` or `skipped`.
        public var outcome: String
        /// The ``FederationError/Code`` of a failure.
        public var code: String?
        /// What was found, why it failed, or why it did not run.
        public var detail: String
    }

    /// Whether every check passed and the message is accepted.
    public var valid: Bool
    /// The subject: the SAML NameID or the OIDC `sub`.
    public var subject: String?
    /// The SAML NameID format.
    public var nameIDFormat: String?
    /// The issuer (SAML Assertion Issuer, OIDC `iss`).
    public var issuer: String?
    /// SAML attributes by Name.
    public var attributes: [String: [String]]?
    /// OIDC claims as sent.
    public var claims: [String: PlainJSON]?
    /// The SAML `AuthnContextClassRef` or the OIDC `acr`.
    public var authnContext: String?
    /// The OIDC `amr`.
    public var amr: [String]?
    /// The level the authentication context maps to, if any.
    public var level: String?
    /// Every check, in order.
    public var checks: [Check]
    /// Why the message was rejected (the first failure, `code: reason`).
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case valid, subject, nameIDFormat = "name_id_format", issuer, attributes, claims, authnContext = "authn_context", amr, level
        case checks, reason
    }

    /// The report of a SAML Response verdict.
    public init(_ verdict: SAMLVerdict) {
        checks = verdict.checks.map { result in
            switch result.outcome {
            case .passed(let detail): .passed(result.check.rawValue, detail)
            case .failed(let error): .failed(result.check.rawValue, error)
            case .skipped(let why): .skipped(result.check.rawValue, why)
            }
        }
        switch verdict.result {
        case .success(let assertion):
            valid = true
            subject = assertion.subject.value
            nameIDFormat = assertion.subject.format
            issuer = assertion.issuer
            attributes = assertion.attributes
            authnContext = assertion.authnContextClassRef
            level = assertion.level?.rawValue
        case .failure(let error):
            valid = false
            reason = "\(error.code): \(error.reason)"
        }
    }

    /// The report of an ID token verdict (valid only when every check passed, nonce included).
    public init(_ verdict: IDTokenVerdict) {
        checks = verdict.checks.map { result in
            switch result.status {
            case .passed(let detail): .passed(result.check.rawValue, detail)
            case .failed(let error): .failed(result.check.rawValue, error)
            case .skipped(let why): .skipped(result.check.rawValue, why)
            }
        }
        valid = verdict.isValid
        if valid, let claims = verdict.claims {
            subject = claims.subject
            issuer = claims.issuer
            self.claims = claims.all
            authnContext = claims.acr
            amr = claims.amr.isEmpty ? nil : claims.amr
        } else if let problem = verdict.firstProblem {
            reason = "\(problem.code): \(problem.reason)"
        }
    }

    /// The report as indented JSON with sorted keys (stable for scripts and diffs).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and PlainJSON cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// `valid` (0) or `rejected` (1).
    public var exitStatus: DiagnosticExitStatus { valid ? .valid : .rejected }
}

extension VerdictReport.Check {
    static func passed(_ name: String, _ detail: String) -> Self {
        Self(name: name, passed: true, outcome: "passed", detail: detail)
    }

    static func failed(_ name: String, _ error: FederationError) -> Self {
        Self(name: name, passed: false, outcome: "failed", code: error.code.description, detail: error.reason)
    }

    static func skipped(_ name: String, _ why: String) -> Self {
        Self(name: name, passed: false, outcome: "skipped", detail: why)
    }
}

/// The exit status of the checking commands (`saml verify`, `saml inspect`, `oidc verify-id-token`).
public enum DiagnosticExitStatus: Int32, Sendable, Hashable, CaseIterable {
    /// The message is valid.
    case valid = 0
    /// The message was checked and rejected.
    case rejected = 1
    /// The command could not check anything: an unreadable file, bad metadata or JWKS, a bad date.
    case usage = 2
}
