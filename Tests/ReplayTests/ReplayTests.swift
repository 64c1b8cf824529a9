import FlowEngine
import Foundation
import Replay
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Writes `text` to a fresh temporary file and returns its path.
func temporaryFile(_ text: String, name: String = "fixture.json") throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-replay-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

let directoryConfig = repositoryRoot.appendingPathComponent("fixtures/directory.json").path

@Suite("Replaying fixtures")
struct ReplayTests {
    @Test func replaysEveryCommittedFixture() async throws {
        let report = await ReplaySession.run(paths: [repositoryRoot.appendingPathComponent("fixtures").path])
        #expect(report.failed == 0, "\(report.text)")
        #expect(report.passed >= 15)
        #expect(report.text.hasSuffix("\(report.passed) passed, 0 failed\n"))
    }

    @Test func replayIsDeterministic() async throws {
        let path = repositoryRoot.appendingPathComponent("fixtures/logins/totp-enrollment.json").path
        let first = try #require(await FixtureRunner().run(path: path))
        let second = try #require(await FixtureRunner().run(path: path))
        #expect(first.passed)
        #expect(first.transcripts.map(\.summary) == second.transcripts.map(\.summary))
        #expect(first.transcripts.map(\.notes) == second.transcripts.map(\.notes))
    }

    @Test func aWrongExpectationFailsWithADiffLine() async throws {
        let path = try temporaryFile(
            """
            {"fixture": 1, "name": "wrong on purpose", "config": "\(directoryConfig)", "clock": "2026-03-02T09:00:00Z",
             "request": {"app": "console"},
             "events": [{"email": "wesker@umbrella.test"}],
             "expect": {"outcome": "allow", "reason": "org_suspended", "steps": ["identify"]}}
            """)
        let report = await ReplaySession.run(paths: [path])
        #expect(report.failed == 1)
        #expect(report.text.contains("FAIL \(path) — wrong on purpose"))
        #expect(report.text.contains(#"outcome: expected "allow", got "deny""#))
        #expect(report.text.contains(#"steps: expected ["identify"], got ["identify","discover","org-suspended"]"#))
        #expect(!report.text.contains("reason:"))
        #expect(report.text.hasSuffix("0 passed, 1 failed\n"))
    }

    @Test func eventsLeftAfterTheEndAreAFailure() async throws {
        let path = try temporaryFile(
            """
            {"fixture": 1, "name": "too many events", "config": "\(directoryConfig)", "clock": "2026-03-02T09:00:00Z",
             "request": {"app": "console"},
             "events": [{"email": "wesker@umbrella.test"}, {"password": "x"}],
             "expect": {"outcome": "deny"}}
            """)
        let result = try #require(await FixtureRunner().run(path: path))
        #expect(result.failures == ["1 event(s) left after the transaction finished"])
    }

    @Test func reportsAMalformedFixtureWithItsLocation() async throws {
        let path = try temporaryFile("{\"fixture\": 1,\n  \"name\": \"x\",\n  \"name\": \"y\"}")
        let result = try #require(await FixtureRunner().run(path: path))
        #expect(result.failures == ["\(path):3:3: error: duplicate key 'name' (first defined at 2:3)"])
    }

    @Test func reportsAMissingFieldWithItsPath() async throws {
        let path = try temporaryFile(
            #"{"fixture": 1, "name": "x", "config": "c.json", "clock": "2026-03-02T09:00:00Z", "request": {"app": "console"}, "expect": {}}"#)
        let result = try #require(await FixtureRunner().run(path: path))
        #expect(result.failures.count == 1)
        #expect(result.failures[0].contains("missing field 'events'"))
    }

    @Test func rejectsAnEventWithTwoActions() async throws {
        let path = try temporaryFile(
            """
            {"fixture": 1, "name": "x", "config": "\(directoryConfig)", "clock": "2026-03-02T09:00:00Z",
             "request": {"app": "console"}, "events": [{"email": "a@b.c", "password": "x"}], "expect": {}}
            """)
        let result = try #require(await FixtureRunner().run(path: path))
        #expect(result.failures.first?.contains("an event has exactly one of") == true)
    }

    @Test func skipsJSONThatIsNotAFixtureInADirectoryButNotWhenNamed() async throws {
        let path = try temporaryFile(#"{"levels": []}"#, name: "config.json")
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let named = await ReplaySession.run(paths: [path])
        #expect(named.text.contains("not a fixture"))
        #expect(named.failed == 1)
        let scanned = await ReplaySession.run(paths: [folder])
        #expect(scanned.failed == 0 && scanned.passed == 0)
    }

    @Test func reportsAMissingPath() async {
        let report = await ReplaySession.run(paths: ["/nonexistent/fixtures"])
        #expect(report.failed == 1)
        #expect(report.text.contains("ERROR /nonexistent/fixtures"))
    }
}
