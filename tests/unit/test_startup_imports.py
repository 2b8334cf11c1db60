"""`agent.context.escape` (written so that the server need not import xml.sax) escapes as the
standard library does (which modules start-up loads: tests/integration/test_startup_imports.py)."""

from __future__ import annotations

from xml.sax.saxutils import escape as sax_escape

from hypothesis import given
from hypothesis import strategies as st

from codex_lsp.agent.context import escape


@given(st.text())
def test_escape_matches_the_standard_library(text: str) -> None:
    assert escape(text) == sax_escape(text)
