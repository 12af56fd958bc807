"""Linear scanners for template text: `{{ }}`, `{% %}` and `{# #}` blocks, and bare `{{ }}` blocks
outside the string literals of JSON text. Closers are found with str.find and remembered, so no
input makes them quadratic (the lazy `{{.*?}}` patterns they replace took seconds on 40 KB).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

EXPRESSION, STATEMENT, COMMENT = "{", "%", "#"
ALL_KINDS = EXPRESSION + STATEMENT + COMMENT
_CLOSERS = {EXPRESSION: "}}", STATEMENT: "%}", COMMENT: "#}"}
# A JSON string literal, unrolled so that it matches or fails in one pass.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_QUOTE_OR_OPENER = re.compile(r'"|\{\{')
_OPENER = re.compile(r"\{\{")


@dataclass(frozen=True)
class Block:
    """One block: its kind ("{", "%" or "#") and the span from its opening brace to after its closer."""

    kind: str
    start: int
    end: int

    def inner(self, text: str) -> str:
        return text[self.start + 2 : self.end - 2]


class _Closers:
    """The first closer at or after a position. Positions only grow, so an answer stays good until
    the position passes it, and "none" stays "none": every character is searched at most once."""

    def __init__(self, text: str):
        self.text = text
        self.found: dict[str, int] = {}

    def after(self, closer: str, position: int) -> int:
        cached = self.found.get(closer)
        if cached is not None and (cached < 0 or cached >= position):
            return cached
        index = self.text.find(closer, position)
        self.found[closer] = index
        return index


@lru_cache(maxsize=16)
def _opener(kinds: frozenset[str]) -> re.Pattern:
    return re.compile(r"\{[" + re.escape("".join(sorted(kinds))) + "]")


def blocks(text: str, kinds: str = ALL_KINDS) -> Iterator[Block]:
    """The blocks of `text` left to right, as the regex `{{(.*?)}}|{%(.*?)%}|{#.*?#}` found them:
    each ends at the first closer after its opener; an opener without a closer is plain text."""
    closers, live, position = _Closers(text), set(kinds), 0
    while live:
        match = _opener(frozenset(live)).search(text, position)
        if match is None:
            return
        start = match.start()
        kind = text[start + 1]
        close = closers.after(_CLOSERS[kind], start + 2)
        if close < 0:  # no closer left: no later block of this kind either
            live.discard(kind)
            position = start + 1
            continue
        yield Block(kind, start, close + 2)
        position = close + 2


def substitute(text: str, found: Iterator[Block], replace: Callable[[Block], str]) -> str:
    """`text` with each found block replaced by `replace(block)`."""
    parts, position = [], 0
    for block in found:
        parts.append(text[position : block.start])
        parts.append(replace(block))
        position = block.end
    parts.append(text[position:])
    return "".join(parts)


def bare_json_blocks(text: str) -> Iterator[Block]:
    """`{{ }}` blocks outside JSON string literals (in `{"n": {{Trigger.n}}}` the block is a value)."""
    closers, pattern, position = _Closers(text), _QUOTE_OR_OPENER, 0
    while True:
        match = pattern.search(text, position)
        if match is None:
            return
        start = match.start()
        if match[0] == '"':
            literal = _JSON_STRING.match(text, start)
            if literal is None:  # unterminated: no later quote can start a string either
                pattern, position = _OPENER, start + 1
            else:
                position = literal.end()
            continue
        close = closers.after("}}", start + 2)
        if close < 0:
            return
        yield Block(EXPRESSION, start, close + 2)
        position = close + 2
