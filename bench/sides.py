"""The two measured sides behind one `Side` protocol, so each bench section is written once.

`LspSide` drives codex-lsp as an editor would (`LspEditor`: buffers, `workspace/applyEdit`);
`CodexSide` drives `codex app-server` (`CodexClient`: the patch lands on disk).  Each
adapter owns its sandbox and hides what only it has: codex-lsp edits open buffers and
answers code actions, Codex needs an explicit thread and reports child-process memory.
"""

from __future__ import annotations

import asyncio
import socket
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bench.codex_side import CodexClient, native_binary
from bench.fixtures import REPO, Sandbox
from bench.lsp_side import LspEditor
from bench.model import FunctionCall

_LSP_PACKAGES = (
    "pygls", "lsprotocol", "cattrs", "attrs", "attr", "httpx", "httpcore", "anyio", "h11",
    "certifi", "idna", "sniffio",
)
"""What `python -m codex_lsp` imports from site-packages (a missing one is skipped)."""

Range = dict[str, Any]
"""An LSP range (the selection an edit turn is asked about; Codex ignores it)."""


def line_range(start: int, end: int) -> Range:
    """Whole lines `start` up to (not including) `end`."""
    return {"start": {"line": start, "character": 0}, "end": {"line": end, "character": 0}}


@dataclass
class Stream:
    """Counters of one streamed-text turn (times from `time.perf_counter`)."""

    sent: float
    done: float
    events: int
    first_at: float
    last_at: float


class Side(Protocol):
    """What a section needs from either program."""

    name: str  # "lsp" / "codex": the key in figures, details and the scaling table
    workspace: Path  # the sandbox's workspace, where the edited files live
    label: str  # "codex-lsp" / "Codex": progress lines and error messages
    memory_keys: tuple[str, ...]  # memory() keys recorded as idle_*/turns_* figures
    code_actions: bool  # whether code_action/type_char are there (codex-lsp only)

    @property
    def ready_ms(self) -> float | None:
        """Spawn -> first command answered (ms), where that differs from start()."""
        ...

    @property
    def first_code_action_ms(self) -> float | None:
        """Spawn -> first code action answered (ms), where there are code actions."""
        ...

    def program_files(self) -> list[Path]:
        """The files the program loads at start (evicted from the page cache for a cold start)."""
        ...

    async def start(self) -> float:
        """Spawn and initialize; spawn -> initialize response (ms)."""
        ...

    async def begin_thread(self) -> float | None:
        """Later turns run on a fresh conversation; its cost (ms) where there is one."""
        ...

    def patch_call(self, patch: str) -> FunctionCall:
        """The scripted model's apply_patch call in the form this side's tool takes."""
        ...

    def open(self, path: Path, text: str | None = None) -> None:
        """The file at `path` (holding `text`) is one the turns will edit."""
        ...

    def current_text(self, path: Path) -> str:
        """What this side's next edit of `path` starts from."""
        ...

    async def edit(self, path: Path, expected: str, selection: Range) -> dict[str, float]:
        """One edit turn; raises unless `path` then holds `expected`.  Timings (ms)."""
        ...

    async def stream_turn(self, chars: int) -> Stream:
        """One turn streaming text; raises unless exactly `chars` characters arrived."""
        ...

    async def code_action(self, path: Path, line: int) -> float:
        """One code-action round trip (ms)."""
        ...

    def type_char(self, path: Path, line: int) -> None:
        """The user types one character at the start of `line`."""
        ...

    def memory(self) -> dict[str, Any]:
        """Memory of the process (and its tree) right now."""
        ...

    async def stop(self) -> None:
        """Stop the process and remove the sandbox."""
        ...


