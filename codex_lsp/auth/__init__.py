"""Sign in with ChatGPT, shared with the Codex CLI: credentials, refresh, sign-in, sign-out.

One job per module: `endpoints` (URLs, client id, env overrides), `authfile` (Codex's
`auth.json`), `keyring_store` (the OS keyring), `store` (file/keyring/auto), `claims`
(id_token and access_token claims), `refresh` (token refresh and the cross-process
lock), `manager` (mode resolution and request credentials), `pkce`, `exchange`
(authorization code -> tokens), `browser` (callback server), `device` (device code),
`logout` (revoke + delete). Every name and format follows codex-rs/login.
"""
