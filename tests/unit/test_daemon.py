"""The daemon's private folder, its handshake and the stub's fallbacks (real sockets)."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from codex_lsp import __version__, daemon
from codex_lsp.daemon import place, stub, zygote
from codex_lsp.daemon.handoff import receive_request, send_message
from codex_lsp.lsp.rpc.fast_start import EarlyStart


def test_the_socket_folder_is_private(tmp_path: Path) -> None:
    folder = place.runtime_dir({"XDG_RUNTIME_DIR": str(tmp_path)})
    assert folder == tmp_path / "codex-lsp"
    assert folder.stat().st_mode & 0o777 == 0o700


def test_a_folder_others_can_enter_is_refused(tmp_path: Path) -> None:
    (tmp_path / "codex-lsp").mkdir(mode=0o755)
    os.chmod(tmp_path / "codex-lsp", 0o755)
    with pytest.raises(place.DaemonUnavailable, match="open to other users"):
        place.runtime_dir({"XDG_RUNTIME_DIR": str(tmp_path)})


def test_without_a_runtime_dir_the_socket_is_under_codex_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert place.runtime_dir({"CODEX_HOME": str(home)}) == home / "run"


def test_a_socket_path_too_long_is_refused(tmp_path: Path) -> None:
    deep = tmp_path / ("x" * 120)
    deep.mkdir()
    with pytest.raises(place.DaemonUnavailable, match="too long"):
        place.socket_path({"XDG_RUNTIME_DIR": str(deep)}, print_="0" * 16)


def test_the_fingerprint_changes_with_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = place.fingerprint()
    monkeypatch.setattr(place, "__version__", "0.0.0-other")
    assert place.fingerprint() != before


def _fake_zygote(path: Path, answer: dict[str, object] | None) -> threading.Thread:
    """A listener that takes one request (with its fds) and answers `answer` (or hangs up)."""
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, listener:
            request, fds = receive_request(conn)
            for fd in fds:
                os.close(fd)
            assert request["version"] == __version__ and "env" in request
            if answer is not None:
                send_message(conn, answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ({"ok": False, "error": "the daemon runs codex-lsp 0.0.1"}, "the daemon runs codex-lsp 0.0.1"),
        (None, "no answer"),  # the zygote died during the handshake
    ],
)
def test_a_refusing_or_dying_daemon_means_serving_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    answer: dict[str, object] | None, said: str,
) -> None:
    path = tmp_path / "z.sock"
    monkeypatch.setattr(stub, "_place", lambda: (path, "fp"))
    thread = _fake_zygote(path, answer)
    assert stub.serve_remote([]) is None
    thread.join(5)
    assert said in capsys.readouterr().err


def test_no_daemon_yet_means_serving_in_process_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(stub, "_place", lambda: (tmp_path / "none.sock", "fp"))
    assert stub.serve_remote([]) is None
    assert capsys.readouterr().err == ""


def test_no_daemon_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(daemon.DAEMON_ENV, "1")
    assert daemon.wanted(False, False) and daemon.wanted(True, False)
    assert not daemon.wanted(True, True) and not daemon.wanted(False, True)
    monkeypatch.delenv(daemon.DAEMON_ENV)
    assert not daemon.wanted(False, False)


def test_what_the_first_start_read_travels_with_the_handoff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "z.sock"
    monkeypatch.setattr(stub, "_place", lambda: (path, "fp"))
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.listen(1)
    seen: list[dict[str, object]] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, listener:
            request, fds = receive_request(conn)
            for fd in fds:
                os.close(fd)
            seen.append(request)
            send_message(conn, {"ok": False, "error": "just looking"})

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    read = b"Content-Length: 2\r\n\r\n{}\xff"  # not even UTF-8: passed on as bytes
    assert stub.serve_remote([], EarlyStart(7, read, [7, "a"])) is None
    thread.join(5)
    early = zygote._early_of(seen[0])
    assert early is not None
    assert (early.initialize_id, early.consumed, early.answered) == (7, read, [7, "a"])


@pytest.mark.parametrize("early", [None, "x", {"consumed": "", "answered": [True, {}, 3]}])
def test_a_handoff_without_usable_early_bytes_starts_from_nothing(early: object) -> None:
    got = zygote._early_of({"early": early} if early is not None else {})
    if early is None or early == "x":
        assert got is None
    else:
        assert got is not None and got.consumed == b"" and got.answered == [3]
        assert got.initialize_id is None
