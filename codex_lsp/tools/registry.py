"""The set of tools offered to the model for a turn, by name."""

from __future__ import annotations

from collections.abc import Iterable

from codex_lsp.models.base import ToolSpec
from codex_lsp.tools.apply_patch import ApplyPatch
from codex_lsp.tools.base import Tool
from codex_lsp.tools.exec_command import ExecCommandTool, WriteStdinTool
from codex_lsp.tools.files import GrepFiles, ListDir, ReadFile
from codex_lsp.tools.goals import CreateGoalTool, GetGoalTool, UpdateGoalTool
from codex_lsp.tools.patch_grammar import APPLY_PATCH_LARK, FREEFORM_DESCRIPTION
from codex_lsp.tools.plan import UpdatePlan
from codex_lsp.tools.shell import ShellCommandTool, ShellTool
from codex_lsp.tools.user_input import RequestUserInputTool
from codex_lsp.tools.view_image import ViewImageTool

READ_ONLY_TOOLS = {"read_file", "list_dir", "grep_files", "update_plan"}
"""Tools that cannot change anything; the only ones offered for questions."""


class ToolRegistry:
    """Tools by name; a read-only view keeps only the ones that change nothing.

    Hidden tools are callable but not advertised: `shell_command` is accepted
    for transcripts that use it while the model is offered `shell`.
    """

    def __init__(self, tools: Iterable[Tool], hidden: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {t.name: t for t in tools}
        self._hidden: dict[str, Tool] = {t.name: t for t in hidden}

    def get(self, name: str) -> Tool | None:
        """The tool called `name`, if offered (or hidden but accepted)."""
        return self._tools.get(name) or self._hidden.get(name)

    def add(self, tool: Tool) -> None:
        """Offer one more tool (MCP tools arrive after start-up)."""
        self._tools[tool.name] = tool

    def names(self) -> list[str]:
        """Names of all tools, sorted."""
        return sorted(self._tools)

    def offering(self, names: Iterable[str], withheld: Iterable[str]) -> ToolRegistry:
        """A copy advertising `names` first (in order), then any tool not `withheld`.

        Withheld tools, and tools in neither list, stay callable; a hidden tool
        named in `names` becomes advertised.
        """
        every = {**self._hidden, **self._tools}
        first = [n for n in dict.fromkeys(names) if n in every]
        skip = set(withheld) | set(first)
        rest = [n for n in self._tools if n not in skip]
        offered = [every[n] for n in [*first, *rest]]
        hidden = [t for n, t in every.items() if n not in first and n not in rest]
        return ToolRegistry(offered, hidden)

    def read_only(self) -> ToolRegistry:
        """Only tools that cannot change anything (MCP tools that say they are read-only)."""
        return ToolRegistry(
            t
            for n, t in self._tools.items()
            if n in READ_ONLY_TOOLS or getattr(t, "read_only_hint", False) is True
        )

    def with_tools(self, extra: Iterable[Tool]) -> ToolRegistry:
        """A copy with more tools (MCP tools for this turn)."""
        return ToolRegistry([*self._tools.values(), *extra], self._hidden.values())

    def specs(self, freeform_apply_patch: bool = False) -> list[ToolSpec]:
        """Tool definitions for the model request; `apply_patch` freeform if asked."""
        specs = []
        for t in self._tools.values():
            if freeform_apply_patch and t.name == "apply_patch":
                specs.append(ToolSpec(t.name, FREEFORM_DESCRIPTION, {}, APPLY_PATCH_LARK))
            else:
                specs.append(ToolSpec(t.name, t.description, t.parameters))
        return specs


def default_tools() -> ToolRegistry:
    """The built-in tools every turn gets."""
    return ToolRegistry(
        [ReadFile(), ListDir(), GrepFiles(), ApplyPatch(), UpdatePlan(), ShellTool()],
        hidden=[
            ShellCommandTool(),
            ExecCommandTool(),
            WriteStdinTool(),
            ViewImageTool(),
            RequestUserInputTool(),
            GetGoalTool(),
            CreateGoalTool(),
            UpdateGoalTool(),
        ],
    )
