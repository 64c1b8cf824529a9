import Foundation
import Testing

@testable import Authenticators

struct PasswordHasherTests {
    /// RFC 7914 §12, second vector: "password" / "NaCl", N=1024, r=8, p=16, dkLen=64.
    static let rfcKey =
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
    /// RFC 7914 §12, third vector ("pleaseletmein" / "SodiumChloride", N=16384, r=8, p=1) in the encoded form
    /// the hasher stores. The second vector's 4-byte salt is below the 8 bytes the parser accepts.
    static let rfcEncoded =
        "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw"

    let hasher = PasswordHasher(cost: .test)

    @Test("RFC 7914 §12 vector through the hasher's derive function")
    func rfc7914VectorThroughDerive() throws {
        let cost = try ScryptCost(logN: 10, r: 8, p: 16)
        let key = try PasswordHasher.derive(Array("password".utf8), salt: Array("NaCl".utf8), cost: cost, length: 64)
        #expect(hex(key) == Self.rfcKey)
    }

    @Test("RFC 7914 §12 vector through verify, parsing the encoded form")
    func rfc7914VectorThroughVerify() throws {
        #expect(try hasher.verify("pleaseletmein", against: Self.rfcEncoded))
        #expect(try !hasher.verify("pleaseletmeim", against: Self.rfcEncoded))
    }

    @Test("RFC 7914 §12 first vector: empty password and empty salt")
    func rfc7914EmptyVector() throws {
        let key = try PasswordHasher.derive([], salt: [], cost: ScryptCost(logN: 4, r: 1, p: 1), length: 64)
        #expect(
            hex(key)
                == "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"
        )
    }

    @Test func verifiesTheRightPassword() throws {
        let encoded = try hasher.hash("correct horse battery staple", random: SystemRandom())
        #expect(try hasher.verify("correct horse battery staple", against: encoded))
    }

    @Test(arguments: ["correct horse battery stapl", "Correct horse battery staple", "", "correct horse battery staple "])
    func rejectsAWrongPassword(attempt: String) throws {
        let encoded = try hasher.hash("correct horse battery staple", random: SeededRandom(seed: 1))
        #expect(try !hasher.verify(attempt, against: encoded))
    }

    @Test func encodesInThePHCForm() throws {
        let encoded = try hasher.hash("pw", random: SeededRandom(seed: 1))
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        #expect(parts.count == 5)
        #expect(parts[1] == "scrypt")
        #expect(parts[2] == "ln=10,r=8,p=1")
        #expect(parts[3].count == 22)  // 16 bytes, unpadded base64
        #expect(parts[4].count == 43)  // 32 bytes, unpadded base64
        #expect(!parts[3].contains("=") && !parts[4].contains("="))
        #expect(try hasher.hash("pw", random: SeededRandom(seed: 1)) == encoded)
    }

    @Test func freshSaltsMakeDifferentHashes() throws {
        #expect(try hasher.hash("pw", random: SystemRandom()) != hasher.hash("pw", random: SystemRandom()))
    }

    @Test func emptyPasswordRoundTrips() throws {
        let encoded = try hasher.hash("", random: SeededRandom(seed: 2))
        #expect(try hasher.verify("", against: encoded))
        #expect(try !hasher.verify(" ", against: encoded))
    }

    @Test("composed and decomposed accents are the same password (NFC)")
    func normalizesUnicode() throws {
        let encoded = try hasher.hash("caf\u{E9}", random: SeededRandom(seed: 3))
        #expect(try hasher.verify("cafe\u{301}", against: encoded))
    }

    @Test(arguments: [
        "",
        "scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$" + String(repeating: "A", count: 43),
        "$bcrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$" + String(repeating: "A", count: 43),
        "$scrypt$ln=10,r=8$c2FsdHNhbHQ$" + String(repeating: "A", count: 43),
        "$scrypt$r=8,ln=10,p=1$c2FsdHNhbHQ$" + String(repeating: "A", count: 43),
        "$scrypt$ln=ten,r=8,p=1$c2FsdHNhbHQ$" + String(repeating: "A", count: 43),
        "$scrypt$ln=+10,r=8,p=1$c2FsdHNhbHQ$" + String(repeating: "A", count: 43),
        "$scrypt$ln=10,r=8,p=1,x=2$c2FsdHNhbHQ$" + String(repeating: "A", count: 43),
        "$scrypt$ln=21,r=8,p=1$c2FsdHNhbHQ$" + String(repeating: "A", count: 43),
        "$scrypt$ln=0,r=8,p=1$c2FsdHNhbHQ$" + String(repeating: "A", count: 43),
        "$scrypt$ln=20,r=16,p=1$c2FsdHNhbHQ$" + String(repeating: "A", count: 43),
        "$scrypt$ln=10,r=8,p=0$c2FsdHNhbHQ$" + String(repeating: "A", count: 43),
        "$scrypt$ln=10,r=8,p=1$c2FsdA$" + String(repeating: "A", count: 43),
        "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ=$" + String(repeating: "A", count: 43),
        "$scrypt$ln=10,r=8,p=1$c2Fs*HNhbHQ$" + String(repeating: "A", count: 43),
        "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$AAAA",
        "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$" + String(repeating: "A", count: 43) + "$",
    ])
    func rejectsMalformedHashes(encoded: String) {
        #expect(throws: AuthenticatorError.malformedHash(reason: "")) { try hasher.verify("pw", against: encoded) }
    }

    @Test func needsNoRehashAtTheSameCost() throws {
        #expect(!hasher.needsRehash(try hasher.hash("pw", random: SeededRandom(seed: 4))))
    }

    @Test func needsRehashWhenTheCostChanged() throws {
        let encoded = try hasher.hash("pw", random: SeededRandom(seed: 4))
        #expect(PasswordHasher(cost: .standard).needsRehash(encoded))
        #expect(hasher.needsRehash(Self.rfcEncoded))  // ln=14 and a 64-byte hash
    }

    @Test func needsRehashWhenMalformed() {
        #expect(hasher.needsRehash("$scrypt$garbage"))
    }

    @Test func dummyVerificationAlwaysFails() {
        #expect(!hasher.verifyDummy("pw"))
        #expect(!hasher.verifyDummy(""))
    }

    @Test func standardAndTestCosts() {
        #expect(ScryptCost.standard.description == "ln=15,r=8,p=1")
        #expect(ScryptCost.test.description == "ln=10,r=8,p=1")
        #expect(PasswordHasher().cost == .standard)
    }

    @Test(arguments: [(0, 8, 1), (21, 8, 1), (10, 0, 1), (10, 33, 1), (10, 8, 0), (10, 8, 17), (20, 16, 1)])
    func rejectsOutOfRangeCosts(logN: Int, r: Int, p: Int) {
        #expect(throws: AuthenticatorError.invalidParameters(reason: "")) { try ScryptCost(logN: logN, r: r, p: p) }
    }

    @Test func acceptsTheLargestCost() throws {
        #expect(try ScryptCost(logN: 20, r: 8, p: 16).n == 1 << 20)
    }
}
