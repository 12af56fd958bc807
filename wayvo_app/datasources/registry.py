"""DataSources (contract §1): a SQLModel table with a primary key and after-change hooks, registered
by configuration; queried and saved (I/U/D rows, hooks in the caller's transaction) as a user."""

from __future__ import annotations

import asyncio
import copy
import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlmodel import Session, SQLModel

from wayvo_app.core.errors import BadRequestError, ConfigurationError, ForbiddenError, NotFoundError
from wayvo_app.datasources.filters import coerce, order_by, where_clause
from wayvo_app.store.models import Execution, User

Hook = Callable[..., Any]
"""`hook(*, rows, previous_rows (update/delete), user, session) -> rows`, a plain or `async def`
function; either runs in the caller's transaction."""


@dataclass(frozen=True)
class DataSource:
    """A table as rows of named fields. `fields` maps row field → model attribute (default: every
    column under its own name); `scope(user)` returns a WHERE clause limiting what a user sees."""

    name: str
    model: type[SQLModel]
    primary_key: str | tuple[str, ...] = "id"
    after_insert: Hook | None = None
    after_update: Hook | None = None
    after_delete: Hook | None = None
    label: str = ""
    fields: Mapping[str, str] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    read_only: bool = False
    scope: Callable[[Any], Any] | None = None

    @cached_property
    def field_map(self) -> dict[str, str]:
        if self.fields is not None:
            return dict(self.fields)
        return {attr.key: attr.key for attr in sa_inspect(self.model).column_attrs}

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.primary_key,) if isinstance(self.primary_key, str) else tuple(self.primary_key)

    def column(self, name: str) -> Any:
        attr = self.field_map.get(name)
        if attr is None:
            raise BadRequestError(f'DataSource "{self.name}" has no field "{name}"; expected one of '
                                  + ", ".join(f'"{f}"' for f in self.field_map))
        return getattr(self.model, attr)

    def to_row(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, attr) for name, attr in self.field_map.items()}

    def attributes(self) -> list[tuple[str, str]]:
        return [(name, self.labels.get(name) or _humanize(name)) for name in self.field_map]


def _humanize(name: str) -> str:
    spaced = "".join(f" {c}" if c.isupper() else c for c in name).replace("_", " ").strip()
    return " ".join(word.capitalize() for word in spaced.split())


@dataclass(frozen=True)
class QueryResult:
    rows: list[dict[str, Any]]


# --- registry ---------------------------------------------------------------------------------

_registered: dict[str, DataSource] = {}


def register_data_source(data_source: DataSource) -> DataSource:
    existing = _registered.get(data_source.name)
    if existing is not None and existing is not data_source:
        raise ConfigurationError(f'DataSource "{data_source.name}" is registered twice')
    missing = [key for key in data_source.keys if key not in data_source.field_map]
    if missing:
        raise ConfigurationError(f'DataSource "{data_source.name}": primary key field "{missing[0]}" '
                                 "is not one of its fields")
    _registered[data_source.name] = data_source
    return data_source


def unregister_data_source(name: str) -> None:
    if name != WORKFLOW_EXECUTIONS.name:
        _registered.pop(name, None)


def _import(path: str) -> Any:
    module_name, _, attribute = path.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigurationError(f'DataSource "{path}" cannot be loaded (expected "pkg.module:name"): {exc}')


def load_data_sources(paths: Iterable[str]) -> list[DataSource]:
    """Register the DataSources (or lists of them) named by `"pkg.module:name"` paths."""
    loaded = []
    for path in paths:
        found = _import(path)
        for item in found if isinstance(found, list | tuple) else [found]:
            if not isinstance(item, DataSource):
                raise ConfigurationError(f'"{path}" is a {type(item).__name__}, not a DataSource')
            loaded.append(register_data_source(item))
    return loaded


def _ensure_configured() -> None:
    """Register the configured DataSources (a no-op once they are: imports are cached)."""
    from wayvo_app.settings import get_settings

    load_data_sources(get_settings().data_sources)


def get_data_source(name: str) -> DataSource:
    _ensure_configured()
    found = _registered.get(name)
    if found is None:
        raise NotFoundError(f'DataSource "{name}" not found')
    return found


def data_source_names() -> list[str]:
    _ensure_configured()
    return sorted(_registered)


def data_source_attributes(name: str) -> list[tuple[str, str]]:
    """(code, label) of each field of the DataSource, for the builder's field pickers."""
    return get_data_source(name).attributes()


def _resolve(data_source: DataSource | str) -> DataSource:
    return get_data_source(data_source) if isinstance(data_source, str) else data_source


# --- query ------------------------------------------------------------------------------------

def _count(value: Any, name: str, minimum: int) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, bool) or number < minimum:
        raise BadRequestError(f"{name} must be a whole number of at least {minimum}, found {value!r}")
    return number


def _scoped(ds: DataSource, user: Any, stmt: Any) -> Any:
    clause = ds.scope(user) if ds.scope is not None else None
    return stmt if clause is None else stmt.where(clause)


