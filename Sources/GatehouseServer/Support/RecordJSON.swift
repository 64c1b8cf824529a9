import Foundation

/// The JSON coders of the records the server keeps in the store's ephemeral entries (sessions, login
/// transactions): made once, keys sorted so equal records are equal bytes.
enum RecordJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()
    static let decoder = JSONDecoder()
}