class LspSide:
    """codex-lsp: edits arrive as `workspace/applyEdit` on the editor's buffers."""

    name = "lsp"
    label = "codex-lsp"
    memory_keys: tuple[str, ...] = ("hwm_mb",)
    code_actions = True

    def __init__(self, base_url: str, tag: str = "", server_args: tuple[str, ...] = ()) -> None:
        self.sandbox = Sandbox.make(_tag(self.name, tag), base_url, codex_cli=False)
        self.workspace = self.sandbox.workspace
        self.server_args = server_args
        self.editor = LspEditor(self.sandbox, server_args=server_args)
        self.turns = 0

    async def restart(self) -> float:
        """Stop the server and start a new one in the same sandbox (a second window)."""
        await self.editor.stop()
        self.editor = LspEditor(self.sandbox, server_args=self.server_args)
        return await self.editor.start()

    async def wait_for_daemon(self, timeout_s: float = 30.0) -> bool:
        """Until the zygote of this sandbox accepts connections (False: it never did)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for path in (self.sandbox.home / "run").glob("zygote-*.sock"):
                with socket.socket(socket.AF_UNIX) as probe:
                    try:
                        probe.connect(str(path))
                        return True
                    except OSError:
                        pass
            await asyncio.sleep(0.05)
        return False

    @property
    def ready_ms(self) -> float | None:
        return self.editor.ready_ms

    @property
    def first_code_action_ms(self) -> float | None:
        return self.editor.first_code_action_ms

    def program_files(self) -> list[Path]:
        """codex-lsp's package and the installed packages it imports (not the stdlib)."""
        purelib = Path(sysconfig.get_paths()["purelib"])
        return [REPO / "codex_lsp", *(purelib / name for name in _LSP_PACKAGES)]

    async def start(self) -> float:
        return await self.editor.start()

    async def begin_thread(self) -> float | None:
        """A server that has run no turn yet has no conversation to leave."""
        if not self.turns:
            return None
        await self.editor.new_thread()
        return None

    def patch_call(self, patch: str) -> FunctionCall:
        """gpt-5.5: codex-lsp declares apply_patch freeform too (a custom_tool_call)."""
        return FunctionCall("apply_patch", patch)

    def open(self, path: Path, text: str | None = None) -> None:
        self.editor.open(path, text)

    def current_text(self, path: Path) -> str:
        return self.editor.buffers[path.as_uri()].text

    async def edit(self, path: Path, expected: str, selection: Range) -> dict[str, float]:
        uri = path.as_uri()
        self.turns += 1
        timings = await self.editor.edit_turn(uri, selection)
        if self.editor.buffers[uri].text != expected:
            raise RuntimeError("the editor buffer is not as expected after the edit")
        return timings

    async def stream_turn(self, chars: int) -> Stream:
        ed = self.editor
        ed.text_chars = ed.text_events = 0
        ed.first_text_at = ed.last_text_at = 0.0
        self.turns += 1
        result, sent, got = await ed.ask("stream a long answer")
        if ed.text_chars != chars or len(result.get("text", "")) != chars:
            raise RuntimeError(
                f"codex-lsp relayed {ed.text_chars} of {chars} characters "
                f"(result text {len(result.get('text', ''))})"
            )
        return Stream(sent, got, ed.text_events, ed.first_text_at, ed.last_text_at)

    async def code_action(self, path: Path, line: int) -> float:
        return await self.editor.code_action(path.as_uri(), line)

    def type_char(self, path: Path, line: int) -> None:
        self.editor.type_char(path.as_uri(), line)

    def memory(self) -> dict[str, Any]:
        return self.editor.memory()

    async def stop(self) -> None:
        try:
            await self.editor.stop()
        finally:
            self.sandbox.remove()


class CodexSide:
    """The Codex CLI: the patch is applied to the file on disk, which the turn polls."""

    name = "codex"
    label = "Codex"
    memory_keys: tuple[str, ...] = ("hwm_mb", "tree_hwm_mb")
    code_actions = False

    def __init__(self, base_url: str, tag: str = "", *, via_launcher: bool = False) -> None:
        self.sandbox = Sandbox.make(_tag(self.name, tag), base_url, codex_cli=True)
        self.workspace = self.sandbox.workspace
        self.client = CodexClient(self.sandbox, via_launcher=via_launcher)

    @property
    def ready_ms(self) -> float | None:
        return None

    @property
    def first_code_action_ms(self) -> float | None:
        return None

    def program_files(self) -> list[Path]:
        binary = native_binary()
        return [binary] if binary is not None else []

    async def start(self) -> float:
        return await self.client.start()

    async def begin_thread(self) -> float | None:
        return await self.client.start_thread()

    def patch_call(self, patch: str) -> FunctionCall:
        """Codex's apply_patch is freeform: the argument is the raw patch, which
        BenchModelServer sends as a custom_tool_call."""
        return FunctionCall("apply_patch", patch)

    def open(self, path: Path, text: str | None = None) -> None:
        """Codex reads the file from disk when the patch comes."""

    def current_text(self, path: Path) -> str:
        return path.read_text()

    async def edit(self, path: Path, expected: str, selection: Range) -> dict[str, float]:
        return await self.client.edit_turn(path, expected)

    async def stream_turn(self, chars: int) -> Stream:
        cx = self.client
        cx.delta_chars = cx.delta_events = 0
        cx.first_delta_at = cx.last_delta_at = 0.0
        sent, done = await cx.text_turn()
        if cx.delta_chars != chars:
            raise RuntimeError(f"Codex relayed {cx.delta_chars} of {chars} characters")
        return Stream(sent, done, cx.delta_events, cx.first_delta_at, cx.last_delta_at)

    async def code_action(self, path: Path, line: int) -> float:
        raise NotImplementedError("Codex has no code actions")

    def type_char(self, path: Path, line: int) -> None:
        raise NotImplementedError("Codex has no editor buffers")

    def memory(self) -> dict[str, Any]:
        return self.client.memory()

    async def stop(self) -> None:
        try:
            await self.client.stop()
        finally:
            self.sandbox.remove()


def _tag(name: str, tag: str) -> str:
    return f"{name}-{tag}" if tag else name
