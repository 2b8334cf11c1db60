"""The redaction helper: remembered credentials and key-shaped text are masked in
errors, log lines and shell environments."""

from __future__ import annotations

import logging
from pathlib import Path

from codex_lsp import redact
from codex_lsp.config import load_config
from codex_lsp.models.base import ModelError

KEY = "sk-unit-REMEMBERED-0123456789"


def test_remembered_values_and_the_token_of_a_bearer_header_are_masked() -> None:
    redact.remember([KEY, "Bearer tok-unit-abcdefgh12", "short", None])
    assert redact.redact(f"key {KEY} and tok-unit-abcdefgh12") == "key [REDACTED] and [REDACTED]"
    assert "short" not in redact.known()  # too short to mask safely
    assert redact.redact("a short word") == "a short word"


def test_key_shaped_text_is_masked_even_when_unknown() -> None:
    text = "Incorrect API key provided: sk-other-ABCDEFGHIJKLMNOPQRST; Authorization: Bearer abc.def-ghi_jkl"
    assert redact.redact(text) == "Incorrect API key provided: [REDACTED]; Authorization: Bearer [REDACTED]"


def test_model_errors_are_redacted_where_they_are_built() -> None:
    redact.remember([KEY])
    assert ModelError(f"401: Incorrect API key {KEY}").message == "401: Incorrect API key [REDACTED]"


def test_scrub_env_drops_variables_holding_a_credential_whatever_their_name() -> None:
    redact.remember([KEY])
    env = {"PATH": "/bin", "ODD_NAME": KEY, "WRAPPED": f"x{KEY}y"}
    assert redact.scrub_env(env) == {"PATH": "/bin"}


def test_the_log_formatter_masks_messages_and_tracebacks() -> None:
    redact.remember([KEY])
    fmt = redact.RedactingFormatter("%(message)s")
    try:
        raise RuntimeError(f"boom {KEY}")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "sent %s", (KEY,), sys.exc_info())
    out = fmt.format(record)
    assert KEY not in out and "sent [REDACTED]" in out and "boom [REDACTED]" in out


def test_loading_the_config_remembers_the_key_and_env_header_values(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'model_provider = "p"\n[model_providers.p]\nname = "P"\nbase_url = "http://127.0.0.1:1/v1"\n'
        'env_key = "P_AUTH"\nenv_http_headers = { "X-Gw" = "P_GW" }\nhttp_headers = { "X-Api-Token" = "static-token-123456" }\n'
    )
    load_config(home=tmp_path, env={"P_AUTH": "sk-loaded-0000111122223333", "P_GW": "gw-value-abcdefgh"})
    assert {"sk-loaded-0000111122223333", "gw-value-abcdefgh", "static-token-123456"} <= redact.known()
