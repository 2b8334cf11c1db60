"""A small real MCP server (official SDK) for tests of codex-lsp's MCP client.

Tests must exercise the real protocol and real process handling, so this is a
genuine server, not a mock. Run it as a script::

    python tests/support/mcp_server.py [--mode serve|exit|hang] [--http] [--token T]

Modes: ``serve`` (default) serves over stdio; ``exit`` writes a message to stderr
and exits with status 3 before speaking MCP (a server that dies at start-up);
``hang`` never answers (a server that misses its start-up timeout).
``--exit-if-exists PATH`` behaves like ``--mode exit`` while PATH exists (a
server that crashed and now fails to start again, until the file is removed).

``--http`` serves streamable HTTP on 127.0.0.1 on a free port instead of stdio
and prints ``LISTENING <url>`` on stdout once the socket is bound; with
``--token T`` every request must carry ``Authorization: Bearer T`` (else 401).

Tools: ``add(a, b)``, ``echo(text)``, ``slow(seconds)``, ``fail(message)``
(raises, so the result has ``isError``), ``pid()`` (the server's process id, so
tests can check the process is gone after shutdown) and ``picture()`` (text plus
an image block). Resources: ``test://readme`` (text), ``test://logo`` (a PNG blob)
and the template ``test://greeting/{name}``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import socket
import sys
import time
from typing import Any

from mcp.server.mcpserver import Image, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

# A 1x1 transparent PNG.
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)

server: MCPServer[Any] = MCPServer("codex-lsp-test")


@server.tool(description="Add two integers.")
def add(a: int, b: int) -> str:
    return str(a + b)


@server.tool(description="Return the text unchanged.")
def echo(text: str) -> str:
    return text


@server.tool(description="Sleep for the given number of seconds, then say so.")
async def slow(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return f"slept {seconds}"


@server.tool(description="Always fails with the given message.")
def fail(message: str = "boom") -> str:
    raise ToolError(message)


@server.tool(description="The server's process id.")
def pid() -> str:
    return str(os.getpid())


@server.tool(description="A caption and a tiny image.", structured_output=False)
def picture() -> list[Any]:
    return ["a tiny picture", Image(data=_PNG, format="png")]


@server.resource("test://readme", name="readme", description="The project readme.", mime_type="text/plain")
def readme() -> str:
    return "Read me first."


@server.resource("test://logo", name="logo", mime_type="image/png")
def logo() -> bytes:
    return _PNG


@server.resource("test://greeting/{name}", name="greeting", description="A greeting for a name.")
def greeting(name: str) -> str:
    return f"Hello, {name}!"


def _serve_http(token: str | None) -> None:
    import uvicorn

    app = server.streamable_http_app()

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if token is not None and scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            if headers.get(b"authorization") != f"Bearer {token}".encode():
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": b"unauthorized"})
                return
        await app(scope, receive, send)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.listen(128)  # before saying so: a client may connect before uvicorn starts serving
    print(f"LISTENING http://127.0.0.1:{port}/mcp", flush=True)
    config = uvicorn.Config(guarded, log_level="warning", lifespan="on")
    uvicorn_server = uvicorn.Server(config)

    # The SDK's session manager runs inside the Starlette app's lifespan.
    asyncio.run(uvicorn_server.serve(sockets=[sock]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["serve", "exit", "hang"], default="serve")
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--token")
    parser.add_argument("--exit-if-exists")
    opts = parser.parse_args()
    if opts.mode == "exit" or (opts.exit_if_exists and os.path.exists(opts.exit_if_exists)):
        print("test server: refusing to start (--mode exit)", file=sys.stderr, flush=True)
        sys.exit(3)
    if opts.mode == "hang":
        while True:
            time.sleep(3600)
    if opts.http:
        _serve_http(opts.token)
    else:
        server.run("stdio")


if __name__ == "__main__":
    main()
