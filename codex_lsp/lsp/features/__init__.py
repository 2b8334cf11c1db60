"""One file per LSP feature or command family: what a request does."""
