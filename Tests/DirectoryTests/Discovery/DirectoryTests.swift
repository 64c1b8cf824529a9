import FlowEngine
import Testing
import Directory

@Suite("Directory snapshot")
struct DirectorySnapshotTests {
    let directory: Directory = {
        let (config, diagnostics) = ConfigLoader.parse(sampleConfigText, file: "directory.json")
        precondition(!diagnostics.hasErrors, "\(diagnostics)")
        return Directory(config: config ?? DirectoryConfig())
    }()

    @Test("discovery finds the organization with inherited settings resolved")
    func discoversOrganization() throws {
        let result = try directory.discover(email: "Bob@EU.Acme.test")
        guard case .found(let context) = result else {
            Issue.record("expected an organization, got \(result)")
            return
        }
        #expect(context.id == "acme")
        #expect(context.path == ["provider", "acme"])
        #expect(context.connection == ConnectionReference(id: "acme-okta", kind: .saml))
        #expect(context.requiredLevel == "loa2")
        #expect(context.flowOverrides == ["console": "console-strict"])
        #expect(!context.suspended)
    }

    @Test("discovery reports unknown domains and rejects malformed addresses")
    func unknownAndMalformed() throws {
        #expect(try directory.discover(email: "carol@elsewhere.test") == .unknown)
        #expect(directory.discover(email: try EmailAddress("carol@elsewhere.test")) == .unknown)
        let error = #expect(throws: DirectoryError.self) { try directory.discover(email: "carol-at-acme.test") }
        #expect(error?.code == .invalidEmail)
    }

    @Test("users are found by id and by email ignoring case")
    func findsUsers() throws {
        #expect(directory.user(id: "u-alice")?.name == "Alice")
        #expect(directory.user(email: "ALICE@Acme.Test")?.id == "u-alice")
        #expect(directory.user(email: "mallory@acme.test") == nil)
    }

    @Test("the user context carries memberships and TOTP enrolment")
    func userContext() throws {
        let alice = try #require(directory.user(id: "u-alice"))
        let context = directory.userContext(alice, recoveryCodesLeft: 8)
        #expect(context == UserContext(id: "u-alice", email: "alice@acme.test", name: "Alice", hasTOTP: true, recoveryCodesLeft: 8, memberships: ["acme": ["admin"]]))
        #expect(directory.userContext(alice, hasTOTP: false).hasTOTP == false)
        let merged = directory.userContext(
            UserRecord(id: "u2", email: "u2@acme.test", memberships: [Membership(org: "acme", roles: ["a"]), Membership(org: "acme", roles: ["a", "b"])]))
        #expect(merged.memberships == ["acme": ["a", "b"]])
        #expect(!merged.hasTOTP)
    }

    @Test("lookups by id")
    func lookupsByID() {
        #expect(directory.application("console")?.name == "SaaS Console")
        #expect(directory.connection("acme-okta")?.kind == .saml)
        #expect(directory.organization("provider")?.name == "Provider")
        #expect(directory.context(of: "acme")?.requiredLevel == "loa2")
        #expect(directory.application("ghost") == nil)
    }

    @Test("an organization's flow override replaces the app's flow")
    func flowResolution() {
        #expect(directory.flow(for: "console", org: "acme") == "console-strict")
        #expect(directory.flow(for: "console", org: "provider") == "saas-console")
        #expect(directory.flow(for: "console", org: nil) == "saas-console")
        #expect(directory.flow(for: "ghost", org: "acme") == nil)
    }

    @Test("an app's allowed organizations include everything below them")
    func allowedOrganizations() {
        let directory = Directory(
            config: DirectoryConfig(
                organizations: [
                    Organization(id: "provider", name: "P"), Organization(id: "acme", name: "A", parent: "provider"),
                    Organization(id: "other", name: "O"),
                ],
                apps: [
                    Application(id: "restricted", name: "R", flow: "f", allowedOrgs: ["provider"]),
                    Application(id: "open", name: "O", flow: "f"),
                ]))
        #expect(directory.isAllowed(org: "acme", in: "restricted"))
        #expect(!directory.isAllowed(org: "other", in: "restricted"))
        #expect(directory.isAllowed(org: "other", in: "open"))
        #expect(!directory.isAllowed(org: "acme", in: "ghost"))
    }

    @Test("levels are ranked by position and reached by any full method combination")
    func levels() {
        #expect(directory.rank(of: "loa1") == 0)
        #expect(directory.rank(of: "loa2") == 1)
        #expect(directory.highestLevel(reachedBy: ["pwd"]) == "loa1")
        #expect(directory.highestLevel(reachedBy: ["otp", "pwd"]) == "loa2")
        #expect(directory.highestLevel(reachedBy: ["fed", "mfa"]) == "loa2")
        #expect(directory.highestLevel(reachedBy: ["otp", "mfa"]) == nil)
        #expect(directory.level("loa2", satisfies: "loa1"))
        #expect(!directory.level("loa1", satisfies: "loa2"))
        #expect(!directory.level("loa9", satisfies: "loa1"))
    }
}

@Suite("Assurance levels")
struct AssuranceLevelTests {
    let loa2 = AssuranceLevel(name: "loa2", methods: [["pwd", "otp"], ["fed", "mfa"]])

    @Test("a level is reached when all methods of any one combination were used")
    func reachedByAnyFullCombination() {
        #expect(loa2.isReached(by: ["pwd", "otp"]))
        #expect(loa2.isReached(by: ["otp", "pwd", "hwk"]))
        #expect(loa2.isReached(by: ["fed", "mfa"]))
        #expect(!loa2.isReached(by: ["pwd", "mfa"]))
        #expect(!loa2.isReached(by: []))
        #expect(!AssuranceLevel(name: "odd", methods: [[]]).isReached(by: ["pwd"]))
    }

    @Test("a user record never prints its secrets")
    func userRecordRedactsSecrets() {
        let user = UserRecord(id: "u1", email: "a@acme.test", passwordHash: "$scrypt$secret-hash", totpSecret: "JBSWY3DPEHPK3PXP")
        #expect(!"\(user)".contains("secret-hash"))
        #expect(!"\(user)".contains("JBSWY3DPEHPK3PXP"))
        #expect("\(user)".contains("<redacted>"))
    }
}
