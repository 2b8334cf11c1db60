"""The one source for the wire: command ids, code-action kinds, methods, capabilities.

The server registers from it, `lsp.fast_start` answers `initialize` from it before
pygls has loaded (so this module imports nothing heavy), `docs/protocol.md` lists
it, and a test checks the editors (`editors/vscode/src/constants.ts`, the Neovim
plugin) name exactly these.
"""

from __future__ import annotations

from typing import Any, Final

from codex_lsp import __version__

# ---- workspace/executeCommand ids --------------------------------------------------

EDIT_SELECTION: Final = "codex.editSelection"
EXPLAIN: Final = "codex.explain"
ADD_DOCSTRING: Final = "codex.addDocstring"
WRITE_TESTS: Final = "codex.writeTests"
FIX_DIAGNOSTIC: Final = "codex.fixDiagnostic"
ASK: Final = "codex.ask"
RUN_TASK: Final = "codex.runTask"
CANCEL: Final = "codex.cancel"
STATUS: Final = "codex.status"
NEW_THREAD: Final = "codex.newThread"
LIST_THREADS: Final = "codex.listThreads"
RESUME_THREAD: Final = "codex.resumeThread"
UNDO: Final = "codex.undo"

CODE_ACTION_COMMANDS: Final = (EDIT_SELECTION, EXPLAIN, ADD_DOCSTRING, WRITE_TESTS, FIX_DIAGNOSTIC)
"""The commands code actions carry (a client may run them itself, as Neovim does)."""

COMMANDS: Final = (
    *CODE_ACTION_COMMANDS,
    ASK,
    RUN_TASK,
    CANCEL,
    STATUS,
    NEW_THREAD,
    LIST_THREADS,
    RESUME_THREAD,
    UNDO,
)
"""Every command, in registration order (also `executeCommandProvider`)."""

# ---- code actions ---------------------------------------------------------------------

QUICKFIX: Final = "quickfix"
REFACTOR_REWRITE: Final = "refactor.rewrite"
REFACTOR: Final = "refactor"
CODE_ACTION_KINDS: Final = (QUICKFIX, REFACTOR_REWRITE, REFACTOR)

# ---- custom messages (docs/protocol.md) ------------------------------------------------

APPROVE_EDIT: Final = "codex/approveEdit"
"""Server -> client request: review an edit (clients with `experimental.codexApproval`)."""
APPROVE_COMMAND: Final = "codex/approveCommand"
"""Server -> client request: approve a shell command or MCP tool call."""
EVENT: Final = "codex/event"
"""Server -> client notification: what the agent is doing."""
METHODS: Final = (APPROVE_EDIT, APPROVE_COMMAND, EVENT)

APPROVAL_CAPABILITY: Final = "codexApproval"
"""`capabilities.experimental.codexApproval = true`: the client handles the requests above."""
APPROVAL_FULL_TEXTS: Final = "fullTexts"
"""`codexApproval = {"fullTexts": true}`: `codex/approveEdit` carries an update's whole texts."""


def server_capabilities(client_capabilities: Any = None) -> dict[str, Any]:
    """`ServerCapabilities` as JSON, exactly as pygls serializes ours."""
    sync: dict[str, Any] = {"openClose": True, "change": 2}
    client_sync = _get(client_capabilities, "textDocument", "synchronization")
    # pygls echoes these two as false only when the client mentions them.
    for key in ("willSave", "willSaveWaitUntil"):
        if _get(client_sync, key) is not None:
            sync[key] = False
    sync["save"] = False
    return {
        "positionEncoding": "utf-16",
        "textDocumentSync": sync,
        "codeActionProvider": {
            "codeActionKinds": list(CODE_ACTION_KINDS),
            "resolveProvider": False,
        },
        "executeCommandProvider": {"commands": list(COMMANDS)},
        "workspace": {
            "workspaceFolders": {"supported": True, "changeNotifications": True},
            "fileOperations": {},
        },
    }


def initialize_result(client_capabilities: Any = None) -> dict[str, Any]:
    """The `InitializeResult` this server answers."""
    return {
        "capabilities": server_capabilities(client_capabilities),
        "serverInfo": {"name": "codex-lsp", "version": __version__},
    }


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value
