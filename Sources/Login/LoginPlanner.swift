import Directory
import FlowEngine
import Foundation

/// Turns an app's login request into the runner's ``FlowRequest`` and picks the flow to run.
///
/// The required level is the app's, raised by the strongest configured level among `acr_values`
/// (OIDC Core §3.1.2.1; unknown values are ignored). A known organization (hint, branded host or
/// session) selects its flow override for the app, inherited down the hierarchy.
public struct LoginPlanner: Sendable {
    /// The directory snapshot.
    public let directory: Directory
    /// The flows.
    public let flows: FlowCatalog

    /// Creates a planner.
    public init(directory: Directory, flows: FlowCatalog) {
        self.directory = directory
        self.flows = flows
    }

    /// The configured levels as the runner sees them.
    public var policy: AssurancePolicy { AssurancePolicy(directory.config) }

    /// The request and flow for a login.
    /// - Throws: ``LoginError`` for an unknown app or organization, ``FlowError`` for a missing flow.
    public func plan(
        app: AppID, acrValues: [String] = [], loginHint: String? = nil, organization: OrgID? = nil, session: SessionContext? = nil
    ) throws -> (request: FlowRequest, flow: CompiledFlow) {
        guard let application = directory.application(app) else { throw LoginError.unknownApp(app) }
        var orgContext: OrganizationContext?
        if let organization {
            guard let context = directory.context(of: organization) else { throw LoginError.unknownOrganization(organization) }
            orgContext = context
        }
        let policy = self.policy
        let requested = acrValues.map(LevelName.init).filter { policy.rank(of: $0) != nil }
        let required = requested.reduce(application.requiredLevel) { policy.stronger($0, $1) }
        let request = FlowRequest(
            app: app, requiredLevel: required, loginHint: loginHint, organization: orgContext, session: session,
            allowedOrganizations: application.allowedOrgs)
        let known = session?.organization ?? orgContext
        let flowID = known?.flowOverrides[app] ?? application.flow
        return (request, try flows.flow(flowID))
    }
}

/// Why a login could not be planned.
public struct LoginError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is unknown.
    public let reason: String

    /// No app with this id is configured.
    public static func unknownApp(_ app: AppID) -> LoginError { LoginError(reason: "unknown app '\(app)'") }
    /// No organization with this id is configured.
    public static func unknownOrganization(_ org: OrgID) -> LoginError { LoginError(reason: "unknown organization '\(org)'") }

    public var description: String { "LoginError: \(reason)" }
}
