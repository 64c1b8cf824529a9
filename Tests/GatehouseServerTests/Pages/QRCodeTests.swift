import Authenticators
import Directory
import Foundation
import HummingbirdTesting
import Login
import Testing

@testable import GatehouseServer

@Suite("QR code of the TOTP setup link (libqrencode)")
struct QRCodeTests {
    /// Byte-mode capacities at error correction level M (ISO/IEC 18004 Table 7): version 1 holds 14
    /// bytes, version 2 holds 26; one byte more needs the next version, 4 modules wider.
    @Test(arguments: [(14, 1, 21), (15, 2, 25), (26, 2, 25), (27, 3, 29)])
    func picksTheSmallestVersionThatHoldsTheText(length: Int, version: Int, size: Int) throws {
        let code = try QRCode(encoding: String(repeating: "a", count: length))
        #expect(code.version == version)
        #expect(code.size == size)
        #expect(code.modules.count == size * size)
        #expect(code.svgSize == size + 8)
    }

    @Test func drawsTheThreeFinderPatterns() throws {
        let code = try QRCode(encoding: "otpauth://totp/Gatehouse:alice%40globex.test?secret=JBSWY3DPEHPK3PXP&issuer=Gatehouse")
        // A finder pattern is a dark 7×7 ring, a light ring inside it, and a dark 3×3 centre.
        for (left, top) in [(0, 0), (code.size - 7, 0), (0, code.size - 7)] {
            for y in 0..<7 {
                for x in 0..<7 {
                    let ring = max(abs(x - 3), abs(y - 3))
                    #expect(code.isDark(x: left + x, y: top + y) == (ring != 2), "module (\(left + x), \(top + y))")
                }
            }
        }
    }

    @Test func itsRunsCoverExactlyTheDarkModules() throws {
        let code = try QRCode(encoding: "otpauth://totp/Gatehouse:bob%40globex.test?secret=GEZDGNBVGY3TQOJQ&issuer=Gatehouse")
        var drawn = Array(repeating: false, count: code.size * code.size)
        for run in code.runs {
            for x in run.x..<(run.x + run.width) {
                let (column, row) = (x - QRCode.quietZone, run.y - QRCode.quietZone)
                #expect(!drawn[row * code.size + column], "a module is drawn twice")
                drawn[row * code.size + column] = true
            }
        }
        #expect(drawn == code.modules)
    }

    @Test func refusesATextLongerThanVersion40Holds() {
        #expect(throws: QRCodeError("the text is too long for a QR code")) {
            try QRCode(encoding: String(repeating: "a", count: 3_000))
        }
    }

    @Test func theEnrollmentPageShowsTheSetupLinkAsAnInlineSVG() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                var page = try await browser.authorize()
                page = try await browser.submit(page, [("email", "bob@globex.test")])
                page = try await browser.submit(page, [("password", "hunter2 but longer")])

                let uri = try #require(page.text.firstMatch(of: /href="(otpauth:\/\/totp\/[^"]+)"/)?.1).replacingOccurrences(of: "&amp;", with: "&")
                let code = try QRCode(encoding: uri)
                let svg = try #require(page.text.firstMatch(of: /<svg class="qr"[^>]*viewBox="0 0 (\d+) (\d+)"[^>]*>(.*?)<\/svg>/))
                #expect(Int(svg.1) == code.size + 8 && Int(svg.2) == code.size + 8)
                // The first rect is the white background; each other one is a run of dark modules.
                let widths = svg.3.matches(of: /<rect x="\d+" y="\d+" width="(\d+)" height="1"\/>/).map { Int($0.1)! }
                #expect(widths.reduce(0, +) == code.modules.filter { $0 }.count)
                #expect(page.text.contains(#"aria-label="QR code of the authenticator setup link""#))
            }
        }
    }
}
