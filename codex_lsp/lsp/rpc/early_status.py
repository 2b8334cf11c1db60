"""`codex.status` answered before the server has loaded (see `fast_start`).

An editor asks for the status right after `initialize` (VS Code fills its status
bar from it). Until the server has done anything, the answer follows from the
`initialize` request and the configuration files alone: no thread, no turn, no
pending decision, no finding yet. It is put together by the functions the server
uses (`status_report`, `engine_report`, `completion_status`, the lenient config
load), and a test compares it with the server's own answer.

Left to the server (None here) when MCP or language servers are configured
(their state is theirs to report once the server has started them), or when the
sandbox probe (`bwrap true`, a few milliseconds) is slow: code actions are
answered by the same loop and must not wait for it.

Imported only once `codex.status` is asked early: loading the configuration
costs a few tens of milliseconds that `initialize` should not wait for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codex_lsp import wire
from codex_lsp.agent.engine_status import engine_report
from codex_lsp.completion.stats import completion_status
from codex_lsp.config.lenient import load_config_keeping_valid
from codex_lsp.core.workspace import Workspace
from codex_lsp.lsp.features.status_report import status_report
from codex_lsp.lsp.session.client_settings import as_dict, codex_section, workspace_roots
from codex_lsp.sandbox.bwrap import SandboxStatus


def early_status(
    initialize_params: Any, sandbox_probe: Callable[[], SandboxStatus | None]
) -> dict[str, Any] | None:
    """The `codex.status` answer as the server would give it now; None: let it answer.

    `sandbox_probe`: the sandbox's status, or None if it was not had quickly.
    """
    params = as_dict(initialize_params)
    overrides = codex_section(as_dict(params.get("initializationOptions")))
    loaded, problems = load_config_keeping_valid(overrides=overrides or None)
    config = loaded.config
    editor_intel = (
        as_dict(as_dict(params.get("capabilities")).get("experimental")).get(wire.INTEL_CAPABILITY)
        is True
    )
    if config.mcp_servers or (config.lsp_servers and not editor_intel):
        return None
    sandbox = sandbox_probe()
    if sandbox is None:
        return None
    result = status_report(
        loaded=loaded,
        config_problems=[str(p) for p in problems],
        workspace=Workspace(_roots(params)).roots,
        engine=engine_report(
            sandbox=sandbox.as_dict(), lsp_servers={"editor": "answering"} if editor_intel else None
        ),
        inline_completion=completion_status(
            config.inline_completion, config.inline_completion.enabled
        ),
        uptime_sec=0.0,
    )
    return result.to_json()


def _roots(params: dict[str, Any]) -> list[Any]:
    folders = params.get("workspaceFolders")
    uris = (
        [f["uri"] for f in folders or [] if isinstance(f, dict) and isinstance(f.get("uri"), str)]
        if isinstance(folders, list)
        else []
    )
    root_uri, root_path = params.get("rootUri"), params.get("rootPath")
    return workspace_roots(
        uris,
        root_uri if isinstance(root_uri, str) else None,
        root_path if isinstance(root_path, str) else None,
    )
