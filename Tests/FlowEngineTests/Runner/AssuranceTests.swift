import FlowEngine
import Foundation
import Testing

struct AssurancePolicyTests {
    let policy = World.policy

    @Test(arguments: [
        ([], nil, nil),
        (["pwd"], nil, "loa1"),
        (["otp"], nil, nil),
        (["mfa", "otp", "pwd"], nil, "loa2"),
        (["hwk", "mfa", "pwd"], nil, "loa3"),
        (["fed"], "loa2", "loa2"),
        (["pwd"], "loa3", "loa3"),
        (["hwk", "mfa"], "loa1", "loa3"),
        (["fed"], "gold", "loa1"),
    ] as [([String], LevelName?, LevelName?)])
    func levelIsTheHigherOfTheMethodsAndTheUpstreamAssertion(amr: [String], upstream: LevelName?, expected: LevelName?) {
        #expect(policy.level(amr: amr, upstream: upstream) == expected)
    }

    @Test(arguments: [
        (nil, nil, true),
        ("loa1", nil, true),
        (nil, "loa1", false),
        ("loa2", "loa1", true),
        ("loa2", "loa2", true),
        ("loa1", "loa2", false),
        ("loa3", "gold", false),
        ("gold", "loa1", false),
    ] as [(LevelName?, LevelName?, Bool)])
    func satisfiesComparesByConfiguredRank(current: LevelName?, required: LevelName?, satisfied: Bool) {
        #expect(policy.satisfies(current, required: required) == satisfied)
    }

    @Test(arguments: [
        (nil, "loa1", "loa1"),
        ("loa1", nil, "loa1"),
        ("loa2", "loa1", "loa2"),
        ("loa1", "loa3", "loa3"),
        ("gold", "loa1", "loa1"),
        (nil, nil, nil),
    ] as [(LevelName?, LevelName?, LevelName?)])
    func strongerPicksTheHigherRequirement(a: LevelName?, b: LevelName?, expected: LevelName?) {
        #expect(policy.stronger(a, b) == expected)
    }

    @Test func rankIsTheConfiguredOrder() {
        #expect(["loa1", "loa2", "loa3", "gold"].map { policy.rank(of: LevelName($0)) } == [0, 1, 2, nil])
    }

    @Test func policyRoundTripsThroughJSON() throws {
        let data = try JSONEncoder().encode(policy)
        #expect(try JSONDecoder().decode(AssurancePolicy.self, from: data) == policy)
    }
}

struct AuthenticationMethodTests {
    @Test(arguments: [
        (["pwd"], [], ["pwd"]),
        (["otp"], ["pwd"], ["mfa", "otp", "pwd"]),
        (["pwd"], ["otp"], ["mfa", "otp", "pwd"]),
        (["email"], ["pwd"], ["email", "mfa", "pwd"]),
        (["hwk"], ["pin"], ["hwk", "mfa", "pin"]),
        (["pwd"], ["pwd"], ["pwd"]),
        (["otp"], ["fed"], ["fed", "otp"]),
        (["email", "otp"], [], ["email", "otp"]),
    ] as [([String], [String], [String])])
    func addingSortsDeduplicatesAndAddsMFAForKnowledgeWithPossession(method: [String], amr: [String], expected: [String]) {
        #expect(AuthenticationMethod.adding(method, to: amr) == expected)
    }
}
