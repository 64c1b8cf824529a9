import Foundation
import FlowEngine
import Testing
import Directory

/// One configuration that must be rejected: which rule fires, what it says, and where.
struct Rejection: Sendable, CustomTestStringConvertible {
    var name: String
    var json: String
    var rule: String
    var message: String
    /// The text the diagnostic must point at (its first character), and which occurrence of it.
    var marker: String
    var occurrence: Int = 1
    var suggestion: String? = nil
    var severity: Diagnostic.Severity = .error

    var testDescription: String { name }
}

let rejections: [Rejection] = [
    Rejection(
        name: "syntax error", json: #"{"levels": [}"#, rule: "invalid-json",
        message: "unexpected character '}'; expected a value", marker: "}"),
    Rejection(
        name: "root is not an object", json: "[]", rule: "wrong-type",
        message: "the configuration must be an object, not array", marker: "["),
    Rejection(
        name: "section is not an array",
        json: #"""
            {
              "apps": {}
            }
            """#,
        rule: "wrong-type", message: "'apps' must be an array, not object", marker: "{}"),
    Rejection(
        name: "field of the wrong type",
        json: #"""
            {"organizations": [
              {"id": "acme", "name": 42}
            ]}
            """#,
        rule: "wrong-type", message: "'name' in organization 'acme' must be a string, not the number 42", marker: "42"),
    Rejection(
        name: "level_mapping value that is not a string",
        json: #"""
            {"connections": [{"id": "okta", "kind": "saml", "display_name": "Okta",
                              "level_mapping": {"urn:x": 2}}]}
            """#,
        rule: "wrong-type", message: "'urn:x' in 'level_mapping' of connection 'okta' must be a string", marker: "2}"),
    Rejection(
        name: "settings that are not an object",
        json: #"{"connections": [{"id": "okta", "kind": "oidc", "display_name": "Okta", "settings": []}]}"#,
        rule: "wrong-type", message: "'settings' in connection 'okta' must be an object, not array", marker: "[]"),
    Rejection(
        name: "methods that are not combinations",
        json: #"{"levels": [{"name": "loa1", "methods": ["pwd"]}]}"#,
        rule: "wrong-type", message: "'methods' in level 'loa1' must be an array of method combinations", marker: #""pwd""#),
    Rejection(
        name: "missing required field",
        json: #"""
            {"apps": [
              {"id": "console", "name": "Console"}
            ]}
            """#,
        rule: "missing-field", message: "app 'console' is missing the required field 'flow'", marker: #"{"id""#),
    Rejection(
        name: "unknown field", json: #"{"organizations": [{"id": "acme", "name": "Acme", "parnet": "x"}]}"#,
        rule: "unknown-field", message: "unknown field 'parnet' in organization 'acme'", marker: #""parnet""#,
        suggestion: "did you mean 'parent'?"),
    Rejection(
        name: "unknown top-level field", json: #"{"level": []}"#, rule: "unknown-field",
        message: "unknown field 'level' in the configuration", marker: #""level""#, suggestion: "did you mean 'levels'?"),
    Rejection(
        name: "unknown connection kind",
        json: #"{"connections": [{"id": "okta", "kind": "sml", "display_name": "Okta"}]}"#, rule: "invalid-value",
        message: "'sml' is not a valid kind for connection 'okta'", marker: #""sml""#, suggestion: "did you mean 'saml'?"),
    Rejection(
        name: "initiate_login_uri that is not https",
        json: #"{"apps": [{"id": "console", "name": "Console", "client": {"initiate_login_uri": "javascript:alert(1)"}}]}"#,
        rule: "invalid-value", message: "'initiate_login_uri' in the client settings of", marker: #""javascript:alert(1)""#),
    Rejection(
        name: "unknown organization status",
        json: #"{"organizations": [{"id": "acme", "name": "Acme", "status": "paused"}]}"#, rule: "invalid-value",
        message: "'paused' is not a valid status for organization 'acme'", marker: #""paused""#),
    Rejection(
        name: "unknown user status",
        json: #"{"users": [{"id": "u1", "email": "a@acme.test", "status": "locked"}]}"#, rule: "invalid-value",
        message: "'locked' is not a valid status for user 'u1'", marker: #""locked""#),
    Rejection(
        name: "level without method combinations", json: #"{"levels": [{"name": "loa1", "methods": []}]}"#,
        rule: "invalid-value", message: "level 'loa1' lists no method combinations, so no login can reach it", marker: "[]"),
    Rejection(
        name: "empty method combination", json: #"{"levels": [{"name": "loa1", "methods": [["pwd"], []]}]}"#,
        rule: "invalid-value", message: "level 'loa1' has an empty method combination, which every login would meet",
        marker: "[]"),
    Rejection(
        name: "invalid id", json: #"{"organizations": [{"id": "acme corp", "name": "Acme"}]}"#, rule: "invalid-id",
        message: "'acme corp' is not a valid organization id", marker: #""acme corp""#),
    Rejection(
        name: "invalid flow id", json: #"{"apps": [{"id": "console", "name": "Console", "flow": "../etc/passwd"}]}"#,
        rule: "invalid-id", message: "'../etc/passwd' is not a valid flow id", marker: #""../etc"#),
    Rejection(
        name: "duplicate organization id",
        json: #"""
            {"organizations": [
              {"id": "acme", "name": "Acme"},
              {"id": "acme", "name": "Acme again"}
            ]}
            """#,
        rule: "duplicate-id", message: "organization 'acme' is defined twice (first at 2:10)", marker: #""acme""#, occurrence: 2),
    Rejection(
        name: "duplicate level name",
        json: #"{"levels": [{"name": "loa1", "methods": [["pwd"]]}, {"name": "loa1", "methods": [["otp"]]}]}"#,
        rule: "duplicate-id", message: "level 'loa1' is defined twice", marker: #""loa1""#, occurrence: 2),
    Rejection(
        name: "unknown parent",
        json: #"""
            {"organizations": [
              {"id": "provider", "name": "Provider"},
              {"id": "acme", "name": "Acme", "parent": "provder"}
            ]}
            """#,
        rule: "unknown-organization", message: "organization 'acme': parent 'provder' is not a defined organization",
        marker: #""provder""#, suggestion: "did you mean 'provider'?"),
    Rejection(
        name: "unknown organization connection",
        json: #"{"organizations": [{"id": "acme", "name": "Acme", "connection": "okta"}]}"#, rule: "unknown-connection",
        message: "organization 'acme': connection 'okta' is not a defined connection", marker: #""okta""#),
    Rejection(
        name: "unknown organization required level",
        json: #"{"levels": [{"name": "loa1", "methods": [["pwd"]]}], "organizations": [{"id": "acme", "name": "Acme", "required_level": "loa2"}]}"#,
        rule: "unknown-level", message: "organization 'acme': required_level 'loa2' is not a defined level", marker: #""loa2""#,
        suggestion: "did you mean 'loa1'?"),
    Rejection(
        name: "unknown app required level",
        json: #"{"apps": [{"id": "console", "name": "Console", "flow": "f", "required_level": "loa3"}]}"#, rule: "unknown-level",
        message: "app 'console': required_level 'loa3' is not a defined level", marker: #""loa3""#),
    Rejection(
        name: "unknown level in a connection's level mapping",
        json: #"{"connections": [{"id": "okta", "kind": "oidc", "display_name": "Okta", "level_mapping": {"phr": "loa9"}}]}"#,
        rule: "unknown-level", message: "connection 'okta': level_mapping value 'loa9' is not a defined level", marker: #""loa9""#),
    Rejection(
        name: "unknown membership organization",
        json: #"{"organizations": [{"id": "acme", "name": "Acme"}], "users": [{"id": "u1", "email": "a@acme.test", "memberships": [{"org": "acne"}]}]}"#,
        rule: "unknown-organization", message: "user 'u1': membership org 'acne' is not a defined organization",
        marker: #""acne""#, suggestion: "did you mean 'acme'?"),
    Rejection(
        name: "unknown allowed organization",
        json: #"{"apps": [{"id": "console", "name": "Console", "flow": "f", "allowed_orgs": ["ghost"]}]}"#,
        rule: "unknown-organization", message: "app 'console': allowed_orgs entry 'ghost' is not a defined organization",
        marker: #""ghost""#),
    Rejection(
        name: "flow override for an unknown app",
        json: #"{"apps": [{"id": "console", "name": "Console", "flow": "f"}], "organizations": [{"id": "acme", "name": "Acme", "flows": {"consol": "strict"}}]}"#,
        rule: "unknown-app", message: "organization 'acme': flows key 'consol' is not a defined app", marker: #""consol""#,
        suggestion: "did you mean 'console'?"),
    Rejection(
        name: "parent cycle",
        json: #"""
            {"organizations": [
              {"id": "a", "name": "A", "parent": "b"},
              {"id": "b", "name": "B", "parent": "a"}
            ]}
            """#,
        rule: "parent-cycle", message: "organization parents form a cycle: 'a' > 'b' > 'a'", marker: #""b""#),
    Rejection(
        name: "organization that is its own parent", json: #"{"organizations": [{"id": "a", "name": "A", "parent": "a"}]}"#,
        rule: "parent-cycle", message: "organization 'a' is its own parent", marker: #""a"}"#),
    Rejection(
        name: "domain claimed twice by one organization",
        json: #"""
            {"organizations": [{"id": "acme", "name": "Acme", "domains": [
              {"domain": "Acme.test", "verified": true, "verified_at": "2026-01-01T00:00:00Z"},
              {"domain": "acme.test."}
            ]}]}
            """#,
        rule: "duplicate-domain", message: "organization 'acme' claims 'acme.test' twice (first at 2:14)", marker: #""acme.test.""#),
    Rejection(
        name: "domain with an empty label",
        json: #"{"organizations": [{"id": "acme", "name": "Acme", "domains": [{"domain": "acme..test"}]}]}"#,
        rule: "invalid-domain", message: "'acme..test' has an empty label", marker: #""acme..test""#),
    Rejection(
        name: "domain with a space",
        json: #"{"organizations": [{"id": "acme", "name": "Acme", "domains": [{"domain": "ac me.test"}]}]}"#,
        rule: "invalid-domain", message: "contains ' ', which is not allowed in a domain name", marker: #""ac me"#),
    Rejection(
        name: "single-label domain",
        json: #"{"organizations": [{"id": "acme", "name": "Acme", "domains": [{"domain": "localhost"}]}]}"#,
        rule: "invalid-domain", message: "'localhost' in organization 'acme' is a single label", marker: #""localhost""#),
    Rejection(
        name: "domain label over 63 octets",
        json: #"{"organizations": [{"id": "acme", "name": "Acme", "domains": [{"domain": "\#(String(repeating: "a", count: 64)).test"}]}]}"#,
        rule: "invalid-domain", message: "is 64 octets long; the limit is 63", marker: #""aaaa"#),
    Rejection(
        name: "domain over 253 octets",
        json: #"{"organizations": [{"id": "acme", "name": "Acme", "domains": [{"domain": "\#(Array(repeating: String(repeating: "a", count: 60), count: 5).joined(separator: ".")).test"}]}]}"#,
        rule: "invalid-domain", message: "is 309 octets long; the limit is 253", marker: #""aaaa"#),
    Rejection(
        name: "invalid verification date",
        json: #"{"organizations": [{"id": "acme", "name": "Acme", "domains": [{"domain": "acme.test", "verified": true, "verified_at": "yesterday"}]}]}"#,
        rule: "invalid-date", message: "'yesterday' in organization 'acme' is not an RFC 3339 date-time", marker: #""yesterday""#),
    Rejection(
        name: "email without @", json: #"{"users": [{"id": "u1", "email": "alice.acme.test"}]}"#, rule: "invalid-email",
        message: "'alice.acme.test' in user 'u1' is not a valid email address: the address has no '@'", marker: #""alice"#),
    Rejection(
        name: "email with an empty local part", json: #"{"users": [{"id": "u1", "email": "@acme.test"}]}"#, rule: "invalid-email",
        message: "the part before '@' is empty", marker: #""@acme"#),
    Rejection(
        name: "email with an invalid domain", json: #"{"users": [{"id": "u1", "email": "alice@acme..test"}]}"#,
        rule: "invalid-email", message: "the domain is invalid: 'acme..test' has an empty label", marker: #""alice"#),
    Rejection(
        name: "email used twice",
        json: #"""
            {"users": [
              {"id": "u1", "email": "alice@acme.test"},
              {"id": "u2", "email": "Alice@ACME.test"}
            ]}
            """#,
        rule: "duplicate-email", message: "user 'u2' has the email 'Alice@ACME.test', already used by another user at 2:25",
        marker: #""Alice@"#),
    Rejection(
        name: "membership listed twice",
        json: #"{"organizations": [{"id": "acme", "name": "Acme"}], "users": [{"id": "u1", "email": "a@acme.test", "memberships": [{"org": "acme"}, {"org": "acme", "roles": ["admin"]}]}]}"#,
        rule: "duplicate-membership", message: "user 'u1' is a member of 'acme' twice", marker: #""acme""#, occurrence: 3),
    Rejection(
        name: "relative redirect URI", json: #"{"apps": [{"id": "console", "name": "Console", "flow": "f", "redirect_uris": ["/cb"]}]}"#,
        rule: "invalid-redirect-uri", message: "redirect URI '/cb' in app 'console' must be an absolute URI without a fragment",
        marker: #""/cb""#),
    Rejection(
        name: "redirect URI with a fragment",
        json: #"{"apps": [{"id": "console", "name": "Console", "flow": "f", "redirect_uris": ["https://app.test/cb#x"]}]}"#,
        rule: "invalid-redirect-uri", message: "redirect URI 'https://app.test/cb#x'", marker: #""https"#),
    Rejection(
        name: "logo that is not an http URL",
        json: #"{"organizations": [{"id": "acme", "name": "Acme", "branding": {"logo_url": "ftp://files.acme.test/logo.png"}}]}"#,
        rule: "invalid-url", message: "logo_url 'ftp://files.acme.test/logo.png' in organization 'acme' is not an absolute http(s) URL",
        marker: #""ftp"#),
    Rejection(
        name: "colour that is not hex",
        json: #"{"organizations": [{"id": "acme", "name": "Acme", "branding": {"primary_color": "blue"}}]}"#,
        rule: "invalid-color", message: "primary_color 'blue' in organization 'acme' is not '#rgb' or '#rrggbb'", marker: #""blue""#),
    Rejection(
        name: "unregistered method (warning)", json: #"{"levels": [{"name": "loa2", "methods": [["pwd", "opt"]]}]}"#,
        rule: "unknown-method", message: "'opt' in level 'loa2' is not a registered amr value (RFC 8176)", marker: #""opt""#,
        suggestion: "did you mean 'otp'?", severity: .warning),
    Rejection(
        name: "verified claim without a date (warning)",
        json: #"{"organizations": [{"id": "acme", "name": "Acme", "domains": [{"domain": "acme.test", "verified": true}]}]}"#,
        rule: "undated-verification", message: "the verified claim on 'acme.test' in organization 'acme' has no verified_at",
        marker: #"{"domain""#, severity: .warning),
]

@Suite("Configuration loader")
struct ConfigLoaderTests {
    @Test("accepts the documented example and reads every field")
    func acceptsTheDocumentedExample() throws {
        let (loaded, diagnostics) = ConfigLoader.parse(sampleConfigText, file: "directory.json")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let config = try #require(loaded)

        #expect(config.levels.map(\.name) == ["loa1", "loa2"])
        #expect(config.levels[0].description == "one factor")
        #expect(config.levels[1].methods == [["pwd", "otp"], ["fed", "mfa"]])

        let connection = try #require(config.connections.first)
        #expect(connection.kind == .saml)
        #expect(connection.displayName == "Acme Okta")
        #expect(connection.level(for: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport") == "loa1")
        #expect(connection.settings == .object(["metadata_url": .string("https://acme.okta.test/metadata"), "sign_requests": .bool(true)]))

        let acme = try #require(config.organizations.first { $0.id == "acme" })
        #expect(acme.parent == "provider")
        #expect(acme.status == .active)
        #expect(acme.domains == [DomainClaim(domain: "acme.test", verified: true, includeSubdomains: true, verifiedAt: date("2026-01-01T00:00:00Z"))])
        #expect(acme.connection == "acme-okta")
        #expect(acme.requiredLevel == "loa2")
        #expect(acme.flows == ["console": "console-strict"])
        #expect(acme.branding == Branding(displayName: "Acme", logoURL: "https://cdn.acme.test/logo.svg", primaryColor: "#113355", texts: ["login.title": "Welcome to Acme"]))
        let provider = try #require(config.organizations.first { $0.id == "provider" })
        #expect(provider.status == .active && provider.parent == nil && provider.domains.isEmpty)

        #expect(config.apps == [Application(id: "console", name: "SaaS Console", flow: "saas-console", requiredLevel: "loa1", redirectURIs: ["https://app.test/cb"], allowedOrgs: ["acme"])])
        let alice = try #require(config.users.first)
        #expect(alice.email == "alice@acme.test" && alice.name == "Alice" && alice.status == .active)
        #expect(alice.passwordHash?.hasPrefix("$scrypt$") == true && alice.totpSecret == "JBSWY3DPEHPK3PXP")
        #expect(alice.memberships == [Membership(org: "acme", roles: ["admin"])])
        #expect(config.flowsDirectory == "../flows")
    }

    @Test("accepts an empty document: every top-level key is optional")
    func acceptsAnEmptyDocument() {
        let (config, diagnostics) = ConfigLoader.parse("{}", file: "directory.json")
        #expect(config == DirectoryConfig())
        #expect(diagnostics.isEmpty)
    }

    @Test("rejects", arguments: rejections)
    func rejects(_ rejection: Rejection) throws {
        let (config, diagnostics) = ConfigLoader.parse(rejection.json, file: "directory.json")
        let diagnostic = try #require(diagnostics.first { $0.rule == rejection.rule }, "got \(diagnostics)")
        #expect(diagnostic.message.contains(rejection.message), "message was: \(diagnostic.message)")
        #expect(diagnostic.severity == rejection.severity)
        let expected = try #require(position(of: rejection.marker, in: rejection.json, occurrence: rejection.occurrence))
        #expect(diagnostic.location == SourceLocation(file: "directory.json", line: expected.line, column: expected.column))
        if let suggestion = rejection.suggestion { #expect(diagnostic.suggestion == suggestion) }
        if rejection.severity == .error {
            #expect(config == nil)
        } else {
            #expect(config != nil)
            #expect(!diagnostics.hasErrors, "\(diagnostics)")
        }
    }

    @Test("locates a finding by JSON pointer as well as line and column")
    func locatesByPointer() throws {
        let text = #"""
            {"organizations": [
              {"id": "provider", "name": "Provider"},
              {"id": "acme", "name": "Acme", "parent": "provder",
               "domains": [{"domain": "acme.test", "verified": true, "verified_at": "soon"}]}
            ]}
            """#
        let (_, diagnostics) = ConfigLoader.parse(text, file: "dir/config.json")
        let parent = try #require(diagnostics.first { $0.rule == "unknown-organization" })
        #expect(parent.pointer.description == "/organizations/1/parent")
        #expect(parent.description.hasPrefix("dir/config.json:3:44: error: organization 'acme': parent 'provder'"))
        let date = try #require(diagnostics.first { $0.rule == "invalid-date" })
        #expect(date.pointer.description == "/organizations/1/domains/0/verified_at")
    }

    @Test("reports every problem in one run, sorted by position")
    func reportsEveryProblem() {
        let text = #"""
            {"organizations": [
              {"id": "acme", "name": "Acme", "parent": "ghost", "connection": "nowhere"},
              {"id": "acme", "name": 7}
            ],
             "users": [{"id": "u1", "email": "nobody"}]}
            """#
        let (config, diagnostics) = ConfigLoader.parse(text, file: "directory.json")
        #expect(config == nil)
        #expect(diagnostics.map(\.rule) == ["unknown-organization", "unknown-connection", "duplicate-id", "wrong-type", "invalid-email"])
        #expect(diagnostics.map(\.location.line) == [2, 2, 3, 3, 5])
    }

    @Test("rejects a file that is not UTF-8, at the first bad byte")
    func rejectsInvalidUTF8() throws {
        let prefix = #"{"organizations": [{"id": "acme", "name": "Ac"#
        let bytes = Array(prefix.utf8) + [0xFF] + Array(#""}]}"#.utf8)
        let (config, diagnostics) = ConfigLoader.parse(bytes, file: "directory.json")
        #expect(config == nil)
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.rule == "invalid-encoding")
        #expect(diagnostic.location == SourceLocation(file: "directory.json", line: 1, column: prefix.utf8.count + 1))
    }

    @Test("rejects a document over the size limit")
    func rejectsOversizedDocument() throws {
        let (config, diagnostics) = ConfigLoader.parse(#"{"flows_directory": "flows"}"#, file: "directory.json", limits: JSONLimits(maxBytes: 16))
        #expect(config == nil)
        #expect(diagnostics.first?.rule == "invalid-json")
        #expect(diagnostics.first?.message.contains("the limit is 16 bytes") == true)
    }

    @Test("rejects a document nested too deep")
    func rejectsDeepNesting() throws {
        let text = #"{"connections": [{"id": "c", "kind": "oidc", "display_name": "C", "settings": {"a": "# + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}}]}"
        let (config, diagnostics) = ConfigLoader.parse(text, file: "directory.json")
        #expect(config == nil)
        #expect(diagnostics.first?.message.contains("nesting is deeper than 32 levels") == true)
    }
}

@Suite("Loading a configuration file")
struct ConfigFileTests {
    @Test("loads a valid file")
    func loadsAValidFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("directory.json")
        try Data(sampleConfigText.utf8).write(to: URL(fileURLWithPath: path))
        let config = try DirectoryConfig.load(path: path)
        #expect(config.organizations.count == 2)
    }

    @Test("a missing file is a clear error")
    func missingFile() throws {
        let error = #expect(throws: DirectoryError.self) { try DirectoryConfig.load(path: "/nonexistent/directory.json") }
        #expect(error?.code == .fileNotFound)
        #expect(error?.reason == "there is no configuration file at '/nonexistent/directory.json'")
    }

    @Test("a directory is not a configuration file")
    func directoryInsteadOfFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let error = #expect(throws: DirectoryError.self) { try DirectoryConfig.load(path: directory.url.path) }
        #expect(error?.code == .unreadableFile)
    }

    @Test("a file that is not UTF-8 is a clear error with the position")
    func notUTF8() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("latin1.json")
        try Data([0x7B, 0x0A, 0x20, 0x22, 0xE9, 0x22, 0x7D]).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: DirectoryError.self) { try DirectoryConfig.load(path: path) }
        #expect(error?.code == .notUTF8)
        #expect(error?.reason.hasSuffix("is not valid UTF-8: the first invalid byte is at 2:3") == true)
    }

    @Test("a file over 1 MiB is rejected before it is read")
    func tooLarge() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("huge.json")
        try Data(repeating: 0x20, count: (1 << 20) + 1).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: DirectoryError.self) { try DirectoryConfig.load(path: path) }
        #expect(error?.code == .fileTooLarge)
    }

    @Test("an invalid file throws every diagnostic, named by path")
    func invalidFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("directory.json")
        try Data(#"{"apps": [{"id": "console"}]}"#.utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: DirectoryError.self) { try DirectoryConfig.load(path: path) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.diagnostics.map(\.rule) == ["missing-field", "missing-field"])
        #expect(error?.diagnostics.first?.location.file == path)
        #expect(error?.reason.hasSuffix("has 2 errors") == true)
    }
}
