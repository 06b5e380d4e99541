"""The one place errors become responses: JSON with a code, a message and the field."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledgerlink.api.deps import MissingScope, Unauthenticated
from ledgerlink.db.faults import unavailable
from ledgerlink.errors import (
    AuthError,
    ForbiddenError,
    LedgerlinkError,
    NeedsReauthError,
    RateLimitedError,
    ValidationError,
)

log = logging.getLogger("ledgerlink.api")
MAX_PROBLEMS = 20  # problems listed in one validation error


def error_body(code: str, message: str, field: str | None = None,
               details: Any = None) -> dict[str, Any]:
    """The error envelope every failure uses."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    if details:
        error["details"] = details
    return {"error": error}


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    invalid_json = next((e for e in exc.errors() if e.get("type") == "json_invalid"), None)
    if invalid_json is not None:  # a body that is not JSON at all: 400, as documented
        reason = (invalid_json.get("ctx") or {}).get("error", "")
        return JSONResponse(error_body("invalid_json", "The request body is not valid JSON"
                                       + (f" ({reason})" if reason else ""),
                                       details={"position": invalid_json["loc"][-1]}),
                            status_code=400)
    found = exc.errors()
    # The first MAX_PROBLEMS and a count of the rest: a body with 100,000 bad keys must not
    # answer a 100,000-item (megabytes) error.
    problems = [{"field": _loc_to_field(tuple(e.get("loc", ()))), "message": e.get("msg", ""),
                 "type": e.get("type", "")} for e in found[:MAX_PROBLEMS]]
    field = str(problems[0]["field"]) if problems else None
    text = str(problems[0]["message"]) if problems else "Invalid request"
    message = f"{field}: {text}" if field else text
    details: dict[str, Any] = {"problems": problems}
    if len(found) > MAX_PROBLEMS:
        details["more_problems"] = len(found) - MAX_PROBLEMS
    return JSONResponse(error_body("invalid_request", message, field, details),
                        status_code=422)


def _status(exc: LedgerlinkError) -> int:
    """Xero's 401/403 must not look like our own API-key failures to the caller."""
    if isinstance(exc, NeedsReauthError):
        return 409
    if isinstance(exc, AuthError | ForbiddenError):
        return 502
    if isinstance(exc, ValidationError):
        return 422
    return exc.status


async def _ledgerlink(request: Request, exc: LedgerlinkError) -> JSONResponse:
    status = _status(exc)
    if status >= 500:
        log.warning("request failed: %s %s -> %s (%s)", request.method, request.url.path,
                    exc.code, exc.message)
    headers = None
    if isinstance(exc, RateLimitedError) and exc.retry_at is not None:
        wait = max(1, int((exc.retry_at - datetime.now(UTC)).total_seconds()) + 1)
        headers = {"Retry-After": str(wait)}
    retry_after = getattr(exc, "retry_after", None)  # 503s and runs still in progress
    if isinstance(retry_after, int):
        headers = {"Retry-After": str(retry_after)}
    return JSONResponse(error_body(exc.code, exc.message, exc.field, exc.details or None),
                        status_code=status, headers=headers)


async def _unauthenticated(request: Request, exc: Unauthenticated) -> JSONResponse:
    return JSONResponse(error_body("unauthenticated", "A valid API key is required: send "
                                   "`Authorization: Bearer <key>`."), status_code=401,
                        headers={"WWW-Authenticate": "Bearer"})


async def _missing_scope(request: Request, exc: MissingScope) -> JSONResponse:
    has = ", ".join(sorted(s.value for s in exc.has)) or "none"
    return JSONResponse(error_body("missing_scope", f"This API key lacks the scope "
                                   f"'{exc.scope.value}' needed here (it has: {has}).",
                                   details={"required_scope": exc.scope.value}),
                        status_code=403)


def _allowed_methods(request: Request) -> str:
    """Every method the API serves at this path (Starlette names only the first route's)."""
    patterns: list[tuple[re.Pattern[str], set[str]]] | None = getattr(
        request.app.state, "allow_patterns", None)
    if patterns is None:
        patterns = []
        for path, item in request.app.openapi().get("paths", {}).items():
            regex = re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "/?$")
            patterns.append((regex, {m.upper() for m in item if m.isalpha()}))
        request.app.state.allow_patterns = patterns
    methods: set[str] = set()
    for regex, verbs in patterns:
        if regex.match(request.url.path):
            methods |= verbs
    return ", ".join(sorted(methods))


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
            415: "unsupported_media_type"}.get(exc.status_code, "http_error")
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                        headers=headers or None)


async def _storage(request: Request, exc: sa_exc.SQLAlchemyError) -> JSONResponse:
    """A database that is down or read-only is a 503 to retry; anything else is a bug."""
    outage = unavailable(exc)
    if outage is None:
        return unexpected(request, exc)
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                type(exc.__cause__ or exc).__name__)
    return await _ledgerlink(request, outage)


def unexpected(request: Request, exc: BaseException) -> JSONResponse:
    """The 500 of a bug: logged with its traceback; the body says nothing of the internals."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal_error", "An unexpected error occurred; it has "
                                   "been logged."), status_code=500)


def install(app: FastAPI) -> None:
    """Register the handlers."""
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(LedgerlinkError, _ledgerlink)  # type: ignore[arg-type]
    app.add_exception_handler(Unauthenticated, _unauthenticated)  # type: ignore[arg-type]
    app.add_exception_handler(MissingScope, _missing_scope)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(sa_exc.DBAPIError, _storage)  # type: ignore[arg-type]
    app.add_exception_handler(sa_exc.TimeoutError, _storage)  # type: ignore[arg-type]
    # Any other exception is answered by CatchAll (api/middleware.py): a handler for
    # Exception would run in Starlette's outermost middleware, which re-raises after
    # answering, and the server then drops the keep-alive connection.
