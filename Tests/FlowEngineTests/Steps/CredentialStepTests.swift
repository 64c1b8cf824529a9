import FlowEngine
import Testing

/// password, totp, email_otp and recovery_code, each run alone in a one-step flow.
struct CredentialStepTests {
    let t0 = World.t0
    let newcomer = UserContext(id: "u-new", email: "new@acme.test")

    /// A flow whose start step is `step`, with every outcome going to a deny step named after it.
    func single(_ step: String, outcomes: [String]) throws -> CompiledFlow {
        let next = outcomes.map { #""\#($0)": "\#($0)""# }.joined(separator: ", ")
        let ends = outcomes.map { #""\#($0)": {"type": "deny", "reason": "\#($0)"}"# }.joined(separator: ",\n    ")
        return try compile(
            """
            {
              "start": "step",
              "steps": {
                "step": \(step.dropLast()), "next": {\(next)}},
                \(ends)
              }
            }
            """)
    }

    @Test func totpEnrollsAnAccountWithoutAnAuthenticator() throws {
        let flow = try single(#"{"type": "totp", "enroll": true}"#, outcomes: ["success", "failure", "not_enrolled"])
        var m = try machine(flow) {
            $0.user = newcomer
            $0.amr = ["pwd"]
        }
        let offer = TOTPEnrollmentOffer(uri: Secret("otpauth://totp/Gatehouse:new@acme.test?secret=JBSWY3DP"), manualKey: Secret("JBSW Y3DP"))
        #expect(m.start(now: t0) == .perform(.startTOTPEnrollment(user: "u-new")))
        #expect(m.handle(.effect(.enrollment(offer)), now: t0) == .prompt(Prompt(step: "step", kind: .totpEnrollment(offer))))
        #expect(m.handle(.input(.code(Secret("111111"))), now: t0) == .perform(.finishTOTPEnrollment(user: "u-new", code: Secret("111111"))))
        #expect(
            m.handle(.effect(.credential(.rejected)), now: t0)
                == .prompt(Prompt(step: "step", kind: .totpEnrollment(offer), error: .invalidCredentials(attemptsLeft: 2))))
        _ = m.handle(.input(.code(Secret("222222"))), now: t0)
        #expect(denial(m.handle(.effect(.credential(.accepted(nil))), now: t0))?.reason == "success")
        #expect(m.state.amr == ["mfa", "otp", "pwd"])
        #expect(m.state.user?.hasTOTP == true)
        #expect(m.state.pendingEnrollment == nil)
        #expect(m.state.lastPrompt == nil, "a finished transaction keeps no page holding the new secret")
    }

    @Test func totpWithoutAuthenticatorOrEnrollmentIsNotEnrolled() throws {
        let flow = try single(#"{"type": "totp"}"#, outcomes: ["success", "failure", "not_enrolled"])
        var m = try machine(flow) { $0.user = newcomer }
        #expect(denial(m.start(now: t0))?.reason == "not_enrolled")
    }

    @Test func totpRefusesAReusedCodeAndAsksForAFreshOne() throws {
        let flow = try single(#"{"type": "totp", "max_attempts": 2}"#, outcomes: ["success", "failure", "not_enrolled"])
        var m = try machine(flow) { $0.user = World.alice }
        #expect(m.start(now: t0) == .prompt(Prompt(step: "step", kind: .totp)))
        _ = m.handle(.input(.code(Secret("123456"))), now: t0)
        #expect(m.handle(.effect(.credential(.reused)), now: t0) == .prompt(Prompt(step: "step", kind: .totp, error: .codeAlreadyUsed)))
        _ = m.handle(.input(.code(Secret("123456"))), now: t0)
        #expect(denial(m.handle(.effect(.credential(.reused)), now: t0))?.reason == "failure")
    }

    @Test func totpIsSkippedWhenAOneTimePasswordWasAlreadyUsed() throws {
        let flow = try single(#"{"type": "totp"}"#, outcomes: ["success", "failure", "not_enrolled"])
        var m = try machine(flow) {
            $0.user = World.alice
            $0.amr = ["otp"]
        }
        #expect(denial(m.start(now: t0))?.reason == "success")
    }

    @Test func passwordOfAnotherAccountThanTheKnownOneFails() throws {
        let flow = try single(#"{"type": "password"}"#, outcomes: ["success", "failure", "locked"])
        var m = try machine(flow) {
            $0.email = "alice@acme.test"
            $0.user = World.alice
        }
        _ = m.start(now: t0)
        _ = m.handle(.input(.password(Secret("pw"))), now: t0)
        #expect(denial(m.handle(.effect(.credential(.accepted(newcomer))), now: t0))?.reason == "failure")
        #expect(m.state.user == World.alice)
    }

    @Test func emailOTPAsksAgainOnAWrongCodeThenAcceptsTheRightOne() throws {
        let flow = try single(#"{"type": "email_otp"}"#, outcomes: ["success", "failure"])
        var m = try machine(flow) { $0.email = "alice@acme.test" }
        #expect(m.start(now: t0) == .perform(.sendEmailOTP(email: "alice@acme.test")))
        let page = Prompt(step: "step", kind: .emailOTP(sentTo: "a…@acme.test"))
        #expect(m.handle(.effect(.sent(to: "a…@acme.test")), now: t0) == .prompt(page))
        #expect(m.handle(.input(.code(Secret("000000"))), now: t0) == .perform(.verifyEmailOTP(email: "alice@acme.test", code: Secret("000000"))))
        #expect(
            m.handle(.effect(.credential(.rejected)), now: t0)
                == .prompt(Prompt(step: "step", kind: page.kind, error: .invalidCredentials(attemptsLeft: 2))))
        _ = m.handle(.input(.code(Secret("246810"))), now: t0)
        #expect(denial(m.handle(.effect(.credential(.accepted(World.alice))), now: t0))?.reason == "success")
        #expect(m.state.user == World.alice)
        #expect(m.state.amr == ["email"])
    }

    @Test func emailOTPFailsAtOnceWhenTheCodeExpired() throws {
        let flow = try single(#"{"type": "email_otp"}"#, outcomes: ["success", "failure"])
        var m = try machine(flow) { $0.email = "alice@acme.test" }
        _ = m.start(now: t0)
        _ = m.handle(.effect(.sent(to: "a…@acme.test")), now: t0)
        _ = m.handle(.input(.code(Secret("246810"))), now: t0)
        #expect(denial(m.handle(.effect(.credential(.expired)), now: t0))?.reason == "failure")
    }

    @Test func recoveryCodeCountsAsAOneTimePasswordAndUsesACode() throws {
        let flow = try single(#"{"type": "recovery_code"}"#, outcomes: ["success", "failure", "not_enrolled"])
        var m = try machine(flow) {
            $0.user = World.alice
            $0.amr = ["pwd"]
        }
        #expect(m.start(now: t0) == .prompt(Prompt(step: "step", kind: .recoveryCode)))
        #expect(m.handle(.input(.code(Secret("ABCD-EFGH"))), now: t0) == .perform(.verifyRecoveryCode(user: "u-alice", code: Secret("ABCD-EFGH"))))
        #expect(denial(m.handle(.effect(.credential(.accepted(nil))), now: t0))?.reason == "success")
        #expect(m.state.amr == ["mfa", "otp", "pwd"])
        #expect(m.state.user?.recoveryCodesLeft == 1)
    }

    @Test func recoveryCodeWithoutCodesLeftIsNotEnrolled() throws {
        let flow = try single(#"{"type": "recovery_code"}"#, outcomes: ["success", "failure", "not_enrolled"])
        var m = try machine(flow) { $0.user = newcomer }
        #expect(denial(m.start(now: t0))?.reason == "not_enrolled")
    }
}
