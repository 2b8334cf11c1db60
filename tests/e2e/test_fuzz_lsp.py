"""Suite 2, LSP fuzzing: random and malformed messages against the real server process.

Every request must be answered exactly once (result or error; an unusable id
with id null), notifications ignored cleanly, no crash, no hang, a log that
stays bounded, and a normal request still answered at the end. Budget: `CODEX_LSP_FUZZ_MESSAGES` (default 300);
for a long run: `CODEX_LSP_FUZZ_MESSAGES=5000 pytest -m fuzz -rA --timeout=0`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.support.chatgpt_auth import ScriptedAuthority
from tests.support.lsp_fuzz import Frame, FuzzClient, frames
from tests.support.model_server import Reply, ScriptedModelServer, Text
from tests.support.raw_lsp import spawn_server

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

BUDGET = int(os.environ.get("CODEX_LSP_FUZZ_MESSAGES", "300"))
BATCH = 10
ANSWER_TIMEOUT = 30.0
LOG_BYTES_PER_MESSAGE = 400
"""Average log bytes a fuzzed message may cost (one short line, not a traceback)."""


@pytest.fixture
def authority() -> Iterator[ScriptedAuthority]:
    """Sign-in authority for `codex.login`: the device code stays pending (until cancelled)."""
    with ScriptedAuthority() as auth:
        auth.state.pending_polls = 10**9
        yield auth


def test_fuzzed_messages_are_all_answered_and_never_crash(
    tmp_path: Path, workspace: Path, editor_env: dict[str, str], model: ScriptedModelServer,
    authority: ScriptedAuthority,
) -> None:
    model.set_default(Reply([Text("ok")]))
    log_path = tmp_path / "stderr.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        server = spawn_server({**editor_env, **authority.env()}, stderr=log)
        client = FuzzClient(server)
        try:
            init = client.request("initialize", {
                "processId": None, "rootUri": workspace.as_uri(),
                "capabilities": {"workspace": {"applyEdit": True}, "window": {"workDoneProgress": True}},
            })
            assert client.wait_answers([init], 20) == []
            client.send(Frame(_notification("initialized"), "notification"))
            requests: list[object] = []

            @settings(
                max_examples=max(1, BUDGET // BATCH), deadline=None, database=None,
                phases=[Phase.generate], suppress_health_check=list(HealthCheck),
            )
            @given(st.lists(frames(workspace), min_size=BATCH, max_size=BATCH))
            def exchange(batch: list[Frame]) -> None:
                ids = [f.request_id for f in batch if f.request_id is not None]
                nulls = client.null_id_errors + sum(f.null_answers for f in batch)
                for frame in batch:
                    client.send(frame)
                requests.extend(ids)
                missing = client.wait_answers(ids, ANSWER_TIMEOUT)
                assert server.poll() is None, f"server exited with {server.returncode}"
                assert not missing, f"unanswered requests {missing} in {[f.data[:300] for f in batch]}"
                assert client.wait_null_answers(nulls, ANSWER_TIMEOUT) >= nulls, (
                    f"a request with an unusable id got no id-null answer in {[f.data[:300] for f in batch]}"
                )
                assert not client.duplicates, f"answered twice: {client.duplicates}"

            exchange()
            # A normal request still answers afterwards.
            status = client.request("workspace/executeCommand", {"command": "codex.status"})
            assert client.wait_answers([status], 20) == []
            assert client.answers[status]["result"]["status"] == "answered"
        finally:
            server.kill()
            server.wait(10)
    log_bytes = log_path.stat().st_size
    sent = sum(client.sent.values())
    logged = log_path.read_text(errors="replace")
    answered = sum(1 for i in requests if i in client.answers)
    print(
        f"FIGURES lsp-fuzz: {sent} messages sent ({client.sent}), {answered}/{len(requests)} "
        f"fuzzed requests answered, {client.null_id_errors} id-null errors, "
        f"log {log_bytes} bytes ({log_bytes / max(sent, 1):.0f}/message), "
        f"{time.monotonic() - started:.1f}s"
    )
    assert "Traceback" not in logged, logged[logged.index("Traceback") - 500 :][:3000]
    assert not client.duplicates, f"answered twice: {client.duplicates}"
    assert log_bytes <= LOG_BYTES_PER_MESSAGE * sent, log_bytes


def _notification(method: str) -> bytes:
    body = b'{"jsonrpc": "2.0", "method": "%s", "params": {}}' % method.encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body
