"""One connection's state, wired in one place: what every handler is given.

`Session.__init__` builds each part once, in order, from the parts before it;
nothing is assigned afterwards. Where two parts need each other (pending changes
publish through the diagnostics, which list the pending changes; parts that read
the agent built after them), a short lambda reads the later part when called.
Nothing here knows pygls's server: it gets the client, the open documents and the
configuration first loaded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pygls.workspace import TextDocument

from codex_lsp.agent.clients import ClientFactory
from codex_lsp.agent.engine import Agent
from codex_lsp.background import BackgroundTasks
from codex_lsp.completion.service import InlineCompletions
from codex_lsp.config.lenient import load_config_keeping_valid
from codex_lsp.config.loader import LoadedConfig
from codex_lsp.core.workspace import Workspace
from codex_lsp.lsp.edits.approval_prompt import ApprovalPrompt
from codex_lsp.lsp.edits.host import LspHost
from codex_lsp.lsp.edits.pending_changes import PendingChanges
from codex_lsp.lsp.edits.waiting_commands import WaitingCommands
from codex_lsp.lsp.features.sign_in import SignIn
from codex_lsp.lsp.session.client import Client
from codex_lsp.lsp.session.config_watch import ConfigWatch, ProblemReport
from codex_lsp.lsp.session.documents import Documents
from codex_lsp.lsp.session.editor_capabilities import ClientCapabilities
from codex_lsp.lsp.session.editor_intel import EditorIntel
from codex_lsp.lsp.session.finding_diagnostics import Diagnostics
from codex_lsp.lsp.session.progress import TurnReporter
from codex_lsp.lsp.session.turns import TurnRegistry
from codex_lsp.models.factory import create_client

log = logging.getLogger(__name__)


class Session:
    """The agent and the connection's services, for the handlers and the agent's host."""

    def __init__(
        self,
        client: Client,
        open_documents: Callable[[], dict[str, TextDocument]],
        loaded: LoadedConfig,
        background: BackgroundTasks,
        model_client: ClientFactory = create_client,
        root: Path | None = None,
    ) -> None:
        self.client = client
        self.background = background
        self.documents = Documents(open_documents, lambda: self.agent.workspace)
        reporters: dict[str, TurnReporter] = {}
        prompt = ApprovalPrompt(
            client,
            self.documents.relative,
            lambda: float(self.agent.loaded.config.approval_timeout_sec),
            self.documents.uri_for,
        )
        self.pending = PendingChanges(
            lambda paths: self.diagnostics.publish(paths), client.show_message
        )
        """Proposed changes waiting for a code action or `codex.approve`."""
        self.waiting_commands: WaitingCommands = self.pending.commands
        """Commands and MCP calls waiting the same way (ordered with the changes)."""
        self.diagnostics = Diagnostics(
            client, self.documents, self.pending.diagnostics, lambda: self.agent.store.folder
        )
        """Review findings and the diagnostics published for them."""
        host = LspHost(self.documents, client, prompt, reporters, self.pending)
        self.agent = Agent(loaded, Workspace([root or Path.cwd()]), host, model_client)
        self.sign_in = SignIn(client, self.agent, background, self.reload)
        """Sign-in and sign-out, and the "not signed in" prompts."""
        self.turns = TurnRegistry(self.agent, client, reporters, self.sign_in.startup_check)
        self.completions = InlineCompletions(lambda: self.agent.loaded, self.agent.model_client)
        self.config_watch = ConfigWatch()
        self._config_report = ProblemReport(client)
        self.overrides: dict[str, Any] = {}
        """The client's settings over `config.toml` (init options, then settings changes)."""
        self.config_problems: list[str] = []
        """What was wrong in the last configuration loaded (and what was used instead)."""
        self.started = time.monotonic()
        self.agent.on_problem = self.report_problem  # the engine takes no listener when built

    def initialize(
        self, roots: list[Path], caps: ClientCapabilities, editor: str | None
    ) -> None:
        """What `initialize` tells: the workspace folders, the client's capabilities, its name."""
        self.agent.workspace = Workspace(roots)
        self.client.caps = caps
        if caps.codex_intel:
            self.agent.intel.editor = EditorIntel(self.client)
        self.agent.editor = editor

    # ---- configuration -------------------------------------------------------------

    def configure(self, overrides: dict[str, Any], prompt: bool = True) -> None:
        """Reload the configuration with client overrides; report problems, keep going.

        With no usable credentials (and `prompt`), offer to sign in (see `SignIn`).
        """
        self.overrides = overrides
        loaded, problems = load_config_keeping_valid(overrides=overrides or None)
        self.config_watch.remember(loaded.home, loaded.config.profile)
        self.config_problems = [str(p) for p in problems]
        self.agent.reconfigure(loaded)
        for problem in problems:
            log.warning("configuration: %s", problem)
        for warning in loaded.warnings:
            log.warning("%s", warning)
        self._config_report.report(problems, loaded.warnings)
        self.sign_in.watch()
        if prompt:
            self.sign_in.startup_check()

    def reload(self, prompt: bool) -> None:
        """Load the configuration again with the same overrides (after a sign-in or out)."""
        self.configure(self.overrides, prompt)

    def reload_if_changed(self) -> None:
        """Before a command: load the configuration again if its files changed."""
        if self.config_watch.changed():
            log.info("configuration files changed: loading them again")
            self.reload(prompt=False)

    def report_problem(self, problem: str) -> None:
        """A problem the agent hit outside any command (e.g. an unusable tool)."""
        self.client.show_message(f"codex-lsp: {problem}", 2)
