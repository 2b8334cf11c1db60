"""apply_patch refuses a patch over MAX_PATCH_BYTES whole: nothing parsed, shown or written."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_lsp.tools.apply_patch import MAX_PATCH_BYTES, ApplyPatch
from codex_lsp.tools.base import ToolFailure
from tests.unit.test_shell_support import FakeEditor, make_ctx


async def test_patch_over_the_size_limit_is_refused_whole(tmp_path: Path) -> None:
    editor = FakeEditor()  # any review or edit request would fail the test
    ctx = make_ctx(tmp_path, editor, policy="never")
    line = "+" + "x" * 99 + "\n"
    body = line * (MAX_PATCH_BYTES // len(line) + 1)
    text = f"*** Begin Patch\n*** Add File: big.txt\n{body}*** End Patch\n"
    with pytest.raises(ToolFailure, match=r"patch too large: \d+ bytes \(at most 1048576\)"):
        await ApplyPatch().run(ctx, {"input": text})
    assert not (tmp_path / "big.txt").exists() and editor.events == []
