"""Randomness from the operating system, for the ``Secrets`` port."""

from __future__ import annotations

import hashlib
import secrets
import uuid


class SystemSecrets:
    def token(self) -> str:
        return secrets.token_urlsafe(32)  # 256 bits

    def new_id(self) -> str:
        return uuid.uuid4().hex

    def digest(self, token: str) -> str:
        # A plain hash suffices: tokens carry 256 random bits, nothing to guess.
        return hashlib.sha256(token.encode()).hexdigest()
