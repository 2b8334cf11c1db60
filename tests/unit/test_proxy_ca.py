"""Proxies and company CAs in process: which proxy a URL takes, and a real TLS server whose
certificate comes from a company CA (through a real tinyproxy: tests/integration/test_proxy_ca.py)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from codex_lsp.models.base import ModelError, ModelRequest
from codex_lsp.models.responses import ResponsesClient
from codex_lsp.net import NetworkSetupError, bypasses_proxy, ca_file, proxy_for
from tests.support.model_http import _HTTPServer
from tests.support.model_server import Reply, ScriptedModelServer, Text
from tests.support.tls_ca import CertPaths, make_ca, tls_context
from tests.unit.test_chat_client import endpoint, request

PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start each test from no proxy and no CA settings (the machine's included)."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    for name in ("CODEX_CA_CERTIFICATE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def certs(tmp_path: Path) -> CertPaths:
    return make_ca(tmp_path / "tls")


class TlsModelServer(ScriptedModelServer):
    """The scripted model server over HTTPS, with a certificate from the test CA."""

    def __init__(self, certs: CertPaths) -> None:
        super().__init__()
        self._tls = tls_context(certs)

    def start(self) -> ScriptedModelServer:
        httpd = _HTTPServer((self.host, 0), self.handler_class)
        httpd.socket = self._tls.wrap_socket(httpd.socket, server_side=True)
        httpd.owner = self
        self._port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}/v1"


async def _answer(base_url: str, req: ModelRequest | None = None) -> str:
    client = ResponsesClient(endpoint(base_url))
    try:
        events = [e async for e in client.stream(req or request())]
    finally:
        await client.aclose()
    return "".join(getattr(e, "text", "") for e in events)


# -- choosing the proxy ------------------------------------------------------------------


def test_proxy_choice_follows_curl_rules() -> None:
    env = {"HTTPS_PROXY": "proxy.corp:3128", "http_proxy": "http://p:1", "ALL_PROXY": "http://a:2"}
    assert proxy_for("https://api.openai.com/v1", env) == "http://proxy.corp:3128"
    assert proxy_for("http://example.com", env) == "http://p:1"
    assert proxy_for("ws://example.com", env) == "http://a:2"
    assert proxy_for("https://x", {}) is None


@pytest.mark.parametrize(
    ("no_proxy", "url", "bypass"),
    [
        ("*", "https://api.openai.com", True),
        ("openai.com", "https://api.openai.com", True),
        (".openai.com", "https://api.openai.com", True),
        ("openai.com", "https://notopenai.com", False),
        ("10.0.0.0/8, localhost", "http://10.1.2.3:8080", True),
        ("127.0.0.1:9999", "http://127.0.0.1:1234", True),
        ("::1", "http://[::1]:80", True),
        ("", "http://127.0.0.1", False),
    ],
)
def test_no_proxy_entries(no_proxy: str, url: str, bypass: bool) -> None:
    env = {"NO_PROXY": no_proxy, "HTTPS_PROXY": "http://p:1", "HTTP_PROXY": "http://p:1"}
    assert bypasses_proxy(url, env) is bypass
    assert (proxy_for(url, env) is None) is bypass


def test_ca_precedence_is_codexs() -> None:
    env = {"SSL_CERT_FILE": "/b.pem", "CODEX_CA_CERTIFICATE": "/a.pem"}
    assert ca_file(env) == ("CODEX_CA_CERTIFICATE", "/a.pem")
    assert ca_file({"SSL_CERT_FILE": "/b.pem"}) == ("SSL_CERT_FILE", "/b.pem")
    assert ca_file({}) is None


def test_socks_without_socksio_is_a_clear_error() -> None:
    try:
        import socksio  # noqa: F401
    except ImportError:
        with pytest.raises(NetworkSetupError, match="SOCKS proxy"):
            proxy_for("https://x", {"ALL_PROXY": "socks5://127.0.0.1:1080"})
    else:
        assert proxy_for("https://x", {"ALL_PROXY": "socks5://h:1"}) == "socks5://h:1"


# -- company CA --------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["CODEX_CA_CERTIFICATE", "SSL_CERT_FILE"])
async def test_company_ca_is_trusted_when_named(
    certs: CertPaths, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, str(certs.ca))
    with TlsModelServer(certs) as server:
        server.script(Reply([Text("secure")]))
        assert await _answer(server.base_url) == "secure"


async def test_codex_ca_certificate_wins_over_ssl_cert_file(
    certs: CertPaths, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CODEX_CA_CERTIFICATE", str(certs.ca))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with TlsModelServer(certs) as server:
        server.script(Reply([Text("secure")]))
        assert await _answer(server.base_url) == "secure"


async def test_company_ca_missing_is_refused_with_the_fix(certs: CertPaths) -> None:
    with TlsModelServer(certs) as server:
        server.script(Reply([Text("never")]))
        with pytest.raises(ModelError) as caught:
            await _answer(server.base_url)
        assert not server.requests  # the handshake failed: nothing reached the server
    message = caught.value.message
    assert "securely" in message and "CERTIFICATE_VERIFY_FAILED" in message
    assert "set CODEX_CA_CERTIFICATE to that CA's PEM file" in message
    assert not caught.value.retryable


async def test_unreadable_ca_file_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = tmp_path / "not-a-cert.pem"
    bad.write_text("hello\n")
    monkeypatch.setenv("CODEX_CA_CERTIFICATE", str(bad))
    with pytest.raises(ModelError, match=r"CODEX_CA_CERTIFICATE names .*no usable PEM"):
        await _answer("https://127.0.0.1:9/v1")
    monkeypatch.setenv("CODEX_CA_CERTIFICATE", str(tmp_path / "absent.pem"))
    with pytest.raises(ModelError, match=r"absent\.pem, which does not exist"):
        await _answer("https://127.0.0.1:9/v1")
