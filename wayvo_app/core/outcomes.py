"""What a step returns to the executor: done (with output and branch), or a pause of some kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Completed:
    """The node succeeded. `branch` picks `sourceHandle` edges; `default_taken` says whether
    edges without a handle are followed (False for a Condition that is false)."""

    output: Any = None
    branch: str | None = None
    default_taken: bool = True


@dataclass(frozen=True)
class SleepUntil:
    until: datetime


@dataclass(frozen=True)
class WaitForApproval:
    """Create an approval request and pause; resumed by a decision or the expiry."""

    title: str
    description: str
    approval_type: str
    approvers: tuple[str, ...]
    approver_roles: tuple[str, ...]
    required_approvals: int | None
    expires_at: datetime | None
    on_rejection: str
    on_expiration: str
    context_data: Any
    send_notification: bool
    email_subject: str | None
    approval_url: str | None


@dataclass(frozen=True)
class WaitForEvent:
    """Register a wait for (namespace, key) and pause; resumed by a signal or the expiry."""

    namespace: str
    key: str
    title: str | None
    description: str | None
    expires_at: datetime | None
    on_expiration: str
    context_data: Any


@dataclass(frozen=True)
class WaitForChild:
    """Pause until a child execution started by this step finishes (Trigger Workflow)."""

    child_execution_id: str


@dataclass(frozen=True)
class Transactional:
    """Work that must commit with the step's outcome (DataSource writes): the executor calls
    `apply(session)` inside the completing transaction and records what it returns."""

    apply: Callable[[Any], Any] = field(compare=False)  # returns Completed or another pause


Outcome = Completed | SleepUntil | WaitForApproval | WaitForEvent | WaitForChild | Transactional


@dataclass(frozen=True)
class Failure:
    """The step failed; `retryable` lets the node's retry policy schedule another attempt."""

    message: str
    retryable: bool = False
    retry_after: float | None = None
