"""``[tools]``: options of the tools Codex configures there (today: ``web_search``).

Codex 0.169 reads ``[tools] web_search`` as a table of options for the Responses API's
built-in search (``context_size``, ``allowed_domains``, ``location``); whether search is
offered at all is the top-level ``web_search`` mode. ``web_search = true`` / ``false``
there is an older form the binary accepts and ignores, and so do we (observed by running
it against the scripted server; see tools/web_search.py).
"""

from __future__ import annotations

from typing import Any, Literal

import attrs
import cattrs

from codex_lsp.config._structure import InvalidValue

SearchContextSize = Literal["low", "medium", "high"]


@attrs.define(frozen=True)
class WebSearchLocation:
    """``location``: the user's approximate place, for local results."""

    country: str | None = None
    region: str | None = None
    city: str | None = None
    timezone: str | None = None


@attrs.define(frozen=True)
class WebSearchToolConfig:
    """``[tools.web_search]``: how the built-in search searches."""

    #: How much of the pages the search reads (``search_context_size``).
    context_size: SearchContextSize | None = None
    #: Only these domains (``filters.allowed_domains``); empty: any.
    allowed_domains: list[str] | None = None
    #: ``user_location`` (``approximate``).
    location: WebSearchLocation | None = None


WebSearchSetting = WebSearchToolConfig | bool | None
"""A table of options, or Codex's older boolean (accepted and ignored)."""


@attrs.define(frozen=True)
class ToolsConfig:
    """``[tools]``."""

    web_search: WebSearchSetting = None

    @property
    def web_search_options(self) -> WebSearchToolConfig | None:
        """The options table, when one is given."""
        return self.web_search if isinstance(self.web_search, WebSearchToolConfig) else None


def register_hooks(converter: cattrs.Converter) -> None:
    """Let `converter` read ``web_search`` as a table or a boolean."""

    def structure(value: Any, _: Any) -> WebSearchToolConfig | bool | None:
        if value is None or isinstance(value, bool):
            return value
        if not isinstance(value, dict):
            raise InvalidValue.expected("a table of options (or true/false)", value)
        result: WebSearchToolConfig = converter.structure(value, WebSearchToolConfig)
        return result

    converter.register_structure_hook(WebSearchSetting, structure)
