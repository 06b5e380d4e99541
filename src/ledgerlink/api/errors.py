"""The one place errors become responses: every failure is a LedgerlinkError, rendered once."""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledgerlink.db.faults import unavailable
from ledgerlink.errors import (
    ConflictingInputError,
    InputError,
    LedgerlinkError,
    MalformedBodyError,
)

log = logging.getLogger("ledgerlink.api")
MAX_PROBLEMS = 20  # problems listed in one validation error
_LOCATIONS = ("body", "query", "path", "header", "cookie")


class HttpError(LedgerlinkError):
    """A failure of the HTTP layer itself: no such route, method, size or media type."""

    CODES: ClassVar[dict[int, str]] = {
        404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
        415: "unsupported_media_type"}

    def __init__(self, status: int, message: str, headers: dict[str, str]) -> None:
        super().__init__(message)
        self.status, self.code = status, self.CODES.get(status, "http_error")
        self._headers = headers

    def headers(self) -> dict[str, str]:
        """Starlette's own headers (e.g. Allow on a 405)."""
        return self._headers


def render(exc: LedgerlinkError) -> JSONResponse:
    """The answer to an error: its status, `{"error": {...}}` and its headers; nothing else."""
    return JSONResponse({"error": exc.to_dict()}, status_code=exc.status,
                        headers=exc.headers() or None)


async def _ledgerlink(request: Request, exc: LedgerlinkError) -> JSONResponse:
    if exc.status >= 500:
        log.warning("request failed: %s %s -> %s (%s)", request.method, request.url.path,
                    exc.code, exc.message)
    return render(exc)


def _field(error: dict[str, Any], body: Any) -> str:
    """Where a problem is, dotted (`params.date_from`), without the request part it came in
    nor a tagged union's tag (pydantic puts `xero_invoices` in the location)."""
    loc = list(error.get("loc", ()))
    if loc and loc[0] in _LOCATIONS:
        loc = loc[1:]
    if loc and isinstance(body, dict) and isinstance(loc[0], str) and loc[0] not in body \
            and loc[0] in {v for v in body.values() if isinstance(v, str)}:
        loc = loc[1:]
    context = error.get("ctx") or {}
    named = context.get("field")  # a model-level rule names its field
    if isinstance(named, str):
        loc.append(named)
    elif error.get("type") in ("union_tag_invalid", "union_tag_not_found"):
        loc.append(str(context.get("discriminator", "")).strip("'"))  # the tag's own field
    return ".".join(str(p) for p in loc) or "body"


def input_error(exc: RequestValidationError) -> InputError:
    """FastAPI's validation failure as the error tree's InputError (or a subclass)."""
    found = exc.errors()
    invalid_json = next((e for e in found if e.get("type") == "json_invalid"), None)
    if invalid_json is not None:  # a body that is not JSON at all: 400, as documented
        reason = (invalid_json.get("ctx") or {}).get("error", "")
        return MalformedBodyError("The request body is not valid JSON"
                                  + (f" ({reason})" if reason else ""),
                                  details={"position": invalid_json["loc"][-1]})
    # The first MAX_PROBLEMS and a count of the rest: a body with 100,000 bad keys must not
    # answer a 100,000-item (megabytes) error.
    problems = []
    for error in found[:MAX_PROBLEMS]:
        message = str((error.get("ctx") or {}).get("message") or error.get("msg", ""))
        problems.append({"field": _field(error, exc.body), "message": message,
                         "type": str(error.get("type", ""))})
    details: dict[str, Any] = {"problems": problems}
    if len(found) > MAX_PROBLEMS:
        details["more_problems"] = len(found) - MAX_PROBLEMS
    first = problems[0] if problems else {"field": "body", "message": "Invalid request"}
    # Schema breaches first: a rule between values only counts once every value is valid.
    kind = ConflictingInputError if all(p["type"] == "conflicting_input" for p in problems) \
        and problems else InputError
    return kind(f"{first['field']}: {first['message']}", field=first["field"], details=details)


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    return render(input_error(exc))


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
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return render(HttpError(exc.status_code, str(exc.detail), headers))


async def _storage(request: Request, exc: sa_exc.SQLAlchemyError) -> JSONResponse:
    """A database that is down or read-only is a 503 to retry; anything else is a bug."""
    outage = unavailable(exc)
    if outage is None:
        return unexpected(request, exc)
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                type(exc.__cause__ or exc).__name__)
    return render(outage)


def unexpected(request: Request, exc: BaseException) -> JSONResponse:
    """The 500 of a bug: logged with its traceback; the body says nothing of the internals."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return render(LedgerlinkError("An unexpected error occurred; it has been logged."))


def install(app: FastAPI) -> None:
    """Register the handlers."""
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(LedgerlinkError, _ledgerlink)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(sa_exc.DBAPIError, _storage)  # type: ignore[arg-type]
    app.add_exception_handler(sa_exc.TimeoutError, _storage)  # type: ignore[arg-type]
    # Any other exception is answered by CatchAll (api/middleware.py): a handler for
    # Exception would run in Starlette's outermost middleware, which re-raises after
    # answering, and the server then drops the keep-alive connection.
