import Authenticators
import Directory
import Federation
import FlowEngine
import Foundation
import Login
import Synchronization

/// Replays fixtures offline: an in-memory store, a fixed clock that only `wait` events move, a
/// seeded random source and an outbox, so the same fixture always produces the same transcript.
public struct FixtureRunner: Sendable {
    /// Credential settings (the fixtures' configuration decides password hash costs through its hashes).
    public var settings: CredentialSettings

    /// Creates a runner.
    public init(settings: CredentialSettings = CredentialSettings()) { self.settings = settings }

    /// Replays the fixture at `path`.
    /// - Returns: nil when the file is JSON but not a fixture (no `fixture` member).
    public func run(path: String) async -> FixtureResult? {
        guard let data = FileManager.default.contents(atPath: path) else {
            return FixtureResult(path: path, name: path, failures: ["cannot read \(path)"], transcripts: [])
        }
        let fixture: Fixture
        do {
            guard let decoded = try FixtureError.decode(Array(data), file: path) else { return nil }
            fixture = decoded
        } catch {
            return FixtureResult(path: path, name: path, failures: [error.description], transcripts: [])
        }
        do {
            return try await run(fixture, path: path)
        } catch {
            return FixtureResult(path: path, name: fixture.name, failures: ["\(path): error: \(error)"], transcripts: [])
        }
    }

