"""The typed command results are written exactly as the commands' JSON was before them:
camelCase names, `UNSET` fields left out, `None` sent as null, nothing extra."""

from __future__ import annotations

from typing import Any

import pytest

from codex_lsp import wire
from codex_lsp.lsp.features.command_results import (
    CancelResult,
    ClearFindingsResult,
    CommandResult,
    DecisionResult,
    NeedsInstructionResult,
    ResumeResult,
    ReviewResult,
    SignedInResult,
    SignedOutResult,
    ThreadEntry,
    ThreadListResult,
    ToggleResult,
    TurnAnswer,
    UndoResult,
    failed,
    thread_result,
)
from codex_lsp.lsp.features.status_report import StatusResult

USAGE = {"inputTokens": 3, "outputTokens": 1}
ENGINE = {"sandbox": {"ok": True}, "mcpServers": {}, "lspServers": {}, "usage": None,
          "rateLimits": None, "execSessions": []}
ACCOUNT = {"authMode": "chatgpt", "email": "a@b.c", "plan": "plus", "accountId": "acc"}

CASES: list[tuple[str, CommandResult, dict[str, Any]]] = [
    ("failed", failed("bad", "t1"), {"status": "failed", "threadId": "t1", "error": "bad"}),
    ("failed without thread", failed("bad"), {"status": "failed", "threadId": None, "error": "bad"}),
    ("sign-in failed", CommandResult(status="failed", error="no configuration loaded"),
     {"status": "failed", "error": "no configuration loaded"}),
    ("turn", TurnAnswer(status="applied", thread_id="t", text="Done.", changed_files=["a.py"]),
     {"status": "applied", "threadId": "t", "text": "Done.", "changedFiles": ["a.py"]}),
    ("turn with usage and error",
     TurnAnswer(status="failed", thread_id="t", text="", changed_files=[], usage=USAGE,
                error="quota"),
     {"status": "failed", "threadId": "t", "text": "", "changedFiles": [], "usage": USAGE,
      "error": "quota"}),
    ("turn cancelled", TurnAnswer(status="cancelled", thread_id="t", text=""),
     {"status": "cancelled", "threadId": "t", "text": ""}),
    ("explain shown nowhere",
     TurnAnswer(status="answered", thread_id="t", text="x", changed_files=[], document_uri=None),
     {"status": "answered", "threadId": "t", "text": "x", "changedFiles": [],
      "documentUri": None}),
    ("review",
     ReviewResult(status="answered", thread_id="t", text="{}", changed_files=[], summary="1",
                  findings=[{"id": "f"}], overall_correctness="ok", overall_explanation=None),
     {"status": "answered", "threadId": "t", "text": "{}", "changedFiles": [], "summary": "1",
      "findings": [{"id": "f"}], "overallCorrectness": "ok", "overallExplanation": None}),
    ("review of no changes",
     ReviewResult(status="answered", thread_id=None, text="Nothing to review: no changes.",
                  summary="No changes to review."),
     {"status": "answered", "threadId": None, "text": "Nothing to review: no changes.",
      "summary": "No changes to review.", "findings": []}),
    ("clearFindings", ClearFindingsResult(status="answered", thread_id=None, cleared=2,
                                          remaining=1),
     {"status": "answered", "threadId": None, "cleared": 2, "remaining": 1}),
    ("cancel", CancelResult(status="cancelled", thread_id=None, cancelled=["t"]),
     {"status": "cancelled", "threadId": None, "cancelled": ["t"]}),
    ("cancel nothing",
     CancelResult(status="answered", thread_id="t", cancelled=[], text="Nothing to cancel."),
     {"status": "answered", "threadId": "t", "cancelled": [], "text": "Nothing to cancel."}),
    ("editSelection without instruction",
     NeedsInstructionResult(status="failed", thread_id=None, error="No instruction"),
     {"status": "failed", "threadId": None, "error": "No instruction",
      wire.NEEDS_INSTRUCTION: True}),
    ("newThread", thread_result("t"), {"status": "answered", "threadId": "t"}),
    ("listThreads",
     ThreadListResult(status="answered", thread_id="t", threads=[
         ThreadEntry(thread_id="t", title="T", created=1.0, updated=2.0, items=3, current=True)
     ]),
     {"status": "answered", "threadId": "t", "threads": [
         {"threadId": "t", "title": "T", "created": 1.0, "updated": 2.0, "items": 3,
          "current": True}
     ]}),
    ("resumeThread",
     ResumeResult(status="answered", thread_id="t", title="T", items=2,
                  history=[{"role": "user", "text": "hi"}], transcript=[{"kind": "user"}]),
     {"status": "answered", "threadId": "t", "title": "T", "items": 2,
      "history": [{"role": "user", "text": "hi"}], "transcript": [{"kind": "user"}]}),
    ("undo", UndoResult(status="applied", thread_id="t", changed_files=["a.py"]),
     {"status": "applied", "threadId": "t", "changedFiles": ["a.py"]}),
    ("approve change",
     DecisionResult(status="answered", thread_id="t", change_id="c", text="Approved: x"),
     {"status": "answered", "threadId": "t", "changeId": "c", "text": "Approved: x"}),
    ("allow command",
     DecisionResult(status="answered", thread_id="t", command_id="k", text="Allowed: y"),
     {"status": "answered", "threadId": "t", "commandId": "k", "text": "Allowed: y"}),
    ("showDiff",
     DecisionResult(status="answered", thread_id="t", change_id="c", text="Diff of: x",
                    document_uri="file:///d.diff"),
     {"status": "answered", "threadId": "t", "changeId": "c", "text": "Diff of: x",
      "documentUri": "file:///d.diff"}),
    ("toggleInlineCompletion",
     ToggleResult(status="answered", thread_id=None, enabled=True, advertised=False),
     {"status": "answered", "threadId": None, "enabled": True, "advertised": False}),
    ("login", SignedInResult(status="applied", account=ACCOUNT), {"status": "applied", **ACCOUNT}),
    ("logout", SignedOutResult(status="applied", removed=True, revoke_error=None),
     {"status": "applied", "removed": True, "revokeError": None}),
]


@pytest.mark.parametrize(("result", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_result_json_is_todays_shape(result: CommandResult, expected: dict[str, Any]) -> None:
    assert result.to_json() == expected


def test_status_json_is_todays_shape() -> None:
    result = StatusResult(
        status="answered", thread_id=None, version="1", config={}, config_error=None,
        config_problems=[], requests_blocked=None, instruction_problems=[], warnings=[],
        auth={"authMode": "apikey"}, workspace=["/w"], running=[], engine=ENGINE, threads=0,
        findings=0, pending_changes=[], pending_commands=[], inline_completion={}, uptime_sec=1.5,
    )
    assert result.to_json() == {
        "status": "answered", "threadId": None, "version": "1", "config": {},
        "configError": None, "configProblems": [], "requestsBlocked": None,
        "instructionProblems": [], "warnings": [], "auth": {"authMode": "apikey"},
        "workspace": ["/w"], "running": [], **ENGINE, "threads": 0, "findings": 0,
        "pendingChanges": [], "pendingCommands": [], "inlineCompletion": {}, "uptimeSec": 1.5,
    }
