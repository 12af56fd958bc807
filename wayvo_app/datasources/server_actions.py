"""Server actions the Call Action node can run, registered by configuration (WAYVO_SERVER_ACTIONS
lists `"package.module:callable"` or `"package.module:mapping"` paths, imported on first use).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_actions: dict[str, Callable[..., Any]] = {}
_loaded_paths: set[str] = set()


def register_action(name: str, fn: Callable[..., Any]) -> None:
    """Register `fn` under `name`; registering the same function again is a no-op."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"A server action needs a non-empty name, found {name!r}")
    if not callable(fn):
        raise TypeError(f'Server action "{name}" must be callable, found {type(fn).__name__}')
    existing = _actions.get(name)
    if existing is not None and existing is not fn:
        raise ValueError(f'Server action "{name}" is registered twice')
    _actions[name] = fn


def unregister_action(name: str) -> None:
    _actions.pop(name, None)


def get_action(name: str) -> Callable[..., Any] | None:
    return _actions.get(name)


def action_names() -> list[str]:
    return sorted(_actions)


def load_actions(paths: Iterable[str]) -> list[str]:
    """Import each `"pkg.module:attribute"` (a callable, or a mapping of names to callables) once
    and register it; returns the names registered by these paths."""
    names: list[str] = []
    for path in paths:
        if path in _loaded_paths:
            continue
        for name, fn in _import_path(path).items():
            register_action(name, fn)
            names.append(name)
        _loaded_paths.add(path)
    return names


def _import_path(path: str) -> dict[str, Callable[..., Any]]:
    module_name, _, attribute = path.partition(":")
    if not module_name.strip() or not attribute.strip():
        raise ValueError(f'Server action path "{path}" must look like "package.module:callable"')
    module = importlib.import_module(module_name.strip())
    try:
        target = getattr(module, attribute.strip())
    except AttributeError:
        raise ValueError(f'Server action path "{path}": {module_name} has no "{attribute}"') from None
    if isinstance(target, Mapping):
        return dict(target)
    if callable(target):
        return {attribute.strip(): target}
    raise ValueError(f'Server action path "{path}" names neither a callable nor a mapping of callables')
