"""Every HTTP client codex-lsp opens is built here: proxies and CA certificates as Codex reads them.

Proxies come from the environment, per target URL, the way curl and Codex's reqwest read
them: `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy`/`HTTP_PROXY` for http,
`all_proxy`/`ALL_PROXY` otherwise; `no_proxy`/`NO_PROXY` (host names, `.domain`
suffixes, IP addresses, CIDR ranges, `*`) bypasses them.  Loopback is proxied like any
other host unless NO_PROXY names it (as curl and Codex do); the test suite sets
NO_PROXY for loopback so a developer's proxy never sees the scripted servers.

CA certificates, in Codex's precedence: `CODEX_CA_CERTIFICATE`, else `SSL_CERT_FILE`, a PEM
file (a bundle may hold several certificates) trusted in addition to the usual roots.

httpx's own reading of the environment stays off (`trust_env=False`): the decision is made
here once, the same for httpx (model, sign-in, refresh, revoke, check) and httpx2 (MCP).
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import ssl
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx
    import httpx2

CA_ENV_VARS = ("CODEX_CA_CERTIFICATE", "SSL_CERT_FILE")
"""Where a company CA bundle may be named, first set wins (Codex's order)."""


class NetworkSetupError(ValueError):
    """The proxy or CA settings cannot be used; the message names the variable and the fix."""


def _env_value(env: Mapping[str, str], name: str) -> str:
    """`name` in lower case first (curl's habit), then upper case; stripped."""
    return (env.get(name.lower()) or env.get(name.upper()) or "").strip()


def _host_matches(host: str, entry: str) -> bool:
    entry = entry.strip().lower()
    if not entry:
        return False
    if entry == "*":
        return True
    if entry.startswith("[") and "]" in entry:  # [::1]:port
        entry = entry[1 : entry.index("]")]
    elif entry.count(":") == 1:  # host:port: the port is not compared
        entry = entry.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        try:
            return address in ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return False
    entry = entry.lstrip("*").lstrip(".")
    return host == entry or host.endswith("." + entry)


def bypasses_proxy(url: str, env: Mapping[str, str] | None = None) -> bool:
    """Whether NO_PROXY names `url`'s host."""
    env = os.environ if env is None else env
    host = (urlsplit(url).hostname or "").lower()
    entries = _env_value(env, "no_proxy").split(",")
    return bool(host) and any(_host_matches(host, entry) for entry in entries)


def proxy_for(url: str, env: Mapping[str, str] | None = None) -> str | None:
    """The proxy URL to reach `url` through, or None for a direct connection."""
    env = os.environ if env is None else env
    scheme = urlsplit(url).scheme.lower()
    proxy = _env_value(env, f"{scheme}_proxy") if scheme in ("http", "https") else ""
    proxy = proxy or _env_value(env, "all_proxy")
    if not proxy or bypasses_proxy(url, env):
        return None
    if "://" not in proxy:
        proxy = f"http://{proxy}"
    socks = proxy.startswith(("socks5://", "socks5h://", "socks4://"))
    if socks and importlib.util.find_spec("socksio") is None:
        raise NetworkSetupError(
            f"The proxy {proxy} is a SOCKS proxy, which needs the socksio package: "
            "pip install 'httpx[socks]', or set HTTPS_PROXY to an HTTP proxy."
        )
    return proxy


def ca_file(env: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(variable, path) of the CA bundle to trust in addition to the usual roots, if any."""
    env = os.environ if env is None else env
    for name in CA_ENV_VARS:
        value = env.get(name, "").strip()
        if value:
            return name, value
    return None


@lru_cache(maxsize=8)
def _context_for(bundle: tuple[str, str] | None) -> ssl.SSLContext:
    try:
        import certifi

        context = ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        context = ssl.create_default_context()
    if bundle is not None:
        name, path = bundle
        try:
            context.load_verify_locations(cafile=path)
        except FileNotFoundError as exc:
            raise NetworkSetupError(
                f"{name} names {path}, which does not exist: point it at your company's "
                "CA certificate (a PEM file) or unset it."
            ) from exc
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise NetworkSetupError(
                f"{name} names {path}, which holds no usable PEM certificate ({exc}): point it "
                "at your company's CA certificate (-----BEGIN CERTIFICATE----- ...) or unset it."
            ) from exc
    return context


def ssl_context(env: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """The usual roots plus the bundle named by CODEX_CA_CERTIFICATE or SSL_CERT_FILE."""
    return _context_for(ca_file(env))


def _settings(url: str) -> dict[str, Any]:
    return {"verify": ssl_context(), "proxy": proxy_for(url), "trust_env": False}


def async_client(url: str, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client for requests to `url`'s origin (proxy and CA from the environment)."""
    import httpx

    return httpx.AsyncClient(**_settings(url), **kwargs)


def sync_client(url: str, **kwargs: Any) -> httpx.Client:
    """The blocking twin of `async_client` (`codex-lsp check`)."""
    import httpx

    return httpx.Client(**_settings(url), **kwargs)


def mcp_transport(url: str) -> httpx2.AsyncHTTPTransport:
    """The httpx2 transport to an MCP server over HTTP (proxy and CA from the environment)."""
    import httpx2

    return httpx2.AsyncHTTPTransport(verify=ssl_context(), proxy=proxy_for(url))


def tls_hint(exc: BaseException) -> str:
    """A next step when `exc` is a refused certificate, else ""."""
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" not in text and "certificate verify failed" not in text:
        return ""
    bundle = ca_file()
    if bundle is not None:
        return (
            f" The server's certificate is not signed by a CA in {bundle[1]} ({bundle[0]}) or "
            "the usual roots."
        )
    return (
        " The server's certificate is not trusted: if your network uses its own CA (a company "
        "proxy), set CODEX_CA_CERTIFICATE to that CA's PEM file."
    )
