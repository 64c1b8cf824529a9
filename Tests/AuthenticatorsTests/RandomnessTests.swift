import Authenticators
import Testing

struct RandomnessTests {
    @Test("SeededRandom is SHA-256(seed ‖ counter), little-endian, one fresh block per call")
    func seededRandomIsSHA256CounterMode() {
        // Computed independently: hashlib.sha256(struct.pack('<QQ', 42, counter)).
        let block0 = "aefdce03def94ffed42159e55677ec20e91200e1981f25b1f271b6fd99c3c263"
        let block1 = "c953b283023f000d3b5411c5967055f5dfecc6c0d0082ae2b3b926a389a4841b"
        let block2 = "ab865bbef77ed3f5450e911f61b48a0b65d2666a0114a0ef0d3a9bd822d83131"
        let random = SeededRandom(seed: 42)
        #expect(hex(random.bytes(40)) == block0 + block1.prefix(16))
        #expect(hex(random.bytes(32)) == block2)
    }

    @Test func sameSeedGivesSameStream() {
        let a = SeededRandom(seed: 7), b = SeededRandom(seed: 7)
        #expect(a.bytes(16) == b.bytes(16))
        #expect(a.bytes(100) == b.bytes(100))
    }

    @Test func differentSeedsGiveDifferentStreams() {
        #expect(SeededRandom(seed: 1).bytes(32) != SeededRandom(seed: 2).bytes(32))
    }

    @Test("a SeededRandom shared by many tasks never hands out the same block twice")
    func seededRandomSharedAcrossTasks() async {
        let random = SeededRandom(seed: 9)
        let blocks = await withTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<100 { group.addTask { random.bytes(32) } }
            return await group.reduce(into: Set<[UInt8]>()) { $0.insert($1) }
        }
        let sequential = SeededRandom(seed: 9)
        #expect(blocks == Set((0..<100).map { _ in sequential.bytes(32) }))
    }

    @Test(arguments: [0, -1])
    func noBytesForNonPositiveCounts(count: Int) {
        #expect(SystemRandom().bytes(count).isEmpty)
        #expect(SeededRandom(seed: 1).bytes(count).isEmpty)
    }

    @Test func systemRandomReturnsRequestedCountAndVaries() {
        let random = SystemRandom()
        let a = random.bytes(32), b = random.bytes(32)
        #expect(a.count == 32)
        #expect(a != b)
    }

    @Test("a large request is filled entirely: every byte value turns up in 8 KiB")
    func systemRandomFillsLargeRequests() {
        let bytes = SystemRandom().bytes(8192)
        #expect(bytes.count == 8192)
        // A byte value is missing from 8,192 uniform bytes with probability (255/256)^8192 ≈ 1e-14.
        #expect(Set(bytes).count == 256)
    }

    @Test func randomStringUsesOnlyTheAlphabet() {
        let text = SeededRandom(seed: 3).randomString(length: 500, alphabet: .unambiguous)
        #expect(text.count == 500)
        #expect(text.allSatisfy(Alphabet.unambiguous.characters.contains))
    }

    @Test("bytes at or above the largest multiple of the alphabet size are skipped (no modulo bias)")
    func rejectsBytesThatWouldBias() {
        // 256 % 10 == 6, so 250…255 would make 0…5 more likely than 6…9 and are thrown away.
        let random = ScriptedRandom([250, 255, 251, 7, 3])
        #expect(random.randomString(length: 2, alphabet: .digits) == "73")
    }

    @Test func randomDigitsKeepLeadingZeros() {
        #expect(ScriptedRandom([0, 10, 20, 249]).randomDigits(4) == "0009")
    }

    @Test("each character of a 31-character alphabet comes up about equally often")
    func randomStringIsRoughlyUniform() {
        let text = SeededRandom(seed: 5).randomString(length: 31_000, alphabet: .unambiguous)
        let counts = Dictionary(grouping: text, by: { $0 }).mapValues(\.count)
        #expect(counts.count == 31)
        #expect(counts.values.allSatisfy { (850...1150).contains($0) })
    }

    @Test func unambiguousAlphabetHasNoLookAlikes() {
        #expect(!Alphabet.unambiguous.characters.contains { "0o1li".contains($0) })
    }

    @Test(arguments: ["", "abca", String(repeating: "x", count: 257)])
    func rejectsBadAlphabets(characters: String) {
        #expect(throws: AuthenticatorError.invalidParameters(reason: "")) { try Alphabet(characters) }
    }

    @Test func acceptsAFullByteAlphabet() throws {
        let all = String((0..<256).map { Character(Unicode.Scalar(UInt8($0))) })
        let alphabet = try Alphabet(all)
        #expect(ScriptedRandom([255, 65]).randomString(length: 2, alphabet: alphabet) == "\u{FF}A")
    }
}
