import Directory
import Foundation

/// The JSON coders of the records the server keeps in the store's ephemeral entries (sessions, login
/// transactions): keys sorted so equal records are equal bytes; ``RecordEncoder`` writes what
/// `JSONEncoder` would, faster.
enum RecordJSON {
    static let encoder = RecordEncoder()
    static let decoder = JSONDecoder()
}
