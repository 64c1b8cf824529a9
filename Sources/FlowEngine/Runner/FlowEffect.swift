import Foundation

/// Work the runner needs done outside itself (store reads and writes, credential checks, mail).
/// The environment performs it and answers with an ``EffectResult``.
public enum FlowEffect: Sendable, Hashable, Codable {
    /// Find the organization for an email domain.
    case discover(email: String)
    /// Check a password for the account with this email (per-account attempt limits apply).
    case verifyPassword(email: String, password: Secret)
    /// Check a TOTP code (RFC 6238), refusing a code already used in its window.
    case verifyTOTP(user: UserID, code: Secret)
    /// Create a TOTP secret for the user, not yet active.
    case startTOTPEnrollment(user: UserID)
    /// Activate the pending TOTP secret when the code matches it.
    case finishTOTPEnrollment(user: UserID, code: Secret)
    /// Redeem a one-time recovery code.
    case verifyRecoveryCode(user: UserID, code: Secret)
    /// Send a one-time code to an email address.
    case sendEmailOTP(email: String)
    /// Check the code sent by email.
    case verifyEmailOTP(email: String, code: Secret)
    /// Create or link the user and membership (just-in-time provisioning).
    case provision(ProvisionRequest)
}

/// The environment's answer to a ``FlowEffect``.
public enum EffectResult: Sendable, Hashable, Codable {
    /// Answer to `discover`.
    case discovery(DiscoveryResult)
    /// Answer to a credential check.
    case credential(CredentialVerdict)
    /// Answer to `startTOTPEnrollment`.
    case enrollment(TOTPEnrollmentOffer)
    /// Answer to `sendEmailOTP`: where the code went, masked for display.
    case sent(to: String)
    /// Answer to `provision`.
    case provisioned(UserContext)
    /// `provision` refused, with a reason code.
    case provisioningFailed(reason: String)
}

/// The verdict on a password or code.
public enum CredentialVerdict: Sendable, Hashable, Codable {
    /// Correct; the account, when one is known.
    case accepted(UserContext?)
    /// Wrong (also for an unknown account, so accounts cannot be enumerated).
    case rejected
    /// A correct one-time code that was already used.
    case reused
    /// The code's time is up.
    case expired
    /// Too many failures: refused without checking until the given time.
    case locked(until: Date)
    /// The account has no such credential.
    case notEnrolled
}

/// A new TOTP secret shown to the user for enrollment.
public struct TOTPEnrollmentOffer: Sendable, Hashable, Codable {
    /// The `otpauth://` URI an authenticator app scans.
    public var uri: Secret
    /// The secret in base32, grouped for typing by hand.
    public var manualKey: Secret

    /// Creates an offer.
    public init(uri: Secret, manualKey: Secret) {
        self.uri = uri
        self.manualKey = manualKey
    }
}

/// What just-in-time provisioning is asked to do.
public struct ProvisionRequest: Sendable, Hashable, Codable {
    /// The email address of the account.
    public var email: String
    /// The organization to add a membership in.
    public var organization: OrgID?
    /// Create the account when none exists (otherwise only link an existing one).
    public var create: Bool
    /// Roles of a new membership.
    public var roles: [String]
    /// Profile claims mapped from the upstream attributes (`name`, `given_name`, …).
    public var claims: [String: String]
    /// The upstream identity being linked, if the login was federated.
    public var upstream: UpstreamLink?

    /// Creates a request.
    public init(
        email: String, organization: OrgID?, create: Bool, roles: [String], claims: [String: String], upstream: UpstreamLink?
    ) {
        self.email = email
        self.organization = organization
        self.create = create
        self.roles = roles
        self.claims = claims
        self.upstream = upstream
    }
}

/// An upstream subject at a connection.
public struct UpstreamLink: Sendable, Hashable, Codable {
    /// The connection.
    public var connection: ConnectionID
    /// The subject (NameID / `sub`) at that connection.
    public var subject: String

    /// Creates a link.
    public init(connection: ConnectionID, subject: String) {
        self.connection = connection
        self.subject = subject
    }
}
