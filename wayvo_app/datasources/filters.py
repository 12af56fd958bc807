"""DataSource queries as SQL: the contract's filter form (`[{"field": {"op": value}}]`), sorting
(`[{"field": "desc"}]`, `"-field"`, `"a, b desc"`) and values coerced to the column's type."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, and_, func, or_

from wayvo_app.core.errors import BadRequestError

OPERATORS = ("is", "isNot", "in", "gt", "gte", "lt", "lte", "contains")
Column = Any  # an instrumented attribute of the table model


def _type(column: Column) -> Any:
    return getattr(column.type, "impl_instance", column.type)  # through TypeDecorators


def _python_type(column: Column) -> type | None:
    try:
        return _type(column).python_type
    except NotImplementedError:
        return None


def _for_column(column: Column, value: datetime) -> datetime:
    """Aware UTC for timezone columns (SQLModel's UTCDateTime); naive UTC for naive ones."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value if getattr(_type(column), "timezone", False) else value.replace(tzinfo=None)


def _datetime(value: str, field: str) -> datetime:
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadRequestError(f'Field "{field}" expects a date-time, found "{value}"')


def coerce(column: Column, field: str, value: Any) -> Any:
    """`value` as the column's Python type (JSON and templates give text for numbers and times)."""
    kind = _python_type(column)
    if isinstance(value, datetime):
        return _for_column(column, value)
    if value is None or kind is None or isinstance(value, kind):
        return value
    try:
        if kind is datetime and isinstance(value, str):
            return _for_column(column, _datetime(value, field))
        if kind is date and isinstance(value, str):
            return date.fromisoformat(value.strip())
        if kind is bool and isinstance(value, str | int):
            return {"true": True, "1": True, "false": False, "0": False}[str(value).strip().lower()]
        if kind in (int, float) and isinstance(value, str | int | float) and not isinstance(value, bool):
            return kind(value)
        if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    except (KeyError, ValueError):
        pass
    raise BadRequestError(f'Field "{field}" expects {kind.__name__}, found {json.dumps(value, default=str)}')


def _is_json(column: Column) -> bool:
    return isinstance(column.type, JSON)


def _contains(column: Column, field: str, value: Any) -> ColumnElement:
    if not isinstance(value, str) or _python_type(column) is not str:
        raise BadRequestError(f'Operator "contains" needs a text field and a text value (field "{field}")')
    return func.lower(column).contains(value.lower(), autoescape=True)


def _is_not(column: Column, value: Any) -> ColumnElement:
    return column.is_not(None) if value is None else or_(column != value, column.is_(None))


def _in(column: Column, field: str, value: Any) -> ColumnElement:
    if not isinstance(value, list | tuple):
        raise BadRequestError(f'Operator "in" needs a list of values (field "{field}")')
    return column.in_([coerce(column, field, item) for item in value])


_COMPARE: dict[str, Callable[[Column, Any], ColumnElement]] = {
    "is": lambda c, v: c.is_(None) if v is None else c == v,
    "isNot": _is_not,
    "gt": lambda c, v: c > v,
    "gte": lambda c, v: c >= v,
    "lt": lambda c, v: c < v,
    "lte": lambda c, v: c <= v,
}


def condition(column: Column, field: str, op: str, value: Any) -> ColumnElement:
    if op not in OPERATORS:
        raise BadRequestError(f'Unknown filter operator "{op}" on "{field}"; expected one of '
                              + ", ".join(OPERATORS))
    if _is_json(column):
        raise BadRequestError(f'Field "{field}" holds JSON and cannot be filtered')
    if op == "in":
        return _in(column, field, value)
    if op == "contains":
        return _contains(column, field, value)
    return _COMPARE[op](column, coerce(column, field, value))


def _entries(filter: Any) -> list[Mapping[str, Any]]:
    if filter is None:
        return []
    entries = [filter] if isinstance(filter, Mapping) else filter
    if not isinstance(entries, list | tuple) or not all(isinstance(e, Mapping) for e in entries):
        raise BadRequestError('Filter must be a list like [{"field": {"is": value}}]')
    return list(entries)


def where_clause(filter: Any, column_of: Callable[[str], Column]) -> ColumnElement | None:
    """Every entry, field and operator ANDed; a plain value means `is`."""
    conditions = []
    for entry in _entries(filter):
        for field, test in entry.items():
            column = column_of(field)
            ops = test if isinstance(test, Mapping) else {"is": test}
            conditions.extend(condition(column, field, op, value) for op, value in ops.items())
    return and_(*conditions) if conditions else None


def _sort_items(sort: Any) -> list[tuple[str, str]]:
    if sort is None or sort == "":
        return []
    if isinstance(sort, str):
        return [_text_sort_item(part) for part in sort.split(",") if part.strip()]
    if isinstance(sort, Mapping):
        sort = [sort]
    items: list[tuple[str, str]] = []
    for entry in sort if isinstance(sort, Sequence) else [None]:
        if isinstance(entry, str):
            items.append(_text_sort_item(entry))
        elif isinstance(entry, Mapping):
            items.extend((field, str(direction).lower()) for field, direction in entry.items())
        else:
            raise BadRequestError('Sort must look like [{"field": "asc"}], "field" or "-field"')
    return items


def _text_sort_item(text: str) -> tuple[str, str]:
    words = text.split()
    if not words:
        raise BadRequestError("Sort has an empty field name")
    if words[0].startswith("-"):
        return words[0][1:], "desc"
    return words[0], (words[1].lower() if len(words) > 1 else "asc")


def order_by(sort: Any, column_of: Callable[[str], Column]) -> list[ColumnElement]:
    clauses = []
    for field, direction in _sort_items(sort):
        if direction not in ("asc", "desc"):
            raise BadRequestError(f'Sort direction of "{field}" must be "asc" or "desc", found "{direction}"')
        column = column_of(field)
        clauses.append(column.desc() if direction == "desc" else column.asc())
    return clauses
