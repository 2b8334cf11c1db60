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
