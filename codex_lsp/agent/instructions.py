"""Instructions: a base prompt constant per model, and AGENTS.md as a user message.

`instructions` never changes, so every request of every thread shares a cached
prefix; the project's guidance goes into the thread's input as a user-instructions
message, as Codex does, so editing AGENTS.md does not invalidate that prefix.

AGENTS.md order: `$CODEX_HOME/AGENTS.md`, then each folder from the repository
root down to the working folder (`AGENTS.override.md` wins over `AGENTS.md` in a
folder), joined and capped at `project_doc_max_bytes`.
"""

from __future__ import annotations

from pathlib import Path

from codex_lsp.core.items import MessageItem, ResponseItem, message_text, user_message

BASE_INSTRUCTIONS = """\
You are Codex, a coding agent running inside the user's editor through codex-lsp.
You work in the user's workspace with these tools: read_file, list_dir, grep_files to look
around, apply_patch to change files, update_plan to share a plan for multi-step work, and
others when listed. Paths are relative to the workspace root.
Rules:
- Read before you edit. Keep changes minimal and focused on the request; keep the file's style.
- Make every change with apply_patch. The user reviews each patch as a diff before it is
  applied; if it is rejected, stop and say so briefly.
- Never write outside the workspace.
- When done, answer briefly: what you changed and why. For questions, answer in Markdown.
"""

PROJECT_DOC_NAMES = ("AGENTS.override.md", "AGENTS.md")


def _repo_root(cwd: Path) -> Path:
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists():
            return folder
    return cwd


def _read_doc(doc: Path, max_bytes: int, problems: list[str]) -> str | None:
    """An AGENTS.md's text (at most `max_bytes`), or None with the reason in `problems`.

    A file that cannot be read or is binary is skipped, so the turn still runs.
    """
    try:
        with doc.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        problems.append(f"{doc} cannot be read ({exc.strerror or exc}): skipped")
        return None
    if b"\x00" in data[:8192]:
        problems.append(f"{doc} is not a text file: skipped")
        return None
    if len(data) > max_bytes:
        problems.append(
            f"{doc} is longer than project_doc_max_bytes ({max_bytes}): only its start is used"
        )
    return data[:max_bytes].decode("utf-8", "replace")


def project_docs(
    cwd: Path,
    codex_home: Path | None,
    max_bytes: int = 32 * 1024,
    problems: list[str] | None = None,
) -> str:
    """The joined AGENTS.md texts that apply to `cwd`, at most `max_bytes` bytes.

    Files that cannot be used are skipped, each with a line in `problems`.
    """
    found = problems if problems is not None else []
    parts: list[str] = []
    folders: list[Path] = [codex_home] if codex_home is not None else []
    root = _repo_root(cwd)
    chain = [cwd, *cwd.parents]
    folders += list(reversed(chain[: chain.index(root) + 1])) if root in chain else [cwd]
    for folder in folders:
        for name in PROJECT_DOC_NAMES:
            doc = folder / name
            if doc.is_file():
                text = _read_doc(doc, max_bytes, found)
                if text is not None:
                    parts.append(text)
                    break
    joined = "\n\n".join(p.strip() for p in parts if p.strip())
    data = joined.encode("utf-8")
    if len(data) > max_bytes:
        joined = data[:max_bytes].decode("utf-8", "ignore")
    return joined


USER_INSTRUCTIONS_PREFIX = "# AGENTS.md instructions for "


def user_instructions(
    cwd: Path, codex_home: Path | None, max_bytes: int, problems: list[str] | None = None
) -> MessageItem | None:
    """The AGENTS.md guidance for `cwd` as a user message (Codex's form), or None."""
    docs = project_docs(cwd, codex_home, max_bytes, problems)
    if not docs:
        return None
    return user_message(
        f"{USER_INSTRUCTIONS_PREFIX}{cwd}\n\n<INSTRUCTIONS>\n{docs}\n</INSTRUCTIONS>"
    )


def needs_instructions(history: list[ResponseItem], message: MessageItem) -> bool:
    """Whether `message` differs from the thread's latest user-instructions message.

    History only grows: a changed AGENTS.md adds a new message after the cached
    prefix instead of rewriting the start of the conversation.
    """
    for item in reversed(history):
        if item["type"] == "message" and item["role"] == "user":
            text = message_text(item)
            if text.startswith(USER_INSTRUCTIONS_PREFIX):
                return text != message_text(message)
    return True


def read_instructions_file(name: str, codex_home: Path) -> str:
    """The text of Codex's `model_instructions_file` (relative paths: under CODEX_HOME).

    Raises `ValueError` with a message naming the key, for the turn's error.
    """
    path = Path(name).expanduser()
    if not path.is_absolute():
        path = codex_home / path
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"Cannot read model_instructions_file {path}: {exc}") from exc
    if not text.strip():
        raise ValueError(f"model_instructions_file {path} is empty")
    return text
