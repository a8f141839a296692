"""Channel secrets at rest: Fernet keyed from ``ALERTS_SECRET_KEY`` (else ``SECRET_KEY``); never shown in full."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from config.env import env_str


def _fernet() -> Fernet:
    seed = getattr(settings, "ALERTS_SECRET_KEY", "") or env_str("ALERTS_SECRET_KEY", "") or settings.SECRET_KEY
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"alerts:{seed}".encode()).digest()))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("the stored secret cannot be decrypted (was the secret key changed?)") from exc


def mask(value: str) -> str:
    """``••••abcd``: enough to tell two secrets apart, never enough to use one."""
    if not value:
        return "none"
    return "••••" + (value[-4:] if len(value) >= 12 else "")
