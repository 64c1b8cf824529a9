"""A third-party OpenID Connect client (Authlib) against a running `gatehouse serve`: discovery,
authorization code + PKCE through the hosted pages, the ID token checked against /jwks with Authlib's
own JOSE code, userinfo, refresh rotation, introspection, revocation and RP-initiated logout."""

import secrets
import urllib.parse
import warnings

import pytest

authlib = pytest.importorskip("authlib", reason="Authlib is not installed: pip install authlib requests")
requests = pytest.importorskip("requests", reason="requests is not installed: pip install authlib requests")

from authlib.common.security import generate_token  # noqa: E402
from authlib.integrations.base_client.errors import OAuthError  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session  # noqa: E402
with warnings.catch_warnings():
    # Deprecated in favour of joserfc, and still what Authlib's OIDC claims classes build on.
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, jwt  # noqa: E402
from authlib.oidc.core import CodeIDToken  # noqa: E402

from conftest import ALICE, ALICE_PASSWORD, ALICE_TOTP_SECRET, post_form, query, totp  # noqa: E402

CLIENT_ID = "console"
CLIENT_SECRET = "console-demo-secret"
# Registered in fixtures/directory.json; never followed: the test reads the redirect's Location.
REDIRECT_URI = "http://127.0.0.1:8080/demo/callback"
POST_LOGOUT_REDIRECT_URI = "http://127.0.0.1:8080/demo"


@pytest.fixture(scope="module")
def browser():
    """One browser for the module: after its first login (which uses alice's current TOTP code, good
    once) the others ride on its single sign-on session."""
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="module")
def metadata(gatehouse):
    response = requests.get(gatehouse.issuer + "/.well-known/openid-configuration", timeout=10)
    assert response.status_code == 200
    return response.json()


def client(metadata) -> OAuth2Session:
    return OAuth2Session(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_endpoint_auth_method="client_secret_basic",
        scope="openid email profile offline_access",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    )


def sign_in(browser: requests.Session, url: str, redirect_uri: str) -> str:
    """Follows the hosted login pages as a browser would and returns the redirect back to the app."""
    response = browser.get(url, allow_redirects=False, timeout=10)
    for _ in range(10):
        location = response.headers.get("Location")
        if location is not None:
            if location.startswith(redirect_uri):
                return location
            response = browser.get(urllib.parse.urljoin(response.url, location), allow_redirects=False, timeout=10)
            continue
        assert response.status_code == 200, response.text[:2000]
        form = post_form(response.text)
        fields = dict(form.fields)
        if "email" in fields:
            fields["email"] = ALICE
        elif "password" in fields:
            fields["password"] = ALICE_PASSWORD
        elif "code" in fields:
            fields["code"] = totp(ALICE_TOTP_SECRET)
        else:
            pytest.fail(f"unexpected page:\n{response.text[:2000]}")
        response = browser.post(urllib.parse.urljoin(response.url, form.action), data=fields, allow_redirects=False, timeout=10)
    pytest.fail("the login did not return to the app")


def verified_id_token(metadata, id_token: str, nonce: str, access_token: str):
    """Checks signature (against /jwks), iss, aud, azp, exp, iat, nonce and at_hash with Authlib's JOSE code."""
    keys = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    claims = jwt.decode(
        id_token,
        keys,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "values": [metadata["issuer"]]}},
        claims_params={"nonce": nonce, "client_id": CLIENT_ID, "access_token": access_token},
    )
    claims.validate(leeway=5)
    return claims


def test_discovery_describes_a_code_flow_provider(gatehouse, metadata):
    assert metadata["issuer"] == gatehouse.issuer
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert "client_secret_basic" in metadata["token_endpoint_auth_methods_supported"]
    assert metadata["end_session_endpoint"] == gatehouse.issuer + "/logout"


