"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

import wayvo_app.store.models  # noqa: F401  (registers the tables)
from wayvo_app.settings import reset_settings
from wayvo_app.store import db

POSTGRES_URL = os.environ.get("WAYVO_TEST_POSTGRES_URL", "").strip()
REQUIRE_POSTGRES = os.environ.get("WAYVO_REQUIRE_POSTGRES", "") == "1"
BACKENDS = ["sqlite", "postgres"] if (POSTGRES_URL or REQUIRE_POSTGRES) else ["sqlite"]


def postgres_base_url() -> str:
    if not POSTGRES_URL:
        pytest.fail("WAYVO_REQUIRE_POSTGRES=1 but WAYVO_TEST_POSTGRES_URL is not set")
    return POSTGRES_URL


def make_postgres_schema() -> tuple[str, str]:
    """A fresh schema in the test database; returns (schema, url whose search_path is it)."""
    base = postgres_base_url()
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # noqa: BLE001 - a clear failure instead of a skip
        pytest.fail(f"PostgreSQL at {base} is not usable: {exc}")
    finally:
        admin.dispose()
    sep = "&" if "?" in base else "?"
    return schema, f"{base}{sep}options=-csearch_path%3D{schema}"


def drop_postgres_schema(schema: str) -> None:
    admin = create_engine(postgres_base_url())
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(autouse=True, scope="session")
def _node_registry():
    """As the app and the `wayvo` command do at start: the registry follows the settings."""
    from wayvo_app.engine.registry import set_registry_source
    from wayvo_app.plugins.client_plugins import node_registry

    set_registry_source(node_registry)
    yield
    set_registry_source(None)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Failure counters are per process: each test starts with none."""
    from wayvo_app.services.failure_limits import reset_limits

    reset_limits()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def empty_db_url(backend, tmp_path, monkeypatch):
    """A URL of an empty database (no tables), set as DATABASE_URL for the test."""
    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'wayvo-test.db'}"
    else:
        schema, url = make_postgres_schema()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("WAYVO_SECRET_KEY", "test-secret-key-for-signing-and-encryption")
    reset_settings()
    yield url
    db.dispose_engines()
    reset_settings()
    if schema:
        drop_postgres_schema(schema)


@pytest.fixture
def db_url(empty_db_url):
    """A fresh database with every table, set as DATABASE_URL for the test."""
    SQLModel.metadata.create_all(db.get_engine(empty_db_url))
    return empty_db_url


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres_only: runs on the PostgreSQL backend only")


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres_only are deselected (not skipped) for the SQLite backend."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("backend") == "sqlite"
        (drop if on_sqlite and item.get_closest_marker("postgres_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    # Browser tests last: sync Playwright keeps an event loop running that async tests after it trip on.
    items[:] = sorted(keep, key=lambda item: "/tests/e2e/" in str(item.path))


@pytest.fixture
def sms_example(monkeypatch):
    """The SMS example plugin turned on by configuration (it is off by default), both halves."""
    from wayvo_app.plugins.client_plugins import (
        EXAMPLE_CLIENT_PLUGIN,
        EXAMPLE_SERVER_PLUGIN,
        reset_node_registry,
    )

    monkeypatch.setenv("WAYVO_WORKFLOW_PLUGINS", EXAMPLE_SERVER_PLUGIN)
    monkeypatch.setenv("WAYVO_CLIENT_PLUGINS", EXAMPLE_CLIENT_PLUGIN)
    reset_settings()
    reset_node_registry()
    yield
    monkeypatch.delenv("WAYVO_WORKFLOW_PLUGINS")
    monkeypatch.delenv("WAYVO_CLIENT_PLUGINS")
    reset_settings()
    reset_node_registry()
