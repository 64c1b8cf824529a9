import Directory
import FlowEngine
import Login
import Testing

@Suite("Planning a login")
struct LoginPlannerTests {
    @Test func raisesTheRequiredLevelWithAcrValuesAndIgnoresUnknownOnes() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            #expect(try bed.planner.plan(app: "console").request.requiredLevel == "loa1")
            #expect(try bed.planner.plan(app: "console", acrValues: ["loa3", "bogus"]).request.requiredLevel == "loa3")
            #expect(try bed.planner.plan(app: "admin", acrValues: ["loa1"]).request.requiredLevel == "loa3")
        }
    }

    @Test func picksTheOrganizationsInheritedFlowOverride() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            #expect(try bed.planner.plan(app: "console").flow.id == "saas-console")
            #expect(try bed.planner.plan(app: "console", organization: "initech-labs").flow.id == "console-strict")
        }
    }

    @Test func rejectsUnknownAppsAndOrganizations() async throws {
        try await TestBed.with { (bed: TestBed) async throws in
            #expect(throws: LoginError.self) { try bed.planner.plan(app: "nope") }
            #expect(throws: LoginError.self) { try bed.planner.plan(app: "console", organization: "nope") }
        }
    }
}