def test_code_pkce_then_refresh(metadata, browser):
    oauth = client(metadata)
    verifier = generate_token(48)
    nonce = secrets.token_urlsafe(16)
    url, state = oauth.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce)

    # Code + PKCE through the hosted pages (email, password, TOTP).
    callback = sign_in(browser, url, REDIRECT_URI)
    parameters = query(callback)
    assert parameters["state"] == state
    assert parameters["iss"] == metadata["issuer"]  # RFC 9207
    token = oauth.fetch_token(metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "openid email profile offline_access"

    claims = verified_id_token(metadata, token["id_token"], nonce, token["access_token"])
    assert claims["sub"] == "u-alice"
    assert claims["email"] == ALICE
    assert claims["acr"] == "loa2"
    assert {"pwd", "otp"} <= set(claims["amr"])
    assert claims["org"]["id"] == "globex"
    assert claims["roles"] == ["admin", "member"]

    userinfo = oauth.get(metadata["userinfo_endpoint"], timeout=10)
    assert userinfo.status_code == 200
    assert userinfo.json()["sub"] == "u-alice"
    assert oauth.introspect_token(metadata["introspection_endpoint"], token=token["access_token"]).json()["active"] is True

    # Refresh: a new refresh token each time; the old one, presented again, revokes the family.
    first_refresh = token["refresh_token"]
    refreshed = oauth.refresh_token(metadata["token_endpoint"], refresh_token=first_refresh)
    assert refreshed["refresh_token"] != first_refresh
    assert verified_id_token(metadata, refreshed["id_token"], None, refreshed["access_token"])["sub"] == "u-alice"
    with pytest.raises(OAuthError) as reuse:
        client(metadata).refresh_token(metadata["token_endpoint"], refresh_token=first_refresh)
    assert reuse.value.error == "invalid_grant"
    with pytest.raises(OAuthError):
        client(metadata).refresh_token(metadata["token_endpoint"], refresh_token=refreshed["refresh_token"])


def test_revocation_ends_the_grant(metadata, browser):
    oauth = client(metadata)
    verifier = generate_token(48)
    url, _ = oauth.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier, nonce="n-2")
    token = oauth.fetch_token(
        metadata["token_endpoint"], authorization_response=sign_in(browser, url, REDIRECT_URI), code_verifier=verifier
    )
    revoked = oauth.revoke_token(metadata["revocation_endpoint"], token=token["refresh_token"], token_type_hint="refresh_token")
    assert revoked.status_code == 200
    assert oauth.introspect_token(metadata["introspection_endpoint"], token=token["access_token"]).json() == {"active": False}


def test_rp_initiated_logout_ends_single_sign_on(metadata, browser):
    oauth = client(metadata)
    verifier = generate_token(48)
    url, _ = oauth.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier, nonce="n-3")
    token = oauth.fetch_token(
        metadata["token_endpoint"], authorization_response=sign_in(browser, url, REDIRECT_URI), code_verifier=verifier
    )
    # With the ID token as hint: no confirmation page, straight back to the app with its state.
    logout = browser.get(
        metadata["end_session_endpoint"],
        params={"id_token_hint": token["id_token"], "post_logout_redirect_uri": POST_LOGOUT_REDIRECT_URI, "state": "bye"},
        allow_redirects=False,
        timeout=10,
    )
    assert logout.status_code == 303
    assert logout.headers["Location"] == POST_LOGOUT_REDIRECT_URI + "?state=bye"
    # The session is over: the next authorization request shows the sign-in page again.
    again, _ = client(metadata).create_authorization_url(metadata["authorization_endpoint"], code_verifier=generate_token(48))
    first = browser.get(again, allow_redirects=False, timeout=10)
    page = browser.get(urllib.parse.urljoin(first.url, first.headers["Location"]), timeout=10)
    assert 'name="email"' in page.text


def test_errors_are_standard_oauth_json(gatehouse, metadata):
    bad = requests.post(metadata["token_endpoint"], data={"grant_type": "authorization_code", "code": "nope"}, auth=(CLIENT_ID, "wrong"), timeout=10)
    assert bad.status_code == 401
    assert bad.json()["error"] == "invalid_client"
    assert bad.headers["WWW-Authenticate"].startswith("Basic")
    assert bad.headers["Cache-Control"] == "no-store"
    unregistered = requests.get(
        metadata["authorization_endpoint"],
        params={"client_id": CLIENT_ID, "redirect_uri": "https://evil.example/cb", "response_type": "code", "scope": "openid"},
        allow_redirects=False,
        timeout=10,
    )
    assert unregistered.status_code == 400
    assert "Location" not in unregistered.headers

