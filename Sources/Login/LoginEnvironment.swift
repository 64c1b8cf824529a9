import Authenticators
import Directory
import FlowEngine
import Foundation

/// The real ``FlowEnvironment``: discovery from the directory snapshot, accounts and credentials in
/// the store, checks by the authenticators, codes mailed through the outbox.
///
/// Time and randomness are injected, so replay runs it deterministically with a fixed clock and a
/// seeded random source.
public struct LoginEnvironment: FlowEnvironment {
    /// The organizations, domains, apps and connections.
    public let directory: Directory
    /// Accounts, credentials and one-time state.
    public let store: any DirectoryStore
    /// The flows by id.
    public let flows: FlowCatalog
    /// Where email codes go.
    public let outbox: any Outbox
    /// The clock.
    public let clock: @Sendable () -> Date
    /// The random source for secrets, codes and new account ids.
    public let random: RandomBox
    /// Credential settings.
    public var settings: CredentialSettings

    /// Creates an environment.
    public init(
        directory: Directory, store: any DirectoryStore, flows: FlowCatalog, outbox: any Outbox,
        clock: @escaping @Sendable () -> Date, random: any RandomSource, settings: CredentialSettings = CredentialSettings()
    ) {
        self.directory = directory
        self.store = store
        self.flows = flows
        self.outbox = outbox
        self.clock = clock
        self.random = RandomBox(random)
        self.settings = settings
    }

    public func now() -> Date { clock() }

    public func flow(_ id: FlowID) async throws -> CompiledFlow { try flows.flow(id) }

    public func perform(_ effect: FlowEffect, for request: FlowRequest) async throws -> EffectResult {
        switch effect {
        case .discover(let email):
            return .discovery((try? directory.discover(email: email)) ?? .unknown)
        case .verifyPassword(let email, let password):
            return .credential(try await verifyPassword(email: email, password: password))
        case .verifyTOTP(let user, let code):
            return .credential(try await verifyTOTP(user: user, code: code))
        case .startTOTPEnrollment(let user):
            return try await startEnrollment(user: user)
        case .finishTOTPEnrollment(let user, let code):
            return .credential(try await finishEnrollment(user: user, code: code))
        case .verifyRecoveryCode(let user, let code):
            return .credential(try await redeemRecoveryCode(user: user, code: code))
        case .sendEmailOTP(let email):
            return try await sendEmailCode(to: email)
        case .verifyEmailOTP(let email, let code):
            return .credential(try await verifyEmailCode(email: email, code: code))
        case .provision(let provisioning):
            return try await provision(provisioning)
        }
    }

    /// The runner's view of an account, with its enrolled factors.
    public func userContext(_ user: UserRecord) async throws -> UserContext {
        let codes = try await store.read([String].self, .recoveryCodes, of: user.id) ?? []
        return directory.userContext(user, recoveryCodesLeft: codes.count)
    }

    // MARK: Password

    private func verifyPassword(email: String, password: Secret) async throws -> CredentialVerdict {
        let hasher = settings.passwordHasher
        let attempt = password.value
        guard let user = try await store.user(email: email), user.status == .active, let hash = user.passwordHash else {
            _ = await HashingQueue.run { hasher.verifyDummy(attempt) }
            return .rejected
        }
        return try await limited(.passwordAttempts, of: user.id) {
            try await HashingQueue.run { () throws(AuthenticatorError) in try hasher.verify(attempt, against: hash) }
                ? .accepted(try await userContext(user)) : .rejected
        }
    }

    /// Runs a check under the per-account attempt limit: refused while locked, failures counted, success resets.
    private func limited(
        _ slot: CredentialSlot, of user: UserID, _ check: () async throws -> CredentialVerdict
    ) async throws -> CredentialVerdict {
        let record = try await store.read(AttemptRecord.self, slot, of: user) ?? AttemptRecord()
        if case .locked(let until) = settings.attemptPolicy.check(record, now: now()) { return .locked(until: until) }
        let verdict = try await check()
        switch verdict {
        case .accepted:
            if record != AttemptRecord() { try await store.write(settings.attemptPolicy.recordSuccess(), slot, of: user) }
        case .rejected, .reused:
            try await store.write(settings.attemptPolicy.recordFailure(record, now: now()), slot, of: user)
        case .expired, .locked, .notEnrolled:
            break
        }
        return verdict
    }

