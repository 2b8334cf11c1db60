"""Titles are the user's words, cut at a word boundary; attached context is its own message."""

from __future__ import annotations

from codex_lsp.agent import tasks
from codex_lsp.agent.tasks import Selection, context_message, is_context, subject_of
from codex_lsp.agent.transcript import transcript
from codex_lsp.core.items import assistant_message, message_text, user_message

SEL = Selection("src/calc.py", 3, 4, "x = 1\ny = 2", "python")


def test_a_long_instruction_is_cut_at_a_word_boundary() -> None:
    words = "fix the bug in calc.py: add must add both numbers instead of subtracting them"
    subject = subject_of(words)
    assert subject == "fix the bug in calc.py: add must add both numbers instead…"
    assert len(subject) <= tasks.TITLE_LIMIT
    assert words.startswith(subject.removesuffix("…"))


def test_only_the_first_line_counts_and_short_text_is_kept() -> None:
    assert subject_of("  rename   foo\n\nand more details") == "rename foo"
    assert subject_of("x" * 80).endswith("…")  # one long word: cut anyway
    assert len(subject_of("x" * 80)) == tasks.TITLE_LIMIT


def test_run_task_titles_use_the_prompt_and_keep_context_apart() -> None:
    context = (tasks.attached_file("README.md"), tasks.attached_selection(SEL))
    spec = tasks.run_task("explain the setup", context)
    assert spec.title == "Codex: explain the setup"
    assert spec.thread_title == "explain the setup"
    assert spec.prompt == "explain the setup"
    message = context_message(spec.context)
    texts = [part["text"] for part in message["content"]]
    assert texts[0] == tasks.CONTEXT_OPEN and texts[-1] == tasks.CONTEXT_CLOSE
    assert "README.md" in texts[1] and "x = 1\ny = 2" in texts[2]
    assert is_context(message) and not is_context(user_message("explain the setup"))


def test_ask_sends_the_selection_as_context_not_as_the_question() -> None:
    spec = tasks.ask("why is y two?", SEL)
    assert spec.prompt == "why is y two?"
    assert "src/calc.py, lines 3-4" in spec.context[0]


def test_a_transcript_shows_context_as_chips_of_the_next_message() -> None:
    context = (tasks.attached_file("docs/README.md"), tasks.attached_selection(SEL))
    history = [
        context_message(context),
        user_message("explain"),
        assistant_message("Done."),
        user_message("thanks"),
    ]
    assert transcript(history) == [
        {"kind": "user", "text": "explain", "chips": ["README.md", "calc.py:3-4"]},
        {"kind": "assistant", "text": "Done."},
        {"kind": "user", "text": "thanks"},
    ]
    assert message_text(history[1]) == "explain"
