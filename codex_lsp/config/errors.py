"""The one error type configuration problems are reported with."""

from __future__ import annotations


class ConfigError(Exception):
    """Configuration that cannot be used; the message names the key and its source."""

    def __init__(
        self,
        source: str,
        detail: str,
        key: str | None = None,
        problems: tuple[str, ...] = (),
        faults: tuple[tuple[str, tuple[str | int, ...], str], ...] = (),
    ) -> None:
        message = f"{source}: '{key}' {detail}" if key else f"{source}: {detail}"
        super().__init__(message)
        #: Full human-readable message (also ``str(error)``).
        self.message = message
        #: Dotted key at fault, e.g. ``model_providers.local.request_max_retries``.
        self.key = key
        #: Config file path, or the override source (``initializationOptions``).
        self.source = source
        #: Every problem found, first one being ``message`` (cattrs reports them all).
        self.problems: tuple[str, ...] = problems or (message,)
        #: Each problem as (source, key path, detail), empty when only the message is
        #: known, so a caller can drop the bad keys and go on.
        self.faults = faults
