"""One connection's state: client, capabilities, documents, turns, progress, diagnostics."""
