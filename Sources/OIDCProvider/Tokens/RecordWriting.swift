import Directory
import FlowEngine

// The records every login writes (a code at /authorize; a grant and its tokens at /token) write their
// JSON themselves, as ``RecordEncoder`` would write their `Encodable` form (`RecordWritingTests`
// compares the two). Members go in the byte order of their keys.

extension AuthorizationRequest: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("acrValues", acrValues)
            members.write("clientID", clientID)
            members.write("codeChallenge", codeChallenge)
            members.write("initiateLoginURI", initiateLoginURI)
            members.write("loginHint", loginHint)
            members.write("maxAge", maxAge)
            members.write("nonce", nonce)
            members.write("organizationHint", organizationHint)
            members.write("prompt", prompt)
            members.write("redirectURI", redirectURI)
            members.write("responseMode", responseMode)
            members.write("scopes", scopes)
            members.write("state", state)
        }
    }
}

extension AuthenticatedSession: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("acr", acr)
            members.write("amr", amr)
            members.write("authTime", authTime)
            members.write("claims", claims)
            members.write("email", email)
            members.write("emailVerified", emailVerified)
            members.write("name", name)
            members.write("organization", organization)
            members.write("roles", roles)
            members.write("sid", sid)
            members.write("upstream", upstream)
            members.write("upstreamLevel", upstreamLevel)
            members.write("user", user)
        }
    }
}

extension CodeRecord: RecordWritable {
    func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("grantID", grantID)
            members.write("issuedAt", issuedAt)
            members.write("request", request)
            members.write("session", session)
            members.write("subject", subject)
        }
    }
}

extension GrantRecord: RecordWritable {
    func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("clientID", clientID)
            members.write("expiresAt", expiresAt)
            members.write("issuedAt", issuedAt)
            members.write("scopes", scopes)
            members.write("session", session)
            members.write("subject", subject)
        }
    }
}

extension AccessTokenRecord: RecordWritable {
    func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("clientID", clientID)
            members.write("expiresAt", expiresAt)
            members.write("grantID", grantID)
            members.write("issuedAt", issuedAt)
            members.write("scopes", scopes)
        }
    }
}

extension RefreshTokenRecord: RecordWritable {
    func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("clientID", clientID)
            members.write("expiresAt", expiresAt)
            members.write("grantExpiresAt", grantExpiresAt)
            members.write("grantID", grantID)
            members.write("issuedAt", issuedAt)
        }
    }
}
