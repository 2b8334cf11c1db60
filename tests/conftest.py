"""Session-wide test setup.

The scripted servers listen on loopback: a developer's HTTP(S)_PROXY must not route the
suite's requests through a proxy, so loopback is added to NO_PROXY here (tests that want a
proxy set their own environment).  Child processes inherit it.
"""

from __future__ import annotations

import os

LOOPBACK = ("127.0.0.1", "localhost", "::1")
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy")


def pytest_configure() -> None:
    if not any(os.environ.get(v) or os.environ.get(v.upper()) for v in PROXY_VARS):
        return
    for name in ("no_proxy", "NO_PROXY"):
        present = [e for e in os.environ.get(name, "").split(",") if e.strip()]
        os.environ[name] = ",".join([*present, *(h for h in LOOPBACK if h not in present)])
