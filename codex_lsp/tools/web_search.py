"""The Responses API's built-in `web_search` tool: when it is offered, what it did.

OpenAI runs the search; we only declare the tool and show what comes back. As
Codex 0.169 does (tests/fixtures/codex-0.169-tools.json, codex-rs
`resolve_web_search_mode`):

- Offered only on Codex's own request shape: the built-in `openai` provider on the
  Responses wire (`uses_codex_envelope`); never to Chat Completions or other providers.
- Mode from `web_search` (a profile's first), else `features.web_search_cached`
  (cached) or `features.web_search_request` (live), else `cached`; `disabled` offers
  nothing. With `sandbox_mode = "danger-full-access"` a cached search becomes live.
- `cached` sends `external_web_access: false` (OpenAI's index, no live fetches);
  `live` sends `true`. gpt-5.5 also gets `search_content_types: ["text", "image"]`.
- `[tools.web_search]` options become `filters.allowed_domains`, `user_location`
  (`approximate`) and `search_context_size`; `[tools] web_search = true|false` changes
  nothing (the binary ignores it too). Checked against the binary:
  tests/peer/test_web_search_parity.py.

The model's searches arrive as `web_search_call` output items, shown in progress and
kept in the thread's history (minus `id`) like reasoning items.
"""

from __future__ import annotations

from typing import Any

import attrs

from codex_lsp.config.model import Config, WebSearchMode
from codex_lsp.config.tools_section import WebSearchToolConfig
from codex_lsp.core.items import WebSearchAction, WebSearchCallItem
from codex_lsp.core.protocol import WebSearch

IMAGE_SEARCH_PREFIXES = ("gpt-5.5",)
"""Models Codex 0.169 lets search images too (the recorded gpt-5.5 request)."""
ACTION_KEYS = ("type", "query", "queries", "url", "pattern", "sources")


def web_search_mode(config: Config) -> WebSearchMode:
    """The configured mode, resolved as Codex 0.169 resolves it."""
    mode: WebSearchMode = "cached"
    if config.web_search is not None:
        mode = config.web_search
    elif config.features.get("web_search_cached") is True:
        mode = "cached"
    elif config.features.get("web_search_request") is True:
        mode = "live"
    if mode == "cached" and config.sandbox_mode == "danger-full-access":
        return "live"
    return mode


def web_search_tool(config: Config, envelope: bool) -> dict[str, Any] | None:
    """The `tools` entry to send, or None where the provider or the config says no."""
    mode = web_search_mode(config)
    if not envelope or mode == "disabled":
        return None
    tool: dict[str, Any] = {"type": "web_search", "external_web_access": mode == "live"}
    tool.update(search_options(config.tools.web_search_options))
    if config.model.lower().rsplit("/", 1)[-1].startswith(IMAGE_SEARCH_PREFIXES):
        tool["search_content_types"] = ["text", "image"]
    return tool


def search_options(options: WebSearchToolConfig | None) -> dict[str, Any]:
    """`[tools.web_search]` as Codex 0.169 sends it: filters, user_location, context size."""
    if options is None:
        return {}
    sent: dict[str, Any] = {}
    if options.allowed_domains is not None:  # even empty, as the binary sends it
        sent["filters"] = {"allowed_domains": list(options.allowed_domains)}
    if options.location is not None:
        place = {k: v for k, v in attrs.asdict(options.location).items() if v is not None}
        sent["user_location"] = {"type": "approximate", **place}
    if options.context_size is not None:
        sent["search_context_size"] = options.context_size
    return sent


def web_search_item(raw: dict[str, Any]) -> WebSearchCallItem:
    """A `web_search_call` output item as history keeps it (no `id`, known action keys)."""
    item: WebSearchCallItem = {"type": "web_search_call"}
    status = raw.get("status")
    if isinstance(status, str):
        item["status"] = status
    action = raw.get("action")
    if isinstance(action, dict):
        kept: dict[str, Any] = {k: action[k] for k in ACTION_KEYS if k in action}
        item["action"] = WebSearchAction(**kept)  # type: ignore[typeddict-item]
    return item


def describe_search(item: WebSearchCallItem | dict[str, Any]) -> str:
    """One line for progress and transcripts: what the search looked for."""
    action = item.get("action")
    action = action if isinstance(action, dict) else {}
    kind = action.get("type")
    if kind == "open_page" and isinstance(action.get("url"), str):
        return f"Opening {action['url']}"
    if kind == "find" and isinstance(action.get("pattern"), str):
        where = f" in {action['url']}" if isinstance(action.get("url"), str) else ""
        return f"Finding {action['pattern']!r}{where}"
    query = action.get("query")
    if not isinstance(query, str) or not query:
        queries = action.get("queries")
        query = ", ".join(map(str, queries)) if isinstance(queries, list) else ""
    return f"Searching the web: {query}" if query else "Searching the web"


def search_sources(item: WebSearchCallItem | dict[str, Any]) -> list[str]:
    """The URLs a search action reports it used (when the API includes `sources`)."""
    action = item.get("action")
    sources = action.get("sources") if isinstance(action, dict) else None
    if not isinstance(sources, list):
        return []
    return [str(s["url"]) for s in sources if isinstance(s, dict) and s.get("url")]


def search_event(thread_id: str, raw: dict[str, Any], done: bool) -> WebSearch:
    """The event the editors show for a `web_search_call` item that started or ended."""
    action = raw.get("action")
    query = action.get("query") if isinstance(action, dict) else None
    status = raw.get("status")
    return WebSearch(
        thread_id,
        str(raw.get("id") or ""),
        "end" if done else "begin",
        describe_search(raw),
        status if isinstance(status, str) else None,
        query if isinstance(query, str) else None,
        search_sources(raw) if done else [],
    )
