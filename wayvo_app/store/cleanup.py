"""Deleting a workflow with everything that hangs off it, children first."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlmodel import Session

from wayvo_app.store.models import (
    ApprovalAudience,
    ApprovalDecision,
    ApprovalRequest,
    EmailMessage,
    Execution,
    ExecutionLog,
    ExecutionStep,
    PrunedExecution,
    ScheduleFire,
    StepSample,
    WaitEvent,
    WebhookEndpoint,
    Workflow,
    WorkflowVersion,
)

OPEN = ("running", "paused")


def open_executions(s: Session, workflow_id: str) -> list[Execution]:
    """The workflow's executions still running or waiting (deleting the workflow cancels them)."""
    stmt = select(Execution).where(Execution.workflow_id == workflow_id, Execution.status.in_(OPEN))
    return list(s.exec(stmt).scalars())


def delete_workflow_rows(s: Session, workflow_id: str) -> None:
    executions = select(Execution.id).where(Execution.workflow_id == workflow_id)
    requests = select(ApprovalRequest.id).where(ApprovalRequest.workflow_id == workflow_id)
    s.exec(delete(ApprovalDecision).where(ApprovalDecision.request_id.in_(requests)))
    s.exec(delete(ApprovalAudience).where(ApprovalAudience.request_id.in_(requests)))
    s.exec(delete(EmailMessage).where(EmailMessage.execution_id.in_(executions)))
    s.exec(delete(ApprovalRequest).where(ApprovalRequest.workflow_id == workflow_id))
    s.exec(delete(WaitEvent).where(WaitEvent.execution_id.in_(executions)))
    s.exec(delete(ExecutionLog).where(ExecutionLog.execution_id.in_(executions)))
    s.exec(delete(ExecutionStep).where(ExecutionStep.execution_id.in_(executions)))
    s.exec(delete(Execution).where(Execution.workflow_id == workflow_id))
    s.exec(delete(PrunedExecution).where(PrunedExecution.workflow_id == workflow_id))
    s.exec(delete(ScheduleFire).where(ScheduleFire.workflow_id == workflow_id))
    s.exec(delete(WebhookEndpoint).where(WebhookEndpoint.workflow_id == workflow_id))
    s.exec(delete(StepSample).where(StepSample.workflow_id == workflow_id))
    s.exec(delete(WorkflowVersion).where(WorkflowVersion.workflow_id == workflow_id))
    s.exec(delete(Workflow).where(Workflow.id == workflow_id))
