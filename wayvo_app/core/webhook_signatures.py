"""Webhook signatures, pure: HMAC-SHA256 of the raw body with the trigger's secret, in the two
common styles (`sha256=<hex>` as GitHub sends, `t=<unix>,v1=<hex>` over `t.body` as Stripe sends),
compared in constant time, with a timestamp tolerance against replays."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from wayvo_app.core.errors import SignatureError

NONE, SHA256, TIMESTAMPED = "none", "sha256", "timestamped"
STYLES = (NONE, SHA256, TIMESTAMPED)
DEFAULT_HEADERS = {SHA256: "X-Hub-Signature-256", TIMESTAMPED: "Stripe-Signature"}
DEFAULT_TOLERANCE_SECONDS = 300.0


@dataclass(frozen=True)
class SignatureCheck:
    """How one trigger's requests are signed: `style`, the header that carries the signature, and
    how far a signed timestamp may be from now (timestamped style only)."""

    style: str = NONE
    header: str = ""
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS

    @property
    def header_name(self) -> str:
        return self.header.strip() or DEFAULT_HEADERS.get(self.style, "")


def hmac_hex(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def sign(style: str, secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value a sender would send (tests and the builder's example use it)."""
    if style == SHA256:
        return "sha256=" + hmac_hex(secret, body)
    if style == TIMESTAMPED:
        return f"t={timestamp},v1=" + hmac_hex(secret, f"{timestamp}.".encode() + body)
    raise ValueError(f'signature style "{style}" signs nothing')


def verify(check: SignatureCheck, secret: str | None, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """Return when the request is signed as `check` says; SignatureError naming what failed otherwise.
    `headers` must look names up case-insensitively (Starlette's headers do)."""
    if check.style == NONE:
        return
    if check.style not in STYLES:
        raise SignatureError(f'Unknown signature style "{check.style}"; expected one of {", ".join(STYLES)}')
    if not secret:
        raise SignatureError("Signature verification is on but no signing secret is set for this trigger")
    name = check.header_name
    value = headers.get(name)
    if not value:
        raise SignatureError(f"Missing signature header {name}")
    if check.style == SHA256:
        _verify_sha256(secret, value.strip(), body, name)
    else:
        _verify_timestamped(secret, value, body, now, check.tolerance_seconds, name)


def _verify_sha256(secret: str, value: str, body: bytes, name: str) -> None:
    prefix, _, given = value.partition("=")
    if prefix.lower() != "sha256" or not given:
        raise SignatureError(f"Malformed signature header {name}: expected sha256=<hex>")
    if not hmac.compare_digest(given.lower().encode(), hmac_hex(secret, body).encode()):
        raise SignatureError(f"Bad signature in {name}: it does not match the body and the signing secret")


def _parts(value: str) -> tuple[str | None, list[str]]:
    timestamp, signatures = None, []
    for item in value.split(","):
        key, _, text = item.strip().partition("=")
        if key == "t":
            timestamp = text
        elif key == "v1" and text:
            signatures.append(text.lower())
    return timestamp, signatures


def _verify_timestamped(secret: str, value: str, body: bytes, now: float, tolerance: float, name: str) -> None:
    timestamp, signatures = _parts(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        raise SignatureError(f"Malformed signature header {name}: expected t=<unix time>,v1=<hex>")
    expected = hmac_hex(secret, timestamp.encode() + b"." + body).encode()
    # Every v1 is compared (a sender rolling its secret sends two); no early exit on a match.
    matched = False
    for given in signatures:
        matched |= hmac.compare_digest(given.encode(), expected)
    if not matched:
        raise SignatureError(f"Bad signature in {name}: it does not match the body and the signing secret")
    age = now - int(timestamp)
    if age > tolerance:
        raise SignatureError(f"Signature timestamp too old: signed {int(age)} s ago, the tolerance is "
                             f"{int(tolerance)} s (a replayed request?)")
    if age < -tolerance:
        raise SignatureError(f"Signature timestamp is {int(-age)} s in the future, beyond the tolerance of "
                             f"{int(tolerance)} s")