def query_data_source(session: Session, user: Any, data_source: DataSource | str, *, filter: Any = None,
                      sort: Any = None, limit: Any = None, offset: Any = None) -> QueryResult:
    """Rows matching `filter` (all conditions ANDed), sorted, paged; as `user` sees them."""
    ds = _resolve(data_source)
    stmt = _scoped(ds, user, select(ds.model))
    where = where_clause(filter, ds.column)
    if where is not None:
        stmt = stmt.where(where)
    # The primary key last keeps paging stable when sort values tie.
    stmt = stmt.order_by(*order_by(sort, ds.column), *(ds.column(k).asc() for k in ds.keys))
    stmt = stmt.limit(_count(limit, "limit", 1)).offset(_count(offset, "offset", 0))
    return QueryResult([ds.to_row(obj) for obj in session.exec(stmt).scalars()])


# --- save -------------------------------------------------------------------------------------

def _values(ds: DataSource, row: Mapping[str, Any], skip: Sequence[str] = ()) -> dict[str, Any]:
    return {ds.field_map[name]: coerce(ds.column(name), name, value)
            for name, value in row.items() if name != "_status" and name not in skip}


def _locked(session: Session, ds: DataSource, user: Any, row: Mapping[str, Any]) -> Any:
    missing = [key for key in ds.keys if row.get(key) in (None, "")]
    if missing:
        raise BadRequestError(f'DataSource "{ds.name}": a row to update or delete needs "{missing[0]}"')
    conditions = [ds.column(k) == coerce(ds.column(k), k, row[k]) for k in ds.keys]
    stmt = _scoped(ds, user, select(ds.model).where(*conditions)).with_for_update()
    obj = session.exec(stmt).scalars().first()
    if obj is None:
        ids = ", ".join(f"{k}={row[k]}" for k in ds.keys)
        raise NotFoundError(f'DataSource "{ds.name}": no row with {ids}')
    return obj


def _insert(session: Session, ds: DataSource, row: Mapping[str, Any]) -> dict[str, Any]:
    obj = ds.model(**_values(ds, row))
    session.add(obj)
    session.flush()
    return ds.to_row(obj)


def _update(session: Session, ds: DataSource, user: Any, row: Mapping[str, Any]) -> tuple[dict, dict]:
    obj = _locked(session, ds, user, row)
    previous = copy.deepcopy(ds.to_row(obj))
    for attr, value in _values(ds, row, skip=ds.keys).items():
        setattr(obj, attr, value)
    session.add(obj)
    session.flush()
    return ds.to_row(obj), previous


def _delete(session: Session, ds: DataSource, user: Any, row: Mapping[str, Any]) -> dict[str, Any]:
    obj = _locked(session, ds, user, row)
    previous = copy.deepcopy(ds.to_row(obj))
    session.delete(obj)
    session.flush()
    return previous


def _run_hook(ds: DataSource, hook_name: str, rows: list[dict], **kwargs: Any) -> list[dict]:
    hook = getattr(ds, hook_name)
    if not rows or hook is None:
        return rows
    result = hook(rows=rows, **kwargs)
    if inspect.isawaitable(result):
        result = _finish(result)
    return rows if result is None else list(result)


def _finish(awaitable: Any) -> Any:
    """Run an `async def` hook to its end here, before the caller's transaction goes on: the hook
    uses the same (sync) session, so it commits or rolls back with the caller's writes. Inside a
    running event loop (an async caller) we cannot block that loop's thread on it, so the hook gets
    a loop of its own in a helper thread while this thread waits: still one session, used by one
    thread at a time."""

    async def wrapper() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wrapper())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="wayvo-hook") as pool:
        return pool.submit(asyncio.run, wrapper()).result()


def save_data_source(session: Session, user: Any, data_source: DataSource | str,
                     rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Apply `_status` I/U/D rows, then the hooks (inserts, updates, deletes) in this transaction;
    returns the rows the hooks return, in that order."""
    ds = _resolve(data_source)
    if ds.read_only:
        raise ForbiddenError(f'DataSource "{ds.name}" is read-only')
    inserted, updated, before, deleted = [], [], [], []
    for row in rows:
        status = row.get("_status") if isinstance(row, Mapping) else None
        if status == "I":
            inserted.append(_insert(session, ds, row))
        elif status == "U":
            new, old = _update(session, ds, user, row)
            updated.append(new)
            before.append(old)
        elif status == "D":
            deleted.append(_delete(session, ds, user, row))
        else:
            raise BadRequestError(f'DataSource "{ds.name}": each row needs "_status" "I", "U" or "D", '
                                  f"found {status!r}")
    common = {"user": user, "session": session}
    return (_run_hook(ds, "after_insert", inserted, **common)
            + _run_hook(ds, "after_update", updated, previous_rows=before, **common)
            + _run_hook(ds, "after_delete", deleted, previous_rows=copy.deepcopy(deleted), **common))


# --- the built-in WorkflowExecutions ----------------------------------------------------------

def _own_executions(user: Any) -> Any:
    """Admins see every execution; anyone else their own."""
    if "admin" in tuple(getattr(user, "roles", ()) or ()):
        return None
    user_id = getattr(user, "id", None)
    if user_id:
        return Execution.user_id == user_id
    return Execution.user_id.in_(select(User.id).where(User.user_name == getattr(user, "user_name", None)))


WORKFLOW_EXECUTIONS = register_data_source(DataSource(
    name="WorkflowExecutions", model=Execution, primary_key="id", label="Workflow executions",
    fields={"id": "id", "workflowId": "workflow_id", "status": "status", "input": "input",
            "output": "output", "error": "error", "startedAt": "started_at", "completedAt": "completed_at"},
    read_only=True, scope=_own_executions,
))
