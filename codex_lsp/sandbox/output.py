"""Command output as the model sees it: bounded in memory and in the prompt.

A command may print gigabytes; the model needs the start (what ran) and the
end (the error), not the middle. `OutputCollector` keeps only a head and a
tail while counting everything, so memory stays bounded however much is
printed; `cap_output` then trims to the prompt budget on line boundaries and
says how much was dropped. The format follows Codex's exec output.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_OUTPUT_BYTES = 10 * 1024
"""At most this many bytes of output reach the model (half head, half tail)."""
MAX_OUTPUT_LINES = 256
"""At most this many lines of output reach the model (half head, half tail)."""
TIMEOUT_EXIT_CODE = 124
"""Exit code reported for a command killed at its timeout (as `timeout(1)` does)."""


class OutputCollector:
    """Keeps the first and last `keep` bytes of a stream and counts the rest."""

    def __init__(self, keep: int = MAX_OUTPUT_BYTES) -> None:
        self.keep = keep
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        """Add a chunk; memory never exceeds `2 * keep` bytes."""
        self.total += len(data)
        room = self.keep - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > self.keep:
                del self.tail[: len(self.tail) - self.keep]

    def render(self) -> str:
        """The capped text for the model (see `cap_output`)."""
        return cap_output(bytes(self.head), bytes(self.tail), self.total)


def cap_output(
    head: bytes,
    tail: bytes,
    total: int,
    max_bytes: int = MAX_OUTPUT_BYTES,
    max_lines: int = MAX_OUTPUT_LINES,
) -> str:
    """Decode and trim output to `max_bytes`/`max_lines`, keeping head and tail.

    `head` and `tail` are the kept start and end of a stream of `total` bytes
    (when nothing was dropped, `head + tail` is the whole stream). The result
    is the whole text if it fits, else head and tail separated by a line
    `[... N bytes omitted ...]`.
    """
    whole = head + tail if len(head) + len(tail) == total else None
    if whole is not None and len(whole) <= max_bytes and _line_count(whole) <= max_lines:
        return _decode(whole)
    start = whole if whole is not None else head
    end = whole if whole is not None else tail
    kept_head = _first(start, max_bytes // 2, max_lines // 2)
    kept_tail = _last(end, max_bytes - max_bytes // 2, max_lines - max_lines // 2)
    omitted = total - len(kept_head) - len(kept_tail)
    first = _decode(kept_head)
    if first and not first.endswith("\n"):
        first += "\n"
    return f"{first}[... {omitted} bytes omitted ...]\n{_decode(kept_tail)}"


def _first(data: bytes, max_bytes: int, max_lines: int) -> bytes:
    """Leading whole lines within both limits (a cut line if the first is too long)."""
    end = 0
    for _ in range(max_lines):
        newline = data.find(b"\n", end)
        if newline < 0:
            end = len(data)
            break
        end = newline + 1
    cut = data[:end]
    if len(cut) > max_bytes:
        cut = cut[:max_bytes]
        newline = cut.rfind(b"\n")
        if newline >= 0:
            cut = cut[: newline + 1]
    return cut


def _last(data: bytes, max_bytes: int, max_lines: int) -> bytes:
    """Trailing whole lines within both limits (a cut line if the last is too long)."""
    start = len(data)
    pos = len(data) - 1 if data.endswith(b"\n") else len(data)
    for _ in range(max_lines):
        newline = data.rfind(b"\n", 0, pos)
        if newline < 0:
            start = 0
            break
        start = newline + 1
        pos = newline
    cut = data[start:]
    if len(cut) > max_bytes:
        cut = cut[-max_bytes:] if max_bytes > 0 else b""
        newline = cut.find(b"\n")
        if 0 <= newline < len(cut) - 1:
            cut = cut[newline + 1 :]
    return cut


def _line_count(data: bytes) -> int:
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")


@dataclass(frozen=True)
class ExecResult:
    """A finished (or killed) command."""

    exit_code: int
    output: str
    """Capped, interleaved stdout and stderr."""
    duration_sec: float
    timed_out: bool = False
    timeout_ms: int | None = None


def format_for_model(result: ExecResult) -> str:
    """Codex's exec output shape: exit code, wall time, then the output."""
    body = result.output
    if result.timed_out:
        body = (
            f"command timed out after {result.timeout_ms} milliseconds "
            f"(it was killed with every process it started)\n{body}"
        )
    return (
        f"Exit code: {result.exit_code}\n"
        f"Wall time: {result.duration_sec:.1f} seconds\n"
        f"Output:\n{body}"
    )
