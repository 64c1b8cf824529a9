import Authenticators
import Hummingbird
import Directory
import FlowEngine
import Foundation
import OIDCProvider

/// A server-side SSO session: who is logged in, to which apps, and until when.
public struct SessionRecord: Sendable, Hashable, Codable {
    /// The authentication (subject, organization, `acr`, `amr`, `auth_time`, `sid`).
    public var session: AuthenticatedSession
    /// The apps the user logged in to with this session, in order.
    public var apps: [AppID]
    /// When the session was created.
    public var createdAt: Date
    /// When it was last used for a login.
    public var lastUsedAt: Date
    /// The CSRF token of the logout form.
    public var logoutToken: String

    /// When the session ends: idle timeout after the last use, capped by the absolute timeout.
    public func expiresAt(idle: TimeInterval, absolute: TimeInterval) -> Date {
        min(lastUsedAt.addingTimeInterval(idle), createdAt.addingTimeInterval(absolute))
    }
}

// Saved at every login that makes or renews a session: the record writes its JSON itself, as
// ``RecordEncoder`` would write its synthesized `Encodable` form (`SessionRecordWritingTests`
// compares the two), members in the byte order of their keys.
extension SessionRecord: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("apps", apps)
            members.write("createdAt", createdAt)
            members.write("lastUsedAt", lastUsedAt)
            members.write("logoutToken", logoutToken)
            members.write("session", session)
        }
    }
}

/// SSO sessions in the store's ephemeral entries, found by the session cookie.
///
/// The cookie (`gatehouse_session`) holds 256 random bits; the store keys the record by the cookie's
/// SHA-256, so a copy of the database does not hand out live sessions. A second entry maps the
/// session's `sid` to that key, so a session can be ended by `sid` (back-channel or RP-initiated
/// logout) as well as by cookie. Records expire on their own after the idle or absolute timeout.
public struct SessionStore: Sendable {
    /// The store.
    public let store: any DirectoryStore
    /// Seconds a session survives unused.
    public let idleTimeout: TimeInterval
    /// Seconds a session survives after it was created.
    public let absoluteTimeout: TimeInterval
    /// Where cookies and tokens come from.
    let random: any RandomSource
    /// Records this node wrote or read lately, with their stored bytes (read twice per login).
    private let recent = RecentlyDecoded<SessionRecord>()

    /// How long an SSO login that changes nothing (the session answering an app it already serves)
    /// leaves the session as it is: no write, same cookie. After that the login renews it, which
    /// restarts its idle timeout; so a session in steady use may end up to this much before its idle
    /// timeout counted from its very last use.
    public static let renewalInterval: TimeInterval = 60

    static let namespace = "session"
    static let sidNamespace = "session.sid"
    /// The session cookie's name.
    public static let cookieName = "gatehouse_session"
    static let cookieBytes = 32

    /// Creates a session store.
    public init(store: any DirectoryStore, idleTimeout: TimeInterval, absoluteTimeout: TimeInterval, random: any RandomSource) {
        self.store = store
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
        self.random = random
    }

    /// The live session a cookie names, or nil (no cookie, malformed, unknown or expired).
    public func find(cookie: String?, now: Date) async throws -> SessionRecord? {
        guard let cookie, Tokens.isWellFormed(cookie, byteCount: Self.cookieBytes) else { return nil }
        let key = Tokens.digest(cookie)
        guard let data = try await store.ephemeral(namespace: Self.namespace, key: key, now: now),
            let record = recent.value(key, storedAs: data, decode: { try RecordJSON.decoder.decode(SessionRecord.self, from: $0) }),
            now < record.expiresAt(idle: idleTimeout, absolute: absoluteTimeout)
        else { return nil }
        return record
    }

    /// Stores `record` under a new cookie value and returns it; the previous cookie of the same `sid`
    /// (if any) stops working, so a login always ends with a fresh cookie (no session fixation).
    /// The write is ``Durability/deferred``: a session that a power cut loses only asks its user to
    /// log in again (and, being one atomic write, the previous cookie then still stands as it was).
    /// - Parameters:
    ///   - isNew: The record's `sid` was just made (``newSessionID()``), so no earlier cookie can hold
    ///     it and there is none to look up.
    ///   - also: Other ephemeral writes made in the same atomic store write (the login transaction
    ///     this session ends, say).
    public func save(_ record: SessionRecord, now: Date, isNew: Bool = false, also: [EphemeralWrite] = []) async throws -> String {
        let cookie = Tokens.random(Self.cookieBytes, from: random)
        let key = Tokens.digest(cookie)
        let expiresAt = record.expiresAt(idle: idleTimeout, absolute: absoluteTimeout)
        var writes: [EphemeralWrite] = []
        if !isNew, let previous = try await store.ephemeral(namespace: Self.sidNamespace, key: record.session.sid, now: now) {
            let previousKey = String(decoding: previous, as: UTF8.self)
            recent.forget(previousKey)
            writes.append(.delete(namespace: Self.namespace, key: previousKey))
        }
        let data = try RecordJSON.encoder.encode(record)
        writes.append(.put(namespace: Self.namespace, key: key, value: data, expiresAt: expiresAt))
        writes.append(.put(namespace: Self.sidNamespace, key: record.session.sid, value: Data(key.utf8), expiresAt: expiresAt))
        try await store.writeEphemeral(writes + also, durability: .deferred)
        recent.remember(record, key, storedAs: data)
        return cookie
    }

    /// Ends the session with this `sid` for every app: its record and index are deleted at once, in a
    /// durable write (a logout must survive a power cut). Ending a session that does not exist (any
    /// more) does nothing.
    public func end(sid: String) async throws {
        var writes: [EphemeralWrite] = [.delete(namespace: Self.sidNamespace, key: sid)]
        if let key = try await store.ephemeral(namespace: Self.sidNamespace, key: sid, now: .distantPast) {
            let recordKey = String(decoding: key, as: UTF8.self)
            recent.forget(recordKey)
            writes.insert(.delete(namespace: Self.namespace, key: recordKey), at: 0)
        }
        try await store.writeEphemeral(writes)
    }

    /// A new session id (`sid` claim, OIDC Front/Back-Channel Logout): 128 random bits.
    func newSessionID() -> String { Tokens.random(16, from: random) }

    /// A new logout-form token.
    func newToken() -> String { Tokens.random(32, from: random) }
}

extension SessionStore {
    /// The `Set-Cookie` for a session cookie value: `HttpOnly`, `SameSite=Lax` (sent on the top-level
    /// navigation that brings the user back from an app), `Path=/`, `Secure` when the issuer is https.
    static func cookie(_ value: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: cookieName, value: value, maxAge: max(0, maxAge), path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// The `Set-Cookie` that removes the session cookie from the browser.
    static func expiredCookie(secure: Bool) -> Cookie {
        Cookie(
            name: cookieName, value: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/", secure: secure, httpOnly: true,
            sameSite: .lax)
    }
}
