"""Undo of the last turn's edits through the engine: exact bytes back, user edits kept or refused."""

from __future__ import annotations

from pathlib import Path

from codex_lsp.agent import tasks
from codex_lsp.agent.engine import Agent
from codex_lsp.core.protocol import EditProposal, FileEdit
from tests.support.core_harness import Core, make_core
from tests.support.fake_host import APPROVE, FakeHost
from tests.support.scripted_model import ScriptedModel, call, reply, text

TASK = tasks.run_task("Change files")
NOTHING = "Nothing to undo: no edits were applied in this thread."
ORIGINAL = "héllo wörld\r\n\tindented\r\nsecond\r\nno newline at end"


def patch(*body: str) -> str:
    return "\n".join(["*** Begin Patch", *body, "*** End Patch"])


async def edited(tmp_path: Path, files: dict[str, str], *patches: str) -> Core:
    """A core whose thread has applied `patches` (one turn each, policy never)."""
    model = ScriptedModel()
    core = make_core(tmp_path, model, approval_policy="never")
    for name, content in files.items():
        core.write(name, content)
    for n, body in enumerate(patches):
        model.script(reply(call("apply_patch", {"input": body}, f"p{n}")), reply(text("Done.")))
        result = await core.agent.run(TASK)
        assert result.status == "applied", result
    return core


async def undo(agent: Agent, thread_id: str | None = None) -> tuple[list[str], str | None]:
    return await agent.undo(thread_id)


async def test_undo_restores_the_exact_bytes(tmp_path: Path) -> None:
    body = patch("*** Update File: a.txt", "@@", "-second", "+SECOND")
    core = await edited(tmp_path, {"a.txt": ORIGINAL}, body)
    assert core.read("a.txt") != ORIGINAL

    assert await undo(core.agent) == (["a.txt"], None)

    assert core.path("a.txt").read_bytes() == ORIGINAL.encode("utf-8")
    assert core.thread.last_applied == []
    assert await undo(core.agent) == ([], NOTHING)


async def test_undo_reverses_add_delete_and_move_in_one_edit(tmp_path: Path) -> None:
    body = patch(
        "*** Add File: added.txt",
        "+fresh",
        "*** Delete File: deleted.txt",
        "*** Update File: moved.txt",
        "*** Move to: sub/moved.txt",
        "@@",
        "-m",
        "+M",
    )
    core = await edited(tmp_path, {"deleted.txt": "keep me\r\n", "moved.txt": "m\n"}, body)

    changed, error = await undo(core.agent)

    assert error is None
    assert sorted(changed) == ["added.txt", "deleted.txt", "moved.txt", "sub/moved.txt"]
    assert not core.path("added.txt").exists()
    assert core.path("deleted.txt").read_bytes() == b"keep me\r\n"
    assert core.read("moved.txt") == "m\n"
    assert not core.path("sub/moved.txt").exists()
    [proposal] = core.host.applied[-1:]
    assert proposal.title == "Undo Codex edit"


async def test_undo_reverts_only_the_last_turn(tmp_path: Path) -> None:
    first = patch("*** Update File: a.txt", "@@", "-1", "+one")
    second = patch("*** Update File: a.txt", "@@", "-2", "+two")
    core = await edited(tmp_path, {"a.txt": "1\n2\n"}, first, second)

    assert await undo(core.agent) == (["a.txt"], None)

    assert core.read("a.txt") == "one\n2\n"


async def test_undo_keeps_the_users_later_edits_elsewhere(tmp_path: Path) -> None:
    lines = "".join(f"{n}\n" for n in range(1, 11))
    core = await edited(
        tmp_path, {"a.txt": lines}, patch("*** Update File: a.txt", "@@", "-2", "+TWO")
    )
    core.write("a.txt", core.read("a.txt").replace("9\n", "nine (user)\n"))

    assert await undo(core.agent) == (["a.txt"], None)

    assert core.read("a.txt") == lines.replace("9\n", "nine (user)\n")


