"""Integration credentials at rest: Fernet with keys derived (HKDF-SHA256) from WAYVO_SECRET_KEY;
MultiFernet reads with the old keys too (WAYVO_OLD_SECRET_KEYS) and re-encrypts with the current."""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wayvo_app.core.errors import CredentialsError
from wayvo_app.settings import Settings, get_settings

_SALT = b"wayvo-integration-credentials"
_INFO = b"fernet-key-v1"


@lru_cache(maxsize=32)
def derive_fernet(secret_key: str) -> Fernet:
    """The Fernet key of one secret key (the session-signing key is never used as is)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def _fernet(settings: Settings | None) -> MultiFernet:
    settings = settings or get_settings()
    keys = [settings.secret_key, *(k for k in settings.old_secret_keys if k != settings.secret_key)]
    return MultiFernet([derive_fernet(key) for key in keys])


def encrypt_config(config: dict[str, Any], settings: Settings | None = None) -> str:
    """The config as a Fernet token (text), encrypted with the current key."""
    return _fernet(settings).encrypt(json.dumps(config, separators=(",", ":")).encode()).decode()


def decrypt_config(token: str, settings: Settings | None = None) -> dict[str, Any]:
    """The config stored in `token`, read with the current key or any old one."""
    try:
        plain = _fernet(settings).decrypt(token.encode())
    except InvalidToken:
        raise CredentialsError("Integration credentials cannot be decrypted: WAYVO_SECRET_KEY changed; "
                               "list the previous key in WAYVO_OLD_SECRET_KEYS")
    return json.loads(plain)


def reencrypt(token: str, settings: Settings | None = None) -> str:
    """The same config encrypted with the current key (after a key rotation)."""
    try:
        return _fernet(settings).rotate(token.encode()).decode()
    except InvalidToken:
        raise CredentialsError("Integration credentials cannot be re-encrypted: no configured key "
                               "opens them")
