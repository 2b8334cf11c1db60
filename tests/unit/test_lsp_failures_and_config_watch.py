"""Failure lines for generic editors, and the cheap watch that picks up a fixed config."""

from __future__ import annotations

import os
from pathlib import Path

from codex_lsp.lsp.features.failures import NEXT_STEP, command_label, failure_message
from codex_lsp.lsp.session.config_watch import ConfigWatch, error_message


def test_command_labels_read_as_the_user_knows_them() -> None:
    assert command_label("codex.editSelection") == "Edit selection"
    assert command_label("codex.explain") == "Explain"
    assert command_label("codex.toggleInlineCompletion") == "Toggle inline completion"


def test_a_failure_is_one_line_with_a_next_step() -> None:
    line = failure_message("codex.explain", "missing 'uri'\n  (got nothing)")
    assert line == f"Codex: Explain failed: missing 'uri' (got nothing). {NEXT_STEP}"
    advised = failure_message("codex.ask", "No API key for provider 'x': set X_KEY")
    assert advised == "Codex: Ask failed: No API key for provider 'x': set X_KEY"
    assert len(failure_message("codex.ask", "y" * 5000)) < 600
    assert failure_message("codex.ask", None).startswith("Codex: Ask failed: no reason given")


def test_the_watch_sees_writes_creations_and_removals(tmp_path: Path) -> None:
    watch = ConfigWatch()
    assert not watch.changed()  # nothing read yet
    config = tmp_path / "config.toml"
    config.write_text('model = "a"\n')
    watch.remember(tmp_path)
    assert not watch.changed()
    config.write_text('model = "bb"\n')
    assert watch.changed()
    watch.remember(tmp_path)
    (tmp_path / "auth.json").write_text("{}")
    assert watch.changed()
    watch.remember(tmp_path)
    stamp = config.stat()
    config.write_text('model = "cc"\n')  # same size, same mtime: the inode or size still differ
    os.utime(config, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    config.unlink()
    assert watch.changed()


def test_the_error_message_lists_every_problem_and_the_fix() -> None:
    message = error_message(["a.toml:2: 'x' bad (ignored)", "a.toml:5: 'y' bad (ignored)"])
    assert message.startswith("codex-lsp configuration has 2 problems: a.toml:2: 'x' bad")
    assert "a.toml:5" in message and message.endswith("no restart needed.")
