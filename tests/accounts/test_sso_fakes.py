"""Local stand-ins for Microsoft, shared by the SSO, Graph and lock-down tests (no tests here).

- `oidc_provider`: a real OpenID Connect provider (oidc-provider-mock) on a random
  localhost port, driven over HTTP exactly as a browser would drive Entra ID.
- `microsoft`: an HTTPS fake of Entra's token endpoint (client credentials) and
  the few Graph calls the portal makes, plus a Teams webhook. MSAL insists on
  https, so this is a real TLS server with a throw-away CA made here with
  `cryptography`; the portal code reaches it through its ordinary
  `requests`/MSAL stack, trusting that CA via REQUESTS_CA_BUNDLE (which also
  overrides any machine-wide bundle, as TESTING.md notes). Chosen over an
  `http_client=` session with a routing adapter because nothing in the code under
  test has to be swapped out for the test: only URLs from settings change.
"""

from __future__ import annotations

import copy
import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.urls import reverse
from oidc_provider_mock import run_server_in_thread

TENANT = "5f8c2a4e-1b3d-4c6e-9a7f-0d2e4b6c8a10"
OTHER_TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
CLIENT_ID = "7d3e9b1a-2c4f-4e6a-8b0d-1f3a5c7e9b2d"
CLIENT_SECRET = "test-client-secret"
MAILBOX = "dx-coe-portal@city.example.jp"
ROLE_MAP = {
    "DXPortal.Staff": "staff",
    "DXPortal.COE": "coe",
    "DXPortal.Manager": "manager",
    "DXPortal.Admin": "admin",
}
CALLBACK_PATH = "/accounts/oidc/entra/login/callback/"


# --- the OpenID Connect provider ---------------------------------------------------------


