"""Durations: the accepted spellings, the refusals with their message, and formatting back."""

from datetime import timedelta

import pytest

from wayvo_app.core.times import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("30m", 1800),
        ("24h", 86400),
        ("7d", 604800),
        ("1w", 604800),
        ("1h30m", 5400),
        ("90", 90),
        ("1.5", 1.5),
        ("  5m  ", 300),
    ],
)
def test_parse_duration_accepts(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "   ", "abc", "5x", "-5s", "-1", "30 parsecs"])
def test_parse_duration_rejects_with_a_clear_message(text):
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert str(caught.value) == f"Invalid duration '{text}': expected e.g. 30s, 5m, 24h, 7d"


def test_parse_duration_rejects_non_strings_and_absurd_lengths():
    with pytest.raises(ValueError, match="Invalid duration"):
        parse_duration(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="too long"):
        parse_duration("99999999999999w")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.25, "250ms"),
        (1.5, "1.5s"),
        (45, "45s"),
        (60, "1m"),
        (5400, "1h 30m"),
        (90061, "1d 1h 1m 1s"),
        (-30, "-30s"),
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
