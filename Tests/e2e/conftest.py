"""Runs a real `gatehouse serve` for the end-to-end tests: a free loopback port, a temporary SQLite
database loaded from fixtures/directory.json, a fresh key-encryption key. The server is always
stopped, whatever the test does."""

import atexit
import base64
import hashlib
import hmac
import html.parser
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.parse

import pytest

REPOSITORY = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("GATEHOUSE_BIN", os.path.join(REPOSITORY, ".build", "debug", "gatehouse"))

ALICE = "alice@globex.test"
ALICE_PASSWORD = "correct horse battery staple"
# fixtures/directory.json: the TOTP key is the secret's ASCII bytes (not base32).
ALICE_TOTP_SECRET = b"GatehouseFixtureSecretAlice00001"


def totp(secret: bytes, at: float | None = None) -> str:
    """RFC 6238 TOTP: HMAC-SHA-1, 30-second steps, 6 digits."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A running `gatehouse serve` and where it answers."""

    def __init__(self, issuer: str, process: subprocess.Popen, log_path: str):
        self.issuer = issuer
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()


def start_server(folder: str, demo: bool, directory: str = os.path.join(REPOSITORY, "fixtures", "directory.json")) -> Server:
    if not os.access(BINARY, os.X_OK):
        pytest.skip(f"{BINARY} is missing: run 'swift build --product gatehouse' first")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    environment = dict(os.environ)
    environment.update(
        {
            "GATEHOUSE_HOST": "127.0.0.1",
            "GATEHOUSE_PORT": str(port),
            "GATEHOUSE_ISSUER": issuer,
            "GATEHOUSE_DATABASE": os.path.join(folder, "gatehouse.sqlite"),
            "GATEHOUSE_DIRECTORY_CONFIG": directory,
            "GATEHOUSE_KEK": base64.b64encode(os.urandom(32)).decode(),
            "GATEHOUSE_LOG_LEVEL": "notice",
        }
    )
    if demo:
        environment["GATEHOUSE_DEMO"] = "true"
        environment["GATEHOUSE_DEMO_CLIENT_SECRET"] = "console-demo-secret"
    log_path = os.path.join(folder, "server.log")
    log = open(log_path, "w")
    process = subprocess.Popen([BINARY, "serve"], cwd=REPOSITORY, env=environment, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    server = Server(issuer, process, log_path)
    # Even if pytest itself is interrupted before the fixture's teardown.
    atexit.register(stop_server, server)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gatehouse serve exited with {process.returncode}:\n{server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    stop_server(server)
    pytest.fail(f"gatehouse serve did not listen on {port} within 30 s:\n{server.log()}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="module")
def gatehouse():
    """`gatehouse serve` with fixtures/directory.json, for one test module."""
    with tempfile.TemporaryDirectory(prefix="gatehouse-e2e-") as folder:
        server = start_server(folder, demo=False)
        try:
            yield server
        finally:
            stop_server(server)


@pytest.fixture(scope="module")
def gatehouse_demo():
    """`gatehouse serve` with the /demo app on, for one test module."""
    with tempfile.TemporaryDirectory(prefix="gatehouse-e2e-") as folder:
        server = start_server(folder, demo=True)
        try:
            yield server
        finally:
            stop_server(server)


@pytest.fixture(scope="module")
def gatehouse_shipped_demo():
    """`gatehouse serve` as the README's run command starts it: config/gatehouse.json, the /demo app, and
    the built-in SAML and OIDC test IdPs behind the Acme and Northwind organizations."""
    with tempfile.TemporaryDirectory(prefix="gatehouse-e2e-") as folder:
        server = start_server(folder, demo=True, directory=os.path.join(REPOSITORY, "config", "gatehouse.json"))
        try:
            yield server
        finally:
            stop_server(server)


class Form:
    """The first POST form of a page: its action and its fields."""

    def __init__(self, action: str, fields: dict[str, str]):
        self.action = action
        self.fields = fields


class _FormParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("method", "get").lower() == "post":
            self._current = Form(attributes.get("action", ""), {})
        elif tag == "input" and self._current is not None and attributes.get("name"):
            self._current.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form" and self._current is not None:
            self.forms.append(self._current)
            self._current = None


def post_form(page: str) -> Form:
    parser = _FormParser()
    parser.feed(page)
    assert parser.forms, f"the page has no form:\n{page[:2000]}"
    return parser.forms[0]


def query(location: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
