"""Which windows may share an MCP server (`sharing.share_key`) and how long an unused one
stays (`sharing.Pool`), in process: the broker's bookkeeping without the broker."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from codex_lsp.config.model import McpServerConfig
from codex_lsp.mcp.sharing import (
    Pool,
    config_from_json,
    config_json,
    decode,
    encode,
    idle_seconds,
    inherited_env,
    placed,
    share_key,
    shareable,
)

ENTRY = McpServerConfig(command="srv", args=["--x"], env={"TOKEN": "s3cret"})
WINDOW_ENV = {"HOME": "/home/u", "PATH": "/bin", "OPENAI_API_KEY": "sk-no", "EDITOR": "vi"}


def key(name: str = "calc", config: McpServerConfig = ENTRY, env: dict[str, str] | None = None,
        cwd: str = "/w") -> str:
    return share_key(name, placed(config, cwd), inherited_env(WINDOW_ENV if env is None else env))


def test_the_same_entry_in_the_same_place_is_shared() -> None:
    assert key() == key()
    # What a stdio server does not get from its window does not split it.
    assert key(env={**WINDOW_ENV, "EDITOR": "emacs", "OPENAI_API_KEY": "other"}) == key()


@pytest.mark.parametrize("other", [
    {"name": "calc2"},
    {"config": McpServerConfig(command="srv", args=["--y"], env={"TOKEN": "s3cret"})},
    {"config": McpServerConfig(command="srv", args=["--x"], env={"TOKEN": "other"})},
    {"config": McpServerConfig(command="srv", args=["--x"], env={"TOKEN": "s3cret"},
                               tool_timeout_sec=5)},
    {"env": {**WINDOW_ENV, "HOME": "/home/v"}},
    {"env": {**WINDOW_ENV, "TZ": "UTC"}},
    {"cwd": "/elsewhere"},
])
def test_any_difference_the_server_would_see_means_its_own_process(
    other: dict[str, object]
) -> None:
    assert key(**other) != key()  # type: ignore[arg-type]


def test_the_working_directory_is_the_windows_unless_the_entry_names_one() -> None:
    assert placed(ENTRY, "/w").cwd == "/w"
    assert placed(McpServerConfig(command="srv", cwd="tools"), "/w").cwd == "/w/tools"
    assert placed(McpServerConfig(command="srv", cwd="/abs"), "/w").cwd == "/abs"
    # Two windows in different folders whose entry names the same absolute folder share.
    fixed = McpServerConfig(command="srv", cwd="/abs")
    assert key(config=fixed, cwd="/a") == key(config=fixed, cwd="/b")


def test_only_started_stdio_servers_are_shared() -> None:
    assert shareable(ENTRY)
    assert not shareable(McpServerConfig(command="srv", enabled=False))
    assert not shareable(McpServerConfig(url="http://127.0.0.1:1/mcp"))


def test_an_entry_travels_to_the_broker_unchanged_and_a_bad_one_is_refused() -> None:
    sent = json.loads(encode({"config": config_json(ENTRY)}))
    assert config_from_json(sent["config"]) == ENTRY
    with pytest.raises(ValueError, match="unknown server entry fields: shell"):
        config_from_json({**config_json(ENTRY), "shell": "rm"})
    with pytest.raises(ValueError, match="bad server entry"):
        config_from_json({"command": None, "url": None})
    with pytest.raises(ValueError):
        config_from_json(["not", "an", "object"])
    assert decode(b"[1]\n") is None and decode(b"{oops\n") is None


def test_the_idle_period_comes_from_the_environment() -> None:
    assert idle_seconds({}) == 300.0
    assert idle_seconds({"CODEX_LSP_MCP_IDLE": "2.5"}) == 2.5
    assert idle_seconds({"CODEX_LSP_MCP_IDLE": "-1"}) == 0.0
    assert idle_seconds({"CODEX_LSP_MCP_IDLE": "soon"}) == 300.0


class Timers:
    """A scheduler whose calls run when the test says the time has come."""

    def __init__(self) -> None:
        self.pending: list[tuple[float, Callable[[], None], list[bool]]] = []

    def schedule(self, delay: float, callback: Callable[[], None]) -> Timers.Handle:
        cancelled: list[bool] = []
        self.pending.append((delay, callback, cancelled))
        return Timers.Handle(cancelled)

    def elapse(self) -> None:
        due, self.pending = self.pending, []
        for _delay, callback, cancelled in due:
            if not cancelled:
                callback()

    class Handle:
        def __init__(self, cancelled: list[bool]) -> None:
            self._cancelled = cancelled

        def cancel(self) -> None:
            self._cancelled.append(True)


def pool() -> tuple[Pool[str], list[str], Timers]:
    stopped: list[str] = []
    timers = Timers()
    return Pool(60.0, stopped.append, timers.schedule), stopped, timers


def test_windows_share_a_value_and_the_last_one_starts_the_idle_period() -> None:
    shared, stopped, timers = pool()
    made: list[str] = []

    def make() -> str:
        made.append("server")
        return f"server{len(made)}"

    assert shared.acquire("k", make) == "server1"
    assert shared.acquire("k", make) == "server1"
    assert made == ["server"] and shared.users("k") == 2
    shared.release("k")
    assert not timers.pending  # one window still uses it
    shared.release("k")
    assert [d for d, _c, _x in timers.pending] == [60.0] and stopped == []
    timers.elapse()
    assert stopped == ["server1"] and "k" not in shared


def test_a_window_within_the_idle_period_keeps_the_server() -> None:
    shared, stopped, timers = pool()
    shared.acquire("k", lambda: "server")
    shared.release("k")
    assert shared.acquire("k", lambda: "new") == "server"  # a reload finds it running
    timers.elapse()  # the idle period of the first window is over, but it is used again
    assert stopped == [] and shared.users("k") == 1
    shared.release("k")
    timers.elapse()
    assert stopped == ["server"]


def test_a_server_not_worth_keeping_stops_with_its_last_window() -> None:
    shared, stopped, timers = pool()
    shared.acquire("k", lambda: "failed")
    shared.release("k", keep=False)
    assert stopped == ["failed"] and not timers.pending
    shared.release("k")  # a release too many changes nothing
    assert stopped == ["failed"]


def test_ending_the_broker_stops_everything_once() -> None:
    shared, stopped, timers = pool()
    shared.acquire("a", lambda: "used")
    shared.acquire("b", lambda: "warm")
    shared.release("b")
    assert sorted(shared.drain()) == ["used", "warm"]
    timers.elapse()  # the warm one's idle period had been cancelled
    assert stopped == [] and "a" not in shared
