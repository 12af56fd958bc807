"""Limits on workflow documents and templates (WAYVO_MAX_CONFIG_STRING, WAYVO_MAX_DOCUMENT_BYTES).
Read from the environment at each use (two lookups), so the pure core needs no settings object."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_MAX_CONFIG_STRING = 64 * 1024
DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class DocumentLimits:
    max_config_string: int  # WAYVO_MAX_CONFIG_STRING: characters in one config string
    max_document_bytes: int  # WAYVO_MAX_DOCUMENT_BYTES: one workflow document as UTF-8 JSON


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, found {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, found {value}")
    return value


def get_document_limits() -> DocumentLimits:
    """The limits now (settings.py loads `.env` into the environment at start)."""
    return DocumentLimits(
        max_config_string=_positive_int("WAYVO_MAX_CONFIG_STRING", DEFAULT_MAX_CONFIG_STRING),
        max_document_bytes=_positive_int("WAYVO_MAX_DOCUMENT_BYTES", DEFAULT_MAX_DOCUMENT_BYTES),
    )
