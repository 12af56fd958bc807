"""Every table of the product, as plain SQLModel classes. Times are aware UTC."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from wayvo_app.core.times import utcnow  # the default factory of every timestamp column


def new_id() -> str:
    """A random (version 4) UUID, as str(uuid.uuid4()) writes it."""
    return new_ids(1)[0]


def new_ids(count: int) -> list[str]:
    """`count` new_id()s from one read of the system's random source, with no UUID objects (a
    start takes three: half the time of uuid4 each)."""
    raw = bytearray(os.urandom(16 * count))
    for i in range(0, 16 * count, 16):
        raw[i + 6] = raw[i + 6] & 0x0F | 0x40  # version 4
        raw[i + 8] = raw[i + 8] & 0x3F | 0x80  # the RFC 4122 variant
    h = raw.hex()
    return [f"{h[i:i + 8]}-{h[i + 8:i + 12]}-{h[i + 12:i + 16]}-{h[i + 16:i + 20]}-{h[i + 20:i + 32]}"
            for i in range(0, 32 * count, 32)]


def _json(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


class User(SQLModel, table=True):
    __tablename__ = "users"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_name: str = Field(index=True, unique=True, max_length=200)
    display_name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=320)
    password_hash: str = Field(max_length=200)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    disabled: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class LoginSession(SQLModel, table=True):
    __tablename__ = "login_sessions"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class Workspace(SQLModel, table=True):
    """Where a team's objects live; every user also has a personal one (only they are in it)."""

    __tablename__ = "workspaces"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    personal: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class WorkspaceMember(SQLModel, table=True):
    """One user's role in one workspace: admin, editor, operator or member (each includes the next)."""

    __tablename__ = "workspace_members"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", name="uq_workspace_members_pair"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspaces.id", index=True, max_length=36)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=36)
    role: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class Workflow(SQLModel, table=True):
    __tablename__ = "workflows"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspaces.id", index=True, max_length=36)
    owner_id: str = Field(foreign_key="users.id", index=True, max_length=36)
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    document: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    revision: int = Field(default=1)
    published_version: int | None = None
    published_revision: int | None = None
    trigger_type: str = Field(default="Manual", max_length=20)
    # The Active/Off switch: an Off workflow starts nothing (schedules, webhooks, runs); see ensure_active.
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Days its finished executions are kept (None: WAYVO_RETENTION_DAYS; 0: kept forever).
    retention_days: int | None = None


class WorkflowVersion(SQLModel, table=True):
    """An immutable snapshot: a published version (numbered) or a draft run's snapshot."""

    __tablename__ = "workflow_versions"
    __table_args__ = (UniqueConstraint("workflow_id", "version", name="uq_workflow_versions_number"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workflow_id: str = Field(foreign_key="workflows.id", index=True, max_length=36)
    version: int | None = None
    content_hash: str = Field(index=True, max_length=64)
    document: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)


def _partial(name: str, where: str, *columns: str) -> Index:
    """An index of the rows matching `where` only (PostgreSQL and SQLite both have them)."""
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))


