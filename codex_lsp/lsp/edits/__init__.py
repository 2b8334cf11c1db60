"""The edit pipeline: reviewed edits, approval prompts, pending changes, the host."""