class OIDCProvider:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.port = urlsplit(base_url).port

    def user_set(self, sub: str, claims: dict) -> None:
        # Non-standard claims (oid, tid, roles, groups, department…) go into the ID token.
        response = requests.put(f"{self.base_url}/users/{sub}", json=claims, timeout=5)
        assert response.status_code == 204, response.text

    def authorize(self, authorize_url: str, sub: str) -> str:
        """The user signs in at the provider: returns where it sends the browser back."""
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def deny(self, authorize_url: str) -> str:
        response = requests.post(authorize_url, data={"action": "deny"}, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


@pytest.fixture(scope="session")
def oidc_provider():
    with run_server_in_thread() as server:
        yield OIDCProvider(f"http://localhost:{server.server_port}")


def entra_claims(oid: str, **extra) -> dict:
    claims = {
        "oid": oid,
        "tid": TENANT,
        "preferred_username": f"{oid[:8]}@city.example.jp",
        "email": f"{oid[:8]}@city.example.jp",
        "name": "市役所 太郎",
    }
    claims.update(extra)
    return {key: value for key, value in claims.items() if value is not None}


def providers_with_entra(settings, server_url: str, **app_settings) -> dict:
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["openid_connect"] = {
        "APPS": [
            {
                "provider_id": "entra",
                "name": "Microsoft",
                "client_id": CLIENT_ID,
                "secret": CLIENT_SECRET,
                "settings": {
                    "server_url": server_url,
                    "fetch_userinfo": False,
                    "oauth_pkce_enabled": True,
                    "uid_field": "oid",
                    "token_auth_method": "client_secret_post",
                    "scope": ["openid", "profile", "email"],
                    **app_settings,
                },
            }
        ]
    }
    return providers


@pytest.fixture
def entra(settings, oidc_provider):
    """Production-like: SSO configured against the local provider, local sign-in off."""
    settings.ENTRA_TENANT_ID = TENANT
    settings.ENTRA_CLIENT_ID = CLIENT_ID
    settings.ENTRA_CLIENT_SECRET = CLIENT_SECRET
    settings.PORTAL_SSO_ENABLED = True
    settings.PORTAL_LOCAL_LOGIN = False
    settings.ENTRA_ROLE_CLAIM = "roles"
    settings.ENTRA_ROLE_MAP = dict(ROLE_MAP)
    settings.ENTRA_UNMAPPED = "staff"
    settings.ENTRA_LOGOUT_URL = f"{oidc_provider.base_url}/oauth2/end_session"
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 5
    settings.GRAPH_ENABLED = False
    settings.SOCIALACCOUNT_PROVIDERS = providers_with_entra(settings, oidc_provider.base_url)
    return oidc_provider


def sign_in_start(client, next_url: str = ""):
    """Press "Sign in with Microsoft": returns the portal's answer (a redirect to the provider)."""
    return client.post(reverse("openid_connect_login", args=["entra"]), {"next": next_url} if next_url else {})


def sign_in(client, provider: OIDCProvider, sub: str, next_url: str = ""):
    """The whole authorization-code flow through the test client; returns the callback's answer."""
    start = sign_in_start(client, next_url)
    assert start.status_code == 302, start.content
    callback_url = provider.authorize(start["Location"], sub)
    return client.get(callback_url)


# --- the HTTPS fake of the token endpoint, Graph and Teams ---------------------------------


def _tls_material(directory) -> tuple[str, str, str]:
    """A CA and a localhost certificate it signed: (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "DX COE Portal test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = (directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return tuple(str(p) for p in paths)


@pytest.fixture(scope="session")
def tls_material(tmp_path_factory):
    return _tls_material(tmp_path_factory.mktemp("tls"))


class MicrosoftFake:
    """Entra's token endpoint for client credentials, and Graph's users / sendMail.

    `script(method, path, *responses)` makes the next calls to that endpoint answer
    (status, headers) without doing anything, e.g. a 429 before the real 202.
    """

    def __init__(self) -> None:
        self.base_url = ""
        self.lock = threading.Lock()
        self.calls: list[tuple[str, str]] = []
        self.token_requests: list[dict] = []
        self.token_lifetimes: deque[int] = deque()
        self.valid_tokens: set[str] = set()
        self.graph_tokens: list[str] = []
        self.users: dict[str, dict] = {}
        self.member_groups: dict[str, set[str]] = {}
        self.sent_mail: list[dict] = []
        self.webhook_posts: list[dict] = []
        self.scripted: dict[tuple[str, str], deque] = defaultdict(deque)

    def script(self, method: str, path: str, *responses: tuple[int, dict]) -> None:
        self.scripted[(method, path)].extend(responses)

    def revoke_all_tokens(self) -> None:
        self.valid_tokens.clear()

    def calls_to(self, method: str, path: str) -> int:
        return sum(1 for call in self.calls if call == (method, path))

    def handle(self, method: str, target: str, headers, body: bytes) -> tuple[int, dict, bytes]:
        path = urlsplit(target).path
        with self.lock:
            self.calls.append((method, path))
            if self.scripted[(method, path)]:
                status, extra_headers = self.scripted[(method, path)].popleft()
                return status, extra_headers, json.dumps({"error": {"code": "scripted", "message": ""}}).encode()
            if path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
                return self._json(
                    200,
                    {
                        "issuer": f"{self.base_url}/{TENANT}/v2.0",
                        "authorization_endpoint": f"{self.base_url}/{TENANT}/oauth2/v2.0/authorize",
                        "token_endpoint": f"{self.base_url}/{TENANT}/oauth2/v2.0/token",
                        "jwks_uri": f"{self.base_url}/{TENANT}/discovery/v2.0/keys",
                    },
                )
            if path == f"/{TENANT}/oauth2/v2.0/token" and method == "POST":
                return self._token(body)
            if path == "/webhook" and method == "POST":
                self.webhook_posts.append(json.loads(body))
                return 202, {}, b""
            if path.startswith("/v1.0/"):
                return self._graph(method, path, headers, body)
            return self._json(404, {"error": {"code": "NotFound", "message": path}})

    @staticmethod
    def _json(status: int, data: dict) -> tuple[int, dict, bytes]:
        return status, {"Content-Type": "application/json"}, json.dumps(data).encode()

    def _token(self, body: bytes):
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        self.token_requests.append(form)
        if form.get("grant_type") != "client_credentials" or (form.get("client_id"), form.get("client_secret")) != (
            CLIENT_ID,
            CLIENT_SECRET,
        ):
            return self._json(401, {"error": "invalid_client", "error_description": "AADSTS7000215"})
        if form.get("scope") != "https://graph.microsoft.com/.default":
            return self._json(400, {"error": "invalid_scope", "error_description": form.get("scope", "")})
        lifetime = self.token_lifetimes.popleft() if self.token_lifetimes else 3600
        token = f"token-{len(self.token_requests)}"
        self.valid_tokens.add(token)
        return self._json(200, {"token_type": "Bearer", "expires_in": lifetime, "access_token": token})

    def _graph(self, method: str, path: str, headers, body: bytes):
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        self.graph_tokens.append(token)
        if token not in self.valid_tokens:
            return self._json(401, {"error": {"code": "InvalidAuthenticationToken", "message": "expired"}})
        parts = path.split("/")  # ['', 'v1.0', 'users', id, action?]
        if len(parts) == 4 and parts[2] == "users" and method == "GET":
            user = self.users.get(parts[3])
            if user is None:
                return self._json(404, {"error": {"code": "Request_ResourceNotFound", "message": parts[3]}})
            return self._json(200, {"id": parts[3], **user})
        if len(parts) == 5 and parts[4] == "checkMemberGroups" and method == "POST":
            wanted = json.loads(body)["groupIds"]
            if len(wanted) > 20:
                return self._json(400, {"error": {"code": "Request_BadRequest", "message": "too many ids"}})
            member = self.member_groups.get(parts[3], set())
            return self._json(200, {"value": [g for g in wanted if g in member]})
        if len(parts) == 5 and parts[4] == "sendMail" and method == "POST":
            if parts[3] != MAILBOX:
                return self._json(403, {"error": {"code": "ErrorAccessDenied", "message": "mailbox not allowed"}})
            self.sent_mail.append(json.loads(body))
            return 202, {}, b""
        return self._json(404, {"error": {"code": "NotFound", "message": path}})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers, payload = self.server.fake.handle(self.command, self.path, self.headers, body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, format, *args) -> None:  # keep test output quiet
        pass


def serve(fake: MicrosoftFake, tls: tuple[str, str, str] | None):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.fake = fake
    scheme = "http"
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls[1], tls[2])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    fake.base_url = f"{scheme}://localhost:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def microsoft(tls_material, monkeypatch):
    """The HTTPS fake, trusted through REQUESTS_CA_BUNDLE for this test only."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls_material[0])
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    fake = MicrosoftFake()
    server, thread = serve(fake, tls_material)
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def webhook():
    """A plain-HTTP fake of a Teams Workflows webhook (POST /webhook)."""
    fake = MicrosoftFake()
    server, thread = serve(fake, None)
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def failing_token_endpoint():
    """A plain-HTTP token endpoint whose answers the test scripts (say, a 503 of an outage):
    `script("POST", "/oauth2/token", (503, {}))`; its URL is `base_url + "/oauth2/token"`."""
    fake = MicrosoftFake()
    server, thread = serve(fake, None)
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def graph_on(settings, microsoft):
    settings.GRAPH_ENABLED = True
    settings.GRAPH_TENANT_ID = TENANT
    settings.GRAPH_CLIENT_ID = CLIENT_ID
    settings.GRAPH_CLIENT_SECRET = CLIENT_SECRET
    settings.GRAPH_AUTHORITY_URL = f"{microsoft.base_url}/{TENANT}"
    settings.GRAPH_ENDPOINT = f"{microsoft.base_url}/v1.0"
    settings.GRAPH_MAILBOX = MAILBOX
    settings.GRAPH_TIMEOUT_SECONDS = 5.0
    settings.GRAPH_MAX_ATTEMPTS = 3
    settings.GRAPH_RETRY_BACKOFF_SECONDS = 0.0
    return microsoft


# --- dead ends -------------------------------------------------------------------------------


@pytest.fixture
def closed_port():
    """A port nothing listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return port


@pytest.fixture
def silent_port():
    """A port that accepts connections and never answers: requests time out."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock.getsockname()[1]
    sock.close()
