import Authenticators
import Foundation
import Testing

struct EmailOTPTests {
    let policy = EmailOTPPolicy.standard
    let now = referenceTime

    @Test func issuesASixDigitCodeAndStoresOnlyItsHash() {
        let (code, challenge) = policy.issue(random: SeededRandom(seed: 1), now: now)
        #expect(code.count == 6)
        #expect(code.allSatisfy(\.isASCII) && code.allSatisfy(\.isNumber))
        #expect(challenge.codeHash.count == 64)
        #expect(!challenge.codeHash.contains(code))
        #expect(challenge.expiresAt == now.addingTimeInterval(600))
        #expect(challenge.attemptsLeft == 5)
    }

    @Test func acceptsTheRightCodeOnce() {
        let (code, challenge) = policy.issue(random: SeededRandom(seed: 2), now: now)
        let (verdict, used) = policy.verify(code, challenge: challenge, now: now.addingTimeInterval(60))
        #expect(verdict == .valid)
        #expect(used.attemptsLeft == 0)
        #expect(policy.verify(code, challenge: used, now: now.addingTimeInterval(61)).verdict == .exhausted)
    }

    @Test func wrongCodeUsesAnAttempt() {
        let (code, challenge) = policy.issue(random: ScriptedRandom([1, 2, 3, 4, 5, 6]), now: now)
        #expect(code == "123456")
        let (verdict, updated) = policy.verify("123457", challenge: challenge, now: now)
        #expect(verdict == .invalid)
        #expect(updated.attemptsLeft == 4)
    }

    @Test(arguments: ["", "12345", "1234567", "abcdef", " 123456"])
    func rejectsMalformedCodes(input: String) {
        let (_, challenge) = policy.issue(random: ScriptedRandom([1, 2, 3, 4, 5, 6]), now: now)
        #expect(policy.verify(input, challenge: challenge, now: now).verdict == .invalid)
    }

    @Test func rejectsTheRightCodeAfterTooManyWrongOnes() {
        var (code, challenge) = policy.issue(random: SeededRandom(seed: 3), now: now)
        for _ in 0..<5 {
            let result = policy.verify("xxxxxx", challenge: challenge, now: now)
            #expect(result.verdict == .invalid)
            challenge = result.challenge
        }
        let (verdict, after) = policy.verify(code, challenge: challenge, now: now)
        #expect(verdict == .exhausted)
        #expect(after == challenge)
    }

    @Test func rejectsTheRightCodeOnceExpired() {
        let (code, challenge) = policy.issue(random: SeededRandom(seed: 4), now: now)
        #expect(policy.verify(code, challenge: challenge, now: challenge.expiresAt.addingTimeInterval(-1)).verdict == .valid)
        let (verdict, after) = policy.verify(code, challenge: challenge, now: challenge.expiresAt)
        #expect(verdict == .expired)
        #expect(after == challenge)
    }

    @Test func customPolicy() throws {
        let policy = try EmailOTPPolicy(digits: 8, lifetime: 60, maxAttempts: 1)
        let (code, challenge) = policy.issue(random: SystemRandom(), now: now)
        #expect(code.count == 8)
        #expect(challenge.expiresAt == now.addingTimeInterval(60))
        let (_, afterWrong) = policy.verify("00000000" == code ? "11111111" : "00000000", challenge: challenge, now: now)
        #expect(policy.verify(code, challenge: afterWrong, now: now).verdict == .exhausted)
    }

    @Test func challengeRoundTripsThroughJSON() throws {
        let (_, challenge) = policy.issue(random: SeededRandom(seed: 5), now: now)
        #expect(try JSONDecoder().decode(EmailOTPChallenge.self, from: JSONEncoder().encode(challenge)) == challenge)
    }

    @Test(arguments: [(3, 600.0, 5), (11, 600, 5), (6, 0, 5), (6, -1, 5), (6, .infinity, 5), (6, 600, 0)])
    func rejectsInvalidPolicies(digits: Int, lifetime: TimeInterval, maxAttempts: Int) {
        #expect(throws: AuthenticatorError.invalidParameters(reason: "")) {
            try EmailOTPPolicy(digits: digits, lifetime: lifetime, maxAttempts: maxAttempts)
        }
    }
}
