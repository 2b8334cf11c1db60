"""Command line: serve LSP (stdio default, or --tcp), `check`, `exec`, `login`, `logout`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from codex_lsp import __version__

if TYPE_CHECKING:
    from codex_lsp.lsp.rpc.fast_start import EarlyStart


def _setup_logging(log_file: str | None, verbose: bool) -> None:
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8")
        if log_file
        else logging.StreamHandler(sys.stderr)
    )
    from codex_lsp.redact import RedactingFormatter

    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # pygls logs whole message bodies at INFO: slow, and bodies may hold secrets.
    logging.getLogger("pygls").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs and tests)."""
    parser = argparse.ArgumentParser(
        prog="codex-lsp",
        description="A Codex-style coding agent as a language server. "
        "With no subcommand, serves LSP on stdio.",
    )
    parser.add_argument("--version", action="version", version=f"codex-lsp {__version__}")
    parser.add_argument("--stdio", action="store_true", help="serve on stdin/stdout (default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="serve on a TCP socket instead")
    parser.add_argument("--log-file", metavar="PATH", help="write logs here instead of stderr")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--daemon", action="store_true",
        help="start through a per-user background process that keeps the server loaded "
        "(later starts take milliseconds; also CODEX_LSP_DAEMON=1)",
    )
    parser.add_argument("--no-daemon", action="store_true", help="never use the daemon")
    sub = parser.add_subparsers(dest="subcommand")
    check = sub.add_parser("check", help="print the resolved configuration and test the endpoint")
    check.add_argument(
        "-p", "--profile", metavar="NAME", help="check with $CODEX_HOME/NAME.config.toml layered"
    )
    login = sub.add_parser("login", help="sign in with ChatGPT (as `codex login`)")
    login.add_argument(
        "--device-auth", action="store_true", help="device code sign-in (SSH, containers, WSL)"
    )
    login.add_argument(
        "--with-api-key", action="store_true", help="store an API key read from standard input"
    )
    login.add_argument(
        "--no-browser", action="store_true", help="print the sign-in URL without opening it"
    )
    sub.add_parser("logout", help="revoke and delete the stored sign-in")
    ex = sub.add_parser("exec", help="run the agent once in the terminal (like `codex exec`)")
    ex.add_argument("prompt", help="what to do")
    ex.add_argument("--file", help="file to work on (workspace-relative or absolute)")
    ex.add_argument("--range", metavar="L1:L2", help="1-based inclusive line range in --file")
    ex.add_argument("--yes", action="store_true", help="apply edits without asking")
    ex.add_argument("--cd", metavar="DIR", help="workspace folder (default: current folder)")
    ex.add_argument(
        "-p",
        "--profile",
        metavar="NAME",
        help="layer $CODEX_HOME/NAME.config.toml over config.toml (as Codex's --profile)",
    )
    ex.add_argument(
        "-i",
        "--image",
        metavar="FILE",
        action="append",
        default=[],
        help="attach an image to the prompt (repeatable, or FILE,FILE as Codex's -i)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `codex-lsp` console script."""
    args = build_parser().parse_args(argv)
    _setup_logging(args.log_file, args.verbose)
    if args.subcommand == "check":
        from codex_lsp.check import run_check

        return run_check(args.profile)
    if args.subcommand == "login":
        from codex_lsp.login_cli import run_login

        return run_login(args.device_auth, args.with_api_key, not args.no_browser)
    if args.subcommand == "logout":
        from codex_lsp.login_cli import run_logout

        return run_logout()
    if args.subcommand == "exec":
        from codex_lsp.exec_mode import run_exec

        images = [name for value in args.image for name in value.split(",") if name]
        return run_exec(
            args.prompt, args.file, args.range, args.yes, args.cd, images, args.profile
        )
    from codex_lsp.daemon import wanted

    if args.tcp is None and wanted(args.daemon, args.no_daemon):
        from codex_lsp.daemon import first_start, stub

        argv_ = list(sys.argv[1:] if argv is None else argv)
        code = stub.serve_remote(argv_)
        if code is None:
            outcome = first_start.serve_first(argv_)
            if isinstance(outcome, int):
                return outcome
            return _serve(None, after_load=_preload_soon, early=outcome)
        return code
    return _serve(args.tcp, after_load=_preload_soon)


FIRST_TURN_IMPORTS = ("httpx", "httpx_sse", "codex_lsp.models.responses")
"""What the first model request imports: loaded after the first answers, not before them."""


def _preload_soon(delay_s: float = 1.0) -> None:
    """Import `FIRST_TURN_IMPORTS` in a moment, in the background (or on first use if sooner)."""
    import importlib
    import threading

    def preload() -> None:
        for name in FIRST_TURN_IMPORTS:
            try:
                importlib.import_module(name)
            except ImportError:  # the request that needs it will say so
                pass

    timer = threading.Timer(delay_s, preload)
    timer.daemon = True
    timer.start()


def _serve(
    tcp: str | None,
    early_start: bool = True,
    on_start: Callable[[], Coroutine[Any, Any, None]] | None = None,
    after_load: Callable[[], None] | None = None,
    early: EarlyStart | None = None,
) -> int:
    """Serve until `exit`. `on_start` runs in the loop first; `after_load` once loaded.

    `early`: what was already read from stdin and answered (by the daemon's first start).
    """
    import os
    import threading

    if early is None and early_start and not tcp and (
        os.environ.get("CODEX_LSP_EARLY_INITIALIZE", "1") != "0"
    ):
        # Load the server while a forked helper answers `initialize`, code actions
        # and `codex.status` (early_helper, fast_start).
        from codex_lsp.lsp.rpc.early_helper import HandoffLost, answer_while_loading

        try:
            early = answer_while_loading(import_server, sys.stdin.fileno(), sys.stdout.fileno())
        except HandoffLost as exc:
            logging.getLogger(__name__).error("%s: the editor should start the server again", exc)
            return 1

    import_server()
    from codex_lsp.lsp.rpc.nonblocking_transport import run_stdio, run_tcp
    from codex_lsp.lsp.server import create_server

    server = create_server()
    if early is not None:
        server.protocol.answered_early.update(early.answered)
        logging.getLogger(__name__).debug("answered before loading: ids %s", early.answered)
    if after_load is not None:
        after_load()
    stop = threading.Event()
    server._stop_event = stop
    try:
        if tcp:
            host, _, port = tcp.rpartition(":")
            run_tcp(
                server.protocol,
                stop,
                server._report_server_error,
                host or "127.0.0.1",
                int(port),
                on_listen=lambda h, p: print(
                    f"codex-lsp listening on {h}:{p}", file=sys.stderr, flush=True
                ),
            )
        else:
            already_read = early.consumed if early is not None else b""
            run_stdio(server.protocol, stop, server._report_server_error, on_start, already_read)
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def import_server() -> None:
    """Import the server (pygls, lsprotocol: the slow part), reusing attrs' compiled code."""
    if "codex_lsp.lsp.server" in sys.modules:
        return
    import gc
    import importlib

    from codex_lsp.compile_cache import attrs_code_cache

    gc.disable()  # an import makes long-lived objects, not garbage: ~12% faster without
    try:
        with attrs_code_cache():
            importlib.import_module("codex_lsp.lsp.server")
    finally:
        gc.enable()
