import Foundation
import FlowEngine
import Directory

/// The configuration documented in `ConfigLoader`, complete and valid.
let sampleConfigText = #"""
{
  "levels": [
    {"name": "loa1", "description": "one factor", "methods": [["pwd"], ["fed"]]},
    {"name": "loa2", "methods": [["pwd", "otp"], ["fed", "mfa"]]}
  ],
  "connections": [
    {"id": "acme-okta", "kind": "saml", "display_name": "Acme Okta",
     "level_mapping": {"urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport": "loa1"},
     "settings": {"metadata_url": "https://acme.okta.test/metadata", "sign_requests": true}}
  ],
  "organizations": [
    {"id": "provider", "name": "Provider"},
    {"id": "acme", "name": "Acme", "parent": "provider", "status": "active",
     "domains": [{"domain": "Acme.TEST.", "verified": true, "include_subdomains": true, "verified_at": "2026-01-01T00:00:00Z"}],
     "connection": "acme-okta", "required_level": "loa2", "flows": {"console": "console-strict"},
     "branding": {"display_name": "Acme", "logo_url": "https://cdn.acme.test/logo.svg", "primary_color": "#113355",
                  "texts": {"login.title": "Welcome to Acme"}}}
  ],
  "apps": [
    {"id": "console", "name": "SaaS Console", "flow": "saas-console", "required_level": "loa1",
     "redirect_uris": ["https://app.test/cb"], "allowed_orgs": ["acme"]}
  ],
  "users": [
    {"id": "u-alice", "email": "alice@acme.test", "name": "Alice", "status": "active",
     "password_hash": "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA", "totp_secret": "JBSWY3DPEHPK3PXP",
     "memberships": [{"org": "acme", "roles": ["admin"]}]}
  ],
  "flows_directory": "../flows"
}
"""#

/// The 1-based line and column (in Unicode scalars, as `JSONParser` counts) where the `occurrence`-th
/// `marker` starts in `text`, so tests assert exact positions without counting by hand.
func position(of marker: String, in text: String, occurrence: Int = 1) -> (line: Int, column: Int)? {
    var searchStart = text.startIndex
    var found: Range<String.Index>?
    for _ in 0..<occurrence {
        guard let range = text.range(of: marker, range: searchStart..<text.endIndex) else { return nil }
        found = range
        searchStart = range.upperBound
    }
    guard let found else { return nil }
    let before = text[..<found.lowerBound]
    let line = before.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    let lineStart = before.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
    return (line, text[lineStart..<found.lowerBound].unicodeScalars.count + 1)
}

/// An ISO 8601 instant.
func date(_ text: String) -> Date {
    (try? Date(text, strategy: .iso8601)) ?? Date(timeIntervalSince1970: 0)
}

/// A unique, empty temporary directory, removed by `cleanUp`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-directory-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }
}