async def test_undo_is_refused_when_the_user_changed_the_same_lines(tmp_path: Path) -> None:
    core = await edited(
        tmp_path, {"a.txt": "1\n2\n3\n"}, patch("*** Update File: a.txt", "@@", "-2", "+TWO")
    )
    core.write("a.txt", "1\nTWO and more\n3\n")
    applied_before = len(core.host.applied)

    changed, error = await undo(core.agent)

    assert changed == []
    assert error == "a.txt: the lines Codex changed were edited since; undo refused"
    assert core.read("a.txt") == "1\nTWO and more\n3\n"
    assert len(core.host.applied) == applied_before
    assert core.thread.last_applied != []  # still undoable once the user reverts their change


async def test_undo_of_an_open_buffer_edits_the_buffer(tmp_path: Path) -> None:
    model = ScriptedModel(
        reply(call("apply_patch", {"input": patch("*** Update File: a.txt", "@@", "-x", "+y")})),
        reply(text("Done.")),
    )
    core = make_core(tmp_path, model, approval_policy="never")
    path = core.write("a.txt", "on disk\n")
    core.host.open_document(path, "x\n", version=3)
    await core.agent.run(TASK)
    assert core.host.buffers[path].text == "y\n"

    assert await undo(core.agent) == (["a.txt"], None)

    assert core.host.applied[-1] == EditProposal(
        core.thread.id, "Undo Codex edit", [FileEdit(path, "update", "y\n", "x\n", 4)]
    )
    assert core.host.buffers[path].text == "x\n"
    assert core.read("a.txt") == "on disk\n"


async def test_nothing_to_undo_without_an_applied_edit(tmp_path: Path) -> None:
    core = make_core(tmp_path, ScriptedModel(reply(text("Only words."))))
    assert await undo(core.agent) == ([], NOTHING)
    await core.agent.run(TASK)
    assert await undo(core.agent, core.thread.id) == ([], NOTHING)


async def test_undo_refused_by_the_host_keeps_the_edit_undoable(tmp_path: Path) -> None:
    core = await edited(
        tmp_path, {"a.txt": "a\n"}, patch("*** Update File: a.txt", "@@", "-a", "+b")
    )
    core.host.refuse_apply = "the editor is busy"

    assert await undo(core.agent) == ([], "Undo not applied: the editor is busy")

    core.host.refuse_apply = None
    assert await undo(core.agent) == (["a.txt"], None)
    assert core.read("a.txt") == "a\n"


async def test_move_onto_an_existing_file_is_reviewed_applied_and_undone(tmp_path: Path) -> None:
    # Codex's scenario 010_move_overwrites_existing_destination, through the engine.
    body = patch(
        "*** Update File: old/name.txt", "*** Move to: renamed/dir/name.txt", "@@", "-from", "+new"
    )
    model = ScriptedModel(reply(call("apply_patch", {"input": body}, "p0")), reply(text("Done.")))
    core = make_core(tmp_path, model, FakeHost([APPROVE]))  # on-request: the edit is reviewed
    core.write("old/name.txt", "from\n")
    core.write("renamed/dir/name.txt", "what was here\n")

    result = await core.agent.run(TASK)

    assert result.status == "applied", result
    (review,) = core.host.reviews
    replaced, moved = review.files
    assert (replaced.kind, replaced.path, replaced.old_text) == (
        "delete",
        core.path("renamed/dir/name.txt"),
        "what was here\n",
    )
    assert (moved.kind, moved.move_to) == ("update", core.path("renamed/dir/name.txt"))
    assert core.read("renamed/dir/name.txt") == "new\n"
    assert not core.path("old/name.txt").exists()
    output = model.requests[1].input[-1]
    assert output["output"] == "Success. Updated the following files:\nM renamed/dir/name.txt\n"

    changed, error = await undo(core.agent)

    assert error is None and sorted(changed) == ["old/name.txt", "renamed/dir/name.txt"]
    assert core.read("old/name.txt") == "from\n"
    assert core.read("renamed/dir/name.txt") == "what was here\n"
