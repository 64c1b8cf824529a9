import Authenticators
@testable import Directory
import FlowEngine
import Foundation
import Login
import Testing

@Suite("Login environment over a real SQLite store")
struct LoginEnvironmentTests {
    @Test func acceptsTheRightPasswordAndReturnsTheAccount() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            let result = try await bed.perform(.verifyPassword(email: "ALICE@globex.test", password: alicePassword))
            guard case .credential(.accepted(let user?)) = result else {
                Issue.record("expected accepted, got \(result)")
                return
            }
            #expect(user.id == "u-alice")
            #expect(user.hasTOTP)
            #expect(user.memberships["globex"] == ["admin", "member"])
        }
    }

    @Test func rejectsAWrongPasswordAndAnUnknownAccountAlike() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            #expect(try await bed.perform(.verifyPassword(email: "alice@globex.test", password: Secret("nope"))) == .credential(.rejected))
            #expect(try await bed.perform(.verifyPassword(email: "ghost@globex.test", password: Secret("nope"))) == .credential(.rejected))
        }
    }

    @Test func locksTheAccountAfterFiveFailuresAndUnlocksAfterTheLockout() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            for _ in 0..<5 {
                _ = try await bed.perform(.verifyPassword(email: "alice@globex.test", password: Secret("wrong")))
            }
            let locked = try await bed.perform(.verifyPassword(email: "alice@globex.test", password: alicePassword))
            guard case .credential(.locked(let until)) = locked else {
                Issue.record("expected locked, got \(locked)")
                return
            }
            #expect(until > bed.clock.now)
            bed.clock.advance(until.timeIntervalSince(bed.clock.now) + 1)
            guard case .credential(.accepted) = try await bed.perform(.verifyPassword(email: "alice@globex.test", password: alicePassword))
            else {
                Issue.record("the lockout must end")
                return
            }
        }
    }

    @Test func refusesATOTPCodeUsedTwiceEvenAcrossLogins() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            let code = Secret(try bed.totp(aliceSecret))
            guard case .credential(.accepted) = try await bed.perform(.verifyTOTP(user: "u-alice", code: code)) else {
                Issue.record("first use must be accepted")
                return
            }
            bed.clock.advance(5)
            #expect(try await bed.perform(.verifyTOTP(user: "u-alice", code: code)) == .credential(.reused))
            #expect(try await bed.perform(.verifyTOTP(user: "u-alice", code: Secret("000000"))) == .credential(.rejected))
        }
    }

    @Test func enrollsTOTPOnlyWhenTheFirstCodeMatchesThePendingSecret() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            guard case .enrollment(let offer) = try await bed.perform(.startTOTPEnrollment(user: "u-bob")) else {
                Issue.record("expected an enrollment offer")
                return
            }
            #expect(offer.uri.value.hasPrefix("otpauth://totp/"))
            #expect(try await bed.perform(.finishTOTPEnrollment(user: "u-bob", code: Secret("123456"))) == .credential(.rejected))
            #expect(try await bed.store.user(id: "u-bob")?.totpSecret == nil)
            let secret = try #require(URLComponents(string: offer.uri.value)?.queryItems?.first { $0.name == "secret" }?.value)
            let code = try TOTPAuthenticator().code(secret: try base32Decode(secret), at: bed.clock.now)
            guard case .credential(.accepted(let user?)) = try await bed.perform(.finishTOTPEnrollment(user: "u-bob", code: Secret(code)))
            else {
                Issue.record("the matching code must activate the authenticator")
                return
            }
            #expect(user.hasTOTP)
            #expect(try await bed.store.user(id: "u-bob")?.totpSecret != nil)
        }
    }

    @Test func redeemsEachRecoveryCodeOnce() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            let codes = try await bed.environment.issueRecoveryCodes(for: "u-carol")
            #expect(codes.count == 10)
            guard case .credential(.accepted(let user?)) = try await bed.perform(.verifyRecoveryCode(user: "u-carol", code: Secret(codes[3])))
            else {
                Issue.record("a fresh code must be accepted")
                return
            }
            #expect(user.recoveryCodesLeft == 9)
            #expect(try await bed.perform(.verifyRecoveryCode(user: "u-carol", code: Secret(codes[3]))) == .credential(.rejected))
            #expect(try await bed.perform(.verifyRecoveryCode(user: "u-bob", code: Secret(codes[4]))) == .credential(.notEnrolled))
        }
    }

    @Test func mailsAnEmailCodeThatWorksOnceAndExpires() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            #expect(try await bed.perform(.sendEmailOTP(email: "pat@provider.test")) == .sent(to: "p***@provider.test"))
            let message = try #require(await bed.outbox.messages.last)
            #expect(message.to == "pat@provider.test")
            let code = try #require(message.body.split(separator: " ").first { $0.count == 7 && $0.hasSuffix(".") }).dropLast()
            #expect(try await bed.perform(.verifyEmailOTP(email: "pat@provider.test", code: Secret("000000"))) == .credential(.rejected))
            guard case .credential(.accepted(let user?)) = try await bed.perform(.verifyEmailOTP(email: "pat@provider.test", code: Secret(String(code))))
            else {
                Issue.record("the mailed code must be accepted")
                return
            }
            #expect(user.id == "u-pat")
            #expect(try await bed.perform(.verifyEmailOTP(email: "pat@provider.test", code: Secret(String(code)))) == .credential(.expired))
            _ = try await bed.perform(.sendEmailOTP(email: "pat@provider.test"))
            bed.clock.advance(11 * 60)
            #expect(try await bed.perform(.verifyEmailOTP(email: "pat@provider.test", code: Secret("123456"))) == .credential(.expired))
        }
    }

    @Test func provisionsANewFederatedUserWithMembershipAndLink() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            let request = ProvisionRequest(
                email: "zoe@acme.test", organization: "acme", create: true, roles: ["member"], claims: ["name": "Zoe"],
                upstream: UpstreamLink(connection: "acme-saml", subject: "zoe-okta"))
            guard case .provisioned(let user) = try await bed.perform(.provision(request)) else {
                Issue.record("expected provisioning")
                return
            }
            #expect(user.memberships["acme"] == ["member"])
            let stored = try #require(try await bed.store.user(email: "zoe@acme.test"))
            #expect(stored.name == "Zoe")
            #expect(try await bed.store.credential(user: stored.id, kind: "upstream:acme-saml") == Data("zoe-okta".utf8))
        }
    }

    @Test func aReturningFederatedUserWhoseAccountIsUnchangedCostsNoWrite() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            let request = ProvisionRequest(
                email: "zoe@acme.test", organization: "acme", create: true, roles: ["member"], claims: [:],
                upstream: UpstreamLink(connection: "acme-saml", subject: "zoe-okta"))
            guard case .provisioned(let first) = try await bed.perform(.provision(request)) else {
                Issue.record("expected provisioning")
                return
            }
            let commits = bed.store.groupCommits
            guard case .provisioned(let again) = try await bed.perform(.provision(request)) else {
                Issue.record("expected the same account again")
                return
            }
            #expect(again.id == first.id)
            #expect(bed.store.groupCommits == commits)
            // A name the account did not have yet is a change, and is written.
            var named = request
            named.claims = ["name": "Zoe"]
            _ = try await bed.perform(.provision(named))
            #expect(bed.store.groupCommits > commits)
            #expect(try await bed.store.user(email: "zoe@acme.test")?.name == "Zoe")
        }
    }

    @Test func refusesToProvisionAnEmailOutsideTheFederatingOrganization() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            let request = ProvisionRequest(
                email: "alice@globex.test", organization: "acme", create: true, roles: [], claims: [:],
                upstream: UpstreamLink(connection: "acme-saml", subject: "evil"))
            #expect(try await bed.perform(.provision(request)) == .provisioningFailed(reason: "email_domain_mismatch"))
            #expect(try await bed.store.user(id: "u-alice")?.memberships.map(\.org) == ["globex"])
        }
    }

    @Test func refusesAnIdentityWhoseSubjectDiffersFromTheLinkedOne() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            let first = ProvisionRequest(
                email: "ada@acme.test", organization: "acme", create: false, roles: [], claims: [:],
                upstream: UpstreamLink(connection: "acme-saml", subject: "ada.okta.id"))
            guard case .provisioned = try await bed.perform(.provision(first)) else {
                Issue.record("the first link must succeed")
                return
            }
            var second = first
            second.upstream = UpstreamLink(connection: "acme-saml", subject: "someone-else")
            #expect(try await bed.perform(.provision(second)) == .provisioningFailed(reason: "upstream_subject_mismatch"))
        }
    }

    @Test func refusesTheEmailCodeOfASuspendedAccount() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            _ = try await bed.perform(.sendEmailOTP(email: "sid@globex.test"))
            let message = try #require(await bed.outbox.messages.last)
            let code = try #require(message.body.split(separator: " ").first { $0.count == 7 && $0.hasSuffix(".") }).dropLast()
            #expect(try await bed.perform(.verifyEmailOTP(email: "sid@globex.test", code: Secret(String(code)))) == .credential(.rejected))
        }
    }

    @Test func refusesToCreateAnAccountWhenTheStepOnlyLinks() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            let request = ProvisionRequest(
                email: "new@acme.test", organization: "acme", create: false, roles: [], claims: [:],
                upstream: UpstreamLink(connection: "acme-saml", subject: "new"))
            #expect(try await bed.perform(.provision(request)) == .provisioningFailed(reason: "no_account"))
            #expect(try await bed.store.user(email: "new@acme.test") == nil)
        }
    }

    @Test func discoversTheOrganizationWithInheritedSettings() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            guard case .discovery(.found(let org)) = try await bed.perform(.discover(email: "hans@EMEA.example")) else {
                Issue.record("expected an organization")
                return
            }
            #expect(org.id == "northwind-emea")
            #expect(org.connection?.id == "northwind-oidc")
            #expect(try await bed.perform(.discover(email: "x@nowhere.test")) == .discovery(.unknown))
            #expect(try await bed.perform(.discover(email: "no-domain")) == .discovery(.unknown))
        }
    }
}

/// RFC 4648 base32 decoding of an unpadded secret, back to the stored ASCII secret.
func base32Decode(_ text: String) throws -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    var bits = 0
    var value = 0
    var bytes: [UInt8] = []
    for character in text.uppercased() where character != "=" {
        let index = try #require(alphabet.firstIndex(of: character))
        value = value << 5 | index
        bits += 5
        if bits >= 8 {
            bytes.append(UInt8((value >> (bits - 8)) & 0xFF))
            bits -= 8
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
