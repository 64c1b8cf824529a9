import Hummingbird
import ServiceLifecycle

/// A module of routes that plugs into the server: the OAuth endpoints, federation callbacks, the
/// admin API. It may replace login hooks and add routes; it may not change the middleware.
///
/// ```swift
/// struct OIDCEndpoints: GatehouseExtension {
///     func configure(hooks: inout LoginHooks, runtime: GatehouseRuntime) async throws {
///         hooks.onAuthenticated = { authorization, session, request in
///             try await issueCode(for: authorization, session: session)   // 302 to the redirect_uri
///         }
///     }
///     func addRoutes(to router: Router<GatehouseRequestContext>, login: LoginController, runtime: GatehouseRuntime) async throws {
///         router.get("/authorize") { request, context in
///             let authorization = try validate(request)          // OAuthError on bad input
///             return try await login.begin(authorizationRequest: authorization, request: request, context: context)
///         }
///     }
/// }
/// ```
public protocol GatehouseExtension: Sendable {
    /// Replaces the login hooks it implements; called once at startup, before any route exists.
    func configure(hooks: inout LoginHooks, runtime: GatehouseRuntime) async throws
    /// Adds its routes; `login` is the controller built with the final hooks.
    func addRoutes(to router: Router<GatehouseRequestContext>, login: LoginController, runtime: GatehouseRuntime) async throws
    /// Background work that runs as long as the server (key maintenance, refreshes); asked once, after
    /// ``addRoutes(to:login:runtime:)``. Each service ends at graceful shutdown.
    func services(runtime: GatehouseRuntime) -> [any Service]
}

extension GatehouseExtension {
    /// Keeps the hooks as they are.
    public func configure(hooks: inout LoginHooks, runtime: GatehouseRuntime) async throws {}
    /// Adds no routes.
    public func addRoutes(to router: Router<GatehouseRequestContext>, login: LoginController, runtime: GatehouseRuntime) async throws {}
    /// Runs nothing in the background.
    public func services(runtime: GatehouseRuntime) -> [any Service] { [] }
}
