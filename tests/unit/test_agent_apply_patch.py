"""The `apply_patch` tool through the engine: add / delete / update / move, and patches that fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codex_lsp.agent import tasks
from codex_lsp.agent.turn import TurnResult
from codex_lsp.core.items import function_call_output
from codex_lsp.core.protocol import EditProposal, FileEdit, Notice, ToolStep
from tests.support.core_harness import Core, make_core
from tests.support.fake_host import APPROVE, FakeHost
from tests.support.scripted_model import ScriptedModel, call, reply, text

TASK = tasks.run_task("Change files")


def patch(*body: str) -> str:
    return "\n".join(["*** Begin Patch", *body, "*** End Patch"])


async def apply(
    tmp_path: Path, text_of_patch: str, files: dict[str, str], **config: Any
) -> tuple[Core, TurnResult]:
    """Run one turn whose model sends `text_of_patch`, then answers "Done."."""
    model = ScriptedModel(
        reply(call("apply_patch", {"input": text_of_patch}, "p1")), reply(text("Done."))
    )
    core = make_core(tmp_path, model, FakeHost(decisions=[APPROVE]), **config)
    for name, content in files.items():
        core.write(name, content)
    result = await core.agent.run(TASK)
    return core, result


def output_to_model(core: Core) -> str:
    """What the model was told about the patch (the output after its call)."""
    item = core.model.requests[1].input[-1]
    assert item["type"] == "function_call_output"
    assert item["call_id"] == "p1"
    return str(item["output"])


async def test_add_file_creates_it_with_folders(tmp_path: Path) -> None:
    core, result = await apply(tmp_path, patch("*** Add File: pkg/new.py", "+x = 1", "+y = 2"), {})

    new = core.path("pkg/new.py")
    assert result == TurnResult(core.thread.id, "applied", "Done.", None, ["pkg/new.py"])
    assert core.read("pkg/new.py") == "x = 1\ny = 2\n"
    assert core.host.reviews == [
        EditProposal(core.thread.id, TASK.title, [FileEdit(new, "add", None, "x = 1\ny = 2\n")])
    ]
    assert output_to_model(core) == "Success. Updated the following files:\nA pkg/new.py\n"


async def test_add_over_an_existing_file_is_shown_as_an_update(tmp_path: Path) -> None:
    core, result = await apply(tmp_path, patch("*** Add File: a.txt", "+new"), {"a.txt": "old\n"})

    assert result.status == "applied"
    assert core.host.reviews[0].files == [FileEdit(core.path("a.txt"), "update", "old\n", "new\n")]
    assert core.read("a.txt") == "new\n"


async def test_delete_file_removes_it(tmp_path: Path) -> None:
    core, result = await apply(tmp_path, patch("*** Delete File: gone.txt"), {"gone.txt": "bye\n"})

    assert result.changed_files == ["gone.txt"]
    assert not core.path("gone.txt").exists()
    assert core.host.reviews[0].files == [FileEdit(core.path("gone.txt"), "delete", "bye\n", None)]
    assert output_to_model(core) == "Success. Updated the following files:\nD gone.txt\n"


async def test_update_with_move_renames_and_edits(tmp_path: Path) -> None:
    body = patch(
        "*** Update File: old/a.py", "*** Move to: new/b.py", "@@", " keep", "-x = 1", "+x = 2"
    )
    core, result = await apply(tmp_path, body, {"old/a.py": "keep\nx = 1\n"})

    assert result.changed_files == ["new/b.py"]
    assert not core.path("old/a.py").exists()
    assert core.read("new/b.py") == "keep\nx = 2\n"
    assert core.host.reviews[0].files == [
        FileEdit(
            core.path("old/a.py"),
            "update",
            "keep\nx = 1\n",
            "keep\nx = 2\n",
            move_to=core.path("new/b.py"),
        )
    ]
    assert output_to_model(core) == "Success. Updated the following files:\nM new/b.py\n"


async def test_one_patch_over_several_files_is_one_review(tmp_path: Path) -> None:
    body = patch(
        "*** Add File: c.txt",
        "+c",
        "*** Update File: a.txt",
        "@@",
        "-a",
        "+A",
        "*** Delete File: b.txt",
    )
    core, result = await apply(tmp_path, body, {"a.txt": "a\n", "b.txt": "b\n"})

    assert sorted(result.changed_files) == ["a.txt", "b.txt", "c.txt"]
    assert [f.kind for f in core.host.reviews[0].files] == ["add", "update", "delete"]
    assert len(core.host.applied) == 1
    assert (core.read("a.txt"), core.read("c.txt"), core.path("b.txt").exists()) == (
        "A\n",
        "c\n",
        False,
    )
    assert output_to_model(core) == (
        "Success. Updated the following files:\nA c.txt\nM a.txt\nD b.txt\n"
    )


async def test_two_operations_on_one_file_are_merged(tmp_path: Path) -> None:
    body = patch(
        "*** Update File: a.txt",
        "@@",
        "-one",
        "+ONE",
        "*** Update File: a.txt",
        "@@",
        "-three",
        "+THREE",
    )
    core, _ = await apply(tmp_path, body, {"a.txt": "one\ntwo\nthree\n"})

    assert core.host.reviews[0].files == [
        FileEdit(core.path("a.txt"), "update", "one\ntwo\nthree\n", "ONE\ntwo\nTHREE\n")
    ]
    assert core.read("a.txt") == "ONE\ntwo\nTHREE\n"


async def test_policy_never_applies_without_review(tmp_path: Path) -> None:
    model = ScriptedModel(
        reply(call("apply_patch", {"input": patch("*** Add File: n.txt", "+n")}, "p1")),
        reply(text("Done.")),
    )
    core = make_core(tmp_path, model, approval_policy="never")  # FakeHost fails on any review

    result = await core.agent.run(TASK)

    assert result.status == "applied"
    assert core.host.reviews == []
    assert core.read("n.txt") == "n\n"


async def test_an_invalid_patch_goes_back_to_the_model(tmp_path: Path) -> None:
    core, result = await apply(tmp_path, "*** Update File: a.txt\n-a\n+b", {"a.txt": "a\n"})

    assert result == TurnResult(core.thread.id, "answered", "Done.")
    assert output_to_model(core).startswith("Error: invalid patch: ")
    assert core.read("a.txt") == "a\n"
    assert core.host.calls == []
    end = core.host.of_type(ToolStep)[-1]
    assert (end.phase, end.ok) == ("end", False)


async def test_a_patch_that_does_not_match_changes_nothing(tmp_path: Path) -> None:
    body = patch("*** Update File: a.txt", "@@", "-not there", "+x")
    core, result = await apply(tmp_path, body, {"a.txt": "a\nb\n"})

    assert result.status == "answered"
    said = output_to_model(core)
    assert said.startswith("Error: patch did not apply, nothing was changed: ")
    [notice] = core.host.of_type(Notice)
    assert notice.level == "warning"
    assert notice.message.startswith("Patch did not apply: ")
    assert said.removeprefix("Error: patch did not apply, nothing was changed: ") == (
        notice.message.removeprefix("Patch did not apply: ")
    )
    assert core.read("a.txt") == "a\nb\n"
    assert core.host.calls == []


async def test_updating_a_missing_file_goes_back_to_the_model(tmp_path: Path) -> None:
    core, result = await apply(tmp_path, patch("*** Update File: nope.txt", "@@", "-a", "+b"), {})

    assert result.status == "answered"
    assert output_to_model(core).startswith("Error: patch did not apply, nothing was changed: ")
    assert "nope.txt" in output_to_model(core)
    assert not core.path("nope.txt").exists()


async def test_a_path_outside_the_workspace_is_refused(tmp_path: Path) -> None:
    core, result = await apply(tmp_path, patch("*** Add File: ../evil.txt", "+evil"), {})

    assert result.status == "answered"
    assert output_to_model(core).startswith("Error: ../evil.txt is outside the workspace")
    assert not (tmp_path / "evil.txt").exists()
    assert core.host.calls == []


async def test_an_empty_input_is_an_error_for_the_model(tmp_path: Path) -> None:
    core, _ = await apply(tmp_path, "  ", {})
    assert output_to_model(core) == "Error: apply_patch needs a non-empty string argument 'input'"


async def test_the_call_is_echoed_before_its_output(tmp_path: Path) -> None:
    body = patch("*** Add File: n.txt", "+n")
    core, _ = await apply(tmp_path, body, {})
    assert core.model.requests[1].input[-2:] == [
        {
            "type": "function_call",
            "call_id": "p1",
            "name": "apply_patch",
            "arguments": json.dumps({"input": body}),
        },
        function_call_output("p1", "Success. Updated the following files:\nA n.txt\n"),
    ]
