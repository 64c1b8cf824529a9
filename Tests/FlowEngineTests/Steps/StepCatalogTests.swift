import FlowEngine
import Testing

struct StepCatalogTests {
    @Test func listsEveryStepTypeOfTheDesignOnce() {
        let types = StepCatalog.specs.map(\.type)
        #expect(
            types == [
                "identify", "discover", "choice", "federate", "social", "password", "totp", "email_otp", "recovery_code", "assurance",
                "provision", "allow", "deny",
            ])
        #expect(Set(types).count == types.count)
    }

    @Test func onlyAllowAndDenyEndAFlowAndNeitherHasOutcomes() {
        let terminals = StepCatalog.specs.filter(\.terminal)
        #expect(terminals.map(\.type) == ["allow", "deny"])
        #expect(terminals.allSatisfy { $0.outcomes.isEmpty })
        #expect(StepCatalog.spec(named: "choice")?.outcomes == [])
    }

    @Test func interactiveStepsAreThoseThatWaitForTheUserOrAnIdP() {
        #expect(
            StepCatalog.specs.filter(\.interactive).map(\.type) == [
                "identify", "federate", "social", "password", "totp", "email_otp", "recovery_code",
            ])
    }

    @Test func looksUpASpecByType() {
        #expect(StepCatalog.spec(named: "totp")?.outcomes == [.success, .failure, .notEnrolled])
        #expect(StepCatalog.spec(named: "totp")?.fields.map(\.name) == ["enroll", "max_attempts"])
        #expect(StepCatalog.spec(named: "topt") == nil)
    }

    @Test(arguments: [
        ("alice@example.com", "alice@example.com"),
        ("  Alice@Example.COM\n", "Alice@example.com"),
        ("alice", nil),
        ("@example.com", nil),
        ("alice@", nil),
        ("a@b@c", nil),
        ("al ice@example.com", nil),
        (String(repeating: "a", count: 250) + "@b.co", nil),
    ] as [(String, String?)])
    func identifyAcceptsOnlyLocalAtDomain(typed: String, normalized: String?) {
        #expect(EmailSyntax.normalized(typed) == normalized)
    }
}
