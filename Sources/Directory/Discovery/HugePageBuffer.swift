#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed-size buffer of elements in memory of its own, aligned to 2 MiB and (on Linux) marked for
/// transparent huge pages before it is first touched, so that random reads anywhere in it go through
/// one TLB entry per 2 MiB instead of one per 4 KiB. On a virtual machine a TLB miss walks two sets
/// of page tables, which for a lookup table of a million domains costs more than the cache miss itself.
///
/// A class, so ``DomainTable`` keeps value semantics by copying it before a write when it is shared.
final class HugePageBuffer<Element>: @unchecked Sendable {
    /// The elements; valid for the buffer's lifetime.
    let elements: UnsafeMutableBufferPointer<Element>
    private let mapping: UnsafeMutableRawBufferPointer

    private static var hugePage: Int { 2 << 20 }

    /// `count` copies of `value`.
    convenience init(repeating value: Element, count: Int) {
        self.init(count: count) { $0.initialize(repeating: value) }
    }

    /// A copy of `other`'s elements in a buffer of their own.
    convenience init(copying other: HugePageBuffer<Element>) {
        self.init(count: other.elements.count) { _ = $0.initialize(fromContentsOf: other.elements) }
    }

    /// Maps room for `count` elements, then lets `initialize` fill every one of them.
    private init(count: Int, initialize: (UnsafeMutableBufferPointer<Element>) -> Void) {
        precondition(count > 0, "HugePageBuffer needs at least one element")
        let bytes = MemoryLayout<Element>.stride * count
        let length = bytes + Self.hugePage
        guard let base = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), base != MAP_FAILED else {
            fatalError("HugePageBuffer: mmap of \(length) bytes failed (errno \(errno))")
        }
        mapping = UnsafeMutableRawBufferPointer(start: base, count: length)
        let aligned = (Int(bitPattern: base) + Self.hugePage - 1) & ~(Self.hugePage - 1)
        let start = UnsafeMutableRawPointer(bitPattern: aligned)!
        #if os(Linux)
        // Whole huge pages (the mapping has room after the aligned start), before they are first touched.
        let advised = (bytes + Self.hugePage - 1) & ~(Self.hugePage - 1)
        _ = madvise(start, advised, MADV_HUGEPAGE)
        #endif
        elements = UnsafeMutableBufferPointer(start: start.bindMemory(to: Element.self, capacity: count), count: count)
        initialize(elements)
    }

    deinit {
        elements.deinitialize()
        munmap(mapping.baseAddress, mapping.count)
    }
}
