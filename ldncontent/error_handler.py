"""The one exception handler: every API error is rendered as {code, detail} (+ field errors)."""

import logging
import re
import sys
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from ldncontent.exceptions import DomainError, RequestTooLarge, too_large_detail

_DRF_CODES = {
    exceptions.ParseError: "malformed_json",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    RequestTooLarge: "request_too_large",
}

logger = logging.getLogger(__name__)

# What a database that is down, unreachable or locked raises (SQLite and PostgreSQL alike);
# `database_is_unavailable` tells these apart from a bug that raises the same classes.
DATABASE_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)
DATABASE_RETRY_AFTER_SECONDS = 5
# SQLite's messages for a database that is busy or cannot be reached.
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "unable to open",
    "disk i/o",
)
# PostgreSQL's SQLSTATE classes worth a retry: connection exception, transaction rollback
# (deadlock, serialization), insufficient resources, operator intervention (shutdown,
# cancelled statement).
_POSTGRESQL_RETRY_CLASSES = ("08", "40", "53", "57")


def database_is_unavailable(error: Exception) -> bool:
    """True when `error` says the database is down, unreachable or busy (retry), not a bug."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate[:2] in _POSTGRESQL_RETRY_CLASSES
    if hasattr(cause, "sqlite_errorcode") or type(cause).__module__ == "sqlite3":
        return any(text in str(error).lower() for text in _SQLITE_UNAVAILABLE)
    return True  # no state: the connection itself failed


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The body of every API error: a stable `code`, a `detail` that says what to fix, extras."""
    return {"code": code, "detail": detail, **extra}


def _new_request_id() -> str:
    return uuid.uuid4().hex


def database_unavailable(request: HttpRequest, error: Exception) -> JsonResponse:
    """503 with Retry-After for a database that is down or locked; the error goes to the log."""
    request_id = _new_request_id()
    logger.warning(
        "Database unavailable, request %s (%s %s): %s: %s",
        request_id,
        request.method,
        request.path,
        type(error).__name__,
        error,
    )
    response = JsonResponse(
        error_body(
            "database_unavailable",
            "The database is unavailable or busy. Retry in "
            f"{DATABASE_RETRY_AFTER_SECONDS} seconds.",
            retry_after=DATABASE_RETRY_AFTER_SECONDS,
            request_id=request_id,
        ),
        status=503,
    )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    response["X-Request-ID"] = request_id
    return response


def _flatten_detail(detail: Any) -> Any:
    """Turn DRF's ErrorDetail structures into plain strings, lists and dicts."""
    if isinstance(detail, dict):
        return {str(key): _flatten_detail(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten_detail(item) for item in detail]
    return str(detail)


def _summarise_errors(errors: Any, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        lines = []
        for key, value in errors.items():
            name = key if not prefix else f"{prefix}.{key}"
            if key == "non_field_errors":
                name = prefix or "body"
            lines.extend(_summarise_errors(value, name))
        return lines
    if isinstance(errors, list):
        if all(isinstance(item, str) for item in errors):
            return [f"{prefix or 'body'}: {' '.join(errors)}"]
        lines = []
        for index, item in enumerate(errors):
            lines.extend(_summarise_errors(item, f"{prefix}[{index}]"))
        return lines
    return [f"{prefix or 'body'}: {errors}"]


_ITEM_FIELD = re.compile(r"^(?P<name>\w+)\[(?P<item>[\w-]+)\]\.(?P<field>\w+)$")


def _nested_by_index(errors: dict[str, Any]) -> dict[str, Any]:
    """Field errors of list items (`sections[1].heading`, or `sections[dosing].body` for a
    stored section, as services name them) in the shape the serializers give:
    `{"sections": {"1": {"heading": [...]}}}`. A key that would clash stays as it is."""
    nested: dict[str, Any] = {}
    for key, value in errors.items():
        match = _ITEM_FIELD.match(key)
        if match is None or match["name"] in errors:
            nested[key] = value
        else:
            item = nested.setdefault(match["name"], {}).setdefault(match["item"], {})
            item[match["field"]] = value
    return nested


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Render domain and framework errors as `{code, detail}`, plus `errors` for field errors."""
    if isinstance(exc, DomainError):
        field_errors = {"errors": _nested_by_index(exc.errors)} if exc.errors else {}
        return Response(error_body(exc.code, exc.detail, **field_errors), status=exc.status_code)

    if database_is_unavailable(exc):
        set_rollback()
        return database_unavailable(context["request"], exc)

    if isinstance(exc, RequestDataTooBig):
        # Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE) is met before the JSON parser's.
        exc = RequestTooLarge(too_large_detail())

    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found: check the slug, anchor or id in the URL.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten_detail(exc.detail)
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors if isinstance(errors, list) else [errors]}
        summary = "; ".join(_summarise_errors(errors))
        response.data = error_body(
            "invalid", f"The request has invalid fields: {summary}", errors=errors
        )
        return response

    code = next(
        (value for kind, value in _DRF_CODES.items() if isinstance(exc, kind)),
        getattr(exc, "default_code", "error"),
    )
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    response.data = error_body(code, str(detail))
    if isinstance(exc, exceptions.NotAuthenticated):
        response.data["detail"] = (
            "Authentication required: send `Authorization: Bearer <token>` "
            "(POST /api/v1/auth/token/ issues one) or log in for a session."
        )
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 for a URL no route matches: `{code, detail}` under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(
                "not_found", "No API operation has this path: check it against /api/schema/."
            ),
            status=404,
        )
    return defaults.page_not_found(request, exception)


class ApiNotFoundMiddleware:
    """With DEBUG on, Django answers a URL no route matches with its HTML debug page instead of
    `page_not_found`: API clients get the JSON 404 of production either way. It wraps
    CommonMiddleware, so a path that only lacks its trailing slash is still redirected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.resolver_match is None  # a route's own 404 says what was not found
            and settings.DEBUG
            and request.path.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return page_not_found(request, None)
        return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 (e.g. a Host not in ALLOWED_HOSTS): `{code, detail}` under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(
                "bad_request",
                "The request is malformed (for example its Host header is not one "
                "this server answers to): check the URL and headers.",
            ),
            status=400,
        )
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 under /api/: 503 for an unavailable database, else a JSON 500 with an id.

    The client gets no internals, only a request id to quote; the id is logged next to the
    traceback that Django logs. Elsewhere (the admin) Django's own page is kept.
    """
    if not request.path.startswith("/api/"):
        return defaults.server_error(request)
    error = sys.exc_info()[1]
    if error is not None and database_is_unavailable(error):
        return database_unavailable(request, error)
    request_id = _new_request_id()
    logger.error(
        "Server error, request %s (%s %s): %s",
        request_id,
        request.method,
        request.path,
        type(error).__name__ if error is not None else "unknown",
        exc_info=error,
    )
    response = JsonResponse(
        error_body(
            "server_error",
            "The server failed to answer this request; it has been logged. Quote "
            "the request_id if you report it.",
            request_id=request_id,
        ),
        status=500,
    )
    response["X-Request-ID"] = request_id
    return response
