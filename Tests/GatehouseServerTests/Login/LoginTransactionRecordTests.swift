import Directory
import FlowEngine
import Foundation
import OIDCProvider
import Testing
@testable import GatehouseServer

/// A login transaction, and every runner value inside it, writes its JSON itself (``RecordWritable``).
/// It must be, byte for byte, what ``RecordEncoder`` makes of the synthesized `Encodable` form — all
/// the way down, no value inside written directly — and read back as the same value: a transaction
/// that does not is a login lost at its next step.
@Suite("Login transactions written directly")
struct LoginTransactionRecordTests {
    // MARK: The generic path, all the way down

    /// `value` through its `Encodable` form only: every value inside it but the encoder's leaves is
    /// handed to the encoder in a box that is not ``RecordWritable``, so no `writeRecord(to:)` runs
    /// (the encoder writes a writable value directly even deep inside one that is not).
    struct Generic<Value: Encodable>: Encodable {
        let value: Value
        func encode(to encoder: any Encoder) throws { try value.encode(to: HidingEncoder(base: encoder)) }
    }

    /// Whether the encoder writes `value` by its type, without its `encode(to:)` (strings, numbers,
    /// dates, identifiers): those are passed on as they are (a `Date` boxed would lose the date format).
    static func isLeaf(_ value: some Encodable) -> Bool {
        value is String || value is Bool || value is Int || value is Double || value is Date || value is any StringIdentifier
    }

