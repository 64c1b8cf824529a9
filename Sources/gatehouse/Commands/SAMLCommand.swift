import ArgumentParser
import Federation
import FlowEngine
import Foundation

/// `gatehouse saml`: check SAML Responses, read any SAML message, and exchange metadata with IdPs.
///
/// The logic is in Federation (``SAMLDiagnostics``, ``SAMLServiceProviderMetadata``,
/// ``SAMLIdPMetadata``); these commands read files and print.
struct SAMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saml", abstract: "Verify and inspect SAML messages; export SP metadata, import IdP metadata.",
        subcommands: [Verify.self, Inspect.self, Metadata.self, ImportMetadata.self])

    /// `gatehouse saml verify RESPONSE --idp-metadata FILE --sp-entity-id ID --acs-url URL …`
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a SAML Response as the ACS would; print the verdict as JSON.",
            discussion: "Exit status: 0 valid, 1 rejected, 2 unreadable file, bad metadata or bad date.")

        @Argument(help: "File with the Response (XML, base64, or a SAMLResponse=… form body); - for standard input.")
        var response: String

        @OptionGroup var checks: SAMLCheckOptions

        func run() async throws {
            let input = try readMessage(response)
            let setup = try checks.setup(required: true)!
            let report: VerdictReport
            do {
                report = try await SAMLDiagnostics.verify(input, setup: setup)
            } catch {
                printError("error: \(error.code): \(error.reason)")
                throw ExitCode(DiagnosticExitStatus.usage.rawValue)
            }
            print(report.json)
            if report.exitStatus != .valid { throw ExitCode(report.exitStatus.rawValue) }
        }
    }

    /// `gatehouse saml inspect MESSAGE [--idp-metadata FILE --sp-entity-id ID --acs-url URL …]`
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode and pretty-print any SAML message; with IdP metadata and SP values, explain every check of a Response.",
            discussion: """
                MESSAGE is a file holding raw XML, base64 (HTTP-POST), DEFLATE+base64 (HTTP-Redirect), a whole redirect URL \
                or a form body; - reads standard input. Nothing is consumed: the replay check is skipped.
                Exit status: 0 decoded (and accepted, when checked), 1 undecodable or rejected, 2 unreadable file, bad metadata or bad date.
                """)

        @Argument(help: "File with the SAML message; - for standard input.")
        var message: String

        @OptionGroup var checks: SAMLCheckOptions

        @Flag(help: "Leave the decoded XML out of the report.")
        var noXML = false

        func run() async throws {
            let input = try readMessage(message)
            let setup = try checks.setup(required: false)
            let report: SAMLMessageReport
            do {
                report = try SAMLDiagnostics.inspect(input, setup: setup)
            } catch {
                printError("error: \(error.code): \(error.reason)")
                throw ExitCode(DiagnosticExitStatus.usage.rawValue)
            }
            print(report.text(includeXML: !noXML), terminator: "")
            if report.exitStatus != .valid { throw ExitCode(report.exitStatus.rawValue) }
        }
    }

    /// `gatehouse saml metadata --entity-id ID --acs-url URL --cert FILE [--encryption-cert FILE]`
    struct Metadata: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print Gatehouse's SP metadata for one connection, for the customer's IdP administrator.")

        @Option(help: "Our SP entityID for the connection.")
        var entityID: String

        @Option(help: "Our AssertionConsumerService URL (HTTP-POST).")
        var acsURL: String

        @Option(help: "Certificate (PEM) of the key that signs AuthnRequests; repeat during a rollover.")
        var cert: [String]

        @Option(help: "Certificate (PEM) the IdP may encrypt assertions for; omit when the connection has no decryption key.")
        var encryptionCert: [String] = []

        @Option(help: "A NameIDFormat to list (repeatable).")
        var nameIDFormat: [String] = []

        @Flag(help: "Say that AuthnRequests are signed (AuthnRequestsSigned=\"true\").")
        var signAuthnRequests = false

        @Flag(inversion: .prefixedNo, help: "Ask for signed assertions (WantAssertionsSigned).")
        var wantAssertionsSigned = true

        func run() async throws {
            let metadata = SAMLServiceProviderMetadata(
                entityID: entityID, assertionConsumerServiceURL: acsURL, signingCertificates: try cert.map(readText),
                encryptionCertificates: try encryptionCert.map(readText), authnRequestsSigned: signAuthnRequests,
                wantAssertionsSigned: wantAssertionsSigned, nameIDFormats: nameIDFormat)
            do {
                print(try metadata.xml(), terminator: "")
            } catch {
                printError("error: \(error.reason)")
                throw ExitCode(DiagnosticExitStatus.usage.rawValue)
            }
        }
    }

    /// `gatehouse saml import-metadata FILE [--entity-id ID] [--signing-cert FILE]`
    struct ImportMetadata: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-metadata",
            abstract: "Read an IdP's SAML metadata and print the connection settings it gives (JSON).",
            discussion: "Exit status: 0 imported, 1 the metadata is not usable, 2 unreadable file or bad option.")

        @Argument(help: "The IdP metadata file; - for standard input.")
        var file: String

        @Option(help: "The IdP entityID to take (required when the file describes several IdPs).")
        var entityID: String?

        @Option(help: "Certificate (PEM) that must have signed the metadata (repeatable).")
        var signingCert: [String] = []

        @Option(help: "The binding to send AuthnRequests with when the IdP offers both: redirect or post.")
        var binding: String = "redirect"

        @Option(help: "The time to check validUntil against (ISO 8601; default now).")
        var now: String?

        func run() async throws {
            guard let preferred = ["redirect": SAMLBinding.httpRedirect, "post": .httpPOST][binding] else {
                printError("error: --binding must be redirect or post")
                throw ExitCode(DiagnosticExitStatus.usage.rawValue)
            }
            let bytes = try readFile(file)
            let time = try parseNow(now)
            let certificates = try signingCert.map(readText)
            let policy: SAMLMetadataPolicy
            do {
                policy = try SAMLMetadataPolicy(entityID: entityID, signingCertificates: certificates)
            } catch {
                printError("error: \(error.reason)")
                throw ExitCode(DiagnosticExitStatus.usage.rawValue)
            }
            do {
                let metadata = try SAMLIdPMetadata(parsing: bytes, policy: policy, now: time)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(try metadata.settings(preferring: preferred)), as: UTF8.self))
                for warning in metadata.warnings { printError("warning: \(warning)") }
                for signature in metadata.verifiedSignatures {
                    printError("note: signature on \(signature.element) verified with signing certificate \(signature.certificateIndex + 1)")
                }
                if let validUntil = metadata.validUntil { printError("note: the metadata is valid until \(validUntil.formatted(.iso8601))") }
            } catch let error as FederationError {
                printError("error: \(error.code): \(error.reason)")
                throw ExitCode(DiagnosticExitStatus.rejected.rawValue)
            }
        }
    }
}

