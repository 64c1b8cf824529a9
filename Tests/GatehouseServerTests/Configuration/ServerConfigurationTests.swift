import FlowEngine
import Foundation
import GatehouseServer
import Testing

@Suite("Server configuration: file, environment overrides, checks")
struct ServerConfigurationTests {
    @Test func readsTheFileAndLetsTheEnvironmentOverrideIt() throws {
        let configuration = try ServerConfiguration.parse(
            """
            {"host": "0.0.0.0", "port": 9000, "issuer": "https://login.example.com", "trusted_proxies": ["10.0.0.0/8"],
             "host_organizations": {"Login.Globex.TEST": "globex"}, "demo": true}
            """,
            environment: [
                "GATEHOUSE_PORT": "9443", "GATEHOUSE_TRUSTED_PROXIES": "192.0.2.0/24, 2001:db8::/32",
                "GATEHOUSE_KEK": Data(repeating: 7, count: 32).base64EncodedString(),
            ])
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9443)
        #expect(configuration.issuerIsHTTPS)
        #expect(configuration.trustedProxies.map(\.description) == ["192.0.2.0/24", "2001:db8::/32"])
        #expect(configuration.keyEncryptionKey == [UInt8](repeating: 7, count: 32))
        #expect(configuration.organization(forHost: "login.globex.test:8443") == OrgID("globex"))
        #expect(configuration.demo)
    }

    @Test func readsTheSAMLKeyPairFromTheFileOrTheEnvironment() throws {
        let fromFile = try ServerConfiguration.parse(#"{"saml_sp_key": "/keys/sp.key.pem", "saml_sp_certificate": "/keys/sp.crt.pem"}"#)
        #expect(fromFile.samlKeyPath == "/keys/sp.key.pem")
        #expect(fromFile.samlCertificatePath == "/keys/sp.crt.pem")
        let fromEnvironment = try ServerConfiguration.parse(
            "{}", environment: ["GATEHOUSE_SAML_SP_KEY": "k.pem", "GATEHOUSE_SAML_SP_CERTIFICATE": "c.pem"])
        #expect(fromEnvironment.samlKeyPath == "k.pem")
        #expect(fromEnvironment.samlCertificatePath == "c.pem")
    }

    @Test func rejectsAnUnknownKeyAndSuggestsTheKnownOne() {
        #expect(throws: ServerConfigurationError("unknown key 'trusted_proxy' (did you mean 'trusted_proxies'?)")) {
            try ServerConfiguration.parse(#"{"trusted_proxy": ["10.0.0.0/8"]}"#)
        }
    }

    @Test(arguments: [
        (#"{"port": "8080"}"#, "configuration: 'port' must be an integer"),
        (#"{"trusted_proxies": ["10.0.0.0/33"]}"#, "configuration: trusted_proxies: '10.0.0.0/33' is not an IP address or CIDR block"),
        (
            #"{"issuer": "http://login.example.com"}"#,
            "issuer 'http://login.example.com' must use https unless its host is loopback (OIDC Discovery §3)"
        ),
        (#"{"tls_certificate": "cert.pem"}"#, "tls_certificate and tls_key must be given together"),
        (#"{"saml_sp_key": "sp.key.pem"}"#, "saml_sp_certificate and saml_sp_key must be given together"),
        (#"{"key_encryption_key": "c2hvcnQ="}"#, "configuration: key_encryption_key must be the base64 encoding of exactly 32 bytes"),
    ])
    func rejectsValuesThatCannotWork(json: String, reason: String) {
        #expect(throws: ServerConfigurationError(reason)) { try ServerConfiguration.parse(json) }
    }

    @Test func readsWhetherTheDatabaseIsSharedFromTheFileOrTheEnvironment() throws {
        #expect(try !ServerConfiguration.parse("{}").sharedDatabase)
        #expect(try ServerConfiguration.parse(#"{"shared_database": true}"#).sharedDatabase)
        #expect(try !ServerConfiguration.parse(#"{"shared_database": true}"#, environment: ["GATEHOUSE_SHARED_DATABASE": "false"]).sharedDatabase)
        #expect(try ServerConfiguration.parse("{}", environment: ["GATEHOUSE_SHARED_DATABASE": "yes"]).sharedDatabase)
        #expect(throws: ServerConfigurationError("GATEHOUSE_SHARED_DATABASE='maybe' is not true or false")) {
            try ServerConfiguration.parse("{}", environment: ["GATEHOUSE_SHARED_DATABASE": "maybe"])
        }
    }

    @Test func rejectsAMalformedEnvironmentValue() {
        #expect(throws: ServerConfigurationError("GATEHOUSE_PORT='eighty' is not a number")) {
            try ServerConfiguration.parse("{}", environment: ["GATEHOUSE_PORT": "eighty"])
        }
    }

    @Test func resolvesPathsInAFileRelativeToTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("server.json")
        try Data(#"{"database": "data/gh.sqlite", "flows_directory": "/srv/flows"}"#.utf8).write(to: file)
        let configuration = try ServerConfiguration.load(path: file.path, environment: [:])
        #expect(configuration.databasePath == folder.appendingPathComponent("data/gh.sqlite").standardizedFileURL.path)
        #expect(configuration.flowsDirectory == "/srv/flows")
    }
}

@Suite("IP addresses and CIDR blocks")
struct IPNetworkTests {
    @Test(arguments: [
        ("10.0.0.0/8", "10.200.3.4", true), ("10.0.0.0/8", "11.0.0.1", false), ("192.0.2.7", "192.0.2.7", true),
        ("192.0.2.7", "192.0.2.8", false), ("2001:db8::/32", "2001:db8:1::5", true), ("2001:db8::/32", "2001:db9::1", false),
        ("10.0.0.0/8", "::ffff:10.1.2.3", true), ("::1", "::1", true), ("127.0.0.0/8", "::1", false), ("0.0.0.0/0", "203.0.113.9", true),
    ])
    func containsExactlyTheAddressesOfTheBlock(block: String, address: String, inside: Bool) throws {
        let network = try #require(IPNetwork(block))
        let candidate = try #require(IPAddress(address))
        #expect(network.contains(candidate) == inside)
    }

    @Test(arguments: ["10.0.0.0/-1", "10.0.0.0/33", "::/129", "example.com", "10.0.0", "", "10.0.0.0/8/8"])
    func refusesWhatIsNotABlock(text: String) {
        #expect(IPNetwork(text) == nil)
    }
}
