"""Maps errors to the contract's shape: `{"error": "...", "code": "..."}` with the right status.
The one place that knows which error type answers with which HTTP status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from wayvo_app.core.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    CredentialsError,
    DeletedByRetentionError,
    DocumentValidationError,
    DuplicateWorkflowNameError,
    ForbiddenError,
    InvalidIntegrationReferencesError,
    NotFoundError,
    QuotaExceededError,
    TooManyRequestsError,
    UnsupportedMediaTypeError,
    ValidationError,
    WorkflowError,
    WorkflowInactiveError,
    WorkflowNotFoundError,
)

log = logging.getLogger("wayvo.api")

# Most specific class first: the first match answers.
STATUSES: tuple[tuple[type[Exception], int], ...] = (
    (TooManyRequestsError, 429),
    (QuotaExceededError, 429),
    (DeletedByRetentionError, 410),
    (WorkflowNotFoundError, 404),
    (NotFoundError, 404),
    (InvalidIntegrationReferencesError, 403),
    (ForbiddenError, 403),
    (AuthenticationError, 401),
    (WorkflowInactiveError, 409),  # switched Off: nothing starts it until it is on again
    (DuplicateWorkflowNameError, 409),
    (ConflictError, 409),
    (DocumentValidationError, 400),
    (UnsupportedMediaTypeError, 415),
    (BadRequestError, 400),
    (ConfigurationError, 500),
    (CredentialsError, 500),
    (WorkflowError, 400),
)


def status_for(exc: Exception) -> int:
    """The HTTP status of an error raised on purpose (500 for anything else)."""
    return next((status for kind, status in STATUSES if isinstance(exc, kind)), 500)


def error_response(status: int, message: str, code: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, "code": code, **extra}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "Invalid request: " + "; ".join(parts)


def install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(WorkflowError)
    async def _workflow_error(_req: Request, exc: WorkflowError):
        extra = {}
        if isinstance(exc, DocumentValidationError | ValidationError):
            extra["problems"] = [p.to_json() for p in exc.problems]
        headers = getattr(exc, "headers", None)
        resp = error_response(status_for(exc), exc.message, exc.code, **extra)
        if headers:
            resp.headers.update(headers)
        return resp

    @api.exception_handler(RequestValidationError)
    async def _request_validation(_req: Request, exc: RequestValidationError):
        return error_response(400, _validation_message(exc), "invalid_request")

    @api.exception_handler(StarletteHTTPException)
    async def _http_error(_req: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, str(exc.detail), code)

    @api.exception_handler(Exception)
    async def _unexpected(_req: Request, exc: Exception):
        log.exception("Unhandled error in API route")
        return error_response(500, "Internal server error", "internal_error")