/// The IdP and SP values `saml verify` and `saml inspect` check a Response against.
struct SAMLCheckOptions: ParsableArguments {
    @Option(help: "The IdP's SAML metadata (XML file).")
    var idpMetadata: String?

    @Option(help: "The IdP entityID to take from the metadata (when it describes several).")
    var idpEntityID: String?

    @Option(help: "Certificate (PEM) that must have signed the metadata (repeatable).")
    var metadataSigningCert: [String] = []

    @Option(help: "Our SP entityID (the required Audience).")
    var spEntityID: String?

    @Option(help: "Our AssertionConsumerService URL (the required Destination and Recipient).")
    var acsURL: String?

    @Option(help: "The ID of the AuthnRequest the Response must answer.")
    var inResponseTo: String?

    @Option(help: "The time to check against (ISO 8601, e.g. 2026-03-02T09:00:00Z; default now).")
    var now: String?

    @Option(help: "Our private key (PEM), to decrypt an EncryptedAssertion.")
    var spKey: String?

    @Flag(help: "Accept a Response without InResponseTo (IdP-initiated).")
    var allowUnsolicited = false

    @Flag(help: "Accept RSA-SHA1 signatures.")
    var allowSHA1 = false

    @Flag(help: "Require the Assertion itself to be signed.")
    var wantAssertionsSigned = false

