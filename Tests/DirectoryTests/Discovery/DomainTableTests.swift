import Testing

@testable import Directory

@Suite("Domain table")
struct DomainTableTests {
    @Test("a copy keeps its own names when the original is written after the copy")
    func valueSemantics() {
        var table = DomainTable<Int>(expected: 4)
        #expect(table.insert("acme.test", 1) == nil)
        let copy = table
        #expect(table.insert("globex.test", 2) == nil)
        table.replace("acme.test", with: 10)

        #expect(copy.value(for: "acme.test") == 1)
        #expect(copy.value(for: "globex.test") == nil)
        #expect(copy.count == 1)
        #expect(table.value(for: "acme.test") == 10)
        #expect(table.value(for: "globex.test") == 2)
        #expect(table.count == 2)
    }

    @Test("names longer than a record holds, and names that share that prefix, stay apart")
    func longNames() {
        let prefix = String(repeating: "a", count: DomainTable<Int>.inlineCapacity)
        var table = DomainTable<Int>(expected: 2)
        #expect(table.insert(prefix + ".one.test", 1) == nil)
        #expect(table.insert(prefix + ".two.test", 2) == nil)
        #expect(table.insert(prefix + ".one.test", 3) == 1)  // present: nothing changes

        #expect(table.value(for: Substring(prefix + ".one.test")) == 1)
        #expect(table.value(for: Substring(prefix + ".two.test")) == 2)
        #expect(table.value(for: Substring(prefix + ".three.test")) == nil)
        #expect(table.value(for: Substring(prefix)) == nil)
    }

    @Test("a name is found by the hash-and-bytes lookup the prefetching walk uses")
    func lookupByHash() {
        var table = DomainTable<Int>(expected: 100)
        for n in 0..<100 { #expect(table.insert("org-\(n).test", n) == nil) }
        for n in 0..<120 {
            var name = "org-\(n).test"
            let found = name.withUTF8 { bytes in
                let hash = DomainTable<Int>.hash(bytes)
                table.prefetch(hash: hash)
                return table.value(for: bytes, hash: hash)
            }
            #expect(found == (n < 100 ? n : nil))
        }
        #expect(table.count == 100)
    }
}
