"""The one place errors become responses: JSON with a code, a message and the field."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledgerlink.api.deps import MissingScope, Unauthenticated
from ledgerlink.errors import LedgerlinkError

log = logging.getLogger("ledgerlink.api")


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
    problems = [{"field": _loc_to_field(tuple(e.get("loc", ()))), "message": e.get("msg", ""),
                 "type": e.get("type", "")} for e in exc.errors()]
    field = str(problems[0]["field"]) if problems else None
    text = str(problems[0]["message"]) if problems else "Invalid request"
    message = f"{field}: {text}" if field else text
    return JSONResponse(error_body("invalid_request", message, field, {"problems": problems}),
                        status_code=422)


async def _ledgerlink(request: Request, exc: LedgerlinkError) -> JSONResponse:
    if exc.status >= 500:
        log.warning("request failed: %s %s -> %s (%s)", request.method, request.url.path,
                    exc.code, exc.message)
    return JSONResponse(error_body(exc.code, exc.message, exc.field, exc.details or None),
                        status_code=exc.status)


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


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(error_body("internal_error", "An unexpected error occurred; it has "
                                   "been logged."), status_code=500)


def install(app: FastAPI) -> None:
    """Register the handlers."""
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(LedgerlinkError, _ledgerlink)  # type: ignore[arg-type]
    app.add_exception_handler(Unauthenticated, _unauthenticated)  # type: ignore[arg-type]
    app.add_exception_handler(MissingScope, _missing_scope)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
