"""Cancel or retry many executions at once (the list's bulk actions): each row is checked and done
on its own (access.py decides per execution), and the result counts what happened to how many."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from wayvo_app.core.errors import BadRequestError, ConflictError, ForbiddenError, NotFoundError, WorkflowError
from wayvo_app.services import executions as commands
from wayvo_app.store import db

MAX_BULK = 200
# outcome -> how the summary names it; the order of the summary's parts
WORDS = {"cancelled": "cancelled", "retried": "retried", "not_allowed": "not allowed",
         "finished": "already finished", "not_failed": "not failed or cancelled", "failed": "failed"}


@dataclass(frozen=True)
class BulkResult:
    """How many executions ended in each outcome, and the new executions of a retry."""

    counts: dict[str, int]
    new_ids: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """`3 cancelled, 1 not allowed`."""
        return ", ".join(f"{self.counts[key]} {word}" for key, word in WORDS.items() if self.counts.get(key))


def _ids(execution_ids: list[str]) -> list[str]:
    unique = list(dict.fromkeys(i for i in execution_ids if i))
    if len(unique) > MAX_BULK:
        raise BadRequestError(f"Select at most {MAX_BULK} executions at once (got {len(unique)})")
    return unique


def cancel_many(execution_ids: list[str], user_id: str) -> BulkResult:
    """Cancel each running or paused execution the user may cancel."""
    counts: Counter[str] = Counter()
    for execution_id in _ids(execution_ids):
        try:
            commands.cancel_execution(execution_id, user_id)
            counts["cancelled"] += 1
        except (ForbiddenError, NotFoundError):
            counts["not_allowed"] += 1
        except ConflictError:
            counts["finished"] += 1
        except WorkflowError:
            counts["failed"] += 1
    return BulkResult(dict(counts))


def _retry_mode(execution_id: str, user_id: str) -> str | None:
    """From the failed step for a failed run, from the start for a cancelled one; None otherwise."""
    with db.read_session() as s:
        execution = commands.owned_execution(s, execution_id, user_id, action="execution.retry")
        return {"error": "failed", "cancelled": "start"}.get(execution.status)


def retry_many(execution_ids: list[str], user_id: str) -> BulkResult:
    """Retry each failed or cancelled execution the user may retry; the new ids in order."""
    counts: Counter[str] = Counter()
    new_ids: list[str] = []
    for execution_id in _ids(execution_ids):
        try:
            mode = _retry_mode(execution_id, user_id)
            if mode is None:
                counts["not_failed"] += 1
                continue
            new_ids.append(commands.retry_execution(execution_id, user_id, mode).id)
            counts["retried"] += 1
        except (ForbiddenError, NotFoundError):
            counts["not_allowed"] += 1
        except ConflictError:
            counts["not_failed"] += 1
        except WorkflowError:
            counts["failed"] += 1
    return BulkResult(dict(counts), tuple(new_ids))
