""""Test this step" from the builder: runs one node's step function with given upstream outputs,
outside any execution. Nothing is recorded here; database work a step would commit with its
outcome (DataSource writes, a child execution, an outbox mail) is applied and rolled back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wayvo_app.core.errors import StepError, WorkflowError
from wayvo_app.core.graph import WorkflowGraph
from wayvo_app.core.outcomes import (
    Completed,
    Failure,
    SleepUntil,
    Transactional,
    WaitForApproval,
    WaitForChild,
    WaitForEvent,
)
from wayvo_app.core.specs import Registry
from wayvo_app.core.template_refs import TemplateScope
from wayvo_app.engine.context import StepContext, StepLogger, mask_secrets, secret_forms
from wayvo_app.engine.executor import _call, _step_timeout
from wayvo_app.store import db

ROLLED_BACK = "Database changes this step makes were rolled back: a test changes no data."
PAUSES = {SleepUntil: "This step would sleep until {until}; a test does not wait.",
          WaitForApproval: "This step would ask for an approval and pause; a test creates no request.",
          WaitForEvent: "This step would wait for an event and pause; a test registers no wait.",
          WaitForChild: "This step would wait for the child workflow; a test starts none."}


@dataclass(frozen=True)
class TestedStep:
    status: str  # success | error | paused
    input: Any
    output: Any = None
    error: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Tester:
    """The acting user and the world outside: `credentials_for(s, integration_id, user_id)`."""

    registry: Registry
    settings: Any
    user_id: str
    user_name: str
    user_roles: tuple[str, ...] = ()
    credentials_for: Callable[..., Any] | None = None
    url: str | None = None
    http: Any = None

    async def test(self, graph: WorkflowGraph, node_id: str, outputs: Mapping[str, Any], workflow_id: str,
                   now: datetime) -> TestedStep:
        node = graph.node(node_id)
        trigger = graph.trigger()
        scope = TemplateScope(outputs=dict(outputs), labels={n.label: n.id for n in graph.nodes},
                              trigger_id=trigger.id if trigger else "")
        ctx = StepContext(
            execution_id=str(uuid.uuid4()), workflow_id=workflow_id, step_id=str(uuid.uuid4()),
            node_id=node.id, node_label=node.label, attempt=1, user_id=self.user_id, user_name=self.user_name,
            user_roles=self.user_roles, now=now, scope=scope,
            trigger_input=outputs.get(trigger.id) if trigger else None, http=self.http,
            logger=StepLogger(), settings=self.settings)
        spec = self.registry.get(node.action_type)
        try:
            if spec is None:
                raise StepError(f'Unknown action type "{node.action_type}"')
            ctx.credentials = self._credentials(node.config.get("integrationId"))
            ctx.logger.secrets = secret_forms(ctx.credentials)
            outcome: Any = Completed(None) if spec.run is None else await asyncio.wait_for(
                _call(spec.run, ctx, dict(node.config)), _step_timeout(node.config))
        except StepError as exc:
            outcome = Failure(exc.message)
        except WorkflowError as exc:
            outcome = Failure(exc.message)
        except TimeoutError:
            outcome = Failure(f"Step timed out after {_step_timeout(node.config):g}s")
        except Exception as exc:  # noqa: BLE001 - a bug in a step fails the test, not the builder
            outcome = Failure(f"{type(exc).__name__}: {exc}")
        note = ""
        if isinstance(outcome, Transactional):
            outcome, note = self._dry_apply(outcome), ROLLED_BACK
        return self._result(ctx, outcome, note)

    def _credentials(self, integration_id: Any) -> dict | None:
        if not integration_id or self.credentials_for is None:
            return None
        with db.read_session(self.url) as s:
            return self.credentials_for(s, integration_id, self.user_id)

    def _dry_apply(self, outcome: Transactional) -> Any:
        """Apply in a transaction that is always rolled back (an exception leaving db.session)."""
        try:
            with db.session(self.url) as s:
                try:
                    result = outcome.apply(s)
                except WorkflowError as exc:
                    result = Failure(exc.message)
                except Exception as exc:  # noqa: BLE001 - the write failed: the test shows why
                    result = Failure(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else exc}")
                raise _RollBack(result)
        except _RollBack as done:
            return done.result


    @staticmethod
    def _result(ctx: StepContext, outcome: Any, note: str) -> TestedStep:
        secrets = ctx.logger.secrets
        resolved = mask_secrets(ctx.resolved_input, secrets)
        if isinstance(outcome, Completed):
            return TestedStep("success", resolved, mask_secrets(outcome.output, secrets), None, note)
        if isinstance(outcome, Failure):
            return TestedStep("error", resolved, None, mask_secrets(outcome.message, secrets), note)
        for kind, text in PAUSES.items():
            if isinstance(outcome, kind):
                until = getattr(outcome, "until", None)
                return TestedStep("paused", resolved, None, None,
                                  text.format(until=until.isoformat() if until else ""))
        return TestedStep("error", resolved, None, f"Step returned an unknown outcome: {type(outcome).__name__}")


class _RollBack(Exception):  # noqa: N818 - not an error: how the dry run leaves its transaction
    def __init__(self, result: Any):
        super().__init__("rolled back")
        self.result = result
