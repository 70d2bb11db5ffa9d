"""Every refusal as an RFC 9457 problem document, mapped in one table.

A problem carries ``type``, ``title``, ``status``, ``detail`` and a stable snake_case ``code``;
validation problems also name the offending ``field``. Nothing else leaks: no stack trace, SQL,
secret or card data.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DBAPIError, OperationalError

from application import errors as application_errors
from application.gateway import GatewayError, GatewayUnavailable, InvalidEvent
from application.ports import ConcurrentUpdate
from domain import errors as domain_errors

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://storepay.dev/problems/"

logger = logging.getLogger("storepay.http")


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    field: str | None = None
    errors: list[FieldError] | None = None


class FieldError(msgspec.Struct):
    field: str
    message: str


# The status each refusal answers with. Subclasses inherit their parent's unless listed.
STATUS_BY_ERROR: dict[type[Exception], int] = {
    domain_errors.DomainError: 422,
    domain_errors.IllegalTransition: 409,
    domain_errors.PaymentNotRefundable: 409,
    domain_errors.DuplicateRefund: 409,
    domain_errors.ConflictingObservation: 409,
    domain_errors.UnknownPaymentMethod: 404,
    domain_errors.UnknownRefund: 404,
    application_errors.NotFound: 404,
    application_errors.Unauthorized: 401,
    application_errors.PaymentsNotEnabled: 409,
    application_errors.PaymentsNotSetUp: 409,
    application_errors.OrderAlreadyPaid: 409,
    application_errors.OrderReferenceConflict: 409,
    application_errors.IdempotencyKeyReused: 409,
    application_errors.IdempotencyRequestInProgress: 409,
    application_errors.InvalidOnboardingToken: 403,
    application_errors.InvalidPage: 400,
    application_errors.UnknownGatewayObject: 409,
    InvalidEvent: 400,
    GatewayError: 402,
    GatewayUnavailable: 503,
}

TITLES: dict[int, str] = {
    400: "Bad request",
    401: "Unauthorized",
    402: "Refused by the payment gateway",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}

CODES_BY_STATUS: dict[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


def status_for(error: Exception) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[kind]
    return HTTP_500_INTERNAL_SERVER_ERROR


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    document = Problem(
        type=PROBLEM_TYPE_BASE + code,
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        code=code,
        field=field,
        errors=errors,
    )
    return Response(document, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def domain_problem(
    _request: Request[Any, Any, Any], error: domain_errors.DomainError
) -> Response[Problem]:
    return problem(status_for(error), error.code, error.message, field=error.field)


def validation_problem(
    _request: Request[Any, Any, Any], error: ValidationException
) -> Response[Problem]:
    field_errors = [
        FieldError(field=_field_name(item.get("key")), message=str(item.get("message", "invalid")))
        for item in (error.extra if isinstance(error.extra, list) else [])
        if isinstance(item, dict)
    ]
    first = field_errors[0] if field_errors else None
    detail = f"{first.field}: {first.message}" if first else str(error.detail)
    return problem(
        400,
        "validation_error",
        detail,
        field=first.field if first else None,
        errors=field_errors or None,
    )


def refusal_headers(error: HTTPException) -> dict[str, str] | None:
    """The headers a refusal keeps (the rate limiter's), with ``Retry-After`` on a 429."""
    headers = dict(error.headers) if error.headers else None
    if error.status_code == 429:
        # The rate limiter says when its window resets (RateLimit-Reset, seconds); clients and
        # proxies read Retry-After.
        headers = headers or {}
        reset = headers.get("RateLimit-Reset", "")
        headers.setdefault("Retry-After", reset if reset.isdigit() and int(reset) > 0 else "60")
    return headers


def http_problem(_request: Request[Any, Any, Any], error: HTTPException) -> Response[Problem]:
    status = error.status_code
    code = CODES_BY_STATUS.get(status, "http_error")
    headers = refusal_headers(error)
    detail = error.detail if status < 500 else TITLES.get(status, "Error")
    return problem(status, code, detail, headers=headers)


def database_problem(request: Request[Any, Any, Any], error: Exception) -> Response[Problem]:
    logger.warning(
        "database unavailable on %s %s: %s", request.method, request.url.path, type(error).__name__
    )
    return problem(
        503,
        "service_unavailable",
        "the database is unavailable; retry later",
        headers={"Retry-After": "5"},
    )


def concurrency_problem(
    _request: Request[Any, Any, Any], _error: ConcurrentUpdate
) -> Response[Problem]:
    return problem(
        409,
        "concurrent_update",
        "the resource changed while the request ran; retry it",
    )


def unexpected_problem(request: Request[Any, Any, Any], error: Exception) -> Response[Problem]:
    logger.error(
        "unexpected %s on %s %s",
        type(error).__name__,
        request.method,
        request.url.path,
        exc_info=error,
    )
    return problem(500, "internal_error", "something went wrong on our side; it has been logged")


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    domain_errors.DomainError: domain_problem,
    ValidationException: validation_problem,
    HTTPException: http_problem,
    OperationalError: database_problem,
    DBAPIError: database_problem,
    ConnectionError: database_problem,
    ConcurrentUpdate: concurrency_problem,
    Exception: unexpected_problem,
}


def _field_name(key: object) -> str:
    if not isinstance(key, str) or not key:
        return "body"
    return key.removeprefix("$.").removeprefix("$") or "body"


DESCRIPTIONS: dict[int, str] = {
    400: "The request is malformed or a field is invalid (code validation_error, with field).",
    401: "No token, or an unknown one (code unauthorized).",
    402: "The payment gateway refused the request.",
    403: "The link or token is invalid or expired.",
    404: "No such resource for this caller (code not_found).",
    408: "The request body did not arrive in time (code request_timeout); the connection closes.",
    409: "The request conflicts with the resource's state.",
    413: "The request body is too large.",
    422: "A business rule refused the request.",
    429: "Too many requests from this address (code rate_limited).",
    503: "A dependency (database or gateway) is unavailable; retry later.",
}


def documented(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI responses for these statuses, each a problem document."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=DESCRIPTIONS.get(status, TITLES.get(status, "Error")),
            media_type=PROBLEM_MEDIA_TYPE,
        )
        for status in sorted({400, 408, 503, *statuses})
    }
