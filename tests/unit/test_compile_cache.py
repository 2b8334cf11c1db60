"""attrs' generated code is reused from the cache exactly as compiled, and a cache that
cannot be trusted or read is ignored."""

from __future__ import annotations

import builtins
import marshal
import os
from pathlib import Path
from typing import Any

import attrs
import pytest

from codex_lsp.compile_cache import attrs_code_cache, cache_files


def _define(default: int = 3) -> type:
    """A fresh attrs class whose generated source depends on `default`."""

    @attrs.define
    class Point:
        x: int
        y: int = default
        tags: list[str] = attrs.field(factory=list)

    return Point


def _compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The filenames passed to the real `compile` from now on."""
    seen: list[str] = []
    real = builtins.compile

    def counting(source: Any, filename: Any, *args: Any, **kw: Any) -> Any:
        seen.append(str(filename))
        return real(source, filename, *args, **kw)

    monkeypatch.setattr(builtins, "compile", counting)
    return seen


def test_a_second_start_reuses_the_code_and_it_behaves_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [tmp_path / "cache" / "attrs.marshal"]
    plain = _define()
    with attrs_code_cache(paths):
        first = _define()
    assert paths[0].exists() and oct(paths[0].stat().st_mode & 0o077) == "0o0"
    compiled = _compiles(monkeypatch)
    with attrs_code_cache(paths):
        again = _define()
    assert not [name for name in compiled if "attrs generated" in name]
    for cls in (plain, first, again):
        p = cls(1)
        assert (p.x, p.y, p.tags) == (1, 3, []) and p == cls(1, 3)
        assert repr(p) == "Point(x=1, y=3, tags=[])"
        assert cls.__init__.__annotations__ == plain.__init__.__annotations__


def test_other_source_is_compiled_and_only_what_was_used_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [tmp_path / "attrs.marshal"]
    with attrs_code_cache(paths):
        _define(3)
    with attrs_code_cache(paths):
        changed = _define(4)
    assert changed(1).y == 4
    kept = marshal.loads(paths[0].read_bytes())
    assert all("= 3" not in source for source, *_ in kept)  # the old class's code is gone
    assert any("attrs generated" in filename for _, filename, *_ in kept)


def test_a_cache_others_may_write_or_that_is_broken_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [tmp_path / "attrs.marshal"]
    with attrs_code_cache(paths):
        _define()
    os.chmod(paths[0], 0o666)
    compiled = _compiles(monkeypatch)
    with attrs_code_cache(paths):
        _define()
    assert [name for name in compiled if "attrs generated" in name]
    assert paths[0].stat().st_mode & 0o022 == 0  # written anew, private

    paths[0].write_bytes(b"not marshal data")
    compiled.clear()
    with attrs_code_cache(paths):
        assert _define()(2).x == 2
    assert [name for name in compiled if "attrs generated" in name]


def test_a_read_only_place_falls_back_to_the_next(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    paths = [blocked / "sub" / "attrs.marshal", tmp_path / "user" / "attrs.marshal"]
    with attrs_code_cache(paths):
        _define()
    assert paths[1].exists()


def test_the_cache_is_kept_next_to_the_code_else_in_the_user_cache(tmp_path: Path) -> None:
    near, user = cache_files({"XDG_CACHE_HOME": str(tmp_path)})
    assert near.parent.name == "__pycache__" and near.parent.parent.name == "codex_lsp"
    assert user.parent == tmp_path / "codex-lsp" and user.name == near.name
