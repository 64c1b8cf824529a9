import Directory
import FlowEngine
import OIDCProvider

// A login transaction is saved at every step of a login: it writes its JSON itself, as
// ``RecordEncoder`` would write its synthesized `Encodable` form (`LoginTransactionRecordTests`
// compares the two for every stage and phase), and the runner's values inside it write theirs
// (`FlowRecordWriting.swift` in Directory). Members go in the byte order of their keys.

extension LoginTransaction: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("authenticatedNow", authenticatedNow)
            members.write("authorization", authorization)
            members.write("browserBinding", browserBinding)
            members.write("createdAt", createdAt)
            members.write("csrfToken", csrfToken)
            members.write("expiresAt", expiresAt)
            members.write("hostOrganization", hostOrganization)
            members.write("id", id)
            members.write("request", request)
            members.write("sessionID", sessionID)
            members.write("stage", stage)
            members.write("state", state)
        }
    }
}

extension LoginTransaction.Stage: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        switch self {
        case .flow: writer.variant("flow")
        case .pickOrganization(let result, let choices):
            writer.variant("pickOrganization") { values in
                values.write("_0", result)
                values.write("choices", choices)
            }
        case .consent(let result): writer.variant("consent") { $0.write("_0", result) }
        }
    }
}

extension LoginTransactionID: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { $0.write("rawValue", rawValue) }
    }
}
