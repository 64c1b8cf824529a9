import Authenticators
import Foundation
import Testing

struct RecoveryCodesTests {
    let recovery = RecoveryCodes.standard

    @Test func generatesTenCodesInGroupsOfFour() {
        let (codes, hashes) = recovery.generate(random: SeededRandom(seed: 1))
        #expect(codes.count == 10)
        #expect(Set(codes).count == 10)
        #expect(hashes.count == 10)
        for code in codes {
            let groups = code.split(separator: "-", omittingEmptySubsequences: false)
            #expect(groups.map(\.count) == [4, 4, 4])
            #expect(groups.joined().allSatisfy(Alphabet.unambiguous.characters.contains))
        }
        #expect(hashes.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
    }

    @Test func storesOnlyHashes() {
        let (codes, hashes) = recovery.generate(random: SeededRandom(seed: 2))
        for (code, hash) in zip(codes, hashes) {
            #expect(!hash.contains(code.replacingOccurrences(of: "-", with: "")))
        }
    }

    @Test("each code works once when the caller removes its hash")
    func eachCodeWorksOnce() {
        var (codes, hashes) = recovery.generate(random: SeededRandom(seed: 3))
        codes.shuffle()
        for code in codes {
            let index = recovery.redeem(code, hashes: hashes)
            #expect(index != nil)
            if let index { hashes.remove(at: index) }
            #expect(recovery.redeem(code, hashes: hashes) == nil)
        }
        #expect(hashes.isEmpty)
    }

    @Test func returnsTheIndexOfTheMatchingHash() {
        let (codes, hashes) = recovery.generate(random: SeededRandom(seed: 4))
        #expect(codes.indices.map { recovery.redeem(codes[$0], hashes: hashes) } == codes.indices.map { $0 })
    }

    @Test func ignoresCaseDashesAndSpaces() {
        let (codes, hashes) = recovery.generate(random: SeededRandom(seed: 5))
        let code = codes[0]
        #expect(recovery.redeem(code.uppercased(), hashes: hashes) == 0)
        #expect(recovery.redeem(code.replacingOccurrences(of: "-", with: ""), hashes: hashes) == 0)
        #expect(recovery.redeem(" " + code.replacingOccurrences(of: "-", with: " ") + " ", hashes: hashes) == 0)
    }

    @Test func rejectsAWrongCode() {
        let (codes, hashes) = recovery.generate(random: SeededRandom(seed: 6))
        #expect(recovery.redeem("aaaa-bbbb-cccc", hashes: hashes) == nil)
        #expect(recovery.redeem(codes[0] + "x", hashes: hashes) == nil)
        #expect(recovery.redeem(String(codes[0].dropLast()), hashes: hashes) == nil)
        #expect(recovery.redeem("", hashes: hashes) == nil)
        #expect(recovery.redeem(codes[0], hashes: []) == nil)
    }

    @Test func rejectsACodeFromAnotherBatch() {
        let (_, hashes) = recovery.generate(random: SeededRandom(seed: 7))
        let (others, _) = recovery.generate(random: SeededRandom(seed: 8))
        #expect(others.allSatisfy { recovery.redeem($0, hashes: hashes) == nil })
    }

    @Test func customShape() throws {
        let (codes, hashes) = try RecoveryCodes(count: 3, groups: 2, groupLength: 5).generate(random: SystemRandom())
        #expect(codes.map { $0.split(separator: "-").map(\.count) } == Array(repeating: [5, 5], count: 3))
        #expect(hashes.count == 3)
    }

    @Test(arguments: [(0, 3, 4), (101, 3, 4), (10, 0, 4), (10, 9, 4), (10, 3, 0), (10, 3, 9)])
    func rejectsInvalidShapes(count: Int, groups: Int, groupLength: Int) {
        #expect(throws: AuthenticatorError.invalidParameters(reason: "")) {
            try RecoveryCodes(count: count, groups: groups, groupLength: groupLength)
        }
    }
}
