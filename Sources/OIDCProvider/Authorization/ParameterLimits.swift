/// The largest value, in UTF-8 bytes, each authorization request parameter may have, and how many
/// parameters a request may carry (DESIGN.md §9: limits on every external input).
///
/// A value over its limit is refused with `invalid_request`; for `client_id` and `redirect_uri` the
/// refusal is an error page, as for any other problem with those two.
public struct ParameterLimits: Sendable, Hashable {
    /// `client_id`.
    public var clientID = 256
    /// `redirect_uri`.
    public var redirectURI = 2_048
    /// `scope`.
    public var scope = 1_024
    /// `state` (returned to the client as given).
    public var state = 2_048
    /// `nonce`.
    public var nonce = 512
    /// `code_challenge` (an S256 challenge is exactly 43 characters).
    public var codeChallenge = 128
    /// `login_hint` (an email address is at most 254).
    public var loginHint = 512
    /// `acr_values`.
    public var acrValues = 512
    /// `organization`.
    public var organization = 256
    /// Short enumerated values: `response_type`, `response_mode`, `prompt`, `max_age`, `code_challenge_method`.
    public var keyword = 128
    /// Any other parameter (`ui_locales`, `display`, `id_token_hint`, `claims`…), accepted and ignored.
    public var other = 4_096
    /// How many distinct parameter names a request may have.
    public var parameterCount = 40

    /// The defaults above.
    public static let `default` = ParameterLimits()

    /// Creates the default limits; change single fields to tune them.
    public init() {}
}
