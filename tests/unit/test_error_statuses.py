"""api/errors.py alone maps error types to HTTP statuses, the most specific class first."""

from __future__ import annotations

import pytest

from wayvo_app.api.errors import status_for
from wayvo_app.core import errors


@pytest.mark.parametrize(("error", "status"), [
    (errors.WorkflowNotFoundError(), 404),
    (errors.InvalidIntegrationReferencesError(), 403),
    (errors.NotFoundError("x"), 404),
    (errors.NoWaitingEventError("x"), 404),
    (errors.ConflictError("x"), 409),
    (errors.EventAlreadyReceivedError("x"), 409),
    (errors.WorkflowInactiveError("Nightly report"), 409),
    (errors.DuplicateWorkflowNameError("Nightly report"), 409),
    (errors.ForbiddenError("x"), 403),
    (errors.AuthenticationError("x"), 401),
    (errors.BadRequestError("x"), 400),
    (errors.SignatureError("x"), 401),
    (errors.UnsupportedMediaTypeError("x"), 415),
    (errors.DocumentValidationError([errors.Problem("x")]), 400),
    (errors.TemplateError("x"), 400),
    (errors.StepError("x"), 400),
    (errors.ConfigurationError("x"), 500),
    (errors.PluginError("x"), 500),
    (errors.CredentialsError("x"), 500),
    (errors.TooManyRequestsError(3), 429),
    (errors.DeletedByRetentionError("x"), 410),
    (errors.WorkflowError("x"), 400),
    (ValueError("x"), 500),
])
def test_each_error_type_answers_with_its_status(error, status):
    assert status_for(error) == status


def test_errors_carry_no_http_status():
    kinds = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, errors.WorkflowError)]
    assert kinds and not [k.__name__ for k in kinds if "status" in vars(k)]
