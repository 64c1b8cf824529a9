import Foundation
import Testing

@testable import Authenticators

struct TOTPAuthenticatorTests {
    /// One row of RFC 6238 Appendix B.
    struct Vector: Sendable, CustomTestStringConvertible {
        var time: Int
        var algorithm: TOTPAlgorithm
        var code: String
        var testDescription: String { "\(algorithm.rawValue) at \(time)" }

        /// The Appendix B seeds: the ASCII digits repeated to the hash's output length.
        var secret: String {
            switch algorithm {
            case .sha1: "12345678901234567890"
            case .sha256: "12345678901234567890123456789012"
            case .sha512: "1234567890123456789012345678901234567890123456789012345678901234"
            }
        }
    }

    static let rfc6238Vectors: [Vector] = [
        (59, "94287082", "46119246", "90693936"),
        (1_111_111_109, "07081804", "68084774", "25091201"),
        (1_111_111_111, "14050471", "67062674", "99943326"),
        (1_234_567_890, "89005924", "91819424", "93441116"),
        (2_000_000_000, "69279037", "90698825", "38618901"),
        (20_000_000_000, "65353130", "77737706", "47863826"),
    ].flatMap { time, sha1, sha256, sha512 in
        [Vector(time: time, algorithm: .sha1, code: sha1), Vector(time: time, algorithm: .sha256, code: sha256),
         Vector(time: time, algorithm: .sha512, code: sha512)]
    }

    let totp = TOTPAuthenticator()
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    let now = referenceTime
    var step: Int64 { Int64(now.timeIntervalSince1970) / 30 }

    func code(at offset: TimeInterval) throws -> String {
        try totp.code(secret: secret, at: now.addingTimeInterval(offset))
    }