    /// Replays a decoded fixture; `path` anchors its relative file names.
    public func run(_ fixture: Fixture, path: String) async throws -> FixtureResult {
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ name: String, against base: URL) -> String {
            (name.hasPrefix("/") ? URL(fileURLWithPath: name) : base.appendingPathComponent(name)).standardizedFileURL.path
        }
        let configPath = resolve(fixture.config, against: base)
        let config = try DirectoryConfig.load(path: configPath)
        let flowsPath =
            fixture.flows.map { resolve($0, against: base) }
            ?? resolve(config.flowsDirectory ?? "flows", against: URL(fileURLWithPath: configPath).deletingLastPathComponent())
        let flows = try FlowCatalog.load(directory: flowsPath, config: config)
        let store = MemoryStore()
        try await store.replaceDirectory(with: config)
        let clock = FixtureClock(fixture.clock)
        let directory = Directory(config: config)
        let outbox = MemoryOutbox()
        let random = SeededRandom(seed: fixture.seed)
        let environment = LoginEnvironment(
            directory: directory, store: store, flows: flows, outbox: outbox, clock: { clock.now }, random: random, settings: settings)
        let federation = FederationReplay(
            directory: directory, store: store, random: random, issuer: fixture.federation?.issuer ?? Fixture.FederationSpec.defaultIssuer,
            samlDecryptionKeyPEM: try fixture.federation?.samlDecryptionKey.map { name in
                try String(contentsOfFile: resolve(name, against: base), encoding: .utf8)
            })
        var notes: [String] = []
        for user in fixture.setup?.recoveryCodes ?? [] {
            let codes = try await environment.issueRecoveryCodes(for: UserID(user))
            notes.append("recovery codes of \(user): \(codes.joined(separator: " "))")
        }
        let planner = LoginPlanner(directory: directory, flows: flows)
        var failures: [String] = []
        var transcripts: [Transcript] = []
        var previous: FlowResult?
        for (index, transaction) in fixture.transactions.enumerated() {
            let label = fixture.transactions.count > 1 ? "transaction \(index + 1): " : ""
            var session: SessionContext?
            if transaction.session == "previous" {
                guard let previous, let user = await store.user(id: previous.subject) else {
                    failures.append("\(label)session \"previous\" but the previous transaction did not allow")
                    break
                }
                session = SessionContext(
                    user: try await environment.userContext(user), organization: previous.organization, amr: previous.amr,
                    upstreamLevel: previous.upstreamLevel, upstream: previous.upstream, authTime: clock.now)
            }
            let (request, flow) = try planner.plan(
                app: AppID(transaction.request.app), acrValues: transaction.request.acrValues ?? [],
                loginHint: transaction.request.loginHint, organization: transaction.request.org.map(OrgID.init), session: session)
            let transcript = try await replay(
                transaction, flow: flow, request: request, policy: planner.policy, environment: environment, federation: federation,
                clock: clock)
            transcripts.append(transcript)
            failures += transcript.differences(from: transaction.expect).map { label + $0 }
            if case .finished(.allow(let result)) = transcript.suspension { previous = result }
        }
        for message in await outbox.messages { notes.append("mail to \(message.to): \(message.body)") }
        return FixtureResult(path: path, name: fixture.name, failures: failures, transcripts: transcripts, notes: notes)
    }

    private func replay(
        _ transaction: Fixture.Transaction, flow: CompiledFlow, request: FlowRequest, policy: AssurancePolicy,
        environment: LoginEnvironment, federation: FederationReplay, clock: FixtureClock
    ) async throws -> Transcript {
        // Waits before the first input pass before the transaction starts (time between logins).
        var events = transaction.events[...]
        while case .wait(let seconds)? = events.first {
            clock.advance(by: seconds)
            events = events.dropFirst()
        }
        var machine = FlowMachine(flow: flow, request: request, policy: policy, now: clock.now)
        var transcript = Transcript()
        // When the flow last sent the user to an IdP: an OIDC transaction's creation time.
        var redirectedAt = clock.now
        func record(_ suspension: FlowSuspension) {
            if case .awaitingUpstream = suspension { redirectedAt = clock.now }
            transcript.record(suspension)
        }
        record(try await FlowRunner.advance(&machine, environment: environment))
        for event in events {
            if case .wait(let seconds) = event {
                clock.advance(by: seconds)
                continue
            }
            if case .finished = transcript.suspension {
                transcript.unusedEvents += 1
                continue
            }
            let flowEvent: FlowEvent
            if case .input(let input) = event {
                flowEvent = .input(input)
            } else {
                guard case .awaitingUpstream(let pending) = transcript.suspension else {
                    transcript.unexpectedEvents += 1
                    continue
                }
                guard
                    let response = try await upstreamResponse(
                        event, to: pending, redirectedAt: redirectedAt, federation: federation, transcript: &transcript, now: clock.now)
                else { continue }
                transcript.record(response)
                flowEvent = .upstream(response)
            }
            // Every event is delivered to a machine rebuilt from stored state, as another node would.
            machine = try FlowMachine(
                flow: environment.flows.flow(machine.state.flow), request: request, policy: policy,
                resuming: try JSONDecoder().decode(FlowState.self, from: JSONEncoder().encode(machine.state)))
            record(try await FlowRunner.advance(&machine, with: flowEvent, environment: environment))
        }
        return transcript
    }

    /// The IdP's answer an upstream event stands for: given as it is (`upstream`, `upstream_error`), or
    /// verified from the recorded messages. Nil when the event does not fit; the reason is in the transcript.
    private func upstreamResponse(
        _ event: Fixture.EventSpec, to pending: UpstreamRequest, redirectedAt: Date, federation: FederationReplay,
        transcript: inout Transcript, now: Date
    ) async throws -> UpstreamResponse? {
        let answer: FederationReplay.Answer
        switch event {
        case .input, .wait:
            return nil
        case .upstream(let spec):
            return .authenticated(
                UpstreamIdentity(
                    connection: ConnectionID(spec.connection ?? pending.connection.rawValue), subject: spec.subject, email: spec.email,
                    claims: spec.claims ?? [:], amr: spec.amr ?? [], level: spec.level.map(LevelName.init)))
        case .upstreamError(let reason, let message):
            return .failed(reason: reason, message: message)
        case .samlResponse(let spec):
            answer = try await federation.answer(spec, to: pending, now: now)
        case .oidcResponse(let spec):
            answer = try await federation.answer(spec, to: pending, startedAt: redirectedAt, now: now)
        }
        transcript.problems += answer.problems
        if let note = answer.note { transcript.notes.append(note) }
        return answer.problems.isEmpty ? answer.response : nil
    }
}

/// The replay clock: fixed, moved only by `wait` events.
final class FixtureClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// The outcome of one fixture.
public struct FixtureResult: Sendable {
    /// The fixture file.
    public let path: String
    /// Its name.
    public let name: String
    /// Every difference between expected and actual, one line each; empty when it passed.
    public let failures: [String]
    /// What happened in each transaction.
    public let transcripts: [Transcript]
    /// Test secrets the replay generated from the seed (recovery codes), shown by `--verbose` to fixture authors.
    public var notes: [String] = []

    /// Whether the fixture passed.
    public var passed: Bool { failures.isEmpty }
}
