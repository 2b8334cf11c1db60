"""Model-family defaults: what a request carries for this model and provider.

Codex picks reasoning, reasoning summaries and the freeform `apply_patch` tool by
model family; the configuration keys (same names as Codex's) override each choice.
Resolved once per turn into a `WireOptions`, so the wire clients only read fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codex_lsp.config import LoadedConfig
from codex_lsp.tools.web_search import web_search_tool

REASONING_PREFIXES = ("gpt-5", "o1", "o3", "o4", "codex-")
"""Model names (after any `vendor/` prefix) that reason and return encrypted reasoning."""
FREEFORM_PATCH_PREFIXES = ("gpt-5", "codex-")
"""Families trained on `apply_patch` as a freeform (custom) tool."""
PARALLEL_PREFIXES = ("gpt-5", "codex-")
"""Families Codex lets call several tools in one response (`parallel_tool_calls: true`)."""
VERBOSITY_PREFIXES = ("gpt-5",)
"""Families that take `text.verbosity` (Codex sends `low` to gpt-5 chat models, not to codex)."""
DEFAULT_EFFORT = "medium"
DEFAULT_SUMMARY = "auto"
DEFAULT_CHAT_MAX_TOKENS = 8192
"""Output cap for Chat Completions: a large single-file patch fits; a runaway model stops."""


def _base_name(model: str) -> str:
    return model.lower().rsplit("/", 1)[-1]


def uses_codex_envelope(loaded: LoadedConfig) -> bool:
    """Whether requests take Codex 0.169's shape: the built-in `openai` provider, Responses wire.

    Then the prompt travels as developer messages (no `instructions`), with the permissions
    and environment context, `client_metadata` and Codex's family defaults; other providers
    (chat wire, local servers, other Responses services) keep `instructions`.
    """
    return loaded.provider_id == "openai" and loaded.provider.wire_api == "responses"


def default_verbosity(model: str, envelope: bool) -> str | None:
    """Codex's `text.verbosity` for the family: `low` for gpt-5 chat models, else none."""
    name = _base_name(model)
    if envelope and name.startswith(VERBOSITY_PREFIXES) and "codex" not in name:
        return "low"
    return None


def is_reasoning_model(model: str) -> bool:
    """gpt-5*, o1/o3/o4*, codex-*: reasoning models."""
    return _base_name(model).startswith(REASONING_PREFIXES)


@dataclass(frozen=True)
class WireOptions:
    """Per-request knobs the wire clients send (see `ModelRequest`)."""

    reasoning_effort: str | None = None
    """None: no `reasoning` object (reasoning off)."""
    reasoning_summary: str | None = None
    verbosity: str | None = None
    service_tier: str | None = None
    freeform_apply_patch: bool = False
    max_output_tokens: int | None = None
    """Chat Completions `max_tokens` (never sent to the Responses API, as Codex)."""
    parallel_tool_calls: bool = False
    """Codex's envelope: the model may call several tools at once (gpt-5 and codex families)."""
    hosted_tools: tuple[dict[str, Any], ...] = ()
    """Tools the Responses API runs itself (`web_search`, see tools/web_search)."""


def wire_options(loaded: LoadedConfig) -> WireOptions:
    """The options for the configured model and provider."""
    cfg = loaded.config
    responses = loaded.provider.wire_api == "responses"
    envelope = uses_codex_envelope(loaded)
    forced = cfg.model_supports_reasoning_summaries
    reasoning = responses and (forced if forced is not None else is_reasoning_model(cfg.model))
    if responses and cfg.model_reasoning_effort and forced is None:
        reasoning = cfg.model_reasoning_effort != "none" or reasoning
    effort = (cfg.model_reasoning_effort or DEFAULT_EFFORT) if reasoning else None
    summary = cfg.model_reasoning_summary or DEFAULT_SUMMARY
    patch_type = cfg.apply_patch_tool_type
    if patch_type is None:
        freeform = _base_name(cfg.model).startswith(FREEFORM_PATCH_PREFIXES)
    else:
        freeform = patch_type == "freeform"
    return WireOptions(
        reasoning_effort=effort,
        reasoning_summary=None if summary == "none" else summary,
        verbosity=(cfg.model_verbosity or default_verbosity(cfg.model, envelope))
        if responses
        else None,
        service_tier=cfg.service_tier if responses else None,
        freeform_apply_patch=responses and freeform,
        max_output_tokens=None
        if responses
        else (cfg.model_max_output_tokens or DEFAULT_CHAT_MAX_TOKENS),
        parallel_tool_calls=envelope and _base_name(cfg.model).startswith(PARALLEL_PREFIXES),
        hosted_tools=tuple(t for t in [web_search_tool(cfg, envelope)] if t is not None),
    )
