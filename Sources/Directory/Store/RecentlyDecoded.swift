import Foundation
import Synchronization

/// Values this node decoded from the store or wrote to it lately, each with the stored bytes: a read
/// that returns the same bytes again reuses the value instead of decoding it (a login reads its
/// transaction at every request, a session is read twice per login, a code is read back by the
/// node that issued it).
///
/// Only a shortcut: the store stays the truth. Bytes another node wrote differ, so they are decoded
/// as usual; and since an entry is used only for the very bytes it was remembered with, a writer
/// need not forget it before writing, nor after a failed write. At most ``capacity`` entries, all
/// dropped when that is reached (the store has them all).
public final class RecentlyDecoded<Value: Sendable>: Sendable {
    /// The most entries kept.
    public static var capacity: Int { 4096 }
    private let entries = Mutex<[String: (data: Data, value: Value)]>([:])

    /// An empty cache.
    public init() {}

    /// The value remembered under `key` when `data` are the bytes it was remembered with.
    public func value(_ key: String, storedAs data: Data) -> Value? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.data == data else { return nil }
            return entry.value
        }
    }

    /// Remembers `value` as the one stored under `key` as `data`.
    public func remember(_ value: Value, _ key: String, storedAs data: Data) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = (data, value)
        }
    }

    /// Forgets what is remembered under `key` (the stored entry is being replaced or deleted).
    public func forget(_ key: String) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    /// `value` when remembered with these bytes, else `data` decoded (and remembered); nil when the
    /// bytes do not decode.
    public func value(_ key: String, storedAs data: Data, decode: (Data) throws -> Value) -> Value? {
        if let known = value(key, storedAs: data) { return known }
        guard let decoded = try? decode(data) else { return nil }
        remember(decoded, key, storedAs: data)
        return decoded
    }
}
