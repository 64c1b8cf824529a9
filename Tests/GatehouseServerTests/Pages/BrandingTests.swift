import Directory
import FlowEngine
import Foundation
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Per-organization branding: applied once the org is known, inherited, validated")
struct BrandingTests {
    /// The provider (root) is branded; globex inherits it; initech has its own.
    static func brand(_ directory: inout DirectoryConfig) {
        for index in directory.organizations.indices {
            switch directory.organizations[index].id {
            case "provider":
                directory.organizations[index].branding = Branding(
                    displayName: "Provider <Cloud>", logoURL: "https://cdn.provider.test/logo.svg", primaryColor: "#0A5",
                    texts: ["password.title": "Your Provider password", "lang": "de"])
            case "initech":
                directory.organizations[index].branding = Branding(displayName: "Initech", primaryColor: "red; } body { display: none")
            default: break
            }
        }
    }

    @Test func appliesTheNearestAncestorsBrandingAfterDiscovery() async throws {
        try await withServer(change: Self.brand) { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                var page = try await browser.authorize()
                // Before discovery: Gatehouse's own look.
                #expect(page.text.contains(#"<p class="brand-name">Gatehouse</p>"#))
                #expect(!page.text.contains("/branding/"))

                page = try await browser.submit(page, [("email", "alice@globex.test")])
                // globex has no branding of its own: the provider's applies, escaped.
                #expect(page.text.contains(#"<img class="logo" src="https://cdn.provider.test/logo.svg" alt="Provider &lt;Cloud&gt;">"#))
                #expect(page.text.contains(#"<link rel="stylesheet" href="/branding/provider/style.css">"#))
                #expect(page.text.contains("<h1>Your Provider password</h1>"))
                #expect(page.text.contains(#"<html lang="de">"#))

                let css = try await browser.get("/branding/provider/style.css")
                #expect(css.headers[.contentType] == "text/css; charset=utf-8")
                #expect(css.text.contains("--gh-primary: #00aa55;"))
            }
        }
    }

    @Test func neverLetsAnInvalidColourReachCSS() async throws {
        try await withServer(change: Self.brand) { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                var page = try await browser.authorize("client_id=console&organization=initech")
                #expect(page.text.contains(#"<p class="brand-name">Initech</p>"#))
                #expect(!page.text.contains("/branding/initech/style.css"))
                page = try await browser.get("/branding/initech/style.css")
                #expect(!page.text.contains("display"))
                #expect(try await browser.get("/branding/nobody/style.css").status == .notFound)
            }
        }
    }

    @Test func brandsTheFirstPageForABrandedHostName() async throws {
        // In-process requests carry the authority "localhost".
        try await withServer(change: Self.brand, configure: { $0.hostOrganizations = ["localhost": "globex"] }) { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                let page = try await browser.authorize()
                #expect(page.text.contains(#"alt="Provider &lt;Cloud&gt;""#))
            }
        }
    }

    @Test(arguments: [("#0A5", "#00aa55"), ("#1f4E8c", "#1f4e8c"), ("red", nil), ("#12345", nil), ("#1234567", nil), ("#ggg", nil), ("#fff;}", nil)])
    func acceptsOnlyHexColours(text: String, css: String?) {
        #expect(PageBranding.validColor(text) == css)
    }
}