class Execution(SQLModel, table=True):
    __tablename__ = "executions"
    __table_args__ = (
        UniqueConstraint("workflow_id", "idempotency_key", name="uq_executions_idempotency"),
        Index("ix_executions_workflow_started", "workflow_id", "started_at"),
        Index("ix_executions_user_started", "user_id", "started_at"),
        Index("ix_executions_workspace_started", "workspace_id", "started_at"),  # the list, children per minute (0012)
        # Partial indexes (0015): a row enters only the indexes that find it. Every status change
        # rewrites a row's entries in each index it is in, so fewer entries make a start, a
        # step's finish and a run's completion cheaper.
        _partial("ix_executions_workspace_status", "status IN ('running', 'paused')", "workspace_id", "status"),
        _partial("ix_executions_parent_execution_id", "parent_execution_id IS NOT NULL", "parent_execution_id"),
        _partial("ix_executions_parent_step_id", "parent_step_id IS NOT NULL", "parent_step_id"),
        _partial("ix_executions_completed_at", "completed_at IS NOT NULL", "completed_at"),  # retention
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workflow_id: str = Field(foreign_key="workflows.id", max_length=36)
    workspace_id: str = Field(foreign_key="workspaces.id", max_length=36)
    version_id: str = Field(foreign_key="workflow_versions.id", max_length=36)
    user_id: str = Field(foreign_key="users.id", max_length=36)
    status: str = Field(default="running", max_length=20)
    trigger_type: str = Field(default="Manual", max_length=20)
    input: Any = _json()
    output: Any = _json()
    error: str | None = Field(default=None, sa_column=Column(Text))
    parent_execution_id: str | None = Field(default=None, max_length=36)
    parent_step_id: str | None = Field(default=None, max_length=36)
    retry_of_id: str | None = Field(default=None, max_length=36)
    idempotency_key: str | None = Field(default=None, max_length=200)
    started_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    # Where the run came from (core/origins.py: ui, api, api_key, webhook, schedule, retry, parent,
    # code); NULL on rows older than migration 0012 whose columns did not tell.
    origin: str | None = Field(default=None, max_length=20)


class PrunedExecution(SQLModel, table=True):
    """What retention leaves of an execution it deleted: enough to answer a link to it with
    "deleted by retention" to those who could see it (and "not found" to anyone else)."""

    __tablename__ = "pruned_executions"
    id: str = Field(primary_key=True, max_length=36)
    workflow_id: str = Field(index=True, max_length=36)
    workspace_id: str = Field(max_length=36)
    user_id: str = Field(max_length=36)
    status: str = Field(max_length=20)
    completed_at: datetime | None = None
    pruned_at: datetime = Field(default_factory=utcnow, index=True)


class ExecutionStep(SQLModel, table=True):
    """One attempt of one node in one execution; also the unit of work that workers claim."""

    __tablename__ = "execution_steps"
    __table_args__ = (
        UniqueConstraint("execution_id", "node_id", "attempt", name="uq_steps_attempt"),
        # The claim's and the lease recovery's index; finished steps are not in it (0015).
        _partial("ix_steps_due", "status IN ('pending', 'waiting', 'running')", "status", "run_at"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    execution_id: str = Field(foreign_key="executions.id", max_length=36)  # uq_steps_attempt finds a run's steps
    node_id: str = Field(max_length=100)
    attempt: int = Field(default=1)
    status: str = Field(default="pending", max_length=20)
    handles: list[str] | None = _json()
    input: Any = _json()
    output: Any = _json()
    error: str | None = Field(default=None, sa_column=Column(Text))
    wait_kind: str | None = Field(default=None, max_length=20)
    recoveries: int = Field(default=0)
    queued_at: datetime = Field(default_factory=utcnow)
    run_at: datetime | None = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_expires_at: datetime | None = None


class ExecutionLog(SQLModel, table=True):
    __tablename__ = "execution_logs"
    id: int | None = Field(default=None, primary_key=True)
    execution_id: str = Field(foreign_key="executions.id", index=True, max_length=36)
    step_id: str | None = Field(default=None, max_length=36)
    node_id: str | None = Field(default=None, max_length=100)
    level: str = Field(default="info", max_length=10)
    message: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ApprovalRequest(SQLModel, table=True):
    __tablename__ = "approval_requests"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspaces.id", index=True, max_length=36)
    execution_id: str = Field(foreign_key="executions.id", index=True, max_length=36)
    step_id: str = Field(index=True, max_length=36)
    node_id: str = Field(max_length=100)
    workflow_id: str = Field(foreign_key="workflows.id", index=True, max_length=36)
    title: str = Field(max_length=500)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    approval_type: str = Field(default="single", max_length=10)
    approvers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    approver_roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    eligible: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    required_approvals: int = Field(default=1)
    status: str = Field(default="pending", index=True, max_length=20)
    context_data: Any = _json()
    on_rejection: str = Field(default="error", max_length=10)
    on_expiration: str = Field(default="error", max_length=10)
    expires_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class ApprovalDecision(SQLModel, table=True):
    __tablename__ = "approval_decisions"
    __table_args__ = (UniqueConstraint("request_id", "user_name", name="uq_decision_per_user"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    request_id: str = Field(foreign_key="approval_requests.id", index=True, max_length=36)
    user_name: str = Field(max_length=200)
    decision: str = Field(max_length=10)
    comment: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)


class ApprovalAudience(SQLModel, table=True):
    """Who an approval request is for, as indexable rows: `user` (named approver), `role`, and
    `eligible` (the approvers resolved at creation). Inbox queries select through it."""

    __tablename__ = "approval_audience"
    __table_args__ = (Index("ix_approval_audience_lookup", "kind", "name"),)
    request_id: str = Field(foreign_key="approval_requests.id", primary_key=True, max_length=36)
    kind: str = Field(primary_key=True, max_length=10)
    name: str = Field(primary_key=True, max_length=200)


class WaitEvent(SQLModel, table=True):
    __tablename__ = "wait_events"
    __table_args__ = (
        Index(
            "uq_wait_events_waiting_key",
            "workspace_id",
            "namespace",
            "event_key",
            unique=True,
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspaces.id", index=True, max_length=36)
    execution_id: str = Field(foreign_key="executions.id", index=True, max_length=36)
    step_id: str = Field(index=True, max_length=36)
    node_id: str = Field(max_length=100)
    namespace: str = Field(max_length=200)
    event_key: str = Field(max_length=500)
    status: str = Field(default="waiting", max_length=20)
    title: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, sa_column=Column(Text))
    context_data: Any = _json()
    payload: Any = _json()
    on_expiration: str = Field(default="error", max_length=10)
    expires_at: datetime | None = None
    received_at: datetime | None = None
    received_from: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class BufferedSignal(SQLModel, table=True):
    """A signal that arrived before its wait was registered (opt-in with `bufferFor`)."""

    __tablename__ = "buffered_signals"
    __table_args__ = (Index("ix_buffered_signals_key", "workspace_id", "namespace", "event_key", "consumed_at"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspaces.id", index=True, max_length=36)
    namespace: str = Field(max_length=200)
    event_key: str = Field(max_length=500)
    payload: Any = _json()
    received_from: str | None = Field(default=None, max_length=200)
    user_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    consumed_at: datetime | None = None
    consumed_by: str | None = Field(default=None, max_length=36)


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a request carrying an `Idempotency-Key`, replayed on retries."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)
    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=200)
    key: str = Field(max_length=200)
    status_code: int = Field(default=200)
    response: Any = _json()
    created_at: datetime = Field(default_factory=utcnow, index=True)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspaces.id", index=True, max_length=36)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=36)
    name: str = Field(max_length=200)
    key_hash: str = Field(index=True, unique=True, max_length=64)
    key_prefix: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    # Contract §7: what a key may do (execute, signal, approve, manage) and when it stops working.
    scopes: list[str] = Field(default_factory=lambda: ["execute", "signal"],
                              sa_column=Column(JSON, nullable=False))
    expires_at: datetime | None = None


class Integration(SQLModel, table=True):
    __tablename__ = "integrations"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(foreign_key="workspaces.id", index=True, max_length=36)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=36)
    type: str = Field(max_length=100)
    name: str = Field(max_length=200)
    config_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class EmailMessage(SQLModel, table=True):
    """The email outbox: rows are sent by the worker and retried until they go out."""

    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_due", "status", "next_attempt_at"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=500)
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: bool = Field(default=False)
    status: str = Field(default="pending", max_length=20)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    execution_id: str | None = Field(default=None, index=True, max_length=36)
    approval_request_id: str | None = Field(default=None, max_length=36)
    message_id: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    sent_at: datetime | None = None


class ScheduleFire(SQLModel, table=True):
    """One fire of a Schedule trigger; the unique key records it once across workers."""

    __tablename__ = "schedule_fires"
    __table_args__ = (UniqueConstraint("workflow_id", "fire_at", name="uq_schedule_fire"),)
    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(foreign_key="workflows.id", max_length=36)
    fire_at: datetime
    execution_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)


class WebhookEndpoint(SQLModel, table=True):
    """A Webhook trigger's secret URL (`/api/hooks/{token}`) and signing secret. The token is looked
    up by its SHA-256 and kept Fernet-encrypted only so the builder can show the URL again; the
    signing secret is Fernet-encrypted like integration credentials. Rotating replaces the token."""

    __tablename__ = "webhook_endpoints"
    workflow_id: str = Field(foreign_key="workflows.id", primary_key=True, max_length=36)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    token_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    secret_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    rotated_at: datetime = Field(default_factory=utcnow)


class WorkerHeartbeat(SQLModel, table=True):
    """An engine worker that is alive: it rewrites `beat_at` every few seconds (GET /api/health
    counts the fresh rows) and deletes its row when it stops cleanly."""

    __tablename__ = "worker_heartbeats"
    owner: str = Field(primary_key=True, max_length=200)
    host: str = Field(max_length=200)
    pid: int
    inflight: int = Field(default=0)
    started_at: datetime = Field(default_factory=utcnow)
    beat_at: datetime = Field(default_factory=utcnow, index=True)


class StepSample(SQLModel, table=True):
    """Builder step data that is not an execution: a "Test this step" result of one node, or the
    sample input pinned on the trigger. One row per (workflow, node, kind); deleted with the workflow."""

    __tablename__ = "step_samples"
    __table_args__ = (UniqueConstraint("workflow_id", "node_id", "kind", name="uq_step_samples_node_kind"),)
    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(foreign_key="workflows.id", max_length=36)
    node_id: str = Field(max_length=100)
    kind: str = Field(default="test", max_length=10)  # test | pin
    status: str = Field(default="success", max_length=20)  # success | error | paused
    input: Any = _json()
    output: Any = _json()
    error: str | None = Field(default=None, sa_column=Column(Text))
    note: str = Field(default="", max_length=500)
    user_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
