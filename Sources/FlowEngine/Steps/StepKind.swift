/// Every step type, decoded: the registry that maps a flow file's `type` to its behaviour.
enum StepKind: Sendable, Hashable {
    case identify(IdentifyStep)
    case discover(DiscoverStep)
    case choice(ChoiceStep)
    case federate(FederateStep)
    case social(SocialStep)
    case password(PasswordStep)
    case totp(TOTPStep)
    case emailOTP(EmailOTPStep)
    case recoveryCode(RecoveryCodeStep)
    case assurance(AssuranceStep)
    case provision(ProvisionStep)
    case allow(AllowStep)
    case deny(DenyStep)

    /// The step types, in the order docs and the schema list them.
    static let types: [any StepType.Type] = [
        IdentifyStep.self, DiscoverStep.self, ChoiceStep.self, FederateStep.self, SocialStep.self, PasswordStep.self,
        TOTPStep.self, EmailOTPStep.self, RecoveryCodeStep.self, AssuranceStep.self, ProvisionStep.self, AllowStep.self,
        DenyStep.self,
    ]

    /// Decodes the step-specific fields of a step of type `type`; nil for an unknown type.
    static func decode(type: String, reader: inout ObjectReader) -> StepKind? {
        switch type {
        case IdentifyStep.spec.type: .identify(IdentifyStep(reading: &reader))
        case DiscoverStep.spec.type: .discover(DiscoverStep(reading: &reader))
        case ChoiceStep.spec.type: .choice(ChoiceStep(reading: &reader))
        case FederateStep.spec.type: .federate(FederateStep(reading: &reader))
        case SocialStep.spec.type: .social(SocialStep(reading: &reader))
        case PasswordStep.spec.type: .password(PasswordStep(reading: &reader))
        case TOTPStep.spec.type: .totp(TOTPStep(reading: &reader))
        case EmailOTPStep.spec.type: .emailOTP(EmailOTPStep(reading: &reader))
        case RecoveryCodeStep.spec.type: .recoveryCode(RecoveryCodeStep(reading: &reader))
        case AssuranceStep.spec.type: .assurance(AssuranceStep(reading: &reader))
        case ProvisionStep.spec.type: .provision(ProvisionStep(reading: &reader))
        case AllowStep.spec.type: .allow(AllowStep(reading: &reader))
        case DenyStep.spec.type: .deny(DenyStep(reading: &reader))
        default: nil
        }
    }

    /// The decoded step as its protocol.
    var step: any StepType {
        switch self {
        case .identify(let s): s
        case .discover(let s): s
        case .choice(let s): s
        case .federate(let s): s
        case .social(let s): s
        case .password(let s): s
        case .totp(let s): s
        case .emailOTP(let s): s
        case .recoveryCode(let s): s
        case .assurance(let s): s
        case .provision(let s): s
        case .allow(let s): s
        case .deny(let s): s
        }
    }

    /// The type's spec.
    var spec: StepSpec { type(of: step).spec }

    func enter(_ context: inout StepContext) -> StepDirective {
        switch self {
        case .identify(let s): s.enter(&context)
        case .discover(let s): s.enter(&context)
        case .choice(let s): s.enter(&context)
        case .federate(let s): s.enter(&context)
        case .social(let s): s.enter(&context)
        case .password(let s): s.enter(&context)
        case .totp(let s): s.enter(&context)
        case .emailOTP(let s): s.enter(&context)
        case .recoveryCode(let s): s.enter(&context)
        case .assurance(let s): s.enter(&context)
        case .provision(let s): s.enter(&context)
        case .allow(let s): s.enter(&context)
        case .deny(let s): s.enter(&context)
        }
    }

    func resume(_ context: inout StepContext, with event: FlowEvent) -> StepDirective {
        switch self {
        case .identify(let s): s.resume(&context, with: event)
        case .discover(let s): s.resume(&context, with: event)
        case .choice(let s): s.resume(&context, with: event)
        case .federate(let s): s.resume(&context, with: event)
        case .social(let s): s.resume(&context, with: event)
        case .password(let s): s.resume(&context, with: event)
        case .totp(let s): s.resume(&context, with: event)
        case .emailOTP(let s): s.resume(&context, with: event)
        case .recoveryCode(let s): s.resume(&context, with: event)
        case .assurance(let s): s.resume(&context, with: event)
        case .provision(let s): s.resume(&context, with: event)
        case .allow(let s): s.resume(&context, with: event)
        case .deny(let s): s.resume(&context, with: event)
        }
    }
}

/// The public catalogue of step types, for docs, the schema and `flow check`.
public enum StepCatalog {
    /// Every step type's spec, in documentation order.
    public static var specs: [StepSpec] { StepKind.types.map { $0.spec } }

    /// The spec of the step type named `type`.
    public static func spec(named type: String) -> StepSpec? { specs.first { $0.type == type } }
}
