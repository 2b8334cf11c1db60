"""Command approval: the known-safe classifier, the script tokenizer, the per-policy
decisions and the prompts (the whole flow through the real shell tool:
tests/integration/test_command_approval.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_lsp.approvals import ActionKey, ApprovalPolicy, SessionApprovals
from codex_lsp.approvals.commands import CommandDecision, decide_command
from codex_lsp.approvals.safe_commands import is_known_safe_command, parse_plain_script
from codex_lsp.tools.base import ToolFailure
from codex_lsp.tools.shell import ShellTool
from tests.unit.test_shell_support import NO_BWRAP, FakeEditor, make_ctx

# ---- classifier -------------------------------------------------------------------

SAFE_ARGV = [
    ["ls"],
    ["ls", "-la", "src"],
    ["cat", "README.md"],
    ["head", "-n", "20", "a.py"],
    ["tail", "-n", "5", "a.py"],
    ["wc", "-l", "a.py"],
    ["pwd"],
    ["echo", "hello"],
    ["grep", "-rn", "TODO", "."],
    ["rg", "-n", "foo"],
    ["rg", "--files"],
    ["find", ".", "-name", "*.py"],
    ["git", "status"],
    ["git", "log", "--oneline", "-5"],
    ["git", "diff", "HEAD~1"],
    ["git", "show", "HEAD:README.md"],
    ["git", "branch"],
    ["git", "branch", "-a", "-v"],
    ["git", "branch", "--list", "feat*"],
    ["sed", "-n", "10,20p", "a.py"],
    ["sed", "-n", "5p", "a.py", "b.py"],
]

UNSAFE_ARGV = [
    ["rm", "-rf", "build"],
    ["touch", "x"],
    ["python", "-c", "print(1)"],
    ["find", ".", "-delete"],
    ["find", ".", "-exec", "rm", "{}", ";"],
    ["find", ".", "-execdir", "ls", ";"],
    ["find", ".", "-fprint", "out.txt"],
    ["rg", "--pre", "sh", "x"],
    ["rg", "--pre=sh", "x"],
    ["rg", "-z", "x"],
    ["rg", "-iz", "x"],
    ["rg", "--search-zip", "x"],
    ["rg", "--hostname-bin=evil", "x"],
    ["git", "commit", "-m", "x"],
    ["git", "push"],
    ["git", "checkout", "."],
    ["git", "-c", "core.pager=evil", "log"],
    ["git", "-C", "/", "status"],
    ["git", "diff", "--output=patch.txt"],
    ["git", "diff", "--ext-diff"],
    ["git", "branch", "-D", "main"],
    ["git", "branch", "new-branch"],
    ["git", "branch", "-m", "a", "b"],
    ["sed", "-i", "s/a/b/", "a.py"],
    ["sed", "-n", "1p;w out", "a.py"],
    ["sed", "-n", "1p", "-i", "a.py"],
    ["sed", "-n", "1p"],
    ["./ls"],
    ["/bin/ls"],
    ["GIT_EXTERNAL_DIFF=evil", "git", "diff"],
    [],
]


@pytest.mark.parametrize("argv", SAFE_ARGV, ids=" ".join)
def test_known_safe(argv: list[str]) -> None:
    assert is_known_safe_command(argv)
    assert is_known_safe_command(["bash", "-lc", " ".join(argv)]) or "*" in " ".join(argv)


@pytest.mark.parametrize("argv", UNSAFE_ARGV, ids=" ".join)
def test_not_known_safe(argv: list[str]) -> None:
    assert not is_known_safe_command(argv)


SCRIPTS = [
    ("ls -la && git status", True),
    ("cat a.py | head -n 3", True),
    ("git log --oneline | wc -l", True),
    ("ls || echo none; pwd", True),
    ("echo 'a; rm -rf /'", True),
    ('grep -n "x y" a.py', True),
    ("cd src && ls", True),
    ("ls *.py", True),  # glob into a command with no dangerous flag
    ("wc -l src/*.py", True),
    ("find . -name '*.py'", True),  # quoted: find sees the pattern itself
    ("find . -name *.py", False),  # unquoted: could expand to a file named -delete
    ("sed -n 1p *", False),  # could expand to -i
    ("rg foo *", False),
    ("ls && rm -rf build", False),
    ("ls > out.txt", False),
    ("cat < a.py", False),
    ("echo hi >> log", False),
    ("ls 2>/dev/null", False),
    ("ls & rm x", False),
    ("echo $(rm x)", False),
    ("echo `rm x`", False),
    ('echo "$HOME"', False),
    ("echo $HOME", False),
    ("(ls)", False),
    ("{ ls; }", False),
    ("ls\nrm x", False),
    ("ls # comment", False),
    ("ls &&", False),
    ("&& ls", False),
    ("ls ;; pwd", False),
    ("echo 'unterminated", False),
    ("cat a | bash", False),
    ("echo x | xargs rm", False),
    ("FOO=1 ls", False),
    ("! ls", False),
    ("", False),
]


@pytest.mark.parametrize(("script", "safe"), SCRIPTS)
def test_bash_lc_scripts(script: str, safe: bool) -> None:
    assert is_known_safe_command(["bash", "-lc", script]) is safe
    assert is_known_safe_command(["bash", "-c", script]) is safe
    assert is_known_safe_command(["/bin/sh", "-c", script]) is safe


def test_parse_plain_script_words() -> None:
    commands = parse_plain_script("grep -n 'a b'\"c\"d x.py | head")
    assert commands is not None
    assert [c.argv for c in commands] == [("grep", "-n", "a bcd", "x.py"), ("head",)]
    assert parse_plain_script("ls > x") is None


def test_other_shell_flags_are_not_parsed() -> None:
    assert not is_known_safe_command(["bash", "-x", "ls"])
    assert not is_known_safe_command(["bash", "-lc", "ls", "extra"])
    assert not is_known_safe_command(["python", "-c", "ls"])


# ---- decisions (pure) ----------------------------------------------------------------

UNTRUSTED = ApprovalPolicy.UNTRUSTED
ON_FAILURE = ApprovalPolicy.ON_FAILURE
ON_REQUEST = ApprovalPolicy.ON_REQUEST
NEVER = ApprovalPolicy.NEVER

RUN_SANDBOXED = ("run", True)
RUN_DIRECT = ("run", False)
ASK = ("ask", False)
REJECT = ("reject", True)

DECISIONS = [
    # policy, mode, sandbox available, argv, escalate, expected
    (UNTRUSTED, "read-only", True, ["ls"], False, RUN_SANDBOXED),
    (UNTRUSTED, "read-only", True, ["touch", "x"], False, ASK),
    (UNTRUSTED, "danger-full-access", True, ["ls"], False, RUN_DIRECT),
    (UNTRUSTED, "danger-full-access", True, ["touch", "x"], False, ASK),
    (UNTRUSTED, "read-only", False, ["ls"], False, ASK),
    (UNTRUSTED, "read-only", True, ["touch", "x"], True, REJECT),
    (ON_FAILURE, "read-only", True, ["touch", "x"], False, RUN_SANDBOXED),
    (ON_FAILURE, "workspace-write", True, ["touch", "x"], False, RUN_SANDBOXED),
    (ON_FAILURE, "danger-full-access", True, ["touch", "x"], False, RUN_DIRECT),
    (ON_FAILURE, "read-only", False, ["touch", "x"], False, ASK),
    (ON_FAILURE, "read-only", True, ["touch", "x"], True, REJECT),
    (ON_REQUEST, "read-only", True, ["touch", "x"], False, RUN_SANDBOXED),
    (ON_REQUEST, "read-only", True, ["touch", "x"], True, ASK),
    (ON_REQUEST, "danger-full-access", True, ["touch", "x"], True, RUN_DIRECT),
    (ON_REQUEST, "workspace-write", False, ["ls"], False, ASK),
    (ON_REQUEST, "danger-full-access", False, ["touch", "x"], False, RUN_DIRECT),
    (NEVER, "read-only", True, ["touch", "x"], False, RUN_SANDBOXED),
    (NEVER, "danger-full-access", False, ["touch", "x"], False, RUN_DIRECT),
    (NEVER, "read-only", False, ["ls"], False, REJECT),
    (NEVER, "read-only", True, ["touch", "x"], True, REJECT),
]


@pytest.mark.parametrize(("policy", "mode", "available", "argv", "escalate", "expected"), DECISIONS)
def test_decisions(
    policy: ApprovalPolicy,
    mode: str,
    available: bool,
    argv: list[str],
    escalate: bool,
    expected: tuple[str, bool],
) -> None:
    decision = decide_command(
        argv,
        policy=policy,
        sandbox_mode=mode,  # type: ignore[arg-type]
        sandbox_available=available,
        sandbox_reason="bwrap not found",
        approvals=SessionApprovals(),
        escalate=escalate,
        justification="needs to write the cache",
    )
    assert (decision.action, decision.sandboxed) == expected
    if decision.action != "run":
        assert decision.reason


def test_session_approval_skips_the_question() -> None:
    approvals = SessionApprovals(actions={ActionKey.shell(["touch", "x"])})
    decision = decide_command(
        ["touch", "x"],
        policy=UNTRUSTED,
        sandbox_mode="read-only",
        sandbox_available=False,
        approvals=approvals,
    )
    assert decision == CommandDecision("run", sandboxed=False)
    other = decide_command(
        ["touch", "y"],
        policy=UNTRUSTED,
        sandbox_mode="read-only",
        sandbox_available=True,
        approvals=approvals,
    )
    assert other.action == "ask"


@pytest.mark.parametrize(("mode", "available"), [("read-only", True), ("danger-full-access", False)])
def test_mcp_tool_approval_does_not_approve_the_same_words_as_a_command(
    mode: str, available: bool
) -> None:
    """Regression (issue 9, defect 1): MCP and shell session approvals share no keys."""
    approvals = SessionApprovals()
    approvals.approve(ActionKey.mcp("docs", "search"))  # "approve for session" of docs/search
    decision = decide_command(
        ["mcp", "docs", "search"],
        policy=UNTRUSTED,
        sandbox_mode=mode,  # type: ignore[arg-type]
        sandbox_available=available,
        approvals=approvals,
    )
    assert decision.action == "ask"
    approvals.approve(ActionKey.shell(["mcp", "docs", "search"]))
    assert decide_command(
        ["mcp", "docs", "search"],
        policy=UNTRUSTED,
        sandbox_mode=mode,  # type: ignore[arg-type]
        sandbox_available=available,
        approvals=approvals,
    ) == CommandDecision("run", sandboxed=False)


def test_action_keys_are_typed() -> None:
    shell, mcp = ActionKey.shell(["mcp", "docs", "search"]), ActionKey.mcp("docs", "search")
    assert shell != mcp and len({shell, mcp}) == 2
    assert shell != ("mcp", "docs", "search") and mcp != ("mcp", "docs", "search")
    assert SessionApprovals(actions={shell}).approved(mcp) is False


def test_question_texts_are_useful() -> None:
    no_box = decide_command(
        ["bash", "-lc", "make test"],
        policy=ON_REQUEST,
        sandbox_mode="read-only",
        sandbox_available=False,
        sandbox_reason="bwrap not found on PATH",
        approvals=SessionApprovals(),
    )
    assert no_box.reason is not None
    assert "No sandbox is available (bwrap not found on PATH)" in no_box.reason
    assert "`make test`" in no_box.reason
    no_box_escalated = decide_command(
        ["make", "install"],
        policy=ON_REQUEST,
        sandbox_mode="read-only",
        sandbox_available=False,
        sandbox_reason="bwrap not found on PATH",
        approvals=SessionApprovals(),
        escalate=True,
        justification="install into /usr/local",
    )
    assert no_box_escalated.reason is not None
    assert "install into /usr/local" in no_box_escalated.reason
    escalated = decide_command(
        ["pip", "install", "x"],
        policy=ON_REQUEST,
        sandbox_mode="workspace-write",
        sandbox_available=True,
        approvals=SessionApprovals(),
        escalate=True,
        justification="install the missing dependency",
    )
    assert escalated.reason is not None
    assert "install the missing dependency" in escalated.reason


# ---- the whole flow through the real tool ---------------------------------------------


def _touch(name: str) -> dict[str, object]:
    return {"command": ["touch", name]}


async def test_without_a_sandbox_never_refuses(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, FakeEditor(), policy="never", sandbox_mode="read-only")
    with pytest.raises(ToolFailure, match="no sandbox is available"):
        await ShellTool(NO_BWRAP).run(ctx, _touch("a"))
    assert not (tmp_path / "a").exists()


# ---- what the approval prompt says (issue 9, defect 18) -------------------------------


def test_prompts_say_which_kind_of_action() -> None:
    from codex_lsp.core.protocol import CommandRequest
    from codex_lsp.lsp.edits.approval_prompt import command_params, command_prompt

    cwd = Path("/work/project")
    mcp = CommandRequest("t", ["mcp", "docs", "search"], cwd, '{"q": "x"}', "mcp", "docs", "search")
    shell = CommandRequest("t", ["mcp", "docs", "search"], cwd, "why")
    assert command_prompt(mcp) == (
        'Codex wants to call MCP tool `search` on server `docs` with arguments {"q": "x"}'
    )
    assert command_prompt(shell) == "Codex wants to run the command: mcp docs search in /work/project (why)"
    params = command_params(mcp)
    assert (params["kind"], params["server"], params["tool"]) == ("mcp", "docs", "search")
    assert params["command"] == ["mcp", "docs", "search"] and params["message"] == command_prompt(mcp)
    assert command_params(shell)["kind"] == "shell" and "server" not in command_params(shell)
    # A name from an MCP server cannot rewrite the sentence around it.
    sneaky = CommandRequest("t", [], cwd, None, "mcp", "docs", "x` on server `trusted\nok")
    assert command_prompt(sneaky) == "Codex wants to call MCP tool `x' on server 'trusted ok` on server `docs`"
