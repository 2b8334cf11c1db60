"""The one error type of sign-in and credentials, with what the user can do about it."""

from __future__ import annotations

SIGN_IN_ACTION = "Sign in with ChatGPT"
"""The action offered with every "not signed in" message (LSP `showMessageRequest`)."""

NOT_SIGNED_IN = "notSignedIn"
REFRESH_FAILED = "refreshFailed"
REFRESH_UNAVAILABLE = "refreshUnavailable"
UNAUTHORIZED = "unauthorized"
WORKSPACE = "workspaceNotAllowed"
FORCED_METHOD = "loginMethodNotAllowed"
ENTITLEMENT = "missingCodexEntitlement"
LOGIN_FAILED = "loginFailed"
CANCELLED = "cancelled"
STORAGE = "storage"


class AuthError(Exception):
    """A sign-in or credential problem; `permanent` ones need the user to sign in again."""

    def __init__(self, message: str, reason: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.permanent = permanent

    @property
    def needs_sign_in(self) -> bool:
        """Whether "Sign in with ChatGPT" is the way out."""
        return self.permanent or self.reason in (NOT_SIGNED_IN, UNAUTHORIZED, WORKSPACE)
