"""Build a real `Agent` on a tmp workspace with a `FakeHost` and a `ScriptedModel`.

Everything is the production engine (config loading, thread store, tools, patch
engine, undo); only the model is scripted and the front end is the in-process host.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codex_lsp.agent import tasks
from codex_lsp.agent.engine import Agent
from codex_lsp.agent.thread import Thread
from codex_lsp.config import load_config
from codex_lsp.core.workspace import Workspace

from .fake_host import FakeHost
from .scripted_model import ScriptedModel, call, reply, text

__all__ = ["EDIT", "NEW", "OLD", "PATCH", "Core", "edit_script", "make_core"]

TEST_KEY = "sk-test-core-0000"


@dataclass
class Core:
    """An agent with its host, model and workspace root, ready for a test."""

    agent: Agent
    host: FakeHost
    model: ScriptedModel
    root: Path

    def path(self, name: str) -> Path:
        """Absolute path of a workspace file (as the engine resolves it)."""
        return self.root / name

    def write(self, name: str, text: str) -> Path:
        """Create a workspace file with exactly `text` (no newline translation)."""
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        return path

    def read(self, name: str) -> str:
        """A workspace file's exact text."""
        return self.path(name).read_bytes().decode("utf-8")

    @property
    def thread(self) -> Thread:
        """The agent's current thread (there is one after the first run)."""
        assert self.agent.current is not None
        return self.agent.current


def make_core(
    tmp_path: Path,
    model: ScriptedModel | None = None,
    host: FakeHost | None = None,
    **config: Any,
) -> Core:
    """An `Agent` on `tmp_path/ws` with `$CODEX_HOME` at `tmp_path/home`; `config` overrides."""
    root = tmp_path / "ws"
    root.mkdir(exist_ok=True)
    loaded = load_config(
        home=tmp_path / "home", env={"OPENAI_API_KEY": TEST_KEY}, overrides=config or None
    )
    model = model if model is not None else ScriptedModel()
    host = host if host is not None else FakeHost()
    workspace = Workspace([root])
    agent = Agent(loaded, workspace, host, client_factory=lambda _loaded: model)
    return Core(agent, host, model, workspace.primary)


# ---- a sample edit, shared by the engine suites ------------------------------------

OLD = "def greet(name):\n    return 'hi ' + name\n"
NEW = "def greet(name):\n    return f'hello {name}'\n"
PATCH = """*** Begin Patch
*** Update File: hello.py
@@
 def greet(name):
-    return 'hi ' + name
+    return f'hello {name}'
*** End Patch"""
"""Turns `OLD` (in hello.py) into `NEW`."""
EDIT = tasks.run_task("Greet with hello")


def edit_script() -> ScriptedModel:
    """The model says "Editing.", sends `PATCH` (call c1), then answers "Done."."""
    return ScriptedModel(
        reply(text("Editing."), call("apply_patch", {"input": PATCH}, "c1")),
        reply(text("Done.")),
    )
