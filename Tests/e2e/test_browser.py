"""A real browser (headless Debian Chromium through Selenium) signs in to the /demo app: the demo
page, the email, password and TOTP pages, and the page with the ID token's claims, with a
screenshot of each under artifacts/screenshots/."""

import base64
import os
import shutil

import pytest

webdriver = pytest.importorskip("selenium.webdriver", reason="Selenium is not installed: pip install selenium")

from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from conftest import ALICE, ALICE_PASSWORD, ALICE_TOTP_SECRET, REPOSITORY, totp  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = os.path.join(REPOSITORY, "artifacts", "screenshots")


@pytest.fixture
def driver():
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.skip("Debian's chromium and chromium-driver are not installed (scripts/install-deps installs them)")
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1024,900"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()


def snap(driver, name: str) -> None:
    os.makedirs(SCREENSHOTS, exist_ok=True)
    assert driver.save_screenshot(os.path.join(SCREENSHOTS, name))


def all_cookies(driver) -> list:
    """Every cookie the browser keeps, whatever its path (Chrome DevTools Protocol)."""
    return driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]


def heading(driver) -> str:
    return WebDriverWait(driver, 15).until(expected_conditions.presence_of_element_located((By.TAG_NAME, "h1"))).text


def navigate(driver, click) -> None:
    """Clicks, then waits until the page it leaves is gone (so the next look is at the new page)."""
    page = driver.find_element(By.TAG_NAME, "html")
    click()

    def left(_):
        try:
            page.is_enabled()
            return False
        except WebDriverException:  # stale, or (some Chromium versions) "node does not belong to the document"
            return True

    WebDriverWait(driver, 15).until(left)


def fill_and_continue(driver, field: str, value: str) -> None:
    driver.find_element(By.NAME, field).send_keys(value)
    # The first submit button is "Continue"; "Cancel sign-in" comes after it.
    navigate(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click)


def test_signs_in_to_the_demo_app_through_the_hosted_pages(gatehouse_demo, driver):
    driver.get(gatehouse_demo.issuer + "/demo")
    assert heading(driver) == "Gatehouse demo app"
    snap(driver, "01-demo.png")

    navigate(driver, driver.find_element(By.LINK_TEXT, "Sign in to SaaS Console").click)
    assert heading(driver) == "Sign in"
    snap(driver, "02-email.png")

    fill_and_continue(driver, "email", ALICE)
    assert heading(driver) == "Enter your password"
    snap(driver, "03-password.png")

    fill_and_continue(driver, "password", ALICE_PASSWORD)
    assert heading(driver) == "Enter your authentication code"
    snap(driver, "04-totp.png")

    fill_and_continue(driver, "code", totp(ALICE_TOTP_SECRET))
    assert heading(driver) == "Signed in to the demo app"
    claims = driver.find_element(By.CSS_SELECTOR, "pre.claims").text
    assert '"sub" : "u-alice"' in claims
    assert '"acr" : "loa2"' in claims
    assert f'"iss" : "{gatehouse_demo.issuer}"' in claims
    snap(driver, "05-claims.png")

    navigate(driver, driver.find_element(By.LINK_TEXT, "Sign out (RP-initiated logout)").click)
    assert heading(driver) == "Gatehouse demo app"
    assert driver.current_url == gatehouse_demo.issuer + "/demo"
    snap(driver, "06-signed-out.png")


def test_a_new_user_scans_the_qr_code_to_set_up_an_authenticator(gatehouse_demo, driver):
    driver.get(gatehouse_demo.issuer + "/demo/login")
    fill_and_continue(driver, "email", "bob@globex.test")
    fill_and_continue(driver, "password", "hunter2 but longer")
    assert heading(driver) == "Set up an authenticator app"
    qr = driver.find_element(By.CSS_SELECTOR, "svg.qr")
    assert qr.is_displayed()
    assert qr.size["width"] >= 150 and qr.size["width"] == qr.size["height"]
    snap(driver, "07-totp-enrollment.png")

    # What a phone would read from the code: the otpauth:// link, whose secret is the manual key.
    key = driver.find_element(By.CSS_SELECTOR, "code.key").text.replace(" ", "")
    link = driver.find_element(By.PARTIAL_LINK_TEXT, "authenticator app on this device").get_attribute("href")
    assert f"secret={key}" in link
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    fill_and_continue(driver, "code", totp(secret))
    assert heading(driver) == "Signed in to the demo app"
    assert '"sub" : "u-bob"' in driver.find_element(By.CSS_SELECTOR, "pre.claims").text


def test_signs_in_through_the_demo_saml_idp(gatehouse_shipped_demo, driver):
    """Acme federates through the SAML test IdP: AuthnRequest by redirect, a signed Response posted
    back to the ACS by the page's script, then the app's ID token."""
    issuer = gatehouse_shipped_demo.issuer
    driver.get(issuer + "/demo/login")
    fill_and_continue(driver, "email", "ada@acme.test")
    assert heading(driver) == "Demo identity provider"
    assert driver.current_url.startswith(issuer + "/test-idp/saml/sso?SAMLRequest=")
    snap(driver, "10-saml-idp.png")
    # The browser kept the cookie that lets the ACS end the login (SameSite=None needs Secure, which a
    # browser accepts from a loopback http origin: a secure context).
    upstream = [c for c in all_cookies(driver) if c["name"] == "gatehouse_upstream"]
    assert len(upstream) == 1
    cookie = upstream[0]
    assert (cookie["path"], cookie["sameSite"], cookie["secure"], cookie["httpOnly"]) == ("/federation/", "None", True, True)

    driver.find_element(By.ID, "mfa").click()
    navigate(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click)
    assert heading(driver) == "Signed in to the demo app"
    # The ACS received it with the Response, ended the login and cleared it.
    assert not [c for c in all_cookies(driver) if c["name"] == "gatehouse_upstream"]
    claims = driver.find_element(By.CSS_SELECTOR, "pre.claims").text
    assert '"email" : "ada@acme.test"' in claims
    assert '"fed"' in claims
    assert '"id" : "acme"' in claims
    snap(driver, "11-saml-claims.png")


def test_signs_in_through_the_demo_oidc_idp(gatehouse_shipped_demo, driver):
    """Northwind federates through the OIDC test IdP, which approves the login hint at once."""
    driver.get(gatehouse_shipped_demo.issuer + "/demo/login")
    fill_and_continue(driver, "email", "nina@northwind.test")
    assert heading(driver) == "Signed in to the demo app"
    claims = driver.find_element(By.CSS_SELECTOR, "pre.claims").text
    assert '"email" : "nina@northwind.test"' in claims
    assert '"id" : "northwind"' in claims
    snap(driver, "12-oidc-claims.png")
