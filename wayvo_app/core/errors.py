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


class WorkflowInactiveError(ConflictError):
    """The workflow is switched Off: nothing starts it (runs, execute, trigger_workflow, schedules,
    webhooks) until it is switched on again."""

    code = "workflow_inactive"

    def __init__(self, name: str):
        super().__init__(f'Workflow "{name}" is off: turn it on (Active) on the workflows page to run it')
        self.name = name


class DuplicateWorkflowNameError(ConflictError):
    """Another workflow of the same workspace already has this name (names are unique per workspace)."""

    code = "duplicate_workflow_name"

    def __init__(self, name: str):
        super().__init__(f'A workflow named "{name}" already exists in this workspace; choose another name')
        self.name = name


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


class SignatureError(AuthenticationError):
    """A webhook whose signature is missing, wrong or too old: nothing was started."""

    code = "invalid_signature"


class BadRequestError(WorkflowError):
    code = "bad_request"


class UnsupportedMediaTypeError(BadRequestError):
    """A body in a form the route does not read (a webhook takes JSON or form fields)."""

    code = "unsupported_media_type"


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


class QuotaExceededError(WorkflowError):
    """A workspace used up a quota; the message names the setting. Answered with 429 and Retry-After."""

    code = "quota_exceeded"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class ConfigurationError(WorkflowError):
    """The app's configuration is wrong (a plugin, a DataSource, a setting): found at startup."""

    code = "configuration_error"


class PluginError(ConfigurationError):
    """A workflow plugin is invalid; the message names the plugin and what is wrong."""

    code = "plugin_error"


class CredentialsError(WorkflowError):
    """Stored integration credentials cannot be decrypted (the secret key changed)."""

    code = "credentials_error"
