"""Settings read once from environment variables and `.env` (contract §6)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dotenv import load_dotenv

PROJECT_DIR = Path(__file__).resolve().parent.parent
SECRET_FILE = PROJECT_DIR / ".wayvo-secret"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _seconds(value: str | None, default: float) -> float:
    """A duration setting (`60s`, `2m`, or a number of seconds)."""
    if value is None or not value.strip():
        return default
    from pytimeparse import parse

    seconds = float(value) if value.strip().replace(".", "", 1).isdigit() else parse(value.strip())
    if seconds is None or seconds < 0:
        raise ValueError(f"Invalid duration {value!r}: expected e.g. 30s, 2m")
    return float(seconds)


def _text(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def _secret_key() -> str:
    """WAYVO_SECRET_KEY, or a key generated on first run and kept in a git-ignored file."""
    configured = os.environ.get("WAYVO_SECRET_KEY", "").strip()
    if configured:
        return configured
    if SECRET_FILE.exists():
        return SECRET_FILE.read_text().strip()
    key = secrets.token_urlsafe(48)
    SECRET_FILE.write_text(key + "\n")
    SECRET_FILE.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    app_url: str
    smtp_url: str | None
    smtp_from: str
    redis_url: str | None
    port: int
    embedded_worker: bool
    worker_concurrency: int
    lease_seconds: float
    http_allow_private: bool
    http_allowed_hosts: tuple[str, ...]
    workflow_plugins: tuple[str, ...]
    data_sources: tuple[str, ...]
    server_actions: tuple[str, ...]
    old_secret_keys: tuple[str, ...] = field(default=())
    client_plugins: tuple[str, ...] = field(default=())
    max_buffer_for: str = "7d"  # the longest bufferFor a signal may ask for
    max_buffered_signals: int = 10_000  # unconsumed buffered signals per workspace
    max_workflow_depth: int = 10
    webhook_max_wait_seconds: float = 60.0  # caps a webhook's "respond when finished" wait
    metrics_token: str | None = None  # GET /metrics answers only with this Bearer token (unset: 404)
    # Failed sign-ins and invalid tokens (`limits` notation), counted in Redis when redis_url is set.
    sign_in_limit_per_user: str = "10/5 minutes"
    sign_in_limit_per_address: str = "50/5 minutes"
    token_limit_per_address: str = "30/minute"
    rate_limit_prefix: str = "wayvo-limits"
    retention_days: int = 30  # finished executions, mail, signals, idempotency records; 0 keeps all
    worker_db_threads: int = 8  # a worker's database threads on PostgreSQL (SQLite: always 1)
    group_commit: bool = True  # PostgreSQL: plain successes recorded in batches (engine.group_commit)
    group_flushes: int = 2  # batches of one worker committing at once


def load_settings() -> Settings:
    load_dotenv(PROJECT_DIR / ".env", override=False)
    port = int(os.environ.get("WAYVO_PORT", "3000"))
    default_db = f"sqlite:///{PROJECT_DIR / 'wayvo.db'}"
    return Settings(
        database_url=os.environ.get("DATABASE_URL", "").strip() or default_db,
        secret_key=_secret_key(),
        app_url=(os.environ.get("APP_URL", "").strip() or f"http://localhost:{port}").rstrip("/"),
        smtp_url=os.environ.get("SMTP_URL", "").strip() or None,
        smtp_from=os.environ.get("SMTP_FROM", "").strip() or "Wayvo Workflows <workflows@localhost>",
        redis_url=os.environ.get("REDIS_URL", "").strip() or None,
        port=port,
        embedded_worker=_bool(os.environ.get("WAYVO_EMBEDDED_WORKER"), True),
        worker_concurrency=int(os.environ.get("WAYVO_WORKER_CONCURRENCY", "32")),
        lease_seconds=float(os.environ.get("WAYVO_LEASE_SECONDS", "30")),
        http_allow_private=_bool(os.environ.get("WAYVO_HTTP_ALLOW_PRIVATE"), False),
        http_allowed_hosts=_list(os.environ.get("WAYVO_HTTP_ALLOWED_HOSTS")),
        workflow_plugins=_list(os.environ.get("WAYVO_WORKFLOW_PLUGINS")),
        data_sources=_list(os.environ.get("WAYVO_DATA_SOURCES")),
        server_actions=_list(os.environ.get("WAYVO_SERVER_ACTIONS")),
        old_secret_keys=_list(os.environ.get("WAYVO_OLD_SECRET_KEYS")),
        client_plugins=_list(os.environ.get("WAYVO_CLIENT_PLUGINS")),
        max_buffer_for=os.environ.get("WAYVO_MAX_BUFFER_FOR", "").strip() or "7d",
        max_buffered_signals=int(os.environ.get("WAYVO_MAX_BUFFERED_SIGNALS", "10000")),
        max_workflow_depth=int(os.environ.get("WAYVO_MAX_WORKFLOW_DEPTH", "10")),
        webhook_max_wait_seconds=_seconds(os.environ.get("WAYVO_WEBHOOK_MAX_WAIT"), 60.0),
        metrics_token=os.environ.get("WAYVO_METRICS_TOKEN", "").strip() or None,
        sign_in_limit_per_user=_text("WAYVO_SIGN_IN_LIMIT_PER_USER", "10/5 minutes"),
        sign_in_limit_per_address=_text("WAYVO_SIGN_IN_LIMIT_PER_ADDRESS", "50/5 minutes"),
        token_limit_per_address=_text("WAYVO_TOKEN_LIMIT_PER_ADDRESS", "30/minute"),
        rate_limit_prefix=_text("WAYVO_RATE_LIMIT_PREFIX", "wayvo-limits"),
        retention_days=int(os.environ.get("WAYVO_RETENTION_DAYS", "").strip() or "30"),
        worker_db_threads=int(os.environ.get("WAYVO_WORKER_DB_THREADS", "8")),
        group_commit=_bool(os.environ.get("WAYVO_GROUP_COMMIT"), True),
        group_flushes=int(os.environ.get("WAYVO_GROUP_FLUSHES", "2")),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
