import FlowEngine
import Foundation

// The runner's values a login transaction stores (its request, its state and what the flow ended
// with) write their JSON themselves, as ``RecordEncoder`` would write their synthesized `Encodable`
// form (`LoginTransactionRecordTests` in GatehouseServerTests compares the two for every case).
// Members go in the byte order of their keys; an enum case is ``RecordWriter/variant(_:_:)``; a
// dictionary keyed by identifiers (attempts, memberships) is the flat array `Dictionary` encodes it as.

extension FlowRequest: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("allowedOrganizations", allowedOrganizations)
            members.write("app", app)
            members.write("loginHint", loginHint)
            members.write("organization", organization)
            members.write("requiredLevel", requiredLevel)
            members.write("session", session)
        }
    }
}

extension SessionContext: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("amr", amr)
            members.write("authTime", authTime)
            members.write("organization", organization)
            members.write("upstream", upstream)
            members.write("upstreamLevel", upstreamLevel)
            members.write("user", user)
        }
    }
}

extension UserContext: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("email", email)
            members.write("hasTOTP", hasTOTP)
            members.write("id", id)
            members.write("memberships", memberships)
            members.write("name", name)
            members.write("recoveryCodesLeft", recoveryCodesLeft)
        }
    }
}

extension FlowState: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("amr", amr)
            members.write("attempts", attempts)
            members.write("claims", claims)
            members.write("email", email)
            members.write("flow", flow)
            members.write("lastPrompt", lastPrompt)
            members.write("organization", organization)
            members.write("pendingEnrollment", pendingEnrollment)
            members.write("phase", phase)
            members.write("startedAt", startedAt)
            members.write("step", step)
            members.write("trail", trail)
            members.write("upstream", upstream)
            members.write("upstreamLevel", upstreamLevel)
            members.write("user", user)
        }
    }
}

extension FlowState.Phase: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        switch self {
        case .awaitingInput(let prompt): writer.variant("awaitingInput") { $0.write("_0", prompt) }
        case .awaitingEffect(let effect): writer.variant("awaitingEffect") { $0.write("_0", effect) }
        case .awaitingUpstream(let request): writer.variant("awaitingUpstream") { $0.write("_0", request) }
        case .awaitingFlow(let flow): writer.variant("awaitingFlow") { $0.write("_0", flow) }
        case .finished(let outcome): writer.variant("finished") { $0.write("_0", outcome) }
        }
    }
}

extension Prompt: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("error", error)
            members.write("kind", kind)
            members.write("step", step)
        }
    }
}

extension PromptKind: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        switch self {
        case .email: writer.variant("email")
        case .password(let email): writer.variant("password") { $0.write("email", email) }
        case .totp: writer.variant("totp")
        case .totpEnrollment(let offer): writer.variant("totpEnrollment") { $0.write("_0", offer) }
        case .emailOTP(let sentTo): writer.variant("emailOTP") { $0.write("sentTo", sentTo) }
        case .recoveryCode: writer.variant("recoveryCode")
        }
    }
}

extension PromptError: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        switch self {
        case .invalidEmail: writer.variant("invalidEmail")
        case .invalidCredentials(let attemptsLeft): writer.variant("invalidCredentials") { $0.write("attemptsLeft", attemptsLeft) }
        case .codeAlreadyUsed: writer.variant("codeAlreadyUsed")
        case .unexpectedInput: writer.variant("unexpectedInput")
        }
    }
}

extension FlowEffect: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        switch self {
        case .discover(let email): writer.variant("discover") { $0.write("email", email) }
        case .verifyPassword(let email, let password):
            writer.variant("verifyPassword") { values in
                values.write("email", email)
                values.write("password", password)
            }
        case .verifyTOTP(let user, let code):
            writer.variant("verifyTOTP") { values in
                values.write("code", code)
                values.write("user", user)
            }
        case .startTOTPEnrollment(let user): writer.variant("startTOTPEnrollment") { $0.write("user", user) }
        case .finishTOTPEnrollment(let user, let code):
            writer.variant("finishTOTPEnrollment") { values in
                values.write("code", code)
                values.write("user", user)
            }
        case .verifyRecoveryCode(let user, let code):
            writer.variant("verifyRecoveryCode") { values in
                values.write("code", code)
                values.write("user", user)
            }
        case .sendEmailOTP(let email): writer.variant("sendEmailOTP") { $0.write("email", email) }
        case .verifyEmailOTP(let email, let code):
            writer.variant("verifyEmailOTP") { values in
                values.write("code", code)
                values.write("email", email)
            }
        case .provision(let request): writer.variant("provision") { $0.write("_0", request) }
        }
    }
}

extension ProvisionRequest: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("claims", claims)
            members.write("create", create)
            members.write("email", email)
            members.write("organization", organization)
            members.write("roles", roles)
            members.write("upstream", upstream)
        }
    }
}

extension Secret: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { $0.write("value", value) }
    }
}

extension TOTPEnrollmentOffer: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("manualKey", manualKey)
            members.write("uri", uri)
        }
    }
}

extension UpstreamRequest: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("connection", connection)
            members.write("kind", kind?.rawValue)
            members.write("loginHint", loginHint)
            members.write("requiredLevel", requiredLevel)
            members.write("step", step)
        }
    }
}

extension FlowOutcome: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        switch self {
        case .allow(let result): writer.variant("allow") { $0.write("_0", result) }
        case .deny(let denial): writer.variant("deny") { $0.write("_0", denial) }
        }
    }
}

extension FlowResult: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("acr", acr)
            members.write("amr", amr)
            members.write("claims", claims)
            members.write("email", email)
            members.write("organization", organization)
            members.write("roles", roles)
            members.write("steps", steps)
            members.write("subject", subject)
            members.write("upstream", upstream)
            members.write("upstreamLevel", upstreamLevel)
        }
    }
}

extension FlowDenial: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("message", message)
            members.write("reason", reason)
            members.write("step", step)
            members.write("steps", steps)
        }
    }
}
