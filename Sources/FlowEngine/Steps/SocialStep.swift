/// `social`: authenticates with a social provider preset (Google, Microsoft, GitHub, Apple).
///
/// `connection` names the configured connection; it defaults to the provider's name.
struct SocialStep: StepType {
    static let providers: [ConnectionKind] = ConnectionKind.allCases.filter(\.isSocial)

    static let spec = StepSpec(
        type: "social", summary: "Authenticates with a social provider preset (google, microsoft, github, apple).",
        outcomes: [.success, .failure],
        fields: [
            FieldSpec("provider", .oneOf(providers.map(\.rawValue)), required: true, "The provider preset."),
            FieldSpec("connection", .string, "The connection id (default: the provider's name)."),
        ],
        interactive: true)

    var provider: ConnectionKind = .google
    var connection: ConnectionID = "google"

    init(reading reader: inout ObjectReader) {
        let name = reader.choice("provider", among: Self.providers.map(\.rawValue), required: true)
        provider = name.flatMap(ConnectionKind.init(rawValue:)) ?? .google
        connection = ConnectionID(reader.string("connection") ?? provider.rawValue)
    }

    func enter(_ context: inout StepContext) -> StepDirective {
        federation(&context, connection: connection, kind: provider)
    }

    func resume(_ context: inout StepContext, with event: FlowEvent) -> StepDirective {
        absorbUpstream(&context, event)
    }
}
