import CPrefetch
import Foundation

/// The hash table behind ``DomainIndex``: normalised domain names to values, built once, then read.
///
/// Open addressing with linear probing over one array of records, each holding the name's hash, up
/// to 48 bytes of the name itself and the value. A hit therefore reads one record (one or two
/// adjacent cache lines) and nothing else: no key string to dereference, no separate value array.
/// With a million domains nothing stays in cache, and on a busy virtual machine one DRAM access
/// costs 250–300 ns, so the number of dependent memory reads is what decides the latency.
///
/// A blocked Bloom filter (one 64-bit word per probe, 3 bits per name, 8–16 bits of filter per name:
/// 1 MiB for a million names) answers most lookups of absent names, such as the parent domains a
/// subdomain address walks through, without touching the records at all. ``prefetch(hash:)`` lets a
/// lookup start the filter word's and the record's cache misses together.
///
/// Hashes come from the standard library's per-process seeded `Hasher`, so addresses typed by an
/// attacker cannot be chosen to collide. Names longer than 48 bytes (rare; the limit is 253) keep
/// their remainder in a side table.
struct DomainTable<Value: Sendable>: Sendable {
    /// Bytes of a name kept inside its record.
    static var inlineCapacity: Int { 48 }

    private typealias InlineName = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    private struct Record: Sendable {
        /// The name's hash; 0 marks an empty record (a real hash of 0 is stored as 1).
        var hash: UInt64
        var name: InlineName
        var value: Value?
        var length: UInt8
    }

    /// At most 60% full, in huge pages (``HugePageBuffer``).
    private var records: HugePageBuffer<Record>
    /// The Bloom filter: bit `h` of word `w` is set for every stored name hashing to them. A power of
    /// two long, in huge pages of its own: it is read by every lookup.
    private var filter: HugePageBuffer<UInt64>
    /// Full names longer than ``inlineCapacity``, by record index.
    private var longNames: [Int: String] = [:]

    /// How many names the table holds.
    private(set) var count = 0

    /// An empty table sized for `expected` names at a load of at most 60%.
    init(expected: Int) {
        let capacity = max(8, expected + expected * 2 / 3 + 1)
        records = HugePageBuffer(repeating: Record(hash: 0, name: (0, 0, 0, 0, 0, 0), value: nil, length: 0), count: capacity)
        filter = HugePageBuffer(repeating: 0, count: Self.powerOfTwo(atLeast: max(1, expected / 8)))
    }

    private static func powerOfTwo(atLeast count: Int) -> Int {
        1 << (Int.bitWidth - (count - 1).leadingZeroBitCount)
    }

    /// Makes `records` and `filter` this table's own before a write (value semantics).
    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&records) { records = HugePageBuffer(copying: records) }
        if !isKnownUniquelyReferenced(&filter) { filter = HugePageBuffer(copying: filter) }
    }

    /// Inserts `value` under `name` unless the name is present.
    /// - Returns: The value already stored under `name`, if there was one (and nothing changed).
    mutating func insert(_ name: String, _ value: Value) -> Value? {
        makeUnique()
        var name = name
        return name.withUTF8 { bytes in
            let hash = Self.hash(bytes)
            let index = position(of: bytes, hash: hash)
            if let existing = records.elements[index].value { return existing }
            var record = Record(hash: hash, name: (0, 0, 0, 0, 0, 0), value: value, length: UInt8(truncatingIfNeeded: bytes.count))
            withUnsafeMutableBytes(of: &record.name) { inline in
                inline.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes).prefix(Self.inlineCapacity)))
            }
            if bytes.count > Self.inlineCapacity { longNames[index] = String(decoding: bytes, as: UTF8.self) }
            records.elements[index] = record
            filter.elements[Self.filterWord(hash, words: filter.elements.count)] |= Self.filterBits(hash)
            count += 1
            precondition(count < records.elements.count, "DomainTable sized for fewer names")  // the init's sizing guarantees room
            return nil
        }
    }

    /// Replaces the value under a name already present.
    mutating func replace(_ name: String, with value: Value) {
        makeUnique()
        var name = name
        name.withUTF8 { bytes in
            let index = position(of: bytes, hash: Self.hash(bytes))
            if records.elements[index].value != nil { records.elements[index].value = value }
        }
    }

    /// The value under `name`, if present. An absent name is usually answered by the filter alone,
    /// which stays in cache, without reading a record.
    func value(for name: Substring) -> Value? {
        var name = name
        return name.withUTF8 { value(for: $0, hash: Self.hash($0)) }
    }

    /// The value under the name `bytes`, whose ``hash(_:)`` is `hash` (computed once, so that a lookup
    /// can ``prefetch(hash:)`` before it probes).
    func value(for bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Value? {
        guard mayContain(hash) else { return nil }
        return records.elements[position(of: bytes, hash: hash)].value
    }

    /// Starts reading what a lookup of a name with this hash waits on, its filter word and its home
    /// record, so that several names' cache misses overlap instead of following one another. Reads
    /// nothing itself and changes nothing.
    func prefetch(hash: UInt64) {
        gatehouse_prefetch(filter.elements.baseAddress! + Self.filterWord(hash, words: filter.elements.count))
        let record = UnsafeRawPointer(records.elements.baseAddress! + homeIndex(hash))
        gatehouse_prefetch(record)
        gatehouse_prefetch(record + 64)
        gatehouse_prefetch(record + MemoryLayout<Record>.size - 1)
    }

    /// Where probing for a hash starts: its high half scaled to the table's size (32 × 32 bits, so
    /// no 128-bit multiply).
    private func homeIndex(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: ((hash >> 32) &* UInt64(records.elements.count)) >> 32)
    }

    /// False when no stored name has this hash; true when one may.
    private func mayContain(_ hash: UInt64) -> Bool {
        let bits = Self.filterBits(hash)
        return filter.elements[Self.filterWord(hash, words: filter.elements.count)] & bits == bits
    }

    /// The record holding `bytes`, or the empty record where it would go.
    private func position(of bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
        let records = records.elements
        var index = homeIndex(hash)
        while true {
            let record = records.baseAddress! + index
            if record.pointee.hash == 0 { return index }
            if record.pointee.hash == hash, Int(record.pointee.length) == bytes.count, matches(record, bytes, at: index) { return index }
            index += 1
            if index == records.count { index = 0 }
        }
    }

    private func matches(_ record: UnsafePointer<Record>, _ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let inlineCount = min(bytes.count, Self.inlineCapacity)
        let prefixEqual = withUnsafeBytes(of: record.pointee.name) { inline in
            inlineCount == 0 || memcmp(inline.baseAddress!, bytes.baseAddress!, inlineCount) == 0
        }
        guard prefixEqual else { return false }
        return bytes.count <= Self.inlineCapacity || longNames[index]?.utf8.elementsEqual(bytes) == true
    }

    /// The filter word for a hash (from its low bits; `words` is a power of two).
    private static func filterWord(_ hash: UInt64, words: Int) -> Int {
        Int(truncatingIfNeeded: hash) & (words - 1)
    }

    /// Three bits of a word, chosen by three 6-bit slices of the hash above the word index (which
    /// uses at most the low 26 bits, for a filter of up to 64 million words).
    private static func filterBits(_ hash: UInt64) -> UInt64 {
        1 << (hash >> 26 & 63) | 1 << (hash >> 32 & 63) | 1 << (hash >> 38 & 63)
    }

    /// A name's hash: the standard library's per-process seeded SipHash, never 0.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        let hash = UInt64(bitPattern: Int64(hasher.finalize()))
        return hash == 0 ? 1 : hash
    }
}
