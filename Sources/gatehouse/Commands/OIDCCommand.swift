import ArgumentParser
import Federation
import Foundation

/// `gatehouse oidc`: check what an OpenID Connect provider sends.
struct OIDCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oidc", abstract: "Check OpenID Connect ID tokens.", subcommands: [VerifyIDToken.self])

    /// `gatehouse oidc verify-id-token TOKEN --jwks FILE --issuer ISS --audience AUD [--nonce N] [--now ISO8601]`
    struct VerifyIDToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-id-token",
            abstract: "Verify an ID token as a login would (OIDC Core §3.1.3.7); print the verdict as JSON.",
            discussion: """
                Without --nonce the nonce check is skipped and the verdict is not valid: a login never accepts a token without its nonce.
                Exit status: 0 valid, 1 rejected, 2 unreadable file, bad JWKS or bad date.
                """)

        @Argument(help: "The ID token (compact JWS), a file holding it, or - for standard input.")
        var token: String

        @Option(help: "The provider's JWKS (JSON file, {\"keys\": [...]}).")
        var jwks: String

        @Option(help: "The expected issuer (iss); {tenantid} makes it a Microsoft tenant template.")
        var issuer: String

        @Option(help: "Our client_id (the expected aud).")
        var audience: String

        @Option(help: "The nonce the authorization request carried.")
        var nonce: String?

        @Option(help: "The time to check exp/iat/nbf against (ISO 8601 or seconds since 1970; default now).")
        var now: String?

        func run() async throws {
            let text = token == "-" || FileManager.default.fileExists(atPath: token) ? try readMessage(token) : token
            let keys = try readFile(jwks)
            let time = try parseNow(now)
            let verdict: IDTokenVerdict
            do {
                verdict = try await IDTokenInspection.verify(
                    token: text, jwks: keys, issuer: issuer, audience: audience, nonce: nonce, now: time)
            } catch {
                let reason = (error as? FederationError).map { "\($0.code): \($0.reason)" } ?? "\(error)"
                printError("error: \(reason)")
                throw ExitCode(DiagnosticExitStatus.usage.rawValue)
            }
            let report = VerdictReport(verdict)
            print(report.json)
            if report.exitStatus != .valid { throw ExitCode(report.exitStatus.rawValue) }
        }
    }
}
