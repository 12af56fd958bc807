"""The one home for time: the UTC clock, naive-to-aware, human durations ("30s", "1h30m", "7d")
parsed to timedeltas, and the duration and time texts the pages show (each style kept exact)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from pytimeparse import parse as parse_time_text

_PLAIN_SECONDS = re.compile(r"\d+(?:\.\d+)?")
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def utcnow() -> datetime:
    """The one UTC clock of the app (tests pass `now` explicitly instead)."""
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    """Naive datetimes are taken to be UTC: SQLite hands them back naive, every stored time is UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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


def format_ms(ms: float | None) -> str:
    """The viewer's style: `120 ms`, `3.4 s`, `2 min 5 s`, `1 h 3 min`, `2 d 4 h`; `–` when unknown."""
    if ms is None:
        return "–"
    if ms < 1000:
        return f"{int(ms)} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {sec} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def format_clock(moment: datetime | None, *, date: bool = True) -> str:
    """`2026-01-02 13:04:05 UTC` (or `13:04:05` without the date); `–` when unknown."""
    moment = aware(moment)
    if moment is None:
        return "–"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC" if date else "%H:%M:%S")


def span(seconds: float) -> str:
    """The inbox's coarse style: `<1 min`, `12 min`, `3 h 5 min`, `2 d 4 h`."""
    seconds = int(abs(seconds))
    if seconds < 60:
        return "<1 min"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours < 1:
        return f"{minutes} min"
    if days < 1:
        rest = minutes - hours * 60
        return f"{hours} h {rest} min" if rest and hours < 10 else f"{hours} h"
    rest = hours - days * 24
    return f"{days} d {rest} h" if rest and days < 7 else f"{days} d"


def ago(when: datetime | None, now: datetime) -> str:
    """`just now`, `12 min ago`; empty when there is no time."""
    if when is None:
        return ""
    seconds = (now - aware(when)).total_seconds()
    return "just now" if seconds < 60 else f"{span(seconds)} ago"


def ago_text(iso: str | None, now: datetime) -> str:
    """`ago` of an ISO time (as read models return them)."""
    return ago(datetime.fromisoformat(iso), now) if iso else ""


def time_left(expires_at: datetime | None, now: datetime) -> str:
    """`3 h left`, `overdue by 5 min`, or `no expiry`."""
    if expires_at is None:
        return "no expiry"
    seconds = (aware(expires_at) - now).total_seconds()
    return f"{span(seconds)} left" if seconds > 0 else f"overdue by {span(seconds)}"


def stamp(when: datetime | None) -> str:
    """`2026-01-02 13:04 UTC`; empty when there is no time."""
    return aware(when).strftime("%Y-%m-%d %H:%M UTC") if when else ""
