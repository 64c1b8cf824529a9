import Testing
@testable import Directory

@Suite("Domain normalisation")
struct DomainNameTests {
    @Test(
        "normalises",
        arguments: [
            ("acme.test", "acme.test"),
            ("ACME.Test", "acme.test"),
            ("  acme.test.\n", "acme.test"),
            ("b\u{FC}cher.test", "xn--bcher-kva.test"),
            ("B\u{DC}CHER.TEST", "xn--bcher-kva.test"),
            ("bu\u{308}cher.test", "xn--bcher-kva.test"),  // decomposed ü: NFC first
            ("xn--bcher-kva.test", "xn--bcher-kva.test"),
            ("mail.b\u{FC}cher.test", "mail.xn--bcher-kva.test"),
            ("\u{4F8B}\u{3048}\u{3002}\u{30C6}\u{30B9}\u{30C8}", "xn--r8jz45g.xn--zckzah"),  // 例え。テスト with an ideographic full stop
        ])
    func normalises(_ input: String, _ expected: String) throws {
        #expect(try DomainName.normalise(input) == expected)
    }

    @Test(
        "rejects",
        arguments: [
            ("", "the domain is empty"),
            (".", "the domain is empty"),
            ("acme..test", "has an empty label"),
            (".acme.test", "has an empty label"),
            ("acme.test..", "has an empty label"),
            (String(repeating: "a", count: 64) + ".test", "is 64 octets long; the limit is 63"),
            (Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."), "is 255 octets long; the limit is 253"),
            ("-acme.test", "starts or ends with a hyphen"),
            ("acme-.test", "starts or ends with a hyphen"),
            ("acme_corp.test", "contains '_'"),
            ("acme.test/path", "contains '/'"),
            ("b\u{FC}cher\u{2603}.test", "contains the character U+2603"),
            ("10.0.0.1", "the top-level label of '10.0.0.1' is all digits"),
        ])
    func rejects(_ input: String, _ reason: String) {
        let error = #expect(throws: DirectoryError.self) { try DomainName.normalise(input) }
        #expect(error?.code == .invalidDomain)
        #expect(error?.reason.contains(reason) == true, "reason was: \(error?.reason ?? "")")
    }

    @Test("a 253-octet name with 63-octet labels is accepted")
    func acceptsTheLimits() throws {
        let name = Array(repeating: String(repeating: "a", count: 63), count: 3).joined(separator: ".") + "." + String(repeating: "b", count: 61)
        #expect(name.utf8.count == 253)
        #expect(try DomainName.normalise(name) == name)
    }
}

@Suite("Email addresses")
struct EmailAddressTests {
    @Test("splits and normalises an address")
    func parses() throws {
        let address = try EmailAddress("  Alice.Smith@B\u{FC}cher.TEST ")
        #expect(address.localPart == "Alice.Smith")
        #expect(address.domain == "xn--bcher-kva.test")
        #expect(address.description == "Alice.Smith@xn--bcher-kva.test")
        #expect(address.lookupKey == "alice.smith@xn--bcher-kva.test")
    }

    @Test(
        "rejects without crashing",
        arguments: [
            ("", "the address has no '@'"),
            ("alice", "the address has no '@'"),
            ("alice@", "the address has no domain after '@'"),
            ("@acme.test", "the part before '@' is empty"),
            ("@", "the part before '@' is empty"),
            ("a@b@acme.test", "the address has more than one '@'"),
            ("al ice@acme.test", "contains whitespace or a control character"),
            ("al\u{0}ice@acme.test", "contains whitespace or a control character"),
            (String(repeating: "a", count: 65) + "@acme.test", "is 65 octets long; the limit is 64"),
            ("alice@acme..test", "the domain is invalid: 'acme..test' has an empty label"),
            ("alice@[10.0.0.1]", "the domain is invalid"),
        ])
    func rejects(_ input: String, _ reason: String) {
        let error = #expect(throws: DirectoryError.self) { try EmailAddress(input) }
        #expect(error?.code == .invalidEmail)
        #expect(error?.reason.contains(reason) == true, "reason was: \(error?.reason ?? "")")
    }

    @Test("lookup keys ignore case and IDN spelling, and fall back for malformed addresses")
    func lookupKeys() {
        #expect(EmailAddress.lookupKey(for: "ALICE@b\u{FC}cher.test") == EmailAddress.lookupKey(for: "alice@XN--BCHER-KVA.test"))
        #expect(EmailAddress.lookupKey(for: " Not An Address ") == "not an address")
    }

    @Test("the one-pass lookup key of a plain ASCII address is the full parse's, and other text takes the parse")
    func asciiLookupKeysMatchTheParse() {
        let addresses = [
            "Alice@Example.TEST", "alice@example.test", "a@b.c", "A.B+tag@sub.Example.test", "bob@EXAMPLE.test.", "bob@example..test",
            "bob@-example.test", "bob@example.123", "bob@xn--bcher-kva.test", "BOB@XN--BCHER-KVA.TEST", "@example.test", "bob@",
            "bob", "a@b@c.test", String(repeating: "x", count: 65) + "@example.test", "x@" + String(repeating: "a", count: 64) + ".test",
            String(repeating: "y", count: 60) + "@" + Array(repeating: String(repeating: "d", count: 60), count: 4).joined(separator: ".") + ".test",
            "quote\"d@example.test", "under_score@ex_ample.test", "bob@[192.0.2.1]", "bob@192.0.2.1", "Z@Z.ZZ",
        ]
        for address in addresses {
            #expect(EmailAddress.lookupKey(for: address) == EmailAddress.parsedLookupKey(for: address), "\(address)")
        }
        #expect(EmailAddress.asciiLookupKey(for: "Alice@Example.TEST") == "alice@example.test")
        // Not plain ASCII, or whitespace to trim: the full parse.
        for address in [" alice@example.test", "alice@example.test\n", "al ice@example.test", "alice@b\u{FC}cher.test", "\u{E9}l\u{E8}ve@example.test"] {
            #expect(EmailAddress.asciiLookupKey(for: address) == nil, "\(address)")
        }
    }
}
