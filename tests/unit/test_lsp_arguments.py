"""Command arguments: structured strictly, every problem named as the client spells it."""

from __future__ import annotations

import pytest

from codex_lsp.lsp.features.arguments import (
    BadArguments,
    Position,
    PromptArgs,
    Range,
    SelectionArgs,
    ThreadArgs,
    argument_object,
    structure,
)

RANGE = {"start": {"line": 1, "character": 0}, "end": {"line": 2}}


def test_selection_arguments_become_typed_values() -> None:
    arg = structure(
        SelectionArgs, {"uri": "file:///a.py", "range": RANGE, "threadId": "t1", "extra": 1}
    )
    assert arg == SelectionArgs(
        uri="file:///a.py",
        range=Range(Position(1, 0), Position(2, 0)),
        thread_id="t1",
    )


@pytest.mark.parametrize(
    ("cls", "value", "message"),
    [
        (SelectionArgs, {"range": RANGE}, "missing 'uri'"),
        (SelectionArgs, {"uri": "u"}, "missing 'range'"),
        (SelectionArgs, {"uri": "u", "range": {"start": {"line": "1"}, "end": {"line": 1}}},
         "'range.start.line' must be an integer (got '1')"),
        (SelectionArgs, {"uri": "u", "range": {"start": {"line": -1}, "end": {"line": 1}}},
         "'range.start.line' must be >= 0 (got -1)"),
        (PromptArgs, {}, "missing 'prompt'"),
        (PromptArgs, {"prompt": 5}, "'prompt' must be a string (got 5)"),
        (ThreadArgs, {"threadId": ["a"]}, "'threadId' must be a string (got an array)"),
        (ThreadArgs, {"threadId": ""}, "'threadId' must be a non-empty string (got '')"),
    ],
)
def test_bad_arguments_name_the_field(cls: type, value: dict, message: str) -> None:
    with pytest.raises(BadArguments) as caught:
        structure(cls, value)
    assert str(caught.value) == message


def test_null_fields_count_as_absent_and_lua_empty_tables_as_no_arguments() -> None:
    assert structure(ThreadArgs, {"threadId": None}) == ThreadArgs()
    assert argument_object(([],)) == {}
    assert argument_object(()) == {}
    with pytest.raises(BadArguments, match="expected one argument object, got str"):
        argument_object(("x",))


def test_diagnostic_code_may_be_a_string_or_an_integer() -> None:
    """Regression: a diagnostic with a `code` made every fixDiagnostic fail (no hook for the union)."""
    from codex_lsp.lsp.features.arguments import SelectionArgs

    base = {"uri": "file:///a.py", "range": {"start": {"line": 0}, "end": {"line": 1}}}
    for code in ("E501", 7):
        arg = structure(SelectionArgs, {**base, "diagnostic": {"message": "m", "code": code}})
        assert arg.diagnostic is not None and arg.diagnostic.code == code
    with pytest.raises(BadArguments, match=r"'diagnostic\.code' must be a string or an integer"):
        structure(SelectionArgs, {**base, "diagnostic": {"message": "m", "code": True}})
