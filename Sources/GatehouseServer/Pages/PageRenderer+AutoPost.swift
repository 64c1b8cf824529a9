import Hummingbird

extension PageRenderer {
    /// The one-line script that submits a self-posting form; the Content-Security-Policy allows it by hash.
    static let autoPostScript = "document.forms[0].submit()"

    /// What a self-posting page carries, for its wording.
    enum AutoPostMessage {
        /// An OAuth `form_post` authorization response, back to the app.
        case authorizationResponse
        /// A SAML message (HTTP-POST binding) between Gatehouse and an IdP.
        case saml
    }

    /// A page whose form posts `fields` to `action` at once (OAuth `form_post` responses, SAML HTTP-POST
    /// binding messages): sent by a script the Content-Security-Policy allows by hash, or by the
    /// user's click when scripts are off. `form-action` is widened to `action`'s origin only.
    func autoPost(
        _ message: AutoPostMessage, to action: String, fields: [(name: String, value: String)], branding: PageBranding = .standard
    ) -> Response {
        var policy = ContentSecurityPolicy.login(redirectURI: action)
        policy.scriptHashes = [ContentSecurityPolicy.hashSource(ofScript: Self.autoPostScript)]
        return render(
            "form-post", titleKey: message == .saml ? "saml_post.title" : "form_post.title",
            values: [
                "action": action, "script": Self.autoPostScript, "saml": message == .saml,
                "fields": fields.map { ["name": $0.name, "value": $0.value] },
            ],
            branding: branding, policy: policy)
    }
}
