import ArgumentParser
import Authenticators
import Foundation
import GatehouseServer

#if canImport(Glibc)
import Glibc
#endif

/// `gatehouse serve`: runs the HTTP server (the OpenID Connect provider, hosted login pages, SSO
/// sessions, health and metrics) until SIGINT or SIGTERM.
///
/// `--demo` needs no configuration: an embedded SQLite file `gatehouse-demo.sqlite` loaded from
/// `config/gatehouse.json`, the flows in `flows/`, 127.0.0.1:8080, the `/demo` client app, and a
/// key-encryption key made on first run and kept beside the database (`gatehouse-demo.sqlite-kek`).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP server (OpenID Connect provider, login pages, SSO, health, metrics).",
        discussion: """
            Settings come from --config (JSON), then GATEHOUSE_* environment variables, then these options.
            The signing keys are sealed with GATEHOUSE_KEK (openssl rand -base64 32), which must be set
            except with --demo. Try it with --demo, then open http://127.0.0.1:8080/demo.
            """)

    @Option(help: "Server configuration (JSON).")
    var config: String?

    @Flag(help: "Run the self-contained demo (embedded SQLite, config/gatehouse.json, flows/, the /demo app).")
    var demo = false

    @Option(help: "The address to bind.")
    var host: String?

    @Option(help: "The port to bind.")
    var port: Int?

    @Option(help: "The SQLite database file.")
    var database: String?

    func run() async throws {
        var settings: ServerConfiguration
        do {
            settings = try ServerConfiguration.load(path: config)
        } catch {
            printError(error.description)
            throw ExitStatus.usage
        }
        var environment = ServerEnvironment()
        environment.extensions = [OIDCEndpoints(), FederationEndpoints()]
        if demo {
            settings.demo = true
            settings.databasePath = database ?? "gatehouse-demo.sqlite"
            settings.directoryConfigPath = settings.directoryConfigPath ?? "config/gatehouse.json"
            settings.flowsDirectory = settings.flowsDirectory ?? "flows"
            // config/gatehouse.json registers `console` as a confidential client with this demo secret.
            settings.demoClientSecret = settings.demoClientSecret ?? "console-demo-secret"
            settings.host = host ?? "127.0.0.1"
            settings.port = port ?? 8080
            settings.issuer = "http://\(settings.host == "::1" ? "[::1]" : settings.host):\(settings.port)"
            // The demo has no mail relay: email codes are printed here.
            environment.outbox = TerminalOutbox()
            if settings.keyEncryptionKey == nil {
                do {
                    settings.keyEncryptionKey = try Self.demoKeyEncryptionKey(file: settings.databasePath + "-kek")
                } catch {
                    printError("cannot read or create the demo key-encryption key: \(error)")
                    throw ExitStatus.usage
                }
            }
        } else {
            settings.host = host ?? settings.host
            settings.port = port ?? settings.port
            settings.databasePath = database ?? settings.databasePath
        }
        do {
            try settings.validate()
        } catch {
            printError(error.description)
            throw ExitStatus.usage
        }
        let (demo, final) = (self.demo, settings)
        let scheme = final.tlsCertificatePath == nil ? "http" : "https"
        do {
            try await runServer(configuration: final, environment: environment) {
                print("Gatehouse is listening on \(scheme)://\(final.host):\(final.port) (issuer \(final.issuer)).")
                if demo { Self.printDemoHelp(final) }
                fflush(nil)  // every stream: the banner shows up at once even when stdout is a pipe
            }
        } catch let error as ServerConfigurationError {
            printError(error.description)
            throw ExitStatus.usage
        }
    }

    /// The demo's key-encryption key: read from `file`, or made and written there (mode 0600) on first run.
    /// Outside the demo the operator gives the key (`GATEHOUSE_KEK`), never a file next to the database.
    static func demoKeyEncryptionKey(file: String) throws -> [UInt8] {
        if let text = try? String(contentsOfFile: file, encoding: .utf8) {
            guard let key = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), key.count == 32 else {
                throw ServerConfigurationError("\(file) does not hold the base64 of 32 bytes; remove it together with the demo database")
            }
            return Array(key)
        }
        let key = SystemRandom().bytes(32)
        guard FileManager.default.createFile(
            atPath: file, contents: Data(Data(key).base64EncodedString().utf8), attributes: [.posixPermissions: 0o600])
        else { throw ServerConfigurationError("cannot write \(file)") }
        return key
    }

    private static func printDemoHelp(_ settings: ServerConfiguration) {
        print(
            """

            Open \(settings.issuer)/demo and sign in to the demo app (the SaaS console).
            Demo users (directory: \(settings.directoryConfigPath ?? "?"), database: \(settings.databasePath)):
              alice@globex.test     password "correct horse battery staple", then the code from
                                    gatehouse totp code --secret GatehouseDemo0000SecretAlice00001
              bob@globex.test       password "hunter2 but longer", then enroll an authenticator app
              ada@acme.test         signs in at the built-in SAML test IdP (\(settings.issuer)/test-idp/saml)
              nina@northwind.test   signs in at the built-in OIDC test IdP (\(settings.issuer)/test-idp/oidc)
              wesker@umbrella.test  refused: the organization is suspended
            OpenID Connect discovery: \(settings.issuer)/.well-known/openid-configuration
            Health: \(settings.issuer)/healthz   Metrics: \(settings.issuer)/metrics   Sign out: \(settings.issuer)/logout
            Press Ctrl-C to stop.

            """)
    }
}