    // MARK: TOTP

    private func activeUser(_ id: UserID) async throws -> UserRecord? {
        guard let user = try await store.user(id: id), user.status == .active else { return nil }
        return user
    }

    private func verifyTOTP(user id: UserID, code: Secret) async throws -> CredentialVerdict {
        guard let user = try await activeUser(id) else { return .rejected }
        guard let secret = user.totpSecret else { return .notEnrolled }
        return try await limited(.codeAttempts, of: id) {
            let lastStep = try await store.read(Int64.self, .totpLastStep, of: id)
            switch settings.totp.verify(code: code.value, secret: secret, now: now(), lastUsedStep: lastStep) {
            case .valid(let step):
                try await store.write(step, .totpLastStep, of: id)
                return .accepted(try await userContext(user))
            case .reused: return .reused
            case .invalid: return .rejected
            }
        }
    }

    private func startEnrollment(user id: UserID) async throws -> EffectResult {
        guard let user = try await activeUser(id) else { return .credential(.rejected) }
        let enrollment = settings.totp.enrollment(accountName: user.email, issuer: settings.issuer, random: random)
        try await store.write(enrollment.secret, .totpPending, of: id)
        return .enrollment(TOTPEnrollmentOffer(uri: Secret(enrollment.otpauthURI), manualKey: Secret(enrollment.manualKey)))
    }

    private func finishEnrollment(user id: UserID, code: Secret) async throws -> CredentialVerdict {
        guard var user = try await activeUser(id) else { return .rejected }
        guard let secret = try await store.read(String.self, .totpPending, of: id) else { return .notEnrolled }
        return try await limited(.codeAttempts, of: id) {
            guard case .valid(let step) = settings.totp.verify(code: code.value, secret: secret, now: now(), lastUsedStep: nil) else {
                return .rejected
            }
            user.totpSecret = secret
            try await store.saveUser(user)
            try await store.clear(.totpPending, of: id)
            try await store.write(step, .totpLastStep, of: id)
            return .accepted(try await userContext(user))
        }
    }

    // MARK: Recovery codes

    private func redeemRecoveryCode(user id: UserID, code: Secret) async throws -> CredentialVerdict {
        guard let user = try await activeUser(id) else { return .rejected }
        var hashes = try await store.read([String].self, .recoveryCodes, of: id) ?? []
        guard !hashes.isEmpty else { return .notEnrolled }
        return try await limited(.codeAttempts, of: id) {
            guard let index = settings.recoveryCodes.redeem(code.value, hashes: hashes) else { return .rejected }
            hashes.remove(at: index)
            try await store.write(hashes, .recoveryCodes, of: id)
            return .accepted(try await userContext(user))
        }
    }

    /// Creates fresh recovery codes for an account, replacing any old ones; returns them once, in clear.
    public func issueRecoveryCodes(for user: UserID) async throws -> [String] {
        let (codes, hashes) = settings.recoveryCodes.generate(random: random)
        try await store.write(hashes, .recoveryCodes, of: user)
        return codes
    }

    // MARK: Email OTP

    static let emailOTPNamespace = "email_otp"

    private func sendEmailCode(to email: String) async throws -> EffectResult {
        let (code, challenge) = settings.emailOTP.issue(random: random, now: now())
        let key = email.lowercased()
        try await store.putEphemeral(
            namespace: Self.emailOTPNamespace, key: key, value: JSONEncoder().encode(challenge), expiresAt: challenge.expiresAt)
        await outbox.send(
            EmailMessage(
                to: email, subject: "Your \(settings.issuer) sign-in code",
                body: "Your sign-in code is \(code). It expires in \(Int(settings.emailOTP.lifetime / 60)) minutes."))
        return .sent(to: Self.masked(email))
    }

    private func verifyEmailCode(email: String, code: Secret) async throws -> CredentialVerdict {
        let key = email.lowercased()
        guard let data = try await store.ephemeral(namespace: Self.emailOTPNamespace, key: key, now: now()) else { return .expired }
        let challenge = try JSONDecoder().decode(EmailOTPChallenge.self, from: data)
        let (verdict, updated) = settings.emailOTP.verify(code.value, challenge: challenge, now: now())
        switch verdict {
        case .valid:
            try await store.deleteEphemeral(namespace: Self.emailOTPNamespace, key: key)
            let user = try await store.user(email: email)
            if let user, user.status != .active { return .rejected }
            return .accepted(try await user.asyncMap(userContext))
        case .invalid:
            try await store.putEphemeral(
                namespace: Self.emailOTPNamespace, key: key, value: JSONEncoder().encode(updated), expiresAt: updated.expiresAt)
            return .rejected
        case .expired:
            return .expired
        case .exhausted:
            try await store.deleteEphemeral(namespace: Self.emailOTPNamespace, key: key)
            return .locked(until: challenge.expiresAt)
        }
    }

