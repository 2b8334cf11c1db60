"""The `request_user_input` questions the scripted model asks in the e2e and Neovim tests."""

from __future__ import annotations

from typing import Any

DB: dict[str, Any] = {
    "id": "database",
    "header": "Database",
    "question": "Which database should the service use?",
    "options": [
        {"label": "Postgres (Recommended)", "description": "Matches production."},
        {"label": "SQLite", "description": "No server to run."},
    ],
}
NAME: dict[str, Any] = {
    "id": "name",
    "header": "Name",
    "question": "What should the service be called?",
    "options": [
        {"label": "api", "description": "Short."},
        {"label": "backend", "description": "Plain."},
    ],
}
