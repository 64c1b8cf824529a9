import Foundation
import FlowEngine
import Testing
import Directory

@Suite("Domain discovery")
struct DomainIndexTests {
    func claim(_ domain: String, verified: Bool = true, subdomains: Bool = false, at day: Int? = 1) -> DomainClaim {
        DomainClaim(
            domain: domain, verified: verified, includeSubdomains: subdomains,
            verifiedAt: day.map { Date(timeIntervalSince1970: 1_767_225_600 + Double($0) * 86_400) })
    }

    func index(_ organizations: Organization...) -> DomainIndex {
        DomainIndex(organizations: organizations)
    }

    @Test("only verified claims count")
    func onlyVerifiedClaimsCount() throws {
        let index = index(
            Organization(id: "acme", name: "Acme", domains: [claim("acme.test", verified: false)]),
            Organization(id: "globex", name: "Globex", domains: [claim("globex.test")]))
        #expect(try index.lookup(email: "alice@acme.test") == nil)
        #expect(try index.lookup(email: "hank@globex.test")?.organization == "globex")
        #expect(index.count == 1)
    }

    @Test("matching ignores case, surrounding space and a trailing dot")
    func caseInsensitive() throws {
        let index = index(Organization(id: "acme", name: "Acme", domains: [claim("Acme.Test")]))
        for email in ["alice@acme.test", "Alice@ACME.TEST", " alice@Acme.Test. ", "ALICE@acme.test"] {
            let match = try index.lookup(email: email)
            #expect(match == DomainMatch(organization: "acme", domain: "acme.test", viaSubdomain: false), "for \(email)")
        }
    }

    @Test("a parent domain's claim matches subdomains only when it includes them")
    func subdomains() throws {
        let index = index(
            Organization(id: "acme", name: "Acme", domains: [claim("acme.test", subdomains: true)]),
            Organization(id: "globex", name: "Globex", domains: [claim("globex.test", subdomains: false)]))
        #expect(try index.lookup(email: "a@eu.mail.acme.test") == DomainMatch(organization: "acme", domain: "acme.test", viaSubdomain: true))
        #expect(try index.lookup(email: "a@acme.test")?.viaSubdomain == false)
        #expect(try index.lookup(email: "h@eu.globex.test") == nil)
        #expect(try index.lookup(email: "h@globex.test")?.organization == "globex")
        #expect(try index.lookup(email: "a@notacme.test") == nil)
    }

    @Test("an IDN address matches a punycode claim, and a punycode address a Unicode claim")
    func internationalisedDomains() throws {
        let index = index(
            Organization(id: "buecher", name: "Bücher", domains: [claim("xn--bcher-kva.test")]),
            Organization(id: "reisen", name: "Reisen", domains: [claim("M\u{FC}nchen-Reisen.test", subdomains: true)]))
        #expect(try index.lookup(email: "anna@b\u{FC}cher.test")?.organization == "buecher")
        #expect(try index.lookup(email: "anna@B\u{DC}CHER.test")?.organization == "buecher")
        #expect(try index.lookup(email: "anna@bu\u{308}cher.test")?.organization == "buecher")
        let reisen = try index.lookup(email: "jo@Info.XN--MNCHEN-REISEN-WOB.test")
        #expect(reisen == DomainMatch(organization: "reisen", domain: "xn--mnchen-reisen-wob.test", viaSubdomain: true))
    }

    @Test("the most specific matching domain wins")
    func mostSpecificWins() throws {
        let index = index(
            Organization(id: "acme", name: "Acme", domains: [claim("acme.test", subdomains: true, at: 1)]),
            Organization(id: "acme-eu", name: "Acme EU", domains: [claim("eu.acme.test", subdomains: false, at: 9)]))
        #expect(try index.lookup(email: "a@eu.acme.test") == DomainMatch(organization: "acme-eu", domain: "eu.acme.test", viaSubdomain: false, otherCandidates: ["acme"]))
        // eu.acme.test does not include subdomains, so its subdomains fall through to acme.test.
        #expect(try index.lookup(email: "a@paris.eu.acme.test")?.organization == "acme")
        #expect(try index.lookup(email: "a@us.acme.test")?.organization == "acme")
    }

    @Test("on one domain, a descendant's claim beats its ancestor's, whenever it was verified")
    func deeperOrganizationWins() throws {
        let organizations = [
            Organization(id: "provider", name: "Provider", domains: [claim("acme.test", subdomains: true, at: 1)]),
            Organization(id: "reseller", name: "Reseller", parent: "provider"),
            Organization(id: "acme", name: "Acme", parent: "reseller", domains: [claim("acme.test", subdomains: true, at: 30)]),
        ]
        let index = DomainIndex(organizations: organizations)
        #expect(try index.lookup(email: "a@acme.test") == DomainMatch(organization: "acme", domain: "acme.test", viaSubdomain: false, otherCandidates: ["provider"]))
        #expect(try index.lookup(email: "a@x.acme.test")?.organization == "acme")
        // The order of organizations in the input makes no difference.
        #expect(try DomainIndex(organizations: organizations.reversed()).lookup(email: "a@acme.test")?.organization == "acme")
    }

    @Test("between unrelated organizations the earliest verification wins, then the smaller id")
    func earliestVerificationWins() throws {
        let index = index(
            Organization(id: "globex", name: "Globex", domains: [claim("shared.test", at: 5)]),
            Organization(id: "acme", name: "Acme", domains: [claim("shared.test", at: 7)]),
            Organization(id: "zeta", name: "Zeta", domains: [claim("tie.test", at: 3)]),
            Organization(id: "beta", name: "Beta", domains: [claim("tie.test", at: 3)]),
            Organization(id: "dated", name: "Dated", domains: [claim("undated.test", at: 99)]),
            Organization(id: "aaa-undated", name: "Undated", domains: [claim("undated.test", at: nil)]))
        #expect(try index.lookup(email: "x@shared.test") == DomainMatch(organization: "globex", domain: "shared.test", viaSubdomain: false, otherCandidates: ["acme"]))
        #expect(try index.lookup(email: "x@tie.test")?.organization == "beta")
        #expect(try index.lookup(email: "x@undated.test")?.organization == "dated")
    }

