"""`FreshWrites`: the one freshness-check-then-write every host goes through.

Tested on its own and through the terminal host of `codex-lsp exec` and the
tests' `FakeHost` (the LSP host: `test_lsp_host.py`).
"""

from __future__ import annotations

from pathlib import Path

from codex_lsp.core.disk import FreshWrites
from codex_lsp.core.protocol import ApplyOutcome, EditProposal, FileEdit, ReviewedEdit, Snapshot
from codex_lsp.core.workspace import Workspace
from codex_lsp.exec_mode import TerminalHost
from tests.support.fake_host import FakeHost


def _update(path: Path, old: str, new: str, version: int | None = None) -> FileEdit:
    return FileEdit(path, "update", old, new, version)


def _unasked(*files: FileEdit) -> ReviewedEdit:
    return ReviewedEdit.unasked(EditProposal("t", "edit", list(files)))


def _no_buffers(path: Path) -> Snapshot | None:
    return None


async def test_a_fresh_edit_is_written_atomically_by_default(tmp_path: Path) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("a = 1\n")
    edits = [_update(a, "a = 1\n", "a = 2\n"), FileEdit(b, "add", None, "b = 1\n")]

    outcome = await FreshWrites(_no_buffers).write(edits)

    assert outcome == ApplyOutcome(True)
    assert (a.read_text(), b.read_text()) == ("a = 2\n", "b = 1\n")


async def test_a_file_changed_on_disk_stops_the_whole_edit(tmp_path: Path) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("a = 1\n")
    b.write_text("b = 9\n")  # the user changed it after the agent read "b = 1\n"
    edits = [_update(a, "a = 1\n", "a = 2\n"), _update(b, "b = 1\n", "b = 2\n")]
    calls: list[str] = []

    async def write() -> ApplyOutcome:
        calls.append("write")
        return ApplyOutcome(True)

    outcome = await FreshWrites(_no_buffers).write(edits, write)

    assert outcome == ApplyOutcome(
        False, "b.py changed since the edit was proposed; nothing was written"
    )
    assert calls == []
    assert (a.read_text(), b.read_text()) == ("a = 1\n", "b = 9\n")


async def test_an_open_buffer_is_checked_by_its_version_and_text(tmp_path: Path) -> None:
    a = tmp_path / "a.py"
    a.write_text("on disk\n")  # the buffer, not the disk, is what the agent read
    buffers = {a: Snapshot("in buffer\n", 4)}
    writes = FreshWrites(buffers.get)

    fresh = await writes.write([_update(a, "in buffer\n", "new\n", 4)], _applied)
    buffers[a] = Snapshot("in buffer\n", 5)
    typed_since = await writes.write([_update(a, "in buffer\n", "new\n", 4)], _applied)

    assert fresh == ApplyOutcome(True)
    assert typed_since == ApplyOutcome(
        False, "a.py changed since the edit was proposed (version 4 -> 5); nothing was written"
    )


async def test_a_failed_disk_write_names_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.write_text("a file where the new file's folder would go\n")
    target = folder / "new.py"

    outcome = await FreshWrites(_no_buffers).write([FileEdit(target, "add", None, "x\n")])

    assert outcome == ApplyOutcome(False, f"writing {folder}: File exists")
    assert folder.read_text() == "a file where the new file's folder would go\n"


async def test_terminal_host_refuses_a_stale_edit_and_writes_a_fresh_one(tmp_path: Path) -> None:
    a = tmp_path / "a.py"
    a.write_text("x = 2\n")
    host = TerminalHost(Workspace([tmp_path]), assume_yes=True, never_ask=False)

    stale = await host.apply_edit(_unasked(_update(a, "x = 1\n", "x = 3\n")))
    fresh = await host.apply_edit(_unasked(_update(a, "x = 2\n", "x = 3\n")))

    assert stale == ApplyOutcome(
        False, "a.py changed since the edit was proposed; nothing was written"
    )
    assert fresh == ApplyOutcome(True)
    assert a.read_text() == "x = 3\n"


async def test_fake_host_checks_its_buffers_before_writing_them(tmp_path: Path) -> None:
    a = tmp_path / "a.py"
    host = FakeHost()
    host.open_document(a, "buffer\n", version=2)

    stale = await host.apply_edit(_unasked(_update(a, "buffer\n", "x\n", 1)))
    fresh = await host.apply_edit(_unasked(_update(a, "buffer\n", "x\n", 2)))

    assert stale == ApplyOutcome(
        False, "a.py changed since the edit was proposed (version 1 -> 2); nothing was written"
    )
    assert fresh == ApplyOutcome(True)
    assert host.buffers[a] == Snapshot("x\n", 3)
    assert not a.exists()  # an open buffer is edited in the editor, not on disk


async def _applied() -> ApplyOutcome:
    return ApplyOutcome(True)
