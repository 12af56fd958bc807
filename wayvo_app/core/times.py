"""Human durations ("30s", "1h30m", "7d", "90") parsed to timedeltas, and seconds formatted back."""

from __future__ import annotations

import math
import re
from datetime import timedelta

from pytimeparse import parse as parse_time_text

_PLAIN_SECONDS = re.compile(r"\d+(?:\.\d+)?")
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def parse_duration(text: str) -> timedelta:
    """A duration of zero or more: `0s`, `30s`, `5m`, `24h`, `7d`, `1w`, `1h30m`, or a number of
    seconds. Zero is valid (a Sleep of `0s` continues at once); negative ones are not."""
    seconds = _seconds(text.strip()) if isinstance(text, str) else None
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"Invalid duration '{text}': expected e.g. 30s, 5m, 24h, 7d")
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"Invalid duration '{text}': it is too long") from None


def _seconds(text: str) -> float | None:
    if _PLAIN_SECONDS.fullmatch(text):
        return float(text)
    return parse_time_text(text)


def format_duration(seconds: float) -> str:
    """`250ms`, `45s`, `1.5s`, `1h 30m`, `2d 3h`: the units that are not zero, largest first."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    milliseconds = round(seconds * 1000)
    if milliseconds == 0:
        return "0s"
    if milliseconds < 1000:
        return f"{milliseconds}ms"
    if seconds < 60 and milliseconds % 1000:
        return f"{seconds:.1f}".rstrip("0").rstrip(".") + "s"
    remaining = round(seconds)
    parts = []
    for unit, size in _UNITS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts)
