import FlowEngine
import Foundation

/// What happened in one replayed transaction, in the vocabulary fixtures' `expect` uses.
public struct Transcript: Sendable {
    /// Where the transaction stopped.
    public internal(set) var suspension: FlowSuspension?
    /// Each page shown, as `kind` or `kind: error`.
    public internal(set) var prompts: [String] = []
    /// Each upstream connection the user was sent to.
    public internal(set) var upstreams: [String] = []
    /// Test secrets shown to the user (TOTP enrollment keys), for fixture authors (`--verbose`).
    public internal(set) var notes: [String] = []
    /// Events given after the transaction had finished.
    public internal(set) var unusedEvents = 0
    /// Upstream answers given while no IdP was waited for.
    public internal(set) var unexpectedEvents = 0
    /// The subject of the last upstream identity delivered to the flow (verified, for recorded messages).
    public internal(set) var upstreamSubject: String?
    /// The reason of the last upstream failure delivered to the flow (`signatureInvalid`, `access_denied`, …).
    public internal(set) var upstreamError: String?
    /// Recorded upstream events that could not be delivered, and why.
    public internal(set) var problems: [String] = []

    mutating func record(_ suspension: FlowSuspension) {
        self.suspension = suspension
        switch suspension {
        case .awaitingInput(let prompt):
            prompts.append(Self.describe(prompt))
            if case .totpEnrollment(let offer) = prompt.kind, prompt.error == nil {
                notes.append("totp enrollment key: \(offer.manualKey.value)")
            }
        case .awaitingUpstream(let request): upstreams.append(request.connection.rawValue)
        case .finished: break
        }
    }

    mutating func record(_ response: UpstreamResponse) {
        switch response {
        case .authenticated(let identity): upstreamSubject = identity.subject
        case .failed(let reason, _): upstreamError = reason
        }
    }

    /// The transaction as the keys of `expect` name it.
    public var summary: [String: PlainJSON] {
        var summary: [String: PlainJSON] = [
            "prompts": .array(prompts.map(PlainJSON.string)), "upstreams": .array(upstreams.map(PlainJSON.string)),
            "upstream_subject": upstreamSubject.map(PlainJSON.string) ?? .null,
            "upstream_error": upstreamError.map(PlainJSON.string) ?? .null,
        ]
        switch suspension {
        case .finished(.allow(let result)):
            summary["outcome"] = .string("allow")
            summary["steps"] = .array(result.steps.map { .string($0.rawValue) })
            summary["subject"] = .string(result.subject.rawValue)
            summary["email"] = .string(result.email)
            summary["org"] = result.organization.map { .string($0.id.rawValue) } ?? .null
            summary["org_path"] = .array((result.organization?.path ?? []).map { .string($0.rawValue) })
            summary["acr"] = result.acr.map { .string($0.rawValue) } ?? .null
            summary["amr"] = .array(result.amr.map(PlainJSON.string))
            summary["roles"] = .array(result.roles.map(PlainJSON.string))
            summary["claims"] = .object(result.claims.mapValues(PlainJSON.string))
        case .finished(.deny(let denial)):
            summary["outcome"] = .string("deny")
            summary["steps"] = .array(denial.steps.map { .string($0.rawValue) })
            summary["reason"] = .string(denial.reason)
            summary["message"] = .string(denial.message)
        case .awaitingInput, .awaitingUpstream, nil:
            summary["outcome"] = .string("pending")
        }
        return summary
    }

    /// One line per expected key whose actual value differs, plus misuse of events.
    func differences(from expected: [String: PlainJSON]) -> [String] {
        let actual = summary
        var lines: [String] = []
        for key in expected.keys.sorted() {
            let want = expected[key]!
            let got = actual[key]
            if got != want {
                lines.append("\(key): expected \(Self.render(want)), got \(got.map(Self.render) ?? "nothing (unknown key)")")
            }
        }
        if unusedEvents > 0 { lines.append("\(unusedEvents) event(s) left after the transaction finished") }
        if unexpectedEvents > 0 { lines.append("\(unexpectedEvents) upstream answer(s) given while no IdP was waited for") }
        lines += problems
        return lines
    }

    static func describe(_ prompt: Prompt) -> String {
        let kind: String
        switch prompt.kind {
        case .email: kind = "email"
        case .password: kind = "password"
        case .totp: kind = "totp"
        case .totpEnrollment: kind = "totp_enrollment"
        case .emailOTP: kind = "email_otp"
        case .recoveryCode: kind = "recovery_code"
        }
        switch prompt.error {
        case nil: return kind
        case .invalidEmail: return "\(kind): invalid_email"
        case .invalidCredentials(let left): return "\(kind): invalid_credentials (\(left) left)"
        case .codeAlreadyUsed: return "\(kind): code_already_used"
        case .unexpectedInput: return "\(kind): unexpected_input"
        }
    }

    static func render(_ value: PlainJSON) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }
}
