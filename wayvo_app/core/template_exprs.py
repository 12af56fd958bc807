"""References inside jinja expressions (`{{Trigger.n + 1}}`, `{{Trigger.a ~ "-" ~ Order.id}}`,
`{{Trigger.total * 1.2 | round(2)}}`), found in one left-to-right pass over the expression with
jinja's own string pattern, so each can become a variable like a plain reference.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from jinja2.lexer import string_re

# Names that are jinja's own (operators, constants, globals, loop helpers): never a node.
JINJA_WORDS = frozenset({
    "and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "True", "False", "None",
    "loop", "range", "namespace", "lipsum", "dict", "cycler", "joiner", "caller", "self", "varargs",
    "kwargs",
})
_START = re.compile(r"""['"@]|[^\W\d]|\d""")
_NUMBER = re.compile(r"\d\w*(?:\.\d\w*)?")
_NAME = re.compile(r"[^\W\d]\w*")
_STORED = re.compile(r"@([\w-]+):([^.\[\]|{}]+)")
_PATH = re.compile(r"(?:\.\w+|\[\d+\])*")
_CALL = re.compile(r"\s*\(")
_KEYWORD_ARGUMENT = re.compile(r"\s*=(?!=)")


class Found(NamedTuple):
    """A reference in an expression: its span, the stored node id if any, the label and the path
    text (`.items[0].sku`)."""

    start: int
    end: int
    node_id: str | None
    label: str
    path: str


def expression_references(expression: str, local_names: frozenset[str], trigger_alias: str) -> list[Found]:
    """Every reference in a jinja expression: `Label.path` (a label followed by a path),
    `@id:Label.path`, and the trigger alias alone. Names after `.`, `|` or `is`, called names,
    keyword arguments, jinja's words and names bound by the template are left to jinja."""
    found: list[Found] = []
    position, previous_word, word_before = 0, "", ""
    while (start_match := _START.search(expression, position)) is not None:
        start, char = start_match.start(), start_match[0]
        if char in "'\"":
            literal = string_re.match(expression, start)
            if literal is None:
                break  # an unterminated string: the rest is jinja's syntax error
            position = literal.end()
        elif char == "@":
            stored = _STORED.match(expression, start)
            if stored is None or not stored[2].strip():
                position = start + 1
                continue
            path_end = _path_end(expression, stored.end())
            path = expression[stored.end() : path_end]
            found.append(Found(start, path_end, stored[1], stored[2].strip(), path))
            position = path_end
        elif char.isdigit():
            position = _NUMBER.match(expression, start).end()
        else:
            name = _NAME.match(expression, start)
            word, position = name[0], name.end()
            if _is_reference(expression, start, word, local_names, previous_word, word_before):
                path_end = _path_end(expression, position)
                path = expression[position:path_end]
                if path or word == trigger_alias or expression.startswith("[", path_end):
                    found.append(Found(start, path_end, None, word, path))
                    position = path_end
            word_before, previous_word = previous_word, word
            continue
        word_before, previous_word = previous_word, ""
    return found


def _is_reference(expression: str, start: int, word: str, local_names: frozenset[str],
                  previous_word: str, word_before: str) -> bool:
    if word in JINJA_WORDS or word in local_names:
        return False
    if previous_word == "is" or (previous_word == "not" and word_before == "is"):
        return False  # a test name: `x is defined`, `x is not none`
    before = _previous_char(expression, start)
    if before in (".", "|"):  # an attribute or a filter name
        return False
    end = start + len(word)
    return not (_CALL.match(expression, end) or _KEYWORD_ARGUMENT.match(expression, end))


def _previous_char(expression: str, index: int) -> str:
    index -= 1
    while index >= 0 and expression[index].isspace():
        index -= 1
    return expression[index] if index >= 0 else ""


def _path_end(expression: str, position: int) -> int:
    """Where the path after a label ends; a method call on the value (`.upper()`) is not part of it."""
    end = _PATH.match(expression, position).end()
    if end > position and _CALL.match(expression, end):  # segments hold neither "." nor "["
        end = max(expression.rfind(".", position, end), expression.rfind("[", position, end))
    return end