    /// `a***@example.com`: enough for the user to recognise the address, not to harvest it.
    static func masked(_ email: String) -> String {
        guard let at = email.firstIndex(of: "@") else { return "***" }
        return "\(email[email.startIndex])***\(email[at...])"
    }

    // MARK: Provisioning

    private func provision(_ request: ProvisionRequest) async throws -> EffectResult {
        // A federated identity may only create or claim an account whose email domain belongs to the
        // organization it federates for; otherwise one customer's IdP could take over another's accounts.
        if request.upstream != nil, let org = request.organization {
            guard case .found(let owner) = (try? directory.discover(email: request.email)) ?? .unknown, owner.path.contains(org) else {
                return .provisioningFailed(reason: "email_domain_mismatch")
            }
        }
        var user: UserRecord
        let existing = try await store.user(email: request.email)
        if let existing {
            guard existing.status == .active else { return .provisioningFailed(reason: "account_suspended") }
            user = existing
        } else {
            guard request.create else { return .provisioningFailed(reason: "no_account") }
            let id = UserID("u-" + random.bytes(12).map { String(format: "%02x", $0) }.joined())
            user = UserRecord(id: id, email: request.email, name: request.claims["name"])
        }
        if let org = request.organization, !user.memberships.contains(where: { $0.org == org }) {
            user.memberships.append(Membership(org: org, roles: request.roles))
        }
        var linked: Data?
        if let upstream = request.upstream {
            linked = try await store.credential(user: user.id, kind: CredentialSlot.upstreamLink(upstream.connection))
            if let linked, linked != Data(upstream.subject.utf8) {
                // The account is already linked to another subject at this IdP: the email was reassigned
                // or is being spoofed; either way this identity is not that account.
                return .provisioningFailed(reason: "upstream_subject_mismatch")
            }
        }
        if user.name == nil { user.name = request.claims["name"] }
        // A returning user whose account and link are as they were costs no write.
        if user != existing { try await store.saveUser(user) }
        if let upstream = request.upstream, linked == nil {
            try await store.setCredential(
                user: user.id, kind: CredentialSlot.upstreamLink(upstream.connection), data: Data(upstream.subject.utf8))
        }
        return .provisioned(try await userContext(user))
    }
}

/// Hands an existential random source to APIs that take `some RandomSource`.
public struct RandomBox: RandomSource {
    private let base: any RandomSource

    /// Wraps a random source.
    public init(_ base: any RandomSource) { self.base = base }

    public func bytes(_ count: Int) -> [UInt8] { base.bytes(count) }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// The settings of every credential check, in one place for configuration.
public struct CredentialSettings: Sendable {
    /// Password hashing cost.
    public var passwordHasher: PasswordHasher
    /// Per-account attempt limits.
    public var attemptPolicy: AttemptPolicy
    /// TOTP parameters.
    public var totp: TOTPAuthenticator
    /// Email code parameters.
    public var emailOTP: EmailOTPPolicy
    /// Recovery code format.
    public var recoveryCodes: RecoveryCodes
    /// The issuer name shown in authenticator apps and emails.
    public var issuer: String

    /// Defaults: scrypt N=2^15, 5 failures per 15 minutes, 6-digit 30-second TOTP, 10-minute email codes.
    public init(
        passwordHasher: PasswordHasher = PasswordHasher(), attemptPolicy: AttemptPolicy = .standard,
        totp: TOTPAuthenticator = TOTPAuthenticator(), emailOTP: EmailOTPPolicy = .standard, recoveryCodes: RecoveryCodes = .standard,
        issuer: String = "Gatehouse"
    ) {
        self.passwordHasher = passwordHasher
        self.attemptPolicy = attemptPolicy
        self.totp = totp
        self.emailOTP = emailOTP
        self.recoveryCodes = recoveryCodes
        self.issuer = issuer
    }
}
