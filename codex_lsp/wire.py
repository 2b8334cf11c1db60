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
LOGIN: Final = "codex.login"
"""Sign in with ChatGPT: `{method: "browser" | "device"}`."""
LOGOUT: Final = "codex.logout"
REVIEW: Final = "codex.review"
"""Review code: `{scope: "file"|"selection"|"uncommitted"|"baseBranch", uri?, range?, base?}`."""
CLEAR_FINDINGS: Final = "codex.clearFindings"
"""Clear review findings: `{ids?, uri?}` (neither: all of them)."""
TOGGLE_INLINE_COMPLETION: Final = "codex.toggleInlineCompletion"
"""Turn inline completions on or off for this session: `{enabled?}` (none: flip)."""
APPROVE: Final = "codex.approve"
"""Apply a pending change: `{changeId?, uri?, hunk?}` (no id: the newest; `hunk`: only it)."""
REJECT: Final = "codex.reject"
"""Reject a pending change: `{changeId?}` (none: the newest)."""
SHOW_DIFF: Final = "codex.showDiff"
"""Show a pending change's diff: `{changeId?}` (none: the newest)."""

NEEDS_INSTRUCTION: Final = "needsInstruction"
"""Result field: `codex.editSelection` got no instruction and the selection has no
`codex:` comment (`status: "failed"`): the editor asks the user and sends it again."""

PENDING_CHANGE_COMMANDS: Final = (APPROVE, REJECT, SHOW_DIFF)
"""Deciding a change no prompt decided (code actions carry them; our editor plugins
answer `codex/approveEdit` instead, so they never see these actions)."""

CODE_ACTION_COMMANDS: Final = (
    EDIT_SELECTION,
    EXPLAIN,
    ADD_DOCSTRING,
    WRITE_TESTS,
    FIX_DIAGNOSTIC,
    REVIEW,
    CLEAR_FINDINGS,
)
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
    LOGIN,
    LOGOUT,
    TOGGLE_INLINE_COMPLETION,
    *PENDING_CHANGE_COMMANDS,
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
INTEL: Final = "codex/intel"
"""Server -> client request: ask the editor's language servers (clients with `codexIntel`).

`{method, params}`: an LSP request (`textDocument/definition`, `…/references`,
`…/hover`, `…/documentSymbol`, `workspace/symbol`) answered with the editor's
merged LSP result, or `INTEL_DIAGNOSTICS` with `{uris, settleMs}` answered
`{diagnostics: {uri: Diagnostic[]}}` once the servers published for the current text.
"""
INTEL_DIAGNOSTICS: Final = "codex/diagnostics"
"""The `method` of a `codex/intel` request for the editor's diagnostics of some files."""
USER_INPUT_REQUEST: Final = "codex/requestUserInput"
"""Server -> client request (clients with `codexUserInput`): the model's `request_user_input`
questions, all at once: `{threadId, callId, questions: [{id, header, question, options:
[{label, description}]}]}` answered `{answers: {"<id>": {"answers": ["<label or typed
text>"]}}}`, or null when the user dismissed them."""
METHODS: Final = (APPROVE_EDIT, APPROVE_COMMAND, EVENT, INTEL, USER_INPUT_REQUEST)

REVIEW_EVENT: Final = "review"
"""`codex/event` type when a review ends: `{type, threadId, scope, summary, findings}`."""
FINDINGS_SOURCE: Final = "codex"
"""`Diagnostic.source` of review findings (their `code` is the finding id)."""
PENDING_CHANGE_CODE: Final = "pending-change"
"""`Diagnostic.code` over a pending change's lines (source `codex`; `data.changeId`)."""
INLINE_COMPLETION: Final = "textDocument/inlineCompletion"

WEB_SEARCH_EVENT: Final = "webSearch"
"""`codex/event` type for the model's built-in web search: `{type, threadId, callId,
phase: "begin"|"end", detail, status, query, sources}` (`detail`: "Searching the web: …")."""

TOOL_OUTPUT_EVENT: Final = "toolOutput"
"""`codex/event` type while a command runs: `{type, threadId, callId, tail}` (its last lines,
credentials masked, at most 10 a second per call; `callId` is the running `tool` step's)."""

AUTH_REQUIRED_EVENT: Final = "authRequired"
"""`codex/event` type sent when there are no usable credentials: `{type, reason, message}`."""
LOGIN_EVENT: Final = "login"
"""`codex/event` type for sign-in progress: `{type, state, method, url?, userCode?, ...}`."""
APPROVAL_WITHDRAWN_EVENT: Final = "approvalWithdrawn"
"""`codex/event` type when a prompt timed out: `{type, threadId, kind, action?}`."""
QUESTION_WITHDRAWN_EVENT: Final = "questionWithdrawn"
"""`codex/event` type when the server stops waiting for a `codex/requestUserInput` answer
(also withdrawn with `$/cancelRequest`): `{type, threadId, callId, reason: "timeout" |
"cancelled"}`; an answer sent later has no effect."""
SIGN_IN_ACTION: Final = "Sign in with ChatGPT"
"""The `window/showMessageRequest` action on every "not signed in" message."""

APPROVAL_CAPABILITY: Final = "codexApproval"
"""`capabilities.experimental.codexApproval = true`: the client handles the requests above."""
INTEL_CAPABILITY: Final = "codexIntel"
"""`capabilities.experimental.codexIntel = true`: the client answers `codex/intel`."""
USER_INPUT_CAPABILITY: Final = "codexUserInput"
"""`experimental.codexUserInput = true`: the client answers `codex/requestUserInput`."""
APPROVAL_FULL_TEXTS: Final = "fullTexts"
"""`codexApproval = {"fullTexts": true}`: `codex/approveEdit` carries an update's whole texts."""


def server_capabilities(
    client_capabilities: Any = None, inline_completion: bool = False
) -> dict[str, Any]:
    """`ServerCapabilities` as JSON, exactly as pygls serializes ours.

    `inlineCompletionProvider` only when inline completions are enabled: they spend
    tokens, so a client must not start asking unless the user turned them on.
    """
    sync: dict[str, Any] = {"openClose": True, "change": 2}
    client_sync = _get(client_capabilities, "textDocument", "synchronization")
    # pygls echoes these two as false only when the client mentions them.
    for key in ("willSave", "willSaveWaitUntil"):
        if _get(client_sync, key) is not None:
            sync[key] = False
    sync["save"] = False
    caps: dict[str, Any] = {
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
    if inline_completion:
        caps["inlineCompletionProvider"] = {}
    return caps


def initialize_result(
    client_capabilities: Any = None, inline_completion: bool = False
) -> dict[str, Any]:
    """The `InitializeResult` this server answers."""
    return {
        "capabilities": server_capabilities(client_capabilities, inline_completion),
        "serverInfo": {"name": "codex-lsp", "version": __version__},
    }


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value
