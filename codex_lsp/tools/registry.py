"""The set of tools offered to the model for a turn, by name."""

from __future__ import annotations

from collections.abc import Iterable

from codex_lsp.models.base import ToolSpec
from codex_lsp.tools.apply_patch import ApplyPatch
from codex_lsp.tools.base import Tool
from codex_lsp.tools.files import GrepFiles, ListDir, ReadFile
from codex_lsp.tools.plan import UpdatePlan

EDITING_TOOLS = {"apply_patch"}


class ToolRegistry:
    """Tools by name; a read-only view drops the ones that change files."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools: dict[str, Tool] = {t.name: t for t in tools}

    def get(self, name: str) -> Tool | None:
        """The tool called `name`, if offered."""
        return self._tools.get(name)

    def add(self, tool: Tool) -> None:
        """Offer one more tool (MCP tools arrive after start-up)."""
        self._tools[tool.name] = tool

    def names(self) -> list[str]:
        """Names of all tools, sorted."""
        return sorted(self._tools)

    def read_only(self) -> ToolRegistry:
        """Only tools that cannot change files."""
        return ToolRegistry(t for n, t in self._tools.items() if n not in EDITING_TOOLS)

    def specs(self) -> list[ToolSpec]:
        """Function tool definitions for the model request."""
        return [ToolSpec(t.name, t.description, t.parameters) for t in self._tools.values()]


def default_tools() -> ToolRegistry:
    """The built-in tools every turn gets."""
    return ToolRegistry([ReadFile(), ListDir(), GrepFiles(), ApplyPatch(), UpdatePlan()])
