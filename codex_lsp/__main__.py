"""`python -m codex_lsp`: same as the `codex-lsp` command."""

from codex_lsp.cli import main

raise SystemExit(main())