    @Option(help: "Map an AuthnContextClassRef to a level: CLASSREF=LEVEL (repeatable).")
    var level: [String] = []

    /// The setup, or nil when no checking value was given and `required` is false.
    /// - Throws: `ExitCode(2)` after printing why, for a missing value, an unreadable file or a bad date.
    func setup(required: Bool) throws -> SAMLDiagnosticSetup? {
        let given = [idpMetadata, spEntityID, acsURL]
        if !required && given.allSatisfy({ $0 == nil }) { return nil }
        guard let idpMetadata, let spEntityID, let acsURL else {
            printError("error: --idp-metadata, --sp-entity-id and --acs-url are needed to check a Response")
            throw ExitCode(DiagnosticExitStatus.usage.rawValue)
        }
        var mapping: [String: LevelName] = [:]
        for entry in level {
            guard let equals = entry.lastIndex(of: "="), equals != entry.startIndex, entry.index(after: equals) != entry.endIndex else {
                printError("error: --level '\(entry)' is not CLASSREF=LEVEL")
                throw ExitCode(DiagnosticExitStatus.usage.rawValue)
            }
            mapping[String(entry[..<equals])] = LevelName(String(entry[entry.index(after: equals)...]))
        }
        return SAMLDiagnosticSetup(
            idpMetadata: try readFile(idpMetadata), idpEntityID: idpEntityID,
            metadataSigningCertificates: try metadataSigningCert.map(readText), spEntityID: spEntityID,
            assertionConsumerServiceURL: acsURL, inResponseTo: inResponseTo, now: try parseNow(now),
            spKeyPEM: try spKey.map(readText), allowUnsolicited: allowUnsolicited, allowSHA1: allowSHA1,
            wantAssertionsSigned: wantAssertionsSigned, levelMapping: mapping)
    }
}

/// The largest input file read: 16 MiB (the checks apply their own, smaller limits).
private let maximumInputBytes = 16 << 20

/// The bytes of `path`, or of standard input for `-`.
/// - Throws: `ExitCode(2)` after printing why, when it cannot be read or is too large.
func readFile(_ path: String) throws -> [UInt8] {
    let data: Data?
    if path == "-" {
        data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
        data = FileManager.default.contents(atPath: path)
    }
    guard let data else {
        printError("error: cannot read \(path)")
        throw ExitCode(DiagnosticExitStatus.usage.rawValue)
    }
    guard data.count <= maximumInputBytes else {
        printError("error: \(path) is \(data.count) bytes; at most \(maximumInputBytes) are read")
        throw ExitCode(DiagnosticExitStatus.usage.rawValue)
    }
    return Array(data)
}

/// The text of `path` (UTF-8), or of standard input for `-`.
/// - Throws: As ``readFile(_:)``.
func readMessage(_ path: String) throws -> String {
    String(decoding: try readFile(path), as: UTF8.self)
}

/// The text of the file `path` (a certificate or key).
/// - Throws: `ExitCode(2)` after printing why.
func readText(_ path: String) throws -> String {
    guard path != "-" else {
        printError("error: a certificate or key must be a file, not standard input")
        throw ExitCode(DiagnosticExitStatus.usage.rawValue)
    }
    return try readMessage(path)
}

/// `--now`, or the current time when it is absent.
/// - Throws: `ExitCode(2)` after printing why, when it is not ISO 8601 or seconds since the epoch.
func parseNow(_ text: String?) throws -> Date {
    guard let text else { return Date() }
    guard let date = IDTokenInspection.parseTime(text) else {
        printError("error: --now '\(text)' is not an ISO 8601 date-time (2026-03-02T09:00:00Z) or seconds since 1970")
        throw ExitCode(DiagnosticExitStatus.usage.rawValue)
    }
    return date
}
