import AsyncHTTPClient
import Directory
import Foundation
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOHTTP1
import NIOSSL
import Testing

@Suite("HTTPS served by Gatehouse itself (tls_certificate, tls_key)")
struct TLSTests {
    static let openssl = "/usr/bin/openssl"

    /// Makes a self-signed P-256 certificate for `localhost` and 127.0.0.1 with the system's openssl.
    static func selfSignedCertificate(in folder: URL) throws -> (certificate: String, key: String) {
        let certificate = folder.appendingPathComponent("server.crt.pem").path
        let key = folder.appendingPathComponent("server.key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", certificate,
            "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "openssl could not make a certificate")
        return (certificate, key)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: openssl), "needs /usr/bin/openssl"))
    func servesHTTPSWithTheConfiguredCertificate() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (certificate, key) = try Self.selfSignedCertificate(in: folder)
        try await withServer(configure: {
            $0.tlsCertificatePath = certificate
            $0.tlsKeyPath = key
        }) { server in
            let (app, _) = try await server.application()
            try await app.test(.ahc(.https)) { client in
                let port = try #require(client.port)
                // A client that trusts only this certificate, and checks the host name against it.
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .file(certificate)
                let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
                do {
                    let response = try await http.execute(HTTPClientRequest(url: "https://localhost:\(port)/healthz"), timeout: .seconds(10))
                    #expect(response.status == .ok)
                    #expect(String(buffer: try await response.body.collect(upTo: 1024)) == "ok\n")
                    // Reached over https, the answer tells browsers to stay on https.
                    #expect(response.headers.first(name: "Strict-Transport-Security") == "max-age=31536000")
                } catch {
                    try await http.shutdown()
                    throw error
                }
                try await http.shutdown()
            }
        }
    }

    @Test func refusesToStartWithACertificateItCannotRead() async throws {
        try await withServer(configure: {
            $0.tlsCertificatePath = "/nonexistent/server.crt.pem"
            $0.tlsKeyPath = "/nonexistent/server.key.pem"
        }) { server in
            let runtime = try await server.runtime()
            await #expect(throws: ServerConfigurationError.self) { _ = try await buildApplication(runtime: runtime) }
            try await #require(runtime.store as? SQLiteStore).close()
        }
    }
}
