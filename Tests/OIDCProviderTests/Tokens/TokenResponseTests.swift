import Foundation
import Testing
@testable import OIDCProvider

@Suite("Token response")
struct TokenResponseTests {
    @Test("the body is RFC 6749 §5.1's JSON: sorted keys, absent tokens left out, nothing escaped that need not be")
    func json() throws {
        let full = TokenResponse(accessToken: "at-1", expiresIn: 600, idToken: "h.p.s", refreshToken: "rt/1", scope: "openid offline_access")
        #expect(
            String(decoding: full.json, as: UTF8.self)
                == #"{"access_token":"at-1","expires_in":600,"id_token":"h.p.s","refresh_token":"rt/1","scope":"openid offline_access","token_type":"Bearer"}"#)
        let bare = TokenResponse(accessToken: "at-2", expiresIn: 0, idToken: nil, refreshToken: nil, scope: "api")
        #expect(String(decoding: bare.json, as: UTF8.self) == #"{"access_token":"at-2","expires_in":0,"scope":"api","token_type":"Bearer"}"#)
        #expect(try JSONDecoder().decode(TokenResponse.self, from: full.json) == full)
    }
}
