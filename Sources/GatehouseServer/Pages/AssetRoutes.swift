import Directory
import FlowEngine
import HTTPTypes
import Hummingbird

/// The stylesheet and each organization's colour stylesheet (kept out of the pages so the
/// Content-Security-Policy needs no inline styles).
enum AssetRoutes {
    /// Adds `/static/gatehouse.css` and `/branding/{org}/style.css`.
    static func add(to router: Router<GatehouseRequestContext>, runtime: GatehouseRuntime) {
        let stylesheet = runtime.pages.stylesheet
        router.get("/static/gatehouse.css") { _, _ in
            css(stylesheet)
        }
        router.get("/branding/{org}/style.css") { _, context in
            guard let org = context.parameters.get("org"), runtime.directory.organization(OrgID(org)) != nil else {
                throw HTTPError(.notFound)
            }
            return css(runtime.branding(for: OrgID(org)).css)
        }
    }

    private static func css(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
