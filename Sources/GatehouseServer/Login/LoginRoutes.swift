import Hummingbird

/// The hosted login pages.
enum LoginRoutes {
    /// Adds `GET /login/{id}` (show) and `POST /login/{id}` (answer).
    static func add(to router: Router<GatehouseRequestContext>, controller: LoginController) {
        router.get("/login/{id}") { request, context in
            try await controller.show(context.parameters.get("id") ?? "", request: request, context: context)
        }
        router.post("/login/{id}") { request, context in
            try await controller.submit(context.parameters.get("id") ?? "", request: request, context: context)
        }
    }
}
