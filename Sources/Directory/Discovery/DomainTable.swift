import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The hash table behind ``DomainIndex``: normalised domain names to values, built once, then read.
///
/// Open addressing with linear probing over one array of records, each holding the name's hash, up
/// to 48 bytes of the name itself and the value. A hit therefore reads one record (one or two
/// adjacent cache lines) and nothing else: no key string to dereference, no separate value array.
/// With a million domains nothing stays in cache, and on a busy virtual machine one DRAM access
/// costs 250–300 ns, so the number of dependent memory reads is what decides the latency.
///
/// A blocked Bloom filter (one 64-bit word per probe, 3 bits per name, 8 bits of filter per name:
/// 1 MiB for a million names, so it stays in cache) answers most lookups of absent names, such as
/// the parent domains a subdomain address walks through, without touching the records at all.
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

    private var records: [Record]
    /// The Bloom filter: bit `h` of word `w` is set for every stored name hashing to them.
    private var filter: [UInt64]
    /// Full names longer than ``inlineCapacity``, by record index.
    private var longNames: [Int: String] = [:]

    /// How many names the table holds.
    private(set) var count = 0

    /// An empty table sized for `expected` names at a load of at most 60%.
    init(expected: Int) {
        let capacity = max(8, expected + expected * 2 / 3 + 1)
        records = Self.array(repeating: Record(hash: 0, name: (0, 0, 0, 0, 0, 0), value: nil, length: 0), count: capacity)
        filter = Self.array(repeating: 0, count: max(1, expected / 8))
    }

    /// Inserts `value` under `name` unless the name is present.
    /// - Returns: The value already stored under `name`, if there was one (and nothing changed).
    mutating func insert(_ name: String, _ value: Value) -> Value? {
        var name = name
        return name.withUTF8 { bytes in
            let hash = Self.hash(bytes)
            let index = position(of: bytes, hash: hash)
            if let existing = records[index].value { return existing }
            var record = Record(hash: hash, name: (0, 0, 0, 0, 0, 0), value: value, length: UInt8(truncatingIfNeeded: bytes.count))
            withUnsafeMutableBytes(of: &record.name) { inline in
                inline.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes).prefix(Self.inlineCapacity)))
            }
            if bytes.count > Self.inlineCapacity { longNames[index] = String(decoding: bytes, as: UTF8.self) }
            records[index] = record
            filter[Self.filterWord(hash, words: filter.count)] |= Self.filterBits(hash)
            count += 1
            precondition(count < records.count, "DomainTable sized for fewer names")  // the init's sizing guarantees room
            return nil
        }
    }

    /// Replaces the value under a name already present.
    mutating func replace(_ name: String, with value: Value) {
        var name = name
        name.withUTF8 { bytes in
            let index = position(of: bytes, hash: Self.hash(bytes))
            if records[index].value != nil { records[index].value = value }
        }
    }

    /// The value under `name`, if present. An absent name is usually answered by the filter alone,
    /// which stays in cache, without reading a record.
    func value(for name: Substring) -> Value? {
        var name = name
        return name.withUTF8 { bytes in
            let hash = Self.hash(bytes)
            guard mayContain(hash) else { return nil }
            return records[position(of: bytes, hash: hash)].value
        }
    }

    /// False when no stored name has this hash; true when one may.
    private func mayContain(_ hash: UInt64) -> Bool {
        let bits = Self.filterBits(hash)
        return filter[Self.filterWord(hash, words: filter.count)] & bits == bits
    }

    /// The record holding `bytes`, or the empty record where it would go.
    private func position(of bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
        records.withUnsafeBufferPointer { records in
            var index = Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(records.count)).high)
            while true {
                let record = records.baseAddress! + index
                if record.pointee.hash == 0 { return index }
                if record.pointee.hash == hash, Int(record.pointee.length) == bytes.count, matches(record, bytes, at: index) { return index }
                index += 1
                if index == records.count { index = 0 }
            }
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

    /// The filter word for a hash (from its low half; the record position uses the high bits).
    private static func filterWord(_ hash: UInt64, words: Int) -> Int {
        Int(truncatingIfNeeded: (hash & 0xFFFF_FFFF).multipliedFullWidth(by: UInt64(words) << 32).high)
    }

    /// Three bits of a word, chosen by three 6-bit slices of the hash.
    private static func filterBits(_ hash: UInt64) -> UInt64 {
        1 << (hash >> 32 & 63) | 1 << (hash >> 38 & 63) | 1 << (hash >> 44 & 63)
    }

    /// An array of `count` copies of `value`. A large one is first marked for transparent huge pages
    /// (Linux, where `transparent_hugepage` is `madvise` or `always`): a lookup then reads a record
    /// through one TLB entry per 2 MiB instead of walking the page tables for one per 4 KiB, which
    /// for a table of a million domains is most of a lookup's cost.
    private static func array<Element>(repeating value: Element, count: Int) -> [Element] {
        Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            adviseHugePages(UnsafeMutableRawBufferPointer(buffer))  // before the pages are first touched
            buffer.initialize(repeating: value)
            initialized = count
        }
    }

    /// Asks the kernel to back the whole pages inside `buffer` with huge pages; a hint, which changes no byte.
    private static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        let hugePage = 2 << 20
        guard buffer.count >= 4 * hugePage, let base = buffer.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: base) + page - 1) & ~(page - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(page - 1)
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE)
        #endif
    }

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        let hash = UInt64(bitPattern: Int64(hasher.finalize()))
        return hash == 0 ? 1 : hash
    }
}
