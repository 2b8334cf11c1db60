"""Model-family defaults: what a request carries for this model and provider.

Codex picks reasoning, reasoning summaries and the freeform `apply_patch` tool by
model family; the configuration keys (same names as Codex's) override each choice.
Resolved once per turn into a `WireOptions`, so the wire clients only read fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from codex_lsp.config import LoadedConfig

REASONING_PREFIXES = ("gpt-5", "o1", "o3", "o4", "codex-")
"""Model names (after any `vendor/` prefix) that reason and return encrypted reasoning."""
FREEFORM_PATCH_PREFIXES = ("gpt-5", "codex-")
"""Families trained on `apply_patch` as a freeform (custom) tool."""
DEFAULT_EFFORT = "medium"
DEFAULT_SUMMARY = "auto"
DEFAULT_CHAT_MAX_TOKENS = 8192
"""Output cap for Chat Completions: a large single-file patch fits; a runaway model stops."""


def _base_name(model: str) -> str:
    return model.lower().rsplit("/", 1)[-1]


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


def wire_options(loaded: LoadedConfig) -> WireOptions:
    """The options for the configured model and provider."""
    cfg = loaded.config
    responses = loaded.provider.wire_api == "responses"
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
        verbosity=cfg.model_verbosity if responses else None,
        service_tier=cfg.service_tier if responses else None,
        freeform_apply_patch=responses and freeform,
        max_output_tokens=None
        if responses
        else (cfg.model_max_output_tokens or DEFAULT_CHAT_MAX_TOKENS),
    )
