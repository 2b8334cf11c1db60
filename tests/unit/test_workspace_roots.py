"""Workspace folders: added, removed, and views rooted at a document's folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_lsp.core.workspace import OutsideWorkspace, Workspace


def test_added_folder_is_inside_and_removed_one_is_not(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    ws = Workspace([a])
    with pytest.raises(OutsideWorkspace):
        ws.resolve(str(b / "x.py"))
    ws.add_root(b)
    assert ws.resolve(str(b / "x.py")) == b.resolve() / "x.py"
    assert ws.remove_root(b) is True
    assert not ws.contains(b / "x.py")
    assert ws.remove_root(a) is False  # the last folder stays
    assert ws.roots == [a.resolve()]


def test_rooted_view_resolves_relative_paths_in_its_folder(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    (b / "pkg").mkdir(parents=True)
    a.mkdir()
    ws = Workspace([a, b])
    view = ws.rooted_at(b / "pkg" / "m.py")
    assert view.primary == b.resolve() and ws.primary == a.resolve()
    assert view.resolve("pkg/m.py") == b.resolve() / "pkg" / "m.py"
    assert ws.rooted_at(tmp_path / "elsewhere.py") is ws
    assert ws.rooted_at(None) is ws
    ws.remove_root(b)  # the view shares the folder list
    assert view.primary == a.resolve()