    struct HidingEncoder: Encoder {
        let base: any Encoder
        var codingPath: [any CodingKey] { base.codingPath }
        var userInfo: [CodingUserInfoKey: Any] { base.userInfo }
        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            KeyedEncodingContainer(HidingKeyed(base: base.container(keyedBy: type)))
        }
        func unkeyedContainer() -> any UnkeyedEncodingContainer { HidingUnkeyed(base: base.unkeyedContainer()) }
        func singleValueContainer() -> any SingleValueEncodingContainer { HidingSingle(base: base.singleValueContainer()) }
    }

    struct HidingKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        var base: KeyedEncodingContainer<Key>
        var codingPath: [any CodingKey] { base.codingPath }
        mutating func encodeNil(forKey key: Key) throws { try base.encodeNil(forKey: key) }
        // Witnesses every `encode(_:forKey:)` requirement, the primitive ones too.
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            if isLeaf(value) { try base.encode(value, forKey: key) } else { try base.encode(Generic(value: value), forKey: key) }
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(HidingKeyed<NestedKey>(base: base.nestedContainer(keyedBy: keyType, forKey: key)))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            HidingUnkeyed(base: base.nestedUnkeyedContainer(forKey: key))
        }
        mutating func superEncoder() -> any Encoder { HidingEncoder(base: base.superEncoder()) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { HidingEncoder(base: base.superEncoder(forKey: key)) }
    }

    struct HidingUnkeyed: UnkeyedEncodingContainer {
        var base: any UnkeyedEncodingContainer
        var codingPath: [any CodingKey] { base.codingPath }
        var count: Int { base.count }
        mutating func encodeNil() throws { try base.encodeNil() }
        mutating func encode<T: Encodable>(_ value: T) throws {
            if isLeaf(value) { try base.encode(value) } else { try base.encode(Generic(value: value)) }
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(HidingKeyed<NestedKey>(base: base.nestedContainer(keyedBy: keyType)))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { HidingUnkeyed(base: base.nestedUnkeyedContainer()) }
        mutating func superEncoder() -> any Encoder { HidingEncoder(base: base.superEncoder()) }
    }

    struct HidingSingle: SingleValueEncodingContainer {
        var base: any SingleValueEncodingContainer
        var codingPath: [any CodingKey] { base.codingPath }
        mutating func encodeNil() throws { try base.encodeNil() }
        mutating func encode<T: Encodable>(_ value: T) throws {
            if isLeaf(value) { try base.encode(value) } else { try base.encode(Generic(value: value)) }
        }
    }

    /// Checks `value` both ways, with dates in either format: what it writes is what the generic path
    /// writes, `RecordEncoder` takes the direct path, and `JSONDecoder` reads it back as `value`.
    static func expectSameJSON<Value: RecordWritable & Decodable & Equatable>(
        _ value: Value, foundation: Bool = true, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        for dates in [RecordEncoder.DateFormat.secondsSinceReferenceDate, .secondsSince1970] {
            var writer = RecordWriter(dates: dates)
            value.writeRecord(to: &writer)
            let written = Data(writer.bytes)
            let encoder = RecordEncoder(dates: dates)
            let generic = try encoder.encode(Generic(value: value))
            #expect(String(decoding: written, as: UTF8.self) == String(decoding: generic, as: UTF8.self), sourceLocation: sourceLocation)
            #expect(try encoder.encode(value) == written, sourceLocation: sourceLocation)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = dates == .secondsSince1970 ? .secondsSince1970 : .deferredToDate
            #expect(try decoder.decode(Value.self, from: written) == value, sourceLocation: sourceLocation)
        }
        guard foundation else { return }
        // And what Foundation's encoder means by the same value.
        let foundationEncoder = JSONEncoder()
        foundationEncoder.outputFormatting = .sortedKeys
        #expect(
            try JSONSerialization.jsonObject(with: RecordEncoder().encode(value)) as? NSDictionary
                == JSONSerialization.jsonObject(with: foundationEncoder.encode(value)) as? NSDictionary,
            sourceLocation: sourceLocation)
    }

    // MARK: Values

    /// Quotes, a backslash, control characters, a slash, non-ASCII (2-, 3- and 4-byte UTF-8).
    static let awkward = "Zoë \"Q\" \\ \n\r\t\u{01}\u{1F}/ — 日本 😀"

    static let organization = OrganizationContext(
        id: "org-\"1\"", name: awkward, path: ["provider", "org-\"1\""], connection: ConnectionReference(id: "acme-saml", kind: .saml),
        requiredLevel: "aal2", flowOverrides: ["app-1": "strict", "app-2": "lenient", "äpp": "ß"], suspended: true)
    static let bareOrganization = OrganizationContext(id: "org-2", name: "Plain", path: ["org-2"])

    static let user = UserContext(
        id: "u-42", email: "zoë+\"x\"@example.test", name: awkward, hasTOTP: true, recoveryCodesLeft: 7,
        memberships: ["provider": ["staff"], "org-\"1\"": ["admin", "member", "é"], "acme": [], "globex": ["a\u{01}\\"], "ünïcode": ["😀"]])
    static let bareUser = UserContext(id: "u-1", email: "a@b.test")

    static let upstream = UpstreamLink(connection: "acme-saml", subject: "nameid \"1\" \\ é")

    static let session = SessionContext(
        user: user, organization: organization, amr: ["pwd", "otp", "fed"], upstreamLevel: "aal1", upstream: upstream,
        authTime: Date(timeIntervalSince1970: 1_764_990_000.5))
    static let bareSession = SessionContext(user: bareUser, amr: [], authTime: Date(timeIntervalSince1970: 1_764_990_000))

    static let requests = [
        FlowRequest(
            app: "app-1", requiredLevel: "aal2", loginHint: "zoë@example.test", organization: organization, session: session,
            allowedOrganizations: ["provider", "org-\"1\""]),
        FlowRequest(app: "app-1", organization: bareOrganization, session: bareSession, allowedOrganizations: []),
        FlowRequest(app: "app-\"2\""),
    ]

    static let offer = TOTPEnrollmentOffer(
        uri: Secret("otpauth://totp/Gatehouse:zo%C3%AB?secret=JBSWY3DPEHPK3PXP&issuer=Gatehouse"), manualKey: Secret("JBSW Y3DP EHPK 3PXP"))

    static let result = FlowResult(
        subject: "u-42", email: "zoë@example.test", organization: organization, roles: ["admin", "member", awkward],
        claims: ["department": "R&D", "Éq": "é", "quote\"d": awkward, "a": "", "zone": "eu"], acr: "aal2", amr: ["fed", "otp", "pwd"],
        steps: ["identify", "discover", "password", "totp", "allow"], upstream: upstream, upstreamLevel: "aal1")
    static let bareResult = FlowResult(
        subject: "u-1", email: "a@b.test", organization: nil, roles: [], claims: [:], acr: nil, amr: [], steps: [], upstream: nil, upstreamLevel: nil)

    static let denial = FlowDenial(reason: "access_denied", message: awkward, step: "deny \"now\"", steps: ["identify", "deny \"now\""])
    static let bareDenial = FlowDenial(reason: DenialReason.expired, message: "", step: nil, steps: [])

    static let promptKinds: [PromptKind] = [
        .email, .password(email: "zoë+\"x\"@example.test"), .totp, .totpEnrollment(offer), .emailOTP(sentTo: "z***@exämple.test"), .recoveryCode,
    ]
    static let promptErrors: [PromptError?] = [
        nil, .invalidEmail, .invalidCredentials(attemptsLeft: 2), .invalidCredentials(attemptsLeft: 0), .invalidCredentials(attemptsLeft: -1),
        .codeAlreadyUsed, .unexpectedInput,
    ]
    /// Every kind of prompt with every error, and none.
    static let prompts = promptKinds.flatMap { kind in promptErrors.map { Prompt(step: StepName("step \"\(kind)\""), kind: kind, error: $0) } }

    static let provisions = [
        ProvisionRequest(
            email: "zoë@example.test", organization: "org-\"1\"", create: true, roles: ["member", awkward], claims: ["name": awkward, "given_name": "Zoë"],
            upstream: upstream),
        ProvisionRequest(email: "a@b.test", organization: nil, create: false, roles: [], claims: [:], upstream: nil),
    ]

    /// Every effect.
    static let effects: [FlowEffect] = [
        .discover(email: "zoë@exämple.test"), .verifyPassword(email: "zoë@example.test", password: Secret(awkward)),
        .verifyTOTP(user: "u-42", code: Secret("123456")), .startTOTPEnrollment(user: "u-\"42\""),
        .finishTOTPEnrollment(user: "u-42", code: Secret("654321")), .verifyRecoveryCode(user: "u-42", code: Secret("abcd-efgh")),
        .sendEmailOTP(email: "zoë@example.test"), .verifyEmailOTP(email: "zoë@example.test", code: Secret("\"000000\"")),
    ] + provisions.map { .provision($0) }

    /// An upstream request to a connection of every kind with every field, and one with none.
    static let upstreamRequests =
        ConnectionKind.allCases.map {
            UpstreamRequest(step: "federate", connection: ConnectionID("conn-\($0.rawValue)"), kind: $0, loginHint: "zoë@example.test", requiredLevel: "aal2")
        } + [UpstreamRequest(step: "social \"x\"", connection: "google", kind: nil, loginHint: nil, requiredLevel: nil)]

    static let outcomes: [FlowOutcome] = [.allow(result), .allow(bareResult), .deny(denial), .deny(bareDenial)]

    /// Every case of phase with every value above in it, and no phase.
    static let phases: [FlowState.Phase?] = {
        var phases: [FlowState.Phase?] = [nil]
        phases += prompts.map { .awaitingInput($0) }
        phases += effects.map { .awaitingEffect($0) }
        phases += upstreamRequests.map { .awaitingUpstream($0) }
        phases += [.awaitingFlow("org-\"1\"-flow"), .awaitingFlow("")]
        phases += outcomes.map { .finished($0) }
        return phases
    }()

    static let startedAt = Date(timeIntervalSince1970: 1_765_000_000.25)

    /// A state with only what it starts with, or with every field set.
    static func state(_ phase: FlowState.Phase?, full: Bool) -> FlowState {
        var state = FlowState(flow: "default", step: "identify", startedAt: startedAt)
        state.phase = phase
        guard full else { return state }
        state.flow = "flow \"é\""
        state.step = "totp"
        state.trail = ["identify", "discover", "password", "totp"]
        state.attempts = ["password": 2, "totp": 1, "é \"x\"": 0, "code": 12, "email": -1]
        state.email = "zoë+\"x\"@example.test"
        state.organization = organization
        state.user = user
        state.claims = ["department": "R&D", "Éq": "é", "quote\"d": awkward, "a": "", "zone": "eu"]
        state.amr = ["otp", "pwd"]
        state.upstreamLevel = "aal1"
        state.upstream = upstream
        state.pendingEnrollment = offer
        state.lastPrompt = Prompt(step: "totp", kind: .totpEnrollment(offer), error: .invalidCredentials(attemptsLeft: 3))
        return state
    }

    /// Every stage, with a full and a bare result, and choices and none.
    static let stages: [LoginTransaction.Stage] = [
        .flow, .pickOrganization(result, choices: ["provider", "org-\"1\"", "ünï"]), .pickOrganization(bareResult, choices: []),
        .consent(result), .consent(bareResult),
    ]

    static let authorization = AuthorizationRequest(
        clientID: "app-1", redirectURI: "https://app.test/cb?x=1&y=%20", scopes: ["openid", "email", "offline_access"], state: "st\u{01}ate",
        nonce: "n-\"1\"", codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", prompt: ["login", "consent"], maxAge: 300,
        acrValues: ["aal2"], loginHint: "zoë@example.test", organizationHint: "org-\"1\"", responseMode: "form_post",
        initiateLoginURI: "https://app.test/login")
    static let bareAuthorization = AuthorizationRequest(
        clientID: "app-1", redirectURI: "https://app.test/cb", scopes: ["openid"], state: nil, nonce: nil, codeChallenge: nil)

    /// A transaction with every optional set (and the fullest request), or with none.
    static func transaction(_ stage: LoginTransaction.Stage, _ state: FlowState, full: Bool) -> LoginTransaction {
        LoginTransaction(
            id: LoginTransactionID(trusted: full ? "Zm9vYmFyYmF6cXV4cXV1eA" : "id"), authorization: full ? authorization : bareAuthorization,
            request: full ? requests[0] : requests[2], state: state, stage: stage, csrfToken: full ? "csrf-\"token\"/+=" : "",
            browserBinding: full ? "sha256-\(awkward)" : nil, sessionID: full ? "s-8c7d" : nil, authenticatedNow: full,
            hostOrganization: full ? "org-\"1\"" : nil, createdAt: startedAt, expiresAt: startedAt.addingTimeInterval(600.5))
    }

    // MARK: Tests

    @Test("the generic path runs no writer: a value that writes itself wrongly shows, however deep it is")
    func genericPathIsGeneric() throws {
        /// Writes something else than its `Encodable` form.
        struct Wrong: RecordWritable, Codable, Equatable {
            var text = "right"
            func writeRecord(to writer: inout RecordWriter) { writer.object { $0.write("text", "wrong") } }
        }
        struct Holder: Encodable { var inside: [String: [Wrong]] = ["a": [Wrong()]] }
        let encoder = RecordEncoder()
        #expect(String(decoding: try encoder.encode(Holder()), as: UTF8.self) == #"{"inside":{"a":[{"text":"wrong"}]}}"#)
        #expect(String(decoding: try encoder.encode(Generic(value: Holder())), as: UTF8.self) == #"{"inside":{"a":[{"text":"right"}]}}"#)
        // Dates keep their format on the generic path.
        struct Dated: Encodable { var at = Date(timeIntervalSince1970: 1_000) }
        #expect(String(decoding: try RecordEncoder(dates: .secondsSince1970).encode(Generic(value: Dated())), as: UTF8.self) == #"{"at":1000}"#)
    }

    @Test("the runner's values alone: organizations, users, sessions, requests, offers, results, denials, outcomes")
    func runnerValues() throws {
        try Self.expectSameJSON(Self.organization)
        try Self.expectSameJSON(Self.bareOrganization)
        try Self.expectSameJSON(Self.user)
        try Self.expectSameJSON(Self.bareUser)
        try Self.expectSameJSON(Self.session)
        try Self.expectSameJSON(Self.bareSession)
        for request in Self.requests { try Self.expectSameJSON(request) }
        try Self.expectSameJSON(Self.offer)
        try Self.expectSameJSON(Secret(Self.awkward))
        try Self.expectSameJSON(Self.result)
        try Self.expectSameJSON(Self.bareResult)
        try Self.expectSameJSON(Self.denial)
        try Self.expectSameJSON(Self.bareDenial)
        for outcome in Self.outcomes { try Self.expectSameJSON(outcome) }
        for provision in Self.provisions { try Self.expectSameJSON(provision) }
        for request in Self.upstreamRequests { try Self.expectSameJSON(request) }
        try Self.expectSameJSON(LoginTransactionID(trusted: "Zm9vYmFyYmF6cXV4cXV1eA"))
    }

    @Test("every prompt kind with every error and none")
    func everyPrompt() throws {
        for kind in Self.promptKinds { try Self.expectSameJSON(kind) }
        for error in Self.promptErrors.compactMap(\.self) { try Self.expectSameJSON(error) }
        for prompt in Self.prompts { try Self.expectSameJSON(prompt) }
    }

    @Test("every effect")
    func everyEffect() throws {
        for effect in Self.effects { try Self.expectSameJSON(effect) }
    }

    @Test("every phase, alone, in a bare state and in a state with every field set", arguments: LoginTransactionRecordTests.phases)
    func everyPhase(_ phase: FlowState.Phase?) throws {
        if let phase { try Self.expectSameJSON(phase) }
        try Self.expectSameJSON(Self.state(phase, full: false))
        try Self.expectSameJSON(Self.state(phase, full: true))
    }

    @Test("every stage, alone and in transactions with and without every optional", arguments: LoginTransactionRecordTests.stages)
    func everyStage(_ stage: LoginTransaction.Stage) throws {
        try Self.expectSameJSON(stage)
        for full in [false, true] {
            try Self.expectSameJSON(Self.transaction(stage, Self.state(nil, full: full), full: full))
            try Self.expectSameJSON(Self.transaction(stage, Self.state(nil, full: !full), full: full))
        }
    }

    @Test("whole transactions: every stage with every phase, every optional set and none, every request")
    func wholeTransactions() throws {
        for stage in Self.stages {
            for (index, phase) in Self.phases.enumerated() {
                for full in [false, true] {
                    var transaction = Self.transaction(stage, Self.state(phase, full: full), full: full)
                    try Self.expectSameJSON(transaction, foundation: false)
                    // And with the other requests, in turn.
                    transaction.request = Self.requests[(index + (full ? 1 : 0)) % Self.requests.count]
                    try Self.expectSameJSON(transaction, foundation: false)
                }
            }
        }
    }

    @Test("saving a transaction stores the JSON of the generic path, and another node reads it back")
    func saveStoresTheSameBytes() async throws {
        let store = MemoryStore()
        let transaction = Self.transaction(
            .pickOrganization(Self.result, choices: ["provider"]), Self.state(.awaitingInput(Self.prompts[9]), full: true), full: true)
        try await LoginTransactionStore(store: store).save(transaction)
        let stored = await store.ephemeral(namespace: LoginTransactionStore.namespace, key: transaction.id.rawValue, now: Self.startedAt)
        #expect(stored == (try RecordJSON.encoder.encode(Generic(value: transaction))))
        // Another node: nothing of it in memory.
        guard case .found(let found) = try await LoginTransactionStore(store: store).find(transaction.id, now: Self.startedAt) else {
            Issue.record("the saved transaction is not found")
            return
        }
        #expect(found == transaction)
    }
}
