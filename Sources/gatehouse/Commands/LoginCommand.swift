import ArgumentParser
import Authenticators
import Directory
import FlowEngine
import Foundation
import Login

#if canImport(Glibc)
import Glibc
#endif

/// `gatehouse login`: runs an app's login flow in the terminal against the embedded SQLite store.
///
/// The quickest way to see a flow work: the same runner, environment and store the server uses,
/// with the terminal in place of the hosted pages.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Log in to an app in the terminal (embedded SQLite store, demo configuration).")

    @Option(help: "The app to log in to.")
    var app: String = "console"

    @Option(help: "Directory configuration, imported when the database is new.")
    var config: String = "config/gatehouse.json"

    @Option(help: "The SQLite database file.")
    var database: String = "gatehouse.sqlite"

    @Option(help: "Requested levels (acr_values), space-separated.")
    var acr: String = ""

    @Option(help: "An email the app already knows (login_hint).")
    var loginHint: String?

    @Option(help: "An organization hint.")
    var org: String?

    func run() async throws {
        let (configuration, diagnostics) = try loadConfig(config)
        diagnostics.forEach { printError($0.description) }
        guard var directoryConfig = configuration else { throw ExitStatus.usage }
        let isNew = !FileManager.default.fileExists(atPath: database)
        let store = try await SQLiteStore.open(path: database, sharing: .shared)
        if isNew {
            try await store.replaceDirectory(with: directoryConfig)
            print("Created \(database) from \(config).")
        } else {
            directoryConfig = try await store.loadDirectory().with(flowsDirectory: directoryConfig.flowsDirectory)
        }
        let flowsPath = URL(fileURLWithPath: config).deletingLastPathComponent()
            .appendingPathComponent(directoryConfig.flowsDirectory ?? "flows").standardizedFileURL.path
        let directory = Directory(config: directoryConfig)
        let flows = try FlowCatalog.load(directory: flowsPath, config: directoryConfig)
        let outbox = TerminalOutbox()
        let environment = LoginEnvironment(
            directory: directory, store: store, flows: flows, outbox: outbox, clock: { Date() }, random: SystemRandom())
        let planner = LoginPlanner(directory: directory, flows: flows)
        let (request, flow) = try planner.plan(
            app: AppID(app), acrValues: acr.split(separator: " ").map(String.init), loginHint: loginHint,
            organization: org.map(OrgID.init))
        print("Logging in to '\(app)' with flow '\(flow.id)'. Type 'cancel' at any prompt to give up.\n")
        var machine = FlowMachine(flow: flow, request: request, policy: planner.policy, now: Date())
        var suspension = try await FlowRunner.advance(&machine, environment: environment)
        while true {
            switch suspension {
            case .awaitingInput(let prompt):
                suspension = try await FlowRunner.advance(&machine, with: .input(ask(prompt)), environment: environment)
            case .awaitingUpstream(let upstream):
                print("This flow sends you to the identity provider '\(upstream.connection)'; federation needs the HTTP server.")
                suspension = try await FlowRunner.advance(
                    &machine, with: .upstream(.failed(reason: "unavailable", message: "no browser in the terminal")),
                    environment: environment)
            case .finished(.allow(let result)):
                print("\nSigned in as \(result.email) (\(result.subject))")
                print("  organization: \(result.organization.map { $0.path.map(\.rawValue).joined(separator: " > ") } ?? "none")")
                print("  roles: \(result.roles.joined(separator: ", "))")
                print("  acr: \(result.acr?.rawValue ?? "none")   amr: \(result.amr.joined(separator: " "))")
                print("  steps: \(result.steps.map(\.rawValue).joined(separator: " → "))")
                try await store.close()
                return
            case .finished(.deny(let denial)):
                print("\nDenied (\(denial.reason)): \(denial.message)")
                try await store.close()
                throw ExitStatus.rejected
            }
        }
    }

    private func ask(_ prompt: Prompt) -> UserInput {
        switch prompt.error {
        case .invalidEmail?: print("That is not an email address.")
        case .invalidCredentials(let left)?: print("That was not right. \(left) tries left.")
        case .codeAlreadyUsed?: print("That code was already used; wait for the next one.")
        case .unexpectedInput?, nil: break
        }
        let answer: String?
        switch prompt.kind {
        case .email: answer = read("Email: ")
        case .password(let email): answer = read("Password for \(email): ", secret: true)
        case .totp: answer = read("Code from your authenticator app: ")
        case .totpEnrollment(let offer):
            print("Add this account to your authenticator app:\n  \(offer.uri.value)\n  or type the key: \(offer.manualKey.value)")
            answer = read("Code shown by the app: ")
        case .emailOTP(let sentTo): answer = read("Code sent to \(sentTo): ")
        case .recoveryCode: answer = read("Recovery code: ")
        }
        guard let answer, answer != "cancel" else { return .cancel }
        switch prompt.kind {
        case .email: return .email(answer)
        case .password: return .password(Secret(answer))
        default: return .code(Secret(answer))
        }
    }

    private func read(_ label: String, secret: Bool = false) -> String? {
        #if canImport(Glibc)
        if secret, isatty(0) == 1, let pointer = getpass(label) { return String(cString: pointer) }
        #endif
        print(label, terminator: "")
        return readLine(strippingNewline: true)
    }
}

/// Prints email codes to the terminal (the demo has no mail server).
struct TerminalOutbox: Outbox {
    func send(_ message: EmailMessage) async {
        print("\n[mail to \(message.to)] \(message.subject): \(message.body)\n")
    }
}

extension DirectoryConfig {
    fileprivate func with(flowsDirectory: String?) -> DirectoryConfig {
        var copy = self
        copy.flowsDirectory = copy.flowsDirectory ?? flowsDirectory
        return copy
    }
}
