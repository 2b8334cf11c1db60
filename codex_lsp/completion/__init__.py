"""Inline completions (ghost text): context, model call, trimming, cache, debounce.

`service.InlineCompletions` is what the LSP handler calls; nothing here imports pygls.
"""
