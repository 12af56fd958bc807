"""Typed errors of the product. Each carries a snake_case code; api/errors.py alone maps the types
to HTTP statuses."""

from __future__ import annotations

from dataclasses import dataclass


class WorkflowError(Exception):
    """Base of every error the product raises on purpose."""

    code: str = "workflow_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WorkflowNotFoundError(WorkflowError):
    code = "workflow_not_found"

    def __init__(self, message: str = "Workflow not found"):
        super().__init__(message)


class InvalidIntegrationReferencesError(WorkflowError):
    code = "invalid_integration_references"

    def __init__(self, message: str = "Workflow contains invalid integration references"):
        super().__init__(message)


class NotFoundError(WorkflowError):
    code = "not_found"


class ConflictError(WorkflowError):
    code = "conflict"


class NoWaitingEventError(NotFoundError):
    """A signal found no execution of the user waiting for its (namespace, key)."""

    code = "no_waiting_event"


class EventAlreadyReceivedError(ConflictError):
    """A signal for (namespace, key) whose latest wait already received one."""

    code = "already_received"


class ForbiddenError(WorkflowError):
    code = "forbidden"


class AuthenticationError(WorkflowError):
    code = "unauthorized"


class BadRequestError(WorkflowError):
    code = "bad_request"


class TooManyRequestsError(WorkflowError):
    """Too many failed sign-ins (or invalid tokens) for a user name or a client address: 429."""

    code = "too_many_requests"

    def __init__(self, retry_after: int):
        super().__init__(f"Too many failed attempts; try again in {retry_after} s")
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class DeletedByRetentionError(NotFoundError):
    """A link to an execution that retention deleted (it finished longer ago than the setting): 410."""

    code = "deleted_by_retention"


@dataclass(frozen=True)
class Problem:
    """One validation problem of a workflow document, naming the node and field when known."""

    message: str
    node_id: str | None = None
    field: str | None = None

    def to_json(self) -> dict:
        return {"message": self.message, "nodeId": self.node_id, "field": self.field}


class DocumentValidationError(WorkflowError):
    code = "invalid_workflow"

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        text = "; ".join(p.message for p in self.problems[:10])
        super().__init__(f"Invalid workflow: {text}")


class ValidationError(BadRequestError):
    """A trigger input does not match the trigger's input schema; one problem per field."""

    code = "invalid_input"

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("Invalid input: " + "; ".join(p.message for p in self.problems[:20]))


class TemplateError(WorkflowError):
    """A template could not be rendered: a missing value, a bad expression, a budget exceeded."""

    code = "template_error"


class StepError(WorkflowError):
    """A step failed. `retryable` tells the executor whether the retry policy applies."""

    code = "step_failed"

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class ConfigurationError(WorkflowError):
    """The app's configuration is wrong (a plugin, a DataSource, a setting): found at startup."""

    code = "configuration_error"


class PluginError(ConfigurationError):
    """A workflow plugin is invalid; the message names the plugin and what is wrong."""

    code = "plugin_error"


class CredentialsError(WorkflowError):
    """Stored integration credentials cannot be decrypted (the secret key changed)."""

    code = "credentials_error"
