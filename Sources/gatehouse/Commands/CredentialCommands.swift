import ArgumentParser
import Authenticators
import Foundation

/// `gatehouse password hash`: the scrypt hash of a password, for configuration files.
struct PasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password", abstract: "Password tools.", subcommands: [Hash.self])

    /// `gatehouse password hash [--log-n N]` (reads the password from standard input).
    struct Hash: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a password from standard input and print its scrypt hash for a configuration file.")

        @Option(help: "scrypt cost as log2(N) (default 15).")
        var logN: Int = 15

        func run() async throws {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                printError("error: no password on standard input")
                throw ExitStatus.usage
            }
            do {
                print(try PasswordHasher(cost: ScryptCost(logN: logN)).hash(line, random: SystemRandom()))
            } catch {
                printError("error: \(error.description)")
                throw ExitStatus.usage
            }
        }
    }
}

extension TOTPCommand.Code {
    /// RFC 4648 base32 (spaces and padding ignored) back to the stored secret text.
    static func decodeBase32(_ key: String) -> String? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var buffer = 0
        var bits = 0
        var bytes: [UInt8] = []
        for character in key.uppercased() where character != " " && character != "=" {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = buffer << 5 | value
            bits += 5
            if bits >= 8 {
                bytes.append(UInt8(truncatingIfNeeded: buffer >> (bits - 8)))
                bits -= 8
            }
        }
        return String(bytes: bytes, encoding: .utf8)
    }
}

/// `gatehouse totp code`: the current code of a TOTP secret, for testers writing fixtures.
struct TOTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "totp", abstract: "TOTP tools for testers.", subcommands: [Code.self])

    /// `gatehouse totp code --secret S [--at ISO8601]`
    struct Code: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the RFC 6238 code of a secret at a time.")

        @Option(help: "The secret as stored in the configuration (`totp_secret`).")
        var secret: String?

        @Option(help: "The base32 key an enrollment page shows (spaces allowed), instead of --secret.")
        var key: String?

        @Option(help: "The time (ISO 8601; default now).")
        var at: String?

        func run() async throws {
            var date = Date()
            if let at {
                guard let parsed = ISO8601DateFormatter().date(from: at) else {
                    printError("error: '\(at)' is not an ISO 8601 time such as 2026-01-01T09:00:00Z")
                    throw ExitStatus.usage
                }
                date = parsed
            }
            guard let secret = secret ?? key.flatMap(Self.decodeBase32) else {
                printError("error: give --secret, or --key with a valid base32 key")
                throw ExitStatus.usage
            }
            do {
                print(try TOTPAuthenticator().code(secret: secret, at: date))
            } catch {
                printError("error: \(error.description)")
                throw ExitStatus.usage
            }
        }
    }
}
