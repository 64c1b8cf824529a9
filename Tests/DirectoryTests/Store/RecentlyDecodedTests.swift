import Directory
import Foundation
import Testing

struct RecentlyDecodedTests {
    @Test("a value is reused only for the very bytes it was remembered with")
    func reusesOnlyForTheSameBytes() {
        let recent = RecentlyDecoded<String>()
        var decoded = 0
        let decode: (Data) throws -> String = { data in
            decoded += 1
            return String(decoding: data, as: UTF8.self)
        }
        #expect(recent.value("k", storedAs: Data("one".utf8), decode: decode) == "one")
        #expect(recent.value("k", storedAs: Data("one".utf8), decode: decode) == "one")
        #expect(decoded == 1)
        // Another node wrote the entry since: new bytes are decoded, never the old value returned.
        #expect(recent.value("k", storedAs: Data("two".utf8), decode: decode) == "two")
        #expect(decoded == 2)
        recent.forget("k")
        #expect(recent.value("k", storedAs: Data("two".utf8)) == nil)
    }

    @Test("bytes that do not decode give nil and are not remembered")
    func undecodableBytesAreNotRemembered() {
        struct Broken: Error {}
        let recent = RecentlyDecoded<String>()
        #expect(recent.value("k", storedAs: Data("x".utf8), decode: { _ in throw Broken() }) == nil)
        #expect(recent.value("k", storedAs: Data("x".utf8)) == nil)
    }

    @Test("at capacity, everything is dropped rather than growing without bound")
    func dropsEverythingAtCapacity() {
        let recent = RecentlyDecoded<Int>()
        let capacity = RecentlyDecoded<Int>.capacity
        for index in 0..<capacity { recent.remember(index, "k\(index)", storedAs: Data([1])) }
        #expect(recent.value("k0", storedAs: Data([1])) == 0)
        recent.remember(capacity, "k\(capacity)", storedAs: Data([1]))
        #expect(recent.value("k0", storedAs: Data([1])) == nil)
        #expect(recent.value("k\(capacity)", storedAs: Data([1])) == capacity)
    }
}
