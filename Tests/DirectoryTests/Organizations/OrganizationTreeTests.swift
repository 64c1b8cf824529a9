import FlowEngine
import Testing
import Directory

@Suite("Organization hierarchy")
struct OrganizationTreeTests {
    /// provider > reseller > customer > customer-eu, plus an unrelated root `other`.
    let tree = OrganizationTree(
        organizations: [
            Organization(id: "customer-eu", name: "Customer EU", parent: "customer"),
            Organization(id: "customer", name: "Customer", parent: "reseller"),
            Organization(
                id: "provider", name: "Provider", connection: "provider-idp", requiredLevel: "loa1",
                flows: ["console": "provider-console", "admin": "provider-admin"]),
            Organization(id: "reseller", name: "Reseller", parent: "provider", requiredLevel: "loa2", flows: ["console": "reseller-console"]),
            Organization(id: "other", name: "Other"),
        ],
        connections: [
            Connection(id: "provider-idp", kind: .oidc, displayName: "Provider IdP"),
            Connection(id: "customer-okta", kind: .saml, displayName: "Customer Okta"),
        ])

    @Test("paths are root-first and end with the organization")
    func pathsAreRootFirst() {
        #expect(tree.path(of: "customer-eu") == ["provider", "reseller", "customer", "customer-eu"])
        #expect(tree.path(of: "provider") == ["provider"])
        #expect(tree.path(of: "ghost") == [])
        #expect(tree.depth(of: "customer") == 2)
        #expect(tree.roots == ["other", "provider"])
    }

    @Test("children, descendants and ancestry")
    func navigation() {
        #expect(tree.children(of: "provider") == ["reseller"])
        #expect(tree.descendants(of: "provider") == ["reseller", "customer", "customer-eu"])
        #expect(tree.isAncestor("provider", of: "customer-eu"))
        #expect(!tree.isAncestor("customer-eu", of: "provider"))
        #expect(!tree.isAncestor("customer", of: "customer"))
        #expect(tree.parent(of: "reseller") == "provider")
    }

    @Test("a child inherits its nearest ancestor's connection, level and flow overrides")
    func inheritsFromNearestAncestor() throws {
        let context = try #require(tree.context(of: "customer-eu"))
        #expect(context.name == "Customer EU")
        #expect(context.path == ["provider", "reseller", "customer", "customer-eu"])
        #expect(context.connection == ConnectionReference(id: "provider-idp", kind: .oidc))
        #expect(context.requiredLevel == "loa2")
        #expect(context.flowOverrides == ["console": "reseller-console", "admin": "provider-admin"])
        #expect(!context.suspended)
    }

    @Test("an organization's own settings win over inherited ones")
    func ownSettingsWin() throws {
        let tree = OrganizationTree(
            organizations: [
                Organization(id: "provider", name: "Provider", connection: "provider-idp", requiredLevel: "loa2", flows: ["console": "a"]),
                Organization(
                    id: "customer", name: "Customer", parent: "provider", connection: "customer-okta", requiredLevel: "loa1",
                    flows: ["console": "b"]),
            ],
            connections: [
                Connection(id: "provider-idp", kind: .oidc, displayName: "Provider IdP"),
                Connection(id: "customer-okta", kind: .saml, displayName: "Customer Okta"),
            ])
        let context = try #require(tree.context(of: "customer"))
        #expect(context.connection == ConnectionReference(id: "customer-okta", kind: .saml))
        #expect(context.requiredLevel == "loa1")
        #expect(context.flowOverrides == ["console": "b"])
    }

    @Test("a child may raise, never lower, the level its ancestors require")
    func requiredLevelIsTheStrongestOnThePath() throws {
        let organizations = [
            Organization(id: "provider", name: "Provider"),
            Organization(id: "reseller", name: "Reseller", parent: "provider", requiredLevel: "loa2"),
            Organization(id: "weaker", name: "Weaker", parent: "reseller", requiredLevel: "loa1"),
            Organization(id: "stronger", name: "Stronger", parent: "reseller", requiredLevel: "loa3"),
        ]
        let tree = OrganizationTree(organizations: organizations, levels: ["loa1", "loa2", "loa3"])
        #expect(tree.context(of: "weaker")?.requiredLevel == "loa2")
        #expect(tree.context(of: "stronger")?.requiredLevel == "loa3")
        #expect(tree.context(of: "provider")?.requiredLevel == nil)
    }

    @Test("an organization is suspended when it or any ancestor is")
    func suspensionPropagatesDown() throws {
        let tree = OrganizationTree(organizations: [
            Organization(id: "provider", name: "Provider"),
            Organization(id: "reseller", name: "Reseller", parent: "provider", status: .suspended),
            Organization(id: "customer", name: "Customer", parent: "reseller"),
            Organization(id: "sibling", name: "Sibling", parent: "provider"),
        ])
        #expect(tree.context(of: "reseller")?.suspended == true)
        #expect(tree.context(of: "customer")?.suspended == true)
        #expect(tree.context(of: "sibling")?.suspended == false)
        #expect(tree.context(of: "provider")?.suspended == false)
    }

    @Test("an unknown organization has no context")
    func unknownOrganization() {
        #expect(tree.context(of: "ghost") == nil)
    }

    @Test("a dangling parent makes a root, and a cycle never loops")
    func danglingParentsAndCycles() {
        let tree = OrganizationTree(organizations: [
            Organization(id: "orphan", name: "Orphan", parent: "ghost"),
            Organization(id: "a", name: "A", parent: "b"),
            Organization(id: "b", name: "B", parent: "a"),
        ])
        #expect(tree.path(of: "orphan") == ["orphan"])
        #expect(tree.roots.contains("orphan"))
        #expect(tree.path(of: "a") == ["b", "a"])
        #expect(tree.context(of: "a") != nil)
        #expect(tree.descendants(of: "a") == ["b"])
    }
}
