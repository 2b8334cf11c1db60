"""PKCE (S256) codes and the `state` value, made as codex-rs/login/src/pkce.rs makes them."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Pkce:
    """Verifier (64 random bytes, base64url) and its S256 challenge."""

    verifier: str
    challenge: str


def challenge_of(verifier: str) -> str:
    """base64url(sha256(verifier)) without padding."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def generate_pkce() -> Pkce:
    """Fresh codes for one sign-in."""
    verifier = _b64url(secrets.token_bytes(64))
    return Pkce(verifier, challenge_of(verifier))


def generate_state() -> str:
    """32 random bytes, base64url: ties the callback to this sign-in."""
    return _b64url(secrets.token_bytes(32))