    @Test("the first lineage to verify owns a domain; its deepest claimant gets the users")
    func lineageRule() throws {
        // provider verified first, then the unrelated globex, then provider's child acme.
        let index = index(
            Organization(id: "provider", name: "Provider", domains: [claim("contested.test", at: 1)]),
            Organization(id: "globex", name: "Globex", domains: [claim("contested.test", at: 2)]),
            Organization(id: "acme", name: "Acme", parent: "provider", domains: [claim("contested.test", at: 3)]))
        let match = try index.lookup(email: "x@contested.test")
        #expect(match?.organization == "acme")
        #expect(match?.otherCandidates == ["provider", "globex"])
    }

    @Test("exact and subdomain matches are settled separately on one domain")
    func exactAndSubdomainWinnersDiffer() throws {
        let index = index(
            Organization(id: "early", name: "Early", domains: [claim("acme.test", subdomains: false, at: 1)]),
            Organization(id: "late", name: "Late", domains: [claim("acme.test", subdomains: true, at: 2)]))
        #expect(try index.lookup(email: "a@acme.test")?.organization == "early")
        #expect(try index.lookup(email: "a@eu.acme.test") == DomainMatch(organization: "late", domain: "acme.test", viaSubdomain: true))
    }

    @Test("an organization's repeated claims count once")
    func repeatedClaimsOfOneOrganization() throws {
        let index = index(Organization(id: "acme", name: "Acme", domains: [claim("acme.test"), claim("ACME.test.", subdomains: true)]))
        #expect(try index.lookup(email: "a@eu.acme.test") == DomainMatch(organization: "acme", domain: "acme.test", viaSubdomain: true))
        #expect(try index.lookup(email: "a@acme.test")?.otherCandidates == [])
    }

    @Test("a malformed address is an error, not a crash", arguments: ["alice", "alice@", "@acme.test", "a@b@acme.test", "", "alice@acme..test"])
    func malformedAddresses(_ email: String) {
        let index = index(Organization(id: "acme", name: "Acme", domains: [claim("acme.test")]))
        let error = #expect(throws: DirectoryError.self) { try index.lookup(email: email) }
        #expect(error?.code == .invalidEmail)
    }

    @Test("looks up a bare domain")
    func bareDomain() throws {
        let index = index(Organization(id: "acme", name: "Acme", domains: [claim("acme.test", subdomains: true)]))
        #expect(try index.lookup(domain: "EU.Acme.Test")?.organization == "acme")
        #expect(throws: DirectoryError.self) { try index.lookup(domain: "acme..test") }
    }

    @Test("names longer than the inline part of a record are told apart")
    func longNames() throws {
        let common = String(repeating: "a", count: 60)
        let index = index(
            Organization(id: "first", name: "First", domains: [claim("\(common)1.test")]),
            Organization(id: "second", name: "Second", domains: [claim("\(common)2.test", subdomains: true)]))
        #expect(try index.lookup(email: "x@\(common)1.test")?.organization == "first")
        #expect(try index.lookup(email: "x@mail.\(common)2.test") == DomainMatch(organization: "second", domain: "\(common)2.test", viaSubdomain: true))
        #expect(try index.lookup(email: "x@\(common)3.test") == nil)
    }

    @Test("finds every one of many claims and none of their neighbours")
    func manyClaims() throws {
        let organizations = (0..<5_000).map { n in
            Organization(id: OrgID("org-\(n)"), name: "Org \(n)", domains: [claim("org-\(n).example", subdomains: n % 2 == 0)])
        }
        let index = DomainIndex(organizations: organizations)
        #expect(index.count == 5_000)
        for n in 0..<5_000 {
            #expect(try index.lookup(email: "u@org-\(n).example")?.organization == OrgID("org-\(n)"))
            #expect(try index.lookup(email: "u@dept.org-\(n).example")?.organization == (n % 2 == 0 ? OrgID("org-\(n)") : nil))
            #expect(try index.lookup(email: "u@org-\(n).test") == nil)
        }
    }

    @Test("other candidates include the parent-domain claims a more specific match shadows")
    func shadowedParentClaims() throws {
        let index = index(
            Organization(id: "root", name: "Root", domains: [claim("acme.test", subdomains: true, at: 1)]),
            Organization(id: "rival", name: "Rival", domains: [claim("acme.test", subdomains: true, at: 2)]),
            Organization(id: "eu", name: "EU", domains: [claim("eu.acme.test", subdomains: true, at: 3)]),
            Organization(id: "paris", name: "Paris", domains: [claim("paris.eu.acme.test", at: 4)]))
        #expect(try index.lookup(email: "a@paris.eu.acme.test")?.otherCandidates == ["eu", "root", "rival"])
        #expect(try index.lookup(email: "a@lyon.eu.acme.test") == DomainMatch(organization: "eu", domain: "eu.acme.test", viaSubdomain: true, otherCandidates: ["root", "rival"]))
        #expect(try index.lookup(email: "a@acme.test")?.otherCandidates == ["rival"])
        #expect(try index.lookup(email: "a@x.paris.eu.acme.test")?.organization == "eu")
    }

    @Test("an empty index finds nothing")
    func emptyIndex() throws {
        #expect(try DomainIndex(organizations: []).lookup(email: "a@acme.test") == nil)
    }
}