    @Test("RFC 6238 Appendix B test vectors", arguments: rfc6238Vectors)
    func rfc6238Vector(_ vector: Vector) throws {
        let totp = TOTPAuthenticator(settings: try TOTPSettings(digits: 8, algorithm: vector.algorithm))
        let date = Date(timeIntervalSince1970: TimeInterval(vector.time))
        #expect(try totp.code(secret: vector.secret, at: date) == vector.code)
        #expect(
            totp.verify(code: vector.code, secret: vector.secret, now: date, lastUsedStep: nil) == .valid(step: Int64(vector.time / 30)))
    }

    @Test func acceptsTheCurrentCode() throws {
        #expect(totp.verify(code: try code(at: 0), secret: secret, now: now, lastUsedStep: nil) == .valid(step: step))
    }

    @Test(arguments: [-30.0, 30])
    func acceptsOneStepOfDrift(offset: TimeInterval) throws {
        let verdict = totp.verify(code: try code(at: offset), secret: secret, now: now, lastUsedStep: nil)
        #expect(verdict == .valid(step: step + Int64(offset / 30)))
    }

    @Test(arguments: [-60.0, 60, 3600])
    func rejectsCodesBeyondTheDrift(offset: TimeInterval) throws {
        #expect(totp.verify(code: try code(at: offset), secret: secret, now: now, lastUsedStep: nil) == .invalid)
    }

    @Test func rejectsNeighbourStepsWithoutDrift() throws {
        let strict = TOTPAuthenticator(settings: try TOTPSettings(allowedDrift: 0))
        let previous = try strict.code(secret: secret, at: now.addingTimeInterval(-30))
        #expect(strict.verify(code: previous, secret: secret, now: now, lastUsedStep: nil) == .invalid)
    }

    @Test func rejectsTheSameCodeTwice() throws {
        let current = try code(at: 0)
        guard case .valid(let used) = totp.verify(code: current, secret: secret, now: now, lastUsedStep: nil) else {
            Issue.record("first use should be valid")
            return
        }
        #expect(totp.verify(code: current, secret: secret, now: now.addingTimeInterval(5), lastUsedStep: used) == .reused)
    }

    @Test("a code older than the last used one is reused, a newer one is valid")
    func rejectsOlderCodesAfterANewerOne() throws {
        #expect(totp.verify(code: try code(at: -30), secret: secret, now: now, lastUsedStep: step) == .reused)
        #expect(totp.verify(code: try code(at: 30), secret: secret, now: now, lastUsedStep: step) == .valid(step: step + 1))
    }

    @Test func rejectsACodeForAnotherSecret() throws {
        #expect(totp.verify(code: try code(at: 0), secret: "another secret", now: now, lastUsedStep: nil) == .invalid)
    }

    @Test(arguments: ["", "12345", "1234567", "12345a", " 12345", "123 45", "+12345", "-12345", "١٢٣٤٥٦", "１２３４５６"])
    func rejectsMalformedCodes(code: String) {
        #expect(totp.verify(code: code, secret: secret, now: now, lastUsedStep: nil) == .invalid)
    }

    @Test func firstStepsDoNotReachBelowZero() throws {
        let start = Date(timeIntervalSince1970: 10)
        let code = try totp.code(secret: secret, at: start)
        #expect(totp.verify(code: code, secret: secret, now: start, lastUsedStep: nil) == .valid(step: 0))
    }

    @Test(arguments: [Date(timeIntervalSince1970: -1), .distantPast, Date(timeIntervalSince1970: .infinity)])
    func rejectsTimesWithoutAStep(date: Date) throws {
        let code = try self.code(at: 0)
        #expect(totp.verify(code: code, secret: secret, now: date, lastUsedStep: nil) == .invalid)
        #expect(throws: AuthenticatorError.timeOutOfRange(reason: "")) { try totp.code(secret: secret, at: date) }
    }

    @Test func enrollmentGivesSecretURIAndManualKey() throws {
        let enrollment = totp.enrollment(accountName: "alice@example.com", issuer: "Gatehouse", random: SeededRandom(seed: 1))
        #expect(enrollment.secret.count == 32)
        #expect(enrollment.secret.allSatisfy(Alphabet.alphanumeric.characters.contains))
        let key = Base32.encode(enrollment.secret.utf8)
        #expect(key.count == 52)
        #expect(
            enrollment.otpauthURI
                == "otpauth://totp/Gatehouse:alice%40example.com?secret=\(key)&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30")
        #expect(enrollment.manualKey.split(separator: " ").map(\.count) == Array(repeating: 4, count: 13))
        #expect(enrollment.manualKey.replacingOccurrences(of: " ", with: "") == key)
    }

    @Test func enrolledSecretVerifies() throws {
        let enrollment = totp.enrollment(accountName: "bob", issuer: "Gatehouse", random: SystemRandom())
        let code = try totp.code(secret: enrollment.secret, at: now)
        #expect(totp.verify(code: code, secret: enrollment.secret, now: now, lastUsedStep: nil) == .valid(step: step))
    }

    @Test func enrollmentEncodesLabelAndSettings() throws {
        let totp = TOTPAuthenticator(settings: try TOTPSettings(digits: 8, period: 60, algorithm: .sha256))
        let uri = totp.enrollment(accountName: "a b", issuer: "Acme Corp:EU", random: SeededRandom(seed: 2)).otpauthURI
        #expect(uri.hasPrefix("otpauth://totp/Acme%20Corp%3AEU:a%20b?secret="))
        #expect(uri.hasSuffix("&issuer=Acme%20Corp%3AEU&algorithm=SHA256&digits=8&period=60"))
    }

    @Test func enrollmentWithoutIssuer() {
        let uri = totp.enrollment(accountName: "carol", issuer: "", random: SeededRandom(seed: 3)).otpauthURI
        #expect(uri.hasPrefix("otpauth://totp/carol?secret="))
        #expect(!uri.contains("issuer="))
    }

    @Test("base32 as in RFC 4648 §10, without padding", arguments: [
        ("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI"),
        // HummingbirdOTP's own createAuthenticatorURL test value, so both give authenticator apps the same key.
        ("HB12345678901234567890", "JBBDCMRTGQ2TMNZYHEYDCMRTGQ2TMNZYHEYA"),
    ])
    func base32(input: String, expected: String) {
        #expect(Base32.encode(input.utf8) == expected)
    }

    @Test(arguments: [(5, 30, 1), (9, 30, 1), (6, 0, 1), (6, 3601, 1), (6, 30, -1), (6, 30, 11)])
    func rejectsInvalidSettings(digits: Int, period: Int, drift: Int) {
        #expect(throws: AuthenticatorError.invalidParameters(reason: "")) {
            try TOTPSettings(digits: digits, period: period, allowedDrift: drift)
        }
    }
}
