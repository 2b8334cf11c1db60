"""Benchmarks: codex-lsp against the real Codex CLI on the same scripted model.

Entry point: `python -m bench` (see bench/README.md).  Not part of the test suite.
"""
