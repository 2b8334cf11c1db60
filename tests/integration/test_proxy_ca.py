"""Proxies and company CAs, through a real proxy (Debian's tinyproxy) and a real TLS server.

Every request here leaves a real httpx/httpx2 client built by `codex_lsp.net`: a model
request, a token refresh, an MCP-over-HTTP request.  tinyproxy adds `Via: ... tinyproxy`
to what it forwards, so the server can tell whether a request came through it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from codex_lsp.auth.refresh import request_refresh
from codex_lsp.net import mcp_transport
from tests.support.chatgpt_auth import ScriptedAuthority
from tests.support.model_server import Reply, ScriptedModelServer, Text
from tests.support.tinyproxy import TinyProxy, tinyproxy_binary
from tests.support.tls_ca import CertPaths
from tests.unit.test_proxy_ca import TlsModelServer, _answer, certs, no_proxy_env

__all__ = ["certs", "no_proxy_env"]  # the fixtures (no_proxy_env: autouse)

needs_tinyproxy = pytest.mark.skipif(
    tinyproxy_binary() is None, reason="tinyproxy is not installed (.ci/apt-packages-wire.txt)"
)


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[TinyProxy]:
    with TinyProxy(tmp_path / "proxy") as running:
        yield running


@needs_tinyproxy
async def test_model_request_goes_through_the_proxy(
    proxy: TinyProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with ScriptedModelServer() as server:
        server.script(Reply([Text("via proxy")]))
        assert await _answer(server.base_url) == "via proxy"
        [sent] = server.requests
    assert "tinyproxy" in sent.headers.get("via", "")
    assert f"127.0.0.1:{server.port}/v1/responses" in proxy.log()


@needs_tinyproxy
async def test_no_proxy_bypasses_it(proxy: TinyProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    with ScriptedModelServer() as server:
        server.script(Reply([Text("direct")]))
        assert await _answer(server.base_url) == "direct"
        [sent] = server.requests
    assert "via" not in sent.headers
    assert f"127.0.0.1:{server.port}" not in proxy.log()


@needs_tinyproxy
async def test_refresh_goes_through_the_proxy(
    proxy: TinyProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", proxy.url)
    with ScriptedAuthority() as authority:
        tokens = authority.issue(access_exp=time.time() + 3600)
        fresh = await request_refresh(f"{authority.url}/oauth/token", tokens["refresh_token"])
        [sent] = authority.refreshes()
    assert fresh["access_token"] != tokens["access_token"]
    assert "tinyproxy" in {k.lower(): v for k, v in sent.headers.items()}.get("via", "")


@needs_tinyproxy
async def test_mcp_http_client_goes_through_the_proxy(
    proxy: TinyProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    with ScriptedModelServer() as server:
        url = f"{server.base_url}/models"
        async with httpx2.AsyncClient(transport=mcp_transport(url)) as client:
            response = await client.get(url)
        [sent] = server.requests
    assert response.status_code == 200
    assert "tinyproxy" in sent.headers.get("via", "")


@needs_tinyproxy
async def test_https_through_the_proxy_with_the_company_ca(
    proxy: TinyProxy, certs: CertPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("CODEX_CA_CERTIFICATE", str(certs.ca))
    with TlsModelServer(certs) as server:
        server.script(Reply([Text("tunnelled")]))
        assert await _answer(server.base_url) == "tunnelled"
    assert f"CONNECT 127.0.0.1:{server.port}" in proxy.log()
