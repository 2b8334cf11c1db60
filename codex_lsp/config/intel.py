"""``[code_intel]`` and ``[lsp_servers.<name>]``: what the agent learns from language servers.

Kept apart from :mod:`model` so the code-intelligence keys stay one small,
typed, documented block (see README "Code intelligence").
"""

from __future__ import annotations

import fnmatch
from typing import Any

import attrs

from codex_lsp.config._structure import InvalidValue


def _positive(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A zero wait or cap would switch the feature off by accident; `enabled` does that."""
    if value <= 0:
        raise InvalidValue.expected("a number > 0", value, attribute.name)


def _command(_instance: Any, attribute: attrs.Attribute[Any], value: list[str]) -> None:
    if not value or not value[0]:
        raise InvalidValue(
            "must name the program to start, e.g. command = [\"basedpyright-langserver\", "
            "\"--stdio\"]",
            attribute.name,
        )


@attrs.define(frozen=True)
class LspServerConfig:
    """One ``[lsp_servers.<name>]``: a language server codex-lsp starts itself (stdio)."""

    #: Program and arguments, e.g. ``["ruff", "server"]``.
    command: list[str] = attrs.field(validator=_command)
    #: File-name globs this server handles (matched against the name and the
    #: workspace-relative path), e.g. ``["*.py", "*.pyi"]``.
    files: list[str] = attrs.field(factory=lambda: ["*"])
    #: ``languageId`` sent with the documents (``None``: guessed from the extension).
    language_id: str | None = None
    #: Extra environment variables for the server process.
    env: dict[str, str] = attrs.field(factory=dict)
    #: Seconds to wait for the server to start and answer ``initialize``.
    startup_timeout_sec: float = attrs.field(default=20.0, validator=_positive)
    #: Seconds to wait for one query (definition, references, …).
    request_timeout_sec: float = attrs.field(default=5.0, validator=_positive)
    #: ``false`` keeps the entry without starting the server.
    enabled: bool = True

    def handles(self, relative: str) -> bool:
        """Whether a workspace-relative path is this server's to answer."""
        name = relative.rsplit("/", 1)[-1]
        return any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(relative, g) for g in self.files)


@attrs.define(frozen=True)
class CodeIntelConfig:
    """``[code_intel]``: diagnostics after edits and the ``lsp_*`` query tools."""

    #: After an applied edit, tell the model which errors and warnings it introduced.
    diagnostics_after_edit: bool = True
    #: Longest wait (ms) for the language servers to publish for the new text.
    diagnostics_wait_ms: int = attrs.field(default=2000, validator=_positive)
    #: Most diagnostics listed in one tool result (the rest are counted).
    max_diagnostics: int = attrs.field(default=20, validator=_positive)
    #: Offer ``lsp_definition``, ``lsp_references``, … when a backend exists.
    query_tools: bool = True
